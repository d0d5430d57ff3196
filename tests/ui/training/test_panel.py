"""TrainingPanel: data picker and preview, options to TrainConfig and back, controls that
follow the session's state, progress, the "edits apply to the next run" note."""

import re

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QFileDialog, QScrollArea

from netlab.training import TrainConfig
from tests.ui.training import _session_fixtures as fx
from tests.ui.training._session_fixtures import mlp_document
from ui.training.panel import TrainingPanel, format_eta, format_options, parse_options
from ui.training.preview import to_qimage

make_session, settings = fx.make_session, fx.settings  # fixtures
TIMEOUT = 10_000


@pytest.fixture
def make_panel(qtbot, make_session):
    def make(document=None):
        session = make_session(document or mlp_document())
        panel = TrainingPanel(session, session.document)
        qtbot.addWidget(panel)
        return panel

    return make


def buttons(panel):
    return tuple(b.isEnabled() for b in (panel.train_button, panel.pause_button,
                                         panel.step_button, panel.stop_button))


def test_options_text_round_trip():
    opts = parse_options("n_samples=200, noise=0.1, shape=(1, 8, 8), target=price")
    assert opts == {"n_samples": 200, "noise": 0.1, "shape": (1, 8, 8), "target": "price"}
    assert parse_options(format_options(opts)) == opts
    assert parse_options("  ") == {}
    with pytest.raises(ValueError, match="'noise' is not KEY=VALUE"):
        parse_options("noise")
    assert (format_eta(3725), format_eta(59.6), format_eta(float("nan"))) == ("1:02:05",
                                                                              "1:00", "-")


def test_defaults_fit_the_design_and_preview_shows_points(qtbot, make_panel):
    panel = make_panel()  # 2 inputs, 2 classes: moons
    assert panel.data_source() == "moons" and panel.preview.kind == "points2d"
    assert panel.problem is None and panel.train_button.isEnabled()
    assert not panel.preview.plot.isHidden() and panel.preview.images.isHidden()
    assert len(panel.preview.scatter.data) == 400  # the training part of 500
    assert "Training samples per class: 0: " in panel.preview.counts.text()
    assert panel.config().stats_every == 10 and panel.config().histogram_bins == 30


def test_image_preview_and_mismatch_explained(qtbot, make_panel):
    panel = make_panel(mlp_document(hidden=8, n_out=10, shape=[1, 8, 8]))
    assert panel.data_source() == "digits" and panel.preview.kind == "image"
    shown = [lab for lab in panel.preview.image_labels if not lab.isHidden()]
    assert len(shown) == 8 and not shown[0].pixmap().isNull()
    assert panel.problem is None and panel.preview.problem.isHidden()
    assert panel.preview.fit.text() == "Fits the design's input (1, 8, 8)."
    panel.set_source("moons")
    panel.refresh_preview()
    assert "takes (1, 8, 8) = 64 values per sample; moons has (2,) = 2" in panel.problem
    assert not panel.preview.problem.isHidden() and panel.preview.fit.isHidden()
    assert panel.preview.problem.text() == panel.problem
    assert not panel.train_button.isEnabled()  # explained before training starts
    panel.options.setText("nonsense")
    panel.refresh_preview()
    assert "is not KEY=VALUE" in panel.problem


def test_to_qimage_grey_and_colour():
    grey = to_qimage(np.arange(12, dtype=np.float32).reshape(3, 4))
    assert grey.size().toTuple() == (4, 3) and grey.pixelColor(3, 2).red() == 255
    rgb = to_qimage(np.random.default_rng(0).random((3, 5, 6)))
    assert rgb.size().toTuple() == (6, 5) and not rgb.allGray()


