"""CurvesWidget: points from many metrics emissions, smoothing, epoch markers, log scale, hover
read-out and earlier runs, driven by a fake session emitting the contract's payloads; one test
drives a real short TrainingSession run."""

import numpy as np
import pytest
from PySide6.QtCore import QObject, QPointF, Qt, Signal

from netlab.training import TrainConfig
from tests.ui.training import _session_fixtures
from ui.training.buffers import ema
from ui.training.curves import CurvesWidget

settings = _session_fixtures.settings  # real sessions: throwaway settings
make_session = _session_fixtures.make_session


class FakeSession(QObject):
    """The TrainingSession's signals, emitted by hand with the contract's payloads."""

    runStarted = Signal(dict)
    metrics = Signal(dict)
    epochEnded = Signal(dict)
    statsUpdated = Signal(dict)
    resultsUpdated = Signal(dict)
    stateChanged = Signal(str)
    runFinished = Signal(dict)
    failed = Signal(str)

    def start_run(self, run_id=1, steps_per_epoch=50, task="classification", n_val=100,
                  optimizer="sgd", lr=0.1):
        self.runStarted.emit({
            "run_id": run_id, "design_name": "net", "task": task, "classes": ["a", "b"],
            "config": {"optimizer": optimizer, "lr": lr, "epochs": 4},
            "n_train": 50 * steps_per_epoch, "n_val": n_val,
            "steps_per_epoch": steps_per_epoch, "layers": ["fc1", "fc2"],
            "parameters": ["fc1.weight"], "node_of_layer": {}, "input_shape": (2,),
            "data_kind": "points2d"})


def curve(steps, seed=0, scale=1.0):
    """A realistic falling loss, rising accuracy and cosine lr at ``steps``."""
    rng = np.random.default_rng(seed)
    s = np.asarray(steps, dtype=np.float64)
    loss = scale * (2.3 * np.exp(-s / 120) + 0.08) * np.exp(rng.normal(0, 0.25, len(s)))
    acc = np.clip(1 - 0.9 * np.exp(-s / 90) + rng.normal(0, 0.05, len(s)), 0, 1)
    lr = 0.05 * (1 + np.cos(np.pi * s / 400)) / 2 + 1e-4
    return loss, acc, lr


def emit_points(session, run_id, steps, seed=0, regression=False, chunk=7, scale=1.0):
    loss, acc, lr = curve(steps, seed, scale)
    for i in range(0, len(steps), chunk):  # many small emissions, as the worker batches them
        sl = slice(i, i + chunk)
        session.metrics.emit({
            "run_id": run_id, "step": np.asarray(steps[sl], dtype=np.int64), "loss": loss[sl],
            "accuracy": None if regression else acc[sl], "lr": lr[sl], "epoch": 1,
            "batch": 1, "steps_per_epoch": 50, "total_steps": 400, "samples_per_sec": 900.0,
            "eta": 3.0, "elapsed": 1.0})
    return loss, acc, lr


def emit_epochs(session, run_id, n, spe=50, seed=0):
    rows = []
    for e in range(1, n + 1):
        step = e * spe
        (tl,), (ta,), _ = curve([step], seed + e)
        row = {"run_id": run_id, "epoch": e, "step": step, "train_loss": tl,
               "train_accuracy": ta, "val_loss": tl * 1.15, "val_accuracy": ta * 0.97}
        session.epochEnded.emit(row)
        rows.append(row)
    return rows


@pytest.fixture
def setup(qtbot):
    session = FakeSession()
    widget = CurvesWidget(session)
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()
    return session, widget


def data_of(item):
    x, y = item.getData() if not hasattr(item, "xData") else (item.xData, item.yData)
    return np.asarray(x), np.asarray(y)


def test_points_of_many_emissions_equal_their_concatenation(setup):
    session, widget = setup
    session.start_run()
    steps = np.arange(1, 1001)
    loss, acc, lr = emit_points(session, 1, steps, chunk=13)  # 77 emissions, buffers regrow
    run = widget.current_run()
    np.testing.assert_array_equal(run.batches["step"], steps)
    np.testing.assert_array_equal(run.batches["loss"], loss)
    np.testing.assert_array_equal(run.batches["accuracy"], acc)
    np.testing.assert_array_equal(run.batches["lr"], lr)
    x, y = data_of(run.items["raw_loss"])
    np.testing.assert_array_equal(x, steps)
    np.testing.assert_array_equal(y, loss)
    np.testing.assert_array_equal(data_of(run.items["lr"])[1], lr)
    np.testing.assert_array_equal(data_of(run.items["raw_accuracy"])[1], acc)
    assert not widget.plots["accuracy"].isHidden()
    item = run.items["loss"]  # drawn with peak downsampling, only what is in view
    assert item.opts["autoDownsample"] and item.opts["downsampleMethod"] == "peak"
    assert item.opts["clipToView"]


