"""Live demo shown by ``netlab-studio`` until the Studio editor exists.

netlab fits ``y = a + b x + c x^2 + d x^3`` to ``sin(x)`` on [-pi, pi] with autograd and plain
gradient descent, exactly as the seeds' polynomial example does with PyTorch, while pyqtgraph
draws the target, the current fit and the loss curve.
"""

from __future__ import annotations

import math
import traceback

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

import netlab

_SUPERSCRIPTS = ("", "", "\u00b2", "\u00b3")


class PolyFit:
    """Gradient descent on a cubic fitted to sin(x), one netlab step at a time.

    Parameters
    ----------
    n : int
        Number of sample points on [-pi, pi].
    lr : float
        Learning rate of the summed squared error (the seeds use 1e-6).
    seed : int, optional
        Seed for the random initial coefficients; None leaves the generator alone.

    Examples
    --------
    >>> fit = PolyFit(seed=0)
    >>> first = fit.step()
    >>> fit.step() < first
    True
    """

    def __init__(self, n: int = 2000, lr: float = 1e-6, seed: int | None = None) -> None:
        if seed is not None:
            netlab.manual_seed(seed)
        self.lr = lr
        self.steps = 0
        self.x = netlab.linspace(-math.pi, math.pi, n)
        self.y = netlab.sin(self.x)
        self.params = [netlab.randn((), requires_grad=True) for _ in range(4)]

    def step(self) -> float:
        """Run one forward/backward/update step and return the loss before the update."""
        a, b, c, d = self.params
        x = self.x
        y_pred = a + b * x + c * x**2 + d * x**3
        loss = (y_pred - self.y).pow(2).sum()
        loss.backward()
        with netlab.no_grad():
            for p in self.params:
                p -= self.lr * p.grad
                p.grad = None
        self.steps += 1
        return loss.item()

    def coefficients(self) -> tuple[float, float, float, float]:
        """The current (a, b, c, d)."""
        a, b, c, d = (p.item() for p in self.params)
        return a, b, c, d

    def prediction(self) -> np.ndarray:
        """The current fit evaluated at the sample points, as a numpy array."""
        a, b, c, d = self.params
        x = self.x
        with netlab.no_grad():
            return (a + b * x + c * x**2 + d * x**3).numpy()

    def optimum_loss(self) -> float:
        """The least-squares loss, the floor that gradient descent approaches."""
        x, y = self.x.numpy().astype(np.float64), self.y.numpy().astype(np.float64)
        basis = np.stack([x**k for k in range(4)], axis=1)
        coef = np.linalg.lstsq(basis, y, rcond=None)[0]
        return float(((basis @ coef - y) ** 2).sum())


def format_formula(coefficients) -> str:
    """Render (a, b, c, d) as ``y = a + b x + c x² + d x³`` with proper signs.

    Examples
    --------
    >>> format_formula((0.5, -1.0, 0.0, 0.25))
    'y = 0.5000 − 1.0000 x + 0.0000 x² + 0.2500 x³'
    """
    text = f"y = {coefficients[0]:.4f}"
    for power in range(1, 4):
        value = coefficients[power]
        sign = "\u2212" if value < 0 else "+"
        text += f" {sign} {abs(value):.4f} x{_SUPERSCRIPTS[power]}"
    return text


class _GrowableBuffer:
    """A float64 buffer that doubles its capacity, so curves can `setData` on a slice."""

    def __init__(self, capacity: int = 1024) -> None:
        self._data = np.empty(capacity)
        self.size = 0

    def extend(self, values) -> None:
        values = np.asarray(values, dtype=np.float64)
        needed = self.size + values.size
        if needed > self._data.size:
            grown = np.empty(max(needed, 2 * self._data.size))
            grown[: self.size] = self._data[: self.size]
            self._data = grown
        self._data[self.size : needed] = values
        self.size = needed

    def clear(self) -> None:
        self.size = 0

    @property
    def data(self) -> np.ndarray:
        return self._data[: self.size]


