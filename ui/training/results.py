"""``ResultsWidget``: what the model gets right and wrong, redrawn as a run learns.

Classification shows the confusion matrix with each class's accuracy, and beside it the
decision boundary (2-D points) or a few misclassified samples (images); regression shows the
predictions against the targets (the seeds' sin(x) fit drawn as it improves). Everything
follows the session's ``runStarted`` and ``resultsUpdated`` signals.

``resultsUpdated`` only keeps the latest payload: a paced single-shot timer armed by it
(:class:`ui.training.pacing.RedrawPacer`: at most ~4 times a second, less often the more a
redraw costs) draws that one, only while the widget is shown; a hidden widget draws the
latest results when it is shown again.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from ui.training.pacing import REDRAW_MS, RedrawPacer, on_screen
from ui.training.results_views import (
    BoundaryPlot,
    ConfusionTable,
    MisclassifiedGrid,
    RegressionPlot,
)

__all__ = ["ResultsWidget", "REDRAW_MS"]

_WAITING = "No results yet: they appear here while a run trains."


class ResultsWidget(QWidget):
    """Live results of ``session``'s current run.

    Parameters
    ----------
    session:
        Anything with the TrainingSession's ``runStarted`` and ``resultsUpdated`` signals.

    Examples
    --------
    >>> results = ResultsWidget(session)  # doctest: +SKIP
    >>> session.start("moons", TrainConfig(epochs=5))  # doctest: +SKIP
    """

    def __init__(self, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.run_id = None
        self.info: dict = {}
        self.pending: dict | None = None  # the latest results, not drawn yet
        self.redraw_count = 0  # results drawn (the coalescing is tested by it)
        self.header = QLabel(_WAITING)
        self.header.setWordWrap(True)
        self.confusion = ConfusionTable()
        self.misclassified = MisclassifiedGrid()
        self.boundary = BoundaryPlot()
        self.regression = RegressionPlot()
        self.pacer = RedrawPacer(self._on_redraw_timer_timeout, self, widgets=(
            self.boundary.plot, self.regression.fit_plot, self.regression.parity_plot))

        confusion_box = QWidget()
        box = QVBoxLayout(confusion_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(QLabel("Confusion matrix (rows: true class, columns: predicted)"))
        box.addWidget(self.confusion, 1)
        self.classification_page = QSplitter(Qt.Orientation.Horizontal)
        self.classification_page.addWidget(confusion_box)
        self.classification_page.addWidget(self.boundary)
        self.classification_page.addWidget(self.misclassified)
        self.empty_page = QLabel(_WAITING)
        self.empty_page.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_page.setStyleSheet("color: #606060")
        self.pages = QStackedWidget()
        for page in (self.empty_page, self.classification_page, self.regression):
            self.pages.addWidget(page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.header)
        layout.addWidget(self.pages, 1)
        session.runStarted.connect(self._on_session_run_started)
        session.resultsUpdated.connect(self._on_session_results_updated)

    def _on_session_run_started(self, info: dict) -> None:
        self.run_id = info.get("run_id")
        self.pacer.reset()  # a new run's first news come at the shortest interval
        self.info = dict(info)
        self.pending = None  # the previous run's last results are of no interest now
        self.pages.setCurrentWidget(self.empty_page)
        self.header.setText(f"Run {self.run_id}: waiting for the first results...")
        # one input feature: the fitted curve is a function of x, drawn as a line
        shape = info.get("input_shape") or ()
        self.regression.line = math.prod(shape) == 1 if shape else True

    def _on_session_results_updated(self, payload: dict) -> None:
        if self.run_id is not None and payload.get("run_id") != self.run_id:
            return  # a late result of an earlier run
        self.pending = payload  # each payload is complete: only the latest matters
        if on_screen(self):
            self.pacer.request()

    def _on_redraw_timer_timeout(self) -> None:
        if on_screen(self):
            self.redraw()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.pending is not None:  # what came while hidden
            self.redraw()

    def catch_up(self) -> None:
        """Draw the results that came while the widget was covered (its dock behind
        another), if it can be seen now."""
        if on_screen(self) and self.pending is not None:
            self.redraw()

    def redraw(self) -> None:
        """Draw the latest results now (the timer calls this)."""
        self.pacer.stop()
        payload, self.pending = self.pending, None
        if payload is None:
            return
        self.redraw_count += 1
        task = payload.get("task") or self.info.get("task")
        if task == "regression":
            self._show_regression(payload)
        elif task == "classification" and payload.get("confusion") is not None:
            self._show_classification(payload)

    def _show_regression(self, payload: dict) -> None:
        self.regression.show_predictions(payload["x"], payload["target"], payload["prediction"])
        self.pages.setCurrentWidget(self.regression)
        t = np.asarray(payload["target"], dtype=np.float64)
        p = np.asarray(payload["prediction"], dtype=np.float64)
        mse = float(np.mean((t - p) ** 2)) if len(t) else float("nan")
        self.header.setText(f"Run {payload.get('run_id', self.run_id)} · step "
                            f"{payload.get('step', '?')} · mean squared error {mse:.4g} on "
                            f"{len(t)} samples")

    def _show_classification(self, payload: dict) -> None:
        conf = np.asarray(payload["confusion"])
        classes = payload.get("classes") or self.info.get("classes")
        self.confusion.show_confusion(conf, classes, payload.get("per_class_accuracy"))
        boundary = payload.get("boundary")
        if boundary is not None:
            self.boundary.show_boundary(boundary, classes)
        self.boundary.setVisible(boundary is not None)
        samples = payload.get("misclassified")
        if samples is not None:
            self.misclassified.show_samples(samples, classes)
        self.misclassified.setVisible(samples is not None)
        self.pages.setCurrentWidget(self.classification_page)
        total = int(conf.sum())
        accuracy = payload.get("accuracy")
        if accuracy is None and total:
            accuracy = float(np.trace(conf) / total)
        text = "" if accuracy is None else f" · accuracy {100 * accuracy:.1f} %"
        self.header.setText(f"Run {payload.get('run_id', self.run_id)} · step "
                            f"{payload.get('step', '?')}{text} on {total} samples")
