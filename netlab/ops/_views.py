"""In-place writes through a view: the base tensor's history gains a CopySlices node.

``y = x * 1; y[0].mul_(3)`` changes ``y`` itself, so ``y``'s gradient must see the write.
The view's elements are located in its base from the array strides, the base's history
becomes CopySlices(old base, new view values), and the view is re-derived from the base.
"""

from __future__ import annotations

import numpy as np

from netlab import backend
from netlab.autograd.node import Function, _edge, _sequence
from netlab.tensor import Tensor


def _ptr(a) -> int:
    if backend.is_cupy_array(a):
        return int(a.data.ptr)
    return int(a.__array_interface__["data"][0])


def view_positions(view, base) -> np.ndarray:
    """Flat (C-order) indices into ``base`` of every element of ``view`` (same memory)."""
    item = base.itemsize

    def extent(a):
        lo = sum(min(0, (n - 1) * s) for n, s in zip(a.shape, a.strides) if n)
        hi = sum(max(0, (n - 1) * s) for n, s in zip(a.shape, a.strides) if n)
        return lo, hi

    b_lo, b_hi = extent(base)
    start = b_lo // item
    span = (b_hi - b_lo) // item + 1
    pos = np.arange(span, dtype=np.int64)

    def positions(a, offset_bytes):
        first = (offset_bytes // item) - start
        strides = tuple(s // item * pos.itemsize for s in a.strides)
        return np.lib.stride_tricks.as_strided(pos[first:], a.shape, strides)

    lut = np.full(span, -1, dtype=np.int64)
    lut[positions(base, 0).ravel()] = np.arange(base.size, dtype=np.int64)
    idx = lut[positions(view, _ptr(view) - _ptr(base))]
    if (idx < 0).any():
        raise RuntimeError("in-place write through a view whose elements are not all in its "
                           "base; call .clone() first")
    return idx


class CopySlices(Function):
    """The base after a write through one of its views: ``base[view] = values``."""

    _backward_name = "CopySlices"

    def __init__(self, mask, idx):
        self.mask, self.idx = mask, idx

    def backward(self, g):
        ng = self.needs_input_grad
        g_base = g.masked_fill(self.mask, 0.0) if ng[0] else None
        g_vals = g.reshape(-1).take(self.idx) if ng[1] else None
        return g_base, g_vals


class ViewOfBase(Function):
    """A view re-derived from its base's new history."""

    _backward_name = "AsStridedBackward0"

    def __init__(self, idx, base_shape):
        self.idx, self.base_shape = idx, base_shape

    def backward(self, g):
        n = 1
        for s in self.base_shape:
            n *= s
        flat = g.new_zeros(n).index_put((self.idx.reshape(-1),), g.reshape(-1), accumulate=True)
        return flat.reshape(self.base_shape)


def _record(node, inputs, needs):
    node.next_functions = tuple(_edge(x) for x in inputs)
    node.needs_input_grad = needs
    node._seq = next(_sequence)


def rebase_view_history(view: Tensor, values: Tensor) -> None:
    """Give ``view._base`` and ``view`` the history of an in-place write of ``values``."""
    base = view._base
    idx_np = view_positions(view._array, base._array)
    dev = base.device
    idx = Tensor._make(backend.to_device(idx_np, dev))
    mask_np = np.zeros(base._array.size, dtype=bool)
    mask_np[idx_np.ravel()] = True
    mask = Tensor._make(backend.to_device(mask_np.reshape(base._array.shape), dev))
    old_base = Tensor._make(base._array, base._requires_grad, base.grad_fn, base._output_nr)
    copy = CopySlices(mask, idx)
    _record(copy, (old_base, values), (base._requires_grad, True))
    base._set_history(copy, 0)
    view_node = ViewOfBase(idx, base._array.shape)
    _record(view_node, (base,), (True,))
    view._set_history(view_node, 0)
