"""gather/scatter and relatives: scatter_add, index_select/index_add/index_copy/index_fill,
masked_select/masked_fill, take/put and nonzero. Each is one of the indexing primitives of
``indexing.py`` with a key built from its arguments, so gradients scatter-add correctly.
"""

from __future__ import annotations

import warnings

import numpy as np

from netlab.autograd.grad_mode import is_grad_enabled
from netlab.autograd.node import Function
from netlab.backend import get_array_module
from netlab.ops._util import (
    apply_inplace,
    broadcast_shapes,
    cast,
    check_inplace,
    is_scalar,
    wrap_dim,
)
from netlab.ops.indexing import FillAt, Index, IndexPut, _on_device, _scalar_type, add_at
from netlab.ops.shape import Strided, expand
from netlab.tensor import Tensor

__all__ = ["gather", "scatter", "scatter_add", "index_select", "index_add", "index_fill",
           "index_copy", "masked_select", "masked_fill", "take", "put", "nonzero", "argwhere"]


class ScatterReduce(Function):
    """``scatter`` with ``reduce='add'|'multiply'`` (no derivative, as in PyTorch)."""

    _backward_name = "NotImplemented"

    def __init__(self, key, reduce):
        self.key, self.reduce = key, reduce

    def forward(self, a, src):
        out = a.copy()
        xp = get_array_module(a)
        if self.reduce == "add":
            add_at(out, self.key, src)
        else:
            at = getattr(xp.multiply, "at", None)
            if at is None:
                raise NotImplementedError("scatter(reduce='multiply') needs ufunc.at")
            at(out, self.key, src)
        return out

    def backward(self, g):
        raise RuntimeError("the derivative for 'scatter' with a reduce argument is not "
                           "implemented")


# gather / scatter -------------------------------------------------------------------------

def _int_index(index, fname):
    if not isinstance(index, Tensor) or index._array.dtype.kind not in "iu" or \
            index._array.dtype == np.uint8:
        raise RuntimeError(f"{fname}(): Expected dtype int64 for index")
    return index._array


def _gather_key(idx, dim):
    """Index arrays selecting ``a[i, j, idx[i, j]]``-style elements along ``dim``."""
    xp = get_array_module(idx)
    nd = idx.ndim
    key = []
    for d in range(nd):
        if d == dim:
            key.append(idx)
        else:
            shp = [1] * nd
            shp[d] = idx.shape[d]
            key.append(xp.arange(idx.shape[d]).reshape(shp))
    return tuple(key)


def _check_scatter_index(input, dim, idx, fname, src=None):
    shape = input._array.shape
    nd = max(len(shape), 1)
    if max(idx.ndim, 1) != nd:
        raise RuntimeError("Index tensor must have the same number of dimensions as "
                           f"{'self' if src is not None else 'input'} tensor")
    d = wrap_dim(dim, len(shape))
    ishape = idx.shape if idx.ndim else (1,)
    sshape = shape if shape else (1,)
    for k in range(nd):
        too_big = k != d and ishape[k] > sshape[k]
        if src is not None and ishape[k] > (src.shape if src.ndim else (1,))[k]:
            too_big = True
        if too_big:
            if src is None:
                raise RuntimeError(f"Size does not match at dimension {k} expected index "
                                   f"{list(idx.shape)} to be no larger than self {list(shape)} "
                                   f"apart from dimension {d}")
            raise RuntimeError(f"Expected index {list(idx.shape)} to be no larger than self "
                               f"{list(shape)} apart from dimension {d} and to be no larger "
                               f"size than src {list(src.shape)}")
    if idx.size:
        n = sshape[d]
        lo, hi = int(idx.min()), int(idx.max())
        if lo < 0 or hi >= n:
            raise RuntimeError(f"index {hi if hi >= n else lo} is out of bounds for dimension "
                               f"{d} with size {n}")
    return d


def _as_1d(t: Tensor) -> Tensor:
    return t.reshape(1) if t._array.ndim == 0 else t


def gather(input, dim: int, index, *, sparse_grad: bool = False, out=None):
    """``out[i][j] = input[index[i][j]][j]`` (for ``dim=0``); ``index`` may be smaller than
    ``input`` outside ``dim``.

    Examples
    --------
    >>> import netlab
    >>> x = netlab.tensor([[1, 2], [3, 4]])
    >>> netlab.gather(x, 1, netlab.tensor([[0, 0], [1, 0]]))
    tensor([[1, 1],
            [4, 3]])
    """
    idx = _int_index(index, "gather")
    d = _check_scatter_index(input, dim, idx, "gather")
    x = _as_1d(input)
    key = _gather_key(_on_device(idx.reshape(-1) if idx.ndim == 0 else idx, x._array), d)
    res = Index(None, key, "GatherBackward0")(x)
    if idx.ndim == 0:
        res = res.reshape(())
    if out is not None:
        from netlab.ops._util import write_out

        return write_out(out, res)
    return res


