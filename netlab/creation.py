"""Tensor creation: from data, filled (zeros ones empty full), ``*_like`` and ``Tensor.new_*``.

Ranges (arange linspace logspace eye) live in ranges.py, ``fill_``/``zero_`` in fills.py.
"""

from __future__ import annotations

import warnings

import numpy as np

from netlab import backend
from netlab._factory import CPP_NAMES, _leaf, finish, like_args, parse_size, resolve
from netlab.dtypes import (
    as_dtype,
    bool_,
    from_numpy_dtype,
    get_default_dtype,
    int64,
    promote_types,
)
from netlab.tensor import Size, Tensor

__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "full", "empty",
           "zeros_like", "ones_like", "full_like", "empty_like"]


# ---------------------------------------------------------------------------------------------
# from data


def _scalar_dtype(x):
    """The dtype PyTorch infers for one element of a Python sequence (None: not a scalar)."""
    if isinstance(x, np.generic):  # before float: np.float64 subclasses float
        return from_numpy_dtype(x.dtype)
    if isinstance(x, bool):
        return bool_
    if isinstance(x, int):
        return int64
    if isinstance(x, float):
        return get_default_dtype()
    return None


def _infer_dtype(data, found: list) -> bool:
    """Collect the dtypes of everything inside nested lists/tuples (fast for long flat lists);
    True when a Tensor was among them."""
    has_tensor = False
    for kind in set(map(type, data)):
        if kind in (list, tuple):
            for d in data:
                if type(d) is kind:
                    has_tensor |= _infer_dtype(d, found)
        elif issubclass(kind, Tensor):
            has_tensor = True
            found.extend({d.dtype for d in data if type(d) is kind})
        elif issubclass(kind, np.ndarray):
            found.extend({from_numpy_dtype(d.dtype) for d in data if type(d) is kind})
        elif issubclass(kind, np.generic):  # the type alone decides the dtype
            found.append(from_numpy_dtype(np.dtype(kind)))
        elif kind is bool or kind is int or kind is float:
            found.append(_scalar_dtype(kind()))
        elif kind is str:
            raise ValueError("too many dimensions 'str'")
        else:
            raise RuntimeError(f"Could not infer dtype of {kind.__name__}")
    return has_tensor


def _tensors_to_lists(data):
    if isinstance(data, Tensor):
        return data.tolist()
    if isinstance(data, (list, tuple)):
        return [_tensors_to_lists(d) for d in data]
    return data


def _ragged_message(data) -> str | None:
    """PyTorch's message for a nested sequence whose lengths disagree."""
    shape = []
    d = data
    while isinstance(d, (list, tuple)):
        shape.append(len(d))
        if not d:
            break
        d = d[0]

    def walk(seq, dim):
        if dim >= len(shape):
            return None
        if not isinstance(seq, (list, tuple)):
            return "not a sequence"
        if len(seq) != shape[dim]:
            return f"expected sequence of length {shape[dim]} at dim {dim} (got {len(seq)})"
        for s in seq:
            msg = walk(s, dim + 1)
            if msg:
                return msg
        return None

    return walk(data, 0)


def _array_from_data(data) -> np.ndarray:
    """A numpy array for Python data, with PyTorch's dtype inference."""
    if isinstance(data, range):
        data = list(data)
    if isinstance(data, (list, tuple)):
        found: list = []
        has_tensor = _infer_dtype(data, found)
        dt = get_default_dtype()
        if found:
            dt = found[0]
            for d in found[1:]:
                dt = promote_types(dt, d)
        if has_tensor:
            data = _tensors_to_lists(data)
        try:
            return np.array(data, dtype=dt.np)
        except OverflowError:
            raise ValueError("Overflow when unpacking long long") from None
        except (ValueError, TypeError) as e:
            msg = _ragged_message(data)
            if msg == "not a sequence":
                raise TypeError(msg) from None
            if msg:
                raise ValueError(msg) from None
            raise TypeError(str(e)) from None
    dt = _scalar_dtype(data)
    if dt is None:
        if isinstance(data, str):
            raise TypeError("new(): invalid data type 'str'")
        raise RuntimeError(f"Could not infer dtype of {type(data).__name__}")
    try:
        return np.array(data, dtype=dt.np)
    except OverflowError:
        raise ValueError("Overflow when unpacking long long") from None


