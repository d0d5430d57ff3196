"""Selections: max min amax amin argmax argmin median kthvalue mode, and ``return_types``.

Ops that pick elements (max with dim, median, sort, topk...) send the gradient back to the
picked positions through the private pair ``_Take``/``_Spread``, each the other's backward;
``_Selection`` is the base of the ops that return ``(values, indices)`` (sorting.py uses it too).
"""

# ruff: noqa: A001, A002 - PyTorch's parameter and function names (input, max, min, ...)
from __future__ import annotations

import builtins
from collections import namedtuple

import numpy as np

from netlab import backend
from netlab.autograd.node import Function
from netlab.backend import get_array_module
from netlab.ops._util import wrap_dim
from netlab.ops.reduction import (
    _axes,
    _check_reducible,
    _const,
    _no_tuple_dim,
    _out,
    _unreduce,
)
from netlab.tensor import Tensor

__all__ = ["max", "min", "amax", "amin", "argmax", "argmin", "median", "kthvalue", "mode",
           "return_types"]


# named results ------------------------------------------------------------------------------

def _return_type(name, fields=("values", "indices")):
    base = namedtuple(name, fields)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self))
        return f"netlab.return_types.{name}(\n{body})"

    return type(name, (base,), {"__slots__": (), "__repr__": __repr__, "__module__": __name__,
                                "__qualname__": f"return_types.{name}"})


class return_types:  # mirrors torch.return_types
    """Tuple results with named fields, as ``torch.return_types`` (``r.values``, ``r[1]``)."""

    max = _return_type("max")
    min = _return_type("min")
    median = _return_type("median")
    kthvalue = _return_type("kthvalue")
    mode = _return_type("mode")
    topk = _return_type("topk")
    sort = _return_type("sort")


# max, min, amax, amin, argmax, argmin --------------------------------------------------------

class Extreme(Function):
    """amax/amin over axes, or max()/min() of everything: ties share the gradient evenly."""

    def __init__(self, axes, keepdim, largest, name):
        self.axes, self.keepdim, self.largest = axes, keepdim, largest
        self._backward_name = name

    def forward(self, a):
        xp = get_array_module(a)
        y = xp.asarray((xp.amax if self.largest else xp.amin)(a, axis=self.axes, keepdims=True))
        if self.needs_input_grad:
            mask = a == y
            if self._backward_name.endswith("1"):  # max(): a nan maximum is shared by nans
                mask = mask | (xp.isnan(a) & xp.isnan(y))
            with np.errstate(all="ignore"):
                self.w = (mask / xp.sum(mask, axis=self.axes, keepdims=True)).astype(a.dtype)
        return y if self.keepdim else y.reshape([s for i, s in enumerate(a.shape)
                                                 if i not in self.axes])

    def backward(self, g):
        return _unreduce(g, self.w.shape, self.axes, self.keepdim) * _const(self.w)


def _along(xp, idx, axis):
    """An index tuple addressing ``idx`` (positions along ``axis``) in every slice."""
    nd = idx.ndim
    return tuple(idx if d == axis else xp.arange(n).reshape([n if k == d else 1
                                                             for k in range(nd)])
                 for d, n in enumerate(idx.shape))


class _Take(Function):
    """``take_along_axis`` with distinct indices per slice; backward is :class:`_Spread`."""

    _backward_name = "GatherBackward0"

    def __init__(self, idx, axis):
        self.idx, self.axis = idx, axis

    def forward(self, a):
        self.shape = a.shape
        return get_array_module(a).take_along_axis(a, self.idx, self.axis)

    def backward(self, g):
        return _Spread(self.idx, self.axis, self.shape)(g)


class _Spread(Function):
    """Zeros of ``shape`` with ``g`` written at ``idx`` along ``axis``; backward is _Take."""

    _backward_name = "ScatterBackward0"

    def __init__(self, idx, axis, shape):
        self.idx, self.axis, self.shape = idx, axis, shape

    def forward(self, g):
        xp = get_array_module(g)
        out = xp.zeros(self.shape, dtype=g.dtype)
        out[_along(xp, self.idx, self.axis)] = g
        return out

    def backward(self, gg):
        return _Take(self.idx, self.axis)(gg)


class _Selection(Function):
    """Base of ops that return (values, indices) picked along one axis."""

    def __init__(self, axis, keepdim, name, pick, **params):
        self.axis, self.keepdim, self.pick, self.params = axis, keepdim, pick, params
        self._backward_name = name

    def forward(self, a):
        work = a if a.ndim else a.reshape(1)
        xp = get_array_module(a)
        idx = self.pick(xp, work, self.axis, **self.params).astype(np.int64, copy=False)
        vals = xp.take_along_axis(work, idx, self.axis)
        self.idx, self.work_shape, self.in_shape = idx, work.shape, a.shape
        if a.ndim == 0:
            out_shape = ()
        elif self.keepdim:  # sort and topk keep the axis too
            out_shape = idx.shape
        else:
            out_shape = idx.shape[:self.axis] + idx.shape[self.axis + 1:]
        return vals.reshape(out_shape), idx.reshape(out_shape)

    def backward(self, g, _gi=None):
        if g.shape != self.idx.shape:
            g = g.reshape(self.idx.shape)
        gi = _Spread(self.idx, self.axis, self.work_shape)(g)
        return gi if self.work_shape == self.in_shape else gi.reshape(self.in_shape)


