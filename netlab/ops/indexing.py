"""Indexing: ``t[...]`` reads and writes, ``index_put``, and the primitives that gather/scatter
and their relatives (``gather.py``) are built on.

An index is applied in two stages, as PyTorch does: first the basic part (integers, slices,
None: a view), then the advanced part (integer and boolean tensors, lists, arrays: a copy with
numpy's broadcasting rules). Gradients of advanced reads scatter-add, so repeated indices
accumulate.
"""

from __future__ import annotations

import operator
import warnings

import numpy as np

from netlab import backend
from netlab.autograd.grad_mode import is_grad_enabled
from netlab.autograd.node import Function
from netlab.backend import get_array_module
from netlab.dtypes import TYPE_NAMES
from netlab.ops._util import apply_inplace, cast, check_inplace, is_scalar, sum_to
from netlab.ops.shape import Strided
from netlab.tensor import Tensor

__all__ = ["index_put"]


def add_at(out, key, values) -> None:
    """``out[key] += values`` where repeated indices accumulate (numpy's ``add.at``)."""
    xp = get_array_module(out)
    at = getattr(xp.add, "at", None)
    if at is not None:
        at(out, key, values)
        return
    # array modules without ufunc.at: accumulate by flat position
    pos = xp.arange(out.size).reshape(out.shape)[key]
    vals = xp.broadcast_to(values, pos.shape).ravel()
    acc = xp.bincount(pos.ravel(), weights=vals, minlength=out.size)
    out += acc.reshape(out.shape).astype(out.dtype)


def _at(arr, key1):
    return arr if key1 is None else arr[key1]


def _assign(target, key2, value, accumulate=False) -> None:
    """Write ``value`` into ``target[key2]`` (the whole ``target`` when ``key2`` is None)."""
    try:
        if accumulate:
            if key2 is None:
                target += value
            else:
                add_at(target, key2, value)
        elif key2 is None:
            target[...] = value
        else:
            target[key2] = value
    except ValueError:
        shape = target.shape if key2 is None else target[key2].shape
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(np.shape(value))} cannot "
                           f"be broadcast to indexing result of shape {list(shape)}") from None


def _reduce_to(g: Tensor, shape) -> Tensor:
    """Sum a gradient back to a value's shape (numpy drops a value's extra leading 1s)."""
    shape = tuple(shape)
    extra = len(shape) - g._array.ndim
    if extra > 0:
        return sum_to(g, shape[extra:]).reshape(shape)
    return sum_to(g, shape)


class Index(Function):
    """``a[key1][key2]``: an optional basic part, then an advanced part (a copy)."""

    def __init__(self, key1, key2, name="IndexBackward0"):
        self.key1, self.key2 = key1, key2
        self._backward_name = name

    def forward(self, a):
        self.src = a.shape
        return _at(a, self.key1)[self.key2]

    def backward(self, g):
        return IndexAccumulate(self.src, self.key1, self.key2)(g)


class IndexAccumulate(Function):
    """The adjoint of :class:`Index`: zeros with ``g`` scatter-added at the indexed positions."""

    def __init__(self, shape, key1, key2):
        self.shape, self.key1, self.key2 = shape, key1, key2

    def forward(self, g):
        out = get_array_module(g).zeros(self.shape, dtype=g.dtype)
        add_at(_at(out, self.key1), self.key2, g)
        return out

    def backward(self, gg):
        return Index(self.key1, self.key2)(gg)


class IndexPut(Function):
    """``a`` with ``v`` written at ``a[key1][key2]`` (added when ``accumulate``)."""

    def __init__(self, key1, key2, accumulate=False, name="IndexPutBackward0"):
        self.key1, self.key2, self.accumulate = key1, key2, accumulate
        self._backward_name = name

    def forward(self, a, v):
        self.vshape = np.shape(v)
        out = a.copy()
        _assign(_at(out, self.key1), self.key2, v, self.accumulate)
        return out

    def backward(self, g):
        ng = self.needs_input_grad
        ga = gv = None
        if ng[0]:
            ga = g if self.accumulate else FillAt(self.key1, self.key2)(g, 0)
        if len(ng) > 1 and ng[1]:
            gv = _reduce_to(_read(g, self.key1, self.key2), self.vshape)
        return ga, gv


class FillAt(Function):
    """``a`` with the scalar ``value`` written at ``a[key1][key2]``; ``unique_key2`` (when
    ``key2`` repeats positions) reads each filled position once for the value's gradient.
    """

    def __init__(self, key1, key2, name="FillAtBackward0", unique_key2=None):
        self.key1, self.key2 = key1, key2
        self.unique_key2 = key2 if unique_key2 is None else unique_key2
        self._backward_name = name

    def forward(self, a, value):
        out = a.copy()
        _assign(_at(out, self.key1), self.key2, value)
        return out

    def backward(self, g):
        ng = self.needs_input_grad
        ga = FillAt(self.key1, self.key2)(g, 0) if ng[0] else None
        gv = None
        if len(ng) > 1 and ng[1]:
            gv = _read(g, self.key1, self.unique_key2).sum()
        return ga, gv


