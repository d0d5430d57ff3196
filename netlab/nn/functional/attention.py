"""Functional Attention: scaled dot-product and multi-head attention forward."""

from __future__ import annotations

__all__: list[str] = []
