"""CurvesWidget: points from many metrics emissions, smoothing, epoch markers (the metrics'
"epochs" rows), log scale, hover read-out, earlier runs, coalesced redraws (at most one per
timer interval, none while hidden), the lr range and legends beside the curves, driven by a
fake session emitting the contract's payloads; one test drives a real short TrainingSession
run."""

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal

from netlab.training import TrainConfig
from tests.ui.training import _session_fixtures
from ui.training.buffers import ema
from ui.training.curves import REDRAW_MS, CurvesWidget, lr_range

settings = _session_fixtures.settings  # real sessions: throwaway settings
make_session = _session_fixtures.make_session


class FakeSession(QObject):
    """The TrainingSession's signals, emitted by hand with the contract's payloads (epoch rows
    come in ``metrics["epochs"]``; ``epochEnded`` is kept but never emitted)."""

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


def metrics(run_id, steps, loss, acc, lr, epochs=()):
    return {"run_id": run_id, "step": np.asarray(steps, dtype=np.int64), "loss": loss,
            "accuracy": acc, "lr": lr, "epoch": 1, "batch": 1, "steps_per_epoch": 50,
            "total_steps": 400, "samples_per_sec": 900.0, "eta": 3.0, "elapsed": 1.0,
            "epochs": list(epochs)}


def emit_points(session, run_id, steps, seed=0, regression=False, chunk=7, scale=1.0,
                lr=None):
    loss, acc, lr_ = curve(steps, seed, scale)
    lr = lr_ if lr is None else np.full(len(steps), lr)
    for i in range(0, len(steps), chunk):  # many small emissions, as the worker batches them
        sl = slice(i, i + chunk)
        session.metrics.emit(metrics(run_id, steps[sl], loss[sl],
                                     None if regression else acc[sl], lr[sl]))
    return loss, acc, lr


def epoch_rows(run_id, n, spe=50, seed=0):
    rows = []
    for e in range(1, n + 1):
        step = e * spe
        (tl,), (ta,), _ = curve([step], seed + e)
        rows.append({"run_id": run_id, "epoch": e, "step": step, "train_loss": tl,
                     "train_accuracy": ta, "val_loss": tl * 1.15, "val_accuracy": ta * 0.97})
    return rows


def emit_epochs(session, run_id, n, spe=50, seed=0):
    """The rows of ``n`` epochs, two per metrics emission without points (as the final flush
    of a run sends them)."""
    rows = epoch_rows(run_id, n, spe, seed)
    empty = np.zeros(0)
    for i in range(0, n, 2):
        session.metrics.emit(metrics(run_id, empty, empty, empty, empty, rows[i:i + 2]))
    return rows


def drawn(qtbot, widget):
    """Wait for the widget's coalesced redraw of everything emitted so far."""
    qtbot.waitUntil(lambda: not widget.pending(), timeout=2000)


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


def test_points_of_many_emissions_equal_their_concatenation(setup, qtbot):
    session, widget = setup
    session.start_run()
    steps = np.arange(1, 1001)
    loss, acc, lr = emit_points(session, 1, steps, chunk=13)  # 77 emissions, buffers regrow
    drawn(qtbot, widget)
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


def test_smoothing_is_the_debiased_ema_and_follows_the_slider(setup, qtbot):
    session, widget = setup
    session.start_run()
    steps = np.arange(1, 301)
    loss, acc, _ = emit_points(session, 1, steps)
    drawn(qtbot, widget)
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
    drawn(qtbot, widget)
    np.testing.assert_allclose(data_of(run.items["loss"])[1],
                               reference(np.concatenate([loss, more]), 0.5), rtol=1e-12)


def test_ema_skips_nonfinite_points_and_rejects_bad_weights():
    out = ema(np.array([1.0, np.nan, 3.0]), 0.5)
    assert np.isnan(out[1])
    np.testing.assert_allclose(out[[0, 2]], ema(np.array([1.0, 3.0]), 0.5))
    with pytest.raises(ValueError, match="smoothing weight"):
        ema(np.ones(3), 1.0)


