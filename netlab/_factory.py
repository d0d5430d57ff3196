"""Argument handling shared by the tensor factories (creation, ranges, random, fills): sizes,
dtype/device/``out=`` resolution and wrapping the result as a leaf."""

from __future__ import annotations

import operator

import numpy as np

from netlab import backend
from netlab.dtypes import as_dtype, get_default_dtype
from netlab.ops._util import write_out
from netlab.tensor import Size, Tensor

# PyTorch's C++ scalar names, used in its error messages
CPP_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
             "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _leaf(arr, requires_grad: bool) -> Tensor:
    t = Tensor._make(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


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


def num_str(v) -> str:
    """A number as PyTorch's C++ messages print it (``1``, ``1.5``, ``inf``)."""
    return f"{v:g}" if isinstance(v, float) else str(v)

def like_args(input: Tensor, dtype, device):  # noqa: A002 - PyTorch's argument name
    dt = as_dtype(dtype) if dtype is not None else input.dtype
    dev = backend.as_device(device) if device is not None else input.device
    return dt, dev
