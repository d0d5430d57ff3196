"""Plot pieces of the gradient view: a log axis with readable minor ticks, a legend column
that re-flows into more columns when short, the plots' common setup and the number format of
the layer table."""

from __future__ import annotations

import math
from collections.abc import Callable

import pyqtgraph as pg

from ui.training.pacing import TimedPlotWidget

__all__ = ["LegendView", "fmt_stat", "make_plot"]


def fmt_stat(value, percent: bool = False) -> str:
    """A statistic as the layer table shows it: 3 significant digits, a percentage, or "–"
    for none.

    Examples
    --------
    >>> fmt_stat(0.012345), fmt_stat(0.25, percent=True), fmt_stat(None)
    ('0.0123', '25%', '–')
    """
    if value is None:
        return "–"
    v = float(value)
    if not math.isfinite(v):
        return str(v)
    return f"{v:.0%}" if percent else f"{v:.3g}"


class _LogAxis(pg.AxisItem):
    """A log axis whose minor ticks thin out to 2 and 5 (or none) over wide ranges: norms
    span decades, and pyqtgraph's 2..9 labels then print on top of each other."""

    def logTickValues(self, minVal, maxVal, size, stdTicks):  # noqa: N802, N803 - Qt names
        levels = super().logTickValues(minVal, maxVal, size, stdTicks)
        span = maxVal - minVal
        if span < 1.0:
            return levels
        keep = (2, 5) if span < 3.0 else ()
        out = []
        for spacing, values in levels:
            if spacing is None:
                values = [v for v in values if round(10 ** (v - math.floor(v + 1e-9))) in keep
                          or abs(v - round(v)) < 1e-9]
            out.append((spacing, values))
        return out


class LegendView(pg.GraphicsLayoutWidget):
    """The legend's own column: it calls ``on_resize()`` when its height changes, so that
    the legend can re-flow into more columns when it cannot hold one row per layer.

    Examples
    --------
    >>> view = LegendView(lambda: None)  # doctest: +SKIP
    >>> view.addItem(pg.LegendItem())  # doctest: +SKIP
    """

    def __init__(self, on_resize: Callable[[], None]):
        self._on_resize = None  # pyqtgraph sends resizeEvent(None) while constructing
        super().__init__()
        self._on_resize = on_resize

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt name
        super().resizeEvent(event)
        if self._on_resize is not None and event is not None \
                and event.size().height() != event.oldSize().height():
            self._on_resize()


def make_plot(title: str, log_y: bool = False, x_label: str = "step") -> TimedPlotWidget:
    """A white plot titled ``title`` for live data: peak downsampling, clipped to the view,
    optionally a log y axis (with a grid on its decades); its paint time is counted (see
    :class:`ui.training.pacing.RedrawPacer`).

    Examples
    --------
    >>> plot = make_plot("Gradient norm per layer", log_y=True)  # doctest: +SKIP
    >>> plot.getPlotItem().ctrl.logYCheck.isChecked()  # doctest: +SKIP
    True
    """
    w = TimedPlotWidget(background="w", axisItems={"left": _LogAxis("left")} if log_y else None)
    item = w.getPlotItem()
    item.setTitle(title, size="9pt", color="#333")
    if log_y:
        # the decades only: pyqtgraph paints grid lines with the axes, so a grid repaints
        # them all on every data update (a full grid on all six plots tripled a redraw)
        item.showGrid(x=False, y=True, alpha=0.2)
    item.setLabel("bottom", x_label)
    item.setLogMode(y=log_y)
    item.setDownsampling(auto=True, mode="peak")
    item.setClipToView(True)
    w.setMinimumHeight(130)
    return w
