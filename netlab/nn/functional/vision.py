"""Functional Vision helpers: pixel_shuffle, interpolate/upsample."""

from __future__ import annotations

__all__: list[str] = []
