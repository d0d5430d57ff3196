"""Rounding and range limits: ceil floor round trunc fix frac, clamp clip clamp_min clamp_max,
nan_to_num. Rounding is piecewise constant, so its gradient is zero everywhere (as PyTorch).
"""
# ruff: noqa: A001, A002 - PyTorch's parameter and function names (input, min, max, round)

from __future__ import annotations

import numpy as np

from netlab.autograd.node import Function
from netlab.backend import get_array_module
from netlab.dtypes import result_type
from netlab.ops._util import apply_inplace, cast, check_broadcast, promote, sum_to
from netlab.ops.binary import _not_implemented, _tname, where
from netlab.ops.unary import _const, _finish, _inplace, _Step
from netlab.tensor import Tensor

__all__ = ["ceil", "floor", "round", "trunc", "fix", "frac", "clamp", "clip", "clamp_min",
           "clamp_max", "nan_to_num"]


# rounding ------------------------------------------------------------------------------------

class Ceil(_Step):
    def forward(self, a):
        return get_array_module(a).ceil(a) if a.dtype.kind == "f" else a.copy()


class Floor(_Step):
    def forward(self, a):
        return get_array_module(a).floor(a) if a.dtype.kind == "f" else a.copy()


class Trunc(_Step):
    def forward(self, a):
        return get_array_module(a).trunc(a) if a.dtype.kind == "f" else a.copy()


class Round(_Step):
    def __init__(self, decimals=None):
        self.decimals = decimals
        if decimals is not None:
            self._backward_name = "RoundBackward1"

    def forward(self, a):
        xp = get_array_module(a)
        d = self.decimals
        if a.dtype.kind != "f":
            return a.copy()
        if not d:
            return xp.rint(a)  # half to even, as PyTorch
        # PyTorch scales by 10**|d| in the tensor's dtype, dividing first for negative d
        p = a.dtype.type(10.0 ** (d if d > 0 else -d))
        with np.errstate(all="ignore"):
            return xp.rint(a * p) / p if d > 0 else xp.rint(a / p) * p


class Frac(Function):
    def forward(self, a):
        with np.errstate(invalid="ignore"):
            return a - get_array_module(a).trunc(a)

    def backward(self, g):
        return g


def _rounding(name, cls, input, out, *args):
    if input._array.dtype.kind == "b":
        raise NotImplementedError(f'"{name}_vml_cpu" not implemented for \'Bool\'')
    return _finish(cls(*args)(input), out)


def ceil(input, *, out=None):
    """Smallest integer-valued number >= each element (integers are returned as they are).

    Examples
    --------
    >>> import netlab
    >>> netlab.ceil(netlab.tensor([1.2, -1.2]))
    tensor([ 2., -1.])
    """
    return _rounding("ceil", Ceil, input, out)


def floor(input, *, out=None):
    """Largest integer-valued number <= each element.

    Examples
    --------
    >>> import netlab
    >>> netlab.floor(netlab.tensor([1.7, -1.2]))
    tensor([ 1., -2.])
    """
    return _rounding("floor", Floor, input, out)


def trunc(input, *, out=None):
    """Round toward zero.

    Examples
    --------
    >>> import netlab
    >>> netlab.trunc(netlab.tensor([1.7, -1.7]))
    tensor([ 1., -1.])
    """
    return _rounding("trunc", Trunc, input, out)


fix = trunc


def round(input, *, decimals: int | None = None, out=None):
    """Round half to even, optionally to ``decimals`` places (negative: left of the point).

    Examples
    --------
    >>> import netlab
    >>> netlab.round(netlab.tensor([0.5, 1.5, 1.234]), decimals=1)
    tensor([0.5000, 1.5000, 1.2000])
    """
    if decimals is not None and input._array.dtype.kind != "f":
        kernel = "round_cpu" if decimals else "round_vml_cpu"
        raise NotImplementedError(f"\"{kernel}\" not implemented for "
                                  f"'{_tname(input._array.dtype)}'")
    return _rounding("round", Round, input, out, decimals)


