"""The Training dock on its own: panel beside the Curves / Gradients / Results tabs, short
enough to share the bottom with the Summary, tabs following the run and canvas clicks."""

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QScrollArea

from netlab.training import TrainConfig
from ui.canvas import CanvasView
from ui.editor.document import Document
from ui.training.curves import CurvesWidget
from ui.training.dock import TABS, TrainingDock
from ui.training.gradients import GradientsWidget
from ui.training.panel import TrainingPanel
from ui.training.results import ResultsWidget
from ui.training.session import TrainingSession

WAIT = 15_000


@pytest.fixture
def sessions():
    made = []
    yield made
    for session in made:  # no worker thread may outlive its test
        session.shutdown()


def make_dock(qtbot, tmp_path, sessions, canvas: bool = True):
    doc = Document(debounce_ms=0)
    x = doc.add_node("Input", params={"shape": [2]}, name="x")
    fc1 = doc.add_node("Linear", params={"in_features": 2, "out_features": 8}, name="fc1",
                       after=x)
    act = doc.add_node("Tanh", name="act", after=fc1)
    fc2 = doc.add_node("Linear", params={"in_features": 8, "out_features": 2}, name="fc2",
                       after=act)
    doc.add_node("Output", after=fc2)
    doc.refresh_now()
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    session = TrainingSession(doc, settings=settings)
    sessions.append(session)
    view = CanvasView(doc) if canvas else None
    dock = TrainingDock(session, doc, view)
    qtbot.addWidget(dock)
    if view is not None:
        qtbot.addWidget(view)
    dock.resize(1200, 300)
    dock.show()
    return dock, doc, session, {"fc1": fc1, "fc2": fc2}


def test_the_panel_sits_beside_the_three_live_views(qtbot, tmp_path, sessions):
    dock, _doc, _session, _ids = make_dock(qtbot, tmp_path, sessions, canvas=False)
    assert isinstance(dock.panel, TrainingPanel)
    views = (dock.curves, dock.gradients, dock.results)
    assert [type(v) for v in views] == [CurvesWidget, GradientsWidget, ResultsWidget]
    assert [dock.tabs.tabText(i) for i in range(dock.tabs.count())] == list(TABS)
    for i, view in enumerate(views):  # each in a scroll area, so a short dock still works
        scroll = dock.tabs.widget(i)
        assert isinstance(scroll, QScrollArea) and scroll.widget() is view
    assert dock.splitter.widget(0).widget() is dock.panel
    # the plots' own minimum heights do not force the dock (and the canvas above it) taller
    assert dock.minimumSizeHint().height() < 200
    assert dock.health is None  # no canvas: nothing to colour
    dock.show_tab("Results")
    assert dock.current_tab() == "Results"


def test_a_run_brings_the_curves_forward_and_a_node_click_its_gradients(qtbot, tmp_path, sessions):
    dock, doc, session, ids = make_dock(qtbot, tmp_path, sessions)
    dock.show_tab("Results")
    dock.panel.set_config("moons", TrainConfig(epochs=2000, batch_size=16, lr=0.1,
                                               stats_every=1), {"n_samples": 96})
    dock.panel.refresh_preview()
    with qtbot.waitSignal(session.runStarted, timeout=WAIT):
        assert dock.start()  # what Train (F5) does: the panel's settings
    assert dock.current_tab() == "Curves"
    assert session.runs[-1].config["epochs"] == 2000 and session.runs[-1].data_source == "moons"
    session.pause()  # one step at a time from here: the canvas badges come with it
    qtbot.waitUntil(lambda: session.state == "paused", timeout=WAIT)
    session.step()
    qtbot.waitUntil(lambda: bool(dock.health.painted), timeout=WAIT)
    doc.set_selection([ids["fc1"]])
    assert dock.current_tab() == "Gradients" and dock.gradients.selected_layer == "fc1"
    # a run started while the gradients are in front keeps them there
    session.stop()
    qtbot.waitUntil(lambda: not session.running, timeout=WAIT)
    with qtbot.waitSignal(session.runStarted, timeout=WAIT):
        assert dock.start()
    session.pause()
    assert dock.current_tab() == "Gradients"
    session.stop()
    qtbot.waitUntil(lambda: not session.running, timeout=WAIT)


def test_start_refused_by_the_session_returns_false(qtbot, tmp_path, sessions):
    dock, _doc, session, _ids = make_dock(qtbot, tmp_path, sessions, canvas=False)
    dock.panel.set_config("digits", TrainConfig(epochs=1), {})  # 64 values, the design takes 2
    messages = []
    session.failed.connect(messages.append)
    assert dock.start() is False
    assert not session.runs and messages and "64" in messages[-1]
