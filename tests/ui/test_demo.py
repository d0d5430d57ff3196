import sys
import time

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from ui import demo
from ui.__main__ import main
from ui.demo import DemoWindow, format_formula


def make_window(qtbot, **kwargs):
    window = DemoWindow(seed=0, autostart=False, **kwargs)
    qtbot.addWidget(window)
    window.show()
    assert window.error is None, window.error
    return window


def test_ticks_lower_the_loss_and_move_the_fit(qtbot, tmp_path):
    window = make_window(qtbot)
    x0, y0 = (np.array(v) for v in window.fit_curve.getData())
    formula0 = window.formula_label.text()
    for _ in range(4):
        window.tick()
    assert window.error is None, window.error
    losses = window.losses.data
    assert losses.size == 4 * window.steps_per_tick == window.fit.steps
    assert np.all(np.diff(losses) < 0)
    x1, y1 = window.fit_curve.getData()
    np.testing.assert_array_equal(x1, x0)
    assert x1.shape == (2000,)
    assert np.abs(y1 - y0).max() > 1e-3
    lx, ly = window.loss_curve.getOriginalDataset()
    np.testing.assert_array_equal(ly, losses)
    np.testing.assert_array_equal(lx, np.arange(1, losses.size + 1))
    assert window.formula_label.text() != formula0
    assert window.formula_label.text() == format_formula(window.fit.coefficients())
    assert window.status_label.text().startswith("step 100")
    shot = tmp_path / "demo.png"
    assert window.grab().save(str(shot))
    assert shot.stat().st_size > 0


def test_timer_drives_the_fit_until_max_steps(qtbot):
    window = make_window(qtbot, steps_per_tick=10, interval_ms=1, max_steps=30)
    window.restart()
    assert window.timer.isActive()
    qtbot.waitUntil(lambda: window.fit.steps == 30, timeout=5000)
    qtbot.waitUntil(lambda: not window.timer.isActive(), timeout=1000)
    assert window.losses.size == 30
    assert window.status_label.text().startswith("done after 30 steps")
    assert not window.pause_button.isEnabled()


def test_pause_and_restart(qtbot):
    window = make_window(qtbot)
    initial = window.fit.coefficients()
    window.restart()
    window.pause_button.click()
    assert not window.timer.isActive()
    assert window.pause_button.text() == "Resume"
    window.tick()
    assert window.fit.coefficients() != initial
    window.restart_button.click()
    assert window.timer.isActive()
    assert window.losses.size == 0 and window.fit.steps == 0
    assert window.fit.coefficients() == initial  # seeded: the same start again
    window.pause_button.click()
    assert not window.timer.isActive()


def test_a_failing_step_shows_a_message_instead_of_raising(qtbot, monkeypatch, capsys):
    window = make_window(qtbot)
    window.restart()

    def broken(self):
        raise RuntimeError("boom")

    monkeypatch.setattr(demo.PolyFit, "step", broken)
    window.tick()
    assert window.error == "RuntimeError: boom"
    assert not window.timer.isActive()
    assert "boom" in window.status_label.text()
    assert "RuntimeError: boom" in capsys.readouterr().err
    window.tick()  # a stopped demo stays stopped


def test_a_failing_engine_at_start_shows_a_message(qtbot, monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise AttributeError("no linspace")

    monkeypatch.setattr(demo.netlab, "linspace", broken)
    window = DemoWindow(seed=0)
    qtbot.addWidget(window)
    assert window.error == "AttributeError: no linspace"
    assert "no linspace" in window.status_label.text()
    assert not window.timer.isActive()
    capsys.readouterr()


def test_live_curve_updates_do_not_steal_references_to_true(qtbot):
    # PySide6-Essentials 6.12.0 drops a reference to True on every Signal.emit(); on Python
    # 3.11 (bools are not immortal there) a live plot then aborts the interpreter with
    # "Fatal Python error: bool_dealloc" once enough curve updates have run
    window = make_window(qtbot)
    x, y = window.fit_curve.getData()
    before = sys.getrefcount(True)
    for _ in range(200):
        window.fit_curve.setData(x, y)
    assert sys.getrefcount(True) - before > -100, "this PySide6 build leaks refs to True"


def test_format_formula():
    assert format_formula((0.5, -1.0, 0.0, 0.25)) == (
        "y = 0.5000 \u2212 1.0000 x + 0.0000 x\u00b2 + 0.2500 x\u00b3"
    )


def test_main_opens_the_window_and_returns_the_exit_code(qapp):
    seen = []
    deadline = time.monotonic() + 10

    def quit_once_running():
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, DemoWindow)]
        if any(w.fit.steps > 0 for w in windows) or time.monotonic() > deadline:
            seen.extend(windows)
            QApplication.instance().exit(3)
        else:
            QTimer.singleShot(20, quit_once_running)

    QTimer.singleShot(20, quit_once_running)
    assert main(["netlab-studio"]) == 3
    assert any(w.isVisible() and w.error is None and w.fit.steps > 0 for w in seen)
    for w in seen:
        w.close()
