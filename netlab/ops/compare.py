"""Comparisons, predicates, logical and bitwise ops, any/all, isclose/allclose/equal.

None of these is differentiable: results are bool (or integer) tensors that never require grad.
"""
# ruff: noqa: A001, A002 - PyTorch's parameter and function names (input, any, all)

from __future__ import annotations

import builtins

import numpy as np

from netlab.backend import get_array_module
from netlab.dtypes import get_default_dtype
from netlab.ops._util import (
    apply_inplace,
    as_tensor_arg,
    check_broadcast,
    is_scalar,
    promote,
    wrap_dims,
    write_out,
)
from netlab.ops.binary import _not_implemented, _require_tensor, _tname
from netlab.tensor import Tensor

__all__ = ["eq", "ne", "not_equal", "gt", "greater", "ge", "greater_equal", "lt", "less", "le",
           "less_equal", "isnan", "isinf", "isfinite", "isposinf", "isneginf", "logical_and",
           "logical_or", "logical_xor", "logical_not", "bitwise_and", "bitwise_or",
           "bitwise_xor", "bitwise_not", "any", "all", "isclose", "allclose", "equal"]


def _raw(x):
    """A Tensor's array, detached: comparisons never record a graph."""
    return Tensor._make(x._array) if isinstance(x, Tensor) else x


def _operands(input, other):
    """Both operands as arrays (or numpy scalars) of their PyTorch result dtype."""
    a, b = promote(_raw(input), _raw(other))
    if not isinstance(a, Tensor):
        a, b, swapped = b, a, True
    else:
        swapped = False
    dt = a._array.dtype
    a = a._array
    if isinstance(b, Tensor):
        b = b._array
    else:
        # PyTorch converts the scalar to the tensor's dtype first (integers wrap around,
        # floats beyond the range become inf)
        with np.errstate(over="ignore"):
            b = np.asarray(b).astype(dt)[()]
    return (b, a) if swapped else (a, b)


def _xp(a, b):
    xp = get_array_module(a)
    return xp if xp is not np else get_array_module(b)


def _compare(ufunc, input, other, out):
    a, b = _operands(input, other)
    xp = _xp(a, b)
    try:
        res = Tensor._make(getattr(xp, ufunc)(a, b))
    except ValueError:
        check_broadcast(a, b)
        raise
    return res if out is None else write_out(out, res)


def eq(input, other, *, out=None):
    """Elementwise ``input == other`` as a bool tensor (``other`` may be a number).

    Examples
    --------
    >>> import netlab
    >>> netlab.eq(netlab.tensor([1, 2]), 2)
    tensor([False,  True])
    """
    return _compare("equal", input, other, out)


def ne(input, other, *, out=None):
    """Elementwise ``input != other``.

    Examples
    --------
    >>> import netlab
    >>> netlab.ne(netlab.tensor([1, 2]), 2)
    tensor([ True, False])
    """
    return _compare("not_equal", input, other, out)


def gt(input, other, *, out=None):
    """Elementwise ``input > other``.

    Examples
    --------
    >>> import netlab
    >>> netlab.gt(netlab.tensor([1, 2]), 1)
    tensor([False,  True])
    """
    return _compare("greater", input, other, out)


def ge(input, other, *, out=None):
    """Elementwise ``input >= other``.

    Examples
    --------
    >>> import netlab
    >>> netlab.ge(netlab.tensor([1, 2]), 2)
    tensor([False,  True])
    """
    return _compare("greater_equal", input, other, out)


def lt(input, other, *, out=None):
    """Elementwise ``input < other``.

    Examples
    --------
    >>> import netlab
    >>> netlab.lt(netlab.tensor([1, 2]), 2)
    tensor([ True, False])
    """
    return _compare("less", input, other, out)


def le(input, other, *, out=None):
    """Elementwise ``input <= other``.

    Examples
    --------
    >>> import netlab
    >>> netlab.le(netlab.tensor([1, 2]), 1)
    tensor([ True, False])
    """
    return _compare("less_equal", input, other, out)


not_equal, greater, greater_equal, less, less_equal = ne, gt, ge, lt, le


# predicates -------------------------------------------------------------------------------

