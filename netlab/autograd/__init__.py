"""Automatic differentiation: ``backward``, ``grad``, grad modes and custom Functions."""

from __future__ import annotations

from netlab.autograd.engine import run_backward
from netlab.autograd.function import Function, FunctionCtx, InplaceFunction, once_differentiable
from netlab.autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from netlab.autograd.gradcheck import gradcheck, gradgradcheck

__all__ = ["Function", "FunctionCtx", "InplaceFunction", "backward", "enable_grad", "grad",
           "gradcheck", "gradgradcheck", "inference_mode", "is_grad_enabled", "no_grad",
           "once_differentiable", "set_grad_enabled"]


def _as_tuple(x):
    if x is None:
        return None
    from netlab.tensor import Tensor

    return (x,) if isinstance(x, Tensor) else tuple(x)


def _make_grads(outputs, grad_outputs):
    from netlab.tensor import Tensor

    grads = []
    for i, out in enumerate(outputs):
        g = grad_outputs[i] if grad_outputs is not None else None
        if g is None:
            if not out.requires_grad:
                raise RuntimeError(f"element {i} of tensors does not require grad and does not "
                                   "have a grad_fn")
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = Tensor._make(_ones_like(out._array))
        elif not isinstance(g, Tensor):
            g = Tensor._make(_ones_like(out._array) * g)
        elif g.shape != out.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                               f"{g.shape} and output[{i}] has a shape of {out.shape}.")
        grads.append(g)
    return grads


def _ones_like(a):
    from netlab.backend import get_array_module

    return get_array_module(a).ones_like(a)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             inputs=None) -> None:
    """Compute and accumulate the gradients of ``tensors`` into the leaves' ``.grad``.

    Examples
    --------
    >>> import netlab
    >>> x = netlab.ones(2, requires_grad=True)
    >>> netlab.autograd.backward((x * 3).sum())
    >>> x.grad
    tensor([3., 3.])
    """
    tensors = _as_tuple(tensors)
    grads = _make_grads(tensors, _as_tuple(grad_tensors))
    if retain_graph is None:
        retain_graph = create_graph
    inputs = _as_tuple(inputs)
    if inputs is not None and len(inputs) == 0:
        raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    if inputs is None:
        run_backward(tensors, grads, retain_graph, create_graph)
        return
    got = run_backward(tensors, grads, retain_graph, create_graph, inputs=inputs,
                       allow_unused=True, accumulate=False)
    with set_grad_enabled(create_graph):
        for t, g in zip(inputs, got):
            if g is None:
                continue
            if t.grad_fn is None:
                t._grad_accumulator()._run_backward((g,))
            else:
                t._retain(g)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Return the gradients of ``outputs`` with respect to ``inputs`` (``.grad`` is untouched).

    Examples
    --------
    >>> import netlab
    >>> x = netlab.tensor(3.0, requires_grad=True)
    >>> netlab.autograd.grad(x ** 2, x)
    (tensor(6.),)
    """
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    grads = _make_grads(outputs, _as_tuple(grad_outputs))
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    res = run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs,
                       allow_unused=allow_unused, accumulate=False)
    if materialize_grads:
        from netlab.tensor import Tensor

        res = tuple(Tensor._make(_zeros_like(t._array)) if g is None else g
                    for g, t in zip(res, inputs))
    return res


def _zeros_like(a):
    from netlab.backend import get_array_module

    return get_array_module(a).zeros_like(a)
