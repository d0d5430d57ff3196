"""Loss modules, with ``reduction`` and the legacy ``size_average``/``reduce`` arguments."""

from __future__ import annotations

from netlab.nn import functional as F
from netlab.nn.module import Module

__all__ = ["L1Loss", "MSELoss"]


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = F.legacy_reduction(size_average, reduce)
        self.reduction = reduction


class MSELoss(_Loss):
    """Mean squared error ``(input - target) ** 2``, reduced by ``reduction``.

    Examples
    --------
    >>> import netlab
    >>> MSELoss(reduction="sum")(netlab.zeros(3), netlab.ones(3))
    tensor(3.)
    """

    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error."""

    def forward(self, input, target):
        return F.l1_loss(input, target, reduction=self.reduction)
