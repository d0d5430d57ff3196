"""Elementwise unary math: exp, log, sqrt, trig, activations' primitives..."""

from __future__ import annotations

import numpy as np

from netlab.autograd.node import Function
from netlab.backend import get_array_module
from netlab.dtypes import get_default_dtype
from netlab.ops._util import apply_inplace, cast, write_out
from netlab.tensor import Tensor

__all__ = ["exp", "log"]


def _float_input(x: Tensor) -> Tensor:
    """Integer and bool inputs of float-valued functions become the default float dtype."""
    return x if x._array.dtype.kind == "f" else cast(x, get_default_dtype().np)


class Exp(Function):
    def forward(self, a):
        y = get_array_module(a).exp(a)
        self.save_for_backward(y)
        return y

    def backward(self, g):
        (y,) = self.saved_tensors
        return g * y


class Log(Function):
    def forward(self, a):
        self.save_for_backward(a)
        with np.errstate(all="ignore"):
            return get_array_module(a).log(a)

    def backward(self, g):
        (a,) = self.saved_tensors
        return g / a


def exp(input, *, out=None):
    """``e ** input``, elementwise."""
    res = Exp()(_float_input(input))
    return res if out is None else write_out(out, res)


def log(input, *, out=None):
    """Natural logarithm (``-inf`` at 0, ``nan`` below, as PyTorch)."""
    res = Log()(_float_input(input))
    return res if out is None else write_out(out, res)


Tensor.exp, Tensor.log = exp, log
Tensor.exp_ = lambda self: apply_inplace(self, exp)
Tensor.log_ = lambda self: apply_inplace(self, log)
