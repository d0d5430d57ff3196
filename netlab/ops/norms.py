"""Vector and matrix norms: norm (p = 2 / 'fro', 1, inf, -inf, 0, any p, 'nuc') and dist."""

# ruff: noqa: A002 - PyTorch's parameter names (input)
from __future__ import annotations

import math

import numpy as np

from netlab.autograd.node import Function
from netlab.backend import get_array_module
from netlab.dtypes import as_dtype
from netlab.ops._util import cast, check_broadcast, promote2, sum_to, wrap_dim
from netlab.ops.reduction import _axes, _const, _out, _type_name, _unreduce, sum_
from netlab.tensor import Tensor

__all__ = ["norm", "dist"]


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


Tensor.norm, Tensor.dist = norm, dist