def _read(g, key1, key2):
    return Strided(key1)(g) if key2 is None else Index(key1, key2)(g)


# parsing t[index] ---------------------------------------------------------------------------

_BAD_INDEX = ("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables "
              "are valid indices (got {})")


def _seq_as_tuple(index: list) -> bool:
    """PyTorch (like old numpy) reads a short list holding slices, None, Ellipsis, tensors or
    sequences as a tuple of indices.
    """
    if len(index) >= 32:
        return False
    return any(i is None or i is Ellipsis or isinstance(i, (slice, Tensor, list, tuple,
                                                            np.ndarray)) for i in index)


def _on_device(a, like):
    if backend.is_cupy_array(like) != backend.is_cupy_array(a):
        return backend.to_device(a, backend.device_of(like))
    return a


def _classify(it):
    """One index item as None / Ellipsis / slice / int / ("b0", bool) / ("mask" | "adv", arr)."""
    if it is None or it is Ellipsis or isinstance(it, slice):
        return it, 0 if it is None or it is Ellipsis else 1
    if isinstance(it, (bool, np.bool_)):
        return ("b0", bool(it)), 0
    if isinstance(it, (int, np.integer)):
        return int(it), 1
    if isinstance(it, Tensor):
        a = it._array
    elif isinstance(it, (list, tuple, np.ndarray)):
        a = np.asarray(it) if len(it) or isinstance(it, np.ndarray) else np.zeros(0, np.int64)
    elif isinstance(it, float):
        raise IndexError(_BAD_INDEX.format("float"))
    else:
        try:
            return operator.index(it), 1
        except TypeError:
            raise IndexError(_BAD_INDEX.format(type(it).__name__)) from None
    kind = a.dtype.kind
    if kind == "u" and a.dtype == np.uint8:
        warnings.warn("indexing with dtype netlab.uint8 is now deprecated, please use a dtype "
                      "netlab.bool instead.", UserWarning, stacklevel=4)
    if kind == "b" or a.dtype == np.uint8:  # uint8 tensors are (legacy) masks
        if a.ndim == 0:
            return ("b0", bool(a)), 0
        return ("mask", a.astype(bool) if kind != "b" else a), a.ndim
    if kind in "iu":
        if a.ndim == 0:
            return int(a), 1
        return ("adv", a), 1
    raise IndexError("tensors used as indices must be long, int, byte or bool tensors")


def _slice(it: slice) -> slice:
    step = 1 if it.step is None else operator.index(it.step)
    if step == 0:
        raise ValueError("slice step cannot be zero")
    if step < 0:
        raise ValueError("step must be greater than zero")
    start = None if it.start is None else operator.index(it.start)
    stop = None if it.stop is None else operator.index(it.stop)
    return slice(start, stop, step)


def parse_index(t: Tensor, index):
    """``(key1, key2, name)``: the basic key (a view; None when trivial), the advanced key
    (None when there is no advanced part) and the grad_fn name of a basic-only read.
    """
    arr = t._array
    shape = arr.shape
    nd = len(shape)
    bare = isinstance(index, slice)  # x[:] is a SliceBackward0; x[:, 0] skips the full slice
    if type(index) is not tuple:
        index = tuple(index) if isinstance(index, list) and _seq_as_tuple(index) else (index,)
    items, consumed = [], 0
    for it in index:
        item, n = _classify(it)
        items.append(item)
        consumed += n
    if consumed > nd:
        if nd == 0 and any(type(i) is int for i in items):
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                             "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
        raise IndexError(f"too many indices for tensor of dimension {nd}")
    key1, key2 = [], []
    name, adv, seen_ellipsis, d = None, False, False, 0
    full = slice(None)
    for it in items:
        if it is None:
            key1.append(None)
            key2.append(full)
            name = "UnsqueezeBackward0"
        elif it is Ellipsis:
            k = 0 if seen_ellipsis else nd - consumed
            seen_ellipsis = True
            key1 += [full] * k
            key2 += [full] * k
            d += k
        elif isinstance(it, slice):
            sl = _slice(it)
            key1.append(sl)
            key2.append(full)
            if bare or sl.indices(shape[d]) != (0, shape[d], 1):
                name = "SliceBackward0"
            d += 1
        elif type(it) is int:
            n = shape[d]
            if not -n <= it < n:
                raise IndexError(f"index {it} is out of bounds for dimension {d} with size {n}")
            key1.append(it)
            d += 1
            name = "SelectBackward0"
        else:
            tag, a = it
            adv = True
            if tag == "b0":  # a 0-d bool adds a dim of size 1 (True) or 0 (False)
                key1.append(None)
                key2.append(_on_device(np.arange(1 if a else 0), arr))
            elif tag == "mask":
                for j, (m, s) in enumerate(zip(a.shape, shape[d:])):
                    if m != s:
                        raise IndexError(f"The shape of the mask {list(a.shape)} at index {j} "
                                         f"does not match the shape of the indexed tensor "
                                         f"{list(shape)} at index {d + j}")
                key1 += [full] * a.ndim
                key2 += [_on_device(i, arr) for i in get_array_module(a).nonzero(a)]
                d += a.ndim
            else:
                n = shape[d]
                if a.size:
                    lo, hi = int(a.min()), int(a.max())
                    if lo < -n or hi >= n:
                        raise IndexError(f"index {hi if hi >= n else lo} is out of bounds for "
                                         f"dimension {d} with size {n}")
                key1.append(full)
                key2.append(_on_device(a, arr))
                d += 1
    if not adv:
        return tuple(key1) + (Ellipsis,), None, name or "AliasBackward0"
    shapes = [k.shape for k in key2 if not isinstance(k, slice)]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        raise IndexError("shape mismatch: indexing tensors could not be broadcast together with "
                         "shapes " + ", ".join(str(list(s)) for s in shapes)) from None
    while key2 and isinstance(key2[-1], slice):
        key2.pop()
    trivial = all(isinstance(k, slice) and k == full for k in key1)
    return None if trivial else tuple(key1) + (Ellipsis,), tuple(key2), "IndexBackward0"