def _cast_data(arr, dt):
    """``arr`` in dtype ``dt``; like PyTorch, non-finite floats do not become integers."""
    if arr.dtype == dt.np:
        return arr
    if dt.category < 2 and arr.dtype.kind == "f" and dt is not bool_:
        xp = backend.get_array_module(arr)
        if not bool(xp.isfinite(arr).all()):
            raise RuntimeError(f"value cannot be converted to type {dt.name} without overflow")
    return arr.astype(dt.np)


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new leaf tensor holding a copy of ``data``.

    ``data`` may be a scalar, a (nested) list or tuple, a numpy array or a tensor. Python
    floats become the default dtype, ints ``int64``, bools ``bool``; numpy data keeps its dtype.

    Examples
    --------
    >>> tensor([[1, 2], [3, 4]]).dtype
    netlab.int64
    >>> tensor([1.5, 2])
    tensor([1.5000, 2.0000])
    """
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or sourceTensor.detach().clone()"
                      ".requires_grad_(True), rather than netlab.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
        arr = data._array
    elif isinstance(data, np.ndarray) or backend.is_cupy_array(data):
        from_numpy_dtype(data.dtype)  # unsupported dtypes fail here
        arr = data
    else:
        arr = _array_from_data(data)
    src = arr
    if dtype is not None:
        arr = _cast_data(arr, as_dtype(dtype))
    dev = backend.as_device(device) if device is not None else backend.device_of(arr)
    arr = backend.to_device(arr, dev)
    if arr is src:
        arr = arr.copy()
    return _leaf(arr, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like :func:`tensor`, but shares memory with a tensor or numpy array when it can.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.zeros(2); t = as_tensor(a); a[0] = 5; t
    tensor([5., 0.], dtype=netlab.float64)
    """
    if isinstance(data, Tensor):
        if dtype is None and device is None:
            return data
        return data.to(device=device, dtype=dtype)
    if isinstance(data, np.ndarray) or backend.is_cupy_array(data):
        from_numpy_dtype(data.dtype)
        arr = data
        if dtype is not None:
            arr = _cast_data(arr, as_dtype(dtype))
        if device is not None:
            arr = backend.to_device(arr, backend.as_device(device))
        return Tensor._make(arr)
    return tensor(data, dtype=dtype, device=device)


