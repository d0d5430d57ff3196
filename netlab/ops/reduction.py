"""Reductions: sum mean prod std var norm max min median mode logsumexp cumsum sort topk ...

Every reduction takes ``dim`` (an int, or a tuple where PyTorch takes one; ``None`` and ``()``
mean all dims) and ``keepdim``. Backward passes are written with Tensor ops, so double backward
works. Ops that pick elements (max with dim, median, sort, topk...) send the gradient back to
the picked positions through the private pair ``_Take``/``_Spread``, each the other's backward.
"""

# ruff: noqa: A001, A002 - PyTorch's parameter and function names (input, sorted, max, ...)
from __future__ import annotations

import builtins
import math
import warnings
from collections import namedtuple

import numpy as np

from netlab import backend
from netlab.autograd.node import Function
from netlab.backend import get_array_module
from netlab.dtypes import as_dtype, get_default_dtype
from netlab.ops._util import (
    apply_inplace,
    cast,
    check_broadcast,
    promote2,
    sum_to,
    wrap_dim,
    write_out,
)
from netlab.tensor import Tensor

__all__ = ["sum", "mean", "prod", "std", "var", "std_mean", "var_mean", "norm", "dist", "max",
           "min", "amax", "amin", "argmax", "argmin", "median", "kthvalue", "mode", "logsumexp",
           "cumsum", "cumprod", "topk", "sort", "argsort", "msort", "unique", "count_nonzero",
           "nansum", "nanmean", "return_types"]

_TORCH_NAMES = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short",
                "int32": "Int", "int64": "Long", "float16": "Half", "float32": "Float",
                "float64": "Double"}


# named results ------------------------------------------------------------------------------

def _return_type(name, fields=("values", "indices")):
    base = namedtuple(name, fields)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self))
        return f"netlab.return_types.{name}(\n{body})"

    return type(name, (base,), {"__slots__": (), "__repr__": __repr__, "__module__": __name__,
                                "__qualname__": f"return_types.{name}"})


class return_types:  # mirrors torch.return_types
    """Tuple results with named fields, as ``torch.return_types`` (``r.values``, ``r[1]``)."""

    max = _return_type("max")
    min = _return_type("min")
    median = _return_type("median")
    kthvalue = _return_type("kthvalue")
    mode = _return_type("mode")
    topk = _return_type("topk")
    sort = _return_type("sort")


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


# norm, dist ---------------------------------------------------------------------------------

def _norm_raw(xp, a, p, axes, keepdim):
    w = a.astype(np.float32) if a.dtype == np.float16 else a
    with np.errstate(all="ignore"):
        if p == 2:
            y = xp.sqrt(xp.sum(w * w, axis=axes, keepdims=keepdim))
        elif p == math.inf:
            y = xp.amax(xp.abs(w), axis=axes, keepdims=keepdim)
        elif p == -math.inf:
            y = xp.amin(xp.abs(w), axis=axes, keepdims=keepdim)
        elif p == 0:
            y = xp.sum(w != 0, axis=axes, keepdims=keepdim, dtype=w.dtype)
        elif p == 1:
            y = xp.sum(xp.abs(w), axis=axes, keepdims=keepdim)
        else:
            y = xp.sum(xp.abs(w) ** p, axis=axes, keepdims=keepdim) ** (1.0 / p)
    return xp.asarray(y, dtype=a.dtype)


def _check_inf_norm(p, shape, axes, dim_given):
    if not math.isinf(p):
        return
    which = "inf" if p > 0 else "-inf"
    if math.prod(shape) == 0 and not dim_given:
        raise RuntimeError(f"linalg.vector_norm cannot compute the {which} norm on an empty "
                           "tensor because the operation does not have an identity")
    for ax in axes:
        if shape[ax] == 0:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {which} norm on the "
                               f"dimension {ax}because this dimension is empty and the "
                               "operation does not have an identity")


