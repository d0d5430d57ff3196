"""Elementwise binary math: atan2, maximum, minimum, fmod, remainder, lerp, where, div modes."""
# ruff: noqa: A001, A002 - PyTorch's parameter names (input)

from __future__ import annotations

import numpy as np

from netlab.autograd.node import Function
from netlab.backend import get_array_module
from netlab.dtypes import TYPE_NAMES, from_numpy_dtype, get_default_dtype, result_type
from netlab.ops._util import (
    apply_inplace,
    as_tensor_arg,
    cast,
    check_broadcast,
    is_scalar,
    promote2,
    sum_to,
    write_out,
)
from netlab.tensor import Tensor

__all__ = ["atan2", "arctan2", "maximum", "minimum", "fmod", "remainder", "lerp", "where"]


def _tname(np_dtype) -> str:
    """PyTorch's scalar-type name for error messages ('Float', 'Long', 'Bool', ...)."""
    return TYPE_NAMES[from_numpy_dtype(np.dtype(np_dtype))].removesuffix("Tensor")


def _cname(np_dtype) -> str:
    """PyTorch's C type name of a dtype, as some of its messages spell it."""
    return {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
            "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
            "bool": "bool"}[np.dtype(np_dtype).name]


def _not_implemented(kernel: str, np_dtype):
    return NotImplementedError(f'"{kernel}_cpu" not implemented for \'{_tname(np_dtype)}\'')


