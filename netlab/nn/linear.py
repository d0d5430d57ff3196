"""Linear layers: Identity and Linear."""

from __future__ import annotations

import math

from netlab.autograd.node import Function
from netlab.backend import get_array_module
from netlab.creation import empty
from netlab.nn import init
from netlab.nn.module import Module
from netlab.nn.parameter import Parameter


class Identity(Module):
    """Returns its input; any constructor arguments are ignored."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class LinearFunction(Function):
    """``x @ W.T + b`` as one node: fused for speed (the hot op of every MLP step)."""

    _backward_name = "AddmmBackward0"

    def forward(self, x, w, b=None):
        if x.shape[-1] != w.shape[1]:
            rows = x.size // max(x.shape[-1], 1) if x.ndim > 1 else 1
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{x.shape[-1]} "
                               f"and {w.shape[1]}x{w.shape[0]})")
        if x.dtype != w.dtype:
            raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got "
                               f"{x.dtype} and {w.dtype}")
        self.save_for_backward(x, w)
        xp = get_array_module(x)
        y = xp.matmul(x, w.T)
        if b is not None:
            y += b
        return y

    def backward(self, g):
        x, w = self.saved_tensors
        ng = self.needs_input_grad
        gx = gw = gb = None
        if ng[0]:
            gx = g.matmul(w)
        if ng[1] or (len(ng) > 2 and ng[2]):
            g2 = g.reshape(-1, g.shape[-1]) if g.dim() != 2 else g
            if ng[1]:
                x2 = x.reshape(-1, x.shape[-1]) if x.dim() != 2 else x
                gw = g2.t().matmul(x2)
            if len(ng) > 2 and ng[2]:
                gb = g2.sum(0)
        return (gx, gw, gb) if len(ng) > 2 else (gx, gw)


def linear(input, weight, bias=None):
    """``input @ weight.T + bias``."""
    if bias is None:
        return LinearFunction()(input, weight)
    return LinearFunction()(input, weight, bias)


class Linear(Module):
    """Applies ``y = x A^T + b``; weight (out_features, in_features), U(-k, k) init with
    k = 1/sqrt(in_features).

    Examples
    --------
    >>> import netlab
    >>> Linear(3, 2)(netlab.ones(4, 3)).shape
    netlab.Size([4, 2])
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None,
                 dtype=None):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(empty((out_features, in_features), device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.in_features
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