def _scatter_parts(input, dim, index, src, fname):
    idx = _int_index(index, fname)
    if input._array.ndim == 0 or idx.ndim == 0:
        raise RuntimeError(f"{fname}(): 0-d tensors are not supported here")
    s = src._array if isinstance(src, Tensor) else None
    d = _check_scatter_index(input, dim, idx, fname, s)
    key = _gather_key(_on_device(idx, input._array), d)
    if isinstance(src, Tensor):
        if src._array.dtype != input._array.dtype:
            raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
        if src._array.shape != idx.shape:  # only the index-shaped corner of src is used
            src = Strided(tuple(slice(0, n) for n in idx.shape) + (Ellipsis,))(src)
    return key, src


def scatter(input, dim: int, index, src=None, *, value=None, reduce=None):
    """A copy of ``input`` with ``src`` (a tensor or a scalar ``value``) written at the
    positions ``index`` selects along ``dim`` (the inverse of :func:`gather`).

    Examples
    --------
    >>> import netlab
    >>> netlab.zeros(2, 3).scatter(1, netlab.tensor([[2], [0]]), 1.0)
    tensor([[0., 0., 1.],
            [1., 0., 0.]])
    """
    if src is None:
        src = value
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise RuntimeError("reduce argument must be either add or multiply.")
        if isinstance(src, Tensor):
            warnings.warn("The reduce argument of netlab.scatter with Tensor src is deprecated "
                          "and will be removed in a future release. Use scatter_reduce "
                          "instead.", UserWarning, stacklevel=2)
        key, src = _scatter_parts(input, dim, index, src, "scatter")
        return ScatterReduce(key, reduce)(input, src)
    key, src = _scatter_parts(input, dim, index, src, "scatter")
    if isinstance(src, Tensor):
        return IndexPut(None, key, False, "ScatterBackward0")(input, src)
    return FillAt(None, key, "ScatterBackward1")(input, src)


def scatter_add(input, dim: int, index, src):
    """A copy of ``input`` with ``src`` added at the positions ``index`` selects along
    ``dim``; repeated positions accumulate.

    Examples
    --------
    >>> import netlab
    >>> netlab.zeros(3).scatter_add(0, netlab.tensor([0, 0, 2]), netlab.ones(3))
    tensor([2., 0., 1.])
    """
    key, src = _scatter_parts(input, dim, index, src, "scatter_add")
    return IndexPut(None, key, True, "ScatterAddBackward0")(input, src)


# index_select / index_add / index_fill / index_copy ---------------------------------------

def _vector_index(input, dim, index, fname):
    if not isinstance(index, Tensor):
        index = Tensor._make(np.asarray(index, dtype=np.int64))
    idx = index._array
    if idx.dtype.kind not in "iu" or idx.dtype == np.uint8:
        raise RuntimeError(f"{fname}(): Expected dtype int32 or int64 for index")
    if idx.ndim > 1:
        raise IndexError(f"{fname}(): Index is supposed to be a vector")
    idx = idx.reshape(-1)
    d = wrap_dim(dim, input._array.ndim)
    n = input._array.shape[d] if input._array.ndim else 1
    if idx.size:
        lo, hi = int(idx.min()), int(idx.max())
        if lo < 0 or hi >= n:
            raise RuntimeError(f"INDICES element is out of DATA bounds, id={hi if hi >= n else lo} "
                               f"axis_dim={n}")
    return d, (slice(None),) * d + (_on_device(idx, input._array),)


def index_select(input, dim: int, index, *, out=None):
    """The entries of ``input`` at positions ``index`` along ``dim`` (a copy).

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([[1, 2, 3]]).index_select(1, netlab.tensor([2, 0]))
    tensor([[3, 1]])
    """
    d, key = _vector_index(input, dim, index, "index_select")
    res = Index(None, key, "IndexSelectBackward0")(_as_1d(input))
    if out is not None:
        from netlab.ops._util import write_out

        return write_out(out, res)
    return res


def _check_source(input, d, key, source, fname):
    if source._array.dtype != input._array.dtype:
        raise RuntimeError(f"{fname}(): self ({_scalar_type(input)}) and source "
                           f"({_scalar_type(source)}) must have the same scalar type")
    n = key[-1].shape[0]
    sshape = source._array.shape
    want = input._array.shape[:d] + (n,) + input._array.shape[d + 1:]
    if sshape != want and not (len(sshape) <= 1 and source.numel() == n and
                               input._array.ndim <= 1):
        raise RuntimeError(f"{fname}(): Source/destination tensor must have same slice shapes. "
                           f"Destination slice shape: {list(want)} and source slice shape: "
                           f"{list(sshape)}")