def _norm_backward(g, x: Tensor, y: Tensor, p, axes):
    """PyTorch's vector-norm gradient; ``g`` and ``y`` broadcast against ``x``."""
    xa = x._array
    xp = get_array_module(xa)
    if p == 0:
        return None
    sgn = ((xa > 0).astype(xa.dtype) - (xa < 0))  # PyTorch's sign: 0 at nan
    if p == 1:
        return g * _const(sgn)
    if math.isinf(p):  # amax/amin of |x|: split evenly among ties, nan counts as a tie
        ab = xp.abs(xa)
        mask = (ab == y._array) | xp.isnan(ab)
        with np.errstate(all="ignore"):
            w = sgn * mask / xp.sum(mask, axis=axes, keepdims=True)
        return g * _const(w.astype(xa.dtype))
    zy = (y._array == 0).astype(xa.dtype)
    if p == 2:
        return g * (x / (y + _const(zy))) * _const(1 - zy)
    absx = x * _const(sgn)  # |x| with PyTorch's derivative sign(x) (0 at 0)
    if p < 1:
        zx = (xa == 0).astype(xa.dtype)
        scaled = _const(sgn) * (absx + _const(zx)) ** (p - 1) * _const(1 - zx)
        return scaled * g * y ** (1 - p)
    scaled = _const(sgn) * absx ** (p - 1) if p < 2 else x * absx ** (p - 2)
    return scaled * (g / (y + _const(zy)) ** (p - 1) * _const(1 - zy))


class VectorNorm(Function):
    _backward_name = "LinalgVectorNormBackward0"

    def __init__(self, p, axes, keepdim):
        self.p, self.axes, self.keepdim = p, axes, keepdim

    def forward(self, a):
        self.in_shape = a.shape
        y = _norm_raw(get_array_module(a), a, self.p, self.axes, self.keepdim)
        self.save_for_backward(a, y)
        return y

    def backward(self, g):
        x, y = self.saved_tensors
        shape, axes, kd = self.in_shape, self.axes, self.keepdim
        return _norm_backward(_unreduce(g, shape, axes, kd), x, _unreduce(y, shape, axes, kd),
                              self.p, axes)


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """Vector norm over ``dim`` (all elements when None): p = 2 / 'fro', 1, inf, -inf, 0 or
    any other number; 'nuc' is the nuclear norm of the matrices over two dims.

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([3., 4.]).norm()
    tensor(5.)
    """
    if dtype is not None:
        input = cast(input, as_dtype(dtype).np)
    ndim = input._array.ndim
    if isinstance(p, str):
        if p not in ("fro", "nuc"):
            raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
        dims = tuple(range(ndim)) if dim is None else (dim,) if isinstance(dim, int) else \
            tuple(dim)
        if (p == "nuc" and len(dims) != 2) or (dim is not None and len(dims) > 2):
            raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got " +
                               " ".join(str(d) for d in dims))
        if p == "nuc":
            return _out(_nuclear_norm(input, dims, keepdim), out)
        p = 2
    elif p is None:
        p = 2
    if input._array.dtype.kind != "f":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {_type_name(input)}")
    axes = _axes(dim, ndim)
    p = float(p)
    _check_inf_norm(p, input._array.shape, axes, dim is not None and axes != ())
    return _out(VectorNorm(p, axes, keepdim)(input), out)


def _nuclear_norm(input, dims, keepdim):
    """The sum of the singular values of the matrices spanned by ``dims``."""
    from netlab import linalg

    ndim, shape = input._array.ndim, input._array.shape
    d0, d1 = wrap_dim(dims[0], ndim), wrap_dim(dims[1], ndim)
    if (d0, d1) != (ndim - 2, ndim - 1):
        input = input.permute(*[i for i in range(ndim) if i not in (d0, d1)], d0, d1)
    y = sum_(linalg.svdvals(input), -1)
    if keepdim:
        y = y.reshape([1 if i in (d0, d1) else s for i, s in enumerate(shape)])
    return y