class DemoWindow(QMainWindow):
    """Main window of the demo: target and fit on the left, loss on the right.

    Parameters
    ----------
    seed : int, optional
        Seed for the initial coefficients (None: a different start each run).
    steps_per_tick : int
        Gradient steps per timer tick.
    interval_ms : int
        Timer interval; the fit runs at about ``steps_per_tick * 1000 / interval_ms`` steps/s.
    max_steps : int
        The fit stops here (plain gradient descent at lr 1e-6 has converged by then).
    autostart : bool
        Start the timer at once; tests pass False and call `tick` themselves.

    Examples
    --------
    >>> window = DemoWindow(seed=0, autostart=False)
    >>> window.tick()
    >>> window.fit.steps
    25
    """

    def __init__(
        self,
        *,
        seed: int | None = None,
        steps_per_tick: int = 25,
        interval_ms: int = 30,
        max_steps: int = 5000,
        autostart: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("NetLab Studio \u2014 netlab live demo")
        self.resize(1100, 600)
        self.seed = seed
        self.steps_per_tick = steps_per_tick
        self.max_steps = max_steps
        self.fit: PolyFit | None = None
        self.error: str | None = None
        self.losses = _GrowableBuffer()
        self._build()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._on_timer_timeout)
        self.restart(autostart=autostart)

    def _build(self) -> None:
        intro = QLabel(
            "The Studio editor is on its way. Meanwhile netlab fits a cubic to sin(x) "
            "with autograd and gradient descent, live."
        )
        intro.setWordWrap(True)
        self.formula_label = QLabel()
        font = self.formula_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        self.formula_label.setFont(font)
        self.formula_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.fit_plot = pg.PlotWidget(background="#1e1f26")
        self.fit_plot.setTitle("sin(x) and the current fit")
        self.fit_plot.setLabel("bottom", "x")
        self.fit_plot.showGrid(x=True, y=True, alpha=0.2)
        self.fit_plot.addLegend(offset=(10, 10))
        self.fit_plot.setYRange(-1.6, 1.6)
        self.target_curve = self.fit_plot.plot(
            name="sin(x)",
            pen=pg.mkPen("#9aa0a6", width=2, style=Qt.PenStyle.DashLine),
            antialias=True,
        )
        self.fit_curve = self.fit_plot.plot(
            name="a + b x + c x\u00b2 + d x\u00b3", pen=pg.mkPen("#4fc3f7", width=3), antialias=True
        )

        self.loss_plot = pg.PlotWidget(background="#1e1f26")
        self.loss_plot.setTitle("loss (sum of squared errors)")
        self.loss_plot.setLabel("bottom", "step")
        self.loss_plot.setLogMode(y=True)
        self.loss_plot.showGrid(x=True, y=True, alpha=0.2)
        self.loss_curve = self.loss_plot.plot(pen=pg.mkPen("#ffb74d", width=2), antialias=True)
        self.loss_curve.setDownsampling(auto=True, method="peak")
        self.loss_curve.setClipToView(True)
        self.optimum_line = pg.InfiniteLine(
            angle=0,
            pen=pg.mkPen("#81c784", width=1, style=Qt.PenStyle.DotLine),
            label="least-squares optimum",
            labelOpts={"position": 0.8, "color": "#81c784"},
        )
        self.loss_plot.addItem(self.optimum_line)

        self.status_label = QLabel()
        self.pause_button = QPushButton("Pause")
        self.pause_button.clicked.connect(self._on_pause_clicked)
        self.restart_button = QPushButton("Restart")
        self.restart_button.clicked.connect(self._on_restart_clicked)

        plots = QHBoxLayout()
        plots.addWidget(self.fit_plot, 3)
        plots.addWidget(self.loss_plot, 2)
        controls = QHBoxLayout()
        controls.addWidget(self.status_label, 1)
        controls.addWidget(self.pause_button)
        controls.addWidget(self.restart_button)
        layout = QVBoxLayout()
        layout.addWidget(intro)
        layout.addWidget(self.formula_label)
        layout.addLayout(plots, 1)
        layout.addLayout(controls)
        central = QWidget()
        central.setLayout(layout)
        self.setCentralWidget(central)

    def restart(self, autostart: bool = True) -> None:
        """Start over from new random coefficients (the same ones when a seed was given)."""
        self.timer.stop()
        self.error = None
        self.losses.clear()
        self.loss_curve.setData([], [])
        self.status_label.setStyleSheet("")
        try:
            self.fit = PolyFit(seed=self.seed)
            x = self.fit.x.numpy()
            self.target_curve.setData(x, self.fit.y.numpy())
            self.fit_curve.setData(x, self.fit.prediction())
            self.optimum_line.setValue(math.log10(self.fit.optimum_loss()))
            self.formula_label.setText(format_formula(self.fit.coefficients()))
        except Exception as exc:  # a broken engine must show a message, not kill the window
            self._fail(exc)
            return
        self.status_label.setText("step 0")
        self.pause_button.setEnabled(True)
        self.pause_button.setText("Pause")
        if autostart:
            self.timer.start()

    def tick(self) -> None:
        """Run `steps_per_tick` gradient steps and redraw; stops at `max_steps` or on error."""
        if self.fit is None or self.error is not None:
            return
        try:
            steps = min(self.steps_per_tick, self.max_steps - self.fit.steps)
            new = [self.fit.step() for _ in range(steps)]
            if not all(math.isfinite(v) for v in new):
                raise FloatingPointError("the loss is no longer finite")
            self.losses.extend(new)
            self.loss_curve.setData(np.arange(1, self.losses.size + 1), self.losses.data)
            self.fit_curve.setData(self.fit.x.numpy(), self.fit.prediction())
            self.formula_label.setText(format_formula(self.fit.coefficients()))
        except Exception as exc:  # never raise into the Qt event loop
            self._fail(exc)
            return
        last = self.losses.data[-1] if self.losses.size else float("nan")
        if self.fit.steps >= self.max_steps:
            self.timer.stop()
            self.pause_button.setEnabled(False)
            self.status_label.setText(f"done after {self.fit.steps} steps \u00b7 loss {last:.4f}")
        else:
            self.status_label.setText(f"step {self.fit.steps} \u00b7 loss {last:.4f}")

    def _fail(self, exc: BaseException) -> None:
        traceback.print_exception(exc)
        self.timer.stop()
        self.error = f"{type(exc).__name__}: {exc}"
        self.pause_button.setEnabled(False)
        self.status_label.setStyleSheet("color: #e57373;")
        self.status_label.setText(f"The demo stopped: {self.error}")

    def _on_timer_timeout(self) -> None:
        self.tick()

    def _on_pause_clicked(self) -> None:
        if self.timer.isActive():
            self.timer.stop()
            self.pause_button.setText("Resume")
        else:
            self.timer.start()
            self.pause_button.setText("Pause")

    def _on_restart_clicked(self) -> None:
        self.restart()
