"""Functional activations."""

from __future__ import annotations

from netlab.tensor import Tensor

__all__ = ["relu", "relu_", "sigmoid", "tanh"]


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(0, x)``; ``inplace`` writes into ``input``."""
    return input.relu_() if inplace else input.relu()


def relu_(input: Tensor) -> Tensor:
    return input.relu_()


def sigmoid(input: Tensor) -> Tensor:
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    return input.tanh()
