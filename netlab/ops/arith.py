"""Arithmetic primitives: add, sub, mul, div, neg, pow, and the Python operators for them."""

from __future__ import annotations

import numpy as np

from netlab.autograd.node import Function
from netlab.backend import get_array_module
from netlab.ops._util import apply_inplace, check_broadcast, promote2, sum_to, write_out
from netlab.tensor import Tensor

__all__ = ["add", "sub", "subtract", "rsub", "mul", "multiply", "div", "divide", "true_divide",
           "floor_divide", "neg", "negative", "pow", "float_power", "square"]


class Add(Function):
    def __init__(self, alpha=1):
        self.alpha = alpha

    def forward(self, a, b):
        self.sa, self.sb = getattr(a, "shape", ()), getattr(b, "shape", ())
        try:
            return a + b if self.alpha == 1 else a + self.alpha * b
        except ValueError:
            check_broadcast(a, b)
            raise

    def backward(self, g):
        ga = sum_to(g, self.sa) if self.needs_input_grad[0] else None
        gb = None
        if len(self.needs_input_grad) > 1 and self.needs_input_grad[1]:
            gb = sum_to(g if self.alpha == 1 else g * self.alpha, self.sb)
        return ga, gb


class Sub(Function):
    def __init__(self, alpha=1):
        self.alpha = alpha

    def forward(self, a, b):
        self.sa, self.sb = getattr(a, "shape", ()), getattr(b, "shape", ())
        try:
            return a - b if self.alpha == 1 else a - self.alpha * b
        except ValueError:
            check_broadcast(a, b)
            raise

    def backward(self, g):
        ga = sum_to(g, self.sa) if self.needs_input_grad[0] else None
        gb = None
        if len(self.needs_input_grad) > 1 and self.needs_input_grad[1]:
            gb = sum_to(-g if self.alpha == 1 else g * -self.alpha, self.sb)
        return ga, gb


class Rsub(Function):
    """``other - self`` for a scalar ``other`` (``2 - x``)."""

    _backward_name = "RsubBackward1"

    def forward(self, a, b):
        return b - a

    def backward(self, g):
        return -g, None


class Mul(Function):
    def forward(self, a, b):
        self.sa, self.sb = getattr(a, "shape", ()), getattr(b, "shape", ())
        ng = self.needs_input_grad
        if ng:
            self.save_for_backward(a if len(ng) > 1 and ng[1] else None,
                                   b if ng[0] else None)
        try:
            return a * b
        except ValueError:
            check_broadcast(a, b)
            raise

    def backward(self, g):
        a, b = self.saved_tensors
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = sum_to(g * b, self.sa)
        if len(self.needs_input_grad) > 1 and self.needs_input_grad[1]:
            gb = sum_to(g * a, self.sb)
        return ga, gb


class Div(Function):
    def forward(self, a, b):
        self.sa, self.sb = getattr(a, "shape", ()), getattr(b, "shape", ())
        ng = self.needs_input_grad
        if ng:
            self.save_for_backward(a if len(ng) > 1 and ng[1] else None, b)
        xp = get_array_module(a)
        try:
            with np.errstate(all="ignore"):
                return xp.true_divide(a, b)
        except ValueError:
            check_broadcast(a, b)
            raise

    def backward(self, g):
        a, b = self.saved_tensors
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = sum_to(g / b, self.sa)
        if len(self.needs_input_grad) > 1 and self.needs_input_grad[1]:
            gb = sum_to(-g * a / (b * b), self.sb)
        return ga, gb


class Neg(Function):
    def forward(self, a):
        return -a

    def backward(self, g):
        return -g


class Pow(Function):
    """``x ** exponent``; PowBackward0 for a scalar exponent, PowBackward1 for a tensor."""

    def forward(self, a, b):
        self.sa, self.sb = getattr(a, "shape", ()), getattr(b, "shape", ())
        self._backward_name = "PowBackward1" if hasattr(b, "dtype") else "PowBackward0"
        xp = get_array_module(a)
        if a.dtype.kind in "iu" and not hasattr(b, "dtype") and isinstance(b, int) and b < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        with np.errstate(all="ignore"):
            y = xp.power(a, b)
        ng = self.needs_input_grad
        if ng:
            self.save_for_backward(a, b, y if len(ng) > 1 and ng[1] else None)
        return y

    def backward(self, g):
        a, b, y = self.saved_tensors
        ga = gb = None
        if self.needs_input_grad[0]:
            if not isinstance(b, Tensor):
                # d/dx x**0 is 0 everywhere (also at x = 0, where 0 * x**-1 would be nan)
                ga = g * 0.0 if b == 0 else g * b * a ** (b - 1)
            else:
                ga = (g * b * a ** (b - 1)).masked_fill((b == 0) & (a == 0), 0.0)
            ga = sum_to(ga, self.sa)
        if len(self.needs_input_grad) > 1 and self.needs_input_grad[1]:
            from netlab.ops.unary import log

            # d/db a**b = a**b log a, taken as 0 where a == 0 and b >= 0 (as PyTorch)
            gb = (g * y * log(a)).masked_fill((a == 0) & (b >= 0), 0.0)
            gb = sum_to(gb, self.sb)
        return ga, gb


# functional forms --------------------------------------------------------------------

def add(input, other, *, alpha=1, out=None):
    """``input + alpha * other`` with broadcasting and type promotion.

    Examples
    --------
    >>> import netlab
    >>> netlab.add(netlab.tensor([1., 2.]), 1)
    tensor([2., 3.])
    """
    a, b = promote2(input, other)
    if not isinstance(a, Tensor):
        a, b = b, a  # scalar + tensor
    res = Add(alpha)(a, b)
    return res if out is None else write_out(out, res)


