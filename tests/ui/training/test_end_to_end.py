"""Training in the real main window, end to end: the Train menu drives a run on a tiny MLP
built through the Document (two moons), the curves and gradient views fill from it, the
controls stop exactly where they say, a diverging run names its layer, and the trained
weights leave the Studio in files PyTorch loads with the same outputs."""

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QDockWidget, QMessageBox

import netlab
from netlab.design.compile import compile as compile_design
from netlab.design.export import pytorch_code
from netlab.training import TrainConfig
from tests.netlab.parity import torch
from ui.editor.document import Document
from ui.editor.files import RecentFiles
from ui.studio import export_dialog
from ui.studio.export_dialog import StateDictExport
from ui.studio.main_window import MainWindow
from ui.studio.weights import read_state_dict

WAIT = 15_000  # ms: generous for a shared machine; the runs themselves take well under 1 s
MOONS = {"n_samples": 1000}  # 100 batches of 8 an epoch: epochs end a few times a second


@pytest.fixture
def boxes(monkeypatch):
    seen = []

    def record(kind):
        def box(parent, title, text, *args, **kwargs):
            seen.append((kind, title, text))
            return QMessageBox.StandardButton.Discard if kind == "question" else \
                QMessageBox.StandardButton.Ok
        return box

    for kind in ("question", "warning", "information", "critical"):
        monkeypatch.setattr(QMessageBox, kind, record(kind))
    return seen


@pytest.fixture
def window(qtbot, tmp_path, boxes):
    QApplication.clipboard().clear()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(Document(debounce_ms=0), recent=RecentFiles(settings),
                   recovery_path=tmp_path / "recovery.json")
    qtbot.addWidget(w)
    build_mlp(w.document)
    w.show()
    yield w
    w.session.shutdown()  # no worker thread may outlive its test
    w.document.undo_stack.setClean()


def build_mlp(doc: Document, hidden: int = 16) -> dict:
    """x (2) -> fc1 -> relu -> fc2 (2 classes) -> out, added node by node as a user would."""
    doc.new()
    ids = {"x": doc.add_node("Input", params={"shape": [2]}, name="x")}
    ids["fc1"] = doc.add_node("Linear", params={"in_features": 2, "out_features": hidden},
                              name="fc1", after=ids["x"])
    ids["relu"] = doc.add_node("ReLU", name="relu", after=ids["fc1"])
    ids["fc2"] = doc.add_node("Linear", params={"in_features": hidden, "out_features": 2},
                              name="fc2", after=ids["relu"])
    doc.add_node("Output", after=ids["fc2"])
    doc.refresh_now()
    assert not doc.inference.errors
    return ids


def config(**kw) -> TrainConfig:
    base = dict(epochs=2, batch_size=8, lr=0.1, optimizer="sgd",
                optimizer_options={"momentum": 0.9}, seed=0)
    base.update(kw)
    return TrainConfig(**base)


def start(w, cfg: TrainConfig, qtbot, direct: bool = False, paused: bool = False) -> None:
    """Train (F5) with ``cfg`` put into the Training panel, as a user would; ``direct``
    hands it to the session instead (for options the panel's fields do not allow);
    ``paused`` pauses the run as it starts (a tiny run may otherwise end first).

    Train brings the Training dock forward; the tests then put the Summary back in front,
    so that the plots' drawing (timed by benchmarks/bench_studio_training.py, not here)
    does not set the pace of these fast runs on a shared test machine; the views are
    updated all the same, hidden or not."""
    def pause(_info) -> None:
        w.session.pause()  # the trainer stops before its next batch

    if paused:
        w.session.runStarted.connect(pause)
    with qtbot.waitSignal(w.session.runStarted, timeout=WAIT):
        if direct:
            assert w.session.start("moons", cfg, dict(MOONS))
        else:
            w.training.panel.set_config("moons", cfg, dict(MOONS, val_split=0.2))
            w.action["train"].trigger()
    if paused:
        w.session.runStarted.disconnect(pause)
        qtbot.waitUntil(lambda: w.session.state == "paused", timeout=WAIT)
    assert w.docks["training"].isVisible() or direct
    w.docks["summary"].raise_()
    record = w.session.runs[-1]
    assert record.data_source == "moons" and record.config["epochs"] == cfg.epochs
    assert record.config["lr"] == cfg.lr


