"""``TrainingWorker``: runs a :class:`netlab.training.Trainer` in a QThread and turns its
events into throttled Qt signals of plain Python/numpy data.

The trainer's callbacks run in the worker thread; they collect batch and epoch rows and emit
at most ~10 ``metrics`` a second (the points and the epoch rows since the last emission: a
tiny data set ends ~100 epochs a second, one signal each would flood the GUI), the latest
statistics report at most ~4 times a second with the series of every report collected since
the previous one, and results (predictions, confusion, decision boundary) at most ~2 times a
second, computed between batches under ``no_grad`` in eval mode. Signals cross to the GUI
thread queued. ``finished`` is emitted exactly once, whatever happens, after a last forced
flush, so no point, epoch row or report is lost.

Payloads beyond the session's contract:

- ``metrics["epochs"]``: the epoch rows (the trainer's ``epoch`` payloads + ``run_id``) that
  ended since the previous emission, usually ``[]``. An epoch row always travels in the same
  payload as the batch point of its last step.
- ``statsUpdated["series"]``: ``{"step": int64 array of every collected step since the
  previous emission (ascending, the latest last), "layers": {layer: {"grad_norm",
  "update_ratio", "weight_norm": float64 arrays aligned with "step", NaN where None}}}``.
- ``statsUpdated["hist_series"]``: the histograms of the reports skipped (collected since the
  previous emission, the latest excluded: it is the payload itself): ``{parameter: {"step":
  int64 array, "grad": [counts or None per step], "weight": [...], "grad_edges": [edges or
  None per step], "weight_edges": [...], "edges": {"grad": latest edges, "weight": latest
  edges}}}`` (edges per row: a parameter's range may double between two reports).
"""

from __future__ import annotations

import os
import threading
import time
import traceback

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot
from threadpoolctl import threadpool_limits

from ui.training.probe import ResultsProbe

__all__ = ["TrainingWorker", "METRICS_INTERVAL", "STATS_INTERVAL", "RESULTS_INTERVAL",
           "blas_threads", "stats_series", "histogram_series"]

METRICS_INTERVAL = 0.1  # s: ~10 metrics emissions a second at most
STATS_INTERVAL = 0.25  # s: ~4 statistics reports a second
YIELD_INTERVAL = 0.005  # s: the training thread offers the GIL to the GUI at least this often
RESULTS_INTERVAL = 0.5  # s: results at most ~2 a second (and never more than ~10% of the time)
_clock = time.monotonic  # the throttling clock (tests replace it)


def blas_threads() -> int:
    """The BLAS threads a run in the Studio may use: every core but one, which stays with
    the GUI thread. OpenBLAS's idle threads spin: on two cores the trainer, a spinning BLAS
    thread and the GUI would fight over them, and every millisecond the GUI draws would be
    taken from the trainer (small models train as fast on one BLAS thread)."""
    return max(1, (os.cpu_count() or 1) - 1)