def test_config_from_widgets_and_back(qtbot, make_panel):
    panel = make_panel()
    config = TrainConfig(epochs=7, batch_size=12, lr=0.02, optimizer="sgd",
                         optimizer_options={"momentum": 0.9, "weight_decay": 0.001},
                         loss="cross_entropy", scheduler="cosine", seed=3, shuffle=False,
                         stats_every=5, histogram_bins=30)
    panel.set_config("circles", config, {"n_samples": 120, "val_split": 0.3,
                                         "scale": "standard"})
    assert panel.config() == config
    assert panel.data_source() == "circles"
    assert panel.data_options() == {"n_samples": 120, "val_split": 0.3, "scale": "standard"}
    panel.optimizer.setCurrentText("adam")
    assert not panel.momentum.isEnabled() and "momentum" not in panel.config().optimizer_options
    assert panel.device.itemText(0) == "cpu"


def test_import_file_uses_the_dialog(qtbot, make_panel, monkeypatch, tmp_path):
    path = tmp_path / "pts.csv"
    rows = ["x0,x1,label"] + [f"{i % 7 / 7},{i % 5 / 5},{i % 2}" for i in range(40)]
    path.write_text("\n".join(rows) + "\n")
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(path), "")))
    panel = make_panel()
    panel.import_file()
    assert panel.data_source() == str(path) and panel.source.currentText() == "pts.csv"
    panel.refresh_preview()
    assert panel.problem is None and panel.preview.kind == "points2d"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: ""))
    panel.import_folder()  # cancelled: nothing changes
    assert panel.data_source() == str(path)


def test_controls_follow_the_run(qtbot, make_panel):
    panel = make_panel()
    session = panel.session
    assert buttons(panel) == (True, False, False, False)
    panel.epochs.setValue(5000)  # far longer than the test: it never ends on its own
    panel.batch_size.setValue(8)
    panel.options.setText("n_samples=200")
    # paused as soon as it starts: every check below is on a run that waits for the test
    session.runStarted.connect(lambda _info: session.pause())
    with qtbot.waitSignal(session.stateChanged, timeout=TIMEOUT,
                          check_params_cb=lambda s: s == "paused"):
        assert panel.start()
    assert panel.pause_button.text() == "Resume" and buttons(panel) == (False, True, True, True)
    assert not panel.epochs.isEnabled() and not panel.source.isEnabled()
    assert panel.progress.maximum() == 5000 * 20
    before = session.trainer.step_count
    with qtbot.waitSignal(session.metrics, timeout=TIMEOUT):
        panel.step_button.click()
    assert session.trainer.step_count == before + 1 and panel.progress.value() == before + 1
    assert re.match(r"Epoch \d+/5000 · batch \d+/20 · [\d,]+ samples/s · ETA \d+:\d\d$",
                    panel.progress_text.text())
    with qtbot.waitSignal(session.stateChanged, timeout=TIMEOUT):
        panel.pause_button.click()  # Resume
    assert panel.pause_button.text() == "Pause" and session.state == "running"
    qtbot.waitUntil(lambda: panel.progress.value() > before + 1, timeout=TIMEOUT)
    with qtbot.waitSignal(session.runFinished, timeout=TIMEOUT):
        panel.stop_button.click()
    assert buttons(panel) == (True, False, False, False) and panel.epochs.isEnabled()
    assert panel.progress_text.text().startswith("Stopped after ")


def test_run_controls_stay_visible_in_a_short_dock(qtbot, make_panel):
    panel = make_panel()
    outer = QScrollArea()  # how the Training dock holds the panel
    outer.setWidgetResizable(True)
    outer.setWidget(panel)
    qtbot.addWidget(outer)
    outer.resize(380, 400)
    outer.show()
    qtbot.waitExposed(outer)
    seen = outer.viewport().rect()
    for w in (panel.train_button, panel.pause_button, panel.step_button, panel.stop_button,
              panel.progress, panel.progress_text):
        assert seen.contains(QRect(w.mapTo(outer.viewport(), QPoint(0, 0)), w.size())), w
    # the options scroll below them instead, all reachable
    assert panel.scroll.verticalScrollBar().maximum() > 0
    panel.scroll.ensureWidgetVisible(panel.stats_every)
    inner = panel.scroll.viewport()
    assert inner.rect().contains(panel.stats_every.mapTo(inner, QPoint(0, 0)))