def _predicate(input, fn, fill):
    a = input._array
    xp = get_array_module(a)
    if a.dtype.kind != "f":  # integers and bools are always finite
        return Tensor._make(xp.full(a.shape, fill, dtype=bool))
    return Tensor._make(xp.asarray(fn(xp, a)))


def isnan(input):
    """True where ``input`` is nan.

    Examples
    --------
    >>> import netlab
    >>> netlab.isnan(netlab.tensor([1.0, float("nan")]))
    tensor([False,  True])
    """
    return _predicate(input, lambda xp, a: xp.isnan(a), False)


def isinf(input):
    """True where ``input`` is +inf or -inf.

    Examples
    --------
    >>> import netlab
    >>> netlab.isinf(netlab.tensor([1.0, -float("inf")]))
    tensor([False,  True])
    """
    return _predicate(input, lambda xp, a: xp.isinf(a), False)


def isposinf(input, *, out=None):
    """True where ``input`` is +inf.

    Examples
    --------
    >>> import netlab
    >>> netlab.isposinf(netlab.tensor([float("inf"), -float("inf")]))
    tensor([ True, False])
    """
    res = _predicate(input, lambda xp, a: xp.isinf(a) & (a > 0), False)
    return res if out is None else write_out(out, res)


def isneginf(input, *, out=None):
    """True where ``input`` is -inf.

    Examples
    --------
    >>> import netlab
    >>> netlab.isneginf(netlab.tensor([float("inf"), -float("inf")]))
    tensor([False,  True])
    """
    res = _predicate(input, lambda xp, a: xp.isinf(a) & (a < 0), False)
    return res if out is None else write_out(out, res)


def isfinite(input):
    """True where ``input`` is neither nan nor infinite.

    Examples
    --------
    >>> import netlab
    >>> netlab.isfinite(netlab.tensor([1.0, float("nan")]))
    tensor([ True, False])
    """
    return _predicate(input, lambda xp, a: xp.isfinite(a), True)


# logical -----------------------------------------------------------------------------------

def _logical(name, input, other, out):
    if not isinstance(other, Tensor):
        raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not "
                        f"{type(other).__name__}")
    a, b = input._array, other._array
    xp = get_array_module(a)
    if type(a) is not type(b) and b.ndim:
        promote(input, other)  # raises the device-mismatch error
    try:
        res = Tensor._make(getattr(xp, name)(a, b))
    except ValueError:
        check_broadcast(a, b)
        raise
    return res if out is None else write_out(out, res)


def logical_and(input, other, *, out=None):
    """Elementwise logical and of the truth values (nonzero is True); a bool tensor.

    Examples
    --------
    >>> import netlab
    >>> netlab.logical_and(netlab.tensor([1, 0, 2]), netlab.tensor([True, True, False]))
    tensor([ True, False, False])
    """
    return _logical("logical_and", input, other, out)


def logical_or(input, other, *, out=None):
    """Elementwise logical or of the truth values.

    Examples
    --------
    >>> import netlab
    >>> netlab.logical_or(netlab.tensor([0, 0, 2]), netlab.tensor([0, 1, 0]))
    tensor([False,  True,  True])
    """
    return _logical("logical_or", input, other, out)


def logical_xor(input, other, *, out=None):
    """Elementwise logical exclusive or of the truth values.

    Examples
    --------
    >>> import netlab
    >>> netlab.logical_xor(netlab.tensor([0, 1, 2]), netlab.tensor([0, 1, 0]))
    tensor([False, False,  True])
    """
    return _logical("logical_xor", input, other, out)


def logical_not(input, *, out=None):
    """Elementwise logical not (True where ``input`` is zero).

    Examples
    --------
    >>> import netlab
    >>> netlab.logical_not(netlab.tensor([0.0, 1.5]))
    tensor([ True, False])
    """
    res = Tensor._make(get_array_module(input._array).logical_not(input._array))
    return res if out is None else write_out(out, res)


# bitwise -----------------------------------------------------------------------------------