def test_epoch_markers_sit_at_the_epoch_steps(setup, qtbot):
    session, widget = setup
    session.start_run()
    emit_points(session, 1, np.arange(1, 201))
    rows = emit_epochs(session, 1, 4)
    drawn(qtbot, widget)
    run = widget.current_run()
    x, y = data_of(run.items["train_loss"])
    np.testing.assert_array_equal(x, [50, 100, 150, 200])
    np.testing.assert_allclose(y, [r["train_loss"] for r in rows])
    np.testing.assert_allclose(data_of(run.items["val_loss"])[1], [r["val_loss"] for r in rows])
    np.testing.assert_allclose(data_of(run.items["val_accuracy"])[1],
                               [r["val_accuracy"] for r in rows])
    # an epoch row without its step is placed at epoch * steps_per_epoch
    # rows that come with points; one without its step is placed at epoch * steps_per_epoch
    loss, acc, lr = curve(np.arange(201, 251))
    session.metrics.emit(metrics(1, np.arange(201, 251), loss, acc, lr, [
        {"run_id": 1, "epoch": 5, "train_loss": 0.1, "train_accuracy": 0.9,
         "val_loss": None, "val_accuracy": None}]))
    drawn(qtbot, widget)
    assert len(run.batches) == 250 and len(run.epochs) == 5
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


def test_hover_reads_the_nearest_point_under_the_mouse(setup, qtbot):
    session, widget = setup
    session.start_run()
    loss, acc, lr = emit_points(session, 1, np.arange(1, 201))
    drawn(qtbot, widget)
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


def test_earlier_runs_are_kept_fainter_and_hideable(setup, qtbot):
    session, widget = setup
    session.start_run(1)
    first, _, _ = emit_points(session, 1, np.arange(1, 151))
    session.runFinished.emit({"run_id": 1, "reason": "stopped"})
    session.start_run(2, optimizer="adam", lr=0.001)
    second, _, _ = emit_points(session, 2, np.arange(1, 101), seed=5)
    drawn(qtbot, widget)
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


def test_regression_runs_show_no_accuracy_plot(setup, qtbot):
    session, widget = setup
    session.start_run(task="regression", n_val=0)
    emit_points(session, 1, np.arange(1, 51), regression=True)
    drawn(qtbot, widget)
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
    widget.show()  # drawn when shown: a hidden widget only keeps the points
    drawn(qtbot, widget)
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
    later.show()
    replayed = later.current_run()
    np.testing.assert_array_equal(replayed.batches["loss"], run.batches["loss"])
    np.testing.assert_array_equal(data_of(replayed.items["train_loss"])[1],
                                  data_of(run.items["train_loss"])[1])
    assert later.run_list.item(0).text() == widget.run_list.item(0).text()


def test_many_emissions_make_one_redraw_and_a_hidden_widget_none(setup, qtbot):
    session, widget = setup
    session.start_run()
    emit_points(session, 1, np.arange(1, 351), chunk=7)  # 50 emissions in a burst
    run = widget.current_run()
    assert len(run.batches) == 350 and widget.redraw_count == 0  # signals only append
    assert run.items["raw_loss"].xData is None
    drawn(qtbot, widget)
    assert widget.redraw_count == 1
    assert len(data_of(run.items["raw_loss"])[0]) == 350
    qtbot.wait(2 * REDRAW_MS)
    assert widget.redraw_count == 1  # nothing new: no redraw
    widget.hide()
    emit_points(session, 1, np.arange(351, 401))
    session.metrics.emit(metrics(1, np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0),
                                 epoch_rows(1, 8)))
    qtbot.wait(2 * REDRAW_MS)
    assert widget.redraw_count == 1 and len(data_of(run.items["raw_loss"])[0]) == 350
    assert len(run.batches) == 400 and len(run.epochs) == 8
    widget.show()  # catches up at once
    assert widget.redraw_count == 2 and not widget.pending()
    np.testing.assert_array_equal(data_of(run.items["raw_loss"])[0], np.arange(1, 401))
    np.testing.assert_array_equal(data_of(run.items["val_loss"])[0], np.arange(1, 9) * 50)


def test_a_constant_learning_rate_gets_a_range_around_it(setup, qtbot):
    session, widget = setup
    session.start_run()
    emit_points(session, 1, np.arange(1, 101), lr=0.01)
    drawn(qtbot, widget)
    lo, hi = widget.plots["lr"].getPlotItem().vb.viewRange()[1]
    assert lo == pytest.approx(0.009) and hi == pytest.approx(0.011)
    assert lr_range(np.array([0.0, 0.0])) == (-1e-3, 1e-3)
    assert lr_range(np.array([np.nan])) is None
    lo, hi = lr_range(np.array([0.1, 0.05, 0.0]))  # a schedule: its span, padded
    assert lo == pytest.approx(-0.008) and hi == pytest.approx(0.108)


