"""Cumulative ops along one dim: cumsum and cumprod (and their in-place methods).

cumprod's gradient is exact where the input holds zeros, also for double backward.
"""

# ruff: noqa: A002 - PyTorch's parameter names (input)
from __future__ import annotations

import numpy as np

from netlab.autograd.node import Function
from netlab.backend import get_array_module
from netlab.dtypes import as_dtype
from netlab.ops._util import apply_inplace, cast, wrap_dim
from netlab.ops.reduction import _const, _out, sum_
from netlab.tensor import Tensor

__all__ = ["cumsum", "cumprod"]


class Cumsum(Function):
    def __init__(self, axis, np_dtype=None):
        self.axis, self.np_dtype = axis, np_dtype

    def forward(self, a):
        self.in_dtype = a.dtype
        dt = self.np_dtype or (np.int64 if a.dtype.kind in "biu" else a.dtype)
        if a.ndim == 0:
            return a.astype(dt)
        return get_array_module(a).cumsum(a, axis=self.axis, dtype=dt)

    def backward(self, g):
        if g.ndim:
            g = _RevCumsum(self.axis)(g)
        return cast(g, self.in_dtype)


class _RevCumsum(Function):
    """Sums from the end, ``flip(cumsum(flip(g)))``: cumsum's backward (and the reverse)."""

    _backward_name = "CumsumBackward0"

    def __init__(self, axis):
        self.axis = axis

    def forward(self, g):
        xp = get_array_module(g)
        return xp.flip(xp.cumsum(xp.flip(g, self.axis), axis=self.axis), self.axis)

    def backward(self, gg):
        return Cumsum(self.axis)(gg)


def _rev_cumsum_raw(xp, v, axis):
    return xp.flip(xp.cumsum(xp.flip(v, axis), axis=axis), axis)


def _zero_masks(xp, xa, axis):
    """Per slice: positions before the first zero, the first zero, and after it."""
    z = xa == 0
    cz = xp.cumsum(z, axis=axis)
    first = z & (cz == 1)
    return cz == 0, first, (cz >= 1) & ~first


def _cumprod_grad_raw(xp, xa, ga, axis):
    """Values of cumprod's input gradient (exact with zeros); constants, no graph."""
    with np.errstate(all="ignore"):
        if not (xa == 0).any():
            return _rev_cumsum_raw(xp, ga * xp.cumprod(xa, axis=axis), axis) / xa
        before, first, after = _zero_masks(xp, xa, axis)
        y = xp.cumprod(xa, axis=axis)
        p1 = xp.where(before, _rev_cumsum_raw(xp, ga * y, axis) / xp.where(before, xa, 1), 0)
        e = xp.cumprod(xp.where(before, xa, 1), axis=axis)
        post = xp.cumprod(xp.where(after, xa, 1), axis=axis)
        s = xp.sum(xp.where(before, 0, ga * post), axis=axis, keepdims=True)
        return p1 + xp.where(first, e * s, 0)


def _cumprod_backward(g: Tensor, x: Tensor, y: Tensor, axis) -> Tensor:
    """Gradient of ``y = cumprod(x)``: ``sum_{i >= j} g_i prod_{k <= i, k != j} x_k``.

    Without zeros it is ``revcumsum(g * y) / x``. With zeros, per slice with first zero at f:
    positions before f keep that form (x_j != 0 there); at f it is ``prod_{k<f} x_k *
    sum_{i>=f} g_i prod_{f<k<=i} x_k``; after f the value is 0 and only its derivative with
    respect to x_f is non-zero, so it is written as ``x_f * D`` with D a constant. Each part
    is exact to first order, so double backward is exact too.
    """
    xa = x._array
    xp = get_array_module(xa)
    if not (xa == 0).any():
        return _RevCumsum(axis)(g * y) / x
    dt = xa.dtype
    before, first, after = _zero_masks(xp, xa, axis)
    bf, ff, af = (_const(m.astype(dt)) for m in (before, first, after))
    nb, na = (_const((~m).astype(dt)) for m in (before, after))
    part1 = _RevCumsum(axis)(g * y) / (x * bf + nb) * bf
    e = Cumprod(axis)(x * bf + nb)
    post = Cumprod(axis)(x * af + na)
    s = sum_(g * post * (ff + af), axis, keepdim=True)
    part2 = ff * e * s
    xf = sum_(x * ff, axis, keepdim=True)
    d = _cumprod_grad_raw(xp, xa + first.astype(dt), g._array, axis) * after
    return part1 + part2 + xf * _const(d.astype(dt))


class Cumprod(Function):
    def __init__(self, axis, np_dtype=None):
        self.axis, self.np_dtype = axis, np_dtype

    def forward(self, a):
        self.in_dtype = a.dtype
        dt = self.np_dtype or (np.int64 if a.dtype.kind in "biu" else a.dtype)
        y = a.astype(dt) if a.ndim == 0 else get_array_module(a).cumprod(a, axis=self.axis,
                                                                         dtype=dt)
        self.save_for_backward(a, y)
        return y

    def backward(self, g):
        x, y = self.saved_tensors
        if g.ndim == 0:
            return cast(g, self.in_dtype)
        return cast(_cumprod_backward(g, x, y, self.axis), self.in_dtype)


def cumsum(input, dim, *, dtype=None, out=None):
    """Cumulative sum along ``dim``; bool and integers accumulate as int64.

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([1., 2., 3.]).cumsum(0)
    tensor([1., 3., 6.])
    """
    axis = wrap_dim(dim, input._array.ndim)
    return _out(Cumsum(axis, None if dtype is None else as_dtype(dtype).np)(input), out)


def cumprod(input, dim, *, dtype=None, out=None):
    """Cumulative product along ``dim``; the gradient is exact also where the input is 0.

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([1., 2., 3.]).cumprod(0)
    tensor([1., 2., 6.])
    """
    axis = wrap_dim(dim, input._array.ndim)
    return _out(Cumprod(axis, None if dtype is None else as_dtype(dtype).np)(input), out)


def _cumsum_(self, dim, *, dtype=None):
    return apply_inplace(self, lambda t: cumsum(t, dim, dtype=dtype))


def _cumprod_(self, dim, *, dtype=None):
    return apply_inplace(self, lambda t: cumprod(t, dim, dtype=dtype))


Tensor.cumsum, Tensor.cumprod, Tensor.cumsum_, Tensor.cumprod_ = (cumsum, cumprod, _cumsum_,
                                                                 _cumprod_)
