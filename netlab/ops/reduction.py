"""Reductions: sum, mean, ... with ``dim`` (int or tuple) and ``keepdim``."""

from __future__ import annotations

import numpy as np

from netlab.autograd.node import Function
from netlab.backend import get_array_module
from netlab.dtypes import as_dtype
from netlab.ops._util import wrap_dims, write_out
from netlab.tensor import Tensor

__all__ = ["sum", "mean"]


def _grad_to_input(g, in_shape, axes, keepdim):
    """Broadcast a reduced gradient back over the reduced axes."""
    if not keepdim and axes:
        kshape = list(in_shape)
        for ax in axes:
            kshape[ax] = 1
        g = g.reshape(kshape)
    return g.expand(in_shape)


class Sum(Function):
    def __init__(self, axes, keepdim, np_dtype=None):
        self.axes, self.keepdim, self.np_dtype = axes, keepdim, np_dtype

    def forward(self, a):
        self.in_shape = a.shape
        dt = self.np_dtype
        if dt is None and a.dtype.kind in "biu":
            dt = "int64"
        return get_array_module(a).sum(a, axis=self.axes, keepdims=self.keepdim, dtype=dt)

    def backward(self, g):
        return _grad_to_input(g, self.in_shape, self.axes, self.keepdim)


class Mean(Function):
    def __init__(self, axes, keepdim, np_dtype=None):
        self.axes, self.keepdim, self.np_dtype = axes, keepdim, np_dtype

    def forward(self, a):
        self.in_shape = a.shape
        n = 1
        for ax in self.axes:
            n *= a.shape[ax]
        self.n = n
        xp = get_array_module(a)
        with np.errstate(all="ignore"):
            return xp.mean(a, axis=self.axes, keepdims=self.keepdim, dtype=self.np_dtype)

    def backward(self, g):
        return _grad_to_input(g / self.n, self.in_shape, self.axes, self.keepdim)


def sum_(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Sum over ``dim`` (all dims when None); bool and integer inputs sum as int64.

    Examples
    --------
    >>> import netlab
    >>> netlab.ones(2, 3).sum(1)
    tensor([3., 3.])
    """
    axes = wrap_dims(dim, input._array.ndim)
    fn = Sum(axes, keepdim, None if dtype is None else as_dtype(dtype).np)
    if dim is not None:
        fn._backward_name = "SumBackward1"
    res = fn(input)
    return res if out is None else write_out(out, res)


def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Arithmetic mean over ``dim``; floating-point inputs only (or pass ``dtype``)."""
    if dtype is None and input._array.dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {input.dtype.name.capitalize()}")
    axes = wrap_dims(dim, input._array.ndim)
    fn = Mean(axes, keepdim, None if dtype is None else as_dtype(dtype).np)
    if dim is not None:
        fn._backward_name = "MeanBackward1"
    res = fn(input)
    return res if out is None else write_out(out, res)


sum = sum_  # noqa: A001 - the public name follows PyTorch

Tensor.sum = sum_
Tensor.mean = mean
