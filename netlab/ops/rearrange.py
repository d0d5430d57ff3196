"""Rearranging copies: repeat, tile, flip (fliplr, flipud) and roll."""

from __future__ import annotations

import numpy as np

from netlab.autograd.node import Function
from netlab.backend import get_array_module
from netlab.ops._util import wrap_dim
from netlab.ops.shape import shape_args
from netlab.tensor import Tensor

__all__ = ["tile", "flip", "fliplr", "flipud", "roll"]


class Repeat(Function):
    def __init__(self, reps):
        self.reps = reps

    def forward(self, a):
        self.src = a.shape
        return get_array_module(a).tile(a, self.reps)

    def backward(self, g):
        # view the result as (r0, s0, r1, s1, ...) and sum the copies away
        padded = (1,) * (len(self.reps) - len(self.src)) + tuple(self.src)
        inter = [n for pair in zip(self.reps, padded) for n in pair]
        g = g.reshape(inter).sum(tuple(range(0, len(inter), 2)))
        return g.reshape(self.src)


class Flip(Function):
    def __init__(self, dims):
        self.dims = dims

    def forward(self, a):
        return get_array_module(a).flip(a, axis=self.dims).copy()

    def backward(self, g):
        return Flip(self.dims)(g)


class Roll(Function):
    def __init__(self, shifts, dims):
        self.shifts, self.dims = shifts, dims

    def forward(self, a):
        return get_array_module(a).roll(a, self.shifts, axis=self.dims)

    def backward(self, g):
        neg = -self.shifts if isinstance(self.shifts, int) else tuple(-s for s in self.shifts)
        return Roll(neg, self.dims)(g)


# repeat / tile ---------------------------------------------------------------------------

def _repeat(self, *sizes):
    """The tensor tiled ``sizes`` times along each dim (a copy); extra sizes add leading dims.

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([1, 2]).repeat(2)
    tensor([1, 2, 1, 2])
    """
    sizes = shape_args(sizes)
    if len(sizes) < self._array.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"Trying to create tensor with negative dimension "
                           f"{min(sizes)}: {list(sizes)}")
    return Repeat(sizes)(self)


def tile(input, dims):
    """Like ``repeat``, but missing leading ``dims`` count as 1.

    Examples
    --------
    >>> import netlab
    >>> netlab.tile(netlab.tensor([[1, 2]]), (2,))
    tensor([[1, 2, 1, 2]])
    """
    dims = shape_args((dims,)) if not isinstance(dims, int) else (dims,)
    lead = input._array.ndim - len(dims)
    return _repeat(input, (1,) * lead + dims if lead > 0 else dims)


def _tile_method(self, *dims):
    return tile(self, shape_args(dims))


# flip / roll ------------------------------------------------------------------------------

def flip(input, *dims, **kwargs):
    """A copy with the order of elements reversed along ``dims``.

    Examples
    --------
    >>> import netlab
    >>> netlab.flip(netlab.tensor([1, 2, 3]), [0])
    tensor([3, 2, 1])
    """
    if "dims" in kwargs:
        dims = kwargs.pop("dims")
    elif len(dims) == 1 and not isinstance(dims[0], int):
        dims = dims[0]
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    nd = input._array.ndim
    axes = tuple(wrap_dim(d, nd) for d in dims)
    for a in axes:
        if axes.count(a) > 1:
            raise RuntimeError(f"dim {a} appears multiple times in the list of dims")
    return Flip(axes if nd else ())(input)


def fliplr(input):
    if input._array.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return Flip((1,))(input)


def flipud(input):
    if input._array.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return Flip((0,))(input)


def roll(input, shifts, dims=None):
    """Rotate elements along ``dims`` by ``shifts`` (of the flattened tensor when ``dims`` is
    None); a copy.

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([1, 2, 3, 4]).roll(1)
    tensor([4, 1, 2, 3])
    """
    shifts = (int(shifts),) if isinstance(shifts, (int, np.integer)) else tuple(
        int(s) for s in shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        return Roll(shifts[0], None)(input)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims:{len(dims)}")
    nd = input._array.ndim
    axes = tuple(wrap_dim(d, nd) for d in dims)
    if nd == 0:
        return Roll(0, None)(input)
    return Roll(shifts, axes)(input)


Tensor.repeat = _repeat
Tensor.tile = _tile_method
Tensor.flip = flip
Tensor.fliplr = fliplr
Tensor.flipud = flipud
Tensor.roll = roll