def frac(input, *, out=None):
    """Fractional part ``input - trunc(input)``; floating-point inputs only.

    Examples
    --------
    >>> import netlab
    >>> netlab.frac(netlab.tensor([1.25, -1.25]))
    tensor([ 0.2500, -0.2500])
    """
    if input._array.dtype.kind != "f":
        raise _not_implemented("frac", input._array.dtype)
    return _finish(Frac()(input), out)


# nan_to_num --------------------------------------------------------------------------------

class NanToNum(Function):
    def __init__(self, nan, posinf, neginf):
        self.args = (nan, posinf, neginf)

    def forward(self, a):
        if a.dtype.kind != "f":
            return a.copy()
        if self.needs_input_grad:
            self.finite = get_array_module(a).isfinite(a).astype(a.dtype)
        nan, posinf, neginf = self.args
        return get_array_module(a).nan_to_num(a, nan=nan, posinf=posinf, neginf=neginf)

    def backward(self, g):
        return g * _const(self.finite)


def nan_to_num(input, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None, *, out=None):
    """Replace nan, +inf and -inf (by default with 0 and the dtype's largest/lowest values).

    Examples
    --------
    >>> import netlab
    >>> netlab.nan_to_num(netlab.tensor([float("nan"), 1.0]))
    tensor([0., 1.])
    """
    return _finish(NanToNum(nan, posinf, neginf)(input), out)


# clamp ---------------------------------------------------------------------------------------

class Clamp(Function):
    """Clamp to scalar bounds (ClampBackward1; ClampMin/ClampMaxBackward0 for the one-sided
    methods)."""

    _backward_name = "ClampBackward1"

    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    def forward(self, a):
        xp = get_array_module(a)
        lo, hi = self.lo, self.hi
        y = a
        if lo is not None:
            y = xp.maximum(y, lo)
        if hi is not None:
            y = xp.minimum(y, hi)
        if self.needs_input_grad:
            # bounds themselves pass the gradient (subgradient 1, as PyTorch)
            if lo is not None and hi is not None:
                self.mask = (a >= lo) & (a <= hi)
            else:
                self.mask = a >= lo if lo is not None else a <= hi
        return y

    def backward(self, g):
        return where(_const(self.mask), g, 0.0)


class ClampTensor(Function):
    """Clamp to tensor bounds (ClampBackward0; ClampMin/ClampMaxBackward1 one-sided)."""

    _backward_name = "ClampBackward0"

    def forward(self, a, lo, hi):
        xp = get_array_module(a)
        self.shapes = (a.shape, getattr(lo, "shape", None), getattr(hi, "shape", None))
        try:
            y = a
            if lo is not None:
                y = xp.maximum(y, lo)
            if hi is not None:
                y = xp.minimum(y, hi)
        except ValueError:
            check_broadcast(*(x for x in (a, lo, hi) if x is not None))
            raise
        ng = self.needs_input_grad
        if ng:
            both = lo is not None and hi is not None
            if ng[0]:
                self.m_in = (a >= lo) & (a <= hi) if both else (a >= lo if lo is not None
                                                               else a <= hi)
            if ng[1]:
                self.m_lo = (a < lo) & (lo < hi) if both else a < lo
            if ng[2]:
                self.m_hi = (a > hi) | (hi < lo) if both else a > hi
        return y

    def backward(self, g):
        ng = self.needs_input_grad
        s_in, s_lo, s_hi = self.shapes
        ga = sum_to(where(_const(self.m_in), g, 0.0), s_in) if ng[0] else None
        glo = sum_to(where(_const(self.m_lo), g, 0.0), s_lo) if ng[1] else None
        ghi = sum_to(where(_const(self.m_hi), g, 0.0), s_hi) if ng[2] else None
        return ga, glo, ghi