def _getitem(self, index):
    if type(index) is int and self._array.ndim:  # the common x[i], e.g. iteration
        n = self._array.shape[0]
        if -n <= index < n:
            return Strided((index, Ellipsis), "SelectBackward0")(self)
    key1, key2, name = parse_index(self, index)
    if key2 is None:
        return Strided(key1, name)(self)
    return Index(key1, key2)(self)


def _scalar_type(t: Tensor) -> str:
    return TYPE_NAMES[t.dtype][:-len("Tensor")]


def _prepare_value(self, value, advanced):
    if isinstance(value, Tensor):
        if advanced and value._array.dtype != self._array.dtype:
            raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                               f"{_scalar_type(self)} for the destination and "
                               f"{_scalar_type(value)} for the source.")
        if value.device != self.device:
            value = value.to(self.device)
        return cast(value, self._array.dtype)
    if not is_scalar(value):
        kind = type(value)
        mod = "" if kind.__module__ == "builtins" else kind.__module__ + "."
        raise TypeError(f"can't assign a {mod}{kind.__name__} to a "
                        f"netlab.{TYPE_NAMES[self.dtype]}")
    return value


def _index_put_(self, key1, key2, value, accumulate, name):
    value = _prepare_value(self, value, key2 is not None)
    check_inplace(self)
    rg = isinstance(value, Tensor) and value._requires_grad
    if not (is_grad_enabled() and (self._requires_grad or rg)):
        v = value._array if isinstance(value, Tensor) else value
        _assign(_at(self._array, key1), key2, v, accumulate)
        self._version_counter.value += 1
        return self
    return apply_inplace(self, lambda a, v: IndexPut(key1, key2, accumulate, name)(a, v), value)


def _setitem(self, index, value):
    key1, key2, name = parse_index(self, index)
    # PyTorch's node names: index_put for advanced indices, copy_ into the whole tensor,
    # CopySlices for a copy_ into a view
    name = "IndexPutBackward0" if key2 is not None else \
        "CopyBackwards" if name == "AliasBackward0" else "CopySlices"
    _index_put_(self, key1, key2, value, False, name)


def _indices_key(self, indices):
    indices = tuple(indices)
    for i in indices:
        if not (i is None or isinstance(i, Tensor)):
            raise TypeError("index_put(): argument 'indices' must be tuple of Tensors")
    return parse_index(self, tuple(slice(None) if i is None else i for i in indices))[:2]


def index_put(input, indices, values, accumulate: bool = False):
    """A copy of ``input`` with ``values`` put (or added) at the tensor ``indices``.

    Examples
    --------
    >>> import netlab
    >>> netlab.zeros(3).index_put((netlab.tensor([0, 0]),), netlab.tensor(1.), accumulate=True)
    tensor([2., 0., 0.])
    """
    key1, key2 = _indices_key(input, indices)
    values = _prepare_value(input, values, key2 is not None)
    return IndexPut(key1, key2, accumulate, "IndexPutBackward0")(input, values)


def _index_put_method(self, indices, values, accumulate=False):
    key1, key2 = _indices_key(self, indices)
    return _index_put_(self, key1, key2, values, accumulate, "IndexPutBackward0")


Tensor.__getitem__ = _getitem
Tensor.__setitem__ = _setitem
Tensor.index_put = index_put
Tensor.index_put_ = _index_put_method
