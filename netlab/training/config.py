"""``TrainConfig``: every option of a training run, JSON-able (saved in history/checkpoints)."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field

__all__ = ["TrainConfig"]


@dataclass
class TrainConfig:
    """The options of one training run.

    Attributes
    ----------
    epochs, batch_size, lr:
        Passes over the training data, samples per batch (the last partial batch is kept),
        learning rate.
    optimizer, optimizer_options:
        ``"sgd" | "adam" | "adamw" | "rmsprop" | "adagrad"`` and its options, e.g.
        ``{"momentum": 0.9, "weight_decay": 0.0}``.
    loss, loss_options:
        ``"auto"`` (cross entropy for classification, mse for regression) or a name from
        :data:`netlab.training.losses.LOSSES`; options e.g. ``{"reduction": "sum"}``.
    scheduler, scheduler_options:
        None or a name from :data:`netlab.training.optimizers.SCHEDULERS`; the option
        ``interval`` ("epoch" | "step") says when it steps.
    device:
        ``"cpu"`` or ``"cuda"``; the trainer moves the model and data there.
    seed, shuffle:
        Epoch ``e`` (counting from 0) visits the samples in the order
        ``np.random.default_rng([seed, e]).permutation(n)`` when shuffling, else in order.
    stats_every, histogram_bins:
        Gradient/activation statistics every k steps (0: off) and histogram bins (0: none).
    checkpoint_dir:
        Folder for ``last.ckpt``, ``best.ckpt``, ``history.json`` and ``history.csv``.

    Examples
    --------
    >>> cfg = TrainConfig(epochs=2, optimizer="adam", lr=1e-3)
    >>> TrainConfig.from_dict(cfg.to_dict()) == cfg
    True
    """

    epochs: int = 10
    batch_size: int = 32
    lr: float = 0.01
    optimizer: str = "sgd"
    optimizer_options: dict = field(default_factory=dict)
    loss: str = "auto"
    loss_options: dict = field(default_factory=dict)
    scheduler: str | None = None
    scheduler_options: dict = field(default_factory=dict)
    device: str = "cpu"
    seed: int = 0
    shuffle: bool = True
    stats_every: int = 0
    histogram_bins: int = 0
    checkpoint_dir: str | None = None

    def validate(self) -> TrainConfig:
        """Raise ``ValueError`` naming the first bad field; returns self."""
        for name in ("epochs", "batch_size"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ValueError(f"TrainConfig.{name} must be a whole number of at least 1, "
                                 f"got {v!r}")
        for name in ("stats_every", "histogram_bins", "seed"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise ValueError(f"TrainConfig.{name} must be a whole number of at least 0, "
                                 f"got {v!r}")
        if not isinstance(self.lr, (int, float)) or isinstance(self.lr, bool) or \
                not self.lr > 0:
            raise ValueError(f"TrainConfig.lr must be a number above 0, got {self.lr!r}")
        for name in ("optimizer_options", "loss_options", "scheduler_options"):
            if not isinstance(getattr(self, name), dict):
                raise ValueError(f"TrainConfig.{name} must be a dict of option: value, got "
                                 f"{type(getattr(self, name)).__name__}")
        if not isinstance(self.shuffle, bool):
            raise ValueError(f"TrainConfig.shuffle must be True or False, got {self.shuffle!r}")
        return self

    def to_dict(self) -> dict:
        """A JSON-able copy of every field."""
        return json.loads(json.dumps(dataclasses.asdict(self)))

    @classmethod
    def from_dict(cls, data: dict) -> TrainConfig:
        """Build from :meth:`to_dict`'s output; unknown keys are an error naming them."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"TrainConfig: unknown option(s) {', '.join(unknown)}; the options "
                             f"are {', '.join(sorted(names))}")
        return cls(**data)
