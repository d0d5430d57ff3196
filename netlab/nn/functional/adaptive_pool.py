"""Functional adaptive pools: average or max over ``output_size`` bins per dimension.

Bins are ``[floor(i*L/o), ceil((i+1)*L/o))``; when every size divides, the bins are plain
windows and the fast fixed-window pools of :mod:`netlab.nn.functional.pooling` do the work.
"""

from __future__ import annotations

import numpy as np

from netlab.autograd.node import Function
from netlab.backend import get_array_module
from netlab.nn.functional.pooling import (
    AvgPool2D,
    MaxPool2DWithIndices,
    _check_1d_input,
    _Geom,
    _single,
    _sizes_str,
    _to4d,
)
from netlab.nn.functional.unpool import _PlaneScatter
from netlab.tensor import Tensor

__all__ = [
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d",
    "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d", "adaptive_max_pool2d_with_indices",
]


def _bins(size: int, out: int):
    i = np.arange(out)
    return (i * size) // out, -((-(i + 1) * size) // out)


def _avg_matrix(size: int, out: int, dtype) -> np.ndarray:
    start, end = _bins(size, out)
    cols = np.arange(size)
    inside = (cols[None, :] >= start[:, None]) & (cols[None, :] < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def _separable(xp, x, mh, mw):
    """``mh @ x @ mw.T`` over the last two axes (``mh`` None: 1-d). Batched matmuls: one big
    GEMM with a 5-wide result measured slower here."""
    y = xp.matmul(x, mw.T)
    return y if mh is None else xp.matmul(mh, y)


class AdaptiveAvgPool2D(Function):
    """``A_h @ x @ A_w^T`` with constant bin-averaging matrices (bins may overlap).

    The gradient is the same map with transposed matrices, so backward is this Function again.
    """

    def __init__(self, in_shape, out_shape, mh, mw):
        self.in_shape, self.out_shape, self.mh, self.mw = in_shape, out_shape, mh, mw

    def forward(self, x):
        xp = get_array_module(x)
        mh = None if self.mh is None else xp.asarray(self.mh.astype(x.dtype))
        mw = xp.asarray(self.mw.astype(x.dtype))
        return _separable(xp, x, mh, mw).reshape(self.out_shape)

    def backward(self, g):
        mh = None if self.mh is None else self.mh.T
        return AdaptiveAvgPool2D(self.out_shape, self.in_shape, mh, self.mw.T)(g)


def _regular_geom(shape, o, nd):
    """Adaptive bins that are plain ``k = s = L / o`` windows, when every size divides."""
    spatial = shape[len(shape) - nd:]
    if any(v == 0 or L % v for L, v in zip(spatial, o)):
        return None
    k = tuple(L // v for L, v in zip(spatial, o))
    k2, o2 = ((1,) + k, (1,) + o) if nd == 1 else (k, o)
    return _Geom(shape, _to4d(shape, nd == 1), k2, k2, (0, 0), (1, 1), o2, shape[:-nd] + o)


def _adaptive_sizes(output_size, shape, nd, fn):
    if nd == 1:
        o = _single(output_size, fn, "output_size")
        return (o,)
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != 2:
            raise RuntimeError(f"{fn}: output_size must be 2")
        o = tuple(shape[-2 + i] if v is None else int(v) for i, v in enumerate(output_size))
    else:
        o = (int(output_size),) * 2
    if any(v < 0 for v in o):
        raise RuntimeError(f"{fn}: elements of output_size must be greater than or equal to 0 "
                           f"but received {{{o[0]}, {o[1]}}}")
    return o


def _adaptive_check(shape, nd, fn):
    if len(shape) not in (nd + 1, nd + 2):
        if nd == 1:
            _check_1d_input(shape, fn)
        raise RuntimeError(f"{fn}(): Expected {nd + 1}D or {nd + 2}D tensor, but got"
                           f"{':' if 'max' in fn else ''} {_sizes_str(shape)}")
    for i in range(1, len(shape)):
        if shape[i] == 0 and (i >= 1 or len(shape) == nd + 1):
            raise RuntimeError(f"{fn}(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {_sizes_str(shape)} with "
                               f"dimension {i} being empty")


def _adaptive_avg(input, output_size, nd, fn):
    shape = tuple(input.shape)
    _adaptive_check(shape, nd, fn)
    o = _adaptive_sizes(output_size, shape, nd, fn)
    out_shape = shape[:-nd] + o
    dt = input.dtype.np
    if o == (1, 1):
        return input.mean((-1, -2), keepdim=True)
    geom = _regular_geom(shape, o, nd)
    if geom is not None and geom.kh + geom.kw <= 32:  # plain windows: the exact pool sum
        return AvgPool2D(geom, np.full((geom.oh, geom.ow), geom.kh * geom.kw))(input)
    mh = None if nd == 1 else _avg_matrix(shape[-2], o[0], dt)
    return AdaptiveAvgPool2D(shape, out_shape, mh, _avg_matrix(shape[-1], o[-1], dt))(input)


def adaptive_avg_pool2d(input, output_size):
    """Average over ``output_size`` bins ``[floor(i*L/o), ceil((i+1)*L/o))`` per dimension;
    ``None`` in ``output_size`` keeps that input size.

    Examples
    --------
    >>> import netlab
    >>> adaptive_avg_pool2d(netlab.ones(1, 2, 5, 7), (2, None)).shape
    netlab.Size([1, 2, 2, 7])
    """
    return _adaptive_avg(input, output_size, 2, "adaptive_avg_pool2d")


def adaptive_avg_pool1d(input, output_size):
    """1-d form of :func:`adaptive_avg_pool2d`.

    Examples
    --------
    >>> import netlab
    >>> adaptive_avg_pool1d(netlab.tensor([[[1., 2., 3.]]]), 2).tolist()
    [[[1.5, 2.5]]]
    """
    return _adaptive_avg(input, output_size, 1, "adaptive_avg_pool1d")


def _scan_max(xp, candidates):
    """Running max over candidate arrays in scan order, with the position of the winner."""
    y = best = tmp = None
    for o, v in enumerate(candidates):
        if y is None:
            y, best, tmp = v.copy(), xp.zeros(v.shape, xp.int16), xp.empty(v.shape, xp.int16)
            continue
        m = (v > y) | (v != v)
        xp.subtract(o, best, out=tmp)  # best = o where m, by arithmetic (masked writes branch)
        xp.multiply(tmp, m, out=tmp)
        best += tmp
        xp.maximum(y, v, out=y)  # the same winner's value (NaN propagates)
    return y, best


class AdaptiveMaxPool2D(Function):
    """Max over each adaptive bin; backward adds into the winners by flat index."""

    def __init__(self, in_shape, out_shape, hw, ohw):
        self.in_shape, self.out_shape, self.hw, self.ohw = in_shape, out_shape, hw, ohw

    def forward(self, x):
        xp = get_array_module(x)
        (h, w), (oh, ow) = self.hw, self.ohw
        x3 = x.reshape(-1, h, w)
        hs, he = _bins(h, oh)
        ws, we = _bins(w, ow)
        # separable: the max over each row's W-bin, then over the H-bin's rows. Both scans keep
        # PyTorch's row-major rule (strict >: first max wins; NaN always takes over: last NaN)
        cols = np.stack([np.minimum(ws + b, we - 1) for b in range(int((we - ws).max()))])
        rowmax, bcol = _scan_max(xp, (xp.take(x3, xp.asarray(c), axis=2) for c in cols))
        col = xp.asarray(cols)[bcol, xp.arange(ow)]
        rows = np.stack([np.minimum(hs + a, he - 1) for a in range(int((he - hs).max()))])
        y, brow = _scan_max(xp, (xp.take(rowmax, xp.asarray(r), axis=1) for r in rows))
        row = xp.asarray(rows)[brow, xp.arange(oh)[:, None]]
        idx = row * w + xp.take_along_axis(col, row, axis=1)
        self.idx = idx
        return y.reshape(self.out_shape), idx.reshape(self.out_shape)

    def backward(self, gy, gi=None):
        planes = self.idx.shape[0]
        return _PlaneScatter(self.idx, planes, self.hw[0] * self.hw[1], self.in_shape,
                             True)(gy.reshape(self.idx.shape))


def _adaptive_max(input, output_size, return_indices, nd, fn):
    shape = tuple(input.shape)
    _adaptive_check(shape, nd, fn)
    o = _adaptive_sizes(output_size, shape, nd, fn)
    out_shape = shape[:-nd] + o
    hw = (1, shape[-1]) if nd == 1 else shape[-2:]
    ohw = (1, o[0]) if nd == 1 else o
    if 0 in ohw or 0 in shape:
        xp = get_array_module(input._array)
        y = Tensor._make(xp.zeros(out_shape, dtype=input.dtype.np))
        i = Tensor._make(xp.zeros(out_shape, dtype=xp.int64))
        return (y, i) if return_indices else y
    geom = _regular_geom(shape, o, nd)
    if geom is not None and geom.kh * geom.kw <= 16:  # plain windows: the fast max pool
        return MaxPool2DWithIndices(geom, bool(return_indices))(input)
    y, i = AdaptiveMaxPool2D(shape, out_shape, tuple(hw), tuple(ohw))(input)
    return (y, i) if return_indices else y


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max over adaptive bins (see :func:`adaptive_avg_pool2d`); ``return_indices`` also gives
    the flat ``h * W + w`` position of each maximum.

    Examples
    --------
    >>> import netlab
    >>> adaptive_max_pool2d(netlab.arange(9.).reshape(1, 1, 3, 3), 2).flatten().tolist()
    [4.0, 5.0, 7.0, 8.0]
    """
    return _adaptive_max(input, output_size, return_indices, 2, "adaptive_max_pool2d")


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    """:func:`adaptive_max_pool2d` returning ``(output, indices)``."""
    return _adaptive_max(input, output_size, True, 2, "adaptive_max_pool2d")


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """1-d form of :func:`adaptive_max_pool2d`.

    Examples
    --------
    >>> import netlab
    >>> adaptive_max_pool1d(netlab.tensor([[[1., 3., 2.]]]), 2).tolist()
    [[[3.0, 3.0]]]
    """
    return _adaptive_max(input, output_size, return_indices, 1, "adaptive_max_pool1d")


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):
    """:func:`adaptive_max_pool1d` returning ``(output, indices)``."""
    return _adaptive_max(input, output_size, True, 1, "adaptive_max_pool1d")