def test_a_replaced_design_gets_settings_that_fit_it(qtbot, make_panel):
    from ui.editor.document import Document

    doc = Document(debounce_ms=0)  # empty: nothing to fit, the generic default
    panel = make_panel(doc)
    assert panel.data_source() == "regression"
    doc.new(template="digits_mlp")  # New from example: no stale "regression d_in=1"
    assert panel.data_source() == "digits" and panel.problem is None
    assert panel.train_button.isEnabled() and panel.preview.problem.isHidden()
    panel.epochs.setValue(7)
    doc.new(template="digits_mlp")  # the data still fits: what the user set stays
    assert panel.data_source() == "digits" and panel.epochs.value() == 7
    doc.new(template="polynomial_fit")  # 3 inputs: the seeds' sin fit
    assert panel.data_source() == "sin" and panel.problem is None


def test_note_when_the_design_changes_during_a_run(qtbot, make_panel):
    doc = mlp_document()
    panel = make_panel(doc)
    panel.epochs.setValue(500)
    panel.batch_size.setValue(8)
    assert panel.start()
    assert panel.note.isHidden()
    fc1 = next(nid for nid, n in doc.design.nodes.items() if n.name == "fc1")
    doc.set_param(fc1, "out_features", 4)
    assert not panel.note.isHidden() and "apply to the next run" in panel.note.text()
    with qtbot.waitSignal(panel.session.runFinished, timeout=TIMEOUT):
        panel.session.stop()
    panel.epochs.setValue(1)
    with qtbot.waitSignal(panel.session.runStarted, timeout=TIMEOUT):
        assert panel.start()
    assert panel.note.isHidden()


def test_refusal_and_failure_are_shown(qtbot, make_panel, monkeypatch):
    from netlab.training.trainer import Trainer

    panel = make_panel()
    panel.set_source("digits")
    assert panel.start() is False  # the session refuses: the panel says why
    assert "digits has (64,) = 64" in panel.status.text()
    panel.set_source("moons")

    def broken(self, idx):
        raise RuntimeError("the batch broke")

    monkeypatch.setattr(Trainer, "_train_batch", broken)
    with qtbot.waitSignal(panel.session.runFinished, timeout=TIMEOUT):
        assert panel.start()
    assert panel.status.text() == "training failed: RuntimeError: the batch broke"
    assert panel.progress_text.text() == "Failed after 0 steps."
    assert buttons(panel) == (True, False, False, False)


def test_remembered_per_design(qtbot, make_session, tmp_path):
    doc = mlp_document()
    doc.save(tmp_path / "a.json")
    session = make_session(doc)
    panel = TrainingPanel(session, doc)
    qtbot.addWidget(panel)
    panel.set_source("xor")
    panel.epochs.setValue(2)
    panel.lr.setValue(0.2)
    with qtbot.waitSignal(session.runFinished, timeout=TIMEOUT):
        assert panel.start()
    other = TrainingPanel(make_session(doc), doc)
    qtbot.addWidget(other)
    assert other.data_source() == "xor" and other.config().lr == pytest.approx(0.2)
    assert other.epochs.value() == 2
    panel.epochs.setValue(3)
    doc.save(tmp_path / "b.json")  # Save As: nothing remembered, the settings stay
    assert panel.data_source() == "xor" and panel.epochs.value() == 3
    doc.save(tmp_path / "a.json")  # back to a.json: its remembered options
    assert panel.epochs.value() == 2
    digits = mlp_document(n_out=10, shape=[1, 8, 8])
    digits.save(tmp_path / "c.json")
    doc.open(tmp_path / "c.json")  # xor does not fit: the defaults that fit instead
    assert panel.data_source() == "digits" and panel.problem is None
