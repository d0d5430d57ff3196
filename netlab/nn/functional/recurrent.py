"""Functional Recurrent cells' functional pieces (if any)."""

from __future__ import annotations

__all__: list[str] = []