def test_smoothing_is_the_debiased_ema_and_follows_the_slider(setup):
    session, widget = setup
    session.start_run()
    steps = np.arange(1, 301)
    loss, acc, _ = emit_points(session, 1, steps)
    run = widget.current_run()

    def reference(x, w):  # TensorBoard's smoothing, point by point
        s, out = 0.0, []
        for t, v in enumerate(x, 1):
            s = w * s + (1 - w) * v
            out.append(s / (1 - w ** t))
        return np.array(out)

    np.testing.assert_allclose(data_of(run.items["loss"])[1], reference(loss, 0.6), rtol=1e-12)
    widget.smoothing_slider.setValue(90)
    assert widget.smoothing_label.text() == "0.90"
    np.testing.assert_allclose(data_of(run.items["loss"])[1], reference(loss, 0.9), rtol=1e-12)
    np.testing.assert_allclose(data_of(run.items["accuracy"])[1], reference(acc, 0.9),
                               rtol=1e-12)
    widget.smoothing_slider.setValue(0)
    np.testing.assert_allclose(data_of(run.items["loss"])[1], loss, rtol=1e-12)
    # points added after a slider change continue the same average
    widget.smoothing_slider.setValue(50)
    more, _, _ = emit_points(session, 1, np.arange(301, 351), seed=3)
    np.testing.assert_allclose(data_of(run.items["loss"])[1],
                               reference(np.concatenate([loss, more]), 0.5), rtol=1e-12)


def test_ema_skips_nonfinite_points_and_rejects_bad_weights():
    out = ema(np.array([1.0, np.nan, 3.0]), 0.5)
    assert np.isnan(out[1])
    np.testing.assert_allclose(out[[0, 2]], ema(np.array([1.0, 3.0]), 0.5))
    with pytest.raises(ValueError, match="smoothing weight"):
        ema(np.ones(3), 1.0)


def test_epoch_markers_sit_at_the_epoch_steps(setup):
    session, widget = setup
    session.start_run()
    emit_points(session, 1, np.arange(1, 201))
    rows = emit_epochs(session, 1, 4)
    run = widget.current_run()
    x, y = data_of(run.items["train_loss"])
    np.testing.assert_array_equal(x, [50, 100, 150, 200])
    np.testing.assert_allclose(y, [r["train_loss"] for r in rows])
    np.testing.assert_allclose(data_of(run.items["val_loss"])[1], [r["val_loss"] for r in rows])
    np.testing.assert_allclose(data_of(run.items["val_accuracy"])[1],
                               [r["val_accuracy"] for r in rows])
    # an epoch row without its step is placed at epoch * steps_per_epoch
    session.epochEnded.emit({"run_id": 1, "epoch": 5, "train_loss": 0.1,
                             "train_accuracy": 0.9, "val_loss": None, "val_accuracy": None})
    assert data_of(run.items["train_loss"])[0][-1] == 250
    assert np.isnan(data_of(run.items["val_loss"])[1][-1])


def test_log_toggle_sets_log_mode_on_the_loss_axis(setup):
    session, widget = setup
    session.start_run()
    emit_points(session, 1, np.arange(1, 101))
    plot = widget.plots["loss"].getPlotItem()
    assert not plot.getAxis("left").logMode
    widget.log_check.setChecked(True)
    assert plot.getAxis("left").logMode
    assert plot.ctrl.logYCheck.isChecked()
    widget.log_check.setChecked(False)
    assert not plot.getAxis("left").logMode


def test_hover_reads_the_nearest_point_under_the_mouse(setup):
    session, widget = setup
    session.start_run()
    loss, acc, lr = emit_points(session, 1, np.arange(1, 201))
    smoothed = ema(loss, widget.smoothing)
    for name in ("loss", "accuracy", "lr"):
        widget.plots[name].getPlotItem().vb.setRange(xRange=(0, 200), padding=0)
    vb = widget.plots["loss"].getPlotItem().vb
    pos = vb.mapViewToScene(QPointF(120.2, float(loss[119])))
    widget._on_plot_mouse_moved("loss", (pos,))
    text = widget.readout.text()
    assert "step 120" in text and "epoch 3" in text
    assert f"loss {loss[119]:.4g}" in text and f"smoothed {smoothed[119]:.4g}" in text
    assert widget.crosshairs["lr"].value() == 120 and widget.crosshairs["lr"].isVisible()
    pos = widget.plots["lr"].getPlotItem().vb.mapViewToScene(QPointF(37.4, float(lr[36])))
    widget._on_plot_mouse_moved("lr", (pos,))
    assert "step 37" in widget.readout.text() and f"lr {lr[36]:.4g}" in widget.readout.text()
    # a position outside the plot changes nothing
    widget._on_plot_mouse_moved("lr", (QPointF(-500, -500),))
    assert "step 37" in widget.readout.text()


