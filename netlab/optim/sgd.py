"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from netlab.optim.optimizer import Optimizer
from netlab.tensor import Tensor


class SGD(Optimizer):
    """SGD as PyTorch: ``g += wd*p``; ``buf = g`` on the first step, then
    ``buf = momentum*buf + (1-dampening)*g``; Nesterov uses ``g + momentum*buf``.

    Examples
    --------
    >>> import netlab
    >>> w = netlab.nn.Parameter(netlab.ones(2))
    >>> opt = SGD([w], lr=0.1, momentum=0.9)
    """

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach=None, differentiable: bool = False, fused=None):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize, foreach=foreach,
                                      differentiable=differentiable, fused=fused))

    def _update(self, group, param, grad, state):
        wd, momentum = group["weight_decay"], group["momentum"]
        if wd != 0:
            grad = grad + wd * param
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = Tensor._make(grad.copy())
            else:
                b = buf._array
                b *= momentum
                b += (1 - group["dampening"]) * grad
            grad = grad + momentum * buf._array if group["nesterov"] else buf._array
        param -= group["lr"] * grad
