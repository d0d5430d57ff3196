"""The Training dock's contents: the training panel beside the live views (Curves,
Gradients, Results tabs), and the canvas colouring by gradient health.

Everything here follows one :class:`~ui.training.session.TrainingSession`; the dock only
puts the parts side by side and switches tabs when that helps (a new run shows its curves,
a node clicked on the canvas during a run shows its gradients).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea, QSplitter, QTabWidget, QVBoxLayout, QWidget

from ui.training.curves import CurvesWidget
from ui.training.gradients import GradientsWidget
from ui.training.health import HealthPainter
from ui.training.panel import TrainingPanel
from ui.training.results import ResultsWidget

TABS = ("Curves", "Gradients", "Results")


class TrainingDock(QWidget):
    """The training panel on the left and tabs Curves / Gradients / Results on the right.

    ``canvas`` (a :class:`ui.canvas.CanvasView`) gets its nodes coloured by gradient health
    during a run; without one nothing is coloured.

    Examples
    --------
    >>> session = TrainingSession(window.document)  # doctest: +SKIP
    >>> dock = TrainingDock(session, window.document, window.canvas)  # doctest: +SKIP
    >>> dock.tabs.tabText(0)  # doctest: +SKIP
    'Curves'
    """

    def __init__(self, session, document, canvas=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.document = document
        self.panel = TrainingPanel(session, document)
        self.curves = CurvesWidget(session)
        self.gradients = GradientsWidget(session)
        self.results = ResultsWidget(session)
        self.tabs = QTabWidget()
        for widget, title in zip((self.curves, self.gradients, self.results), TABS):
            self.tabs.addTab(_scrolled(widget), title)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(_scrolled(self.panel, horizontal=False))
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([380, 1000])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self.health = None
        if canvas is not None:
            # a node of the running model clicked on the canvas: its gradients come forward
            self.health = HealthPainter(session, canvas, document, gradients=self.gradients)
            self.health.layerClicked.connect(self._on_health_layer_clicked)
        session.runStarted.connect(self._on_session_run_started)

    def show_tab(self, title: str) -> None:
        """Bring the tab ``title`` ("Curves", "Gradients" or "Results") to the front."""
        self.tabs.setCurrentIndex(TABS.index(title))

    def catch_up(self) -> None:
        """Draw what the views got while the dock was behind another (Qt keeps such a dock
        "visible", so no show event tells them); the main window calls this when the dock
        comes forward."""
        for view in (self.curves, self.gradients, self.results):
            view.catch_up()

    def current_tab(self) -> str:
        """The title of the tab in front."""
        return TABS[self.tabs.currentIndex()]

    def start(self) -> bool:
        """Start a run with the panel's settings (what its Train button does); False when
        the session refused (it says why through its ``failed`` signal)."""
        return bool(self.panel.start())

    def _on_session_run_started(self, _info: dict) -> None:
        if self.current_tab() != "Gradients":  # keep a gradient view the user chose
            self.show_tab("Curves")

    def _on_health_layer_clicked(self, _layer: str) -> None:
        self.show_tab("Gradients")


def _scrolled(widget: QWidget, horizontal: bool = True) -> QScrollArea:
    """``widget`` in a scroll area: the plots and the form keep a readable size while the
    dock may be short (sharing the bottom with the Summary) without squeezing the canvas."""
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setWidget(widget)
    if not horizontal:
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return scroll
