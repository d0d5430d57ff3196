"""Loss functions by name: ``make_loss("cross_entropy", reduction="sum")``."""

from __future__ import annotations

import inspect

import netlab
from netlab import nn

__all__ = ["LOSSES", "make_loss", "resolve_loss_name"]

# name -> (class, one-line description)
LOSSES: dict[str, tuple[type, str]] = {
    "cross_entropy": (nn.CrossEntropyLoss, "softmax cross entropy on logits (classification)"),
    "nll": (nn.NLLLoss, "negative log-likelihood on log-probabilities (after LogSoftmax)"),
    "bce_with_logits": (nn.BCEWithLogitsLoss, "binary cross entropy on logits"),
    "bce": (nn.BCELoss, "binary cross entropy on probabilities (after Sigmoid)"),
    "mse": (nn.MSELoss, "mean squared error (regression)"),
    "l1": (nn.L1Loss, "mean absolute error (regression)"),
    "smooth_l1": (nn.SmoothL1Loss, "squared below beta, absolute above (regression)"),
    "huber": (nn.HuberLoss, "squared below delta, delta-scaled absolute above (regression)"),
}
ALIASES = {"crossentropy": "cross_entropy", "ce": "cross_entropy", "mae": "l1",
           "bcewithlogits": "bce_with_logits", "nll_loss": "nll"}
AUTO = {"classification": "cross_entropy", "regression": "mse"}
# the losses whose targets are class indices (or per-class probabilities)
CLASS_LOSSES = ("cross_entropy", "nll")


def resolve_loss_name(name: str, task: str | None = None) -> str:
    """The canonical loss name for ``name`` (``"auto"`` picks by ``task``).

    Examples
    --------
    >>> resolve_loss_name("auto", "regression")
    'mse'
    """
    if not isinstance(name, str):
        raise TypeError(f"TrainConfig.loss must be a loss name, got {type(name).__name__}")
    key = name.strip().lower().replace("-", "_")
    if key == "auto":
        if task not in AUTO:
            raise ValueError(f"TrainConfig.loss='auto' needs the data's task "
                             f"('classification' or 'regression'), got {task!r}: name the "
                             f"loss instead, one of {', '.join(LOSSES)}")
        return AUTO[task]
    key = ALIASES.get(key.replace("_", ""), ALIASES.get(key, key))
    if key not in LOSSES:
        raise ValueError(f"TrainConfig.loss: unknown loss {name!r}; choose 'auto' or one of "
                         f"{', '.join(LOSSES)}")
    return key


def make_loss(name: str = "auto", task: str | None = None, **options) -> nn.Module:
    """A loss module by name, built with ``options`` (checked against its constructor).

    ``"auto"`` is cross entropy for classification and mean squared error for regression.
    ``reduction="none"`` is refused: training needs one number to minimise.

    Examples
    --------
    >>> make_loss("mse", reduction="sum")
    MSELoss()
    """
    key = resolve_loss_name(name, task)
    cls = LOSSES[key][0]
    accepted = [p for p in inspect.signature(cls.__init__).parameters
                if p not in ("self", "size_average", "reduce")]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise ValueError(f"TrainConfig.loss_options: {key} takes no option "
                         f"{', '.join(map(repr, unknown))}; its options are "
                         f"{', '.join(accepted)}")
    if options.get("reduction", "mean") not in ("mean", "sum"):
        raise ValueError(f"TrainConfig.loss_options: reduction must be 'mean' or 'sum' for "
                         f"training, got {options['reduction']!r}")
    for k in ("weight", "pos_weight"):  # JSON configs give lists: the losses take tensors
        if isinstance(options.get(k), (list, tuple)):
            options[k] = netlab.tensor(options[k], dtype=netlab.float32)
    try:
        return cls(**options)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"TrainConfig.loss_options: {key}: {exc}") from None
