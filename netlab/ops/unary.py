"""Elementwise unary math: exp, log, sqrt, trig, erf, abs, sign and activations' primitives.

Rounding, clamp and nan_to_num live in rounding.py.
"""
# ruff: noqa: A001, A002 - PyTorch's parameter and function names (input, abs)

from __future__ import annotations

import math

import numpy as np

from netlab.autograd.node import Function
from netlab.backend import get_array_module
from netlab.dtypes import get_default_dtype
from netlab.ops._util import apply_inplace, cast, write_out
from netlab.ops.binary import _not_implemented
from netlab.tensor import Tensor

__all__ = ["exp", "log", "log2", "log10", "log1p", "expm1", "sqrt", "rsqrt", "abs", "absolute",
           "sign", "sin", "cos", "tan", "asin", "arcsin", "acos", "arccos", "atan", "arctan",
           "sinh", "cosh", "tanh", "sigmoid", "relu", "reciprocal", "erf"]

_LN2, _LN10 = math.log(2.0), math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _float_input(x: Tensor) -> Tensor:
    """Integer and bool inputs of float-valued functions become the default float dtype."""
    return x if x._array.dtype.kind == "f" else cast(x, get_default_dtype().np)


def _const(arr) -> Tensor:
    return Tensor._make(arr)


def _zeros_like(g: Tensor) -> Tensor:
    return _const(get_array_module(g._array).zeros_like(g._array))


def _arr(y):
    """numpy ufuncs return scalars for 0-d arrays; saved outputs must stay arrays."""
    return np.asarray(y) if isinstance(y, np.generic) else y


def _finish(res: Tensor, out):
    return res if out is None else write_out(out, res)


# exponentials and logarithms ---------------------------------------------------------------

class Exp(Function):
    def forward(self, a):
        with np.errstate(over="ignore"):
            y = _arr(get_array_module(a).exp(a))
        self.save_for_backward(y)
        return y

    def backward(self, g):
        (y,) = self.saved_tensors
        return g * y


class Expm1(Function):
    def forward(self, a):
        with np.errstate(over="ignore"):
            y = _arr(get_array_module(a).expm1(a))
        self.save_for_backward(y)
        return y

    def backward(self, g):
        (y,) = self.saved_tensors
        return g * (y + 1)


class Log(Function):
    def forward(self, a):
        self.save_for_backward(a)
        with np.errstate(all="ignore"):
            return get_array_module(a).log(a)

    def backward(self, g):
        (a,) = self.saved_tensors
        return g / a


class Log2(Function):
    def forward(self, a):
        self.save_for_backward(a)
        with np.errstate(all="ignore"):
            return get_array_module(a).log2(a)

    def backward(self, g):
        (a,) = self.saved_tensors
        return g / (a * _LN2)


class Log10(Function):
    def forward(self, a):
        self.save_for_backward(a)
        with np.errstate(all="ignore"):
            return get_array_module(a).log10(a)

    def backward(self, g):
        (a,) = self.saved_tensors
        return g / (a * _LN10)


class Log1p(Function):
    _backward_name = "Log1PBackward0"

    def forward(self, a):
        self.save_for_backward(a)
        with np.errstate(all="ignore"):
            return get_array_module(a).log1p(a)

    def backward(self, g):
        (a,) = self.saved_tensors
        return g / (a + 1)


class Sqrt(Function):
    def forward(self, a):
        with np.errstate(invalid="ignore"):
            y = _arr(get_array_module(a).sqrt(a))
        self.save_for_backward(y)
        return y

    def backward(self, g):
        (y,) = self.saved_tensors
        return g / (2 * y)  # inf at 0, as PyTorch


class Rsqrt(Function):
    def forward(self, a):
        xp = get_array_module(a)
        with np.errstate(all="ignore"):
            y = _arr(xp.reciprocal(xp.sqrt(a)))
        self.save_for_backward(y)
        return y

    def backward(self, g):
        (y,) = self.saved_tensors
        return -0.5 * g * y * y * y


class Reciprocal(Function):
    def forward(self, a):
        with np.errstate(all="ignore"):
            y = _arr(get_array_module(a).reciprocal(a))
        self.save_for_backward(y)
        return y

    def backward(self, g):
        (y,) = self.saved_tensors
        return -g * (y * y)


# trigonometric and hyperbolic --------------------------------------------------------------

class Sin(Function):
    def forward(self, a):
        self.save_for_backward(a)
        with np.errstate(invalid="ignore"):
            return get_array_module(a).sin(a)

    def backward(self, g):
        (a,) = self.saved_tensors
        return g * cos(a)


