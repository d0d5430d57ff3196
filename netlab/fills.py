"""In-place fills, Tensor methods that overwrite every element: ``fill_``, ``zero_`` and the
random fills ``uniform_ normal_ bernoulli_ random_ exponential_ log_normal_ cauchy_ geometric_``.

The old contents get a zero gradient (a 0-d tensor value of ``fill_`` gets the sum); the random
fills draw from the generators of random.py.
"""

from __future__ import annotations

import math

import numpy as np

from netlab import backend
from netlab._factory import CPP_NAMES, num_str
from netlab.autograd.grad_mode import is_grad_enabled
from netlab.autograd.node import Function
from netlab.dtypes import bool_
from netlab.ops._util import apply_inplace, cast, check_inplace
from netlab.random import (
    _C_NAMES,
    Generator,
    _bernoulli_array,
    _check_float,
    _check_int_range,
    _exponential,
    _fill_random,
    _normal,
    _rng,
    _uniform,
)
from netlab.tensor import Tensor

__all__: list[str] = []  # Tensor methods only, registered on import


# ---------------------------------------------------------------------------------------------
# fill_ / zero_


class Fill(Function):
    """Overwrite with a value; the old contents get a zero gradient, a tensor value the sum."""

    def __init__(self, name: str):
        self._backward_name = name

    def forward(self, old, value=None):
        xp = backend.get_array_module(old)
        out = xp.empty_like(old)
        out[...] = 0 if value is None else backend.to_device(value, backend.device_of(old))
        return out

    def backward(self, g):
        zero = Tensor._make(backend.get_array_module(g._array).zeros_like(g._array))
        if len(self.needs_input_grad) < 2 or not self.needs_input_grad[1]:
            return zero, None
        gv = g.sum()
        (value,) = self.value_meta
        if gv._array.dtype != value[0]:
            gv = cast(gv, value[0])
        if gv.device != value[1]:
            gv = gv.to(value[1])
        return zero, gv


def _fill(self: Tensor, value, name: str) -> Tensor:
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                           f"{value.ndim} dimensions.")
    check_inplace(self)
    grad_value = isinstance(value, Tensor) and value.requires_grad
    if not (is_grad_enabled() and (self._requires_grad or grad_value)):
        v = 0 if value is None else value
        if isinstance(v, Tensor):
            v = backend.to_device(v._array, self.device)
        self._array[...] = v
        self._version_counter.value += 1
        return self
    node = Fill(name)
    if isinstance(value, Tensor):
        node.value_meta = ((value._array.dtype, value.device),)
        return apply_inplace(self, node, value)
    return apply_inplace(self, lambda old: node(old, value))


def fill_(self: Tensor, value) -> Tensor:
    """Fill this tensor in place with ``value`` (a number or a 0-d tensor), cast to its dtype.

    Examples
    --------
    >>> import netlab
    >>> netlab.zeros(2).fill_(3)
    tensor([3., 3.])
    """
    is_tensor = isinstance(value, Tensor)
    return _fill(self, value, "FillBackward3" if is_tensor else "FillBackward2")


def zero_(self: Tensor) -> Tensor:
    """Fill this tensor with zeros in place.

    Examples
    --------
    >>> import netlab
    >>> netlab.ones(2).zero_()
    tensor([0., 0.])
    """
    return _fill(self, None, "ZeroBackward0")


# ---------------------------------------------------------------------------------------------
# random fills


def uniform_(self: Tensor, from_: float = 0.0, to: float = 1.0, *,
             generator: Generator | None = None) -> Tensor:
    """Fill with U[from_, to) samples in place.

    Examples
    --------
    >>> import netlab
    >>> bool(netlab.empty(5).uniform_(2, 3).numpy().min() >= 2)
    True
    """
    _check_float(self.dtype, "check_uniform_bounds")
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={num_str(from_)} > to={num_str(to)}")
    npdt = self._array.dtype
    u = _uniform(_rng(generator), self.shape, npdt)
    return _fill_random(self, u * npdt.type(to - from_) + npdt.type(from_), "UniformBackward0")


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *,
            generator: Generator | None = None) -> Tensor:
    """Fill with N(mean, std**2) samples in place.

    Examples
    --------
    >>> import netlab
    >>> netlab.empty(2, 3).normal_(0, 0.1).shape
    netlab.Size([2, 3])
    """
    _check_float(self.dtype, "normal_kernel_cpu")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {num_str(std)}")
    npdt = self._array.dtype
    arr = _normal(_rng(generator), self.shape, npdt) * npdt.type(std) + npdt.type(mean)
    return _fill_random(self, arr, "NormalBackward0")


def bernoulli_(self: Tensor, p=0.5, *, generator: Generator | None = None) -> Tensor:
    """Fill with 0/1 samples (1 with probability ``p``, a float or a broadcastable tensor).

    Examples
    --------
    >>> import netlab
    >>> netlab.empty(3).bernoulli_(1.0)
    tensor([1., 1., 1.])
    """
    name = "BernoulliBackward1" if isinstance(p, Tensor) else "BernoulliBackward2"
    return _fill_random(self, _bernoulli_array(generator, self.shape, p), name)


