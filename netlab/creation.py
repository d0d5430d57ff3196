"""Tensor creation: from data, filled, ranges and random."""

from __future__ import annotations

import numpy as np

from netlab import backend
from netlab.dtypes import as_dtype, from_numpy_dtype, get_default_dtype
from netlab.tensor import Tensor

__all__ = ["tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty"]


def _finish(arr, requires_grad: bool) -> Tensor:
    t = Tensor._make(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _infer_np(data):
    """numpy array for Python data, with PyTorch's dtype inference (floats -> default)."""
    if isinstance(data, (list, tuple)) and any(isinstance(d, Tensor) for d in _flatten(data)):
        data = _tensors_to_lists(data)
    arr = np.array(data)
    if arr.dtype.kind == "f" and arr.dtype != np.float16:
        arr = arr.astype(get_default_dtype().np)
    elif arr.dtype.kind in "iu" and arr.dtype != np.uint8:
        arr = arr.astype(np.int64)
    elif arr.dtype.kind not in "biuf":
        raise TypeError(f"Could not infer dtype of {type(data).__name__}")
    return arr


def _flatten(data):
    for d in data:
        if isinstance(d, (list, tuple)):
            yield from _flatten(d)
        else:
            yield d


def _tensors_to_lists(data):
    if isinstance(data, Tensor):
        return data.tolist()
    if isinstance(data, (list, tuple)):
        return [_tensors_to_lists(d) for d in data]
    return data


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested lists, scalars, numpy arrays, tensors).

    Examples
    --------
    >>> tensor([[1, 2], [3, 4]]).dtype
    netlab.int64
    """
    if isinstance(data, Tensor):
        arr = backend.to_numpy(data._array).copy()
    elif isinstance(data, np.ndarray):
        arr = data.copy()
    elif backend.is_cupy_array(data):
        arr = data.copy()
    else:
        arr = _infer_np(data)
    if dtype is not None:
        arr = arr.astype(as_dtype(dtype).np)
    else:
        from_numpy_dtype(arr.dtype)  # unsupported dtypes fail here
    dev = backend.as_device(device) if device is not None else (
        data.device if isinstance(data, Tensor) else backend.device_of(arr))
    return _finish(backend.to_device(arr, dev), requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like :func:`tensor`, but shares memory with a tensor or numpy array when it can."""
    if isinstance(data, Tensor):
        out = data
        if dtype is not None or device is not None:
            out = data.to(device=device, dtype=dtype)
        return out
    if isinstance(data, np.ndarray) or backend.is_cupy_array(data):
        arr = data
        from_numpy_dtype(arr.dtype)
        if dtype is not None:
            arr = arr.astype(as_dtype(dtype).np, copy=False)
        if device is not None:
            arr = backend.to_device(arr, backend.as_device(device))
        return Tensor._make(arr)
    return tensor(data, dtype=dtype, device=device)


asarray = as_tensor


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor that shares memory with ``ndarray``: writes to either show in both."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    from_numpy_dtype(ndarray.dtype)
    return Tensor._make(ndarray)


def _size(size) -> tuple:
    if len(size) == 1 and not isinstance(size[0], int):
        size = size[0]
    return tuple(int(s) for s in size)


def _factory(fill, size, dtype, device, requires_grad, value=None):
    dt = as_dtype(dtype) if dtype is not None else None
    if dt is None:
        dt = get_default_dtype()
    xp = backend.xp_for(backend.as_device(device))
    shape = _size(size)
    with backend.device_context(backend.as_device(device)):
        if fill == "zeros":
            arr = xp.zeros(shape, dtype=dt.np)
        elif fill == "ones":
            arr = xp.ones(shape, dtype=dt.np)
        elif fill == "empty":
            arr = xp.empty(shape, dtype=dt.np)
        else:
            arr = xp.full(shape, value, dtype=dt.np)
    return _finish(arr, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    return _factory("zeros", size, dtype, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None) -> Tensor:
    """A tensor of ones."""
    return _factory("ones", size, dtype, device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None,
          memory_format=None) -> Tensor:
    """An uninitialised tensor."""
    return _factory("empty", size, dtype, device, requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False, out=None) -> Tensor:
    """A tensor filled with ``fill_value``; its dtype follows the value when not given."""
    if dtype is None:
        if isinstance(fill_value, bool):
            dtype = "bool"
        elif isinstance(fill_value, int):
            dtype = "int64"
    if isinstance(size, int):
        size = (size,)
    return _factory("full", (tuple(size),), dtype, device, requires_grad, fill_value)
