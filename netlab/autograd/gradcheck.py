"""Finite-difference checks of analytical gradients (float64), as ``torch.autograd.gradcheck``."""

from __future__ import annotations

import numpy as np


def _tensors(inputs):
    from netlab.tensor import Tensor

    return [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]


def _flat_outputs(fn, inputs):
    from netlab.tensor import Tensor

    out = fn(*inputs)
    outs = (out,) if isinstance(out, Tensor) else tuple(out)
    return [o for o in outs if isinstance(o, Tensor) and o.is_floating_point()]


def _numerical_jacobian(fn, inputs, x, eps):
    """d(all outputs)/dx by central differences, shape (x.numel(), sum of output numels)."""
    arr = x._array
    flat = arr.reshape(-1)  # a view: inputs must be contiguous
    cols = []
    # grad mode stays on: fn may itself compute gradients (gradgradcheck)
    for i in range(flat.size):
        orig = flat[i].item()
        flat[i] = orig + eps
        plus = [o._array.reshape(-1).astype(np.float64) for o in _flat_outputs(fn, inputs)]
        flat[i] = orig - eps
        minus = [o._array.reshape(-1).astype(np.float64) for o in _flat_outputs(fn, inputs)]
        flat[i] = orig
        cols.append(np.concatenate([(p - m) / (2 * eps) for p, m in zip(plus, minus)]
                                   or [np.zeros(0)]))
    return np.stack(cols) if cols else np.zeros((0, 0))


def _analytical_jacobian(fn, inputs, xs):
    from netlab.autograd import grad
    from netlab.tensor import Tensor

    outs = _flat_outputs(fn, inputs)
    sizes = [o.numel() for o in outs]
    jac = [np.zeros((x.numel(), sum(sizes))) for x in xs]
    col = 0
    for o in outs:
        for j in range(o.numel()):
            g = np.zeros(o.numel(), dtype=o._array.dtype)
            g[j] = 1
            gs = grad([o], xs, [Tensor._make(g.reshape(o._array.shape))], retain_graph=True,
                      allow_unused=True)
            for k, gx in enumerate(gs):
                if gx is not None:
                    jac[k][:, col] = gx._array.reshape(-1)
            col += 1
    return jac


def gradcheck(fn, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True) -> bool:
    """Compare backward's Jacobian with central finite differences (use float64 inputs).

    Examples
    --------
    >>> import netlab
    >>> x = netlab.randn(3, dtype=netlab.float64, requires_grad=True)
    >>> gradcheck(netlab.sin, (x,))
    True
    """
    from netlab.tensor import Tensor

    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    xs = _tensors(inputs)
    analytical = _analytical_jacobian(fn, inputs, xs)
    for k, x in enumerate(xs):
        numerical = _numerical_jacobian(fn, inputs, x, eps)
        if not np.allclose(analytical[k], numerical, rtol=rtol, atol=atol):
            if raise_exception:
                raise RuntimeError(f"Jacobian mismatch for output 0 with respect to input {k},\n"
                                   f"numerical:{numerical}\nanalytical:{analytical[k]}\n")
            return False
    return True


def gradgradcheck(fn, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True) -> bool:
    """Check second derivatives: gradcheck of the function ``inputs -> grad(fn(inputs))``."""
    from netlab.autograd import grad
    from netlab.tensor import Tensor

    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    outs = _flat_outputs(fn, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [Tensor._make(rng.standard_normal(o._array.shape).astype(o._array.dtype),
                                     True) for o in outs]
    n_in = len(inputs)

    def first_grads(*args):
        ins, gos = args[:n_in], args[n_in:]
        xs = _tensors(ins)
        outs = _flat_outputs(fn, ins)
        gs = grad(outs, xs, list(gos), create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_grads, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol,
                     rtol=rtol, raise_exception=raise_exception)
