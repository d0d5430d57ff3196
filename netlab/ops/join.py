"""Joining and splitting: cat, stack (and hstack/vstack/dstack/column_stack), split, chunk,
tensor_split and unbind. The pieces of a split are views of their input; joins copy.
"""

from __future__ import annotations

import numpy as np

from netlab.autograd.node import Function
from netlab.backend import get_array_module
from netlab.dtypes import promote_types
from netlab.ops._util import wrap_dim, write_out
from netlab.ops.shape import Strided, full_key, narrow, reshape, select, unsqueeze
from netlab.tensor import Tensor

__all__ = ["cat", "concat", "concatenate", "stack", "hstack", "vstack", "dstack", "row_stack",
           "column_stack", "atleast_1d", "atleast_2d", "atleast_3d", "split", "chunk",
           "tensor_split", "unbind"]


class Split(Function):
    """Consecutive views along ``dim`` (split, chunk); the gradient concatenates them."""

    is_view = True

    def __init__(self, dim, sizes, name):
        self.dim, self.sizes = dim, sizes
        self._backward_name = name

    def forward(self, a):
        outs, off = [], 0
        for s in self.sizes:
            outs.append(a[full_key(self.dim, slice(off, off + s))])
            off += s
        return tuple(outs)

    def backward(self, *gs):
        return Cat(self.dim)(*gs)


class Unbind(Function):
    is_view = True

    def __init__(self, dim):
        self.dim = dim

    def forward(self, a):
        return tuple(a[full_key(self.dim, i)] for i in range(a.shape[self.dim]))

    def backward(self, *gs):
        return Stack(self.dim)(*gs)


class Cat(Function):
    """Concatenation; inputs at positions ``skip`` (legacy empty 1-D tensors) are left out."""

    def __init__(self, dim, skip=()):
        self.dim, self.skip = dim, skip

    def forward(self, *arrays):
        used = [a for i, a in enumerate(arrays) if i not in self.skip]
        self.sizes = [None if i in self.skip else a.shape[self.dim] for i, a in enumerate(arrays)]
        return get_array_module(used[0]).concatenate(used, axis=self.dim)

    def backward(self, g):
        out, off = [], 0
        needs = self.needs_input_grad or (True,) * len(self.sizes)
        for s, need in zip(self.sizes, needs):
            if not need:
                out.append(None)
            elif s is None:
                out.append(Tensor._zeros((0,), g._array.dtype, g.device))
            else:
                out.append(narrow(g, self.dim, off, s))
            off += s or 0
        return tuple(out)


class Stack(Function):
    def __init__(self, dim):
        self.dim = dim

    def forward(self, *arrays):
        self.n = len(arrays)
        return get_array_module(arrays[0]).stack(arrays, axis=self.dim)

    def backward(self, g):
        needs = self.needs_input_grad or (True,) * self.n
        return tuple(select(g, self.dim, i) if need else None for i, need in enumerate(needs))


# cat / stack -----------------------------------------------------------------------------

def _same_device_and_dtype(tensors):
    dt = tensors[0].dtype
    for x in tensors[1:]:
        dt = promote_types(dt, x.dtype)
    dev = tensors[0].device
    for x in tensors[1:]:
        if x.device != dev:
            raise RuntimeError(f"Expected all tensors to be on the same device, but found at "
                               f"least two devices, {dev} and {x.device}!")
    return [x if x._array.dtype == dt.np else x.to(dt) for x in tensors]


def _tensor_list(tensors, fname):
    tensors = list(tensors)
    for i, x in enumerate(tensors):
        if not isinstance(x, Tensor):
            raise TypeError(f"{fname}(): argument 'tensors' must be tuple of Tensors, but found "
                            f"element of type {type(x).__name__} at pos {i}")
    return tensors


def cat(tensors, dim: int = 0, *, out=None):
    """Concatenate tensors along ``dim`` (dtypes are promoted; legacy empty 1-D tensors are
    skipped, as in PyTorch).

    Examples
    --------
    >>> import netlab
    >>> netlab.cat([netlab.zeros(2, 3), netlab.ones(1, 3)]).shape
    netlab.Size([3, 3])
    """
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("netlab.cat(): expected a non-empty list of Tensors")
    for i, x in enumerate(tensors):
        if x._array.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be "
                               "concatenated")
    used = [(i, x) for i, x in enumerate(tensors) if x._array.shape != (0,)] or \
        list(enumerate(tensors))
    skip = frozenset(range(len(tensors))) - {i for i, _ in used}
    ref = used[0][1]._array.shape
    d = wrap_dim(dim, len(ref))
    for i, x in used:
        shape = x._array.shape
        if len(shape) != len(ref):
            raise RuntimeError(f"Tensors must have same number of dimensions: got {len(ref)} "
                               f"and {len(shape)}")
        for k, (a, b) in enumerate(zip(ref, shape)):
            if k != d and a != b:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {a} but got size {b} for tensor number {i} "
                                   "in the list.")
    res = Cat(d, skip)(*_same_device_and_dtype(tensors))
    return res if out is None else write_out(out, res)


concat = cat


def concatenate(tensors, axis: int = 0, out=None):
    return cat(tensors, axis, out=out)


