"""Learning-rate schedulers with PyTorch's update rules.

Each scheduler writes ``group["lr"]`` into its optimizer's param groups. Most use PyTorch's
*recursive* (chainable) form, computing the next lr from the current one, so that the
float sequence equals PyTorch's to the last bit; ``step(epoch)`` uses the closed form.

The schedulers live in ``base`` (LRScheduler), ``simple`` (lambda, step, exponential,
constant, linear and polynomial), ``annealing`` (cosine, warm restarts, 1cycle),
``plateau`` (ReduceLROnPlateau) and ``compose`` (SequentialLR, ChainedScheduler).
"""

from netlab.optim.lr_scheduler.annealing import (
    CosineAnnealingLR,
    CosineAnnealingWarmRestarts,
    OneCycleLR,
)
from netlab.optim.lr_scheduler.base import EPOCH_DEPRECATION_WARNING as EPOCH_DEPRECATION_WARNING
from netlab.optim.lr_scheduler.base import LRScheduler
from netlab.optim.lr_scheduler.base import _check_optimizer as _check_optimizer
from netlab.optim.lr_scheduler.base import _format_param as _format_param
from netlab.optim.lr_scheduler.base import _lrs as _lrs
from netlab.optim.lr_scheduler.compose import ChainedScheduler, SequentialLR
from netlab.optim.lr_scheduler.compose import _check_children as _check_children
from netlab.optim.lr_scheduler.compose import _Composite as _Composite
from netlab.optim.lr_scheduler.plateau import ReduceLROnPlateau
from netlab.optim.lr_scheduler.simple import (
    ConstantLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiplicativeLR,
    MultiStepLR,
    PolynomialLR,
    StepLR,
)

__all__ = ["LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR",
           "LinearLR", "ExponentialLR", "PolynomialLR", "CosineAnnealingLR",
           "CosineAnnealingWarmRestarts", "SequentialLR", "ChainedScheduler", "OneCycleLR",
           "ReduceLROnPlateau"]
