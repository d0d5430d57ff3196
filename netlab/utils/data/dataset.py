"""Datasets: Dataset, TensorDataset, Subset, ConcatDataset, random_split."""

from __future__ import annotations

__all__: list[str] = []