class Dist(Function):
    def __init__(self, p):
        self.p = p

    def forward(self, a, b):
        self.sa, self.sb = a.shape, b.shape
        xp = get_array_module(a)
        d = a - b
        _check_inf_norm(self.p, d.shape, (), False)
        y = _norm_raw(xp, d, self.p, None, False)
        self.save_for_backward(a, b, y)
        return y

    def backward(self, g):
        a, b, y = self.saved_tensors
        d = a - b
        gd = _norm_backward(g, d, y, self.p, tuple(range(d.ndim)))
        if gd is None:
            return None, None
        ng = self.needs_input_grad
        return (sum_to(gd, self.sa) if ng[0] else None,
                sum_to(-gd, self.sb) if ng[1] else None)


def dist(input, other, p=2):
    """The p-norm of ``input - other`` (broadcast).

    Examples
    --------
    >>> import netlab
    >>> netlab.dist(netlab.tensor([1., 1.]), netlab.tensor([4., 5.]))
    tensor(5.)
    """
    if input._array.dtype.kind == "b" and isinstance(other, Tensor) and \
            other._array.dtype.kind == "b":  # dist subtracts first, as PyTorch
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    a, b = promote2(input, other)
    if a._array.dtype.kind != "f":
        raise RuntimeError("norm(): input dtype should be either floating point or complex. "
                           f"Got {_type_name(a)} instead.")
    check_broadcast(a._array, b._array)
    return Dist(float(p))(a, b)


# max, min, amax, amin, argmax, argmin --------------------------------------------------------

class Extreme(Function):
    """amax/amin over axes, or max()/min() of everything: ties share the gradient evenly."""

    def __init__(self, axes, keepdim, largest, name):
        self.axes, self.keepdim, self.largest = axes, keepdim, largest
        self._backward_name = name

    def forward(self, a):
        xp = get_array_module(a)
        y = xp.asarray((xp.amax if self.largest else xp.amin)(a, axis=self.axes, keepdims=True))
        if self.needs_input_grad:
            mask = a == y
            if self._backward_name.endswith("1"):  # max(): a nan maximum is shared by nans
                mask = mask | (xp.isnan(a) & xp.isnan(y))
            with np.errstate(all="ignore"):
                self.w = (mask / xp.sum(mask, axis=self.axes, keepdims=True)).astype(a.dtype)
        return y if self.keepdim else y.reshape([s for i, s in enumerate(a.shape)
                                                 if i not in self.axes])

    def backward(self, g):
        return _unreduce(g, self.w.shape, self.axes, self.keepdim) * _const(self.w)


def _along(xp, idx, axis):
    """An index tuple addressing ``idx`` (positions along ``axis``) in every slice."""
    nd = idx.ndim
    return tuple(idx if d == axis else xp.arange(n).reshape([n if k == d else 1
                                                             for k in range(nd)])
                 for d, n in enumerate(idx.shape))


class _Take(Function):
    """``take_along_axis`` with distinct indices per slice; backward is :class:`_Spread`."""

    _backward_name = "GatherBackward0"

    def __init__(self, idx, axis):
        self.idx, self.axis = idx, axis

    def forward(self, a):
        self.shape = a.shape
        return get_array_module(a).take_along_axis(a, self.idx, self.axis)

    def backward(self, g):
        return _Spread(self.idx, self.axis, self.shape)(g)


class _Spread(Function):
    """Zeros of ``shape`` with ``g`` written at ``idx`` along ``axis``; backward is _Take."""

    _backward_name = "ScatterBackward0"

    def __init__(self, idx, axis, shape):
        self.idx, self.axis, self.shape = idx, axis, shape

    def forward(self, g):
        xp = get_array_module(g)
        out = xp.zeros(self.shape, dtype=g.dtype)
        out[_along(xp, self.idx, self.axis)] = g
        return out

    def backward(self, gg):
        return _Take(self.idx, self.axis)(gg)


