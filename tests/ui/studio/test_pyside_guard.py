import sys

import numpy as np
import pyqtgraph as pg


def test_live_curve_updates_do_not_steal_references_to_true(qtbot):
    # PySide6-Essentials 6.12.0 drops a reference to True on every Signal.emit(); on Python
    # 3.11 (bools are not immortal there) a live plot then aborts the interpreter with
    # "Fatal Python error: bool_dealloc" once enough curve updates have run. pyproject.toml
    # excludes that release; this test catches any build with the same bug.
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    curve = plot.plot()
    x = np.linspace(-np.pi, np.pi, 2000)
    y = np.sin(x)
    before = sys.getrefcount(True)
    for _ in range(200):
        curve.setData(x, y)
    assert sys.getrefcount(True) - before > -100, "this PySide6 build leaks refs to True"
