"""Training checkpoints: everything needed to continue a run on exactly the same trajectory.

A checkpoint is a ``netlab.save()``d dict (a ``.pt`` file ``torch.load`` also reads):

- ``format`` ("netlab-checkpoint"), ``version``
- ``model``: the model's state_dict; ``optimizer``: the optimizer's state_dict;
  ``scheduler``: the scheduler's state_dict or None
- ``epoch`` (the epoch to continue, counting from 0), ``batch`` (the next batch in it),
  ``step`` (optimizer steps taken), ``epoch_sums`` (the running sums of the unfinished epoch)
- ``config``: the TrainConfig as a dict; ``history``: the History as a JSON string (a
  string pickles in one piece, where thousands of small dicts would not)
- ``rng_state``: netlab's default generator state (dropout and other random layers)
- ``best_metric``, ``last_epoch``, ``elapsed``, ``task``, ``loss``
"""

from __future__ import annotations

import json
import os

import netlab
from netlab.training.history import History

__all__ = ["LAST", "BEST", "CheckpointError", "save", "load", "restore"]

LAST = "last.ckpt"
BEST = "best.ckpt"
FORMAT = "netlab-checkpoint"
VERSION = 1
REQUIRED = ("model", "optimizer", "scheduler", "epoch", "batch", "step", "config", "history",
            "rng_state")


class CheckpointError(ValueError):
    """A checkpoint file that cannot be read or does not fit the model/data it is used with."""


def build(trainer) -> dict:
    """The checkpoint dict of ``trainer`` as it is now (between batches)."""
    return {
        "format": FORMAT, "version": VERSION,
        "model": trainer.model.state_dict(),
        "optimizer": trainer.optimizer.state_dict(),
        "scheduler": None if trainer.scheduler is None else trainer.scheduler.state_dict(),
        "epoch": trainer.epoch, "batch": trainer.batch, "step": trainer.step_count,
        "epoch_sums": list(trainer._sums),
        "config": trainer.config.to_dict(),
        "history": json.dumps(trainer.history.to_dict()),
        "rng_state": netlab.get_rng_state(),
        "best_metric": trainer.best_metric,
        "last_epoch": trainer.last_epoch_row,
        "elapsed": trainer._elapsed() if trainer.state != "idle" else trainer._elapsed_before,
        "task": trainer.task, "loss": trainer.loss_key,
    }


def save(trainer, path) -> str:
    """Write ``trainer``'s checkpoint to ``path`` (atomically; folders created); returns it."""
    path = os.fspath(path)
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    netlab.save(build(trainer), path)
    return path


def load(path) -> dict:
    """Read a checkpoint written by :func:`save`, checking that it is one.

    Examples
    --------
    >>> try:
    ...     load("/no/such/last.ckpt")
    ... except CheckpointError as exc:
    ...     print(exc)
    /no/such/last.ckpt: cannot read the checkpoint (No such file or directory)
    """
    path = os.fspath(path)
    try:
        state = netlab.load(path, format="pt")
    except OSError as exc:
        raise CheckpointError(f"{path}: cannot read the checkpoint ({exc.strerror})") from None
    except Exception as exc:  # a damaged or foreign file: say which and why
        raise CheckpointError(f"{path}: not a readable checkpoint ({exc})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a netlab training checkpoint (a model's weights "
                              f"file? use netlab.load for those)")
    missing = [k for k in REQUIRED if k not in state]
    if missing:
        raise CheckpointError(f"{path}: the checkpoint lacks {', '.join(missing)}")
    if state.get("version", 0) > VERSION:
        raise CheckpointError(f"{path}: written by a newer netlab (checkpoint version "
                              f"{state['version']}, this one reads {VERSION})")
    return state


def restore(trainer, state: dict, path="<checkpoint>") -> None:
    """Put a freshly built ``trainer`` (same model structure, data and config) at the
    checkpoint's position: weights, optimizer and scheduler state, history, random state."""
    try:
        trainer.model.load_state_dict(state["model"])
    except (KeyError, RuntimeError, ValueError) as exc:
        raise CheckpointError(f"{path}: the checkpoint's weights do not fit this model: "
                              f"{exc}") from None
    try:
        trainer.optimizer.load_state_dict(state["optimizer"])
    except (KeyError, ValueError) as exc:
        raise CheckpointError(f"{path}: the optimizer state does not fit: {exc}") from None
    if (state["scheduler"] is None) != (trainer.scheduler is None):
        raise CheckpointError(f"{path}: the checkpoint was saved "
                              f"{'without' if state['scheduler'] is None else 'with'} a "
                              f"scheduler, but the config says otherwise")
    if trainer.scheduler is not None:
        trainer.scheduler.load_state_dict(state["scheduler"])
    if state.get("task") not in (None, trainer.task):
        raise CheckpointError(f"{path}: the checkpoint is of a {state['task']} run, the data "
                              f"is {trainer.task}")
    trainer.epoch, trainer.batch = int(state["epoch"]), int(state["batch"])
    trainer.step_count = int(state["step"])
    trainer._sums = list(state.get("epoch_sums") or [0.0, 0, 0, 0])
    history = History.from_dict(json.loads(state["history"]), path)
    history.config = trainer.config.to_dict()
    trainer.history = history
    trainer.best_metric = state.get("best_metric")
    trainer.last_epoch_row = state.get("last_epoch")
    trainer._elapsed_before = float(state.get("elapsed") or 0.0)
    netlab.set_rng_state(state["rng_state"])
