"""Reductions: sum mean prod std var logsumexp nansum nanmean count_nonzero, and the helpers
the other reduction modules share (norms, cumulative, selection, sorting).

Every reduction takes ``dim`` (an int, or a tuple where PyTorch takes one; ``None`` and ``()``
mean all dims) and ``keepdim``. Backward passes are written with Tensor ops, so double backward
works.
"""

# ruff: noqa: A001, A002 - PyTorch's parameter and function names (input, sum, ...)
from __future__ import annotations

import builtins
import math
import warnings

import numpy as np

from netlab.autograd.node import Function
from netlab.backend import get_array_module
from netlab.dtypes import as_dtype, get_default_dtype
from netlab.ops._util import cast, wrap_dim, write_out
from netlab.tensor import Tensor

__all__ = ["sum", "mean", "prod", "std", "var", "std_mean", "var_mean", "logsumexp",
           "count_nonzero", "nansum", "nanmean"]


_TORCH_NAMES = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short",
                "int32": "Int", "int64": "Long", "float16": "Half", "float32": "Float",
                "float64": "Double"}


# helpers ------------------------------------------------------------------------------------

def _type_name(t: Tensor) -> str:
    return _TORCH_NAMES[t.dtype.name]


def _axes(dim, ndim: int) -> tuple:
    """``dim`` as sorted non-negative axes; ``None`` and ``()`` mean all (none for 0-d)."""
    if dim is None:
        return tuple(range(ndim))
    dims = [dim] if isinstance(dim, (int, np.integer)) else list(dim)
    if not dims:
        return tuple(range(ndim))
    seen = []
    for d in dims:
        w = wrap_dim(int(d), ndim)
        if w in seen:
            raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
        seen.append(w)
    return tuple(sorted(seen)) if ndim else ()


def _count(shape, axes) -> int:
    return math.prod(shape[ax] for ax in axes)


def _unreduce(t, shape, axes, keepdim):
    """A reduced tensor or array reshaped to broadcast against the input's ``shape``."""
    if keepdim or not axes:
        return t
    return t.reshape([1 if i in axes else s for i, s in enumerate(shape)])


def _grad_to_input(g, shape, axes, keepdim):
    """Broadcast a reduced gradient back over the reduced axes."""
    return _unreduce(g, shape, axes, keepdim).expand(shape)


def _const(arr) -> Tensor:
    return Tensor._make(arr)


def _acc_dtype(a):
    """Accumulate float16 in float32, as PyTorch does on the CPU."""
    return np.float32 if a.dtype == np.float16 else None


def _check_float(input: Tensor, msg: str) -> None:
    if input._array.dtype.kind != "f":
        raise RuntimeError(msg.format(_type_name(input)))


def _check_reducible(name, shape, axes, dim_given) -> None:
    if not dim_given and math.prod(shape) == 0:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for "
                           "input.numel() == 0. Specify the reduction dim with the 'dim' argument.")
    for ax in axes:
        if shape[ax] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {ax} to have non-zero size.")


def _out(res, out):
    if out is None:
        return res
    if isinstance(res, tuple):
        for o, r in zip(out, res):
            write_out(o, r)
        return type(res)(*out)
    return write_out(out, res)


def _no_tuple_dim(name, dim):
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{name}(): argument 'dim' must be int, not {type(dim).__name__}")


# sum, mean, prod ----------------------------------------------------------------------------

class Sum(Function):
    def __init__(self, axes, keepdim, np_dtype=None):
        self.axes, self.keepdim, self.np_dtype = axes, keepdim, np_dtype

    def forward(self, a):
        self.in_shape, self.in_dtype = a.shape, a.dtype
        dt = self.np_dtype
        if dt is None and a.dtype.kind in "biu":
            dt = np.int64
        xp = get_array_module(a)
        acc = _acc_dtype(a) if dt is None else None
        y = xp.sum(a, axis=self.axes, keepdims=self.keepdim, dtype=acc or dt)
        return xp.asarray(y, dtype=a.dtype if acc else None)

    def backward(self, g):
        return cast(_grad_to_input(g, self.in_shape, self.axes, self.keepdim), self.in_dtype)