def test_the_legend_sits_beside_the_title_not_over_the_curves(setup, qtbot):
    session, widget = setup
    session.start_run()
    emit_points(session, 1, np.arange(1, 201))
    drawn(qtbot, widget)
    qtbot.wait(50)  # the layout settles
    plot = widget.plots["loss"].getPlotItem()
    assert len(widget.legend.items) == 4
    legend = widget.legend.sceneBoundingRect()
    assert legend.height() > 10
    assert not legend.intersects(plot.vb.sceneBoundingRect())
    assert plot.sceneBoundingRect().contains(legend)  # still inside the plot's own area


class PaintCounter(QObject):
    """Counts the paint events of the widgets it filters."""

    def __init__(self):
        super().__init__()
        self.count = {}

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            self.count[obj] = self.count.get(obj, 0) + 1
        return False


def test_an_update_paints_each_plot_once_with_major_grid_lines_only(setup, qtbot):
    session, widget = setup
    session.start_run()
    emit_points(session, 1, np.arange(1, 301))
    drawn(qtbot, widget)
    qtbot.wait(50)
    counter = PaintCounter()
    ports = {name: plot.viewport() for name, plot in widget.plots.items()}
    for port in ports.values():
        port.repaint()  # whatever was pending is painted now, before counting
        port.installEventFilter(counter)
    emit_points(session, 1, np.arange(301, 501), seed=2)  # past the step axis: it grows
    drawn(qtbot, widget)
    qtbot.wait(150)
    # the new ranges are set with the data, not while painting (which paints again)
    assert {name: counter.count.get(port, 0) for name, port in ports.items()} == \
        {"loss": 1, "accuracy": 1, "lr": 1}
    for plot in widget.plots.values():  # the minor grid cost 3/4 of a paint
        assert plot.getPlotItem().getAxis("left").style["maxTickLevel"] == 0


def test_the_step_axis_grows_by_half_to_the_planned_end_and_stays_where_the_user_put_it(
        setup, qtbot):
    session, widget = setup
    session.start_run()
    vb = widget.plots["loss"].getPlotItem().vb

    def step_end():
        return vb.viewRange()[0][1]

    emit_points(session, 1, np.arange(1, 101))  # the payloads plan 400 steps
    drawn(qtbot, widget)
    end = step_end()
    assert end == pytest.approx(150 + 0.02 * 150, rel=0.02)
    emit_points(session, 1, np.arange(101, 141))
    drawn(qtbot, widget)
    assert step_end() == end  # still inside: the axis is left alone (no new layout)
    assert widget.plots["lr"].getPlotItem().vb.viewRange()[0] == vb.viewRange()[0]
    emit_points(session, 1, np.arange(141, 301))
    drawn(qtbot, widget)
    assert step_end() == pytest.approx(400 + 0.02 * 400, rel=0.02)  # 450 capped at 400
    vb.sigRangeChangedManually.emit([True, True])  # the user pans or zooms
    vb.setXRange(20, 80, padding=0)
    emit_points(session, 1, np.arange(301, 401))
    drawn(qtbot, widget)
    assert vb.viewRange()[0] == [20, 80]
    vb.enableAutoRange(x=True)  # the plot's "A" button: follow the run again
    emit_points(session, 1, np.arange(401, 411))
    drawn(qtbot, widget)
    assert widget.follow_steps and vb.viewRange()[0][1] > 400


def test_a_redraw_draws_one_plot_per_turn_unless_the_step_axis_moves(setup, qtbot):
    session, widget = setup
    session.start_run()
    emit_points(session, 1, np.arange(1, 101))
    drawn(qtbot, widget)
    drawn_plots = []
    draw = widget._draw_plot

    def record(name):
        drawn_plots.append((name, widget.redraw_count))
        return draw(name)

    widget._draw_plot = record
    emit_points(session, 1, np.arange(101, 121))  # inside the step axis: it stays
    qtbot.waitUntil(lambda: len(drawn_plots) == 1, timeout=2000)
    assert drawn_plots == [("loss", 2)] and widget.pending()  # the rest in later turns
    drawn(qtbot, widget)
    assert [name for name, _ in drawn_plots] == ["loss", "accuracy", "lr"]
    assert widget.redraw_count == 2  # still one redraw
    drawn_plots.clear()
    emit_points(session, 1, np.arange(121, 301))  # past the axis' end: every plot moves
    qtbot.waitUntil(lambda: len(drawn_plots) == 3, timeout=2000)
    assert not widget.pending()  # all three in the same turn: each painted once