def index_add(input, dim: int, index, source, *, alpha=1):
    """A copy of ``input`` with ``alpha * source`` added at positions ``index`` along
    ``dim``; repeated indices accumulate.

    Examples
    --------
    >>> import netlab
    >>> netlab.zeros(3).index_add(0, netlab.tensor([2, 2]), netlab.ones(2))
    tensor([0., 0., 2.])
    """
    d, key = _vector_index(input, dim, index, "index_add")
    _check_source(input, d, key, source, "index_add_")
    if alpha != 1:
        source = source * alpha
    return IndexPut(None, key, True, "IndexAddBackward0")(input, source)


def index_copy(input, dim: int, index, source):
    """A copy of ``input`` with ``source`` written at positions ``index`` along ``dim``."""
    d, key = _vector_index(input, dim, index, "index_copy")
    _check_source(input, d, key, source, "index_copy_")
    return IndexPut(None, key, False, "IndexCopyBackward0")(input, source)


def _fill_value(input, value, fname):
    if isinstance(value, Tensor):
        if value._array.ndim:
            raise RuntimeError(f"{fname} only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value._array.ndim} dimension(s).")
        if value.device != input.device:
            value = value.to(input.device)
        return cast(value, input._array.dtype), 1
    if not is_scalar(value):
        raise TypeError(f"{fname}(): value must be a number or a 0-dim tensor")
    return value, 0


def index_fill(input, dim: int, index, value):
    """A copy of ``input`` with ``value`` (a number or 0-d tensor) at positions ``index``
    along ``dim``.

    Examples
    --------
    >>> import netlab
    >>> netlab.zeros(2, 2).index_fill(1, netlab.tensor([0]), 1.0)
    tensor([[1., 0.],
            [1., 0.]])
    """
    d, key = _vector_index(input, dim, index, "index_fill")
    value, variant = _fill_value(input, value, "index_fill_")
    unique = key[:-1] + (get_array_module(key[-1]).unique(key[-1]),)
    return FillAt(None, key, f"IndexFillBackward{variant}", unique)(input, value)


# masks ------------------------------------------------------------------------------------

_C_TYPES = {"float32": "float", "float64": "double", "float16": "Half", "int64": "long int",
            "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char"}


def _mask_array(mask, fname):
    if not isinstance(mask, Tensor):
        mask = Tensor._make(np.asarray(mask))
    m = mask._array
    if m.dtype.kind != "b":
        if fname == "masked_select":
            raise RuntimeError("masked_select: expected BoolTensor for mask")
        raise RuntimeError(f"{fname} only supports boolean masks, but got mask with dtype "
                           f"{_C_TYPES.get(m.dtype.name, m.dtype.name)}")
    return m


def masked_select(input, mask, *, out=None):
    """The elements of ``input`` where ``mask`` (broadcast) is True, as a 1-D tensor.

    Examples
    --------
    >>> import netlab
    >>> x = netlab.tensor([1., -2., 3.])
    >>> netlab.masked_select(x, x > 0)
    tensor([1., 3.])
    """
    m = _mask_array(mask, "masked_select")
    shape = broadcast_shapes(input._array.shape, m.shape)
    x = input if input._array.shape == shape else expand(input, shape)
    m = _on_device(m, x._array)
    key = (get_array_module(m).broadcast_to(m, shape),)
    res = Index(None, key, "MaskedSelectBackward0")(x)
    if out is not None:
        from netlab.ops._util import write_out

        return write_out(out, res)
    return res


def masked_fill(input, mask, value):
    """A copy of ``input`` with ``value`` (a number or 0-d tensor) where ``mask`` is True.

    Examples
    --------
    >>> import netlab
    >>> x = netlab.tensor([1., -2., 3.])
    >>> x.masked_fill(x < 0, 0.)
    tensor([1., 0., 3.])
    """
    m = _mask_array(mask, "masked_fill_")
    value, variant = _fill_value(input, value, "masked_fill_")
    shape = broadcast_shapes(input._array.shape, m.shape)
    x = input if input._array.shape == shape else expand(input, shape)
    m = _on_device(m, x._array)
    key = (get_array_module(m).broadcast_to(m, shape),)
    return FillAt(None, key, f"MaskedFillBackward{variant}")(x, value)


def _masked_fill_(self, mask, value):
    m = _mask_array(mask, "masked_fill_")
    shape = self._array.shape
    bshape = broadcast_shapes(shape, m.shape)
    if bshape != shape:
        raise RuntimeError(f"output with shape {list(shape)} doesn't match the broadcast shape "
                           f"{list(bshape)}")
    value, _ = _fill_value(self, value, "masked_fill_")
    check_inplace(self)
    if not (is_grad_enabled() and (self._requires_grad or (
            isinstance(value, Tensor) and value._requires_grad))):
        m = _on_device(m, self._array)
        v = value._array if isinstance(value, Tensor) else value
        self._array[get_array_module(m).broadcast_to(m, shape)] = v
        self._version_counter.value += 1
        return self
    return apply_inplace(self, lambda a, v: masked_fill(a, mask, v), value)


