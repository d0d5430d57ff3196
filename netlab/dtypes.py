"""Tensor dtypes, the default dtype and PyTorch's type-promotion rules."""

from __future__ import annotations

import numpy as np


class dtype:
    """A tensor element type, e.g. ``netlab.float32``; ``.np`` is the numpy dtype."""

    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize", "category")

    def __init__(self, name: str, np_dtype, category: int):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.category = category  # 0 bool, 1 integer, 2 floating point
        self.is_floating_point = category == 2
        self.is_signed = self.np.kind in "if"
        self.itemsize = self.np.itemsize

    def __repr__(self):
        return f"netlab.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))

    @property
    def is_complex(self) -> bool:
        return False

    def to_real(self):
        return self


bool_ = dtype("bool", np.bool_, 0)
uint8 = dtype("uint8", np.uint8, 1)
int8 = dtype("int8", np.int8, 1)
int16 = dtype("int16", np.int16, 1)
int32 = dtype("int32", np.int32, 1)
int64 = dtype("int64", np.int64, 1)
float16 = dtype("float16", np.float16, 2)
float32 = dtype("float32", np.float32, 2)
float64 = dtype("float64", np.float64, 2)

ALL = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
_FROM_NP = {d.np: d for d in ALL}
_NAMES = {d.name: d for d in ALL}
_NAMES.update(float=float32, double=float64, half=float16, long=int64, int=int32, short=int16)

# legacy type strings, as returned by Tensor.type()
TYPE_NAMES = {
    float32: "FloatTensor", float64: "DoubleTensor", float16: "HalfTensor", int64: "LongTensor",
    int32: "IntTensor", int16: "ShortTensor", int8: "CharTensor", uint8: "ByteTensor",
    bool_: "BoolTensor",
}

_default = float32


def _by_name(name: str) -> dtype:
    return _NAMES[name]


def get_default_dtype() -> dtype:
    """The dtype of floating-point tensors created without ``dtype=`` (float32 unless changed)."""
    return _default


def set_default_dtype(d: dtype) -> None:
    """Set the default floating-point dtype (float32 or float64, as in PyTorch).

    Examples
    --------
    >>> set_default_dtype(float64); set_default_dtype(float32)
    """
    global _default
    d = as_dtype(d)
    if d not in (float16, float32, float64):
        raise TypeError("only floating-point types are supported as the default type")
    _default = d


def as_dtype(d) -> dtype:
    """Accept a netlab dtype, a numpy dtype, a Python type or a name."""
    if isinstance(d, dtype):
        return d
    if d is float:
        return _default
    if d is int:
        return int64
    if d is bool:
        return bool_
    if isinstance(d, str):
        name = d.removeprefix("netlab.").removeprefix("torch.")
        if name in _NAMES:
            return _NAMES[name]
        raise TypeError(f"unknown dtype name {d!r}")
    try:
        return _FROM_NP[np.dtype(d)]
    except (TypeError, KeyError):
        raise TypeError(f"netlab does not support dtype {d!r}") from None


def from_numpy_dtype(npd) -> dtype:
    try:
        return _FROM_NP[npd]
    except KeyError:
        raise TypeError(
            f"can't convert np.ndarray of type {npd}. The only supported types are: float64, "
            "float32, float16, int64, int32, int16, int8, uint8, and bool.") from None


def promote_types(a: dtype, b: dtype) -> dtype:
    """PyTorch's promotion of two tensor dtypes (the higher category wins outright)."""
    if a is b:
        return a
    if a.category != b.category:
        return a if a.category > b.category else b
    return _FROM_NP[np.promote_types(a.np, b.np)]


def result_type(*operands) -> dtype:
    """The dtype of an op on tensors and Python scalars, by PyTorch's three-tier rule.

    Dimensioned tensors outrank 0-d tensors, which outrank Python scalars; a lower tier only
    matters when its category (bool < integer < floating) is higher.
    """
    from netlab.tensor import Tensor

    dim = zero = None
    scalar_cat = -1
    for op in operands:
        if isinstance(op, Tensor):
            d = op.dtype
            if op._array.ndim:
                dim = d if dim is None else promote_types(dim, d)
            else:
                zero = d if zero is None else promote_types(zero, d)
        elif isinstance(op, bool):
            scalar_cat = max(scalar_cat, 0)
        elif isinstance(op, (int, np.integer)):
            scalar_cat = max(scalar_cat, 1)
        elif isinstance(op, (float, np.floating)):
            scalar_cat = max(scalar_cat, 2)
        elif op is not None:
            raise TypeError(f"unsupported operand type {type(op).__name__}")
    res = dim
    if zero is not None and (res is None or zero.category > res.category):
        res = zero
    if scalar_cat > (res.category if res is not None else -1):
        res = (bool_, int64, _default)[scalar_cat]
    return res