def _require_tensor(name: str, x, pos: int = 2, arg: str = "other"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")


def _shape(a):
    return getattr(a, "shape", ())


def _const(arr) -> Tensor:
    return Tensor._make(arr)


def _check_int_zero(a, b):
    """Integer division by zero raises, as PyTorch (numpy would silently give 0)."""
    if a.dtype.kind in "iu" and (get_array_module(a).asarray(b) == 0).any():
        raise RuntimeError("ZeroDivisionError")


# where ------------------------------------------------------------------------------------

class Where(Function):
    def __init__(self, np_dtype, condition):
        self.np_dtype, self.condition = np_dtype, condition

    def forward(self, cond, a, b):
        self.sa, self.sb = _shape(a), _shape(b)
        try:
            y = get_array_module(cond).where(cond, a, b)
        except ValueError:
            check_broadcast(cond, a, b)
            raise
        if y.dtype != self.np_dtype:
            y = y.astype(self.np_dtype)
        return y

    def backward(self, g):
        cond = self.condition
        ng = self.needs_input_grad
        ga = sum_to(where(cond, g, 0.0), self.sa) if ng[1] else None
        gb = sum_to(where(cond, 0.0, g), self.sb) if len(ng) > 2 and ng[2] else None
        return None, ga, gb


def where(condition, input=None, other=None, *, out=None):
    """``input`` where ``condition`` holds, else ``other``; one argument gives ``nonzero``.

    ``input`` and ``other`` may be tensors or Python scalars; all three broadcast together.

    Examples
    --------
    >>> import netlab
    >>> x = netlab.tensor([-1.0, 2.0])
    >>> netlab.where(x > 0, x, 0.0)
    tensor([0., 2.])
    """
    if not isinstance(condition, Tensor):
        condition = as_tensor_arg(condition)
    if condition._array.dtype.kind != "b":
        if condition._array.dtype != np.uint8:
            raise RuntimeError("where expected condition to be a boolean tensor, but got a "
                               f"tensor with dtype {_tname(condition._array.dtype)}")
        condition = Tensor._make(condition._array.astype(bool))
    if input is None and other is None:
        xp = get_array_module(condition._array)
        arr = condition._array.reshape(-1) if condition._array.ndim == 0 else condition._array
        return tuple(Tensor._make(ix.astype(np.int64, copy=False)) for ix in xp.nonzero(arr))
    if input is None or other is None:
        raise TypeError("where() takes either one argument (condition) or three")
    a, b = promote2(input, other)
    if isinstance(a, Tensor):
        dt = a._array.dtype
    elif isinstance(b, Tensor):
        dt = b._array.dtype
    else:
        dt = result_type(a, b).np
    res = Where(dt, condition)(condition, a, b)
    return res if out is None else write_out(out, res)


# atan2 ------------------------------------------------------------------------------------

class Atan2(Function):
    def forward(self, a, b):
        self.sa, self.sb = a.shape, b.shape
        self.save_for_backward(a, b)
        xp = get_array_module(a)
        try:
            if a.dtype == np.float32:  # through float64: numpy's float32 loop is less exact
                return xp.arctan2(a.astype(np.float64), b).astype(np.float32)
            return xp.arctan2(a, b)
        except ValueError:
            check_broadcast(a, b)
            raise

    def backward(self, g):
        a, b = self.saved_tensors
        recip = (a * a + b * b).reciprocal()
        # at the origin the gradient is taken as 0 (PyTorch), not nan
        recip = where(_const(get_array_module(recip._array).isinf(recip._array)), 0.0, recip)
        ga = sum_to(g * b * recip, self.sa) if self.needs_input_grad[0] else None
        gb = sum_to(g * -a * recip, self.sb) if self.needs_input_grad[1] else None
        return ga, gb


def _float_pair(input, other):
    a, b = promote2(input, other)
    if a._array.dtype.kind != "f":
        dt = get_default_dtype().np
        a, b = cast(a, dt), cast(b, dt)
    return a, b


def atan2(input, other, *, out=None):
    """Elementwise ``atan(input / other)`` in the right quadrant.

    Examples
    --------
    >>> import netlab
    >>> netlab.atan2(netlab.tensor([1.0]), netlab.tensor([1.0]))
    tensor([0.7854])
    """
    _require_tensor("atan2", other)
    res = Atan2()(*_float_pair(input, other))
    return res if out is None else write_out(out, res)


arctan2 = atan2


# maximum / minimum -------------------------------------------------------------------------

class _MaxMin(Function):
    """Ties split the gradient evenly between the two inputs (PyTorch)."""

    _pick = None  # name of the xp function

    def forward(self, a, b):
        self.sa, self.sb = a.shape, b.shape
        xp = get_array_module(a)
        try:
            y = getattr(xp, self._pick)(a, b)
        except ValueError:
            check_broadcast(a, b)
            raise
        if self.needs_input_grad:
            self.tie = a == b
            self.a_loses = a < b if self._pick == "maximum" else a > b
            self.b_loses = a > b if self._pick == "maximum" else a < b
        return y

    def backward(self, g):
        half = where(_const(self.tie), g * 0.5, g)
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = sum_to(where(_const(self.a_loses), 0.0, half), self.sa)
        if self.needs_input_grad[1]:
            gb = sum_to(where(_const(self.b_loses), 0.0, half), self.sb)
        return ga, gb


class Maximum(_MaxMin):
    _pick = "maximum"


class Minimum(_MaxMin):
    _pick = "minimum"


def maximum(input, other, *, out=None):
    """Elementwise maximum (NaN propagates); ties share the gradient.

    Examples
    --------
    >>> import netlab
    >>> netlab.maximum(netlab.tensor([1, 5]), netlab.tensor([3, 2]))
    tensor([3, 5])
    """
    _require_tensor("maximum", other)
    res = Maximum()(*promote2(input, other))
    return res if out is None else write_out(out, res)


def minimum(input, other, *, out=None):
    """Elementwise minimum (NaN propagates); ties share the gradient.

    Examples
    --------
    >>> import netlab
    >>> netlab.minimum(netlab.tensor([1, 5]), netlab.tensor([3, 2]))
    tensor([1, 2])
    """
    _require_tensor("minimum", other)
    res = Minimum()(*promote2(input, other))
    return res if out is None else write_out(out, res)


# fmod / remainder / rounded division ---------------------------------------------------------

def _floor_div_raw(xp, a, b):
    with np.errstate(all="ignore"):
        return xp.floor_divide(a, b)


def _trunc_div_raw(xp, a, b):
    if a.dtype.kind == "f":
        with np.errstate(all="ignore"):
            return xp.trunc(a / b)
    q = xp.floor_divide(a, b)
    # floor and trunc differ by one where the exact quotient is negative and not whole
    fix = (q * b != a) & ((a < 0) != (b < 0)) if a.dtype.kind == "i" else None
    return q if fix is None else q + fix.astype(q.dtype)


class _Mod(Function):
    """fmod (C, sign of the dividend) or remainder (Python, sign of the divisor)."""

    _ufunc = None
    _quotient = None

    def forward(self, a, b):
        tensor_b = hasattr(b, "dtype")
        self._backward_name = f"{type(self).__name__}Backward{1 if tensor_b else 0}"
        xp = get_array_module(a)
        _check_int_zero(a, b)
        self.sb = _shape(b)
        self.sa = a.shape
        try:
            with np.errstate(all="ignore"):
                y = getattr(xp, self._ufunc)(a, b)
        except ValueError:
            check_broadcast(a, b)
            raise
        ng = self.needs_input_grad
        if ng and ng[1]:
            self.q = type(self)._quotient(xp, a, b)
        return y

    def backward(self, g):
        ng = self.needs_input_grad
        ga = sum_to(g, self.sa) if ng[0] else None
        gb = sum_to(-g * _const(self.q), self.sb) if ng[1] else None
        return ga, gb


class Fmod(_Mod):
    _ufunc = "fmod"
    _quotient = staticmethod(_trunc_div_raw)


class Remainder(_Mod):
    _ufunc = "remainder"
    _quotient = staticmethod(_floor_div_raw)


def _mod_args(name, input, other):
    if not isinstance(input, Tensor):
        if name == "fmod" or not is_scalar(input):
            raise TypeError(f"{name}() received an invalid combination of arguments - got "
                            f"({type(input).__name__}, {type(other).__name__})")
        input = as_tensor_arg(input, other)
    a, b = promote2(input, other)
    if a._array.dtype.kind == "b":
        raise _not_implemented(f"{name}", a._array.dtype)
    return a, b


def fmod(input, other, *, out=None):
    """C-style remainder: the result has the sign of ``input``.

    Examples
    --------
    >>> import netlab
    >>> netlab.fmod(netlab.tensor([-3.0, 3.0]), 2)
    tensor([-1.,  1.])
    """
    res = Fmod()(*_mod_args("fmod", input, other))
    return res if out is None else write_out(out, res)


def remainder(input, other, *, out=None):
    """Python-style modulus: the result has the sign of ``other`` (the ``%`` operator).

    Examples
    --------
    >>> import netlab
    >>> netlab.remainder(netlab.tensor([-3.0, 3.0]), 2)
    tensor([1., 1.])
    """
    res = Remainder()(*_mod_args("remainder", input, other))
    return res if out is None else write_out(out, res)


class RoundedDiv(Function):
    """``div`` with ``rounding_mode``: piecewise constant, so the gradient is zero."""

    _backward_name = "DivBackward2"

    def __init__(self, mode):
        self.mode = mode

    def forward(self, a, b):
        self.sa, self.sb = a.shape, _shape(b)
        xp = get_array_module(a)
        _check_int_zero(a, b)
        try:
            if self.mode == "floor":
                return _floor_div_raw(xp, a, b)
            return _trunc_div_raw(xp, a, b)
        except ValueError:
            check_broadcast(a, b)
            raise

    def backward(self, g):
        xp = get_array_module(g._array)
        ng = self.needs_input_grad
        ga = _const(xp.zeros(self.sa, g._array.dtype)) if ng[0] else None
        gb = _const(xp.zeros(self.sb, g._array.dtype)) if len(ng) > 1 and ng[1] else None
        return ga, gb


def _rounded_div(input, other, rounding_mode):
    """``div(input, other, rounding_mode='trunc' | 'floor')`` (used by ``netlab.div``)."""
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                           f"but found '{rounding_mode}'")
    if not isinstance(input, Tensor):
        input = as_tensor_arg(input, other if isinstance(other, Tensor) else None)
    a, b = promote2(input, other)
    if a._array.dtype.kind == "b":
        raise _not_implemented(f"div_{rounding_mode}", a._array.dtype)
    return RoundedDiv(rounding_mode)(a, b)