class TrainingWorker(QObject):
    """Runs ``trainer.run()`` in the thread it lives in (call :meth:`run` from
    ``QThread.started``) and reports through signals.

    Parameters
    ----------
    trainer : netlab.training.Trainer
        A trainer that has not run yet; the worker adds its callback.
    run_id : int
        Put into every payload.
    probe : ResultsProbe or None
        Computes the results payloads (None: no results).

    Examples
    --------
    >>> worker = TrainingWorker(trainer, run_id=1)  # doctest: +SKIP
    >>> worker.moveToThread(thread); thread.started.connect(worker.run)  # doctest: +SKIP
    """

    metrics = Signal(dict)  # batch points and "epochs" (the epoch rows) since the last one
    statsUpdated = Signal(dict)
    resultsUpdated = Signal(dict)
    stateChanged = Signal(str)  # "paused" / "running" as the trainer announces them
    nonfinite = Signal(dict)
    checkpointSaved = Signal(str)
    checkpointFailed = Signal(str)
    finished = Signal(dict)  # the trainer's final report + run_id; always, exactly once

    def __init__(self, trainer, run_id: int, probe: ResultsProbe | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.trainer = trainer
        self.run_id = int(run_id)
        self.probe = probe
        self.state_dict: dict | None = None  # the trained weights as numpy, set before finished
        self.error: str | None = None
        self._rows: list[dict] = []
        self._epochs: list[dict] = []  # epoch rows not emitted yet
        self._stats: dict | None = None
        self._reports: list[dict] = []  # statistics reports since the last emission
        self._report: dict | None = None
        self._paused = False
        self._last_metrics = self._last_stats = self._last_results = -1e9
        self._last_yield = -1e9
        self._results_interval = RESULTS_INTERVAL
        self._lock = threading.Lock()
        self._checkpoints: list[str] = []
        self.total_steps = trainer.config.epochs * trainer.steps_per_epoch
        trainer.add_callback(self._on_trainer_event)
        trainer.set_idle_hook(self._on_trainer_idle)

    # requests from the GUI thread ---------------------------------------------------------
    def request_checkpoint(self, path: str) -> None:
        """Save a checkpoint to ``path`` after the current batch, or at once (in the training
        thread) when paused (thread-safe)."""
        with self._lock:
            self._checkpoints.append(str(path))
        self.trainer.wake()  # a paused trainer saves it, then waits again

    def take_checkpoint_requests(self) -> list[str]:
        """The requests not served yet (after the run: the caller saves them itself)."""
        with self._lock:
            paths, self._checkpoints = self._checkpoints, []
        return paths

    # the thread's work --------------------------------------------------------------------
    @Slot()
    def run(self) -> None:
        """Train until done; emits ``finished`` in every case, then quits the thread."""
        report = None
        try:
            with np.errstate(all="ignore"), threadpool_limits(blas_threads(), "blas"):
                report = self.trainer.run()
        except Exception as e:  # noqa: BLE001 - reported as a failed run, never raised in Qt
            self.error = f"{type(e).__name__}: {e}"
            traceback.print_exc()
        finally:
            try:
                with np.errstate(all="ignore"):  # NaN results after a nonfinite run are fine
                    self._flush(force_results=True)
                if self._checkpoints:  # asked for during the last batch
                    self._save_requested()
                self.state_dict = self._capture_state()
            except Exception:  # noqa: BLE001 - finished must still go out
                traceback.print_exc()
            payload = dict(report or self._report or {})
            if not payload or self.error is not None:
                payload.update(reason="error", error=self.error or payload.get("error"))
                payload.setdefault("steps", self.trainer.step_count)
                payload.setdefault("epochs_run", self.trainer.epoch)
            payload["run_id"] = self.run_id
            self.finished.emit(payload)
            thread = QThread.currentThread()
            app = QCoreApplication.instance()
            if thread is not None and (app is None or thread is not app.thread()):
                thread.quit()  # a worker run directly in the GUI thread (tests) quits nothing

    def _capture_state(self) -> dict:
        from netlab import backend

        return {k: np.array(backend.to_numpy(v._array if hasattr(v, "_array") else v))
                for k, v in self.trainer.model.state_dict().items()}

    # trainer callbacks (worker thread) ------------------------------------------------------
    def _on_trainer_event(self, event: str, payload: dict) -> None:
        if event == "batch":
            self._rows.append(payload)
            self._after_batch(payload)
        elif event == "stats":
            self._stats = payload
            self._reports.append(payload)
        elif event == "epoch":
            # the row waits for the next throttled flush (tiny data sets end many epochs a
            # second); its last batch point waited for it (see _after_batch)
            self._epochs.append({"run_id": self.run_id, **payload})
            if self._paused or _clock() - self._last_metrics >= METRICS_INTERVAL:
                self._flush_metrics()
        elif event == "paused":
            self._paused = True
            self._flush(force_results=True)
            self.stateChanged.emit("paused")
        elif event == "resumed":
            self._paused = False
            self.stateChanged.emit("running")
        elif event == "nonfinite":
            self._flush_metrics()
            self.nonfinite.emit({"run_id": self.run_id, **payload})
        elif event == "checkpoint":
            self.checkpointSaved.emit(str(payload["path"]))
        elif event == "finished":
            self._report = payload

    def _after_batch(self, row: dict) -> None:
        # an epoch's last batch: its "epoch" event comes next and flushes both together
        epoch_ends = row.get("batch", 0) >= self.trainer.steps_per_epoch
        if self._paused:  # a single step while paused: show it at once
            if not epoch_ends:
                self._flush_metrics()
            self._flush(force_results=True, metrics=False)
        else:
            now = _clock()
            if now - self._last_yield >= YIELD_INTERVAL:
                # hand the GIL over if the GUI thread waits for it: without this a tiny model
                # (moons MLP, ~0.3 ms a step) kept it ~100 ms at a time and the editor froze;
                # offered on every batch, the hand-overs cost the digits CNN ~15 %
                self._last_yield = now
                time.sleep(0)
            if not epoch_ends and now - self._last_metrics >= METRICS_INTERVAL:
                self._flush_metrics(now)
            if self._stats is not None and now - self._last_stats >= STATS_INTERVAL:
                self._flush_stats(now)
            if self.probe is not None and now - self._last_results >= self._results_interval:
                self._emit_results()
        if self._checkpoints:
            self._save_requested()

    def _on_trainer_idle(self) -> None:
        """The trainer is about to wait while paused: between batches, nothing in flight."""
        if self._checkpoints:
            self._save_requested()

    def _save_requested(self) -> None:
        for path in self.take_checkpoint_requests():
            try:
                self.trainer.save_checkpoint(path)
            except Exception as e:  # noqa: BLE001 - a bad path is the user's, shown
                self.checkpointFailed.emit(f"could not save the checkpoint {path}: {e}")
            else:
                self.checkpointSaved.emit(path)

    def _flush(self, force_results: bool = False, metrics: bool = True) -> None:
        if metrics:
            self._flush_metrics()
        if self._stats is not None:
            self._flush_stats()
        if force_results and self.probe is not None:
            self._emit_results()

    def _flush_metrics(self, now: float | None = None) -> None:
        self._last_metrics = _clock() if now is None else now
        rows, self._rows = self._rows, []
        epochs, self._epochs = self._epochs, []
        if not rows and not epochs:
            return
        trainer = self.trainer
        # never without a point in practice (an epoch row travels with its last step's)
        last = rows[-1] if rows else {"epoch": trainer.epoch, "batch": trainer.batch,
                                      "samples_per_sec": None, "eta": None,
                                      "elapsed": epochs[-1].get("elapsed")}
        acc = [r["accuracy"] for r in rows]
        self.metrics.emit({
            "run_id": self.run_id,
            "step": np.array([r["step"] for r in rows], dtype=np.int64),
            "loss": np.array([r["loss"] for r in rows], dtype=np.float64),
            "accuracy": None if all(a is None for a in acc) else np.array(
                [np.nan if a is None else a for a in acc], dtype=np.float64),
            "lr": np.array([r["lr"] for r in rows], dtype=np.float64),
            "epoch": last["epoch"], "batch": last["batch"],
            "steps_per_epoch": trainer.steps_per_epoch, "total_steps": self.total_steps,
            "samples_per_sec": last["samples_per_sec"], "eta": last["eta"],
            "elapsed": last["elapsed"], "epochs": epochs})

    def _flush_stats(self, now: float | None = None) -> None:
        self._last_stats = _clock() if now is None else now
        stats, self._stats = self._stats, None
        reports, self._reports = self._reports or [stats], []
        self.statsUpdated.emit({**stats, "run_id": self.run_id, "series": stats_series(reports),
                                "hist_series": histogram_series(reports[:-1])})

    def _emit_results(self) -> None:
        t0 = _clock()
        try:
            with np.errstate(all="ignore"):
                result = self.probe.compute(self.trainer.model, self.trainer.device)
        except Exception:  # noqa: BLE001 - a results bug must not stop the training
            traceback.print_exc()
            self.probe = None
            return
        cost = _clock() - t0
        self._last_results = _clock()
        # keep the results under ~10% of the training time, however slow the model is
        self._results_interval = max(RESULTS_INTERVAL, 10 * cost)
        self.resultsUpdated.emit({**result, "run_id": self.run_id,
                                  "step": self.trainer.step_count})


def _number(value) -> float:
    return np.nan if value is None else float(value)


def stats_series(reports: list[dict]) -> dict:
    """The per-layer numbers of statistics ``reports`` (in step order) as aligned arrays.

    Examples
    --------
    >>> s = stats_series([{"step": 2, "layers": {"fc": {"grad_norm": 0.5}}},
    ...                   {"step": 4, "layers": {"fc": {"grad_norm": None}}}])
    >>> s["step"].tolist(), s["layers"]["fc"]["grad_norm"].tolist()
    ([2, 4], [0.5, nan])
    """
    names: dict[str, None] = {}  # every layer of any report, in first-seen order
    for r in reports:
        names.update(dict.fromkeys(r.get("layers") or {}))
    layers = {}
    for name in names:
        rows = [(r.get("layers") or {}).get(name) or {} for r in reports]
        layers[name] = {key: np.array([_number(row.get(key)) for row in rows],
                                      dtype=np.float64)
                        for key in ("grad_norm", "update_ratio", "weight_norm")}
    return {"step": np.array([int(r["step"]) for r in reports], dtype=np.int64),
            "layers": layers}


def histogram_series(reports: list[dict]) -> dict:
    """The gradient and weight histograms of ``reports`` per parameter (parameters without
    any histogram left out), each row with its own edges.

    Examples
    --------
    >>> h = (np.array([1, 2]), np.array([-1.0, 0.0, 1.0]))
    >>> out = histogram_series([{"step": 3, "parameters": {"w": {"grad_hist": h}}}])
    >>> out["w"]["step"].tolist(), out["w"]["grad"][0].tolist(), out["w"]["weight"]
    ([3], [1, 2], [None])
    """
    out: dict = {}
    for r in reports:
        for name, p in (r.get("parameters") or {}).items():
            hists = {kind: p.get(f"{kind}_hist") for kind in ("grad", "weight")}
            if all(h is None or h[0] is None for h in hists.values()):
                continue
            entry = out.get(name)
            if entry is None:
                entry = out[name] = {"rows": [], "edges": {"grad": None, "weight": None}}
            entry["rows"].append((int(r["step"]), hists))
    for entry in out.values():
        rows = entry.pop("rows")
        entry["step"] = np.array([step for step, _ in rows], dtype=np.int64)
        for kind in ("grad", "weight"):
            pairs = [h[kind] if h[kind] is not None and h[kind][0] is not None else (None, None)
                     for _, h in rows]
            entry[kind] = [c for c, _ in pairs]
            entry[f"{kind}_edges"] = [e for _, e in pairs]
            known = [e for e in entry[f"{kind}_edges"] if e is not None]
            entry["edges"][kind] = known[-1] if known else None
    return out
