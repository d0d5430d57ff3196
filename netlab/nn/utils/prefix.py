"""Adding and stripping a state_dict key prefix such as DataParallel's 'module.'."""

from __future__ import annotations

__all__: list[str] = []
