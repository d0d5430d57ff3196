"""``netlab.nn.functional``: the stateless forms of layers and losses."""

from __future__ import annotations

import warnings

from netlab.nn.linear import linear
from netlab.tensor import Tensor

__all__ = ["linear", "pad", "relu", "relu_", "sigmoid", "tanh", "mse_loss", "l1_loss",
           "legacy_reduction"]


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


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{reduction} is not a valid value for reduction")


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    return input.relu_() if inplace else input.relu()


def pad(input: Tensor, pad, mode: str = "constant", value=None) -> Tensor:
    """Pad the last dims: ``pad`` lists (left, right) pairs from the last dim backwards."""
    from netlab.ops.pad import pad as _pad

    return _pad(input, pad, mode, value)


def relu_(input: Tensor) -> Tensor:
    return input.relu_()


def sigmoid(input: Tensor) -> Tensor:
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    return input.tanh()


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
    return _reduce(diff * diff, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    return _reduce((input - target).abs(), reduction)
