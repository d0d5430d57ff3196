"""Functional piecewise-linear activations: one primitive per activation (forward on raw arrays,
backward in Tensor ops right under it, so double backward works). Smooth activations are in
``smooth_activation.py``, the softmax family in ``softmax.py``.

Gradients at the kinks follow PyTorch: relu'(0) = 0, hardtanh' = 0 at its bounds, etc.
"""
# ruff: noqa: A002 - PyTorch's parameter name ``input``

from __future__ import annotations

import math

import numpy as np

from netlab._factory import CPP_NAMES
from netlab.autograd.node import Function
from netlab.backend import device_of, get_array_module, to_device
from netlab.ops._util import apply_inplace
from netlab.ops.binary import where
from netlab.random import _rng, _uniform
from netlab.tensor import Tensor

__all__ = ["threshold", "threshold_", "relu", "relu_", "hardtanh", "hardtanh_", "relu6",
           "leaky_relu", "leaky_relu_", "prelu", "rrelu", "rrelu_", "hardshrink", "softshrink",
           "hardsigmoid", "hardswish"]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_TANH_K = math.sqrt(2.0 / math.pi)


def _c(arr) -> Tensor:
    """A constant (no-grad) tensor for masks and slopes used in backward."""
    return Tensor._make(arr)


def _arr(y):
    return np.asarray(y) if isinstance(y, np.generic) else y


def _float_only(x: Tensor, kernel: str) -> None:
    dt = x._array.dtype
    if dt.kind != "f":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{CPP_NAMES[dt.name]}'")


def _no_bool(x: Tensor, name: str) -> None:
    if x._array.dtype.kind == "b":
        raise RuntimeError(f"Bool inputs not supported for {name}")


# piecewise linear: the gradient is the upstream gradient times a constant slope ---------------

