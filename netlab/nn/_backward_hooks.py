"""Full backward hooks for Modules: identity nodes around a module's inputs and outputs."""

from __future__ import annotations

from netlab.autograd.node import Function
from netlab.tensor import Tensor


class _HookIdentity(Function):
    """Passes tensors through unchanged; its backward hands the gradients to a callback."""

    _backward_name = "BackwardHookFunctionBackward"

    def __init__(self, callback):
        self.callback = callback

    def forward(self, *arrays):
        return tuple(arrays)

    def backward(self, *grads):
        return tuple(self.callback(grads))


def _wrap(items, callback):
    idx = [i for i, x in enumerate(items) if isinstance(x, Tensor) and x.requires_grad]
    if not idx:
        return items, 0
    outs = _HookIdentity(callback)(*[items[i] for i in idx])
    items = list(items)
    for i, o in zip(idx, outs):
        items[i] = o
    return items, len(idx)


class BackwardHookState:
    """Collects grad_output at the module's outputs, then calls the hooks at its inputs."""

    def __init__(self, module):
        self.module = module
        self.grad_outputs = None
        self.n_inputs = 0

    def _run_hooks(self, grad_inputs):
        for hook in list(self.module._backward_hooks.values()):
            res = hook(self.module, grad_inputs, self.grad_outputs)
            if res is not None:
                grad_inputs = tuple(res)
        return grad_inputs

    def setup_inputs(self, args):
        new, self.n_inputs = _wrap(args, self._run_hooks)
        return tuple(new)

    def _on_outputs(self, grads):
        self.grad_outputs = tuple(grads)
        if self.n_inputs == 0:  # no input needs a gradient: the hook sees grad_input (None,)
            self._run_hooks((None,))
        return grads

    def setup_outputs(self, out):
        if isinstance(out, Tensor):
            new, n = _wrap([out], self._on_outputs)
            return new[0]
        if isinstance(out, tuple):
            new, n = _wrap(out, self._on_outputs)
            return tuple(new)
        return out