def _clamp(input, min, max, out, scalar_name=None, tensor_name=None):
    if min is None and max is None:
        raise RuntimeError("clamp: At least one of 'min' or 'max' must not be None")
    t_lo, t_hi = isinstance(min, Tensor), isinstance(max, Tensor)
    if t_lo or t_hi:
        if (min is not None and not t_lo) or (max is not None and not t_hi):
            raise TypeError("clamp() received an invalid combination of arguments: min and max "
                            "must both be tensors or both be numbers")
        ops = promote(*(x for x in (input, min, max) if x is not None))
        if ops[0]._array.dtype.kind == "b":
            raise _not_implemented("clamp", ops[0]._array.dtype)
        a, lo, hi = ops[0], ops[1] if min is not None else None, ops[-1] if max is not None \
            else None
        fn = ClampTensor()
        if tensor_name:
            fn._backward_name = tensor_name
        return _finish(fn(a, lo, hi), out)
    dt = result_type(input, min, max).np
    if dt.kind == "b":
        raise _not_implemented("clamp_scalar", dt)
    a = cast(input, dt)
    kind = float if dt.kind == "f" else int
    fn = Clamp(None if min is None else kind(min), None if max is None else kind(max))
    if scalar_name:
        fn._backward_name = scalar_name
    return _finish(fn(a), out)


def clamp(input, min=None, max=None, *, out=None):
    """Clamp into ``[min, max]``; each bound optional, both numbers or both tensors.

    Examples
    --------
    >>> import netlab
    >>> netlab.clamp(netlab.tensor([-2.0, 0.5, 3.0]), min=0, max=1)
    tensor([0.0000, 0.5000, 1.0000])
    """
    return _clamp(input, min, max, out)


clip = clamp


def clamp_min(input, min):
    """``clamp(input, min=min)``.

    Examples
    --------
    >>> import netlab
    >>> netlab.clamp_min(netlab.tensor([-2.0, 3.0]), 0)
    tensor([0., 3.])
    """
    return _clamp(input, min, None, None, "ClampMinBackward0", "ClampMinBackward1")


def clamp_max(input, max):
    """``clamp(input, max=max)``.

    Examples
    --------
    >>> import netlab
    >>> netlab.clamp_max(netlab.tensor([-2.0, 3.0]), 0)
    tensor([-2.,  0.])
    """
    return _clamp(input, None, max, None, "ClampMaxBackward0", "ClampMaxBackward1")


# in-place forms -----------------------------------------------------------------------------

def _clamp_(self, min=None, max=None):
    if self._array.dtype.kind == "f" and not isinstance(min, Tensor) and \
            not isinstance(max, Tensor) and (min is not None or max is not None):
        return apply_inplace(self, lambda t, lo, hi: clamp(t, lo, hi), min, max, ufunc="clip")
    return apply_inplace(self, lambda t: clamp(t, min, max))


_UFUNCS = {"ceil": "ceil", "floor": "floor", "trunc": "trunc"}

for _name, _fn in (("ceil", ceil), ("floor", floor), ("round", round), ("trunc", trunc),
                   ("frac", frac), ("nan_to_num", nan_to_num)):
    setattr(Tensor, _name, _fn)
    setattr(Tensor, _name + "_", _inplace(_fn, _UFUNCS.get(_name)))
del _name, _fn

Tensor.fix, Tensor.fix_ = trunc, Tensor.trunc_
Tensor.clamp = Tensor.clip = clamp
Tensor.clamp_ = Tensor.clip_ = _clamp_
Tensor.clamp_min, Tensor.clamp_max = clamp_min, clamp_max
Tensor.clamp_min_ = lambda self, lo: apply_inplace(self, lambda t: clamp_min(t, lo))
Tensor.clamp_max_ = lambda self, hi: apply_inplace(self, lambda t: clamp_max(t, hi))