class Threshold(Function):
    def __init__(self, threshold, value):
        self.threshold, self.value = threshold, value

    def forward(self, x):
        xp = get_array_module(x)
        low = x <= self.threshold  # nan is kept, as PyTorch
        if self.needs_input_grad:
            self.keep = ~low
        return _arr(xp.where(low, xp.asarray(self.value, dtype=x.dtype), x))

    def backward(self, g):
        return where(_c(self.keep), g, 0.0)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``input`` where it is greater than ``threshold``, else ``value``.

    Examples
    --------
    >>> import netlab
    >>> threshold(netlab.tensor([0.5, 2.0]), 1.0, -1.0)
    tensor([-1.,  2.])
    """
    if input._array.dtype.kind == "b":
        raise NotImplementedError("\"threshold_cpu\" not implemented for 'Bool'")
    if inplace:
        return apply_inplace(input, lambda t: Threshold(threshold, value)(t))
    return Threshold(threshold, value)(input)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place :func:`threshold`."""
    return apply_inplace(input, lambda t: Threshold(threshold, value)(t))


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(0, x)``; ``inplace`` writes into ``input``. The gradient at 0 is 0.

    Examples
    --------
    >>> import netlab
    >>> relu(netlab.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """
    return input.relu_() if inplace else input.relu()


def relu_(input: Tensor) -> Tensor:
    """In-place :func:`relu`."""
    return input.relu_()


class Hardtanh(Function):
    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    def forward(self, x):
        xp = get_array_module(x)
        lo, hi = self.lo, self.hi
        if x.dtype.kind != "f":  # integer tensors clamp at the bounds cast to their dtype
            lo, hi = int(lo), int(hi)
        if self.needs_input_grad:
            self.inside = ~((x <= lo) | (x >= hi))  # 0 at the bounds, as PyTorch
        return _arr(xp.clip(x, lo, hi))

    def backward(self, g):
        return where(_c(self.inside), g, 0.0)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """``clamp(x, min_val, max_val)``; the gradient is 0 at and beyond the bounds.

    Examples
    --------
    >>> import netlab
    >>> hardtanh(netlab.tensor([-2.0, 0.5, 3.0]))
    tensor([-1.0000,  0.5000,  1.0000])
    """
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    _no_bool(input, "hardtanh")
    if inplace:
        return apply_inplace(input, lambda t: Hardtanh(min_val, max_val)(t))
    return Hardtanh(min_val, max_val)(input)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """In-place :func:`hardtanh`."""
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(0, x), 6)`` (PyTorch's hardtanh(0, 6): gradient 0 at 0 and 6).

    Examples
    --------
    >>> import netlab
    >>> relu6(netlab.tensor([-1.0, 7.0]))
    tensor([0., 6.])
    """
    return hardtanh(input, 0.0, 6.0, inplace)


class LeakyRelu(Function):
    def __init__(self, slope):
        self.slope = slope

    def forward(self, x):
        xp = get_array_module(x)
        pos = x > 0
        if self.needs_input_grad:
            self.pos = pos
        return _arr(xp.where(pos, x, x * self.slope))

    def backward(self, g):
        return where(_c(self.pos), g, g * self.slope)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x`` for ``x > 0``, else ``negative_slope * x`` (slope also at 0, as PyTorch).

    Examples
    --------
    >>> import netlab
    >>> leaky_relu(netlab.tensor([-1.0, 2.0]), 0.1)
    tensor([-0.1000,  2.0000])
    """
    _float_only(input, "leaky_relu_cpu")
    if inplace:
        return apply_inplace(input, lambda t: LeakyRelu(negative_slope)(t))
    return LeakyRelu(negative_slope)(input)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """In-place :func:`leaky_relu`."""
    return leaky_relu(input, negative_slope, inplace=True)


class Prelu(Function):
    """``x > 0 ? x : w * x`` with ``w`` per channel (dim 1) or shared."""

    def __init__(self, wshape):
        self.wshape = wshape

    def forward(self, x, w):
        xp = get_array_module(x)
        pos = x > 0
        self.save_for_backward(x, w)
        if self.needs_input_grad:
            self.pos = pos
        return _arr(xp.where(pos, x, x * w.reshape(self.wshape)))

    def backward(self, g):
        x, w = self.saved_tensors
        wb = w.reshape(self.wshape)
        pos = _c(self.pos)
        gx = where(pos, g, g * wb) if self.needs_input_grad[0] else None
        gw = None
        if self.needs_input_grad[1]:
            gneg = where(pos, 0.0, g * x)
            if w.numel() == 1:
                gw = gneg.sum().reshape(w.shape)
            else:
                gw = gneg.sum(tuple(i for i in range(x.dim()) if i != 1)) if x.dim() > 2 \
                    else gneg.sum(0)
        return gx, gw


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``max(0, x) + weight * min(0, x)``; a 1-d ``weight`` applies per channel (dim 1).

    Examples
    --------
    >>> import netlab
    >>> prelu(netlab.tensor([[-1.0, 2.0]]), netlab.tensor([0.25]))
    tensor([[-0.2500,  2.0000]])
    """
    if weight.dim() > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {weight.dim()}")
    if input._array.dtype != weight._array.dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got "
                           f"{CPP_NAMES[input.dtype.name]} and {CPP_NAMES[weight.dtype.name]}")
    channels = input.shape[1] if input.dim() >= 2 else 1
    n = weight.numel()
    if n != 1 and n != channels:
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                           f"parameter numbers = {n} and channel size = {channels}.")
    if n == 1:
        wshape = (1,) * input.dim()
    else:
        wshape = (1, n) + (1,) * (input.dim() - 2)
    return Prelu(wshape)(input, weight)