def wait_finished(w, qtbot) -> dict:
    if not w.session.running:
        return w.session.runs[-1].report
    with qtbot.waitSignal(w.session.runFinished, timeout=WAIT) as blocker:
        pass
    return blocker.args[0]


def steps_seen(w) -> int:
    steps = w.session.runs[-1].steps.view()
    return int(steps[-1]) if len(steps) else 0


def curve_points(w) -> int:
    """The points the Curves view holds: buffered while hidden, drawn when shown."""
    run = w.training.curves.current_run()
    return 0 if run is None else len(run.batches)


def test_the_train_menu_and_the_training_dock_beside_the_summary(window):
    w = window
    texts = [a.text().replace("&", "") for a in w.menus["Train"].actions()
             if not a.isSeparator()]
    assert texts == ["Train", "Pause", "Step One Batch", "Stop", "Save Checkpoint…",
                     "Export Trained Weights…", "PyTorch Code…"]
    shortcuts = {k: w.action[k].shortcut().toString() for k in
                 ("train", "train_step", "train_stop")}
    assert shortcuts == {"train": "F5", "train_step": "F10", "train_stop": "Shift+F5"}
    dock = w.docks["training"]
    assert dock.windowTitle() == "Training" and dock in w.tabifiedDockWidgets(w.docks["summary"])
    assert {d.windowTitle() for d in w.findChildren(QDockWidget)} >= {"Training", "Summary"}
    # nothing to control or export before a run
    assert w.action["train"].isEnabled()
    assert not any(w.action[k].isEnabled() for k in
                   ("train_pause", "train_step", "train_stop", "export_trained"))
    assert [w.training.tabs.tabText(i) for i in range(3)] == ["Curves", "Gradients", "Results"]


def test_curves_gain_points_and_the_editor_stays_usable_during_a_run(window, qtbot):
    w = window
    start(w, config(epochs=20), qtbot, paused=True)  # held while the design is edited
    assert not w.action["train"].isEnabled() and w.action["train_stop"].isEnabled()
    # the editor works on the live design while the worker holds its snapshot
    doc = w.document
    fc2 = next(n.id for n in doc.design.nodes.values() if n.name == "fc2")
    assert doc.set_param(fc2, "out_features", 3)
    assert doc.add_node("Dropout", after=fc2) is not None
    assert w.session.edited_during_run
    w.action["undo"].trigger()  # the Dropout goes; out_features stays 3 for the next run
    held = steps_seen(w)  # none: paused before its first batch
    w.action["train_step"].trigger()
    qtbot.waitUntil(lambda: steps_seen(w) == held + 1, timeout=WAIT)  # exactly one batch
    assert curve_points(w) == held + 1
    w.action["train_pause"].trigger()  # Resume: the run goes on to its end
    report = wait_finished(w, qtbot)
    assert report["reason"] == "completed"
    steps = report["steps"]
    assert steps == 20 * w.session.runs[-1].started["steps_per_epoch"]
    assert curve_points(w) == steps  # every step of the run is on the curves
    assert len(w.training.curves.current_run().epochs) == 20  # and every epoch
    assert w.action["train"].isEnabled() and w.action["export_trained"].isEnabled()
    # the run trained the snapshot taken at Train: 2 classes, no Dropout
    assert w.session.trained_state_dict()["fc2.weight"].shape == (2, 16)
    trained = w.session.runs[-1].design
    assert "Dropout" not in {n.type for n in trained.nodes.values()}
    assert doc.design.nodes[fc2].params["out_features"] == 3  # the edit is still there