def asarray(obj, *, dtype=None, device=None, copy: bool | None = None,
            requires_grad: bool | None = None) -> Tensor:
    """``obj`` as a tensor, sharing memory unless a copy is needed or ``copy=True``.

    ``copy=False`` raises when sharing is impossible. A tensor keeps its autograd state
    unless ``requires_grad`` is given.

    Examples
    --------
    >>> import numpy as np
    >>> asarray(np.arange(3)).dtype
    netlab.int64
    """
    if not (isinstance(obj, (Tensor, np.ndarray)) or backend.is_cupy_array(obj)):
        if copy is False:
            raise ValueError("can't alias arbitrary sequence into a tensor.")
        return tensor(obj, dtype=dtype, device=device, requires_grad=bool(requires_grad))
    arr = obj._array if isinstance(obj, Tensor) else obj
    src_dt = from_numpy_dtype(arr.dtype)
    dt = as_dtype(dtype) if dtype is not None else src_dt
    dev = backend.as_device(device) if device is not None else backend.device_of(arr)
    if copy is False:
        if dt is not src_dt:
            raise ValueError(f"can't alias tensor with dtype '{CPP_NAMES[src_dt.name]}' into "
                             f"dtype '{CPP_NAMES[dt.name]}'.")
        if dev != backend.device_of(arr):
            raise ValueError(f"can't alias tensor from device '{backend.device_of(arr)}' to "
                             f"'{dev}'.")
    if isinstance(obj, Tensor):
        res = obj.to(device=dev, dtype=dt, copy=bool(copy))
        if requires_grad is False and res.requires_grad:
            res = res.detach()
        elif requires_grad and not res.requires_grad:
            res = res.detach().requires_grad_(True)
        return res
    res = _cast_data(arr, dt)
    res = backend.to_device(res, dev)
    if copy and res is arr:
        res = res.copy()
    return _leaf(res, bool(requires_grad))


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor that shares memory with ``ndarray``: writes to either show in both.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.array([1, 2]); t = from_numpy(a); t[0] = 7; a
    array([7, 2])
    """
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    if not ndarray.dtype.isnative:
        raise ValueError("given numpy array has byte order different from the native byte "
                         "order. Conversion between byte orders is currently not supported.")
    from_numpy_dtype(ndarray.dtype)
    if not ndarray.flags.writeable:
        warnings.warn("The given NumPy array is not writable, and netlab does not support "
                      "non-writable tensors; writing to this tensor will fail.",
                      UserWarning, stacklevel=2)
    return Tensor._make(ndarray)


# ---------------------------------------------------------------------------------------------
# filled tensors


def _filled(kind, size, dt, dev, value=None):
    xp = backend.xp_for(dev)
    with backend.device_context(dev):
        if kind == "zeros":
            return xp.zeros(size, dtype=dt.np)
        if kind == "ones":
            return xp.ones(size, dtype=dt.np)
        if kind == "empty":
            return xp.empty(size, dtype=dt.np)
        return xp.full(size, value, dtype=dt.np)


def zeros(*args, size=None, out=None, dtype=None, layout=None, device=None,
          requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)``, ``zeros((2, 3))`` or ``zeros(size=(2, 3))``.

    Examples
    --------
    >>> zeros(2, dtype=int64)
    tensor([0, 0])
    """
    dt, dev = resolve(dtype, device, out)
    shape = parse_size(args, size, "zeros", "zeros: Dimension size must be non-negative.")
    return finish(_filled("zeros", shape, dt, dev), requires_grad, out)


