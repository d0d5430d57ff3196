"""HealthPainter: badges on the right canvas nodes from real statistics reports, cleared on a
new run and when the design is replaced; a node click selects its layer in the gradient view.
"""

from __future__ import annotations

import math

import pytest

import netlab
from netlab.design.io import to_dict
from netlab.training import TrainConfig
from netlab.training.stats import HealthThresholds
from tests.ui.training._session_fixtures import make_session, mlp_document, settings  # noqa: F401
from tests.ui.training.test_gradients import (
    FakeSession,
    collected_steps,
    make_design,
    run_stats,
)
from ui.canvas.view import CanvasView
from ui.editor.document import Document
from ui.training.gradients import GradientsWidget
from ui.training.health import HEALTH_COLORS, HEALTH_LABELS, HealthPainter, health_color


@pytest.fixture
def canvas(qtbot):
    design, ids = make_design()
    doc = Document(design, debounce_ms=10)
    doc.refresh_now()
    view = CanvasView(doc)
    qtbot.addWidget(view)
    view.resize(700, 600)
    session = FakeSession()
    grads = GradientsWidget(session)
    qtbot.addWidget(grads)
    painter = HealthPainter(session, view, doc, gradients=grads)
    return session, view, doc, ids, painter, grads


def _badge(view, nid):
    b = view.node_item(nid).badge
    return None if b is None else (b[0], b[1].name())


def _set(model, name, value):
    with netlab.no_grad():
        dict(model.named_parameters())[name].fill_(value)


def _play(session, info, reports):
    session.runStarted.emit(info)
    for r in reports:
        session.statsUpdated.emit(r)


def test_healthy_layers_get_green_badges_on_their_nodes(canvas):
    session, view, doc, ids, painter, _ = canvas
    info, reports = run_stats(doc.design, steps=3)
    assert set(reports[-1]["health"].values()) == {"healthy"}
    _play(session, info, reports)
    green = ("healthy", HEALTH_COLORS["healthy"].lower())
    # the grouped Linear is layer 'stage1.0', the ReLU 'stage1.1': both land on their nodes
    assert _badge(view, ids["fc1"]) == green
    assert _badge(view, ids["relu"]) == green
    assert _badge(view, ids["fc2"]) == green
    assert _badge(view, ids["x"]) is None and _badge(view, ids["out"]) is None
    assert painter.painted == {ids["fc1"]: "healthy", ids["relu"]: "healthy",
                               ids["fc2"]: "healthy"}


def test_dead_and_vanishing_layers(canvas):
    session, view, doc, ids, _, _ = canvas
    # a hugely negative bias before the ReLU: every unit outputs zero (dead), so no gradient
    # reaches fc1 (vanishing, after patience=1)
    info, reports = run_stats(doc.design, steps=2, thresholds=HealthThresholds(patience=1),
                              prepare=lambda m: _set(m, "stage1.0.bias", -100.0))
    health = reports[-1]["health"]
    assert health == {"stage1.0": "vanishing", "stage1.1": "dead", "fc2": "healthy"}
    _play(session, info, reports)
    assert _badge(view, ids["fc1"]) == (HEALTH_LABELS["vanishing"],
                                        HEALTH_COLORS["vanishing"].lower())
    assert _badge(view, ids["relu"]) == (HEALTH_LABELS["dead"], HEALTH_COLORS["dead"].lower())
    assert _badge(view, ids["fc2"])[0] == "healthy"


def test_exploding_and_nonfinite_layers(canvas):
    session, view, doc, ids, _, _ = canvas
    info, reports = run_stats(doc.design, steps=2, thresholds=HealthThresholds(exploding=1e-9))
    assert reports[-1]["health"]["fc2"] == "exploding"
    _play(session, info, reports)
    assert _badge(view, ids["fc1"]) == ("exploding", HEALTH_COLORS["exploding"].lower())
    assert _badge(view, ids["fc2"]) == ("exploding", HEALTH_COLORS["exploding"].lower())
    assert _badge(view, ids["relu"])[0] == "healthy"
    info, reports = run_stats(doc.design, steps=1, run_id=2,
                              prepare=lambda m: _set(m, "fc2.weight", math.nan))
    assert reports[-1]["health"]["fc2"] == "nonfinite"
    _play(session, info, reports)
    purple = (HEALTH_LABELS["nonfinite"], HEALTH_COLORS["nonfinite"].lower())
    assert _badge(view, ids["fc2"]) == purple
    assert _badge(view, ids["fc1"]) == purple  # NaN flowed back through the whole network
    assert health_color("nonfinite").name() == HEALTH_COLORS["nonfinite"].lower()