class Cos(Function):
    def forward(self, a):
        self.save_for_backward(a)
        with np.errstate(invalid="ignore"):
            return get_array_module(a).cos(a)

    def backward(self, g):
        (a,) = self.saved_tensors
        return g * -sin(a)


class Tan(Function):
    def forward(self, a):
        with np.errstate(invalid="ignore"):
            y = _arr(get_array_module(a).tan(a))
        self.save_for_backward(y)
        return y

    def backward(self, g):
        (y,) = self.saved_tensors
        return g * (1 + y * y)


class Asin(Function):
    def forward(self, a):
        self.save_for_backward(a)
        with np.errstate(invalid="ignore"):
            return get_array_module(a).arcsin(a)

    def backward(self, g):
        (a,) = self.saved_tensors
        return g * rsqrt(1 - a * a)


class Acos(Function):
    def forward(self, a):
        self.save_for_backward(a)
        with np.errstate(invalid="ignore"):
            return get_array_module(a).arccos(a)

    def backward(self, g):
        (a,) = self.saved_tensors
        return g * -rsqrt(1 - a * a)


class Atan(Function):
    def forward(self, a):
        self.save_for_backward(a)
        return get_array_module(a).arctan(a)

    def backward(self, g):
        (a,) = self.saved_tensors
        return g / (a * a + 1)


class Sinh(Function):
    def forward(self, a):
        self.save_for_backward(a)
        with np.errstate(over="ignore"):
            return get_array_module(a).sinh(a)

    def backward(self, g):
        (a,) = self.saved_tensors
        return g * cosh(a)


class Cosh(Function):
    def forward(self, a):
        self.save_for_backward(a)
        with np.errstate(over="ignore"):
            return get_array_module(a).cosh(a)

    def backward(self, g):
        (a,) = self.saved_tensors
        return g * sinh(a)


class Tanh(Function):
    def forward(self, a):
        y = _arr(get_array_module(a).tanh(a))
        self.save_for_backward(y)
        return y

    def backward(self, g):
        (y,) = self.saved_tensors
        return g * (1 - y * y)


class Sigmoid(Function):
    def forward(self, a):
        xp = get_array_module(a)
        with np.errstate(over="ignore"):
            y = _arr(xp.reciprocal(xp.exp(-a) + 1))
        self.save_for_backward(y)
        return y

    def backward(self, g):
        (y,) = self.saved_tensors
        return g * (1 - y) * y


# erf ------------------------------------------------------------------------------------------

# W. J. Cody's rational approximations (SPECFUN CALERF, public domain): erf on |x| <= 0.46875,
# erfc on 0.46875 < |x| <= 4 and beyond; near-full double precision without scipy.
_ERF_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
          3.20937758913846947e03, 1.85777706184603153e-1)
_ERF_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
          2.84423683343917062e03)
_ERF_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
          2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
          2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_ERF_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
          1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
          3.43936767414372164e03, 1.23033935480374942e03)
_ERF_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
          1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_ERF_Q = (2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
          6.05183413124413191e-2, 2.33520497626869185e-3)


def _rational(t, p, q, scale=None):
    """``P(t) / Q(t)`` in Cody's nested form (in place, to spare allocations)."""
    n = len(q)
    num, den = p[n] * t, t.copy()
    for i in range(n - 1):
        num += p[i]
        num *= t
        den += q[i]
        den *= t
    num += p[n - 1]
    den += q[n - 1]
    if scale is not None:
        num *= scale
    num /= den
    return num


def _erf_raw(a):
    """erf of an array, computed in float64 and returned in ``a``'s dtype."""
    xp = get_array_module(a)
    x = a.astype(np.float64).reshape(-1)  # 1-d: numpy keeps 0-d results as scalars
    with np.errstate(all="ignore"):  # huge |x| overflow x*x in the unused inner branch
        inner = _rational(x * x, _ERF_A, _ERF_B, x)
    # beyond 6, erf is 1.0 in double precision; clipping also keeps inf out of the formulas
    y = xp.minimum(xp.abs(x), 6.0)
    erfc = _rational(y, _ERF_C, _ERF_D)
    far = xp.flatnonzero(y > 4.0)  # rare: computed on those elements only
    if far.size:
        yf = y[far]
        w = 1.0 / (yf * yf)
        erfc[far] = (1.0 / math.sqrt(math.pi) - _rational(w, _ERF_P, _ERF_Q, w)) / yf
    # exp(-y*y) split in two factors to keep the rounding error of y*y out of the exponent
    ys = xp.trunc(y * 16.0)
    ys /= 16.0
    erfc *= xp.exp(-ys * ys)
    erfc *= xp.exp(-(y - ys) * (y + ys))
    res = xp.where(y <= 0.46875, inner, xp.copysign(1.0 - erfc, x))  # nan stays nan
    return res.astype(a.dtype, copy=False).reshape(a.shape)


