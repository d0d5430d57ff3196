"""Adam and AdamW (bias-corrected moments; eps added after the bias correction)."""

from __future__ import annotations

import math

import numpy as np

from netlab.backend import get_array_module
from netlab.optim.optimizer import Optimizer
from netlab.tensor import Tensor


class Adam(Optimizer):
    """Adam as PyTorch: L2 ``weight_decay`` added to the gradient, or decoupled (AdamW) when
    ``decoupled_weight_decay=True``; optional AMSGrad.
    """

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach=None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False,
                 fused=None, decoupled_weight_decay: bool = False):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if eps < 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable, fused=fused,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _update(self, group, param, grad, state):
        xp = get_array_module(param)
        lr, wd, eps = group["lr"], group["weight_decay"], group["eps"]
        beta1, beta2 = group["betas"]
        if not state:
            state["step"] = Tensor._make(np.array(0.0, dtype=np.float32))
            state["exp_avg"] = Tensor._make(xp.zeros_like(param))
            state["exp_avg_sq"] = Tensor._make(xp.zeros_like(param))
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = Tensor._make(xp.zeros_like(param))
        state["step"]._array += 1
        step = float(state["step"]._array)
        if wd != 0:
            if group["decoupled_weight_decay"]:
                param *= 1 - lr * wd
            else:
                grad = grad + wd * param
        m, v = state["exp_avg"]._array, state["exp_avg_sq"]._array
        m += (1 - beta1) * (grad - m)  # lerp, as PyTorch computes it
        v *= beta2
        v += (1 - beta2) * grad * grad
        bias1 = 1 - beta1 ** step
        bias2_sqrt = math.sqrt(1 - beta2 ** step)
        if group["amsgrad"]:
            vmax = state["max_exp_avg_sq"]._array
            xp.maximum(vmax, v, out=vmax)
            denom = xp.sqrt(vmax) / bias2_sqrt + eps
        else:
            denom = xp.sqrt(v) / bias2_sqrt + eps
        param -= (lr / bias1) * (m / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay (default 1e-2): ``p *= 1 - lr*wd`` before the step."""

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 foreach=None, capturable: bool = False, differentiable: bool = False,
                 fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
