"""Functional smooth activations: ELU family, GELU, SiLU, Softplus, Mish, LogSigmoid..."""
# ruff: noqa: A002 - PyTorch's parameter name ``input``

from __future__ import annotations

import math

import numpy as np

from netlab.autograd.grad_mode import is_grad_enabled
from netlab.autograd.node import Function
from netlab.backend import get_array_module
from netlab.nn.functional.activation import _arr, _c, _float_only
from netlab.ops._util import apply_inplace
from netlab.ops.binary import where
from netlab.ops.unary import _erf_raw, erf, exp
from netlab.ops.unary import sigmoid as _sigmoid
from netlab.ops.unary import tanh as _tanh
from netlab.tensor import Tensor

__all__ = ["elu", "elu_", "selu", "selu_", "celu", "celu_", "logsigmoid", "gelu", "tanhshrink",
           "softsign", "softplus", "tanh", "sigmoid", "silu", "mish"]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_TANH_K = math.sqrt(2.0 / math.pi)


# smooth activations ---------------------------------------------------------------------------

class Elu(Function):
    """``scale * (x > 0 ? x : alpha * (exp(x * input_scale) - 1))``: ELU, SELU and CELU."""

    def __init__(self, alpha, scale=1.0, input_scale=1.0):
        self.alpha, self.scale, self.input_scale = alpha, scale, input_scale

    def forward(self, x):
        xp = get_array_module(x)
        self.save_for_backward(x)
        neg = xp.expm1(xp.minimum(x, 0) * self.input_scale) * (self.alpha * self.scale)
        return _arr(xp.where(x > 0, x * self.scale, neg).astype(x.dtype, copy=False))

    def backward(self, g):
        (x,) = self.saved_tensors
        pos = _c(x._array > 0)
        # exp of min(x, 0): no overflow in the unused branch, so double backward stays finite
        slope = exp(x.clamp(max=0) * self.input_scale) * (self.alpha * self.scale
                                                          * self.input_scale)
        return g * where(pos, self.scale, slope)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` for ``x > 0``, else ``alpha * (exp(x) - 1)``.

    Examples
    --------
    >>> import netlab
    >>> elu(netlab.tensor([0.0, 1.0]))
    tensor([0., 1.])
    """
    _float_only(input, "elu_cpu")
    if inplace:
        return apply_inplace(input, lambda t: Elu(alpha)(t))
    return Elu(alpha)(input)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place :func:`elu`."""
    return elu(input, alpha, inplace=True)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """``scale * elu(x, alpha)`` with the self-normalising constants.

    Examples
    --------
    >>> import netlab
    >>> selu(netlab.tensor([0.0]))
    tensor([0.])
    """
    _float_only(input, "elu_cpu")
    if inplace:
        return apply_inplace(input, lambda t: Elu(_SELU_ALPHA, _SELU_SCALE)(t))
    return Elu(_SELU_ALPHA, _SELU_SCALE)(input)


def selu_(input: Tensor) -> Tensor:
    """In-place :func:`selu`."""
    return selu(input, inplace=True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``.

    Examples
    --------
    >>> import netlab
    >>> celu(netlab.tensor([0.0, 1.0]))
    tensor([0., 1.])
    """
    _float_only(input, "elu_cpu")
    fn = Elu(alpha, 1.0, 1.0 / alpha)
    if inplace:
        return apply_inplace(input, lambda t: fn(t))
    return fn(input)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place :func:`celu`."""
    return celu(input, alpha, inplace=True)


class Gelu(Function):
    def __init__(self, approximate):
        self.approximate = approximate

    def forward(self, x):
        xp = get_array_module(x)
        self.save_for_backward(x)
        if self.approximate == "tanh":
            t = xp.tanh((x + 0.044715 * x * x * x) * _TANH_K)
            if self.needs_input_grad:
                self.t = t
            return _arr(0.5 * x * (1 + t))
        cdf = _erf_raw(x * _INV_SQRT2)
        cdf += 1
        cdf *= 0.5
        if self.needs_input_grad:
            self.cdf = cdf  # kept: erf is the costly part, backward reuses it
        return _arr(x * cdf)

    def _release(self):
        super()._release()
        self.cdf = self.t = None

    def backward(self, g):
        (x,) = self.saved_tensors
        if not is_grad_enabled():  # first order: one fused array expression (for speed)
            xp = get_array_module(g._array)
            a = x._array
            if self.approximate == "tanh":
                t = self.t
                d = 0.5 * (1 + t) + 0.5 * a * (1 - t * t) * (1 + (3 * 0.044715) * a * a) * _TANH_K
            else:
                d = self.cdf + a * xp.exp(a * a * -0.5) * _INV_SQRT_2PI
            return g * _c(_arr(d))
        if self.approximate == "tanh":
            x2 = x * x
            t = _tanh((x + 0.044715 * x2 * x) * _TANH_K)
            dinner = (1 + (3 * 0.044715) * x2) * _TANH_K
            return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * dinner)
        cdf = 0.5 * (1 + erf(x * _INV_SQRT2))
        pdf = exp(x * x * -0.5) * _INV_SQRT_2PI
        return g * (cdf + x * pdf)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """``x * Phi(x)`` (Phi: the standard normal CDF, via erf), or its tanh approximation.

    Examples
    --------
    >>> import netlab
    >>> gelu(netlab.tensor([0.0, 1.0]))
    tensor([0.0000, 0.8413])
    """
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    _float_only(input, "GeluKernelImpl")
    return Gelu(approximate)(input)


class Silu(Function):
    def forward(self, x):
        xp = get_array_module(x)
        self.save_for_backward(x)
        with np.errstate(over="ignore"):
            return _arr(x / (1 + xp.exp(-x)))

    def backward(self, g):
        (x,) = self.saved_tensors
        s = _sigmoid(x)
        return g * (s * (1 + x * (1 - s)))


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)`` (swish).

    Examples
    --------
    >>> import netlab
    >>> silu(netlab.tensor([0.0]))
    tensor([0.])
    """
    _float_only(input, "silu_cpu")
    if inplace:
        return apply_inplace(input, lambda t: Silu()(t))
    return Silu()(input)


def _softplus_raw(z):
    """``log(1 + exp(z))`` without overflow: ``max(z, 0) + log1p(exp(-|z|))``."""
    xp = get_array_module(z)
    return xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))


class Softplus(Function):
    def __init__(self, beta, threshold):
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        xp = get_array_module(x)
        self.save_for_backward(x)
        z = x * self.beta
        return _arr(xp.where(z > self.threshold, x, _softplus_raw(z) / self.beta))

    def backward(self, g):
        (x,) = self.saved_tensors
        linear = _c(x._array * self.beta > self.threshold)
        return where(linear, g, g * _sigmoid(x * self.beta))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * x)) / beta``, linear where ``beta * x > threshold``; computed
    without overflow for any ``threshold``.

    Examples
    --------
    >>> import netlab
    >>> softplus(netlab.tensor([0.0, 30.0]))
    tensor([ 0.6931, 30.0000])
    """
    _float_only(input, "softplus_cpu")
    return Softplus(beta, threshold)(input)


class Mish(Function):
    def forward(self, x):
        xp = get_array_module(x)
        self.save_for_backward(x)
        return _arr(x * xp.tanh(_softplus_raw(x)))

    def backward(self, g):
        (x,) = self.saved_tensors
        t = _tanh(softplus(x, 1.0, math.inf))
        return g * (t + x * _sigmoid(x) * (1 - t * t))


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))``.

    Examples
    --------
    >>> import netlab
    >>> mish(netlab.tensor([0.0]))
    tensor([0.])
    """
    _float_only(input, "mish_cpu")
    if inplace:
        return apply_inplace(input, lambda t: Mish()(t))
    return Mish()(input)


class LogSigmoid(Function):
    def forward(self, x):
        xp = get_array_module(x)
        self.save_for_backward(x)
        return _arr(xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x))))

    def backward(self, g):
        (x,) = self.saved_tensors
        return g * _sigmoid(-x)


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(x))``, stable for large ``|x|``.

    Examples
    --------
    >>> import netlab
    >>> logsigmoid(netlab.tensor([-200.0, 0.0]))
    tensor([-200.0000,   -0.6931])
    """
    _float_only(input, "log_sigmoid_cpu")
    return LogSigmoid()(input)


def tanhshrink(input: Tensor) -> Tensor:
    """``x - tanh(x)``.

    Examples
    --------
    >>> import netlab
    >>> tanhshrink(netlab.tensor([0.0]))
    tensor([0.])
    """
    return input - input.tanh()


def softsign(input: Tensor) -> Tensor:
    """``x / (1 + |x|)``.

    Examples
    --------
    >>> import netlab
    >>> softsign(netlab.tensor([1.0]))
    tensor([0.5000])
    """
    return input / (input.abs() + 1)


def sigmoid(input: Tensor) -> Tensor:
    """``1 / (1 + exp(-x))``."""
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    return input.tanh()