def stack(tensors, dim: int = 0, *, out=None):
    """Join equally shaped tensors along a new dim ``dim``.

    Examples
    --------
    >>> import netlab
    >>> netlab.stack([netlab.zeros(2), netlab.ones(2)], 1).shape
    netlab.Size([2, 2])
    """
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    ref = tensors[0]._array.shape
    for i, x in enumerate(tensors):
        if x._array.shape != ref:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(ref)} "
                               f"at entry 0 and {list(x._array.shape)} at entry {i}")
    d = wrap_dim(dim, len(ref) + 1)
    res = Stack(d)(*_same_device_and_dtype(tensors))
    return res if out is None else write_out(out, res)


def _atleast(n, tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
        single = False
    else:
        single = len(tensors) == 1
    out = []
    for x in tensors:
        nd = x._array.ndim
        if nd == 0:
            x = reshape(x, (1,) * n)
        elif nd == 1 and n >= 2:
            x = unsqueeze(x, 0)
            if n == 3:
                x = unsqueeze(x, -1)
        elif nd == 2 and n == 3:
            x = unsqueeze(x, -1)
        out.append(x)
    return out[0] if single else tuple(out)


def atleast_1d(*tensors):
    """Each tensor with at least one dim (0-d becomes shape (1,))."""
    return _atleast(1, tensors)


def atleast_2d(*tensors):
    return _atleast(2, tensors)


def atleast_3d(*tensors):
    return _atleast(3, tensors)


def hstack(tensors, *, out=None):
    """Concatenate column-wise (along dim 0 for 1-D tensors, else dim 1)."""
    ts = atleast_1d(list(tensors))
    return cat(ts, 0 if ts[0]._array.ndim == 1 else 1, out=out)


def vstack(tensors, *, out=None):
    """Concatenate row-wise, 1-D tensors becoming rows."""
    return cat(atleast_2d(list(tensors)), 0, out=out)


row_stack = vstack


def dstack(tensors, *, out=None):
    return cat(atleast_3d(list(tensors)), 2, out=out)


def column_stack(tensors, *, out=None):
    """1-D (and 0-d) tensors become columns, then everything is concatenated along dim 1."""
    ts = [x.reshape(x.numel(), 1) if x._array.ndim <= 1 else x for x in tensors]
    return cat(ts, 1, out=out)


# split / chunk / unbind ------------------------------------------------------------------

def split(tensor, split_size_or_sections, dim: int = 0):
    """Views of consecutive pieces along ``dim``: equal pieces of ``split_size`` (the last
    may be shorter) or the given list of sizes.

    Examples
    --------
    >>> import netlab
    >>> [p.shape[0] for p in netlab.arange(5).split(2)]
    [2, 2, 1]
    """
    if tensor._array.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, tensor._array.ndim)
    n = tensor._array.shape[d]
    sec = split_size_or_sections
    if isinstance(sec, Tensor):
        sec = sec.tolist()
    if isinstance(sec, (int, np.integer)):
        s = int(sec)
        if s < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got "
                               f"split_size={s}")
        if s == 0 and n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {n}")
        sizes = [s] * (n // s) + ([n % s] if n % s else []) if n else [0]
        return Split(d, tuple(sizes), "SplitBackward0")(tensor)
    sizes = [int(v) for v in sec]
    if sum(sizes) != n or any(v < 0 for v in sizes):
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input "
                           f"tensor's size at dimension {d}), but got split_sizes={sizes}")
    return Split(d, tuple(sizes), "SplitWithSizesBackward0")(tensor)


def _split_method(self, split_size, dim=0):
    return split(self, split_size, dim)


def chunk(input, chunks: int, dim: int = 0):
    """At most ``chunks`` views of (almost) equal size along ``dim``.

    Examples
    --------
    >>> import netlab
    >>> [c.tolist() for c in netlab.tensor([1, 2, 3, 4, 5]).chunk(2)]
    [[1, 2, 3], [4, 5]]
    """
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if input._array.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    n = input._array.shape[wrap_dim(dim, input._array.ndim)]
    if n == 0:  # PyTorch gives `chunks` empty pieces here
        return split(input, [0] * chunks, dim)
    return split(input, -(-n // chunks), dim)


def tensor_split(input, indices_or_sections, dim: int = 0):
    """Views split into ``sections`` nearly equal parts, or at the given ``indices``."""
    if input._array.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a "
                           "tensor with 0 dims")
    d = wrap_dim(dim, input._array.ndim)
    n = input._array.shape[d]
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        ios = ios.item() if ios._array.ndim == 0 else ios.tolist()
    bounds = []
    if isinstance(ios, (int, np.integer)):
        k = int(ios)
        if k <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {k}")
        q, r = divmod(n, k)
        start = 0
        for i in range(k):
            size = q + 1 if i < r else q
            bounds.append((start, start + size))
            start += size
    else:
        idx = [0] + [int(i) for i in ios] + [n]
        for a, b in zip(idx[:-1], idx[1:]):
            a, b, _ = slice(a, b).indices(n)  # Python slicing: negatives wrap, ends clamp
            bounds.append((a, max(a, b)))
    return tuple(Strided(full_key(d, slice(a, b)), "SliceBackward0")(input) for a, b in bounds)


def unbind(input, dim: int = 0) -> tuple:
    """The slices along ``dim`` as a tuple of views.

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([[1, 2], [3, 4]]).unbind(1)
    (tensor([1, 3]), tensor([2, 4]))
    """
    if input._array.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    return Unbind(wrap_dim(dim, input._array.ndim))(input)


Tensor.split = _split_method
Tensor.chunk = chunk
Tensor.tensor_split = tensor_split
Tensor.unbind = unbind