class _Selection(Function):
    """Base of ops that return (values, indices) picked along one axis."""

    def __init__(self, axis, keepdim, name, pick, **params):
        self.axis, self.keepdim, self.pick, self.params = axis, keepdim, pick, params
        self._backward_name = name

    def forward(self, a):
        work = a if a.ndim else a.reshape(1)
        xp = get_array_module(a)
        idx = self.pick(xp, work, self.axis, **self.params).astype(np.int64, copy=False)
        vals = xp.take_along_axis(work, idx, self.axis)
        self.idx, self.work_shape, self.in_shape = idx, work.shape, a.shape
        if a.ndim == 0:
            out_shape = ()
        elif self.keepdim:  # sort and topk keep the axis too
            out_shape = idx.shape
        else:
            out_shape = idx.shape[:self.axis] + idx.shape[self.axis + 1:]
        return vals.reshape(out_shape), idx.reshape(out_shape)

    def backward(self, g, _gi=None):
        if g.shape != self.idx.shape:
            g = g.reshape(self.idx.shape)
        gi = _Spread(self.idx, self.axis, self.work_shape)(g)
        return gi if self.work_shape == self.in_shape else gi.reshape(self.in_shape)


def _argsort(xp, a, axis, descending=False):
    """Stable argsort; descending keeps equal elements in their original order (nan first)."""
    def asc(v):
        return xp.argsort(v, axis=axis, kind="stable") if xp is np else xp.argsort(v, axis=axis)

    if not descending:
        return asc(a)
    n = a.shape[axis]
    return (n - 1) - xp.flip(asc(xp.flip(a, axis)), axis)


def _pick_extreme(xp, w, axis, largest):
    return (xp.argmax if largest else xp.argmin)(w, axis=axis, keepdims=True)


def _pick_sorted(xp, w, axis, pos, nan_first=False):
    """Index of the element at sorted position ``pos``; with ``nan_first`` a slice holding nan
    gives its first nan (median propagates nan)."""
    perm = _argsort(xp, w, axis)
    kshape = [1 if i == axis else s for i, s in enumerate(w.shape)]
    at = xp.full(kshape, pos, dtype=np.int64)
    if nan_first and w.dtype.kind == "f":
        nans = xp.sum(xp.isnan(w), axis=axis, keepdims=True)
        at = xp.where(nans > 0, w.shape[axis] - nans, at)
    return xp.take_along_axis(perm, at, axis)


def _pick_topk(xp, w, axis, k, largest):
    perm = _argsort(xp, w, axis, descending=largest)
    return xp.take(perm, xp.arange(k), axis=axis)


def _pick_mode(xp, w, axis):
    """Most frequent value (the smallest among equally frequent ones), at its last index."""
    a = np.moveaxis(backend.to_numpy(w), axis, -1)
    perm = np.argsort(a, axis=-1, kind="stable")
    s = np.take_along_axis(a, perm, -1)
    n = a.shape[-1]
    start = np.ones(s.shape, dtype=bool)
    start[..., 1:] = s[..., 1:] != s[..., :-1]
    pos = np.broadcast_to(np.arange(n), s.shape)
    run = pos - np.maximum.accumulate(np.where(start, pos, 0), axis=-1) + 1
    at = np.argmax(run == run.max(axis=-1, keepdims=True), axis=-1)[..., None]
    idx = np.moveaxis(np.take_along_axis(perm, at, -1), -1, axis)
    return idx if xp is np else backend.to_device(idx, backend.device_of(w))


def _dim_select(name, backward_name, input, dim, keepdim, pick, **params):
    ndim = input._array.ndim
    axis = wrap_dim(dim, ndim)
    shape = input._array.shape if ndim else (1,)
    _check_reducible(name, shape, (axis,), True)
    cls = getattr(return_types, name)
    return cls(*_Selection(axis, keepdim, backward_name, pick=pick, **params)(input))


def _extreme(name, input, dim, keepdim, other, out, largest):
    if isinstance(dim, Tensor) or other is not None:
        import netlab

        fn = netlab.maximum if largest else netlab.minimum
        return fn(input, dim if other is None else other, **({} if out is None else {"out": out}))
    if dim is None:
        if keepdim:
            raise TypeError(f"{name}() received an invalid combination of arguments - got "
                            "(Tensor, keepdim=bool)")
        _check_reducible(name, input._array.shape, (), False)
        axes = tuple(range(input._array.ndim))
        return _out(Extreme(axes, False, largest, name.capitalize() + "Backward1")(input), out)
    _no_tuple_dim(name, dim)
    res = _dim_select(name, name.capitalize() + "Backward0", input, dim, keepdim,
                      _pick_extreme, largest=largest)
    return _out(res, out)