# take / put / nonzero ---------------------------------------------------------------------

def _flat_key(input, index, fname):
    if not isinstance(index, Tensor) or index._array.dtype.kind not in "iu":
        raise RuntimeError(f"{fname}(): Expected a long tensor for index")
    idx = index._array
    n = input._array.size
    if idx.size:
        lo, hi = int(idx.min()), int(idx.max())
        if lo < -n or hi >= n:
            raise IndexError(f"out of range: tried to access index {hi if hi >= n else lo} on a "
                             f"tensor of {n} elements.")
        idx = idx % n
    x = _as_1d(input)
    idx = _on_device(idx, x._array)
    return x, get_array_module(idx).unravel_index(idx, x._array.shape)


def take(input, index):
    """Elements of ``input`` read as if it were 1-D, at ``index`` (result shaped like index).

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([[1, 2], [3, 4]]).take(netlab.tensor([0, 3]))
    tensor([1, 4])
    """
    x, key = _flat_key(input, index, "take")
    return Index(None, key, "TakeBackward0")(x)


def put(input, index, source, accumulate: bool = False):
    """A copy of ``input`` (read as 1-D) with ``source`` put (or added) at ``index``.

    Examples
    --------
    >>> import netlab
    >>> netlab.zeros(2, 2).put(netlab.tensor([3]), netlab.tensor([1.0]))
    tensor([[0., 0.],
            [0., 1.]])
    """
    if source.numel() != index.numel():
        raise RuntimeError(f"put_(): Expected source and index to have the same number of "
                           f"elements, but got source.numel() = {source.numel()}, "
                           f"index.numel() = {index.numel()}")
    if source._array.dtype != input._array.dtype:
        raise RuntimeError(f"put_(): self ({_scalar_type(input)}) and source "
                           f"({_scalar_type(source)}) must have the same scalar type")
    x, key = _flat_key(input, index, "put")
    res = IndexPut(None, key, accumulate, "PutBackward0")(x, source.reshape(index.shape))
    return res.reshape(()) if input._array.ndim == 0 else res


def nonzero(input, *, out=None, as_tuple: bool = False):
    """Indices of the non-zero elements: an (n, ndim) int64 tensor, or one 1-D tensor per
    dim with ``as_tuple=True``.

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([[1, 0], [0, 3]]).nonzero()
    tensor([[0, 0],
            [1, 1]])
    """
    a = input._array
    xp = get_array_module(a)
    if a.ndim == 0:  # numpy refuses nonzero on 0-d arrays; PyTorch treats them as 1 element
        n = int(bool(a))
        if as_tuple:
            return (Tensor._make(xp.zeros(n, dtype=np.int64)),)
        res = Tensor._make(xp.zeros((n, 0), dtype=np.int64))
    else:
        idx = xp.nonzero(a)
        if as_tuple:
            return tuple(Tensor._make(i.astype(np.int64)) for i in idx)
        res = Tensor._make(xp.stack(idx, axis=1).astype(np.int64))
    if out is not None:
        from netlab.ops._util import write_out

        return write_out(out, res)
    return res


def argwhere(input):
    """Same as ``nonzero(input)``."""
    return nonzero(input)


def _inplace(fn):
    """``x.op_(...)`` from the out-of-place ``op``: the result is written into ``x``."""
    def method(self, *args, **kwargs):
        others = [a for a in args if isinstance(a, Tensor) and a._requires_grad]
        if not others:
            return apply_inplace(self, lambda s: fn(s, *args, **kwargs))
        return apply_inplace(self, lambda s, *_: fn(s, *args, **kwargs), *others)

    method.__name__ = fn.__name__ + "_"
    return method


Tensor.gather = gather
Tensor.scatter = scatter
Tensor.scatter_ = _inplace(scatter)
Tensor.scatter_add = scatter_add
Tensor.scatter_add_ = _inplace(scatter_add)
Tensor.index_select = index_select
Tensor.index_add = index_add
Tensor.index_add_ = _inplace(index_add)
Tensor.index_copy = index_copy
Tensor.index_copy_ = _inplace(index_copy)
Tensor.index_fill = index_fill
Tensor.index_fill_ = _inplace(index_fill)
Tensor.masked_select = masked_select
Tensor.masked_fill = masked_fill
Tensor.masked_fill_ = _masked_fill_
Tensor.take = take
Tensor.put = put
Tensor.put_ = _inplace(put)
Tensor.nonzero = nonzero
Tensor.argwhere = argwhere

