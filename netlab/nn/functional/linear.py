"""Functional linear layers: linear, bilinear."""

from __future__ import annotations

from netlab.autograd.node import Function
from netlab.backend import get_array_module

__all__ = ["linear", "bilinear"]


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


class BilinearFunction(Function):
    """``y[..., o] = sum_ij x1[..., i] W[o, i, j] x2[..., j] + b[o]`` as one node, computed
    with two matmuls instead of an (n, o, i, j) product.
    """

    def forward(self, x1, x2, w, b=None):
        if x1.ndim != x2.ndim:
            raise RuntimeError(f"bilinear(): input dimensions do not match: got {x1.ndim} and "
                               f"{x2.ndim}")
        for i in range(x1.ndim - 1):
            if x1.shape[i] != x2.shape[i]:
                raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim "
                                   f"{i}: got {x1.shape[i]} and {x2.shape[i]}")
        o, i1, i2 = w.shape
        if x1.shape[-1] != i1:
            raise RuntimeError(f"bilinear(): input1 size does not match weight size: got "
                               f"{x1.shape[-1]} but expected {i1}")
        if x2.shape[-1] != i2:
            raise RuntimeError(f"bilinear(): input2 size does not match weight size: got "
                               f"{x2.shape[-1]} but expected {i2}")
        if b is not None and b.shape[0] != o:
            raise RuntimeError(f"bilinear(): bias size does not match weight size: got "
                               f"{b.shape[0]} but expected {o}")
        xp = get_array_module(x1)
        lead = x1.shape[:-1]
        a = x1.reshape(-1, i1)
        t = xp.matmul(a, w.transpose(1, 0, 2).reshape(i1, o * i2)).reshape(-1, o, i2)
        y = xp.matmul(t, x2.reshape(-1, i2, 1))[..., 0]
        if b is not None:
            y += b
        self.save_for_backward(x1, x2, w)
        return y.reshape(lead + (o,))

    def backward(self, g):
        x1, x2, w = self.saved_tensors
        ng = self.needs_input_grad
        o, i1, i2 = w.shape
        g2 = g.reshape(-1, o)
        a = x1.reshape(-1, i1)
        c = x2.reshape(-1, i2)
        wr = w.permute(1, 0, 2).reshape(i1, o * i2)
        grads = [None] * len(ng)
        if ng[0]:
            u = (g2.unsqueeze(2) * c.unsqueeze(1)).reshape(-1, o * i2)
            grads[0] = u.matmul(wr.t()).reshape(x1.shape)
        if ng[1]:
            v = a.matmul(wr).reshape(-1, o, i2)
            grads[1] = g2.unsqueeze(1).matmul(v).reshape(x2.shape)
        if ng[2]:
            outer = (a.unsqueeze(2) * c.unsqueeze(1)).reshape(-1, i1 * i2)
            grads[2] = g2.t().matmul(outer).reshape(o, i1, i2)
        if len(ng) > 3 and ng[3]:
            grads[3] = g2.sum(0)
        return tuple(grads)


def bilinear(input1, input2, weight, bias=None):
    """``input1^T A input2 + b`` over the last dimension; weight ``(out, in1, in2)``.

    Examples
    --------
    >>> import netlab
    >>> bilinear(netlab.ones(4, 2), netlab.ones(4, 3), netlab.ones(5, 2, 3)).shape
    netlab.Size([4, 5])
    """
    if bias is None:
        return BilinearFunction()(input1, input2, weight)
    return BilinearFunction()(input1, input2, weight, bias)