class Erf(Function):
    def forward(self, a):
        self.save_for_backward(a)
        return _erf_raw(a)

    def backward(self, g):
        (a,) = self.saved_tensors
        return _TWO_OVER_SQRT_PI * exp(-(a * a)) * g


# the float-valued functions: integer and bool inputs give the default float dtype ----------

def _float_function(name, cls, summary, example, result):
    def fn(input, *, out=None):
        return _finish(cls()(_float_input(input)), out)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"{summary}\n\n    Integer and bool inputs give the default float dtype.\n\n"
                  f"    Examples\n    --------\n    >>> import netlab\n"
                  f"    >>> netlab.{name}(netlab.tensor({example}))\n    {result}\n    ")
    return fn


exp = _float_function("exp", Exp, "``e ** input``, elementwise.",
                      "[0.0, 1.0]", "tensor([1.0000, 2.7183])")
expm1 = _float_function("expm1", Expm1, "``exp(input) - 1``, accurate near 0.",
                        "[0.0]", "tensor([0.])")
log = _float_function("log", Log, "Natural logarithm (``-inf`` at 0, ``nan`` below, as PyTorch).",
                      "[1.0]", "tensor([0.])")
log2 = _float_function("log2", Log2, "Base-2 logarithm.", "[8.0]", "tensor([3.])")
log10 = _float_function("log10", Log10, "Base-10 logarithm.", "[100.0]", "tensor([2.])")
log1p = _float_function("log1p", Log1p, "``log(1 + input)``, accurate near 0.",
                        "[0.0]", "tensor([0.])")
sqrt = _float_function("sqrt", Sqrt, "Square root (``nan`` below 0; the gradient at 0 is ``inf``).",
                       "[4.0]", "tensor([2.])")
rsqrt = _float_function("rsqrt", Rsqrt, "``1 / sqrt(input)``.", "[4.0]", "tensor([0.5000])")
reciprocal = _float_function("reciprocal", Reciprocal, "``1 / input`` (integers give floats).",
                             "[2, 4]", "tensor([0.5000, 0.2500])")
sin = _float_function("sin", Sin, "Sine, elementwise (radians).", "[0.0]", "tensor([0.])")
cos = _float_function("cos", Cos, "Cosine, elementwise (radians).", "[0.0]", "tensor([1.])")
tan = _float_function("tan", Tan, "Tangent, elementwise (radians).", "[0.0]", "tensor([0.])")
asin = _float_function("asin", Asin, "Inverse sine (``nan`` outside [-1, 1]).",
                       "[0.0]", "tensor([0.])")
acos = _float_function("acos", Acos, "Inverse cosine (``nan`` outside [-1, 1]).",
                       "[1.0]", "tensor([0.])")
atan = _float_function("atan", Atan, "Inverse tangent.", "[0.0]", "tensor([0.])")
sinh = _float_function("sinh", Sinh, "Hyperbolic sine.", "[0.0]", "tensor([0.])")
cosh = _float_function("cosh", Cosh, "Hyperbolic cosine.", "[0.0]", "tensor([1.])")
tanh = _float_function("tanh", Tanh, "Hyperbolic tangent.", "[0.0]", "tensor([0.])")
sigmoid = _float_function("sigmoid", Sigmoid, "Logistic function ``1 / (1 + exp(-input))``.",
                          "[0.0]", "tensor([0.5000])")
erf = _float_function("erf", Erf, "The error function ``2/sqrt(pi) * integral_0^x exp(-t**2) dt``.",
                      "[0.0, 1.0]", "tensor([0.0000, 0.8427])")
arcsin, arccos, arctan = asin, acos, atan


# piecewise: abs, sign, relu -------------------------------------------------------------------

class Abs(Function):
    def forward(self, a):
        self.save_for_backward(a)
        return get_array_module(a).abs(a)

    def backward(self, g):
        (a,) = self.saved_tensors
        return g * sign(a)


