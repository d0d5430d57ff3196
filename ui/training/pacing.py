"""Redraw pacing for the live training views.

The GUI thread and the training thread share Python's GIL: while the GUI thread runs Python
(pyqtgraph lays out and paints its items in Python), the trainer waits. So the live views
never draw from a signal: the signals only store what came, and a :class:`RedrawPacer`'s
single-shot timer draws it later. The pacer times what each redraw cost (the redraw itself
and the paint events of the view's plots that followed it) and waits ``cost / share`` before
the next one: drawing takes at most :data:`DRAW_SHARE` of the GUI thread's time (a cheap view
still redraws every :data:`REDRAW_MS`, a costly one at least every :data:`LONGEST_MS`). The
benchmark ``benchmarks/bench_studio_training.py`` measures what that leaves the trainer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import pyqtgraph as pg
from PySide6.QtCore import QObject, QTimer

__all__ = ["REDRAW_MS", "LONGEST_MS", "DRAW_SHARE", "RedrawPacer", "PaintTimed",
           "TimedPlotWidget", "on_screen"]

REDRAW_MS = 250  # the shortest gap between two redraws: at most 4 a second
LONGEST_MS = 2000  # the longest a view waits to show news, however costly its drawing
DRAW_SHARE = 0.05  # the share of the GUI thread's time a view's drawing may take


def on_screen(widget) -> bool:
    """Whether some of ``widget`` can be seen: shown and not entirely covered. A dock
    tabified behind another stays "visible" to Qt (``isVisible()``) with nothing exposed;
    drawing it would cost the trainer for nothing.

    Examples
    --------
    >>> on_screen(view)  # doctest: +SKIP
    True
    """
    return widget.isVisible() and not widget.visibleRegion().isEmpty()


class PaintTimed:
    """Mixin for a QWidget class (first in the bases): ``painted`` adds up the wall time of
    its paint events, in seconds.

    Examples
    --------
    >>> class Plot(PaintTimed, pg.PlotWidget): pass  # doctest: +SKIP
    """

    painted = 0.0

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt name
        start = time.perf_counter()
        super().paintEvent(event)
        self.painted += time.perf_counter() - start


class TimedPlotWidget(PaintTimed, pg.PlotWidget):
    """A ``pg.PlotWidget`` whose paint time a :class:`RedrawPacer` can count."""


class RedrawPacer(QObject):
    """A single-shot redraw timer that spaces redraws by what they cost.

    ``request()`` arms it (a request while armed adds nothing: many signals, one redraw);
    when it fires, ``redraw()`` runs. Before each paced redraw the interval becomes the
    cost of the drawing since the previous one (the redraw calls, parts drawn at a set delay
    included, plus the paint time of the ``widgets``) over ``share``, kept within
    [``shortest_ms``, ``longest_ms``].

    Parameters
    ----------
    redraw:
        Called when the timer fires (the view checks its own visibility).
    parent:
        The view (the timer lives and dies with it).
    widgets:
        The view's :class:`PaintTimed` plots, whose paint time counts as drawing.

    Examples
    --------
    >>> pacer = RedrawPacer(view.redraw, view, widgets=view.plots.values())
    ... # doctest: +SKIP
    >>> pacer.request()  # from a signal: view.redraw() within pacer.interval_ms
    ... # doctest: +SKIP
    """

    def __init__(self, redraw: Callable[[], None], parent: QObject | None = None, *,
                 widgets: Iterable = (), shortest_ms: int = REDRAW_MS,
                 longest_ms: int = LONGEST_MS, share: float | None = None):
        super().__init__(parent)
        self.shortest_ms, self.longest_ms = int(shortest_ms), int(longest_ms)
        self.share = float(DRAW_SHARE if share is None else share)
        self.interval_ms = self.shortest_ms
        self.widgets = list(widgets)
        self._redraw = redraw
        self._paced = False  # whether the armed timer runs the interval (else a set delay)
        self._drawn = 0.0  # seconds spent in redraw() since the last paced one
        self._painted = self._paint_total()  # the widgets' paint seconds at that point
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._on_timer_timeout)

    def request(self, delay_ms: int | None = None) -> None:
        """Redraw after ``delay_ms`` (default: the paced interval) unless armed already."""
        if not self.timer.isActive():
            self._paced = delay_ms is None
            self.timer.start(self.interval_ms if delay_ms is None else int(delay_ms))

    def isActive(self) -> bool:  # noqa: N802 - as QTimer's
        return self.timer.isActive()

    def stop(self) -> None:
        self.timer.stop()

    def reset(self) -> None:
        """Back to the shortest interval (a new run: its first points come quickly)."""
        self.interval_ms = self.shortest_ms
        self._drawn, self._painted = 0.0, self._paint_total()

    def cost(self) -> float:
        """Seconds of drawing since the last paced redraw: redraw calls and paints."""
        return self._drawn + self._paint_total() - self._painted

    def adapt(self) -> int:
        """Set the interval from :meth:`cost` (and start counting afresh); returns it (ms)."""
        wanted = 1000.0 * self.cost() / self.share if self.share > 0 else 0.0
        self.interval_ms = int(min(self.longest_ms, max(self.shortest_ms, wanted)))
        self._drawn, self._painted = 0.0, self._paint_total()
        return self.interval_ms

    def _paint_total(self) -> float:
        return sum(getattr(w, "painted", 0.0) for w in self.widgets)

    def _on_timer_timeout(self) -> None:
        if self._paced:
            self.adapt()
        start = time.perf_counter()
        self._redraw()
        self._drawn += time.perf_counter() - start
