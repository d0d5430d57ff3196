"""Functional Convolutions: conv1d, conv2d, conv_transpose2d."""

from __future__ import annotations

__all__: list[str] = []