class Relu(Function):
    def forward(self, a):
        y = get_array_module(a).maximum(a, 0)
        if self.needs_input_grad:
            # 0 at 0 (PyTorch's threshold_backward); nan passes. A float mask times g is ~10x
            # faster than where(mask, g, 0) on large activations (numpy's where branches).
            self.mask = (~(y <= 0)).astype(y.dtype)
        return y

    def backward(self, g):
        return g * _const(self.mask)


class _Step(Function):
    """Piecewise-constant functions: the gradient is zero everywhere (as PyTorch)."""

    def backward(self, g):
        return _zeros_like(g)


class Sign(_Step):
    def forward(self, a):
        if a.dtype.kind == "f":
            # nan gives 0, as PyTorch (numpy's sign gives nan)
            return (a > 0).astype(a.dtype) - (a < 0).astype(a.dtype)
        if a.dtype.kind == "b":
            return a.copy()
        return get_array_module(a).sign(a)


def abs(input, *, out=None):
    """Absolute value (integers keep their dtype).

    Examples
    --------
    >>> import netlab
    >>> netlab.abs(netlab.tensor([-1, 2]))
    tensor([1, 2])
    """
    if input._array.dtype.kind == "b":
        raise _not_implemented("abs", input._array.dtype)
    return _finish(Abs()(input), out)


absolute = abs


def sign(input, *, out=None):
    """-1, 0 or 1 by the sign of each element (0 for nan; dtype kept).

    Examples
    --------
    >>> import netlab
    >>> netlab.sign(netlab.tensor([-2.0, 0.0, 3.0]))
    tensor([-1.,  0.,  1.])
    """
    return _finish(Sign()(input), out)


def relu(input, *, out=None):
    """``max(input, 0)``; the gradient at 0 is 0.

    Examples
    --------
    >>> import netlab
    >>> netlab.relu(netlab.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """
    if input._array.dtype.kind == "b":
        raise RuntimeError("Boolean inputs not supported for relu")
    return _finish(Relu()(input), out)


# in-place forms -----------------------------------------------------------------------------

def _inplace(fn, ufunc=None, precise=False):
    """A ``Tensor.op_`` method; the numpy ufunc writes straight into float tensors (float64
    only for the functions that go through float64, so that both forms agree)."""

    def method(self, *args, **kwargs):
        dt = self._array.dtype
        fast = dt.kind == "f" and not args and not kwargs and (not precise or dt == np.float64)
        uf = ufunc if fast else None
        op = (lambda t: fn(t, *args, **kwargs)) if args or kwargs else fn
        with np.errstate(all="ignore"):
            return apply_inplace(self, op, ufunc=uf)

    method.__name__ = f"{fn.__name__}_"
    return method


def _relu_(self):
    if self._array.dtype.kind == "f":
        return apply_inplace(self, lambda t, z: relu(t), 0, ufunc="maximum")
    return apply_inplace(self, relu)


_UFUNCS = {"exp": "exp", "expm1": "expm1", "log": "log", "log2": "log2", "log10": "log10",
           "log1p": "log1p", "sqrt": "sqrt", "reciprocal": "reciprocal", "sin": "sin",
           "cos": "cos", "tan": "tan", "asin": "arcsin", "acos": "arccos", "atan": "arctan",
           "sinh": "sinh", "cosh": "cosh", "tanh": "tanh", "abs": "absolute"}

_PRECISE = {"exp", "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tan", "asin", "acos",
            "atan", "sinh", "cosh", "tanh"}

for _name, _fn in (("exp", exp), ("expm1", expm1), ("log", log), ("log2", log2),
                   ("log10", log10), ("log1p", log1p), ("sqrt", sqrt), ("rsqrt", rsqrt),
                   ("reciprocal", reciprocal), ("sin", sin), ("cos", cos), ("tan", tan),
                   ("asin", asin), ("acos", acos), ("atan", atan), ("sinh", sinh),
                   ("cosh", cosh), ("tanh", tanh), ("sigmoid", sigmoid), ("erf", erf),
                   ("abs", abs), ("sign", sign)):
    setattr(Tensor, _name, _fn)
    setattr(Tensor, _name + "_", _inplace(_fn, _UFUNCS.get(_name), _name in _PRECISE))
del _name, _fn

Tensor.absolute, Tensor.absolute_ = abs, Tensor.abs_
Tensor.arcsin, Tensor.arccos, Tensor.arctan = asin, acos, atan
Tensor.arcsin_, Tensor.arccos_, Tensor.arctan_ = Tensor.asin_, Tensor.acos_, Tensor.atan_
Tensor.relu, Tensor.relu_ = relu, _relu_