def _argsort(xp, a, axis, descending=False):
    """Stable argsort; descending keeps equal elements in their original order (nan first)."""
    def asc(v):
        return xp.argsort(v, axis=axis, kind="stable") if xp is np else xp.argsort(v, axis=axis)

    if not descending:
        return asc(a)
    n = a.shape[axis]
    return (n - 1) - xp.flip(asc(xp.flip(a, axis)), axis)


def _pick_extreme(xp, w, axis, largest):
    return (xp.argmax if largest else xp.argmin)(w, axis=axis, keepdims=True)


def _pick_sorted(xp, w, axis, pos, nan_first=False):
    """Index of the element at sorted position ``pos``; with ``nan_first`` a slice holding nan
    gives its first nan (median propagates nan)."""
    perm = _argsort(xp, w, axis)
    kshape = [1 if i == axis else s for i, s in enumerate(w.shape)]
    at = xp.full(kshape, pos, dtype=np.int64)
    if nan_first and w.dtype.kind == "f":
        nans = xp.sum(xp.isnan(w), axis=axis, keepdims=True)
        at = xp.where(nans > 0, w.shape[axis] - nans, at)
    return xp.take_along_axis(perm, at, axis)


def _pick_mode(xp, w, axis):
    """Most frequent value (the smallest among equally frequent ones), at its last index."""
    a = np.moveaxis(backend.to_numpy(w), axis, -1)
    perm = np.argsort(a, axis=-1, kind="stable")
    s = np.take_along_axis(a, perm, -1)
    n = a.shape[-1]
    start = np.ones(s.shape, dtype=bool)
    start[..., 1:] = s[..., 1:] != s[..., :-1]
    pos = np.broadcast_to(np.arange(n), s.shape)
    run = pos - np.maximum.accumulate(np.where(start, pos, 0), axis=-1) + 1
    at = np.argmax(run == run.max(axis=-1, keepdims=True), axis=-1)[..., None]
    idx = np.moveaxis(np.take_along_axis(perm, at, -1), -1, axis)
    return idx if xp is np else backend.to_device(idx, backend.device_of(w))


def _dim_select(name, backward_name, input, dim, keepdim, pick, **params):
    ndim = input._array.ndim
    axis = wrap_dim(dim, ndim)
    shape = input._array.shape if ndim else (1,)
    _check_reducible(name, shape, (axis,), True)
    cls = getattr(return_types, name)
    return cls(*_Selection(axis, keepdim, backward_name, pick=pick, **params)(input))


def _extreme(name, input, dim, keepdim, other, out, largest):
    if isinstance(dim, Tensor) or other is not None:
        import netlab

        fn = netlab.maximum if largest else netlab.minimum
        return fn(input, dim if other is None else other, **({} if out is None else {"out": out}))
    if dim is None:
        if keepdim:
            raise TypeError(f"{name}() received an invalid combination of arguments - got "
                            "(Tensor, keepdim=bool)")
        _check_reducible(name, input._array.shape, (), False)
        axes = tuple(range(input._array.ndim))
        return _out(Extreme(axes, False, largest, name.capitalize() + "Backward1")(input), out)
    _no_tuple_dim(name, dim)
    res = _dim_select(name, name.capitalize() + "Backward0", input, dim, keepdim,
                      _pick_extreme, largest=largest)
    return _out(res, out)


def max_(input, dim=None, keepdim=False, *, other=None, out=None):
    """The largest element; with ``dim``, ``(values, indices)`` of each slice's maximum (the
    first index among ties); ``max(a, b)`` is :func:`netlab.maximum`.

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([[1., 5.], [7., 2.]]).max(1).indices
    tensor([1, 0])
    """
    return _extreme("max", input, dim, keepdim, other, out, True)


def min_(input, dim=None, keepdim=False, *, other=None, out=None):
    """The smallest element; with ``dim``, ``(values, indices)``; ``min(a, b)`` is
    :func:`netlab.minimum`.

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([[1., 5.], [7., 2.]]).min(1).values
    tensor([1., 2.])
    """
    return _extreme("min", input, dim, keepdim, other, out, False)


def _amax(name, input, dim, keepdim, out, largest):
    axes = _axes(dim, input._array.ndim)
    all_dims = dim is None or (not isinstance(dim, int) and len(dim) == 0)
    _check_reducible(name, input._array.shape, axes, not all_dims)
    return _out(Extreme(axes, keepdim, largest, name.capitalize() + "Backward0")(input), out)


def amax(input, dim=(), keepdim=False, *, out=None):
    """Maxima over ``dim`` (int or tuple; all by default); ties share the gradient evenly.

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([[1., 5.], [7., 2.]]).amax(0)
    tensor([7., 5.])
    """
    return _amax("amax", input, dim, keepdim, out, True)


