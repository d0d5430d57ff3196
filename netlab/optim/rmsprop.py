"""RMSprop and Adagrad."""

from __future__ import annotations

import numpy as np

from netlab.backend import get_array_module
from netlab.optim.optimizer import Optimizer
from netlab.tensor import Tensor


class RMSprop(Optimizer):
    """RMSprop as PyTorch: ``sq = alpha*sq + (1-alpha)*g^2``, ``avg = sqrt(sq) + eps`` (eps
    outside the root), optional centering and momentum.
    """

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 capturable: bool = False, foreach=None, maximize: bool = False,
                 differentiable: bool = False):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if eps < 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if alpha < 0.0:
            raise ValueError(f"Invalid alpha value: {alpha}")
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps,
                                      centered=centered, weight_decay=weight_decay,
                                      capturable=capturable, foreach=foreach, maximize=maximize,
                                      differentiable=differentiable))

    def _update(self, group, param, grad, state):
        xp = get_array_module(param)
        alpha, eps, wd, momentum = group["alpha"], group["eps"], group["weight_decay"], \
            group["momentum"]
        if not state:
            state["step"] = Tensor._make(np.array(0.0, dtype=np.float32))
            state["square_avg"] = Tensor._make(xp.zeros_like(param))
            if momentum > 0:
                state["momentum_buffer"] = Tensor._make(xp.zeros_like(param))
            if group["centered"]:
                state["grad_avg"] = Tensor._make(xp.zeros_like(param))
        state["step"]._array += 1
        if wd != 0:
            grad = grad + wd * param
        sq = state["square_avg"]._array
        sq *= alpha
        sq += (1 - alpha) * grad * grad
        if group["centered"]:
            ga = state["grad_avg"]._array
            ga += (1 - alpha) * (grad - ga)
            avg = xp.sqrt(sq - ga * ga) + eps
        else:
            avg = xp.sqrt(sq) + eps
        if momentum > 0:
            buf = state["momentum_buffer"]._array
            buf *= momentum
            buf += grad / avg
            param -= group["lr"] * buf
        else:
            param -= group["lr"] * (grad / avg)


class Adagrad(Optimizer):
    """Adagrad: ``sum += g^2``; ``p -= clr * g / (sqrt(sum) + eps)`` with a decaying lr."""

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach=None, *,
                 maximize: bool = False, differentiable: bool = False, fused=None):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if lr_decay < 0.0:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if initial_accumulator_value < 0.0:
            raise ValueError(f"Invalid initial_accumulator_value value: "
                             f"{initial_accumulator_value}")
        if eps < 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps,
                                      weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, fused=fused))
        for group in self.param_groups:
            for p in group["params"]:
                xp = get_array_module(p._array)
                self.state[p] = {
                    "step": Tensor._make(np.array(0.0, dtype=np.float32)),
                    "sum": Tensor._make(xp.full_like(p._array, initial_accumulator_value)),
                }

    def _update(self, group, param, grad, state):
        xp = get_array_module(param)
        state["step"]._array += 1
        step = float(state["step"]._array)
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        s = state["sum"]._array
        s += grad * grad
        param -= clr * (grad / (xp.sqrt(s) + group["eps"]))