def _bitwise(name, input, other, out):
    if not isinstance(input, Tensor):
        input = as_tensor_arg(input) if not is_scalar(input) else input
    a, b = _operands(input, other)
    dt = a.dtype if hasattr(a, "dtype") else b.dtype
    if dt.kind not in "biu":
        raise _not_implemented(name, dt)
    xp = _xp(a, b)
    try:
        res = Tensor._make(getattr(xp, name)(a, b))
    except ValueError:
        check_broadcast(a, b)
        raise
    return res if out is None else write_out(out, res)


def bitwise_and(input, other, *, out=None):
    """Bitwise and of integer or bool tensors (the ``&`` operator).

    Examples
    --------
    >>> import netlab
    >>> netlab.bitwise_and(netlab.tensor([12, 10]), 6)
    tensor([4, 2])
    """
    return _bitwise("bitwise_and", input, other, out)


def bitwise_or(input, other, *, out=None):
    """Bitwise or of integer or bool tensors (the ``|`` operator).

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([12, 10]) | 1
    tensor([13, 11])
    """
    return _bitwise("bitwise_or", input, other, out)


def bitwise_xor(input, other, *, out=None):
    """Bitwise exclusive or of integer or bool tensors (the ``^`` operator).

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([True, False]) ^ True
    tensor([False,  True])
    """
    return _bitwise("bitwise_xor", input, other, out)


def bitwise_not(input, *, out=None):
    """Bitwise not of an integer or bool tensor (the ``~`` operator; logical not on bool).

    Examples
    --------
    >>> import netlab
    >>> ~netlab.tensor([0, 5])
    tensor([-1, -6])
    """
    a = input._array
    if a.dtype.kind not in "biu":
        raise _not_implemented("bitwise_not", a.dtype)
    res = Tensor._make(get_array_module(a).invert(a))
    return res if out is None else write_out(out, res)


# any / all ---------------------------------------------------------------------------------

def _reduce_bool(name, input, dim, keepdim, out):
    a = input._array
    axes = None if dim is None else wrap_dims(dim, a.ndim)
    if axes is not None and a.ndim == 0:
        axes = ()
    res = getattr(get_array_module(a), name)(a, axis=axes, keepdims=keepdim)
    # uint8 inputs keep uint8 results, for backward compatibility (as PyTorch)
    res = Tensor._make(res.astype(np.uint8) if a.dtype == np.uint8 else res)
    return res if out is None else write_out(out, res)


def any_(input, dim=None, keepdim=False, *, out=None):
    """True if any element (along ``dim``, an int or tuple) is nonzero.

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([[0, 1], [0, 0]]).any(dim=1)
    tensor([ True, False])
    """
    return _reduce_bool("any", input, dim, keepdim, out)


def all_(input, dim=None, keepdim=False, *, out=None):
    """True if every element (along ``dim``, an int or tuple) is nonzero.

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([[1, 1], [0, 1]]).all(dim=1)
    tensor([ True, False])
    """
    return _reduce_bool("all", input, dim, keepdim, out)


# closeness ---------------------------------------------------------------------------------

def isclose(input, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False):
    """``|input - other| <= atol + rtol * |other|`` elementwise (equal values always match).

    Both tensors must have the same dtype.

    Examples
    --------
    >>> import netlab
    >>> netlab.isclose(netlab.tensor([1.0, 2.0]), netlab.tensor([1.0 + 1e-7, 2.1]))
    tensor([ True, False])
    """
    _require_tensor("isclose", other)
    a, b = input._array, other._array
    if a.dtype != b.dtype:
        raise RuntimeError(f"{_tname(a.dtype)} did not match {_tname(b.dtype)}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol:g}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol:g}")
    xp = get_array_module(a)
    try:
        close = a == b
    except ValueError:
        check_broadcast(a, b)
        raise
    if a.dtype.kind == "b":
        return Tensor._make(xp.asarray(close))
    if equal_nan and a.dtype.kind == "f":
        close = close | (xp.isnan(a) & xp.isnan(b))
    ft = a.dtype if a.dtype.kind == "f" else get_default_dtype().np
    with np.errstate(all="ignore"):
        fa, fb = a.astype(ft, copy=False), b.astype(ft, copy=False)
        allowed = atol + xp.abs(rtol * fb)
        actual = xp.abs(fa - fb)
        close = close | (xp.isfinite(actual) & (actual <= allowed))
    return Tensor._make(xp.asarray(close))