def max_(input, dim=None, keepdim=False, *, other=None, out=None):
    """The largest element; with ``dim``, ``(values, indices)`` of each slice's maximum (the
    first index among ties); ``max(a, b)`` is :func:`netlab.maximum`.

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([[1., 5.], [7., 2.]]).max(1).indices
    tensor([1, 0])
    """
    return _extreme("max", input, dim, keepdim, other, out, True)


def min_(input, dim=None, keepdim=False, *, other=None, out=None):
    """The smallest element; with ``dim``, ``(values, indices)``; ``min(a, b)`` is
    :func:`netlab.minimum`.

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([[1., 5.], [7., 2.]]).min(1).values
    tensor([1., 2.])
    """
    return _extreme("min", input, dim, keepdim, other, out, False)


def _amax(name, input, dim, keepdim, out, largest):
    axes = _axes(dim, input._array.ndim)
    all_dims = dim is None or (not isinstance(dim, int) and len(dim) == 0)
    _check_reducible(name, input._array.shape, axes, not all_dims)
    return _out(Extreme(axes, keepdim, largest, name.capitalize() + "Backward0")(input), out)


def amax(input, dim=(), keepdim=False, *, out=None):
    """Maxima over ``dim`` (int or tuple; all by default); ties share the gradient evenly.

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([[1., 5.], [7., 2.]]).amax(0)
    tensor([7., 5.])
    """
    return _amax("amax", input, dim, keepdim, out, True)


def amin(input, dim=(), keepdim=False, *, out=None):
    """Minima over ``dim`` (int or tuple; all by default); ties share the gradient evenly.

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([[1., 5.], [7., 2.]]).amin(0)
    tensor([1., 2.])
    """
    return _amax("amin", input, dim, keepdim, out, False)


def _arg_extreme(name, input, dim, keepdim, largest):
    a = input._array
    if a.dtype.kind == "b":
        raise RuntimeError(f"{name}(): does not support bool input")
    xp = get_array_module(a)
    fn = xp.argmax if largest else xp.argmin
    if dim is None:
        if a.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for "
                             "input.numel() == 0.")
        idx = xp.asarray(fn(a.reshape(-1))).reshape((1,) * a.ndim if keepdim else ())
    else:
        _no_tuple_dim(name, dim)
        axis = wrap_dim(dim, a.ndim)
        work = a if a.ndim else a.reshape(1)
        _check_reducible(name, work.shape, (axis,), True)
        idx = fn(work, axis=axis, keepdims=keepdim)
        if a.ndim == 0:
            idx = idx.reshape(())
    return Tensor._make(idx.astype(np.int64, copy=False))


def argmax(input, dim=None, keepdim=False):
    """Index of the maximum (of the flattened tensor when ``dim`` is None); first among ties.

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([[1., 5.], [7., 2.]]).argmax()
    tensor(2)
    """
    return _arg_extreme("argmax", input, dim, keepdim, True)


def argmin(input, dim=None, keepdim=False):
    """Index of the minimum (of the flattened tensor when ``dim`` is None); first among ties.

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([[1., 5.], [7., 2.]]).argmin(1)
    tensor([0, 1])
    """
    return _arg_extreme("argmin", input, dim, keepdim, False)


# median, kthvalue, mode ---------------------------------------------------------------------