def test_earlier_runs_are_kept_fainter_and_hideable(setup):
    session, widget = setup
    session.start_run(1)
    first, _, _ = emit_points(session, 1, np.arange(1, 151))
    session.runFinished.emit({"run_id": 1, "reason": "stopped"})
    session.start_run(2, optimizer="adam", lr=0.001)
    second, _, _ = emit_points(session, 2, np.arange(1, 101), seed=5)
    assert sorted(widget.runs) == [1, 2] and widget.current_id == 2
    old, new = widget.runs[1], widget.runs[2]
    np.testing.assert_array_equal(data_of(old.items["raw_loss"])[1], first)
    np.testing.assert_array_equal(data_of(new.items["raw_loss"])[1], second)
    assert old.color != new.color
    assert old.items["loss"].opts["pen"].color().alpha() < 255
    assert new.items["loss"].opts["pen"].color().alpha() == 255
    assert not old.items["raw_loss"].isVisible() and old.items["loss"].isVisible()
    labels = [widget.run_list.item(i).text() for i in range(widget.run_list.count())]
    assert labels[0].startswith("Run 1") and "stopped" in labels[0]
    assert "adam lr 0.001" in labels[1]
    widget.run_list.item(0).setCheckState(Qt.CheckState.Unchecked)  # the user unticks run 1
    assert not any(item.isVisible() for item in old.items.values())
    assert new.items["loss"].isVisible()
    widget.set_run_visible(1, True)
    assert old.items["loss"].isVisible()
    # hiding the current run makes the hover read the latest shown run
    widget.set_run_visible(2, False)
    assert "Run 1" in widget.readout_at("loss", 10)
    with pytest.raises(KeyError, match="no run 9"):
        widget.set_run_visible(9, True)


def test_regression_runs_show_no_accuracy_plot(setup):
    session, widget = setup
    session.start_run(task="regression", n_val=0)
    emit_points(session, 1, np.arange(1, 51), regression=True)
    assert widget.plots["accuracy"].isHidden()
    assert len(widget.current_run().batches) == 50
    assert len(widget.legend.items) == 3  # no validation markers without a validation part
    session.metrics.emit({"run_id": 42, "step": np.array([1]), "loss": np.array([1.0]),
                          "accuracy": None, "lr": np.array([0.1])})  # unknown run: ignored
    assert sorted(widget.runs) == [1]


def test_clear_runs_forgets_every_curve(setup):
    session, widget = setup
    session.start_run(1)
    emit_points(session, 1, np.arange(1, 21))
    items = list(widget.current_run().items.values())
    plot = widget.plots["loss"].getPlotItem()
    widget.clear_runs()
    assert widget.runs == {} and widget.run_list.count() == 0 and widget.current_run() is None
    assert not any(item in plot.items for item in items)
    assert widget.readout_at("loss", 3) == "No points yet"


def test_a_real_run_draws_every_step_and_a_later_widget_replays_it(qtbot, make_session):
    session = make_session()
    widget = CurvesWidget(session)
    qtbot.addWidget(widget)
    config = TrainConfig(epochs=3, batch_size=16, lr=0.1)
    with qtbot.waitSignal(session.runFinished, timeout=10_000):
        assert session.start("moons", config, {"n_samples": 200, "val_split": 0.2})
    record, run = session.runs[0], widget.current_run()
    np.testing.assert_array_equal(run.batches["step"], np.arange(1, 31))
    np.testing.assert_array_equal(run.batches["loss"], record.loss.view())
    np.testing.assert_array_equal(data_of(run.items["raw_accuracy"])[1], record.accuracy.view())
    np.testing.assert_array_equal(data_of(run.items["val_loss"])[0], [10, 20, 30])
    np.testing.assert_allclose(data_of(run.items["val_loss"])[1],
                               [e["val_loss"] for e in record.epochs])
    assert not widget.plots["accuracy"].isHidden()
    assert "completed" in widget.run_list.item(0).text()
    later = CurvesWidget(session)  # made after the run (e.g. the tab opened late)
    qtbot.addWidget(later)
    replayed = later.current_run()
    np.testing.assert_array_equal(replayed.batches["loss"], run.batches["loss"])
    np.testing.assert_array_equal(data_of(replayed.items["train_loss"])[1],
                                  data_of(run.items["train_loss"])[1])
    assert later.run_list.item(0).text() == widget.run_list.item(0).text()