def allclose(input, other, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether :func:`isclose` holds for every element (a Python bool).

    Examples
    --------
    >>> import netlab
    >>> netlab.allclose(netlab.tensor([1.0]), netlab.tensor([1.0 + 1e-9]))
    True
    """
    return builtins.bool(isclose(input, other, rtol, atol, equal_nan)._array.all())


def equal(input, other) -> bool:
    """True if both tensors have the same shape and the same values (dtypes may differ).

    Examples
    --------
    >>> import netlab
    >>> netlab.equal(netlab.tensor([1, 2]), netlab.tensor([1.0, 2.0]))
    True
    """
    _require_tensor("equal", other)
    if input._array.shape != other._array.shape:
        return False
    a, b = _operands(input, other)
    return builtins.bool((a == b).all())


# operators and Tensor methods -----------------------------------------------------------------

def _operand_ok(x) -> bool:
    return isinstance(x, (Tensor, np.ndarray)) or is_scalar(x)


def _op(fn, reflected=False):
    def method(self, other):
        if not _operand_ok(other):
            return NotImplemented
        return fn(other, self) if reflected else fn(self, other)

    return method


def _bit_inplace(fn):
    def method(self, other):
        if self._array.dtype.kind not in "biu":
            raise _not_implemented(fn.__name__, self._array.dtype)
        return apply_inplace(self, fn, other)

    return method


def _cmp_inplace(fn):
    def method(self, other):
        return apply_inplace(self, fn, other)

    return method


def _invert(self):
    if self._array.dtype.kind not in "biu":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return bitwise_not(self)


any, all = any_, all_

Tensor.eq, Tensor.ne, Tensor.gt, Tensor.ge, Tensor.lt, Tensor.le = eq, ne, gt, ge, lt, le
Tensor.not_equal, Tensor.greater, Tensor.greater_equal = ne, gt, ge
Tensor.less, Tensor.less_equal = lt, le
for _name, _fn in (("eq", eq), ("ne", ne), ("gt", gt), ("ge", ge), ("lt", lt), ("le", le),
                   ("logical_and", logical_and), ("logical_or", logical_or),
                   ("logical_xor", logical_xor)):
    setattr(Tensor, _name + "_", _cmp_inplace(_fn))
del _name, _fn
Tensor.__eq__, Tensor.__ne__ = _op(eq), _op(ne)
Tensor.__lt__, Tensor.__le__, Tensor.__gt__, Tensor.__ge__ = _op(lt), _op(le), _op(gt), _op(ge)
Tensor.__hash__ = object.__hash__  # tensors hash by identity even though == is elementwise
Tensor.isnan, Tensor.isinf, Tensor.isfinite = isnan, isinf, isfinite
Tensor.isposinf, Tensor.isneginf = isposinf, isneginf
Tensor.logical_and, Tensor.logical_or, Tensor.logical_xor = logical_and, logical_or, logical_xor
Tensor.logical_not = logical_not
Tensor.logical_not_ = lambda self: apply_inplace(self, logical_not)
Tensor.bitwise_and, Tensor.bitwise_or, Tensor.bitwise_xor = bitwise_and, bitwise_or, bitwise_xor
Tensor.bitwise_not = bitwise_not
Tensor.bitwise_and_ = Tensor.__iand__ = _bit_inplace(bitwise_and)
Tensor.bitwise_or_ = Tensor.__ior__ = _bit_inplace(bitwise_or)
Tensor.bitwise_xor_ = Tensor.__ixor__ = _bit_inplace(bitwise_xor)
Tensor.bitwise_not_ = lambda self: apply_inplace(self, bitwise_not)
Tensor.__and__, Tensor.__rand__ = _op(bitwise_and), _op(bitwise_and, True)
Tensor.__or__, Tensor.__ror__ = _op(bitwise_or), _op(bitwise_or, True)
Tensor.__xor__, Tensor.__rxor__ = _op(bitwise_xor), _op(bitwise_xor, True)
Tensor.__invert__ = _invert
Tensor.any, Tensor.all = any_, all_
Tensor.isclose, Tensor.allclose, Tensor.equal = isclose, allclose, equal
