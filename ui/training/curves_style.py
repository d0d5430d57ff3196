"""One look for the training plots: dark on light, readable axes, a colour per run.

The options are set per plot, never through ``pg.setConfigOptions``, which would restyle every
other pyqtgraph view in the process.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont

from ui.training.pacing import TimedPlotWidget

__all__ = ["RUN_COLORS", "add_legend", "make_plot", "pen", "run_color"]

# Tableau 10 without the light grey: distinguishable on white, also for most colour-blind eyes
RUN_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b",
              "#e377c2", "#bcbd22")
_FOREGROUND = "#202020"


def run_color(index: int) -> QColor:
    """The colour of the ``index``-th run (counting from 0), repeating after nine.

    Examples
    --------
    >>> run_color(0).name()
    '#1f77b4'
    """
    return QColor(RUN_COLORS[index % len(RUN_COLORS)])


def pen(color: QColor | str, alpha: int = 255, width: float = 1.0, dash: bool = False):
    """A cosmetic pen of ``color`` with ``alpha`` (0-255)."""
    c = QColor(color)
    c.setAlpha(alpha)
    style = {"style": pg.QtCore.Qt.PenStyle.DashLine} if dash else {}
    return pg.mkPen(c, width=width, **style)


def make_plot(title: str, y_label: str, x_label: str | None = "step", parent=None
              ) -> TimedPlotWidget:
    """A white PlotWidget with dark axes and labels, a light grid and no context-menu clutter;
    curves added to it are downsampled and clipped to the view; its paint time is counted
    (a :class:`ui.training.pacing.RedrawPacer` spaces the redraws by it).

    Examples
    --------
    >>> plot = make_plot("Loss", "loss")  # doctest: +SKIP
    """
    widget = TimedPlotWidget(parent=parent, background="w")
    item = widget.getPlotItem()
    font = QFont()
    font.setPointSize(9)
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        axis.setPen(pg.mkPen(_FOREGROUND))
        axis.setTextPen(pg.mkPen(_FOREGROUND))
        axis.setTickFont(font)
        axis.enableAutoSIPrefix(False)  # "lr (x0.001)" over ticks "20, 40" misleads
        # major ticks (and grid lines) only: the minor grid's many translucent lines were
        # ~3/4 of a plot's paint time (10 ms of 13), repainted on every live update
        axis.setStyle(maxTickLevel=0)
    item.setLabel("left", y_label, color=_FOREGROUND)
    if x_label:
        item.setLabel("bottom", x_label, color=_FOREGROUND)
    item.setTitle(title, color=_FOREGROUND, size="10pt")
    item.showGrid(x=True, y=True, alpha=0.15)
    # PlotItem.addItem hands these to every curve added later (it would override per-curve
    # settings): about one point per pixel, keeping spikes, and only the points in view
    item.setDownsampling(auto=True, mode="peak")
    item.setClipToView(True)
    item.setMenuEnabled(False)  # the toolbar owns log scale etc.; the menu would fight it
    widget.setMinimumHeight(110)
    return widget


class _OutsideLegend(pg.LegendItem):
    """A legend in the plot's title row, right-aligned: it never covers a curve. The title
    row grows to the legend's height whenever an entry is added or removed."""

    def updateSize(self):
        super().updateSize()
        plot = self.parentItem()
        if isinstance(plot, pg.PlotItem):
            height = self.height() + 4 if self.items else 0
            plot.layout.setRowFixedHeight(0, max(height, plot.titleLabel.height()))


def add_legend(plot: pg.PlotWidget, columns: int = 2) -> pg.LegendItem:
    """A legend above the plot's view box, at the right of its title (left-aligned), entries
    in ``columns`` columns; the view box shrinks by the legend's height instead of being
    covered by it.

    Examples
    --------
    >>> legend = add_legend(make_plot("Loss", "loss"))  # doctest: +SKIP
    >>> legend.addItem(curve, "smoothed")  # doctest: +SKIP
    """
    item = plot.getPlotItem()
    item.titleLabel.setText(item.titleLabel.text, justify="left")  # the legend is right
    legend = _OutsideLegend(offset=None, colCount=columns, labelTextColor=_FOREGROUND,
                            labelTextSize="8pt", horSpacing=8)
    legend.setParentItem(item)
    legend.anchor(itemPos=(1, 0), parentPos=(1, 0), offset=(-6, 1))
    item.legend = legend  # as PlotItem.addLegend keeps it (PlotItem.clear, named items)
    return legend
