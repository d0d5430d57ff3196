"""The gradient inspection view: per-layer gradient norms and update ratios over time, the
selected layer's gradient and weight histograms (now, and over time as a heat map) and a
table of every layer's latest numbers with its health.

Everything comes from the session's ``runStarted`` and ``statsUpdated`` signals (plain
python/numpy reports of :class:`netlab.training.stats.TrainingStats`, about 4 a second, with
every step collected since the previous one under ``"series"``); the widget never touches
the model being trained. The signals only append to the history and arm a paced single-shot
timer (:class:`ui.training.pacing.RedrawPacer`: at most one redraw every :data:`REDRAW_MS`,
less often the more a redraw costs), and only while the widget can be seen (a hidden one
catches up when shown), so a fast run never floods the GUI thread with repaints.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.training.gradients_data import GradientHistory
from ui.training.gradients_plots import LegendView, fmt_stat, make_plot
from ui.training.health import HEALTH_LABELS, health_color, quiet_slot
from ui.training.pacing import REDRAW_MS, RedrawPacer, on_screen

__all__ = ["GradientsWidget", "COLUMNS", "REDRAW_MS", "PARTS"]

# a redraw goes in parts, each painted on its own (~5-15 ms of pyqtgraph painting each; all
# at once stalled the GUI ~100 ms): the norm lines and the table, the ratio lines, then each
# kind's histograms
PARTS = ("norm", "ratio", "grad", "weight")
PART_GAP_MS = 40  # between two parts of one redraw: the event loop breathes (paints, input)
COLUMNS = ("Layer", "Grad norm", "Update ratio", "Weight norm", "Dead units", "Health")
_PALETTE = ("#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD", "#8C564B", "#E377C2",
            "#7F7F7F", "#BCBD22", "#17BECF")
_NO_BINS = "histograms need 'histogram bins' > 0 in the training settings"
_NO_STATS = "gradient statistics are off: set 'statistics every k steps' to 1 or more"


class GradientsWidget(QWidget):
    """Live gradient statistics of the session's current run.

    Parameters
    ----------
    session : a :class:`ui.training.session.TrainingSession` (or anything with its
        ``runStarted`` and ``statsUpdated`` signals).

    Examples
    --------
    >>> view = GradientsWidget(session)  # doctest: +SKIP
    >>> session.start("moons", TrainConfig(epochs=2, histogram_bins=30))  # doctest: +SKIP
    >>> view.select_layer("fc1"); view.selected_layer  # doctest: +SKIP
    'fc1'
    """

    layerSelected = Signal(str)

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.history = GradientHistory()
        self.run_id = None
        self.hidden: set[str] = set()  # layers hidden through the legend (kept across runs)
        self.norm_curves: dict[str, pg.PlotDataItem] = {}
        self.ratio_curves: dict[str, pg.PlotDataItem] = {}
        self._run_parameters: list[str] = []
        self._built: tuple[list[str], list[str]] | None = None  # (layers, grad_layers) shown
        self.redraws = 0  # redraws begun so far (each draws every part due): tests read it
        self._dirty: set[str] = set()  # parts with news not drawn yet
        self._todo: list[str] = []  # the parts still to draw in the redraw under way
        self._build()
        self.pacer = RedrawPacer(self._on_redraw_timer_timeout, self, widgets=(
            self.norm_plot, self.ratio_plot, *self.hist_plots.values(),
            *self.heat_plots.values()))
        session.runStarted.connect(self._on_session_run_started)
        session.statsUpdated.connect(self._on_session_stats_updated)

    # construction --------------------------------------------------------------------------
    def _build(self) -> None:
        self.layer_combo = QComboBox()
        self.layer_combo.setMinimumContentsLength(12)
        self.layer_combo.currentTextChanged.connect(self._on_layer_combo_changed)
        self.param_combo = QComboBox()
        self.param_combo.setMinimumContentsLength(14)
        self.param_combo.currentTextChanged.connect(self._on_param_combo_changed)
        self.status = QLabel("No run yet: start training to see gradients.")
        self.status.setStyleSheet("color: #666")
        # a long flag must not widen the view: it is cut at the edge (whole in the tooltip)
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Layer"))
        bar.addWidget(self.layer_combo)
        bar.addWidget(QLabel("Parameter"))
        bar.addWidget(self.param_combo)
        bar.addWidget(self.status, 1)

        self.norm_plot = make_plot("Gradient norm per layer", log_y=True)
        # the legend sits in its own column beside the two line plots, never over a line;
        # one legend serves both (a layer has one colour in each)
        self.legend_view = LegendView(self._fit_legend)
        self.legend_view.setBackground("w")
        self.legend_view.ci.setContentsMargins(2, 24, 2, 2)  # level with the plots' frames
        self.legend = pg.LegendItem(labelTextSize="8pt", verSpacing=-4)
        self.legend_view.addItem(self.legend)
        self.legend_view.ci.layout.setRowStretchFactor(1, 1)
        self.legend_view.nextRow()
        self.legend_view.addLabel("")  # takes the height below the legend: it stays on top
        self.legend_view.setFixedWidth(40)
        self.legend_view.setToolTip("click a layer to hide or show its lines")
        self.legend.sigSampleClicked.connect(self._on_legend_sample_clicked)
        self.ratio_plot = make_plot("Update / weight ratio", log_y=True)
        self.ratio_plot.setXLink(self.norm_plot)
        self.hist_plots, self.bars, self.heat_plots, self.heats = {}, {}, {}, {}
        for kind, title in (("grad", "Gradients"), ("weight", "Weights")):
            p = self.hist_plots[kind] = make_plot(f"{title}: histogram now", x_label="value")
            p.getPlotItem().setLabel("left", "count")
            bars = self.bars[kind] = pg.BarGraphItem(
                x0=[], x1=[], height=[], brush=pg.mkBrush("#4C78A8" if kind == "grad"
                                                          else "#F58518"), pen=None)
            p.addItem(bars)
            h = self.heat_plots[kind] = make_plot(f"{title} over time (log counts)",
                                                  x_label="value")
            h.getPlotItem().setLabel("left", "step")
            img = self.heats[kind] = pg.ImageItem(axisOrder="row-major")
            img.setColorMap(pg.colormap.get("viridis"))
            h.addItem(img)

        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.norm_plot, 0, 0)
        grid.addWidget(self.ratio_plot, 0, 1)
        grid.addWidget(self.legend_view, 0, 2)
        grid.addWidget(self.hist_plots["grad"], 1, 0)
        grid.addWidget(self.hist_plots["weight"], 1, 1)
        grid.addWidget(self.heat_plots["grad"], 2, 0)
        grid.addWidget(self.heat_plots["weight"], 2, 1)
        plots = QWidget()
        plots.setLayout(grid)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.cellClicked.connect(self._on_table_cell_clicked)
        self.table.setMinimumHeight(120)  # the header and about four layers

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(plots)
        split.addWidget(self.table)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(bar)
        lay.addWidget(split, 1)

    # public API ------------------------------------------------------------------------------
    @property
    def selected_layer(self) -> str | None:
        return self.layer_combo.currentText() or None

    @property
    def selected_parameter(self) -> str | None:
        return self.param_combo.currentText() or None

    def select_layer(self, name: str) -> bool:
        """Show ``name``'s histograms (when it has parameters) and highlight its table row;
        False when the current run has no such layer."""
        rows = [self.table.item(r, 0).text() for r in range(self.table.rowCount())]
        known = name in rows or self.layer_combo.findText(name) >= 0
        if not known:
            return False
        if name in rows:
            self.table.blockSignals(True)
            self.table.selectRow(rows.index(name))
            self.table.blockSignals(False)
        i = self.layer_combo.findText(name)
        if i >= 0 and i != self.layer_combo.currentIndex():
            self.layer_combo.setCurrentIndex(i)  # -> _on_layer_combo_changed
        self.layerSelected.emit(name)
        return True

    def set_layer_visible(self, layer: str, visible: bool) -> None:
        """Show or hide ``layer``'s norm and ratio lines (what a legend click does)."""
        (self.hidden.discard if visible else self.hidden.add)(layer)
        for curves in (self.norm_curves, self.ratio_curves):
            if layer in curves:
                curves[layer].setVisible(visible)

    def layer_visible(self, layer: str) -> bool:
        return layer not in self.hidden

    # run and reports -------------------------------------------------------------------------
    @quiet_slot
    def _on_session_run_started(self, info: dict) -> None:
        self.run_id = info.get("run_id")
        self.pacer.reset()  # a new run's first news come at the shortest interval
        self._run_parameters = list(info.get("parameters") or [])
        layers = list(info.get("layers") or [])
        self.history.reset(layers, self._run_parameters)
        owners = {p.rpartition(".")[0] for p in info.get("parameters") or []}
        self._rebuild_layers(layers, [n for n in layers if n in owners])
        self._dirty.clear()
        self._todo.clear()
        self.pacer.stop()
        self._refresh_histograms()  # the last run's bars and heat maps go
        every = (info.get("config") or {}).get("stats_every", 1)
        self.status.setText(f"run {self.run_id}: waiting for the first statistics" if every
                            else f"run {self.run_id}: {_NO_STATS}")

    @quiet_slot
    def _on_session_stats_updated(self, report: dict) -> None:
        if self.run_id is not None and report.get("run_id", self.run_id) != self.run_id:
            return  # a late report of an earlier run
        if self.history.add(report):  # the first report of a run: its layers
            built = (self.history.layers, self.history.grad_layers)
            if built != self._built:  # not what runStarted announced: build what came
                self._rebuild_layers(*built)
            else:  # the same lines and rows (a second rebuild costs ~30 ms): its parameters
                self._fill_params()
        self._dirty.update(PARTS)
        self.pacer.request()

    # redraws ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Redraw every part (lines, table, histograms) from the history now, in one go (the
        timer draws them part by part on its own; tests need it at once)."""
        self._dirty.clear()
        self._todo.clear()
        self.pacer.stop()
        self.redraws += 1
        for part in PARTS:
            self._draw(part)

    @property
    def pending(self) -> bool:
        """Reports arrived that are not fully drawn yet (hidden, or the timer has not
        finished)."""
        return bool(self._dirty or self._todo)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt name
        super().showEvent(event)
        if self.pending:  # what came while hidden: drawn now, part by part
            self.pacer.stop()
            self.pacer.request(0)

    def catch_up(self) -> None:
        """Draw what came while the view was covered (its dock behind another), part by
        part, if it can be seen now."""
        if on_screen(self) and self.pending:
            self.pacer.stop()
            self.pacer.request(0)

    @quiet_slot
    def _on_redraw_timer_timeout(self) -> None:
        if not on_screen(self):  # drawn when shown (showEvent, catch_up)
            return
        if not self._todo:  # a new redraw: every part with news, in order
            self._todo = [part for part in PARTS if part in self._dirty]
            self._dirty.clear()
            if not self._todo:
                return
            self.redraws += 1
        self._draw(self._todo.pop(0))
        if self._todo:
            self.pacer.request(PART_GAP_MS)
        elif self._dirty:  # news during this redraw: the next one, a full interval later
            self.pacer.request()

    def _draw(self, part: str) -> None:
        if part in ("norm", "ratio"):
            self._refresh_lines(part)
            if part == "norm" and self.history.latest is not None:
                self._refresh_table(self.history.latest)
        else:
            self._refresh_histograms((part,))

    def _show_status(self, no_bins: bool) -> None:
        report = self.history.latest
        if report is None:
            return
        flags = report.get("flags") or []
        parts = [f"step {report.get('step')}"] + flags[:1] + ([_NO_BINS] if no_bins else [])
        self.status.setText(" · ".join(parts))
        self.status.setToolTip("\n".join(flags))

    def _rebuild_layers(self, layers: list[str], grad_layers: list[str]) -> None:
        self._built = (list(layers), list(grad_layers))
        plot, ratio = self.norm_plot.getPlotItem(), self.ratio_plot.getPlotItem()
        for curve in self.norm_curves.values():
            plot.removeItem(curve)
        for curve in self.ratio_curves.values():
            ratio.removeItem(curve)
        self.legend.clear()
        self.norm_curves, self.ratio_curves = {}, {}
        for i, name in enumerate(grad_layers):
            pen = pg.mkPen(_PALETTE[i % len(_PALETTE)], width=1.6)
            self.norm_curves[name] = plot.plot([], [], pen=pen, name=name, connect="finite")
            self.legend.addItem(self.norm_curves[name], name)
            self.ratio_curves[name] = ratio.plot([], [], pen=pen, connect="finite")
            self.set_layer_visible(name, name not in self.hidden)
        self._fit_legend()
        current = self.selected_layer
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        self.layer_combo.addItems(grad_layers)
        if current in grad_layers:
            self.layer_combo.setCurrentText(current)
        self.layer_combo.blockSignals(False)
        self._fill_params()
        self.table.setRowCount(len(layers))
        for r, name in enumerate(layers):
            for c in range(len(COLUMNS)):
                self.table.setItem(r, c, QTableWidgetItem(name if c == 0 else "–"))

    def _fit_legend(self) -> None:
        """Size the legend's column to the legend: one row per layer, or as many columns
        as its height needs (a deep model's names never run off the bottom)."""
        n = len(self.legend.items)
        if not n:
            self.legend_view.setFixedWidth(40)
            return
        self.legend.setColumnCount(1)
        self.legend.updateSize()
        row = max(self.legend.boundingRect().height() / n, 1.0)
        fit = max(int((self.legend_view.height() - 30) // row), 1)
        self.legend.setColumnCount(math.ceil(n / fit))
        self.legend_view.setFixedWidth(int(self.legend.boundingRect().width()) + 8)

    def _refresh_lines(self, which: str = "norm") -> None:
        steps = self.history.steps
        if which == "norm":
            for name, curve in self.norm_curves.items():
                curve.setData(steps, self.history.norms(name))
        else:
            for name, curve in self.ratio_curves.items():
                curve.setData(steps, self.history.ratios(name))

    def _refresh_table(self, report: dict) -> None:
        layers = report.get("layers") or {}
        health = report.get("health") or {}
        for r in range(self.table.rowCount()):
            name = self.table.item(r, 0).text()
            st = layers.get(name) or {}
            verdict = health.get(name)
            values = (fmt_stat(st.get("grad_norm")), fmt_stat(st.get("update_ratio")),
                      fmt_stat(st.get("weight_norm")),
                      fmt_stat(st.get("dead_units_fraction"), percent=True),
                      HEALTH_LABELS.get(verdict, verdict or "–"))
            for c, text in enumerate(values, start=1):
                self.table.item(r, c).setText(text)
            cell = self.table.item(r, len(COLUMNS) - 1)
            if verdict:
                tint = health_color(verdict)
                tint.setAlpha(70)  # a tint: the text stays readable in light and dark themes
                cell.setBackground(QBrush(tint))

    # histograms ------------------------------------------------------------------------------
    def _fill_params(self) -> None:
        layer = self.selected_layer
        params = self.history.params_of.get(layer or "", [])
        if not params and layer:  # before the first report: from runStarted
            params = [p for p in self._run_parameters if p.rpartition(".")[0] == layer]
        current = self.selected_parameter
        self.param_combo.blockSignals(True)
        self.param_combo.clear()
        self.param_combo.addItems(params)
        if current in params:
            self.param_combo.setCurrentText(current)
        else:  # weights first: they are what people mean by a layer's histogram
            weight = [p for p in params if p.endswith("weight")]
            if weight:
                self.param_combo.setCurrentText(weight[0])
        self.param_combo.blockSignals(False)

    def _refresh_histograms(self, kinds: tuple[str, ...] = ("grad", "weight")) -> None:
        param = self.selected_parameter
        for kind in kinds:
            rows = self.history.histograms(param, kind) if param else None
            bars, img = self.bars[kind], self.heats[kind]
            if rows is None or rows.latest is None:
                bars.setOpts(x0=[], x1=[], height=[])
                img.clear()
                continue
            edges = rows.edges
            bars.setOpts(x0=edges[:-1], x1=edges[1:], height=rows.latest)
            used = np.flatnonzero(rows.latest)
            if used.size:  # the range only grows: zoom the bars onto the bins in use now
                lo, hi = max(used[0] - 1, 0), min(used[-1] + 2, len(edges) - 1)
                self.hist_plots[kind].setXRange(edges[lo], edges[hi], padding=0.02)
            counts = rows.counts()
            if len(counts):
                img.setImage(np.log1p(counts), autoLevels=True)
                steps = rows.steps
                span = max(float(steps[-1] - steps[0]), 1.0)
                height = span * len(counts) / max(len(counts) - 1, 1)
                img.setRect(QRectF(float(edges[0]), float(steps[0]),
                                   float(edges[-1] - edges[0]), height))
        shown = [self.history.histograms(param, k) for k in ("grad", "weight")] if param else []
        self._show_status(no_bins=bool(param) and all(r is None or r.latest is None
                                                      for r in shown))

    # slots -----------------------------------------------------------------------------------
    @quiet_slot
    def _on_layer_combo_changed(self, name: str) -> None:
        self._fill_params()
        self._refresh_histograms()
        rows = [self.table.item(r, 0).text() for r in range(self.table.rowCount())]
        if name in rows:
            self.table.blockSignals(True)
            self.table.selectRow(rows.index(name))
            self.table.blockSignals(False)

    @quiet_slot
    def _on_param_combo_changed(self, name: str) -> None:
        self._refresh_histograms()

    @quiet_slot
    def _on_table_cell_clicked(self, row: int, column: int) -> None:
        self.select_layer(self.table.item(row, 0).text())

    @quiet_slot
    def _on_legend_sample_clicked(self, item) -> None:
        # pyqtgraph has already toggled the clicked line: the layer's other lines follow it
        for name, curve in self.norm_curves.items():
            if curve is item:
                self.set_layer_visible(name, item.isVisible())
                return
