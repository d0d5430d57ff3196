"""Ranges: arange, linspace, logspace (PyTorch's lengths and rounding) and eye."""

from __future__ import annotations

import math

import numpy as np

from netlab import backend
from netlab._factory import _as_int, finish, num_str, resolve
from netlab.dtypes import bool_, float16, float32, get_default_dtype, int64
from netlab.tensor import Tensor

__all__ = ["eye", "arange", "linspace", "logspace"]


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None,
        requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A 2-D tensor with ones on the diagonal: ``n`` rows, ``m`` (default ``n``) columns.

    Examples
    --------
    >>> eye(2)
    tensor([[1., 0.],
            [0., 1.]])
    """
    n = _as_int(n, "eye", "n", 1)
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    m = n if m is None else _as_int(m, "eye", "m", 2)
    if m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    dt, dev = resolve(dtype, device, out)
    xp = backend.xp_for(dev)
    with backend.device_context(dev):
        arr = xp.eye(n, m, dtype=dt.np)
    return finish(arr, requires_grad, out)


def _number(v):
    if isinstance(v, Tensor):
        return v.item()
    if isinstance(v, np.generic):
        return v.item()
    return v


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Values from ``start`` up to (not including) ``end`` in steps of ``step``.

    Integer arguments give ``int64``, any float argument the default dtype. The length is
    ``ceil((end - start) / step)``, as in PyTorch.

    Examples
    --------
    >>> arange(5)
    tensor([0, 1, 2, 3, 4])
    >>> arange(1, 2.5, 0.5)
    tensor([1.0000, 1.5000, 2.0000])
    """
    if end is None:
        start, end = 0, start
    start, end, step = _number(start), _number(end), _number(step)
    is_float = any(isinstance(v, float) for v in (start, end, step))
    dt, dev = resolve(dtype, device, out, get_default_dtype() if is_float else int64)
    if dt is bool_:
        raise NotImplementedError("\"arange_cpu\" not implemented for 'Bool'")
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(start) and math.isfinite(end)):
        raise RuntimeError(f"unsupported range: {num_str(start)} -> {num_str(end)}")
    if (step > 0 and end < start) or (step < 0 and end > start):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dt is int64:
        # PyTorch converts the bounds to int64 first and counts in integers
        s, e, st = int(start), int(end), int(step)
        if st == 0:
            raise ValueError("step must be nonzero")
        sgn = 1 if st > 0 else -1
        n = (e - s + st - sgn) // st  # both signs agree here, so floor == C++ truncation
        vals = s + st * np.arange(max(n, 0), dtype=np.int64)
    else:
        n = math.ceil((float(end) - float(start)) / float(step))
        if dt.category == 1:
            vals = int(start) + int(step) * np.arange(n, dtype=np.int64)
        else:
            acc = np.float32 if dt is float16 else np.float64
            vals = acc(start) + acc(step) * np.arange(n, dtype=acc)
    with np.errstate(over="ignore"):  # float16 overflows to inf, as in PyTorch
        arr = backend.to_device(vals.astype(dt.np, copy=False), dev)
    return finish(arr, requires_grad, out)


def _lin_values(start, end, steps: int, dt) -> np.ndarray:
    """PyTorch's symmetric linspace: the first half counts up from ``start``, the second half
    down from ``end``, so both ends are exact."""
    if dt.category == 2:
        work = np.float32 if dt in (float16, float32) else np.float64
        s, e = work(start), work(end)
    else:  # integer results: integer bounds, a double step, truncated values
        work = np.float64
        s, e = work(int(start)), work(int(end))
    if steps == 1:
        return np.array([s], dtype=work)
    step = (e - s) / work(steps - 1)
    idx = np.arange(steps, dtype=work)
    half = steps // 2
    vals = np.empty(steps, dtype=work)
    vals[:half] = s + step * idx[:half]
    vals[half:] = e - step * (work(steps - 1) - idx[half:])
    return vals


def _check_steps(steps, fname):
    steps = _as_int(steps, fname, "steps", 3)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return steps


def linspace(start, end, steps: int, *, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive (default dtype).

    Examples
    --------
    >>> linspace(0, 1, 5)
    tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])
    """
    steps = _check_steps(steps, "linspace")
    dt, dev = resolve(dtype, device, out)
    if dt is bool_:
        raise NotImplementedError("\"linspace_cpu\" not implemented for 'Bool'")
    vals = _lin_values(_number(start), _number(end), steps, dt)
    if dt.category == 1:
        vals = np.trunc(vals)
    arr = backend.to_device(vals.astype(dt.np), dev)
    return finish(arr, requires_grad, out)


def logspace(start, end, steps: int, base: float = 10.0, *, out=None, dtype=None, layout=None,
             device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """``base ** linspace(start, end, steps)``.

    Examples
    --------
    >>> logspace(0, 2, 3)
    tensor([  1.,  10., 100.])
    """
    steps = _check_steps(steps, "logspace")
    dt, dev = resolve(dtype, device, out)
    if dt is bool_:
        raise NotImplementedError("\"logspace_cpu\" not implemented for 'Bool'")
    exps = _lin_values(_number(start), _number(end), steps, dt)
    with np.errstate(over="ignore"):
        vals = np.power(np.float64(_number(base)), exps.astype(np.float64))
    if dt.category == 1:
        vals = np.trunc(vals)
    arr = backend.to_device(vals.astype(dt.np), dev)
    return finish(arr, requires_grad, out)
