"""dtype and device conversion, clone and copy_."""

from __future__ import annotations

import numpy as np

from netlab import backend
from netlab.autograd.grad_mode import is_grad_enabled
from netlab.autograd.node import Function
from netlab.dtypes import as_dtype
from netlab.ops._util import check_inplace
from netlab.tensor import Tensor

__all__ = ["clone"]


class ToCopy(Function):
    """A dtype and/or device change; the gradient goes back to the source dtype and device."""

    def __init__(self, np_dtype, dev):
        self.np_dtype = None if np_dtype is None else np.dtype(np_dtype)
        self.dev = dev

    def forward(self, a):
        self.src_dtype = a.dtype
        self.src_dev = backend.device_of(a)
        if self.dev is not None:
            a = backend.to_device(a, self.dev)
        if self.np_dtype is not None and a.dtype != self.np_dtype:
            a = a.astype(self.np_dtype)
        return a

    def backward(self, g):
        return ToCopy(self.src_dtype, self.src_dev)(g)


class Clone(Function):
    def forward(self, a):
        return a.copy()

    def backward(self, g):
        return g


def clone(input, *, memory_format=None):
    """A copy with its own memory that stays in the graph (CloneBackward0)."""
    return Clone()(input)


def _parse_to(args, kwargs):
    dev = dtype = None
    for a in args:
        if isinstance(a, Tensor):
            dev, dtype = a.device, a.dtype
        elif isinstance(a, (str, backend.device, int)) and not isinstance(a, bool):
            try:
                dev = backend.as_device(a)
            except RuntimeError:
                dtype = as_dtype(a)
        elif a is not None:
            dtype = as_dtype(a)
    if "device" in kwargs and kwargs["device"] is not None:
        dev = backend.as_device(kwargs["device"])
    if "dtype" in kwargs and kwargs["dtype"] is not None:
        dtype = as_dtype(kwargs["dtype"])
    if "other" in kwargs:
        dev, dtype = kwargs["other"].device, kwargs["other"].dtype
    return dev, dtype


def to(self, *args, non_blocking=False, copy=False, memory_format=None, **kwargs):
    """Convert dtype and/or device: ``to(dtype)``, ``to(device)``, ``to(device, dtype)``,
    ``to(other)``. Returns ``self`` when nothing changes (unless ``copy=True``).
    """
    dev, dtype = _parse_to(args, kwargs)
    same_dev = dev is None or dev == self.device or (
        dev.type == "cuda" and self.is_cuda and dev.index is None)
    same_dtype = dtype is None or dtype.np == self._array.dtype
    if same_dev and same_dtype:
        return clone(self) if copy else self
    return ToCopy(None if same_dtype else dtype.np, None if same_dev else dev)(self)


def _cast_method(dt):
    def method(self, memory_format=None):
        return to(self, dt)

    method.__name__ = dt.name
    return method


def cpu(self):
    """This tensor in CPU memory (itself when it already is)."""
    return to(self, backend.CPU)


def cuda(self, device=None, non_blocking=False):
    """This tensor on a CUDA device (cupy); ``device`` is an index or a device."""
    if device is None:
        device = "cuda"
    elif isinstance(device, int):
        device = f"cuda:{device}"
    return to(self, backend.as_device(device))


def type_as(self, other):
    return to(self, other.dtype)


def contiguous(self, memory_format=None):
    """Itself when C-contiguous, else a C-contiguous copy (in the graph)."""
    if self._array.flags.c_contiguous:
        return self
    return Contiguous()(self)


class Contiguous(Function):
    _backward_name = "CloneBackward0"

    def forward(self, a):
        return backend.get_array_module(a).ascontiguousarray(a)

    def backward(self, g):
        return g


def is_contiguous(self, memory_format=None) -> bool:
    return bool(self._array.flags.c_contiguous)


class CopyFrom(Function):
    """``dst.copy_(src)``: the result's gradient flows to ``src`` only."""

    _backward_name = "CopyBackwards"

    def forward(self, dst, src):
        self.src_shape = src.shape
        self.src_dtype = src.dtype
        self.src_dev = backend.device_of(src)
        out = backend.get_array_module(dst).empty_like(dst)
        out[...] = backend.to_device(src, backend.device_of(dst))
        return out

    def backward(self, g):
        from netlab.ops._util import sum_to

        gs = None
        if self.needs_input_grad[1]:
            gs = sum_to(ToCopy(self.src_dtype, self.src_dev)(g), self.src_shape)
        return None, gs


def copy_(self, src, non_blocking=False):
    """Copy ``src`` (broadcast, cast, moved across devices) into this tensor in place."""
    from netlab.ops._util import apply_inplace, as_tensor_arg

    src = as_tensor_arg(src, self)
    record = is_grad_enabled() and (self._requires_grad or src._requires_grad)
    if not record:
        check_inplace(self)
        self._array[...] = backend.to_device(src._array, self.device)
        self._version_counter.value += 1
        return self
    return apply_inplace(self, lambda d, s: CopyFrom()(d, s), src)


Tensor.to = to
Tensor.cpu = cpu
Tensor.cuda = cuda
Tensor.type_as = type_as
Tensor.clone = clone
Tensor.contiguous = contiguous
Tensor.is_contiguous = is_contiguous
Tensor.copy_ = copy_
for _name, _dt in [("float", "float32"), ("double", "float64"), ("half", "float16"),
                   ("long", "int64"), ("int", "int32"), ("short", "int16"), ("char", "int8"),
                   ("byte", "uint8"), ("bool", "bool")]:
    setattr(Tensor, _name, _cast_method(as_dtype(_dt)))
