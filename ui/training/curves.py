"""``CurvesWidget``: live loss, accuracy and learning-rate curves of a TrainingSession's runs.

Loss per batch (raw, faint) under its exponential moving average (the smoothing slider),
per-epoch train/validation markers, the accuracy curve (classification), the learning rate;
a log-scale toggle for the loss, a hover read-out, and the runs of the same design kept for
comparison (earlier ones fainter, each its own colour, hideable in the run list). Everything
follows the session's signals; nothing here touches the session's state.

The signals only append to the runs' buffers: one paced single-shot timer armed by them
redraws (:class:`ui.training.pacing.RedrawPacer`: at most ~4 times a second, less often the
more a redraw costs, one plot per event-loop turn) and only while the widget can be seen; a
hidden or covered widget catches up when it is shown again. Drawing every emission would
flood the GUI thread.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSlider,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ui.training.curves_run import PLOTS, RunCurves
from ui.training.curves_style import add_legend, make_plot, pen, run_color
from ui.training.pacing import REDRAW_MS, RedrawPacer, on_screen

__all__ = ["CurvesWidget", "REDRAW_MS", "PART_GAP_MS"]

PART_GAP_MS = 30  # between the plots of one redraw: the window paints (and takes input)

_VALUE_NAMES = {"loss": "loss", "accuracy": "accuracy", "lr": "lr"}


def lr_range(values: np.ndarray) -> tuple[float, float] | None:
    """The y range showing learning rates ``values``: their span padded by 8 %, or for a
    constant rate the value +-10 % (pyqtgraph's own +-0.5 would dwarf a rate of 0.01).

    Examples
    --------
    >>> [round(v, 6) for v in lr_range(np.array([0.01, 0.01]))]
    [0.009, 0.011]
    """
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if not len(v):
        return None
    lo, hi = float(v.min()), float(v.max())
    scale = max(abs(lo), abs(hi))
    if hi - lo > 1e-6 * scale:
        pad = 0.08 * (hi - lo)
    else:
        pad = 0.1 * scale if scale > 0 else 1e-3
    return lo - pad, hi + pad


def _fmt(value: float) -> str:
    return "-" if value is None or not np.isfinite(value) else f"{value:.4g}"


class CurvesWidget(QWidget):
    """Live training curves of ``session`` (a :class:`ui.training.session.TrainingSession`).

    Parameters
    ----------
    session:
        Anything with the session's signals runStarted, metrics (with its "epochs" rows) and
        runFinished.
    smoothing:
        The initial EMA weight in [0, 1) (TensorBoard's default 0.6).

    Examples
    --------
    >>> curves = CurvesWidget(session)  # doctest: +SKIP
    >>> session.start("moons", TrainConfig(epochs=5))  # doctest: +SKIP
    """

    def __init__(self, session, parent: QWidget | None = None, smoothing: float = 0.6):
        super().__init__(parent)
        self.session = session
        self.runs: dict[int, RunCurves] = {}
        self.current_id: int | None = None
        self.redraw_count = 0  # redraws done (the coalescing is tested by it)
        self._lr_span: tuple[float, float] | None = None  # the lr plot's y range, as set
        # the step axis grows by half when the points reach its end (to the planned steps at
        # most) instead of on every update: an unchanged axis is not laid out again
        self._x_end: float | None = None
        self.follow_steps = True  # False once the user pans or zooms a plot
        self._todo: list[str] = []  # the plots still to draw in the redraw under way
        self._build(smoothing)
        self.pacer = RedrawPacer(self._on_redraw_timer_timeout, self,
                                 widgets=self.plots.values())
        self._replay(getattr(session, "runs", None) or [])
        session.runStarted.connect(self._on_session_run_started)
        session.metrics.connect(self._on_session_metrics)
        session.runFinished.connect(self._on_session_run_finished)

    def _replay(self, records) -> None:
        """Draw the runs the session made before this widget existed (its RunRecords)."""
        for record in records:
            started = dict(getattr(record, "started", None) or {})
            started.setdefault("run_id", record.run_id)
            started.setdefault("config", record.config)
            self._on_session_run_started(started)
            self._on_session_metrics({"run_id": record.run_id,
                                      "step": record.steps.view(),
                                      "loss": record.loss.view(),
                                      "accuracy": record.accuracy.view(),
                                      "lr": record.lr.view(),
                                      "epochs": list(record.epochs)})
            if record.report is not None:
                self._on_session_run_finished({**record.report, "run_id": record.run_id})

    # building -------------------------------------------------------------------------------
    def _build(self, smoothing: float) -> None:
        self.smoothing_slider = QSlider(Qt.Orientation.Horizontal)
        self.smoothing_slider.setRange(0, 99)
        self.smoothing_slider.setValue(round(smoothing * 100))
        self.smoothing_slider.setFixedWidth(140)
        # re-smooth on release: a long run costs ~0.1 s per re-smoothing (200k points);
        # the label follows the drag
        self.smoothing_slider.setTracking(False)
        self.smoothing_slider.setToolTip("Exponential moving average of the batch values "
                                         "(0: raw)")
        self.smoothing_label = QLabel()
        self.log_check = QCheckBox("Log loss")
        self.log_check.setToolTip("Logarithmic loss axis")
        self.readout = QLabel("Hover a curve to read its values")
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Smoothing"))
        bar.addWidget(self.smoothing_slider)
        bar.addWidget(self.smoothing_label)
        bar.addSpacing(12)
        bar.addWidget(self.log_check)
        bar.addSpacing(12)
        bar.addWidget(self.readout, 1)

        self.plots = {
            # the x axes are linked: the accuracy plot above the lr plot needs no x label
            "loss": make_plot("Loss", "loss"),
            "accuracy": make_plot("Accuracy", "accuracy", x_label=None),
            "lr": make_plot("Learning rate", "lr"),
        }
        for name in ("accuracy", "lr"):
            self.plots[name].setXLink(self.plots["loss"])
        for plot in self.plots.values():
            plot.getPlotItem().vb.sigRangeChangedManually.connect(self._on_range_changed_manually)
        self.legend = add_legend(self.plots["loss"])
        self.crosshairs = {}
        self._proxies = []
        for name, plot in self.plots.items():
            line = pg.InfiniteLine(angle=90, movable=False, pen=pen("#808080", 160, 1, True))
            line.setVisible(False)
            plot.addItem(line, ignoreBounds=True)
            self.crosshairs[name] = line
            self._proxies.append(pg.SignalProxy(plot.scene().sigMouseMoved, rateLimit=30,
                                                slot=partial(self._on_plot_mouse_moved, name)))
        self.plots["accuracy"].hide()  # until a run reports accuracy (regression has none)
        # loss large on the left, accuracy over lr on the right: readable in a short dock
        # as well as in a big window
        small = QSplitter(Qt.Orientation.Vertical)
        small.addWidget(self.plots["accuracy"])
        small.addWidget(self.plots["lr"])
        small.setSizes([180, 140])

        self.run_list = QListWidget()
        self.run_list.setToolTip("Runs of this design: untick to hide a run's curves")
        self.run_list.setWordWrap(True)
        self.run_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.run_list.setMinimumWidth(120)
        self.run_list.itemChanged.connect(self._on_run_list_item_changed)
        side = QSplitter(Qt.Orientation.Horizontal)
        side.addWidget(self.plots["loss"])
        side.addWidget(small)
        side.addWidget(self.run_list)
        side.setStretchFactor(0, 5)
        side.setStretchFactor(1, 3)
        side.setStretchFactor(2, 1)
        side.setSizes([460, 270, 170])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(side, 1)
        self.smoothing_slider.valueChanged.connect(self._on_smoothing_slider_changed)
        self.smoothing_slider.sliderMoved.connect(self._on_smoothing_slider_moved)
        self.log_check.toggled.connect(self._on_log_check_toggled)
        self._show_smoothing()

    @property
    def smoothing(self) -> float:
        return self.smoothing_slider.value() / 100.0

    def current_run(self) -> RunCurves | None:
        return self.runs.get(self.current_id)

    # session signals ------------------------------------------------------------------------
    def _on_session_run_started(self, info: dict) -> None:
        run_id = info.get("run_id")
        if run_id in self.runs:  # the same id again: start that run's curves afresh
            self._remove_run(run_id)
        for run in self.runs.values():
            run.set_current(False)
        run = RunCurves(info, run_color(len(self.runs)), {
            name: plot.getPlotItem() for name, plot in self.plots.items()}, self.smoothing)
        self.runs[run_id] = run
        self.current_id = run_id
        self.pacer.reset()
        self._fill_legend(run)
        item = QListWidgetItem(self._swatch(run.color), run.label())
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked)
        item.setData(Qt.ItemDataRole.UserRole, run_id)
        self.run_list.blockSignals(True)  # an added item is no user tick
        self.run_list.addItem(item)
        self.run_list.blockSignals(False)
        self._update_accuracy_plot()

    def _on_session_metrics(self, payload: dict) -> None:
        run = self.runs.get(payload.get("run_id"))
        if run is None:
            return  # points of a run this widget never saw start (made after it began)
        run.add_metrics(payload)
        if run.dirty:
            self.request_redraw()

    def _on_session_run_finished(self, payload: dict) -> None:
        run = self.runs.get(payload.get("run_id"))
        if run is None:
            return
        run.finished = payload.get("reason") or "finished"
        item = self._list_item(run.run_id)
        if item is not None:
            self.run_list.blockSignals(True)
            item.setText(run.label())
            self.run_list.blockSignals(False)

    # user controls --------------------------------------------------------------------------
    def _on_smoothing_slider_changed(self, _value: int) -> None:
        self._show_smoothing()
        for run in self.runs.values():
            run.set_smoothing(self.smoothing)
        if on_screen(self):  # the user's own change: shown at once
            self.redraw()

    def _on_smoothing_slider_moved(self, value: int) -> None:
        self.smoothing_label.setText(f"{value / 100:.2f}")

    def _on_log_check_toggled(self, checked: bool) -> None:
        self.plots["loss"].getPlotItem().setLogMode(x=False, y=checked)

    def _on_run_list_item_changed(self, item: QListWidgetItem) -> None:
        run = self.runs.get(item.data(Qt.ItemDataRole.UserRole))
        if run is not None:
            run.set_visible(item.checkState() == Qt.CheckState.Checked)
            self._update_accuracy_plot()
            self._update_lr_range()

    def clear_runs(self) -> None:
        """Forget every run's curves (e.g. when another design replaces the document's)."""
        for run_id in list(self.runs):
            self._remove_run(run_id)
        self.current_id = None
        self.legend.clear()
        self._update_accuracy_plot()
        self._update_lr_range()
        self._x_end = None
        self.plots["loss"].getPlotItem().vb.enableAutoRange(x=True)

    def set_run_visible(self, run_id: int, visible: bool) -> None:
        """Show or hide a run's curves (as ticking it in the run list does)."""
        item = self._list_item(run_id)
        if item is None:
            raise KeyError(f"CurvesWidget: no run {run_id!r}; the runs are {sorted(self.runs)}")
        item.setCheckState(Qt.CheckState.Checked if visible else Qt.CheckState.Unchecked)

    # redrawing ------------------------------------------------------------------------------
    def request_redraw(self) -> None:
        """Redraw within the pacer's interval if shown: many requests meanwhile make one
        redraw; a hidden (or covered) widget redraws when it is shown (see :meth:`showEvent`
        and :meth:`catch_up`)."""
        if on_screen(self):
            self.pacer.request()

    def _on_redraw_timer_timeout(self) -> None:
        """One plot per timer turn: the window paints it before the next one is drawn (all
        three at once made one long stall)."""
        if not on_screen(self):
            return
        if not self._todo:  # a new redraw: the plots with news, in order
            self._todo = [p for p in PLOTS if any(r.news(p) for r in self.runs.values())]
            if not self._todo:
                return
            self.redraw_count += 1
        if self._draw_plot(self._todo.pop(0)):  # a new step axis repaints every plot:
            while self._todo:  # the others' data goes with it (one paint each, not two)
                self._draw_plot(self._todo.pop(0))
        if self._todo:
            self.pacer.request(PART_GAP_MS)
        elif self.pending():  # news meanwhile: the next redraw, a paced interval later
            self.pacer.request()

    def redraw(self) -> None:
        """Hand every run's new points to its plot items now, every plot at once (the timer
        draws them one plot per turn)."""
        self.pacer.stop()
        self._todo = []
        if not self.pending():
            return
        for plot in PLOTS:
            self._draw_plot(plot)
        self.redraw_count += 1

    def _draw_plot(self, name: str) -> bool:
        """Draw plot ``name``'s news; True when that moved the step axis (of every plot)."""
        changed = [run for run in self.runs.values() if run.news(name)]
        for run in changed:
            run.draw((name,))
        moved = False
        if name == "loss":
            moved = self._update_step_range()  # the accuracy and lr plots follow its axis
            self._update_accuracy_plot()
        elif name == "lr" and changed:
            self._update_lr_range()
        # the new ranges now, not in pyqtgraph's prepare-for-paint: a range changed while
        # painting asks for a second paint of the plot (twice the GUI time per update)
        self.plots[name].getPlotItem().vb.prepareForPaint()
        return moved

    def pending(self) -> bool:
        """Whether some points or epoch rows wait for a redraw."""
        return any(run.dirty for run in self.runs.values())

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.pending():  # what came while hidden
            self.redraw()

    def catch_up(self) -> None:
        """Draw what came while the widget was covered (its dock behind another), if it can
        be seen now."""
        if on_screen(self) and self.pending():
            self.redraw()

    # hover ----------------------------------------------------------------------------------
    def _on_plot_mouse_moved(self, name: str, event) -> None:
        pos = event[0]
        plot = self.plots[name].getPlotItem()
        if not plot.sceneBoundingRect().contains(pos):
            return
        x = plot.vb.mapSceneToView(pos).x()
        self.readout.setText(self.readout_at(name, x))

    def readout_at(self, name: str, step: float) -> str:
        """The hover text of plot ``name`` ("loss" | "accuracy" | "lr") at x = ``step``: the
        current (or latest shown) run's nearest batch point; moves the crosshairs there."""
        run = self._hover_run()
        i = None if run is None else run.nearest(step)
        if i is None:
            for line in self.crosshairs.values():
                line.setVisible(False)
            return "No points yet"
        at = float(run.batches["step"][i])
        for line in self.crosshairs.values():
            line.setPos(at)
            line.setVisible(True)
        parts = [f"Run {run.run_id}", f"step {at:.0f}"]
        epoch = run.epoch_of(at)
        if epoch is not None:
            parts.append(f"epoch {epoch}")
        if name == "lr":
            parts.append(f"lr {_fmt(run.batches['lr'][i])}")
        else:
            parts.append(f"{_VALUE_NAMES[name]} {_fmt(run.batches[name][i])}")
            parts.append(f"smoothed {_fmt(run.smoothed[name][i])}")
        return " · ".join(parts)

    def _hover_run(self) -> RunCurves | None:
        current = self.current_run()
        if current is not None and current.visible:
            return current
        shown = [r for r in self.runs.values() if r.visible]
        return shown[-1] if shown else None

    # helpers --------------------------------------------------------------------------------
    def _show_smoothing(self) -> None:
        self.smoothing_label.setText(f"{self.smoothing:.2f}")

    def _update_accuracy_plot(self) -> None:
        wanted = any(r.has_accuracy and r.visible for r in self.runs.values())
        if wanted == self.plots["accuracy"].isHidden():
            self.plots["accuracy"].setVisible(wanted)

    def _on_range_changed_manually(self, *_args) -> None:
        self.follow_steps = False  # the user's view stays (the plot's "A" button: follow)

    def _update_step_range(self) -> bool:
        """Follow the run along the step axis; True when the axis moved."""
        vb = self.plots["loss"].getPlotItem().vb
        if vb.autoRangeEnabled()[0]:  # the "A" button (or the start): follow the run again
            self.follow_steps, self._x_end = True, None
        if not self.follow_steps:
            return False
        shown = [r for r in self.runs.values() if r.visible and len(r.batches)]
        if not shown:
            return False
        last = max(float(r.batches["step"][-1]) for r in shown)
        if self._x_end is not None and last <= self._x_end:
            return False
        end = 1.5 * last
        planned = max((r.total_steps or 0.0) for r in shown)
        if planned >= last:
            end = min(end, planned)
        self._x_end = end
        vb.setXRange(0, end, padding=0.02)
        return True

    def _update_lr_range(self) -> None:
        shown = [r.batches["lr"] for r in self.runs.values() if r.visible and len(r.batches)]
        span = lr_range(np.concatenate(shown)) if shown else None
        if span == self._lr_span:
            return  # an unchanged range: no relayout of the axis (a constant lr, mostly)
        self._lr_span = span
        vb = self.plots["lr"].getPlotItem().vb
        if span is None:
            vb.enableAutoRange(y=True)
        else:
            vb.setYRange(*span, padding=0)

    def _fill_legend(self, run: RunCurves) -> None:
        self.legend.clear()
        entries = [("raw_loss", "batch"), ("loss", "smoothed"), ("train_loss", "train (epoch)")]
        if run.info.get("n_val", 1):  # no validation part: no validation markers to explain
            entries.append(("val_loss", "validation (epoch)"))
        for key, text in entries:
            self.legend.addItem(run.items[key], text)

    def _list_item(self, run_id) -> QListWidgetItem | None:
        for row in range(self.run_list.count()):
            item = self.run_list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == run_id:
                return item
        return None

    def _remove_run(self, run_id) -> None:
        self.runs.pop(run_id).remove()
        item = self._list_item(run_id)
        if item is not None:
            self.run_list.takeItem(self.run_list.row(item))

    @staticmethod
    def _swatch(color: QColor) -> QIcon:
        pixmap = QPixmap(12, 12)
        pixmap.fill(color)
        return QIcon(pixmap)
