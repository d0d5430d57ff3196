"""Functional losses, with ``reduction`` and the legacy ``size_average``/``reduce`` arguments."""

from __future__ import annotations

import warnings

from netlab.tensor import Tensor

__all__ = ["legacy_reduction", "mse_loss", "l1_loss"]


def legacy_reduction(size_average, reduce, emit_warning: bool = True) -> str:
    """Map the deprecated ``size_average``/``reduce`` pair to a ``reduction`` string, as
    PyTorch does (``reduce=False`` -> 'none'; else ``size_average`` -> 'mean' or 'sum').
    """
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = ("mean" if size_average else "sum") if reduce else "none"
    if emit_warning:
        warnings.warn(f"size_average and reduce args will be deprecated, please use "
                      f"reduction='{ret}' instead.", UserWarning, stacklevel=3)
    return ret


def reduce_loss(loss: Tensor, reduction: str) -> Tensor:
    """Apply ``reduction`` ('mean', 'sum' or 'none') to elementwise losses."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{reduction} is not a valid value for reduction")


def mse_loss(input, target, size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """Squared error between ``input`` and ``target`` (broadcast with a warning, as PyTorch)."""
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    if target.shape != input.shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input "
                      f"size ({input.shape}). This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", UserWarning,
                      stacklevel=2)
    diff = input - target
    return reduce_loss(diff * diff, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """Absolute error between ``input`` and ``target``."""
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    return reduce_loss((input - target).abs(), reduction)