def test_badges_clear_on_a_new_run(canvas):
    session, view, doc, ids, painter, _ = canvas
    info, reports = run_stats(doc.design, steps=1)
    _play(session, info, reports)
    assert _badge(view, ids["fc2"]) is not None
    session.runStarted.emit({**info, "run_id": 2})
    assert all(_badge(view, ids[k]) is None for k in ("fc1", "relu", "fc2"))
    assert painter.painted == {}
    session.statsUpdated.emit(reports[0])  # a late report of run 1: ignored
    assert _badge(view, ids["fc2"]) is None
    session.statsUpdated.emit({**reports[0], "run_id": 2})
    assert _badge(view, ids["fc2"]) is not None


def test_badges_clear_when_the_design_is_replaced(canvas):
    session, view, doc, ids, painter, _ = canvas
    info, reports = run_stats(doc.design, steps=2)
    _play(session, info, reports)
    old_item = view.node_item(ids["fc2"])
    assert old_item.badge is not None
    doc.restore_snapshot(to_dict(doc.design))  # what New/Open/undo of a structure edit do
    assert old_item.badge is None or view.node_item(ids["fc2"]) is not old_item
    assert all(_badge(view, ids[k]) is None for k in ("fc1", "relu", "fc2"))
    assert not painter.active
    # node ids may now name other nodes: the rest of this run paints nothing
    session.statsUpdated.emit(reports[-1])
    assert _badge(view, ids["fc2"]) is None
    session.runStarted.emit({**info, "run_id": 2})
    session.statsUpdated.emit({**reports[-1], "run_id": 2})
    assert _badge(view, ids["fc2"])[0] == "healthy"


def test_selecting_a_node_selects_its_layer_in_the_gradient_view(canvas, qtbot):
    session, view, doc, ids, painter, grads = canvas
    info, reports = run_stats(doc.design, steps=2)
    _play(session, info, reports)
    assert painter.layer_of_node(ids["fc1"]) == "stage1.0"
    with qtbot.waitSignal(painter.layerClicked) as sig:
        doc.set_selection([ids["fc1"]])  # what a click on the card does
    assert sig.args == ["stage1.0"]
    assert grads.selected_layer == "stage1.0"
    assert grads.selected_parameter == "stage1.0.weight"
    doc.set_selection([ids["fc2"]])
    assert grads.selected_layer == "fc2"
    doc.set_selection([ids["relu"]])  # no parameters: its table row
    assert grads.table.selectedItems()[0].text() == "stage1.1"
    doc.set_selection([ids["stage1"]])  # a group is no layer: nothing changes
    assert grads.selected_layer == "fc2"
    # a click on the canvas item itself goes through the scene to the document
    doc.set_selection([])
    view.node_item(ids["fc1"]).setSelected(True)
    assert doc.selection == [ids["fc1"]]
    assert grads.selected_layer == "stage1.0"


def test_a_real_training_session_fills_the_view_and_colours_the_canvas(
        qtbot, make_session):  # noqa: F811 - the fixture
    doc = mlp_document()
    session = make_session(doc)
    view = CanvasView(doc)
    qtbot.addWidget(view)
    grads = GradientsWidget(session)
    qtbot.addWidget(grads)
    painter = HealthPainter(session, view, doc, gradients=grads)
    seen = []
    session.statsUpdated.connect(seen.append)
    config = TrainConfig(epochs=3, batch_size=16, lr=0.1, stats_every=1, histogram_bins=16)
    with qtbot.waitSignal(session.runFinished, timeout=10_000):
        assert session.start("moons", config, {"n_samples": 200, "val_split": 0.2})
    assert seen, "the session emitted no statistics"
    last = seen[-1]
    assert list(grads.norm_curves) == ["fc1", "fc2"]
    assert grads.pending  # hidden: nothing drawn yet
    grads.show()
    qtbot.waitUntil(lambda: not grads.pending)
    for layer in ("fc1", "fc2"):
        x, y = grads.norm_curves[layer].getOriginalDataset()
        assert x.tolist() == collected_steps(seen)
        assert y[-1] == pytest.approx(last["layers"][layer]["grad_norm"])
    names = {n.name: nid for nid, n in doc.design.nodes.items()}
    for layer in ("fc1", "relu", "fc2"):
        verdict = last["health"][layer]
        assert _badge(view, names[layer]) == (HEALTH_LABELS[verdict],
                                              HEALTH_COLORS[verdict].lower())
    doc.set_selection([names["fc2"]])
    assert grads.selected_layer == "fc2" and painter.layer_of_node(names["fc2"]) == "fc2"
    counts, _ = last["parameters"]["fc2.weight"]["grad_hist"]
    assert grads.bars["grad"].opts["height"].tolist() == counts.tolist()
    rows = sum(len((r.get("hist_series") or {}).get("fc2.weight", {}).get("weight") or [])
               + 1 for r in seen)  # the skipped reports' histograms (if sent) and the latest
    assert grads.heats["weight"].image.shape == (rows, 16)