# lerp -------------------------------------------------------------------------------------

class Lerp(Function):
    def forward(self, a, b, w):
        tensor_w = hasattr(w, "dtype")
        self._backward_name = "LerpBackward1" if tensor_w else "LerpBackward0"
        self.sa, self.sb, self.sw = a.shape, b.shape, _shape(w)
        ng = self.needs_input_grad
        if ng:
            self.save_for_backward(a if ng[2] else None, b if ng[2] else None,
                                   w if tensor_w else None)
        xp = get_array_module(a)
        try:
            diff = b - a
            # PyTorch's two-sided formula: exact at both ends
            if tensor_w:
                return xp.where(xp.abs(w) < 0.5, a + w * diff, b - diff * (1 - w))
            return a + w * diff if abs(w) < 0.5 else b - diff * (1 - w)
        except ValueError:
            check_broadcast(a, b, w)
            raise

    def backward(self, g):
        a, b, w = self.saved_tensors
        if w is None:
            w = self._w
        ng = self.needs_input_grad
        ga = sum_to(g * (1 - w), self.sa) if ng[0] else None
        gb = sum_to(g * w, self.sb) if ng[1] else None
        gw = sum_to(g * (b - a), self.sw) if len(ng) > 2 and ng[2] else None
        return ga, gb, gw


