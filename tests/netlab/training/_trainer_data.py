"""Small data sets and models shared by the trainer tests: netlab.datasets' blobs, and a
stand-in shaped as ``netlab.datasets.Data`` for the hand-built cases (exact values, NaN)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

import netlab
from netlab import nn
from netlab.datasets import load


@dataclass
class FakeData:
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray | None
    y_val: np.ndarray | None
    task: str
    classes: list | None = None
    name: str = "fake"
    info: dict = field(default_factory=dict)


def blobs(n=120, n_val=40, classes=3, seed=0):
    """netlab.datasets' Gaussian blobs, standardised: n train and n_val validation samples."""
    return load("blobs", n_samples=n + n_val, val_split=n_val / (n + n_val), classes=classes,
                noise=1.0, scale="standard", seed=seed)


def line(n=64, n_val=16, seed=0) -> FakeData:
    """y = 2x - 1 plus a little noise, x in [-1, 1]: regression with one input value."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(n + n_val, 1)).astype(np.float32)
    y = (2 * x[:, 0] - 1 + 0.01 * rng.normal(size=n + n_val)).astype(np.float32)
    return FakeData(x[:n], y[:n], x[n:], y[n:], "regression")


def mlp(d_in=2, hidden=8, d_out=3, seed=0, dropout=0.0) -> nn.Module:
    netlab.manual_seed(seed)
    layers = [nn.Linear(d_in, hidden), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(hidden, d_out))
    return nn.Sequential(*layers)


def weights(model) -> dict:
    """A host copy of the model's state_dict (numpy arrays)."""
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}


def is_plain(value) -> bool:
    """True for payloads made only of Python scalars, strings, None, containers and numpy
    arrays (never Tensors, never numpy scalars)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return not isinstance(value, np.generic)
    if isinstance(value, np.ndarray):
        return True
    if isinstance(value, dict):
        return all(isinstance(k, str) and is_plain(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(is_plain(v) for v in value)
    return False
