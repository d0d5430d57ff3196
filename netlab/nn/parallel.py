"""DataParallel and the DistributedDataParallel name."""

from __future__ import annotations

__all__: list[str] = []
