"""Per-run records of a training session and the per-design memory of training options.

``RunRecord`` keeps what one run produced (metrics in growable arrays, epoch rows, the final
report, the trained weights as numpy); ``ConfigMemory`` remembers the last data source,
options and :class:`TrainConfig` of each design file in a QSettings.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QSettings

from netlab.training import TrainConfig

__all__ = ["Growable", "RunRecord", "ConfigMemory", "default_source"]


class Growable:
    """A 1-D numpy array that grows by appending chunks (amortised doubling).

    Examples
    --------
    >>> g = Growable(np.int64)
    >>> g.extend(np.arange(3)); g.extend([7])
    >>> g.view().tolist()
    [0, 1, 2, 7]
    """

    def __init__(self, dtype=np.float64, capacity: int = 256):
        self._a = np.empty(capacity, dtype=dtype)
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def extend(self, values) -> None:
        values = np.asarray(values, dtype=self._a.dtype).reshape(-1)
        need = self._n + len(values)
        if need > len(self._a):
            grown = np.empty(max(need, 2 * len(self._a)), dtype=self._a.dtype)
            grown[:self._n] = self._a[:self._n]
            self._a = grown
        self._a[self._n:need] = values
        self._n = need

    def view(self) -> np.ndarray:
        """The filled part (a view: copy it to keep it)."""
        return self._a[:self._n]


@dataclass
class RunRecord:
    """Everything one run of a session produced.

    ``state`` follows the session's states; ``state_dict`` (design keys -> numpy arrays) and
    ``report`` (the trainer's final report) are set when the run ends.

    Examples
    --------
    >>> r = RunRecord(run_id=1, config={}, design_name="net", data_source="moons")
    >>> r.add_metrics({"step": np.array([1, 2]), "loss": np.array([0.9, 0.8]),
    ...                "accuracy": None, "lr": np.array([0.1, 0.1])})
    >>> r.steps.view().tolist(), bool(np.isnan(r.accuracy.view()).all())
    ([1, 2], True)
    """

    run_id: int
    config: dict
    design_name: str
    data_source: str
    data_options: dict = field(default_factory=dict)
    started: dict = field(default_factory=dict)  # the runStarted payload
    steps: Growable = field(default_factory=lambda: Growable(np.int64))
    loss: Growable = field(default_factory=Growable)
    accuracy: Growable = field(default_factory=Growable)  # NaN where none (regression)
    lr: Growable = field(default_factory=Growable)
    epochs: list = field(default_factory=list)  # the epoch rows, from metrics["epochs"]
    report: dict | None = None
    state_dict: dict | None = None
    state: str = "running"
    design: object = None  # the compiled snapshot (a Design), for export
    message: str | None = None  # why it failed, if it did

    def add_metrics(self, m: dict) -> None:
        """Append a ``metrics`` payload: its points and its epoch rows (``"epochs"``)."""
        self.epochs.extend(dict(row) for row in m.get("epochs") or ())
        n = len(m["step"])
        self.steps.extend(m["step"])
        self.loss.extend(m["loss"])
        self.accuracy.extend(np.full(n, np.nan) if m.get("accuracy") is None
                             else m["accuracy"])
        self.lr.extend(m["lr"])


def default_source(input_shape) -> tuple[str, dict]:
    """A built-in data set that fits a design's input shape, with its options.

    Examples
    --------
    >>> default_source((1, 8, 8)), default_source((3,))
    (('digits', {}), ('sin', {'degree': 3}))
    """
    n = math.prod(input_shape) if input_shape else 0
    if n == 64:
        return "digits", {}
    if n == 2:
        return "moons", {}
    if n == 1:
        return "sin", {}
    if n == 3:
        return "sin", {"degree": 3}
    if input_shape and len(input_shape) == 3:
        return "images", {"shape": tuple(int(s) for s in input_shape)}
    return "regression", {"d_in": max(n, 1)}


class ConfigMemory:
    """The last training options of each design, kept in ``settings`` under its path.

    Examples
    --------
    >>> import tempfile, os
    >>> s = QSettings(os.path.join(tempfile.mkdtemp(), "s.ini"), QSettings.Format.IniFormat)
    >>> mem = ConfigMemory(s)
    >>> mem.save("/a/net.json", "moons", TrainConfig(epochs=3), {"val_split": 0.1})
    >>> src, cfg, opts = mem.load("/a/net.json")
    >>> src, cfg.epochs, opts
    ('moons', 3, {'val_split': 0.1})
    """

    GROUP = "training"

    def __init__(self, settings: QSettings | None = None):
        self.settings = settings if settings is not None else QSettings()

    @staticmethod
    def _key(design_key: str) -> str:
        # QSettings keys treat '/' and '\\' as groups: keep one flat key per design
        return ConfigMemory.GROUP + "/" + design_key.replace("/", "|").replace("\\", "|")

    def save(self, design_key: str, source: str, config: TrainConfig, options: dict) -> None:
        opts = {k: list(v) if isinstance(v, tuple) else v for k, v in options.items()}
        text = json.dumps({"source": source, "config": config.to_dict(), "options": opts})
        self.settings.setValue(self._key(design_key), text)
        self.settings.sync()

    def load(self, design_key: str) -> tuple[str, TrainConfig, dict] | None:
        """(source, config, options) or None when nothing (readable) is remembered."""
        text = self.settings.value(self._key(design_key))
        if not text:
            return None
        try:
            data = json.loads(text)
            config = TrainConfig.from_dict(data["config"]).validate()
            options = {k: tuple(v) if isinstance(v, list) else v
                       for k, v in dict(data.get("options") or {}).items()}
            return str(data["source"]), config, options
        except (ValueError, KeyError, TypeError):  # an old or damaged entry: forget it
            return None