class Mean(Function):
    def __init__(self, axes, keepdim, np_dtype=None):
        self.axes, self.keepdim, self.np_dtype = axes, keepdim, np_dtype

    def forward(self, a):
        self.in_shape, self.in_dtype = a.shape, a.dtype
        self.n = _count(a.shape, self.axes)
        xp = get_array_module(a)
        dt = self.np_dtype or a.dtype
        with np.errstate(all="ignore"):  # the mean of nothing is nan, quietly
            s = xp.sum(a, axis=self.axes, keepdims=self.keepdim, dtype=_acc_dtype(a) or dt)
            return xp.asarray(s / self.n if self.n else s * np.nan, dtype=dt)

    def backward(self, g):
        g = _grad_to_input(g / self.n, self.in_shape, self.axes, self.keepdim)
        return cast(g, self.in_dtype)


class Prod(Function):
    def __init__(self, axes, keepdim, np_dtype=None):
        self.axes, self.keepdim, self.np_dtype = axes, keepdim, np_dtype

    def forward(self, a):
        self.in_shape = a.shape
        dt = self.np_dtype
        if dt is None and a.dtype.kind in "biu":
            dt = np.int64
        xp = get_array_module(a)
        y = xp.asarray(xp.prod(a, axis=self.axes, keepdims=self.keepdim, dtype=dt))
        self.save_for_backward(a, y)
        return y

    def backward(self, g):
        x, y = self.saved_tensors
        g = _unreduce(g, self.in_shape, self.axes, self.keepdim)
        y = _unreduce(y, self.in_shape, self.axes, self.keepdim)
        return cast(g * _prod_others(x, y, self.axes), x._array.dtype)


def _prod_others(x: Tensor, y: Tensor, axes) -> Tensor:
    """d prod / d x_i: the product of the other elements of x_i's slice, exact with zeros.

    Without zeros it is ``y / x``. With zeros, let A be the product of the slice's non-zero
    elements and z_i mark the zeros. Then ``prod_{j != i} x_j = A / x_i * B_i`` where B_i is
    the product of the zeros other than x_i, written below so that its value and its first
    derivative are exact (so double backward is exact too): B = 1 for slices without zeros,
    z + (1 - z) * x_k for a single zero x_k, z * x_other for two zeros, and 0 for more.
    """
    xa = x._array
    xp = get_array_module(xa)
    z = xa == 0
    if not z.any():
        return y / x
    dt = xa.dtype
    cnt = xp.sum(z, axis=axes, keepdims=True)
    zf, nz = z.astype(dt), (~z).astype(dt)
    c1, c2 = (cnt == 1).astype(dt), (cnt == 2).astype(dt)
    x_nz = x * _const(nz) + _const(zf)  # zeros replaced by ones
    a = _prod_keep(x_nz, axes)
    s1 = sum_(x * _const(zf), axes, keepdim=True)  # the sum of the zeros (their values: 0)
    b = _const((cnt == 0).astype(dt) + c1 * zf) + s1 * _const(c1 * nz) + \
        (s1 - x) * _const(c2 * zf)
    return a / x_nz * b


def _prod_keep(x: Tensor, axes) -> Tensor:
    fn = Prod(axes, True)
    fn._backward_name = "ProdBackward1"
    return fn(x)