class Rrelu(Function):
    """Leaky ReLU whose negative slopes were drawn per element (the noise is a constant)."""

    def forward(self, x, noise):
        if self.needs_input_grad:
            self.noise = noise
        return x * noise

    def backward(self, g):
        return g * _c(self.noise), None


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """Randomized leaky ReLU: in training each negative element gets a slope drawn from
    U(lower, upper) (netlab's default generator); in eval the slope is (lower + upper) / 2.

    Examples
    --------
    >>> import netlab
    >>> rrelu(netlab.tensor([-1.0, 2.0]), 0.1, 0.3)
    tensor([-0.2000,  2.0000])
    """
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    if not training:
        _float_only(input, "leaky_relu_cpu")
        return leaky_relu(input, (lower + upper) / 2, inplace)
    _float_only(input, "rrelu_with_noise_out_cpu")
    x = input._array
    xp = get_array_module(x)
    r = _uniform(_rng(None), x.shape, x.dtype)  # drawn on the host, as netlab's generators
    r = to_device(np.asarray(r * (upper - lower) + lower, dtype=x.dtype), device_of(x))
    noise = _arr(xp.where(x <= 0, r, xp.ones((), dtype=x.dtype)))
    if inplace:
        return apply_inplace(input, lambda t: Rrelu()(t, noise))
    return Rrelu()(input, noise)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
           training: bool = False) -> Tensor:
    """In-place :func:`rrelu`."""
    return rrelu(input, lower, upper, training, inplace=True)


class Hardshrink(Function):
    def __init__(self, lambd, soft=False):
        self.lambd, self.soft = lambd, soft

    def forward(self, x):
        xp = get_array_module(x)
        lam = self.lambd
        inside = (x >= -lam) & (x <= lam)
        if self.needs_input_grad:
            self.inside = inside
        if self.soft:
            y = xp.where(x > lam, x - lam, x + lam)
        else:
            y = x
        return _arr(xp.where(inside, xp.zeros((), dtype=x.dtype), y))

    def backward(self, g):
        return where(_c(self.inside), 0.0, g)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x`` where ``|x| > lambd``, else 0.

    Examples
    --------
    >>> import netlab
    >>> hardshrink(netlab.tensor([0.2, -1.0]))
    tensor([ 0., -1.])
    """
    _float_only(input, "hardshrink_cpu")
    return Hardshrink(lambd)(input)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0.

    Examples
    --------
    >>> import netlab
    >>> softshrink(netlab.tensor([0.2, -1.0]))
    tensor([ 0.0000, -0.5000])
    """
    _float_only(input, "softshrink_check")
    if lambd < 0:
        big = "3.40282e+38" if input._array.dtype == np.float32 else (
            "1.79769e+308" if input._array.dtype == np.float64 else "65504")
        raise RuntimeError(f"lambda must be in range [0, {big}] for input dtype "
                           f"{CPP_NAMES[input.dtype.name]}, but found {lambd:g}")
    return Hardshrink(lambd, soft=True)(input)


class Hardsigmoid(Function):
    def forward(self, x):
        xp = get_array_module(x)
        if self.needs_input_grad:
            self.inside = (x > -3) & (x < 3)  # open interval, as PyTorch
        return _arr(xp.clip(x + 3, 0, 6) / 6)

    def backward(self, g):
        return where(_c(self.inside), g * (1.0 / 6.0), 0.0)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``relu6(x + 3) / 6``.

    Examples
    --------
    >>> import netlab
    >>> hardsigmoid(netlab.tensor([0.0, 4.0]))
    tensor([0.5000, 1.0000])
    """
    _float_only(input, "hardsigmoid_cpu")
    if inplace:
        return apply_inplace(input, lambda t: Hardsigmoid()(t))
    return Hardsigmoid()(input)


class Hardswish(Function):
    def forward(self, x):
        xp = get_array_module(x)
        self.save_for_backward(x)
        return _arr(x * xp.clip(x + 3, 0, 6) / 6)

    def backward(self, g):
        (x,) = self.saved_tensors
        a = x._array
        mid = (a > -3) & (a < 3)  # 0 at -3 and 1 at 3, as PyTorch
        hi = (a >= 3).astype(a.dtype)
        return g * where(_c(mid), x * (1.0 / 3.0) + 0.5, _c(hi))


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * relu6(x + 3) / 6``.

    Examples
    --------
    >>> import netlab
    >>> hardswish(netlab.tensor([0.0, 4.0]))
    tensor([0., 4.])
    """
    _float_only(input, "hardswish_cpu")
    if inplace:
        return apply_inplace(input, lambda t: Hardswish()(t))
    return Hardswish()(input)