def test_pause_step_resume_and_stop_mid_epoch_keep_the_model_consistent(window, qtbot):
    w = window
    cfg = config(epochs=500)
    start(w, cfg, qtbot)
    qtbot.waitUntil(lambda: w.session.trainer.step_count >= 2, timeout=WAIT)
    w.action["train_pause"].trigger()
    qtbot.waitUntil(lambda: w.session.state == "paused", timeout=WAIT)
    assert w.action["train_pause"].text().replace("&", "") == "Resume"
    paused_at = w.session.trainer.step_count
    assert steps_seen(w) == paused_at  # the points so far came with the pause
    qtbot.wait(150)
    assert w.session.trainer.step_count == paused_at  # paused means paused
    w.action["train_step"].trigger()
    qtbot.waitUntil(lambda: steps_seen(w) == paused_at + 1, timeout=WAIT)
    qtbot.wait(150)
    assert w.session.trainer.step_count == paused_at + 1 and w.session.state == "paused"
    w.action["train_pause"].trigger()  # Resume
    qtbot.waitUntil(lambda: w.session.state == "running", timeout=WAIT)
    qtbot.waitUntil(lambda: w.session.trainer.step_count > paused_at + 3, timeout=WAIT)
    w.action["train_stop"].trigger()
    report = wait_finished(w, qtbot)
    assert report["reason"] == "stopped" and w.session.state == "stopped"
    steps_per_epoch = w.session.runs[-1].started["steps_per_epoch"]
    assert report["steps"] < cfg.epochs * steps_per_epoch  # stopped mid-run
    state = w.session.trained_state_dict()
    assert set(state) == {"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}
    assert all(np.isfinite(v).all() for v in state.values())
    assert report["steps"] == steps_seen(w)  # the curves saw every step the model took
    # the weights exported are the trainer's own, after its last step
    model = w.session.trainer.model
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(state[key], value.numpy())


def test_a_diverging_run_stops_with_a_message_naming_the_layer(window, qtbot, boxes):
    w = window
    start(w, config(epochs=50, lr=1e12, optimizer_options={}), qtbot, direct=True)
    report = wait_finished(w, qtbot)
    assert report["reason"] == "nonfinite" and w.session.state == "failed"
    layer = report["nonfinite"]["layer"]
    assert layer in ("fc1", "fc2")
    shown = [text for kind, title, text in boxes if title == "Training"]
    assert shown and layer in shown[-1]
    assert all(np.isfinite(v).all() for v in w.session.trained_state_dict().values())


def test_the_gradient_view_shows_every_layer_and_the_canvas_is_coloured(window, qtbot):
    w = window
    start(w, config(epochs=30, stats_every=1, histogram_bins=30), qtbot, paused=True)
    w.show_training()  # a covered view only buffers; brought forward, it draws
    w.training.show_tab("Gradients")
    w.session.step()  # its statistics come at once (a paused run flushes them)
    grads = w.training.gradients
    params = w.session.runs[-1].started["parameters"]
    assert params == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]

    def every_parameter_shown() -> bool:
        lines = grads.norm_curves
        return all(p in grads.history.params_of.get(p.rpartition(".")[0], []) for p in params) \
            and all(lines.get(n) is not None and lines[n].xData is not None
                    and len(lines[n].xData) for n in ("fc1", "fc2"))

    qtbot.waitUntil(every_parameter_shown, timeout=WAIT)
    rows = [grads.table.item(r, 0).text() for r in range(grads.table.rowCount())]
    assert {"fc1", "fc2"} <= set(rows)
    ids = {n.name: n.id for n in w.document.design.nodes.values()}
    painted = w.training.health.painted
    qtbot.waitUntil(lambda: {ids["fc1"], ids["fc2"]} <= set(painted), timeout=WAIT)
    assert set(painted) <= {ids["fc1"], ids["relu"], ids["fc2"]}
    assert w.canvas.node_item(ids["fc1"]).badge is not None  # the coloured pill on the card
    w.training.show_tab("Curves")
    w.document.set_selection([ids["fc2"]])  # a click on the node: its gradients
    assert grads.selected_layer == "fc2"
    assert w.training.current_tab() == "Gradients"
    w.session.stop()
    wait_finished(w, qtbot)


