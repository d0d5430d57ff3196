"""One run's curves: its growable buffers and its items in the loss, accuracy and lr plots.

The session's signals only append to the buffers (and mark the run dirty); ``draw`` later calls
``setData`` once per changed item with a view of the filled part, at the widget's pace (a few
times a second, and only while it is shown). pyqtgraph then draws only what is in view (clip to
view) at about one point per pixel (peak downsampling keeps the spikes a loss curve is read
for).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor

from ui.training.buffers import GrowableBuffer, ema_continue
from ui.training.curves_style import pen

__all__ = ["RunCurves", "PLOTS"]

PLOTS = ("loss", "accuracy", "lr")  # the plots a run draws into, in drawing order
_EPOCH_COLUMNS = ("epoch", "step", "train_loss", "val_loss", "train_accuracy", "val_accuracy")


def _line(color, alpha, width, dash=False) -> pg.PlotDataItem:
    # downsampling and clip-to-view come from the plot (see curves_style.make_plot)
    return pg.PlotDataItem(pen=pen(color, alpha, width, dash), connect="finite")


def _markers(color, symbol, filled, alpha) -> pg.PlotDataItem:
    c = QColor(color)
    c.setAlpha(alpha)
    brush = pg.mkBrush(c) if filled else pg.mkBrush(255, 255, 255, alpha)
    return pg.PlotDataItem(pen=pen(color, alpha // 2, 1.0, dash=True), symbol=symbol,
                           symbolSize=8, symbolPen=pg.mkPen(c, width=1.5), symbolBrush=brush,
                           connect="finite")


class RunCurves:
    """The data and plot items of one training run.

    Parameters
    ----------
    info:
        The session's ``runStarted`` payload (run_id, config, task, steps_per_epoch, ...).
    color:
        The run's colour.
    plots:
        ``{"loss": PlotItem, "accuracy": PlotItem, "lr": PlotItem}``; the items are added there.
    smoothing:
        The EMA weight in [0, 1).

    Examples
    --------
    >>> run = RunCurves({"run_id": 1}, QColor("#1f77b4"), plots, 0.6)  # doctest: +SKIP
    >>> run.add_metrics({"step": np.arange(1, 4), "loss": [1.0, .8, .7], "lr": [.1] * 3})
    ... # doctest: +SKIP
    >>> run.draw()  # the widget's redraw timer does this  # doctest: +SKIP
    """

    def __init__(self, info: dict, color: QColor, plots: dict, smoothing: float):
        self.info = dict(info)
        self.run_id = info.get("run_id")
        self.color = QColor(color)
        self.smoothing = float(smoothing)
        self.batches = GrowableBuffer(("step", "loss", "accuracy", "lr"))
        self.smoothed = GrowableBuffer(("loss", "accuracy"))
        self.epochs = GrowableBuffer(_EPOCH_COLUMNS, capacity=64)
        self._ema_state = {"loss": (0.0, 0), "accuracy": (0.0, 0)}
        self.has_accuracy = False
        self.current = True
        self.visible = True
        self.finished: str | None = None  # the finished reason once the run ended
        # the plots ("loss", "accuracy", "lr") with batch points (or their smoothing) and
        # with epoch rows not drawn yet
        self.batch_news: set[str] = set()
        self.epoch_news: set[str] = set()
        self.total_steps: float | None = None  # the planned steps, once a metrics says
        c = self.color
        self.items = {
            "raw_loss": _line(c, 70, 1.0), "loss": _line(c, 255, 2.0),
            "train_loss": _markers(c, "o", True, 255), "val_loss": _markers(c, "s", False, 255),
            "raw_accuracy": _line(c, 70, 1.0), "accuracy": _line(c, 255, 2.0),
            "train_accuracy": _markers(c, "o", True, 255),
            "val_accuracy": _markers(c, "s", False, 255),
            "lr": _line(c, 255, 1.5),
        }
        self._plot_of = {}
        for name, item in self.items.items():
            plot = plots["lr" if name == "lr" else
                         "accuracy" if name.endswith("accuracy") else "loss"]
            plot.addItem(item)
            self._plot_of[name] = plot

    # data -----------------------------------------------------------------------------------
    def add_metrics(self, payload: dict) -> None:
        """Append a ``metrics`` payload's points (step, loss, accuracy or None, lr) and its
        epoch rows (``payload["epochs"]``); drawn at the next :meth:`draw`."""
        for row in payload.get("epochs") or ():
            self.add_epoch(row)
        if payload.get("step") is None:
            return
        step = np.atleast_1d(np.asarray(payload["step"], dtype=np.float64))
        k = len(step)
        if k == 0:  # an emission with epoch rows only (the run's final flush)
            return
        accuracy = payload.get("accuracy")
        if accuracy is not None:
            accuracy = np.atleast_1d(np.asarray(accuracy, dtype=np.float64))
            self.has_accuracy = self.has_accuracy or bool(np.isfinite(accuracy).any())
        if payload.get("total_steps"):
            self.total_steps = float(payload["total_steps"])
        lr = payload.get("lr")
        self.batches.append(step=step, loss=payload["loss"], accuracy=accuracy, lr=lr)
        smoothed = {}
        for name in ("loss", "accuracy"):
            values = self.batches[name][-k:]
            smoothed[name], self._ema_state[name] = ema_continue(
                values, self.smoothing, self._ema_state[name])
        self.smoothed.append(**smoothed)
        self.batch_news.update(PLOTS if self.has_accuracy else ("loss", "lr"))

    def add_epoch(self, row: dict) -> None:
        """Append one epoch row (of ``metrics["epochs"]``) as markers at the step that ended
        the epoch; drawn at the next :meth:`draw`."""
        step = row.get("step")
        if step is None:  # the epoch's last step: epoch * steps per epoch (from step 0)
            spe = self.info.get("steps_per_epoch") or 0
            step = row["epoch"] * spe if spe else (
                self.batches["step"][-1] if len(self.batches) else row["epoch"])
        values = {c: row.get(c) for c in _EPOCH_COLUMNS}
        values["step"] = step
        self.epochs.append(**values)
        if row.get("train_accuracy") is not None or row.get("val_accuracy") is not None:
            self.has_accuracy = True
        self.epoch_news.update(("loss", "accuracy"))

    def set_smoothing(self, weight: float) -> None:
        """Smooth the whole run again with EMA weight ``weight`` (vectorised, no point loop);
        drawn at the next :meth:`draw`."""
        self.smoothing = float(weight)
        self.smoothed.clear()
        smoothed = {}
        for name in ("loss", "accuracy"):
            smoothed[name], self._ema_state[name] = ema_continue(self.batches[name],
                                                                 self.smoothing)
        self.smoothed.append(**smoothed)
        self.batch_news.update(("loss", "accuracy"))

    @property
    def dirty(self) -> bool:
        return bool(self.batch_news or self.epoch_news)

    def news(self, plot: str) -> bool:
        """Whether plot ``plot`` has something of this run not drawn yet."""
        return plot in self.batch_news or plot in self.epoch_news

    def draw(self, plots: tuple[str, ...] = PLOTS) -> None:
        """Hand what changed since the last draw to the items of ``plots`` (one setData
        each)."""
        for plot in plots:
            if plot in self.batch_news:
                self._draw_batches(plot)
            if plot in self.epoch_news:
                self._draw_epochs(plot)
            self.batch_news.discard(plot)
            self.epoch_news.discard(plot)

    # looks ----------------------------------------------------------------------------------
    def set_current(self, current: bool) -> None:
        """The current run is drawn in full with its raw points; earlier ones fainter."""
        self.current = current
        c = self.color
        strong, width = (255, 2.0) if current else (120, 1.5)
        self.items["loss"].setPen(pen(c, strong, width))
        self.items["accuracy"].setPen(pen(c, strong, width))
        self.items["lr"].setPen(pen(c, strong, 1.5))
        for name in ("train_loss", "val_loss", "train_accuracy", "val_accuracy"):
            item = self.items[name]
            faded = QColor(c)
            faded.setAlpha(strong)
            item.setSymbolPen(pg.mkPen(faded, width=1.5))
            if name.startswith("train"):
                item.setSymbolBrush(pg.mkBrush(faded))
            item.setPen(pen(c, strong // 2, 1.0, dash=True))
        self._apply_visibility()

    def set_visible(self, visible: bool) -> None:
        self.visible = visible
        self._apply_visibility()

    def _apply_visibility(self) -> None:
        for name, item in self.items.items():
            show = self.visible and (self.current or not name.startswith("raw_"))
            item.setVisible(show)

    def remove(self) -> None:
        for name, item in self.items.items():
            self._plot_of[name].removeItem(item)

    # reading --------------------------------------------------------------------------------
    def nearest(self, step: float) -> int | None:
        """The index of the batch point nearest to ``step`` (None when there is none)."""
        steps = self.batches["step"]
        if not len(steps):
            return None
        i = int(np.searchsorted(steps, step))
        if i >= len(steps):
            return len(steps) - 1
        if i > 0 and step - steps[i - 1] <= steps[i] - step:
            return i - 1
        return i

    def epoch_of(self, step: float) -> int | None:
        spe = self.info.get("steps_per_epoch")
        return int(np.ceil(step / spe)) if spe else None

    def label(self) -> str:
        cfg = self.info.get("config") or {}
        parts = [f"Run {self.run_id}"]
        if cfg.get("optimizer"):
            lr = cfg.get("lr")
            parts.append(f"{cfg['optimizer']} lr {lr:g}" if isinstance(lr, (int, float))
                         else cfg["optimizer"])
        if self.finished:
            parts.append(self.finished)
        return " · ".join(parts)

    # drawing --------------------------------------------------------------------------------
    def _draw_batches(self, plot: str) -> None:
        step = self.batches["step"]
        if plot == "lr":
            self.items["lr"].setData(step, self.batches["lr"])
        elif plot == "loss" or self.has_accuracy:
            self.items[f"raw_{plot}"].setData(step, self.batches[plot])
            self.items[plot].setData(step, self.smoothed[plot])

    def _draw_epochs(self, plot: str) -> None:
        step = self.epochs["step"]
        for name in (f"train_{plot}", f"val_{plot}"):
            values = self.epochs[name]
            if np.isfinite(values).any():
                self.items[name].setData(step, values)
