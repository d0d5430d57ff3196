"""Functional max unpooling, and the index scatter/gather pair behind it.

:class:`_PlaneScatter` is also the backward of the adaptive max pool.
"""

from __future__ import annotations

import numpy as np

from netlab.autograd.node import Function
from netlab.backend import get_array_module
from netlab.nn.functional.pooling import _pair, _single, _sizes_str
from netlab.tensor import Tensor

__all__ = ["max_unpool1d", "max_unpool2d"]


class _PlaneScatter(Function):
    """Writes (``accumulate``: adds) values into zero planes of size ``plane`` at ``idx``."""

    def __init__(self, idx, planes, plane, out_shape, accumulate):
        self.idx, self.planes, self.plane = idx, planes, plane
        self.out_shape, self.accumulate = out_shape, accumulate

    def _global(self, xp):
        if not hasattr(self, "_gidx"):
            base = xp.arange(self.planes, dtype=xp.int64)[:, None] * self.plane
            self._gidx = (self.idx.reshape(self.planes, -1) + base).reshape(-1)
        return self._gidx

    def forward(self, x):
        xp = get_array_module(x)
        gidx = self._global(xp)
        size = self.planes * self.plane
        if self.accumulate:
            out = xp.bincount(gidx, weights=x.reshape(-1), minlength=size).astype(x.dtype)
        else:
            out = xp.zeros(size, dtype=x.dtype)
            out[gidx] = x.reshape(-1)
        return out.reshape(self.out_shape)

    def backward(self, g):
        return _PlaneGather(self.idx, self.planes, self.plane, self.idx.shape)(g)


class _PlaneGather(Function):
    """Reads planes at ``idx`` (the adjoint of :class:`_PlaneScatter`)."""

    def __init__(self, idx, planes, plane, out_shape):
        self.idx, self.planes, self.plane = idx, planes, plane
        self.out_shape = out_shape

    def forward(self, x):
        xp = get_array_module(x)
        self.in_shape = x.shape
        flat = x.reshape(self.planes, self.plane)
        rows = xp.arange(self.planes)[:, None]
        return flat[rows, self.idx.reshape(self.planes, -1)].reshape(self.out_shape)

    def backward(self, g):
        return _PlaneScatter(self.idx, self.planes, self.plane, self.in_shape, True)(g)


class MaxUnpool2D(_PlaneScatter):
    _backward_name = "MaxUnpool2DBackward0"


def _unpool_output_size(in_shape, k, s, p, output_size, nd):
    default = [(in_shape[len(in_shape) - nd + i] - 1) * s[i] - 2 * p[i] + k[i]
               for i in range(nd)]
    if output_size is None:
        return default
    output_size = list(output_size)
    if len(output_size) == nd + 2:
        output_size = output_size[2:]
    if len(output_size) != nd:
        raise ValueError(f"output_size should be a sequence containing {nd} or {nd + 2} elements, "
                         f"but it has a length of '{len(output_size)}'")
    for i in range(nd):
        lo, hi = default[i] - s[i], default[i] + s[i]
        if not lo < output_size[i] < hi:
            raise ValueError(f'invalid output_size "{tuple(output_size)}" (dim {i} must be '
                             f"between {lo} and {hi})")
    return [int(v) for v in output_size]


def _max_unpool(input, indices, k, s, p, output_size, nd, name):
    if not isinstance(indices, Tensor) or indices.dtype.np != np.int64:
        kind = "Float" if isinstance(indices, Tensor) and indices.is_floating_point() else \
            (str(indices.dtype).split(".")[-1] if isinstance(indices, Tensor) else "?")
        raise RuntimeError(f"elements in indices should be type int64 but got: {kind}")
    in_shape, idx_shape = tuple(input.shape), tuple(indices.shape)
    if in_shape != idx_shape:
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({_sizes_str(in_shape)}) but got indices tensor with shape: "
                           f"{_sizes_str(idx_shape)}")
    if len(in_shape) not in (nd + 1, nd + 2):
        raise RuntimeError(f"Input to {name} should be a {nd + 1}d or {nd + 2}d Tensor, but got "
                           f"a tensor with {len(in_shape)} dimensions.")
    osize = _unpool_output_size(in_shape, k, s, p, output_size, nd)
    plane = int(np.prod(osize))
    planes = int(np.prod(in_shape[:-nd])) if in_shape else 1
    idx = indices._array
    xp = get_array_module(idx)
    if idx.size and (bool((idx < 0).any()) or bool((idx >= plane).any())):
        bad = idx[(idx < 0) | (idx >= plane)].reshape(-1)[0]
        vol = "x".join(str(v) for v in osize) if nd == 2 else str(osize[0])
        raise RuntimeError(f"Found an invalid max index: {int(bad)} (output volumes are of size "
                           f"{vol})")
    out_shape = in_shape[:-nd] + tuple(osize)
    return MaxUnpool2D(xp.ascontiguousarray(idx), planes, plane, out_shape, False)(input)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Inverse of :func:`max_pool2d`: puts each value at its index in a zero plane.

    The default output size is ``(H_in - 1) * stride - 2 * padding + kernel_size``.

    Examples
    --------
    >>> import netlab
    >>> from netlab.nn.functional import max_pool2d
    >>> y, i = max_pool2d(netlab.arange(16.).reshape(1, 1, 4, 4), 2, return_indices=True)
    >>> max_unpool2d(y, i, 2).shape
    netlab.Size([1, 1, 4, 4])
    """
    k = _pair(kernel_size, "max_unpool2d", "kernel_size must be an int or a pair of ints")
    s = _pair(stride, "max_unpool2d", "stride must be an int or a pair of ints",
              allow_none=True) or k
    p = _pair(padding, "max_unpool2d", "padding must be an int or a pair of ints")
    return _max_unpool(input, indices, k, s, p, output_size, 2, "max_unpool2d")


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Inverse of :func:`max_pool1d` (see :func:`max_unpool2d`).

    Examples
    --------
    >>> import netlab
    >>> from netlab.nn.functional import max_pool1d
    >>> y, i = max_pool1d(netlab.tensor([[[1., 3., 2., 0.]]]), 2, return_indices=True)
    >>> max_unpool1d(y, i, 2).tolist()
    [[[0.0, 3.0, 2.0, 0.0]]]
    """
    k = (_single(kernel_size, "max_unpool1d", "kernel_size"),)
    s = (k[0] if stride is None else _single(stride, "max_unpool1d", "stride"),)
    p = (_single(padding, "max_unpool1d", "padding"),)
    return _max_unpool(input, indices, k, s, p, output_size, 1, "max_unpool1d")
