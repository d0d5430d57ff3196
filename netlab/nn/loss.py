"""Loss modules, with ``reduction`` and the legacy ``size_average``/``reduce`` arguments."""

from __future__ import annotations

from netlab.nn import functional as F
from netlab.nn.module import Module

__all__ = ["L1Loss", "MSELoss", "SmoothL1Loss", "HuberLoss", "NLLLoss", "CrossEntropyLoss",
           "BCELoss", "BCEWithLogitsLoss", "KLDivLoss", "CosineEmbeddingLoss"]


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = F.legacy_reduction(size_average, reduce)
        self.reduction = reduction

    def output_shape(self, input_shape: tuple) -> tuple:
        """The loss's shape for an input of ``input_shape``: ``()`` when reduced, else the
        per-element shape (elementwise losses keep the input's shape)."""
        if self.reduction != "none":
            return ()
        return tuple(input_shape)


class _WeightedLoss(_Loss):
    """A loss with a per-class ``weight``, kept as a buffer (so it is in the state_dict)."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


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
    """Mean absolute error.

    Examples
    --------
    >>> import netlab
    >>> L1Loss()(netlab.zeros(2), netlab.tensor([1.0, -3.0]))
    tensor(2.)
    """

    def forward(self, input, target):
        return F.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """Squared error below ``beta``, absolute error (minus ``beta / 2``) above.

    Examples
    --------
    >>> import netlab
    >>> SmoothL1Loss(reduction="sum")(netlab.zeros(2), netlab.tensor([0.5, 3.0]))
    tensor(2.6250)
    """

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean",
                 beta: float = 1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Squared error below ``delta``, ``delta``-scaled absolute error above.

    Examples
    --------
    >>> import netlab
    >>> HuberLoss(reduction="sum", delta=2.0)(netlab.zeros(2), netlab.tensor([0.5, 3.0]))
    tensor(4.1250)
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0):
        if not isinstance(delta, (float, int)):
            raise TypeError(f"delta must be a float or int, got: {type(delta)}")
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input, target):
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


def _class_loss_shape(reduction: str, input_shape: tuple) -> tuple:
    """Class losses (NLL, cross entropy): the class dim (1, or 0 for ``(C,)``) is reduced."""
    shape = tuple(input_shape)
    if len(shape) < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {len(shape)})")
    if reduction != "none":
        return ()
    return () if len(shape) == 1 else shape[:1] + shape[2:]


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of class targets under log-probabilities.

    Examples
    --------
    >>> import netlab
    >>> NLLLoss()(netlab.tensor([[-1.0, -2.0]]), netlab.tensor([1]))
    tensor(2.)
    """

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def output_shape(self, input_shape: tuple) -> tuple:
        return _class_loss_shape(self.reduction, input_shape)

    def forward(self, input, target):
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """Cross entropy of logits against class indices or class probabilities, with class
    ``weight``, ``ignore_index`` and ``label_smoothing``.

    Examples
    --------
    >>> import netlab
    >>> CrossEntropyLoss()(netlab.tensor([[0.0, 0.0]]), netlab.tensor([1]))
    tensor(0.6931)
    """

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean", label_smoothing: float = 0.0):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def output_shape(self, input_shape: tuple) -> tuple:
        return _class_loss_shape(self.reduction, input_shape)

    def forward(self, input, target):
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class BCELoss(_WeightedLoss):
    """Binary cross entropy of probabilities (logs clamped at -100).

    Examples
    --------
    >>> import netlab
    >>> BCELoss()(netlab.tensor([0.0]), netlab.tensor([1.0]))
    tensor(100.)
    """

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, weight=self.weight,
                                      reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross entropy, computed stably; ``pos_weight`` weighs positives.

    Examples
    --------
    >>> import netlab
    >>> BCEWithLogitsLoss()(netlab.tensor([0.0]), netlab.tensor([1.0]))
    tensor(0.6931)
    """

    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean",
                 pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.weight,
                                                  pos_weight=self.pos_weight,
                                                  reduction=self.reduction)


class KLDivLoss(_Loss):
    """KL divergence of log-probabilities ``input`` from ``target``; use
    ``reduction='batchmean'`` for the mathematical definition.

    Examples
    --------
    >>> import netlab
    >>> KLDivLoss(reduction="batchmean")(netlab.tensor([[-1.0, -1.0]]),
    ...                                  netlab.tensor([[0.5, 0.5]]))
    tensor(0.3069)
    """

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean",
                 log_target: bool = False):
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input, target):
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class CosineEmbeddingLoss(_Loss):
    """``1 - cos`` for similar pairs (target 1), ``max(0, cos - margin)`` for dissimilar (-1).

    Examples
    --------
    >>> import netlab
    >>> CosineEmbeddingLoss()(netlab.tensor([[1.0, 0.0]]), netlab.tensor([[1.0, 0.0]]),
    ...                       netlab.tensor([1]))
    tensor(0.)
    """

    def __init__(self, margin: float = 0.0, size_average=None, reduce=None,
                 reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def output_shape(self, input_shape: tuple) -> tuple:
        shape = tuple(input_shape)
        if len(shape) not in (1, 2):
            raise ValueError(f"CosineEmbeddingLoss expects 1D or 2D inputs, got {len(shape)}D")
        return () if self.reduction != "none" else shape[:-1]

    def forward(self, input1, input2, target):
        return F.cosine_embedding_loss(input1, input2, target, margin=self.margin,
                                       reduction=self.reduction)
