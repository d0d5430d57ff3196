"""Functional Pooling: max/avg pools, unpooling, adaptive pools."""

from __future__ import annotations

__all__: list[str] = []
