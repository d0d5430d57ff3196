"""Tensor creation: from data, filled, ranges, ``*_like`` and ``Tensor.new_*``, ``fill_``."""

from __future__ import annotations

import math
import operator
import warnings

import numpy as np

from netlab import backend
from netlab.autograd.grad_mode import is_grad_enabled
from netlab.autograd.node import Function
from netlab.dtypes import (
    as_dtype,
    bool_,
    float16,
    float32,
    from_numpy_dtype,
    get_default_dtype,
    int64,
    promote_types,
)
from netlab.ops._util import apply_inplace, cast, check_inplace, write_out
from netlab.tensor import Size, Tensor

__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "full", "empty",
           "eye", "arange", "linspace", "logspace", "zeros_like", "ones_like", "full_like",
           "empty_like"]

# PyTorch's C++ scalar names, used in its error messages
CPP_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
             "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


# ---------------------------------------------------------------------------------------------
# from data


def _leaf(arr, requires_grad: bool) -> Tensor:
    t = Tensor._make(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


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


def _as_int(v, fname: str, arg: str, pos: int) -> int:
    if isinstance(v, (bool, np.bool_)) or isinstance(v, (float, np.floating)):
        raise TypeError(f"{fname}(): argument '{arg}' (position {pos}) must be int, not "
                        f"{type(v).__name__}")
    try:
        return operator.index(v)
    except TypeError:
        raise TypeError(f"{fname}(): argument '{arg}' (position {pos}) must be int, not "
                        f"{type(v).__name__}") from None


def parse_size(args: tuple, size, fname: str, negative_msg: str | None = None) -> tuple:
    """Sizes given as varargs ``f(2, 3)``, one sequence ``f((2, 3))`` or ``size=(2, 3)``."""
    if size is not None:
        if args:
            raise TypeError(f"{fname}() got multiple values for argument 'size'")
        args = (size,)
    if not args:
        raise TypeError(f'{fname}() missing 1 required positional arguments: "size"')
    if len(args) == 1 and isinstance(args[0], (tuple, list, Size)):
        items = tuple(args[0])
        for i, s in enumerate(items):
            if isinstance(s, (float, np.floating, tuple, list)):
                raise TypeError(f"{fname}(): argument 'size' failed to unpack the object at pos "
                                f"{i + 1} with error \"type must be tuple of ints,but got "
                                f"{type(s).__name__}\"")
    elif len(args) == 1 and isinstance(args[0], Tensor) and args[0].ndim == 1:
        items = tuple(args[0].tolist())
    else:
        items = args
    shape = []
    for i, s in enumerate(items):
        if isinstance(s, (bool, float, np.floating, np.bool_)) or s is None or isinstance(
                s, (tuple, list)):
            if len(items) == 1:
                raise TypeError(f"{fname}(): argument 'size' (position 1) must be tuple of "
                                f"ints, not {type(s).__name__}")
            raise TypeError(f"{fname}(): argument 'size' failed to unpack the object at pos "
                            f"{i + 1} with error \"type must be tuple of ints,but got "
                            f"{type(s).__name__}\"")
        shape.append(operator.index(s))
    for s in shape:
        if s < 0:
            if negative_msg:
                raise RuntimeError(negative_msg)
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {shape}")
    return tuple(shape)


def resolve(dtype, device, out, default=None):
    """The dtype and device of a factory's result, checked against ``out=`` when given."""
    dt = as_dtype(dtype) if dtype is not None else None
    if out is not None:
        if dt is not None and dt is not out.dtype:
            raise RuntimeError(f"dtype {CPP_NAMES[dt.name]} does not match dtype of out "
                               f"parameter ({CPP_NAMES[out.dtype.name]})")
        dt = out.dtype
        if device is None:
            device = out.device
    if dt is None:
        dt = default if default is not None else get_default_dtype()
    return dt, backend.as_device(device)


def finish(arr, requires_grad: bool, out: Tensor | None) -> Tensor:
    """Wrap a factory's array as a leaf, or write it into ``out``."""
    if out is not None:
        return write_out(out, Tensor._make(arr))
    return _leaf(arr, requires_grad)


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


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None,
        requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A 2-D tensor with ones on the diagonal: ``n`` rows, ``m`` (default ``n``) columns.

    Examples
    --------
    >>> eye(2)
    tensor([[1., 0.],
            [0., 1.]])
    """
    n = _as_int(n, "eye", "n", 1)
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    m = n if m is None else _as_int(m, "eye", "m", 2)
    if m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    dt, dev = resolve(dtype, device, out)
    xp = backend.xp_for(dev)
    with backend.device_context(dev):
        arr = xp.eye(n, m, dtype=dt.np)
    return finish(arr, requires_grad, out)


# ---------------------------------------------------------------------------------------------
# ranges


def _number(v):
    if isinstance(v, Tensor):
        return v.item()
    if isinstance(v, np.generic):
        return v.item()
    return v


def num_str(v) -> str:
    """A number as PyTorch's C++ messages print it (``1``, ``1.5``, ``inf``)."""
    return f"{v:g}" if isinstance(v, float) else str(v)


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Values from ``start`` up to (not including) ``end`` in steps of ``step``.

    Integer arguments give ``int64``, any float argument the default dtype. The length is
    ``ceil((end - start) / step)``, as in PyTorch.

    Examples
    --------
    >>> arange(5)
    tensor([0, 1, 2, 3, 4])
    >>> arange(1, 2.5, 0.5)
    tensor([1.0000, 1.5000, 2.0000])
    """
    if end is None:
        start, end = 0, start
    start, end, step = _number(start), _number(end), _number(step)
    is_float = any(isinstance(v, float) for v in (start, end, step))
    dt, dev = resolve(dtype, device, out, get_default_dtype() if is_float else int64)
    if dt is bool_:
        raise NotImplementedError("\"arange_cpu\" not implemented for 'Bool'")
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(start) and math.isfinite(end)):
        raise RuntimeError(f"unsupported range: {num_str(start)} -> {num_str(end)}")
    if (step > 0 and end < start) or (step < 0 and end > start):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dt is int64:
        # PyTorch converts the bounds to int64 first and counts in integers
        s, e, st = int(start), int(end), int(step)
        if st == 0:
            raise ValueError("step must be nonzero")
        sgn = 1 if st > 0 else -1
        n = (e - s + st - sgn) // st  # both signs agree here, so floor == C++ truncation
        vals = s + st * np.arange(max(n, 0), dtype=np.int64)
    else:
        n = math.ceil((float(end) - float(start)) / float(step))
        if dt.category == 1:
            vals = int(start) + int(step) * np.arange(n, dtype=np.int64)
        else:
            acc = np.float32 if dt is float16 else np.float64
            vals = acc(start) + acc(step) * np.arange(n, dtype=acc)
    with np.errstate(over="ignore"):  # float16 overflows to inf, as in PyTorch
        arr = backend.to_device(vals.astype(dt.np, copy=False), dev)
    return finish(arr, requires_grad, out)


def _lin_values(start, end, steps: int, dt) -> np.ndarray:
    """PyTorch's symmetric linspace: the first half counts up from ``start``, the second half
    down from ``end``, so both ends are exact."""
    if dt.category == 2:
        work = np.float32 if dt in (float16, float32) else np.float64
        s, e = work(start), work(end)
    else:  # integer results: integer bounds, a double step, truncated values
        work = np.float64
        s, e = work(int(start)), work(int(end))
    if steps == 1:
        return np.array([s], dtype=work)
    step = (e - s) / work(steps - 1)
    idx = np.arange(steps, dtype=work)
    half = steps // 2
    vals = np.empty(steps, dtype=work)
    vals[:half] = s + step * idx[:half]
    vals[half:] = e - step * (work(steps - 1) - idx[half:])
    return vals


def _check_steps(steps, fname):
    steps = _as_int(steps, fname, "steps", 3)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return steps


def linspace(start, end, steps: int, *, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive (default dtype).

    Examples
    --------
    >>> linspace(0, 1, 5)
    tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])
    """
    steps = _check_steps(steps, "linspace")
    dt, dev = resolve(dtype, device, out)
    if dt is bool_:
        raise NotImplementedError("\"linspace_cpu\" not implemented for 'Bool'")
    vals = _lin_values(_number(start), _number(end), steps, dt)
    if dt.category == 1:
        vals = np.trunc(vals)
    arr = backend.to_device(vals.astype(dt.np), dev)
    return finish(arr, requires_grad, out)


def logspace(start, end, steps: int, base: float = 10.0, *, out=None, dtype=None, layout=None,
             device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """``base ** linspace(start, end, steps)``.

    Examples
    --------
    >>> logspace(0, 2, 3)
    tensor([  1.,  10., 100.])
    """
    steps = _check_steps(steps, "logspace")
    dt, dev = resolve(dtype, device, out)
    if dt is bool_:
        raise NotImplementedError("\"logspace_cpu\" not implemented for 'Bool'")
    exps = _lin_values(_number(start), _number(end), steps, dt)
    with np.errstate(over="ignore"):
        vals = np.power(np.float64(_number(base)), exps.astype(np.float64))
    if dt.category == 1:
        vals = np.trunc(vals)
    arr = backend.to_device(vals.astype(dt.np), dev)
    return finish(arr, requires_grad, out)


# ---------------------------------------------------------------------------------------------
# *_like and Tensor.new_*


def like_args(input: Tensor, dtype, device):  # noqa: A002 - PyTorch's argument name
    dt = as_dtype(dtype) if dtype is not None else input.dtype
    dev = backend.as_device(device) if device is not None else input.device
    return dt, dev


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


# ---------------------------------------------------------------------------------------------
# fill_ / zero_


class Fill(Function):
    """Overwrite with a value; the old contents get a zero gradient, a tensor value the sum."""

    def __init__(self, name: str):
        self._backward_name = name

    def forward(self, old, value=None):
        xp = backend.get_array_module(old)
        out = xp.empty_like(old)
        out[...] = 0 if value is None else backend.to_device(value, backend.device_of(old))
        return out

    def backward(self, g):
        zero = Tensor._make(backend.get_array_module(g._array).zeros_like(g._array))
        if len(self.needs_input_grad) < 2 or not self.needs_input_grad[1]:
            return zero, None
        gv = g.sum()
        (value,) = self.value_meta
        if gv._array.dtype != value[0]:
            gv = cast(gv, value[0])
        if gv.device != value[1]:
            gv = gv.to(value[1])
        return zero, gv


def _fill(self: Tensor, value, name: str) -> Tensor:
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                           f"{value.ndim} dimensions.")
    check_inplace(self)
    grad_value = isinstance(value, Tensor) and value.requires_grad
    if not (is_grad_enabled() and (self._requires_grad or grad_value)):
        v = 0 if value is None else value
        if isinstance(v, Tensor):
            v = backend.to_device(v._array, self.device)
        self._array[...] = v
        self._version_counter.value += 1
        return self
    node = Fill(name)
    if isinstance(value, Tensor):
        node.value_meta = ((value._array.dtype, value.device),)
        return apply_inplace(self, node, value)
    return apply_inplace(self, lambda old: node(old, value))


def fill_(self: Tensor, value) -> Tensor:
    """Fill this tensor in place with ``value`` (a number or a 0-d tensor), cast to its dtype.

    Examples
    --------
    >>> zeros(2).fill_(3)
    tensor([3., 3.])
    """
    is_tensor = isinstance(value, Tensor)
    return _fill(self, value, "FillBackward3" if is_tensor else "FillBackward2")


def zero_(self: Tensor) -> Tensor:
    """Fill this tensor with zeros in place.

    Examples
    --------
    >>> ones(2).zero_()
    tensor([0., 0.])
    """
    return _fill(self, None, "ZeroBackward0")


Tensor.new_tensor = new_tensor
Tensor.new_zeros = new_zeros
Tensor.new_ones = new_ones
Tensor.new_empty = new_empty
Tensor.new_full = new_full
Tensor.fill_ = fill_
Tensor.zero_ = zero_