def lerp(input, end, weight, *, out=None):
    """Linear interpolation ``input + weight * (end - input)``; ``weight`` scalar or tensor.

    Examples
    --------
    >>> import netlab
    >>> netlab.lerp(netlab.tensor([0.0, 10.0]), netlab.tensor([10.0, 20.0]), 0.5)
    tensor([ 5., 15.])
    """
    _require_tensor("lerp", end, arg="end")
    dt = input._array.dtype
    tensor_w = isinstance(weight, Tensor)
    if dt.kind != "f":
        raise NotImplementedError(
            f'"lerp_kernel_{"tensor" if tensor_w else "scalar"}" not implemented for '
            f"'{_tname(dt)}'")
    for name, t in (("end", end), ("weight", weight)):
        if isinstance(t, Tensor) and t._array.dtype != dt:
            raise RuntimeError(f"expected dtype {_cname(dt)} for `{name}` but got dtype "
                               f"{_cname(t._array.dtype)}")
    if not tensor_w:
        weight = float(weight)
    fn = Lerp()
    fn._w = weight
    res = fn(input, end, weight)
    return res if out is None else write_out(out, res)


# in-place forms and operators --------------------------------------------------------------

def _ufunc_if_same_dtype(self, other, name):
    """The numpy ufunc writes in place only when it cannot change the dtype."""
    if self._array.dtype.kind == "b":
        return None
    if isinstance(other, Tensor):
        return name if other._array.dtype == self._array.dtype else None
    if isinstance(other, float):
        return name if self._array.dtype.kind == "f" else None
    return name if isinstance(other, int) else None


def _other_array(other):
    return other._array if isinstance(other, Tensor) else other


def _fmod_(self, other):
    _check_int_zero(self._array, _other_array(other))
    with np.errstate(all="ignore"):
        return apply_inplace(self, fmod, other, ufunc=_ufunc_if_same_dtype(self, other, "fmod"))


def _remainder_(self, other):
    _check_int_zero(self._array, _other_array(other))
    with np.errstate(all="ignore"):
        return apply_inplace(self, remainder, other,
                             ufunc=_ufunc_if_same_dtype(self, other, "remainder"))


def _atan2_(self, other):
    return apply_inplace(self, atan2, other)


def _lerp_(self, end, weight):
    return apply_inplace(self, lerp, end, weight)


def _where_method(self, condition, other):
    return where(condition, self, other)


def _rmod(self, other):
    return remainder(other, self)


def _mod_op(self, other):
    if not (isinstance(other, Tensor) or is_scalar(other)):
        return NotImplemented
    return remainder(self, other)


Tensor.atan2 = Tensor.arctan2 = atan2
Tensor.maximum, Tensor.minimum = maximum, minimum
Tensor.fmod, Tensor.remainder, Tensor.lerp = fmod, remainder, lerp
Tensor.where = _where_method
Tensor.atan2_ = Tensor.arctan2_ = _atan2_
Tensor.fmod_, Tensor.remainder_, Tensor.lerp_ = _fmod_, _remainder_, _lerp_
Tensor.__mod__ = _mod_op
Tensor.__rmod__ = _rmod
Tensor.__imod__ = _remainder_
