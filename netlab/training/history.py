"""``History``: a run's config and its metrics per step and per epoch, saved as JSON/CSV."""

from __future__ import annotations

import csv
import json
import math
import os

import numpy as np

__all__ = ["History", "HISTORY_JSON", "HISTORY_CSV"]

HISTORY_JSON = "history.json"
HISTORY_CSV = "history.csv"
STEP_KEYS = ("step", "epoch", "batch", "loss", "accuracy", "lr", "elapsed")
EPOCH_KEYS = ("epoch", "step", "train_loss", "train_accuracy", "val_loss", "val_accuracy",
              "lr", "elapsed")


def _json_number(v):
    # JSON has no NaN/Infinity: write them as strings so the file stays standard JSON
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return v


def _from_json_number(v):
    return float(v) if v in ("nan", "inf", "-inf") else v


class History:
    """Per-step rows (step, epoch, batch, loss, accuracy, lr, elapsed) and per-epoch rows
    (epoch, step, train/val loss and accuracy, lr, elapsed) of one run, with its config.

    ``save(folder)`` writes ``history.json`` (config, steps, epochs) and ``history.csv`` (the
    per-step rows), so runs can be compared in any tool; :meth:`load` reads the JSON back.

    Examples
    --------
    >>> h = History({"lr": 0.1})
    >>> h.add_step({"step": 1, "epoch": 1, "batch": 1, "loss": 2.0, "accuracy": None,
    ...             "lr": 0.1, "elapsed": 0.01})
    >>> h.column("loss").tolist()
    [2.0]
    """

    def __init__(self, config: dict | None = None, steps=None, epochs=None, meta=None):
        self.config: dict = dict(config or {})
        self.steps: list[dict] = list(steps or [])
        self.epochs: list[dict] = list(epochs or [])
        self.meta: dict = dict(meta or {})  # task, classes, data name: what the run was on

    def add_step(self, row: dict) -> None:
        self.steps.append({k: row.get(k) for k in STEP_KEYS})

    def add_epoch(self, row: dict) -> None:
        self.epochs.append({k: row.get(k) for k in EPOCH_KEYS})

    def column(self, key: str, per: str = "step") -> np.ndarray:
        """One metric as a float64 array (None becomes NaN), per ``"step"`` or ``"epoch"``."""
        rows = self.steps if per == "step" else self.epochs
        if per not in ("step", "epoch"):
            raise ValueError(f"History.column: per must be 'step' or 'epoch', got {per!r}")
        keys = STEP_KEYS if per == "step" else EPOCH_KEYS
        if key not in keys:
            raise KeyError(f"History.column: no per-{per} metric {key!r}; the metrics are "
                           f"{', '.join(keys)}")
        return np.array([np.nan if r.get(key) is None else r[key] for r in rows],
                        dtype=np.float64)

    # (de)serialisation --------------------------------------------------------------------
    def to_dict(self) -> dict:
        """A JSON-able dict: ``{"format", "config", "meta", "steps", "epochs"}``."""
        return {"format": "netlab-history", "version": 1, "config": self.config,
                "meta": self.meta,
                "steps": [{k: _json_number(v) for k, v in r.items()} for r in self.steps],
                "epochs": [{k: _json_number(v) for k, v in r.items()} for r in self.epochs]}

    @classmethod
    def from_dict(cls, data: dict, where: str = "<history>") -> History:
        if not isinstance(data, dict) or data.get("format") != "netlab-history":
            raise ValueError(f"{where}: not a netlab history (expected a JSON object with "
                             f"\"format\": \"netlab-history\")")
        steps = [{k: _from_json_number(v) for k, v in r.items()} for r in data.get("steps", [])]
        epochs = [{k: _from_json_number(v) for k, v in r.items()}
                  for r in data.get("epochs", [])]
        return cls(data.get("config"), steps, epochs, data.get("meta"))

    def save(self, folder) -> tuple[str, str]:
        """Write ``history.json`` and ``history.csv`` into ``folder`` (created if needed);
        returns their paths."""
        folder = os.fspath(folder)
        os.makedirs(folder, exist_ok=True)
        json_path = os.path.join(folder, HISTORY_JSON)
        csv_path = os.path.join(folder, HISTORY_CSV)
        tmp = json_path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(self.to_dict(), fh, indent=1)
        os.replace(tmp, json_path)  # a reader never sees half a file
        tmp = csv_path + ".tmp"
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(STEP_KEYS)
            for r in self.steps:
                writer.writerow(["" if r.get(k) is None else r[k] for k in STEP_KEYS])
        os.replace(tmp, csv_path)
        return json_path, csv_path

    @classmethod
    def load(cls, path) -> History:
        """Read a ``history.json`` (or the folder holding one)."""
        path = os.fspath(path)
        if os.path.isdir(path):
            path = os.path.join(path, HISTORY_JSON)
        try:
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
        except OSError as exc:
            raise ValueError(f"{path}: cannot read the history ({exc.strerror})") from None
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}, line {exc.lineno}: not valid JSON ({exc.msg})") from None
        return cls.from_dict(data, path)

    def __len__(self) -> int:
        return len(self.steps)

    def __repr__(self):
        return f"History({len(self.steps)} steps, {len(self.epochs)} epochs)"