def sub(input, other, *, alpha=1, out=None):
    """``input - alpha * other``."""
    if isinstance(input, Tensor) and input._array.dtype.kind == "b" and \
            getattr(other, "dtype", None) is not None and other._array.dtype.kind == "b":
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    a, b = promote2(input, other)
    res = Sub(alpha)(a, b) if isinstance(a, Tensor) else Rsub()(b, a)
    return res if out is None else write_out(out, res)


subtract = sub


def rsub(input, other, *, alpha=1):
    """``other - alpha * input``."""
    return sub(other, input, alpha=alpha)


def mul(input, other, *, out=None):
    """Elementwise product with broadcasting."""
    a, b = promote2(input, other)
    if not isinstance(a, Tensor):
        a, b = b, a
    res = Mul()(a, b)
    return res if out is None else write_out(out, res)


multiply = mul


def div(input, other, *, rounding_mode=None, out=None):
    """True division (integers give floats); ``rounding_mode`` 'trunc' or 'floor'."""
    if rounding_mode is not None:
        from netlab.ops.binary import _rounded_div

        res = _rounded_div(input, other, rounding_mode)
        return res if out is None else write_out(out, res)
    a, b = promote2(input, other)
    if isinstance(a, Tensor) and a._array.dtype.kind != "f":
        from netlab.dtypes import get_default_dtype
        from netlab.ops._util import cast

        a = cast(a, get_default_dtype().np)
        if isinstance(b, Tensor):
            b = cast(b, a._array.dtype)
    elif isinstance(b, Tensor) and b._array.dtype.kind != "f":
        from netlab.dtypes import get_default_dtype
        from netlab.ops._util import cast

        b = cast(b, get_default_dtype().np)
    if not isinstance(a, Tensor):
        from netlab.ops._util import as_tensor_arg

        a = as_tensor_arg(a, b)
        a = a.to(b.dtype)
    res = Div()(a, b)
    return res if out is None else write_out(out, res)


divide = true_divide = div


def floor_divide(input, other, *, out=None):
    return div(input, other, rounding_mode="floor", out=out)


def neg(input, *, out=None):
    """``-input``."""
    if input._array.dtype.kind == "b":
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If "
                           "you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")
    res = Neg()(input)
    return res if out is None else write_out(out, res)


negative = neg


def pow(input, exponent, *, out=None):
    """``input ** exponent``; either may be a scalar."""
    if not isinstance(input, Tensor):
        from netlab.ops._util import as_tensor_arg

        input = as_tensor_arg(input, exponent)
        a, b = promote2(input, exponent)
    else:
        a, b = promote2(input, exponent)
    res = Pow()(a, b)
    return res if out is None else write_out(out, res)


def float_power(input, exponent):
    from netlab.ops._util import cast

    x = cast(input, "float64") if isinstance(input, Tensor) else input
    e = cast(exponent, "float64") if isinstance(exponent, Tensor) else exponent
    return pow(x, e)


def square(input):
    return pow(input, 2)


# in-place forms -------------------------------------------------------------------------

def _add_(self, other, *, alpha=1):
    if alpha != 1:
        return apply_inplace(self, lambda a, b: add(a, b, alpha=alpha), other)
    return apply_inplace(self, add, other, ufunc="add")


def _sub_(self, other, *, alpha=1):
    if alpha != 1:
        return apply_inplace(self, lambda a, b: sub(a, b, alpha=alpha), other)
    return apply_inplace(self, sub, other, ufunc="subtract")


def _mul_(self, other):
    return apply_inplace(self, mul, other, ufunc="multiply")


def _div_(self, other, *, rounding_mode=None):
    if rounding_mode is not None or self._array.dtype.kind != "f":
        return apply_inplace(self, lambda a, b: div(a, b, rounding_mode=rounding_mode), other)
    return apply_inplace(self, div, other, ufunc="true_divide")


def _pow_(self, exponent):
    return apply_inplace(self, pow, exponent)


def _neg_(self):
    return apply_inplace(self, neg)


def _rtruediv(self, other):
    return div(other, self)


def _rpow(self, other):
    return pow(other, self)


def _rfloordiv(self, other):
    return floor_divide(other, self)


Tensor.add, Tensor.sub, Tensor.subtract, Tensor.mul, Tensor.multiply = add, sub, sub, mul, mul
Tensor.div = Tensor.divide = Tensor.true_divide = div
Tensor.floor_divide = floor_divide
Tensor.neg = Tensor.negative = neg
Tensor.pow, Tensor.float_power, Tensor.square = pow, float_power, square
Tensor.add_, Tensor.sub_, Tensor.mul_, Tensor.div_ = _add_, _sub_, _mul_, _div_
Tensor.subtract_, Tensor.multiply_, Tensor.divide_, Tensor.true_divide_ = (
    _sub_, _mul_, _div_, _div_)
Tensor.pow_, Tensor.neg_, Tensor.negative_ = _pow_, _neg_, _neg_
Tensor.square_ = lambda self: _pow_(self, 2)
Tensor.__add__ = Tensor.__radd__ = add
Tensor.__sub__ = sub
Tensor.__rsub__ = lambda self, other: sub(other, self)
Tensor.__mul__ = Tensor.__rmul__ = mul
Tensor.__truediv__ = div
Tensor.__rtruediv__ = _rtruediv
Tensor.__floordiv__ = floor_divide
Tensor.__rfloordiv__ = _rfloordiv
Tensor.__pow__ = pow
Tensor.__rpow__ = _rpow
Tensor.__neg__ = neg
Tensor.__pos__ = lambda self: self
Tensor.__iadd__ = _add_
Tensor.__isub__ = _sub_
Tensor.__imul__ = _mul_
Tensor.__itruediv__ = _div_
Tensor.__ipow__ = _pow_