class MedianAll(Function):
    """The lower median of all elements; ties share the gradient evenly (as PyTorch)."""

    _backward_name = "MedianBackward0"

    def forward(self, a):
        xp = get_array_module(a)
        flat = a.reshape(-1)
        n = flat.size
        if n == 0 or (a.dtype.kind == "f" and xp.isnan(flat).any()):
            with np.errstate(all="ignore"):  # integers: nan cast as C casts it, as PyTorch
                y = xp.asarray(np.nan).astype(a.dtype)
        else:
            y = xp.partition(flat, (n - 1) // 2)[(n - 1) // 2]
        if self.needs_input_grad:
            mask = xp.isnan(a) if xp.isnan(y) else a == y
            self.w = (mask / builtins.max(int(mask.sum()), 1)).astype(a.dtype)
        return xp.asarray(y)

    def backward(self, g):
        return g * _const(self.w)


def median(input, dim=None, keepdim=False):
    """The lower median of all elements; with ``dim``, ``(values, indices)`` per slice. A
    slice holding nan gives nan (at its first nan).

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([4., 1., 3., 2.]).median()
    tensor(2.)
    """
    if input._array.dtype.kind == "b":
        where = "median_cpu" if dim is None else "median_out"
        raise NotImplementedError(f"\"{where}\" not implemented for 'Bool'")
    if dim is None:
        return MedianAll()(input)
    n = input._array.shape[wrap_dim(dim, input._array.ndim)] if input._array.ndim else 1
    return _dim_select("median", "MedianBackward1", input, dim, keepdim, _pick_sorted,
                       pos=builtins.max(n - 1, 0) // 2, nan_first=True)


def kthvalue(input, k, dim=-1, keepdim=False):
    """The ``k``-th smallest element of each slice along ``dim``, as ``(values, indices)``.

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([3., 1., 2.]).kthvalue(2).values
    tensor(2.)
    """
    if input._array.dtype.kind == "b":
        raise NotImplementedError("\"kthvalue_cpu\" not implemented for 'Bool'")
    axis = wrap_dim(dim, input._array.ndim)
    n = input._array.shape[axis] if input._array.ndim else 1
    if not 1 <= k <= builtins.max(n, 1):
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {axis}")
    return _dim_select("kthvalue", "KthvalueBackward0", input, dim, keepdim, _pick_sorted,
                       pos=k - 1)


def mode(input, dim=-1, keepdim=False):
    """The most frequent value of each slice (the smallest among equally frequent ones) and
    the last index where it occurs, as ``(values, indices)``.

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([3., 1., 3., 2.]).mode()
    netlab.return_types.mode(
    values=tensor(3.),
    indices=tensor(2))
    """
    return _dim_select("mode", "ModeBackward0", input, dim, keepdim, _pick_mode)


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


# cumsum, cumprod ----------------------------------------------------------------------------

class Cumsum(Function):
    def __init__(self, axis, np_dtype=None):
        self.axis, self.np_dtype = axis, np_dtype

    def forward(self, a):
        self.in_dtype = a.dtype
        dt = self.np_dtype or (np.int64 if a.dtype.kind in "biu" else a.dtype)
        if a.ndim == 0:
            return a.astype(dt)
        return get_array_module(a).cumsum(a, axis=self.axis, dtype=dt)

    def backward(self, g):
        if g.ndim:
            g = _RevCumsum(self.axis)(g)
        return cast(g, self.in_dtype)


class _RevCumsum(Function):
    """Sums from the end, ``flip(cumsum(flip(g)))``: cumsum's backward (and the reverse)."""

    _backward_name = "CumsumBackward0"

    def __init__(self, axis):
        self.axis = axis

    def forward(self, g):
        xp = get_array_module(g)
        return xp.flip(xp.cumsum(xp.flip(g, self.axis), axis=self.axis), self.axis)

    def backward(self, gg):
        return Cumsum(self.axis)(gg)


def _rev_cumsum_raw(xp, v, axis):
    return xp.flip(xp.cumsum(xp.flip(v, axis), axis=axis), axis)


def _zero_masks(xp, xa, axis):
    """Per slice: positions before the first zero, the first zero, and after it."""
    z = xa == 0
    cz = xp.cumsum(z, axis=axis)
    first = z & (cz == 1)
    return cz == 0, first, (cz >= 1) & ~first


def _cumprod_grad_raw(xp, xa, ga, axis):
    """Values of cumprod's input gradient (exact with zeros); constants, no graph."""
    with np.errstate(all="ignore"):
        if not (xa == 0).any():
            return _rev_cumsum_raw(xp, ga * xp.cumprod(xa, axis=axis), axis) / xa
        before, first, after = _zero_masks(xp, xa, axis)
        y = xp.cumprod(xa, axis=axis)
        p1 = xp.where(before, _rev_cumsum_raw(xp, ga * y, axis) / xp.where(before, xa, 1), 0)
        e = xp.cumprod(xp.where(before, xa, 1), axis=axis)
        post = xp.cumprod(xp.where(after, xa, 1), axis=axis)
        s = xp.sum(xp.where(before, 0, ga * post), axis=axis, keepdims=True)
        return p1 + xp.where(first, e * s, 0)


def _cumprod_backward(g: Tensor, x: Tensor, y: Tensor, axis) -> Tensor:
    """Gradient of ``y = cumprod(x)``: ``sum_{i >= j} g_i prod_{k <= i, k != j} x_k``.

    Without zeros it is ``revcumsum(g * y) / x``. With zeros, per slice with first zero at f:
    positions before f keep that form (x_j != 0 there); at f it is ``prod_{k<f} x_k *
    sum_{i>=f} g_i prod_{f<k<=i} x_k``; after f the value is 0 and only its derivative with
    respect to x_f is non-zero, so it is written as ``x_f * D`` with D a constant. Each part
    is exact to first order, so double backward is exact too.
    """
    xa = x._array
    xp = get_array_module(xa)
    if not (xa == 0).any():
        return _RevCumsum(axis)(g * y) / x
    dt = xa.dtype
    before, first, after = _zero_masks(xp, xa, axis)
    bf, ff, af = (_const(m.astype(dt)) for m in (before, first, after))
    nb, na = (_const((~m).astype(dt)) for m in (before, after))
    part1 = _RevCumsum(axis)(g * y) / (x * bf + nb) * bf
    e = Cumprod(axis)(x * bf + nb)
    post = Cumprod(axis)(x * af + na)
    s = sum_(g * post * (ff + af), axis, keepdim=True)
    part2 = ff * e * s
    xf = sum_(x * ff, axis, keepdim=True)
    d = _cumprod_grad_raw(xp, xa + first.astype(dt), g._array, axis) * after
    return part1 + part2 + xf * _const(d.astype(dt))


class Cumprod(Function):
    def __init__(self, axis, np_dtype=None):
        self.axis, self.np_dtype = axis, np_dtype

    def forward(self, a):
        self.in_dtype = a.dtype
        dt = self.np_dtype or (np.int64 if a.dtype.kind in "biu" else a.dtype)
        y = a.astype(dt) if a.ndim == 0 else get_array_module(a).cumprod(a, axis=self.axis,
                                                                         dtype=dt)
        self.save_for_backward(a, y)
        return y

    def backward(self, g):
        x, y = self.saved_tensors
        if g.ndim == 0:
            return cast(g, self.in_dtype)
        return cast(_cumprod_backward(g, x, y, self.axis), self.in_dtype)


def cumsum(input, dim, *, dtype=None, out=None):
    """Cumulative sum along ``dim``; bool and integers accumulate as int64.

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([1., 2., 3.]).cumsum(0)
    tensor([1., 3., 6.])
    """
    axis = wrap_dim(dim, input._array.ndim)
    return _out(Cumsum(axis, None if dtype is None else as_dtype(dtype).np)(input), out)


def cumprod(input, dim, *, dtype=None, out=None):
    """Cumulative product along ``dim``; the gradient is exact also where the input is 0.

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([1., 2., 3.]).cumprod(0)
    tensor([1., 2., 6.])
    """
    axis = wrap_dim(dim, input._array.ndim)
    return _out(Cumprod(axis, None if dtype is None else as_dtype(dtype).np)(input), out)


# sort, argsort, topk, unique ----------------------------------------------------------------

def sort(input, dim=-1, descending=False, *, stable=None, out=None):
    """Sorted values and their original indices along ``dim``. The sort is always stable
    (equal elements keep their order); nan sorts as the largest value.

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([3., 1., 2.]).sort(descending=True).indices
    tensor([0, 2, 1])
    """
    axis = wrap_dim(dim, input._array.ndim)
    fn = _Selection(axis, True, "SortBackward0" if stable is None else "SortBackward1",
                    pick=lambda xp, w, ax: _argsort(xp, w, ax, descending))
    return _out(return_types.sort(*fn(input)), out)


def argsort(input, dim=-1, descending=False, stable=False):
    """Indices that sort ``input`` along ``dim`` (stable), as int64.

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([3., 1., 2.]).argsort()
    tensor([1, 2, 0])
    """
    a = input._array
    axis = wrap_dim(dim, a.ndim)
    if a.ndim == 0:
        return Tensor._make(get_array_module(a).zeros((), dtype=np.int64))
    return Tensor._make(_argsort(get_array_module(a), a, axis, descending).astype(np.int64))


def msort(input):
    """``sort(input, dim=0).values``."""
    return sort(input, 0).values


def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):
    """The ``k`` largest (or smallest) elements along ``dim`` and their indices, always in
    sorted order; among equal elements the lower index comes first.

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([1., 4., 2., 3.]).topk(2).values
    tensor([4., 3.])
    """
    a = input._array
    if a.dtype.kind == "b":
        raise RuntimeError("topk does not support bool dtypes on CPU")
    axis = wrap_dim(dim, a.ndim)
    n = a.shape[axis] if a.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    fn = _Selection(axis, True, "TopkBackward0", pick=_pick_topk, k=k, largest=largest)
    return _out(return_types.topk(*fn(input)), out)


class Unique(Function):
    def __init__(self, axis):
        self.axis = axis
        self._backward_name = "Unique2Backward0" if axis is None else "UniqueDimBackward0"

    def forward(self, a):
        xp = get_array_module(a)
        if self.axis is None:
            vals, inv, cnt = xp.unique(a.reshape(-1), return_inverse=True, return_counts=True,
                                       equal_nan=False)
            inv = inv.reshape(a.shape)
        else:
            vals, inv, cnt = xp.unique(a, return_inverse=True, return_counts=True,
                                       axis=self.axis)
            inv = inv.reshape(-1)
        return vals, inv.astype(np.int64), cnt.astype(np.int64)

    def backward(self, *grads):
        op = "_unique2" if self.axis is None else "unique_dim"
        raise NotImplementedError(f"the derivative for '{op}' is not implemented.")


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct elements (or slices along ``dim``), sorted; optionally the inverse
    indices (where each input element went) and the counts. nan values stay distinct.

    Examples
    --------
    >>> import netlab
    >>> netlab.unique(netlab.tensor([3, 1, 3]), return_counts=True)
    (tensor([1, 3]), tensor([1, 2]))
    """
    axis = None if dim is None else wrap_dim(dim, input._array.ndim)
    vals, inv, cnt = Unique(axis)(input)
    res = (vals,) + ((inv,) if return_inverse else ()) + ((cnt,) if return_counts else ())
    return res[0] if len(res) == 1 else res


# Tensor methods -----------------------------------------------------------------------------

def _cumsum_(self, dim, *, dtype=None):
    return apply_inplace(self, lambda t: cumsum(t, dim, dtype=dtype))


def _cumprod_(self, dim, *, dtype=None):
    return apply_inplace(self, lambda t: cumprod(t, dim, dtype=dtype))


sum, max, min = sum_, max_, min_  # the public names follow PyTorch

Tensor.sum, Tensor.mean, Tensor.prod = sum_, mean, prod
Tensor.std, Tensor.var, Tensor.norm = std, var, norm
Tensor.dist = dist
Tensor.max, Tensor.min, Tensor.amax, Tensor.amin = max_, min_, amax, amin
Tensor.argmax, Tensor.argmin = argmax, argmin
Tensor.median, Tensor.kthvalue, Tensor.mode = median, kthvalue, mode
Tensor.logsumexp, Tensor.nansum, Tensor.nanmean = logsumexp, nansum, nanmean
Tensor.count_nonzero = count_nonzero
Tensor.cumsum, Tensor.cumprod, Tensor.cumsum_, Tensor.cumprod_ = (cumsum, cumprod, _cumsum_,
                                                                 _cumprod_)
Tensor.sort, Tensor.argsort, Tensor.msort, Tensor.topk = sort, argsort, msort, topk
Tensor.unique = unique
