"""Gradient clipping: clip_grad_norm_, clip_grad_value_ (and the two halves of the former,
get_total_norm and clip_grads_with_norm_, as in PyTorch)."""

from __future__ import annotations

import math
import types
import warnings

import numpy as np

from netlab import backend
from netlab.tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm",
           "clip_grads_with_norm_"]


def _as_list(tensors) -> list:
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def _norm_raw(a, p: float):
    """The ``p``-norm of an array's elements as a 0-d array in its dtype (any p, inf too)."""
    xp = backend.get_array_module(a)
    a = xp.abs(a)
    if p == math.inf:
        return a.max() if a.size else xp.zeros((), a.dtype)
    if p == -math.inf:
        return a.min() if a.size else xp.asarray(np.inf, a.dtype)
    if p == 0:
        return xp.asarray((a != 0).sum(), dtype=a.dtype)
    if p == 1:
        return a.sum()
    if p == 2:
        return xp.sqrt((a * a).sum())
    with np.errstate(over="ignore"):
        return (a ** p).sum() ** (1.0 / p)


def get_total_norm(tensors, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach: bool | None = None) -> Tensor:
    """The ``norm_type`` norm of all elements of ``tensors`` together (the norm of their norms).

    Examples
    --------
    >>> import netlab
    >>> get_total_norm([netlab.tensor([3.0]), netlab.tensor([4.0])])
    tensor(5.)
    """
    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return Tensor._make(np.asarray(0.0, dtype=np.float32))
    first = tensors[0]._array
    xp = backend.get_array_module(first)
    dt = np.result_type(*[t._array.dtype for t in tensors])
    norms = [backend.to_device(_norm_raw(t._array, norm_type), backend.device_of(first))
             for t in tensors]
    total = _norm_raw(xp.stack([xp.asarray(n, dtype=dt) for n in norms]), norm_type)
    total = xp.asarray(total, dtype=dt)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` "
                           "is non-finite, so it cannot be clipped. To disable this error and "
                           "scale the gradients by the non-finite norm anyway, set "
                           "`error_if_nonfinite=False`")
    return Tensor._make(total)


def clip_grads_with_norm_(parameters, max_norm: float, total_norm: Tensor,
                          foreach: bool | None = None) -> None:
    """Scale every ``.grad`` by ``min(max_norm / (total_norm + 1e-6), 1)`` in place."""
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return
    coef = float(max_norm) / (total_norm._array + 1e-6)
    coef = backend.get_array_module(coef).minimum(coef, 1.0)
    for g in grads:
        a = g._array
        with np.errstate(invalid="ignore"):  # inf * 0 -> nan, as PyTorch
            a *= backend.to_device(coef, backend.device_of(a)).astype(a.dtype)
        g._version_counter.value += 1


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Rescale the gradients of ``parameters`` in place so that their total ``norm_type`` norm
    is at most ``max_norm``; returns the total norm before clipping (``'inf'`` allowed).

    ``foreach`` is accepted for PyTorch compatibility; the arrays are scaled in place either way.

    Examples
    --------
    >>> import netlab
    >>> p = netlab.ones(4, requires_grad=True)
    >>> p.grad = netlab.full((4,), 2.0)
    >>> clip_grad_norm_([p], max_norm=1.0)
    tensor(4.)
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    else:
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)
        if is_generator and not parameters:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.",
                          UserWarning, stacklevel=2)
    grads = [p.grad for p in parameters if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total, foreach)
    return total


def clip_grad_norm(parameters, max_norm: float, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Deprecated alias of :func:`clip_grad_norm_` (with PyTorch's FutureWarning)."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every ``.grad`` of ``parameters`` into ``[-clip_value, clip_value]`` in place.

    Examples
    --------
    >>> import netlab
    >>> p = netlab.ones(2, requires_grad=True)
    >>> p.grad = netlab.tensor([-3.0, 0.5])
    >>> clip_grad_value_(p, 1.0)
    >>> p.grad
    tensor([-1.0000,  0.5000])
    """
    clip_value = float(clip_value)
    for p in _as_list(parameters):
        g = p.grad
        if g is not None:
            xp = backend.get_array_module(g._array)
            xp.clip(g._array, -clip_value, clip_value, out=g._array)
            g._version_counter.value += 1
