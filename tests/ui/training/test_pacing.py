"""RedrawPacer spaces a view's redraws by their cost; covered views do not draw."""

import gc
import time

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QLabel, QMainWindow

from ui.training import pacing
from ui.training.pacing import PaintTimed, RedrawPacer, TimedPlotWidget, on_screen


@pytest.fixture
def owned():
    """Widgets deleted at the end of the test, then collected: not later, by a garbage
    collection that could run while another test's plot paints."""
    widgets = []
    yield widgets
    for w in widgets:
        w.close()
        w.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    widgets.clear()
    gc.collect()


class Painted:
    """A stand-in for a PaintTimed plot: its paint seconds are set by the test."""

    def __init__(self):
        self.painted = 0.0


def test_the_interval_is_the_cost_of_the_last_drawing_over_the_share(qtbot):
    plots = [Painted(), Painted()]
    spent = {"redraw": 0.0}
    pacer = RedrawPacer(lambda: time.sleep(spent["redraw"]), widgets=plots, share=0.05,
                        shortest_ms=250, longest_ms=2000)
    assert pacer.interval_ms == 250 and pacer.cost() == 0.0
    spent["redraw"] = 0.01
    with qtbot.waitSignal(pacer.timer.timeout, timeout=1000):
        pacer.request()
    assert pacer.interval_ms == 250  # nothing drawn before this first redraw
    assert pacer.cost() == pytest.approx(0.01, abs=0.008)  # the redraw just timed
    plots[0].painted += 0.015  # the paints that followed it
    plots[1].painted += 0.005
    assert pacer.adapt() == pytest.approx(1000 * (0.01 + 0.02) / 0.05, abs=170)
    assert pacer.cost() == 0.0  # counted afresh after each paced redraw
    plots[0].painted += 1.0  # a very costly drawing: at most LONGEST_MS between redraws
    assert pacer.adapt() == 2000
    assert pacer.adapt() == 250  # a cheap one (nothing drawn): back to the shortest
    plots[0].painted += 0.05
    pacer.reset()  # a new run: its first news at the shortest interval, old paints forgotten
    assert pacer.interval_ms == 250 and pacer.cost() == 0.0


def test_parts_drawn_at_a_set_delay_count_into_the_next_paced_interval(qtbot):
    calls = []
    pacer = RedrawPacer(lambda: calls.append(time.sleep(0.004)), share=0.01)
    for _ in range(3):  # e.g. the gradient view's parts, PART_GAP_MS apart
        with qtbot.waitSignal(pacer.timer.timeout, timeout=1000):
            pacer.request(1)
    assert len(calls) == 3 and pacer.interval_ms == 250  # not paced: nothing adapted
    assert pacer.cost() >= 0.012
    with qtbot.waitSignal(pacer.timer.timeout, timeout=1000):
        pacer.request()  # the next full redraw, paced
    assert pacer.interval_ms >= 1000 * 0.012 / 0.01


def test_a_request_while_armed_adds_nothing(qtbot):
    calls = []
    pacer = RedrawPacer(lambda: calls.append(1), shortest_ms=30)
    for _ in range(20):
        pacer.request()
    qtbot.waitUntil(lambda: calls == [1], timeout=1000)
    qtbot.wait(100)
    assert calls == [1] and not pacer.isActive()
    pacer.request()
    pacer.stop()
    qtbot.wait(80)
    assert calls == [1]


def test_the_share_follows_the_module_setting_at_construction(monkeypatch):
    monkeypatch.setattr(pacing, "DRAW_SHARE", 0.2)
    assert RedrawPacer(lambda: None).share == 0.2
    assert RedrawPacer(lambda: None, share=0.5).share == 0.5


def test_a_timed_plot_adds_up_its_paint_time(qtbot, owned):
    plot = TimedPlotWidget(background="w")
    owned.append(plot)
    assert isinstance(plot, PaintTimed) and plot.painted == 0.0
    plot.resize(300, 200)
    plot.show()
    qtbot.waitExposed(plot)
    plot.plot([0, 1, 2], [1, 3, 2])
    qtbot.waitUntil(lambda: plot.painted > 0, timeout=2000)
    before = plot.painted
    plot.viewport().repaint()
    assert plot.painted > before


def test_a_dock_behind_another_is_not_on_screen(qtbot, owned):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QDockWidget

    window = QMainWindow()
    owned.append(window)
    window.setCentralWidget(QLabel("canvas"))
    front, back = QDockWidget("Summary"), QDockWidget("Training")
    view = QLabel("plots")
    front.setWidget(QLabel("summary"))
    back.setWidget(view)
    for dock in (front, back):
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    window.tabifyDockWidget(front, back)
    window.resize(600, 400)
    window.show()
    qtbot.waitExposed(window)
    front.raise_()
    qtbot.waitUntil(lambda: not on_screen(view), timeout=1000)
    assert view.isVisible()  # what Qt says of a covered tab: drawing it would be waste
    back.raise_()
    qtbot.waitUntil(lambda: on_screen(view), timeout=1000)
    view.hide()
    assert not on_screen(view)
