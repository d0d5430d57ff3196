"""Functional linear layers."""

from __future__ import annotations

from netlab.autograd.node import Function
from netlab.backend import get_array_module

__all__ = ["linear"]


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