def ones(*args, size=None, out=None, dtype=None, layout=None, device=None,
         requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A tensor of ones.

    Examples
    --------
    >>> ones(2, 2).shape
    netlab.Size([2, 2])
    """
    dt, dev = resolve(dtype, device, out)
    return finish(_filled("ones", parse_size(args, size, "ones"), dt, dev), requires_grad, out)


def empty(*args, size=None, out=None, dtype=None, layout=None, device=None,
          requires_grad: bool = False, pin_memory: bool = False, memory_format=None) -> Tensor:
    """An uninitialised tensor.

    Examples
    --------
    >>> empty(3, 0).shape
    netlab.Size([3, 0])
    """
    dt, dev = resolve(dtype, device, out)
    return finish(_filled("empty", parse_size(args, size, "empty"), dt, dev), requires_grad, out)


def _value_dtype(value):
    """The dtype ``full`` infers from its fill value (numpy scalars count as Python ones)."""
    if isinstance(value, Tensor):
        return value.dtype if value.dtype.category < 2 else get_default_dtype()
    if isinstance(value, (bool, np.bool_)):
        return bool_
    if isinstance(value, (int, np.integer)):
        return int64
    return get_default_dtype()


def _fill_scalar(value):
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                               f"with {value.ndim} dimensions.")
        return value.item()
    return value


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None,
         requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A tensor filled with ``fill_value``; its dtype follows the value when not given.

    Examples
    --------
    >>> full((2,), 7)
    tensor([7, 7])
    """
    if not isinstance(size, (tuple, list, Size)):
        raise TypeError(f"full(): argument 'size' (position 1) must be tuple of ints, not "
                        f"{type(size).__name__}")
    dt, dev = resolve(dtype, device, out, _value_dtype(fill_value))
    shape = parse_size((size,), None, "full")
    return finish(_filled("full", shape, dt, dev, _fill_scalar(fill_value)), requires_grad, out)


# ---------------------------------------------------------------------------------------------
# *_like and Tensor.new_*


def zeros_like(input: Tensor, *, dtype=None, layout=None, device=None,  # noqa: A002
               requires_grad: bool = False, memory_format=None) -> Tensor:
    """Zeros with the shape (and, unless given, the dtype and device) of ``input``.

    Examples
    --------
    >>> zeros_like(ones(2, dtype=int64))
    tensor([0, 0])
    """
    dt, dev = like_args(input, dtype, device)
    return _leaf(_filled("zeros", input.shape, dt, dev), requires_grad)


def ones_like(input: Tensor, *, dtype=None, layout=None, device=None,  # noqa: A002
              requires_grad: bool = False, memory_format=None) -> Tensor:
    """Ones with the shape (and, unless given, the dtype and device) of ``input``.

    Examples
    --------
    >>> ones_like(zeros(2))
    tensor([1., 1.])
    """
    dt, dev = like_args(input, dtype, device)
    return _leaf(_filled("ones", input.shape, dt, dev), requires_grad)


def empty_like(input: Tensor, *, dtype=None, layout=None, device=None,  # noqa: A002
               requires_grad: bool = False, memory_format=None) -> Tensor:
    """An uninitialised tensor shaped like ``input``.

    Examples
    --------
    >>> empty_like(zeros(2, 3)).shape
    netlab.Size([2, 3])
    """
    dt, dev = like_args(input, dtype, device)
    return _leaf(_filled("empty", input.shape, dt, dev), requires_grad)


def full_like(input: Tensor, fill_value, *, dtype=None, layout=None,  # noqa: A002
              device=None, requires_grad: bool = False, memory_format=None) -> Tensor:
    """``fill_value`` in the shape, dtype and device of ``input`` (the value is cast).

    Examples
    --------
    >>> full_like(zeros(2, dtype=int64), 2.7)
    tensor([2, 2])
    """
    dt, dev = like_args(input, dtype, device)
    return _leaf(_filled("full", input.shape, dt, dev, _fill_scalar(fill_value)), requires_grad)


def new_tensor(self, data, *, dtype=None, device=None, requires_grad: bool = False,
               layout=None, pin_memory: bool = False) -> Tensor:
    """A copy of ``data`` with this tensor's dtype and device (unless given)."""
    dt, dev = like_args(self, dtype, device)
    return tensor(data.detach() if isinstance(data, Tensor) else data, dtype=dt, device=dev,
                  requires_grad=requires_grad)


def new_zeros(self, *args, size=None, dtype=None, device=None, requires_grad: bool = False,
              layout=None, pin_memory: bool = False) -> Tensor:
    """Zeros of the given size with this tensor's dtype and device (unless given)."""
    dt, dev = like_args(self, dtype, device)
    return _leaf(_filled("zeros", parse_size(args, size, "new_zeros"), dt, dev), requires_grad)


def new_ones(self, *args, size=None, dtype=None, device=None, requires_grad: bool = False,
             layout=None, pin_memory: bool = False) -> Tensor:
    """Ones of the given size with this tensor's dtype and device (unless given)."""
    dt, dev = like_args(self, dtype, device)
    return _leaf(_filled("ones", parse_size(args, size, "new_ones"), dt, dev), requires_grad)


def new_empty(self, *args, size=None, dtype=None, device=None, requires_grad: bool = False,
              layout=None, pin_memory: bool = False) -> Tensor:
    """An uninitialised tensor with this tensor's dtype and device (unless given)."""
    dt, dev = like_args(self, dtype, device)
    return _leaf(_filled("empty", parse_size(args, size, "new_empty"), dt, dev), requires_grad)


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad: bool = False,
             layout=None, pin_memory: bool = False) -> Tensor:
    """``fill_value`` (cast to this tensor's dtype unless given) in the given size."""
    dt, dev = like_args(self, dtype, device)
    shape = parse_size((size,), None, "new_full")
    return _leaf(_filled("full", shape, dt, dev, _fill_scalar(fill_value)), requires_grad)


Tensor.new_tensor = new_tensor
Tensor.new_zeros = new_zeros
Tensor.new_ones = new_ones
Tensor.new_empty = new_empty
Tensor.new_full = new_full
