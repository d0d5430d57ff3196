"""Sorting: sort argsort msort topk unique (stable; nan sorts as the largest value)."""

# ruff: noqa: A002 - PyTorch's parameter names (input, sorted)
from __future__ import annotations

import numpy as np

from netlab.autograd.node import Function
from netlab.backend import get_array_module
from netlab.ops._util import wrap_dim
from netlab.ops.reduction import _out
from netlab.ops.selection import _argsort, _Selection, return_types
from netlab.tensor import Tensor

__all__ = ["sort", "argsort", "msort", "topk", "unique"]


def _pick_topk(xp, w, axis, k, largest):
    perm = _argsort(xp, w, axis, descending=largest)
    return xp.take(perm, xp.arange(k), axis=axis)


def sort(input, dim=-1, descending=False, *, stable=None, out=None):
    """Sorted values and their original indices along ``dim``. The sort is always stable
    (equal elements keep their order); nan sorts as the largest value.

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([3., 1., 2.]).sort(descending=True).indices
    tensor([0, 2, 1])
    """
    axis = wrap_dim(dim, input._array.ndim)
    fn = _Selection(axis, True, "SortBackward0" if stable is None else "SortBackward1",
                    pick=lambda xp, w, ax: _argsort(xp, w, ax, descending))
    return _out(return_types.sort(*fn(input)), out)


def argsort(input, dim=-1, descending=False, stable=False):
    """Indices that sort ``input`` along ``dim`` (stable), as int64.

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([3., 1., 2.]).argsort()
    tensor([1, 2, 0])
    """
    a = input._array
    axis = wrap_dim(dim, a.ndim)
    if a.ndim == 0:
        return Tensor._make(get_array_module(a).zeros((), dtype=np.int64))
    return Tensor._make(_argsort(get_array_module(a), a, axis, descending).astype(np.int64))


def msort(input):
    """``sort(input, dim=0).values``."""
    return sort(input, 0).values


def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):
    """The ``k`` largest (or smallest) elements along ``dim`` and their indices, always in
    sorted order; among equal elements the lower index comes first.

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([1., 4., 2., 3.]).topk(2).values
    tensor([4., 3.])
    """
    a = input._array
    if a.dtype.kind == "b":
        raise RuntimeError("topk does not support bool dtypes on CPU")
    axis = wrap_dim(dim, a.ndim)
    n = a.shape[axis] if a.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    fn = _Selection(axis, True, "TopkBackward0", pick=_pick_topk, k=k, largest=largest)
    return _out(return_types.topk(*fn(input)), out)


class Unique(Function):
    def __init__(self, axis):
        self.axis = axis
        self._backward_name = "Unique2Backward0" if axis is None else "UniqueDimBackward0"

    def forward(self, a):
        xp = get_array_module(a)
        if self.axis is None:
            vals, inv, cnt = xp.unique(a.reshape(-1), return_inverse=True, return_counts=True,
                                       equal_nan=False)
            inv = inv.reshape(a.shape)
        else:
            vals, inv, cnt = xp.unique(a, return_inverse=True, return_counts=True,
                                       axis=self.axis)
            inv = inv.reshape(-1)
        return vals, inv.astype(np.int64), cnt.astype(np.int64)

    def backward(self, *grads):
        op = "_unique2" if self.axis is None else "unique_dim"
        raise NotImplementedError(f"the derivative for '{op}' is not implemented.")


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct elements (or slices along ``dim``), sorted; optionally the inverse
    indices (where each input element went) and the counts. nan values stay distinct.

    Examples
    --------
    >>> import netlab
    >>> netlab.unique(netlab.tensor([3, 1, 3]), return_counts=True)
    (tensor([1, 3]), tensor([1, 2]))
    """
    axis = None if dim is None else wrap_dim(dim, input._array.ndim)
    vals, inv, cnt = Unique(axis)(input)
    res = (vals,) + ((inv,) if return_inverse else ()) + ((cnt,) if return_counts else ())
    return res[0] if len(res) == 1 else res


Tensor.sort, Tensor.argsort, Tensor.msort, Tensor.topk = sort, argsort, msort, topk
Tensor.unique = unique
