"""Functional softmax, log_softmax and softmin: one stable primitive each."""
# ruff: noqa: A002 - PyTorch's parameter name ``input``

from __future__ import annotations

import warnings

import numpy as np

from netlab._factory import CPP_NAMES
from netlab.autograd.node import Function
from netlab.backend import get_array_module
from netlab.nn.functional.activation import _arr
from netlab.ops._util import wrap_dim
from netlab.ops.unary import exp
from netlab.tensor import Tensor

__all__ = ["softmin", "softmax", "log_softmax"]


# softmax family -------------------------------------------------------------------------------

class Softmax(Function):
    """``exp(x - max) / sum``: stable for any range of inputs."""

    def __init__(self, dim):
        self.dim = dim

    def forward(self, x):
        xp = get_array_module(x)
        if x.size == 0:
            y = x.copy()
        else:
            ax = self.dim if x.ndim else None
            with np.errstate(invalid="ignore", over="ignore"):
                y = xp.exp(x - x.max(axis=ax, keepdims=True))
                y /= y.sum(axis=ax, keepdims=True)
        y = _arr(y)
        self.save_for_backward(y)
        return y

    def backward(self, g):
        (y,) = self.saved_tensors
        return y * (g - (g * y).sum(self.dim, keepdim=True))


class LogSoftmax(Function):
    """``x - max - log(sum(exp(x - max)))``: no overflow, no log(0) for large gaps."""

    def __init__(self, dim):
        self.dim = dim

    def forward(self, x):
        y = _arr(_log_softmax_raw(x, self.dim))
        self.save_for_backward(y)
        return y

    def backward(self, g):
        (y,) = self.saved_tensors
        return g - exp(y) * g.sum(self.dim, keepdim=True)


def _log_softmax_raw(x, dim: int):
    xp = get_array_module(x)
    if x.size == 0:
        return x.copy()
    ax = dim if x.ndim else None
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        s = x - x.max(axis=ax, keepdims=True)
        s -= xp.log(xp.exp(s).sum(axis=ax, keepdims=True))
    return s


def _get_softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  f"to include dim=X as an argument.", UserWarning, stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_input(input: Tensor, dim: int, dtype, kernel: str):
    if dtype is not None:
        input = input.to(dtype)
    d = wrap_dim(dim, input.dim())
    dt = input._array.dtype
    if dt.kind != "f":
        where_ = "lastdim_" if d == max(input.dim() - 1, 0) else ""
        raise NotImplementedError(f"\"{kernel}_{where_}kernel_impl\" not implemented for "
                                  f"'{CPP_NAMES[dt.name]}'")
    return input, d


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype=None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``; ``dtype`` casts the input first.

    Examples
    --------
    >>> import netlab
    >>> softmax(netlab.tensor([0.0, 0.0]), dim=0)
    tensor([0.5000, 0.5000])
    """
    if dim is None:
        dim = _get_softmax_dim("softmax", input.dim(), _stacklevel)
    input, d = _softmax_input(input, dim, dtype, "softmax")
    return Softmax(d)(input)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype=None) -> Tensor:
    """``log(softmax(x))`` along ``dim``, computed stably in one step.

    Examples
    --------
    >>> import netlab
    >>> log_softmax(netlab.tensor([0.0, 1000.0]), dim=0)
    tensor([-1000.,     0.])
    """
    if dim is None:
        dim = _get_softmax_dim("log_softmax", input.dim(), _stacklevel)
    input, d = _softmax_input(input, dim, dtype, "log_softmax")
    return LogSoftmax(d)(input)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype=None) -> Tensor:
    """``softmax(-x)`` along ``dim``.

    Examples
    --------
    >>> import netlab
    >>> softmin(netlab.tensor([0.0, 0.0]), dim=0)
    tensor([0.5000, 0.5000])
    """
    if dim is None:
        dim = _get_softmax_dim("softmin", input.dim(), _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    input, d = _softmax_input(-input, dim, None, "softmax")
    return Softmax(d)(input)


def _tensor_softmax(self, dim, dtype=None):
    return softmax(self, dim, dtype=dtype)


def _tensor_log_softmax(self, dim, dtype=None):
    return log_softmax(self, dim, dtype=dtype)


# Tensor.softmax / Tensor.log_softmax, as in PyTorch (the ops layer has no softmax)
if not hasattr(Tensor, "softmax"):
    Tensor.softmax = _tensor_softmax
if not hasattr(Tensor, "log_softmax"):
    Tensor.log_softmax = _tensor_log_softmax