def sum_(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Sum over ``dim`` (all dims when None); bool and integer inputs sum as int64.

    Examples
    --------
    >>> import netlab
    >>> netlab.ones(2, 3).sum(1)
    tensor([3., 3.])
    """
    axes = _axes(dim, input._array.ndim)
    fn = Sum(axes, keepdim, None if dtype is None else as_dtype(dtype).np)
    if dim is not None:
        fn._backward_name = "SumBackward1"
    return _out(fn(input), out)


def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Arithmetic mean over ``dim``; floating-point inputs only (or pass ``dtype``).

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([[1., 2.], [3., 4.]]).mean(0)
    tensor([2., 3.])
    """
    if dtype is None and input._array.dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {_type_name(input)}")
    axes = _axes(dim, input._array.ndim)
    fn = Mean(axes, keepdim, None if dtype is None else as_dtype(dtype).np)
    if dim is not None:
        fn._backward_name = "MeanBackward1"
    return _out(fn(input), out)


def prod(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Product of all elements, or along one ``dim``; bool and integers give int64.

    The gradient is exact when the input holds zeros (also for double backward).

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([[1., 2.], [3., 4.]]).prod(1)
    tensor([ 2., 12.])
    """
    if dim is not None:
        _no_tuple_dim("prod", dim)
    axes = _axes(dim, input._array.ndim)
    fn = Prod(axes, keepdim and dim is not None, None if dtype is None else as_dtype(dtype).np)
    if dim is not None:
        fn._backward_name = "ProdBackward1"
    return _out(fn(input), out)


# std, var -----------------------------------------------------------------------------------

class Moments(Function):
    """Variance or standard deviation, optionally with the mean as a second output."""

    def __init__(self, axes, correction, keepdim, take_sqrt, with_mean):
        self.axes, self.correction, self.keepdim = axes, correction, keepdim
        self._op = ("std" if take_sqrt else "var") + ("_mean" if with_mean else "")
        self.take_sqrt, self.with_mean = take_sqrt, with_mean
        self._backward_name = ("Std" if take_sqrt else "Var") + ("Mean" if with_mean else "") + \
            "Backward0"

    def forward(self, a):
        xp = get_array_module(a)
        self.in_shape = a.shape
        n = self.n = _count(a.shape, self.axes)
        w = a.astype(np.float32) if a.dtype == np.float16 else a
        with np.errstate(all="ignore"):
            m = xp.sum(w, axis=self.axes, keepdims=True) / n  # 0 / 0: nan for empty slices
            d = w - m
            v = xp.sum(d * d, axis=self.axes, keepdims=self.keepdim) / builtins.max(
                0, n - self.correction)
            y = xp.asarray(xp.sqrt(v) if self.take_sqrt else v, dtype=a.dtype)
        if n - self.correction <= 0:
            warnings.warn(f"{self._op}(): degrees of freedom is <= 0. Correction should be "
                          "strictly less than the reduction factor (input numel divided by "
                          "output numel).", UserWarning, stacklevel=4)
        self.save_for_backward(a, y if self.take_sqrt else None)
        if not self.with_mean:
            return y
        m = m if self.keepdim else m.reshape(y.shape)
        return y, xp.asarray(m, dtype=a.dtype)

    def backward(self, g, gm=None):
        x, y = self.saved_tensors
        shape, axes, kd = self.in_shape, self.axes, self.keepdim
        g = _unreduce(g, shape, axes, kd)
        if self.take_sqrt:
            y = _unreduce(y, shape, axes, kd)
            zero = (y._array == 0).astype(y._array.dtype)  # zero deviation: gradient 0
            g = g / (y * 2 + _const(zero)) * _const(1 - zero)
        dof = self.n - self.correction
        scale = 2.0 / dof if dof else math.inf
        res = g * (x - mean(x, axes, keepdim=True)) * scale
        if gm is not None:
            res = res + _unreduce(gm, shape, axes, kd) / self.n
        return res


def _var_args(name, input, dim, unbiased, correction):
    if isinstance(dim, bool):  # std(x, False): the legacy positional ``unbiased``
        unbiased, dim = dim, None
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got both "
                        "'unbiased' and 'correction'")
    if correction is None:
        correction = 0 if unbiased is False else 1
    if input._array.dtype.kind != "f":
        what = "std and var" if name in ("std", "var") else name
        raise RuntimeError(f"{what} only support floating point and complex dtypes")
    return _axes(dim, input._array.ndim), correction


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Variance over ``dim``, dividing by ``N - correction`` (``correction=1`` by default;
    ``unbiased=False`` means ``correction=0``).

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([1., 2., 3., 4.]).var()
    tensor(1.6667)
    """
    axes, c = _var_args("var", input, dim, unbiased, correction)
    return _out(Moments(axes, c, keepdim, False, False)(input), out)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Standard deviation over ``dim`` (see :func:`var` for ``correction``/``unbiased``).

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([1., 2., 3., 4.]).std(correction=0)
    tensor(1.1180)
    """
    axes, c = _var_args("std", input, dim, unbiased, correction)
    return _out(Moments(axes, c, keepdim, True, False)(input), out)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(var, mean)`` over ``dim`` in one pass.

    Examples
    --------
    >>> import netlab
    >>> netlab.var_mean(netlab.tensor([1., 3.]))
    (tensor(2.), tensor(2.))
    """
    axes, c = _var_args("var_mean", input, dim, unbiased, correction)
    return Moments(axes, c, keepdim, False, True)(input)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(std, mean)`` over ``dim`` in one pass.

    Examples
    --------
    >>> import netlab
    >>> netlab.std_mean(netlab.tensor([1., 3.]))
    (tensor(1.4142), tensor(2.))
    """
    axes, c = _var_args("std_mean", input, dim, unbiased, correction)
    return Moments(axes, c, keepdim, True, True)(input)


# logsumexp, nansum, nanmean, count_nonzero -------------------------------------------------

class LogSumExp(Function):
    _backward_name = "LogsumexpBackward0"

    def __init__(self, axes, keepdim):
        self.axes, self.keepdim = axes, keepdim

    def forward(self, a):
        xp = get_array_module(a)
        self.in_shape = a.shape
        w = a.astype(np.float32) if a.dtype == np.float16 else a
        kshape = [1 if i in self.axes else s for i, s in enumerate(a.shape)]
        with np.errstate(all="ignore"):
            m = xp.amax(w, axis=self.axes, keepdims=True) if a.size else \
                xp.zeros(kshape, dtype=w.dtype)
            m = xp.where(xp.isinf(m), 0, m)  # an infinite max would give inf - inf = nan
            y = xp.log(xp.sum(xp.exp(w - m), axis=self.axes, keepdims=True)) + m
        y = xp.asarray(y if self.keepdim else y.reshape([s for i, s in enumerate(a.shape)
                                                         if i not in self.axes]), dtype=a.dtype)
        self.save_for_backward(a, y)
        return y

    def backward(self, g):
        from netlab.ops.unary import exp

        x, y = self.saved_tensors
        shape, axes, kd = self.in_shape, self.axes, self.keepdim
        return _unreduce(g, shape, axes, kd) * exp(x - _unreduce(y, shape, axes, kd))


def logsumexp(input, dim, keepdim=False, *, out=None):
    """``log(sum(exp(input)))`` over ``dim``, computed stably (shifted by the maximum).

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([1000., 1000.]).logsumexp(0)
    tensor(1000.6932)
    """
    if input._array.dtype.kind != "f":
        input = cast(input, get_default_dtype().np)
    axes = _axes(dim, input._array.ndim)
    return _out(LogSumExp(axes, keepdim)(input), out)


class Nansum(Function):
    def __init__(self, axes, keepdim, np_dtype):
        self.axes, self.keepdim, self.np_dtype = axes, keepdim, np_dtype

    def forward(self, a):
        xp = get_array_module(a)
        dt = self.np_dtype or (np.int64 if a.dtype.kind in "biu" else None)
        if self.needs_input_grad:
            self.mask = (~xp.isnan(a)).astype(a.dtype)
        return xp.asarray(xp.nansum(a, axis=self.axes, keepdims=self.keepdim, dtype=dt))

    def backward(self, g):
        mask = self.mask
        return cast(_unreduce(g, mask.shape, self.axes, self.keepdim), mask.dtype) * _const(mask)


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum treating nan as zero.

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([1., float('nan'), 2.]).nansum()
    tensor(3.)
    """
    axes = _axes(dim, input._array.ndim)
    return Nansum(axes, keepdim, None if dtype is None else as_dtype(dtype).np)(input)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean of the non-nan elements (nan where there are none).

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([1., float('nan'), 2.]).nanmean()
    tensor(1.5000)
    """
    if dtype is not None:
        input = cast(input, as_dtype(dtype).np)
    _check_float(input, "nanmean(): expected input to have floating point or complex dtype but "
                        "got {}")
    xp = get_array_module(input._array)
    axes = _axes(dim, input._array.ndim)
    n = xp.sum(~xp.isnan(input._array), axis=axes, keepdims=keepdim, dtype=input._array.dtype)
    return nansum(input, dim, keepdim) / _const(xp.asarray(n))


def count_nonzero(input, dim=None):
    """Number of non-zero elements over ``dim`` (int or tuple; all when None), as int64.

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([[0, 1], [2, 3]]).count_nonzero(0)
    tensor([1, 2])
    """
    a = input._array
    xp = get_array_module(a)
    axes = _axes(dim, a.ndim)
    return Tensor._make(xp.asarray(xp.sum(a != 0, axis=axes, dtype=np.int64)))


sum = sum_  # the public name follows PyTorch

Tensor.sum, Tensor.mean, Tensor.prod = sum_, mean, prod
Tensor.std, Tensor.var = std, var
Tensor.logsumexp, Tensor.nansum, Tensor.nanmean = logsumexp, nansum, nanmean
Tensor.count_nonzero = count_nonzero