def _max_random(dt) -> int:
    """The largest value ``random_()`` draws: 2**mantissa for floats, the maximum for ints."""
    if dt.category == 2:
        return 2 ** (np.finfo(dt.np).nmant + 1)
    return 1 if dt is bool_ else int(np.iinfo(dt.np).max)


def random_(self: Tensor, *args, generator: Generator | None = None, **kwargs) -> Tensor:
    """Fill with integers: ``random_()`` over [0, 2**mantissa] (floats) or [0, max] (ints),
    ``random_(to)`` over [0, to), ``random_(from, to)`` over [from, to).

    Examples
    --------
    >>> import netlab
    >>> bool(netlab.empty(4, dtype=netlab.int64).random_(3).numpy().max() < 3)
    True
    """
    lo = kwargs.pop("from", kwargs.pop("from_", None))
    hi = kwargs.pop("to", None)
    if kwargs:
        raise TypeError(f"random_() got unexpected keyword arguments {sorted(kwargs)}")
    if len(args) == 2:
        lo, hi = args
    elif len(args) == 1:  # random_(to), or random_(from, to=...)
        if hi is None:
            hi = args[0]
        else:
            lo = args[0]
    dt = self.dtype
    if lo is None and hi is None:
        name, lo, top = "RandomBackward2", 0, _max_random(dt)
    elif lo is None:
        name, lo = "RandomBackward1", 0
        _check_int_range(lo, int(hi), dt)
        top = int(hi) - 1
    else:
        name, lo = "RandomBackward0", int(lo)
        if hi is None:
            top = _max_random(dt)
            _check_int_range(lo, top + 1, dt)
        else:
            _check_int_range(lo, int(hi), dt)
            top = int(hi) - 1
    arr = _rng(generator).integers(lo, top, self.shape, dtype=np.int64, endpoint=True)
    return _fill_random(self, arr, name)


def exponential_(self: Tensor, lambd: float = 1.0, *,
                 generator: Generator | None = None) -> Tensor:
    """Fill with Exp(lambd) samples in place.

    Examples
    --------
    >>> import netlab
    >>> bool(netlab.empty(5).exponential_().numpy().min() >= 0)
    True
    """
    dt = self.dtype
    if dt.category != 2:
        raise RuntimeError(f"Exponential distribution is a continuous probability distribution. "
                           f"dtype must be a floating point but you specified "
                           f"{CPP_NAMES[dt.name]}")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={num_str(lambd)}")
    arr = _exponential(_rng(generator), self.shape, dt.np) / dt.np.type(lambd)
    return _fill_random(self, arr, "ExponentialBackward0")


def log_normal_(self: Tensor, mean: float = 1.0, std: float = 2.0, *,
                generator: Generator | None = None) -> Tensor:
    """Fill with ``exp(N(mean, std**2))`` samples in place.

    Examples
    --------
    >>> import netlab
    >>> bool(netlab.empty(5).log_normal_().numpy().min() > 0)
    True
    """
    _check_float(self.dtype, "log_normal_cpu")
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={num_str(std)}")
    arr = np.exp(_normal(_rng(generator), self.shape, np.float64) * std + mean)
    return _fill_random(self, arr, "LogNormalBackward0")


def cauchy_(self: Tensor, median: float = 0.0, sigma: float = 1.0, *,
            generator: Generator | None = None) -> Tensor:
    """Fill with Cauchy(median, sigma) samples in place.

    Examples
    --------
    >>> import netlab
    >>> netlab.empty(3).cauchy_().shape
    netlab.Size([3])
    """
    dt = self.dtype
    if dt.category != 2:
        raise RuntimeError(f"Cauchy distribution is a continuous probability distribution. "
                           f"dtype must be a floating point but you specified "
                           f"{_C_NAMES.get(dt.name, dt.name)}")
    u = _rng(generator).random(self.shape)
    arr = median + sigma * np.tan(math.pi * (u - 0.5))
    return _fill_random(self, arr, "CauchyBackward0")


def geometric_(self: Tensor, p: float, *, generator: Generator | None = None) -> Tensor:
    """Fill with the number of Bernoulli(p) trials up to the first success (>= 1).

    Examples
    --------
    >>> import netlab
    >>> bool(netlab.empty(4).geometric_(0.5).numpy().min() >= 1)
    True
    """
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={num_str(p)}")
    arr = _rng(generator).geometric(p, self.shape)
    return _fill_random(self, arr, "GeometricBackward0")


Tensor.fill_ = fill_
Tensor.zero_ = zero_
Tensor.uniform_ = uniform_
Tensor.normal_ = normal_
Tensor.bernoulli_ = bernoulli_
Tensor.random_ = random_
Tensor.exponential_ = exponential_
Tensor.log_normal_ = log_normal_
Tensor.cauchy_ = cauchy_
Tensor.geometric_ = geometric_
