"""The trainer's events: names, the payload rule (plain Python/numpy only) and dispatch.

Every event is a name and a dict. Payloads never hold Tensors or cupy arrays, so a GUI can
carry them across threads: only Python scalars, strings, None, lists/tuples/dicts and (in
"stats" histograms) numpy arrays; all but "stats" are JSON-able as they are. Epoch and
batch numbers in payloads count from 1 ("epoch 1 of 10"); ``step`` counts the optimizer
steps taken so far (1 after the first batch).

Event names and payload keys:

- ``"start"``: config, n_train, n_val, steps_per_epoch, task, epochs, start_step
- ``"batch"``: epoch, batch, step, loss, accuracy (None for regression), lr,
  samples_per_sec, elapsed, eta
- ``"stats"``: the report of :class:`netlab.training.stats.TrainingStats` plus step
- ``"epoch"``: epoch, step, train_loss, train_accuracy, val_loss, val_accuracy, lr, elapsed
- ``"paused"`` / ``"resumed"``: step
- ``"nonfinite"``: step, where ("loss" | "gradient" | "weights"), layer, parameter, message
- ``"checkpoint"``: path, kind ("last" | "best"), epoch, metric
- ``"finished"``: the final report (see :meth:`netlab.training.Trainer.run`); always the
  last event. When the run raises (a bug, a shape error, Ctrl+C) it is a short
  ``{reason: "error" | "interrupted", error, steps, epochs_run}`` and the exception follows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

__all__ = ["EVENTS", "Callback", "EventBus", "plain"]

EVENTS = ("start", "batch", "stats", "epoch", "paused", "resumed", "nonfinite", "checkpoint",
          "finished")

Callback = Callable[[str, dict], None]


def plain(value):
    """``value`` with numpy scalars turned into Python numbers and tuples/lists walked.

    numpy arrays stay numpy arrays (moved to the host); anything with ``.get()`` (a cupy
    array) is copied to the host first. Tensors are refused: they must never leave the
    training thread.

    Examples
    --------
    >>> import numpy as np
    >>> plain({"loss": np.float32(0.5), "sizes": (np.int64(2), 3)})
    {'loss': 0.5, 'sizes': (2, 3)}
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(plain(v) for v in value)
    if type(value).__module__.startswith("cupy"):
        return value.get()
    raise TypeError(f"event payloads hold plain Python/numpy data only, got "
                    f"{type(value).__name__}: convert it (e.g. float(t.item())) before emitting")


class EventBus:
    """Calls each callback with ``(event, payload)`` in the order they were added.

    A callback that raises stops the run: the error is the caller's (a bug in a GUI slot
    or a script), and hiding it would leave a run nobody watches.

    Examples
    --------
    >>> seen = []
    >>> bus = EventBus([lambda e, p: seen.append(e)])
    >>> bus.emit("paused", {"step": 3})
    >>> seen
    ['paused']
    """

    def __init__(self, callbacks=()):
        self._callbacks: list[Callback] = []
        for fn in callbacks:
            self.add(fn)

    def add(self, fn: Callback) -> None:
        if not callable(fn):
            raise TypeError(f"a training callback must be callable as fn(event, payload), "
                            f"got {type(fn).__name__}")
        self._callbacks.append(fn)

    def remove(self, fn: Callback) -> None:
        self._callbacks.remove(fn)

    def __len__(self) -> int:
        return len(self._callbacks)

    def emit(self, event: str, payload: dict) -> None:
        for fn in self._callbacks:
            fn(event, payload)

