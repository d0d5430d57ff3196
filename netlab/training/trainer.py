"""``Trainer``: one GUI-free training loop for scripts, the command line and the Studio."""

from __future__ import annotations

import math
import os
import time

import numpy as np

from netlab import backend
from netlab.optim.lr_scheduler import ReduceLROnPlateau
from netlab.tensor import Tensor
from netlab.training import checkpoint as ckpt
from netlab.training import evaluate as ev
from netlab.training.config import TrainConfig
from netlab.training.controls import Controls
from netlab.training.events import EventBus
from netlab.training.guard import Snapshot, all_finite, diagnose, first_nonfinite, nonfinite_message
from netlab.training.history import History
from netlab.training.losses import make_loss, resolve_loss_name
from netlab.training.optimizers import make_optimizer, make_scheduler

__all__ = ["Trainer"]

STATES = ("idle", "running", "paused", "stopped", "finished", "failed")


class Trainer:
    """Train ``model`` on ``data`` as ``config`` says, reporting through callbacks.

    ``run()`` trains in the calling thread until the epochs are done, ``stop()`` is called or
    a step produces NaN/Inf, and returns the final report. ``pause()``, ``resume()``,
    ``stop()`` and ``step()`` may be called from any thread; they take effect between
    batches. Callbacks ``fn(event, payload)`` run in the training thread and get plain
    Python/numpy payloads (see :mod:`netlab.training.events`).

    ``data`` needs ``x_train, y_train, x_val, y_val`` (arrays; the val ones may be None),
    ``task`` (``"classification"`` or ``"regression"``) and ``classes`` (names or None), as
    :class:`netlab.datasets.Data` has. The model's initial weights are the caller's (seed
    with ``netlab.manual_seed`` before building it).

    Examples
    --------
    >>> import netlab, numpy as np
    >>> from types import SimpleNamespace
    >>> x = np.linspace(-1, 1, 64, dtype=np.float32).reshape(64, 1)
    >>> data = SimpleNamespace(x_train=x, y_train=3 * x[:, 0], x_val=None, y_val=None,
    ...                        task="regression", classes=None)
    >>> _ = netlab.manual_seed(0)
    >>> trainer = Trainer(netlab.nn.Linear(1, 1), data, TrainConfig(epochs=20, lr=0.1))
    >>> report = trainer.run()
    >>> report["reason"], report["train_loss"] < 0.01
    ('completed', True)
    """

    def __init__(self, model, data, config: TrainConfig | None = None, callbacks=()):
        self.config = (config or TrainConfig()).validate()
        cfg = self.config
        self.model = model
        self.data = data
        self.task = getattr(data, "task", None)
        if self.task not in ("classification", "regression"):
            raise ValueError(f"Trainer: data.task must be 'classification' or 'regression', "
                             f"got {self.task!r}")
        try:
            self.device = backend.as_device(cfg.device)
        except (RuntimeError, ValueError, TypeError):
            raise ValueError(f"TrainConfig.device: unknown device {cfg.device!r}; use 'cpu' or "
                             f"'cuda' (or 'cuda:N')") from None
        if self.device.type == "cuda" and not backend.cuda_is_available():
            raise ValueError("TrainConfig.device is 'cuda' but no CUDA device is available "
                             "(cupy missing or no GPU): use device='cpu'")
        self._x, self._y = self._arrays(data, "x_train", "y_train", required=True)
        self._xv, self._yv = self._arrays(data, "x_val", "y_val", required=False)
        self.classes = list(data.classes) if getattr(data, "classes", None) else None
        self.loss_key = resolve_loss_name(cfg.loss, self.task)
        self.loss_fn = make_loss(self.loss_key, self.task, **cfg.loss_options)
        self.reduction = getattr(self.loss_fn, "reduction", "mean")
        self._threshold = None if self.task != "classification" else (
            0.5 if self.loss_key == "bce" else 0.0)
        model.to(self.device)
        model.train()
        self.params = [p for p in model.parameters() if p.requires_grad]
        if not self.params:
            raise ValueError("Trainer: the model has no trainable parameters")
        self._names = {id(p): n for n, p in model.named_parameters()}
        self.optimizer = make_optimizer(cfg.optimizer, self.params, cfg.lr,
                                        **cfg.optimizer_options)
        self.n_train = int(self._x.shape[0])
        self.n_val = 0 if self._xv is None else int(self._xv.shape[0])
        self.steps_per_epoch = math.ceil(self.n_train / cfg.batch_size)
        self.scheduler, self._sched_interval = make_scheduler(
            cfg.scheduler, self.optimizer, epochs=cfg.epochs,
            steps_per_epoch=self.steps_per_epoch, **cfg.scheduler_options)
        self.history = History(cfg.to_dict(), meta={
            "task": self.task, "classes": self.classes, "loss": self.loss_key,
            "data": getattr(data, "name", None), "n_train": self.n_train, "n_val": self.n_val})
        self._bus = EventBus(callbacks)
        self._controls = Controls()
        self._state = "idle"
        self.stats = self._make_stats()
        self._snapshot = Snapshot(self.params, list(model.buffers()), self.optimizer)
        # position: epoch (from 0) and next batch in it; step = optimizer steps taken
        self.epoch, self.batch, self.step_count = 0, 0, 0
        self._sums = [0.0, 0, 0, 0]  # loss total, correct, counted, samples this epoch
        self.best_metric: float | None = None
        self.last_epoch_row: dict | None = None
        self._elapsed_before = 0.0  # run time of earlier sessions (resumed runs)
        self._last_eval: tuple[int, dict] | None = None
        self._in_batch = False
        self._nonfinite_info: dict | None = None

    # data ---------------------------------------------------------------------------------
    def _arrays(self, data, xname, yname, required):
        x, y = getattr(data, xname, None), getattr(data, yname, None)
        if x is None or y is None:
            if required:
                raise ValueError(f"Trainer: data.{xname} and data.{yname} are required")
            return None, None
        x, y = np.asarray(x), np.asarray(y)
        if x.shape[0] != y.shape[0]:
            raise ValueError(f"Trainer: data.{xname} has {x.shape[0]} samples but data.{yname} "
                             f"has {y.shape[0]}")
        if x.shape[0] == 0:
            if not required:
                return None, None  # an empty validation part is no validation part
            raise ValueError(f"Trainer: data.{xname} is empty")
        # float64 data would promote the float32 model's math to float64: cast once here
        if x.dtype == np.float64:
            x = x.astype(np.float32)
        if y.dtype == np.float64:
            y = y.astype(np.float32)
        if self.device.type == "cuda":  # move once, index on the device every batch
            x, y = backend.to_device(x, self.device), backend.to_device(y, self.device)
        return x, y

    @staticmethod
    def _tensor(a) -> Tensor:
        return Tensor._make(a)

    def _make_stats(self):
        if self.config.stats_every <= 0:
            return None
        from netlab.training.stats import TrainingStats

        return TrainingStats(self.model, every=self.config.stats_every,
                             histogram_bins=self.config.histogram_bins)

    # public state and controls ------------------------------------------------------------
    @property
    def state(self) -> str:
        """``"idle" | "running" | "paused" | "stopped" | "finished" | "failed"``."""
        return self._state

    def add_callback(self, fn) -> None:
        """Add ``fn(event, payload)``; it is called in the training thread."""
        self._bus.add(fn)

    def pause(self) -> None:
        """Pause before the next batch (before the first one when called before run)."""
        self._controls.pause()

    def resume(self) -> None:
        """Continue a paused run."""
        self._controls.resume()

    def stop(self) -> None:
        """Stop before the next batch; ``run`` returns the report with reason "stopped"."""
        self._controls.stop()

    def set_idle_hook(self, fn) -> None:
        """``fn()`` runs in the training thread each time a paused run is about to wait:
        between batches, nothing in flight (the Studio saves checkpoints asked for while
        paused there). None removes it."""
        self._controls.on_idle = fn

    def wake(self) -> None:
        """Let a paused run call its idle hook again (thread-safe); it stays paused."""
        self._controls.wake()

    def step(self) -> None:
        """Run exactly one batch and stay paused (pauses first when running)."""
        self._controls.step()

    def save_checkpoint(self, path) -> str:
        """Save everything needed to continue this run exactly: between batches, or from a
        "batch" event (the step is applied then, and the run continues after it)."""
        return ckpt.save(self, path)

    @classmethod
    def resume_from(cls, path, model, data, callbacks=(), *, epochs: int | None = None):
        """A trainer that continues the run saved in checkpoint ``path``: ``run()`` then
        follows the same trajectory the uninterrupted run would have (``epochs`` extends or
        shortens the run)."""
        state = ckpt.load(path)
        config = TrainConfig.from_dict(state["config"])
        if epochs is not None:
            config.epochs = epochs
        trainer = cls(model, data, config, callbacks)
        ckpt.restore(trainer, state, path)
        return trainer

    # the loop -----------------------------------------------------------------------------
    def run(self) -> dict:
        """Train until done, stopped or failed; returns the final report (the "finished"
        event's payload).

        Keys: reason ("completed" | "stopped" | "nonfinite"), epochs_run, steps, train_loss
        (of the last epoch, or of the unfinished one), val_loss, val_accuracy, evaluated_on
        ("validation", or "training" without validation data), elapsed (seconds, pauses
        excluded), task, history_path (history.json in checkpoint_dir, else None), nonfinite
        (the event, after a NaN/Inf); classification: confusion (rows = true class),
        per_class_accuracy (None for a class without samples), classes; regression:
        predictions {"x" (one input value per sample only), "target", "prediction"} of at
        most ~2000 values. The model holds the last good weights in every case.
        """
        if self._state != "idle":
            raise RuntimeError(f"Trainer.run: this trainer already ran (state "
                               f"{self._state!r}); build a new Trainer, or continue from a "
                               f"checkpoint with Trainer.resume_from")
        self._state = "running"
        self._t_start = time.perf_counter()
        self._paused_time = 0.0
        self._session_steps, self._session_train_time = 0, 0.0
        self._sps = None
        self.model.train()
        if self.stats is not None:
            self.stats.attach()
        # NaN/Inf are detected and reported as "nonfinite" events: numpy's overflow warnings
        # would only repeat that on stderr
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return self._run()

    def _run(self) -> dict:
        cfg = self.config
        reason = "completed"
        try:
            self._emit("start", {"config": cfg.to_dict(), "n_train": self.n_train,
                                 "n_val": self.n_val, "steps_per_epoch": self.steps_per_epoch,
                                 "task": self.task, "epochs": cfg.epochs,
                                 "start_step": self.step_count})
            while self.epoch < cfg.epochs and reason == "completed":
                order = ev.batch_order(self.n_train, cfg.seed, self.epoch, cfg.shuffle)
                if self.device.type == "cuda":
                    order = backend.to_device(order, self.device)
                bs = cfg.batch_size
                while self.batch < self.steps_per_epoch:
                    if not self._wait_controls():
                        reason = "stopped"
                        break
                    self._in_batch = True
                    ok = self._train_batch(order[self.batch * bs:(self.batch + 1) * bs])
                    if not ok:
                        reason = "nonfinite"
                        break
                else:
                    self._end_epoch()
        except BaseException as exc:
            # an error or Ctrl+C inside a batch may leave it half applied: go back to the
            # weights (and optimizer state) before it, the last consistent ones
            if self._in_batch:
                self._snapshot.restore()
            interrupted = isinstance(exc, KeyboardInterrupt)
            self._state = "stopped" if interrupted else "failed"
            self._detach_stats()
            self._emit("finished", {"reason": "interrupted" if interrupted else "error",
                                    "error": f"{type(exc).__name__}: {exc}",
                                    "steps": self.step_count, "epochs_run": self.epoch})
            raise
        self._detach_stats()
        return self._finish(reason)

    def _detach_stats(self):
        if self.stats is not None:
            self.stats.detach()

    def _emit(self, event: str, payload: dict) -> None:
        if len(self._bus):
            self._bus.emit(event, payload)

    def _elapsed(self) -> float:
        return (self._elapsed_before + time.perf_counter() - self._t_start - self._paused_time)

    def _wait_controls(self) -> bool:
        """Between batches: False to stop; blocks while paused (unless one step is asked)."""
        if not self._controls.pending:  # the common case: one attribute read
            return True
        t0 = time.perf_counter()
        go = self._controls.wait(self._on_pause_change)
        self._paused_time += time.perf_counter() - t0
        return go

    def _on_pause_change(self, paused: bool) -> None:
        self._state = "paused" if paused else "running"
        self._emit("paused" if paused else "resumed", {"step": self.step_count})

    def _train_batch(self, idx) -> bool:
        """One optimizer step on the samples ``idx``; False when it produced NaN/Inf."""
        t0 = time.perf_counter()
        xb, yb = self._x[idx], self._y[idx]
        step = self.step_count + 1
        self._snapshot.save()
        if self.stats is not None:
            self.stats.begin_step(step)  # arms the activation hooks for this step only
        x = self._tensor(xb)
        out = self.model(x)
        target = ev.match_target(tuple(out.shape), yb, self.loss_key)
        loss = self.loss_fn(out, self._tensor(target))
        value = float(loss.item())
        if not math.isfinite(value):
            return self._nonfinite(step, "loss", x, None, value)
        self.optimizer.zero_grad()
        loss.backward()
        stats = self.stats
        ok = None
        if stats is not None:
            stats.before_step(step)
            ok = stats.grads_finite()
        if ok is None:
            ok = all_finite([p.grad._array for p in self.params if p.grad is not None])
        if not ok:
            return self._nonfinite(step, "gradient", x, None, value)
        lr = float(self.optimizer.param_groups[0]["lr"])
        self.optimizer.step()
        if not all_finite([p._array for p in self.params]):
            bad = first_nonfinite((self._names[id(p)], p._array) for p in self.params)
            return self._nonfinite(step, "weights", x, bad, value)
        self.step_count = step
        self._in_batch = False  # applied: an error from here on must not undo it
        self.batch += 1  # the position a checkpoint saved from now on continues from
        if stats is not None:
            report = stats.after_step(step)
            if report is not None:
                # already plain data (TrainingStats' own tests check it): no second pass
                self._emit("stats", {**report, "step": step})
        n = int(xb.shape[0])
        s = self._sums
        s[0] += value if self.reduction == "sum" else value * n
        s[3] += n
        accuracy = None
        if self._threshold is not None:
            correct, counted = ev.count_correct(out._array, target, self._threshold)
            s[1] += correct
            s[2] += counted
            accuracy = correct / counted if counted else None
        if self._sched_interval == "step":
            self.scheduler.step()
        dt = time.perf_counter() - t0
        self._session_steps += 1
        self._session_train_time += dt
        sps = n / dt if dt > 0 else 0.0
        self._sps = sps if self._sps is None else 0.8 * self._sps + 0.2 * sps
        remaining = self.config.epochs * self.steps_per_epoch - step
        row = {"epoch": self.epoch + 1, "batch": self.batch, "step": step, "loss": value,
               "accuracy": accuracy, "lr": lr, "samples_per_sec": self._sps,
               "elapsed": self._elapsed(),
               "eta": remaining * self._session_train_time / self._session_steps}
        self.history.add_step(row)
        self._emit("batch", row)
        return True

    def _nonfinite(self, step, where, x, parameter, value) -> bool:
        """A bad step: find the first bad layer, undo the step, report, fail the run."""
        named = [(self._names[id(p)], p) for p in self.params]
        layer, parameter = diagnose(self.model, lambda: self.model(x), named, where, parameter)
        self._snapshot.restore()
        self._in_batch = False
        self.optimizer.zero_grad()
        message = nonfinite_message(where, layer, parameter, value, step, self.epoch + 1,
                                    self.batch + 1, self.optimizer.param_groups[0]["lr"])
        self._nonfinite_info = {"step": step, "where": where, "layer": layer,
                                "parameter": parameter, "message": message}
        self._emit("nonfinite", dict(self._nonfinite_info))
        return False

    def _evaluate(self, x, y) -> dict:
        return ev.evaluate(self.model, self.loss_fn, self.loss_key, x, y, self.reduction,
                           self._threshold, self._tensor)

    def _end_epoch(self) -> None:
        cfg = self.config
        s = self._sums
        train_loss = s[0] if self.reduction == "sum" else s[0] / max(s[3], 1)
        train_acc = s[1] / s[2] if self._threshold is not None and s[2] else None
        val_loss = val_acc = None
        if self._xv is not None:
            result = self._evaluate(self._xv, self._yv)
            self._last_eval = (self.step_count, result)
            val_loss, val_acc = result["loss"], result["accuracy"]
        lr = float(self.optimizer.param_groups[0]["lr"])
        row = {"epoch": self.epoch + 1, "step": self.step_count, "train_loss": train_loss,
               "train_accuracy": train_acc, "val_loss": val_loss, "val_accuracy": val_acc,
               "lr": lr, "elapsed": self._elapsed()}
        self.history.add_epoch(row)
        self.last_epoch_row = row
        if self._sched_interval == "epoch":
            if isinstance(self.scheduler, ReduceLROnPlateau):
                self.scheduler.step(val_loss if val_loss is not None else train_loss)
            else:
                self.scheduler.step()
        # the position moves on before saving, so a checkpoint continues with the next epoch
        self.epoch, self.batch, self._sums = self.epoch + 1, 0, [0.0, 0, 0, 0]
        self._emit("epoch", row)
        if cfg.checkpoint_dir:
            self._save_epoch_checkpoints(row)

    def _metric(self, row) -> tuple[float | None, bool]:
        """The checkpoint metric of an epoch row and whether higher is better."""
        if self._xv is not None and self._threshold is not None:
            return row["val_accuracy"], True
        if self._xv is not None:
            return row["val_loss"], False
        return row["train_loss"], False

    def _save_epoch_checkpoints(self, row) -> None:
        metric, higher = self._metric(row)
        folder = self.config.checkpoint_dir
        path = ckpt.save(self, os.path.join(folder, ckpt.LAST))
        self._emit("checkpoint", {"path": path, "kind": "last", "epoch": row["epoch"],
                                  "metric": metric})
        if metric is None or not math.isfinite(metric):
            return
        best = self.best_metric
        if best is None or (metric > best if higher else metric < best):
            self.best_metric = metric
            path = ckpt.save(self, os.path.join(folder, ckpt.BEST))
            self._emit("checkpoint", {"path": path, "kind": "best", "epoch": row["epoch"],
                                      "metric": metric})

    def _finish(self, reason: str) -> dict:
        cfg = self.config
        if reason == "stopped" and cfg.checkpoint_dir:
            path = ckpt.save(self, os.path.join(cfg.checkpoint_dir, ckpt.LAST))
            self._emit("checkpoint", {"path": path, "kind": "last", "epoch": self.epoch + 1,
                                      "metric": None})
        row = self.last_epoch_row or {}
        s = self._sums
        if s[3]:  # a partial epoch since the last full one: its running mean is newer
            train_loss = s[0] if self.reduction == "sum" else s[0] / s[3]
        else:
            train_loss = row.get("train_loss")
        on_val = self._xv is not None
        x, y = (self._xv, self._yv) if on_val else (self._x, self._y)
        if self._last_eval is not None and self._last_eval[0] == self.step_count and on_val:
            result = self._last_eval[1]
        else:
            result = self._evaluate(x, y)
        report = {"reason": reason, "epochs_run": self.epoch, "steps": self.step_count,
                  "train_loss": train_loss,
                  "val_loss": result["loss"] if on_val else None,
                  "val_accuracy": result["accuracy"] if on_val else None,
                  "evaluated_on": "validation" if on_val else "training",
                  "elapsed": self._elapsed(), "task": self.task, "history_path": None}
        if reason == "nonfinite":
            report["nonfinite"] = dict(self._nonfinite_info)
        if self.task == "classification":
            report.update(ev.classification_report(result["outputs"], y, self._threshold,
                                                   self.classes))
            report["classes"] = self.classes
        else:
            report["predictions"] = ev.regression_predictions(x, y, result["outputs"])
        if cfg.checkpoint_dir:
            report["history_path"] = self.history.save(cfg.checkpoint_dir)[0]
        self._state = {"completed": "finished", "stopped": "stopped"}.get(reason, "failed")
        self._emit("finished", report)
        return report