def amin(input, dim=(), keepdim=False, *, out=None):
    """Minima over ``dim`` (int or tuple; all by default); ties share the gradient evenly.

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([[1., 5.], [7., 2.]]).amin(0)
    tensor([1., 2.])
    """
    return _amax("amin", input, dim, keepdim, out, False)


def _arg_extreme(name, input, dim, keepdim, largest):
    a = input._array
    if a.dtype.kind == "b":
        raise RuntimeError(f"{name}(): does not support bool input")
    xp = get_array_module(a)
    fn = xp.argmax if largest else xp.argmin
    if dim is None:
        if a.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for "
                             "input.numel() == 0.")
        idx = xp.asarray(fn(a.reshape(-1))).reshape((1,) * a.ndim if keepdim else ())
    else:
        _no_tuple_dim(name, dim)
        axis = wrap_dim(dim, a.ndim)
        work = a if a.ndim else a.reshape(1)
        _check_reducible(name, work.shape, (axis,), True)
        idx = fn(work, axis=axis, keepdims=keepdim)
        if a.ndim == 0:
            idx = idx.reshape(())
    return Tensor._make(idx.astype(np.int64, copy=False))


def argmax(input, dim=None, keepdim=False):
    """Index of the maximum (of the flattened tensor when ``dim`` is None); first among ties.

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([[1., 5.], [7., 2.]]).argmax()
    tensor(2)
    """
    return _arg_extreme("argmax", input, dim, keepdim, True)


def argmin(input, dim=None, keepdim=False):
    """Index of the minimum (of the flattened tensor when ``dim`` is None); first among ties.

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([[1., 5.], [7., 2.]]).argmin(1)
    tensor([0, 1])
    """
    return _arg_extreme("argmin", input, dim, keepdim, False)


# median, kthvalue, mode ---------------------------------------------------------------------

class MedianAll(Function):
    """The lower median of all elements; ties share the gradient evenly (as PyTorch)."""

    _backward_name = "MedianBackward0"

    def forward(self, a):
        xp = get_array_module(a)
        flat = a.reshape(-1)
        n = flat.size
        if n == 0 or (a.dtype.kind == "f" and xp.isnan(flat).any()):
            with np.errstate(all="ignore"):  # integers: nan cast as C casts it, as PyTorch
                y = xp.asarray(np.nan).astype(a.dtype)
        else:
            y = xp.partition(flat, (n - 1) // 2)[(n - 1) // 2]
        if self.needs_input_grad:
            mask = xp.isnan(a) if xp.isnan(y) else a == y
            self.w = (mask / builtins.max(int(mask.sum()), 1)).astype(a.dtype)
        return xp.asarray(y)

    def backward(self, g):
        return g * _const(self.w)


def median(input, dim=None, keepdim=False):
    """The lower median of all elements; with ``dim``, ``(values, indices)`` per slice. A
    slice holding nan gives nan (at its first nan).

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([4., 1., 3., 2.]).median()
    tensor(2.)
    """
    if input._array.dtype.kind == "b":
        where = "median_cpu" if dim is None else "median_out"
        raise NotImplementedError(f"\"{where}\" not implemented for 'Bool'")
    if dim is None:
        return MedianAll()(input)
    n = input._array.shape[wrap_dim(dim, input._array.ndim)] if input._array.ndim else 1
    return _dim_select("median", "MedianBackward1", input, dim, keepdim, _pick_sorted,
                       pos=builtins.max(n - 1, 0) // 2, nan_first=True)


def kthvalue(input, k, dim=-1, keepdim=False):
    """The ``k``-th smallest element of each slice along ``dim``, as ``(values, indices)``.

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([3., 1., 2.]).kthvalue(2).values
    tensor(2.)
    """
    if input._array.dtype.kind == "b":
        raise NotImplementedError("\"kthvalue_cpu\" not implemented for 'Bool'")
    axis = wrap_dim(dim, input._array.ndim)
    n = input._array.shape[axis] if input._array.ndim else 1
    if not 1 <= k <= builtins.max(n, 1):
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {axis}")
    return _dim_select("kthvalue", "KthvalueBackward0", input, dim, keepdim, _pick_sorted,
                       pos=k - 1)


def mode(input, dim=-1, keepdim=False):
    """The most frequent value of each slice (the smallest among equally frequent ones) and
    the last index where it occurs, as ``(values, indices)``.

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([3., 1., 3., 2.]).mode()
    netlab.return_types.mode(
    values=tensor(3.),
    indices=tensor(2))
    """
    return _dim_select("mode", "ModeBackward0", input, dim, keepdim, _pick_mode)


max, min = max_, min_  # the public names follow PyTorch

Tensor.max, Tensor.min, Tensor.amax, Tensor.amin = max_, min_, amax, amin
Tensor.argmax, Tensor.argmin = argmax, argmin
Tensor.median, Tensor.kthvalue, Tensor.mode = median, kthvalue, mode