def trained_outputs(design, state: dict, x: np.ndarray) -> np.ndarray:
    model = compile_design(design)
    model.load_state_dict({k: netlab.tensor(v) for k, v in state.items()}, strict=True)
    model.eval()
    with netlab.no_grad():
        return model(netlab.tensor(x)).numpy()


@pytest.mark.skipif(torch is None, reason="torch is the oracle")
def test_trained_weights_exported_load_in_torch_and_reproduce_the_outputs(window, qtbot,
                                                                          tmp_path,
                                                                          monkeypatch):
    w = window
    start(w, config(epochs=3), qtbot)
    report = wait_finished(w, qtbot)
    assert report["reason"] == "completed"
    design = w.document.design
    state = w.session.trained_state_dict()
    x = np.random.default_rng(0).normal(size=(8, 2)).astype(np.float32)
    expected = trained_outputs(design, state, x)
    # PyTorch code from the Train menu, and the weights through the export dialog
    code = tmp_path / "net.py"
    monkeypatch.setattr(export_dialog, "ask_save_path", lambda *a: code)
    w.action["export_code"].trigger()
    namespace: dict = {}
    exec(code.read_text(encoding="utf-8"), namespace)
    pt = tmp_path / "trained.pt"
    w.export_trained(StateDictExport(pt, "pt", None))
    net = namespace["build_model"]()
    net.load_state_dict(torch.load(pt, weights_only=True), strict=True)
    net.eval()
    with torch.no_grad():
        got = net(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    assert not np.allclose(expected, trained_outputs(design, _fresh(design), x))  # trained
    # the other formats and the module. prefix
    for name, fmt, prefix in (("w.safetensors", "safetensors", True), ("w.npz", "npz", False)):
        w.export_trained(StateDictExport(tmp_path / name, fmt, prefix))
        back = read_state_dict(tmp_path / name)
        want = {("module." + k if prefix else k): v for k, v in state.items()}
        assert set(back) == set(want)
        for k, v in want.items():
            np.testing.assert_array_equal(back[k], v)
    assert pytorch_code(design)  # the code export saw the design the weights belong to


def _fresh(design) -> dict:
    netlab.manual_seed(123)
    return {k: v.numpy() for k, v in compile_design(design).state_dict().items()}


def test_export_dialog_and_checkpoint_from_the_train_menu(window, qtbot, tmp_path,
                                                          monkeypatch):
    w = window
    start(w, config(epochs=1), qtbot)
    wait_finished(w, qtbot)
    seen = {}

    def accept(dialog):
        seen["keys"] = [dialog.keys_list.item(i).text() for i in range(dialog.keys_list.count())]
        dialog.path_edit.setText(str(tmp_path / "menu.npz"))
        dialog.format_combo.setCurrentIndex(2)
        return True

    monkeypatch.setattr(export_dialog.ExportDialog, "exec", accept)
    w.action["export_trained"].trigger()
    assert seen["keys"] == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert set(read_state_dict(tmp_path / "menu.npz")) == set(seen["keys"])
    ckpt = tmp_path / "run.ckpt"
    monkeypatch.setattr(export_dialog, "ask_save_path", lambda *a: ckpt)
    w.action["save_checkpoint"].trigger()
    assert ckpt.is_file() and ckpt.stat().st_size > 0


def test_views_behind_the_summary_only_buffer_and_draw_when_brought_forward(window, qtbot):
    w = window
    start(w, config(epochs=3), qtbot)  # start() puts the Summary in front of the Training
    wait_finished(w, qtbot)
    curves = w.training.curves
    qtbot.wait(100)
    assert curves.isVisible() and curves.visibleRegion().isEmpty()  # Qt: "visible", covered
    assert curves.pending()  # every point is buffered, none drawn behind the Summary
    assert curves.current_run().items["raw_loss"].xData is None
    w.show_training()  # brought forward: drawn at once, nothing waits for a signal
    qtbot.waitUntil(lambda: not curves.pending(), timeout=WAIT)
    assert len(curves.current_run().items["raw_loss"].xData) == curve_points(w) > 0
