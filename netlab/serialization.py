"""``netlab.save`` / ``netlab.load``: PyTorch's .pt zip format, safetensors and npz."""

from __future__ import annotations

__all__: list[str] = []
