"""TrainingWorker (run directly in the test's thread, with a fake clock) and ResultsProbe."""

import warnings

import numpy as np
import pytest

import netlab
from netlab.datasets import load
from netlab.training import TrainConfig, Trainer
from tests.ui.training._session_fixtures import assert_plain
from ui.training import worker as worker_module
from ui.training.probe import GRID, ResultsProbe, data_kind, image_shape
from ui.training.worker import TrainingWorker, histogram_series, stats_series


def moons_trainer(config: TrainConfig, model=None):
    data = load("moons", n_samples=120, val_split=0.25)
    netlab.manual_seed(0)
    model = model or netlab.nn.Sequential(netlab.nn.Linear(2, 8), netlab.nn.ReLU(),
                                          netlab.nn.Linear(8, 2))
    return Trainer(model, data, config), data


def collect(worker):
    seen = {}
    for name in ("metrics", "statsUpdated", "resultsUpdated", "stateChanged",
                 "nonfinite", "finished", "checkpointSaved", "checkpointFailed"):
        getattr(worker, name).connect(lambda p, n=name: seen.setdefault(n, []).append(p))
    return seen


@pytest.fixture
def step_clock(monkeypatch):
    """The throttling clock reads 0.03 s per optimizer step of the trainer it is given."""
    box = {}
    monkeypatch.setattr(worker_module, "_clock", lambda: 0.03 * box["trainer"].step_count)
    return box


def test_metrics_are_batched_and_throttled(qtbot, step_clock):
    trainer, data = moons_trainer(TrainConfig(epochs=4, batch_size=10, stats_every=1,
                                              histogram_bins=6))
    step_clock["trainer"] = trainer
    worker = TrainingWorker(trainer, run_id=7, probe=ResultsProbe(data, "points2d"))
    seen = collect(worker)
    worker.run()
    metrics = seen["metrics"]
    steps = np.concatenate([m["step"] for m in metrics])
    assert steps.tolist() == list(range(1, 37))  # every step once, in order
    # 0.1 s at 0.03 s a step: one emission per 4 steps (the epoch rows of steps 9, 18 and 27
    # wait with their point for the next one, or flush it when due), the rest at the end
    assert [len(m["step"]) for m in metrics] == [1] + [4] * 8 + [3]
    assert [len(m["epochs"]) for m in metrics] == [0, 0, 1, 0, 0, 1, 0, 1, 0, 1]
    # no signal per epoch: the rows ride on metrics, each with the point of its last step
    assert not hasattr(worker, "epochEnded")
    rows = [row for m in metrics for row in m["epochs"]]
    assert [r["epoch"] for r in rows] == [1, 2, 3, 4] and rows[0]["run_id"] == 7
    assert rows[0]["val_accuracy"] is not None and rows[-1]["step"] == 36
    for m in metrics:
        assert all(row["step"] in m["step"] for row in m["epochs"])
    assert len(seen["statsUpdated"]) <= 36 // 8 + 2  # the latest report ~4/s only
    assert seen["statsUpdated"][-1]["step"] == 36  # flushed at the end
    assert len(seen["resultsUpdated"]) <= 36 // 16 + 2  # ~2/s, and one at the end
    assert [p["run_id"] for p in metrics + seen["finished"]] == [7] * (len(metrics) + 1)
    assert len(seen["finished"]) == 1 and seen["finished"][0]["reason"] == "completed"
    assert sorted(worker.state_dict) == ["0.bias", "0.weight", "2.bias", "2.weight"]
    for name, payloads in seen.items():
        for p in payloads:
            assert_plain(p, name)


def test_stats_carry_every_collected_step_since_the_last_emission(qtbot, step_clock):
    trainer, _ = moons_trainer(TrainConfig(epochs=4, batch_size=10, stats_every=2,
                                           histogram_bins=6))
    step_clock["trainer"] = trainer
    worker = TrainingWorker(trainer, run_id=3)
    reports = []
    trainer.add_callback(lambda e, p: reports.append(p) if e == "stats" else None)
    seen = collect(worker)
    worker.run()
    emitted = seen["statsUpdated"]
    assert 1 < len(emitted) < len(reports) == 18  # throttled, yet ...
    series = [p["series"] for p in emitted]
    # ... every collected step arrives once, ascending, the payload's own step last
    assert np.concatenate([s["step"] for s in series]).tolist() == list(range(2, 37, 2))
    assert all(s["step"][-1] == p["step"] for s, p in zip(series, emitted))
    by_step = {r["step"]: r for r in reports}
    for s in series:
        assert sorted(s["layers"]) == ["0", "1", "2"]
        for layer in ("0", "2"):
            for key in ("grad_norm", "update_ratio", "weight_norm"):
                expect = [by_step[int(t)]["layers"][layer][key] for t in s["step"]]
                np.testing.assert_allclose(s["layers"][layer][key], expect)
        assert np.isnan(s["layers"]["1"]["grad_norm"]).all()  # ReLU: no parameters, NaN
    # the histograms of the skipped reports (the latest is the payload itself)
    for p in emitted:
        hs = p["hist_series"]
        skipped = p["series"]["step"][:-1].tolist()
        if not skipped:
            assert hs == {}
            continue
        assert sorted(hs) == ["0.bias", "0.weight", "2.bias", "2.weight"]
        h = hs["0.weight"]
        assert h["step"].tolist() == skipped
        for i, t in enumerate(skipped):
            counts, edges = by_step[t]["parameters"]["0.weight"]["grad_hist"]
            np.testing.assert_array_equal(h["grad"][i], counts)
            np.testing.assert_array_equal(h["grad_edges"][i], edges)
        np.testing.assert_array_equal(h["edges"]["weight"], h["weight_edges"][-1])
    for payload in emitted:
        assert_plain(payload)


def test_series_helpers_fill_gaps_and_keep_each_rows_edges():
    e1, e2 = np.linspace(-1, 1, 3), np.linspace(-2, 2, 3)  # the range doubled between
    reports = [
        {"step": 2, "layers": {"fc": {"grad_norm": 0.5, "weight_norm": 2.0}},
         "parameters": {"fc.w": {"grad_hist": (np.array([1, 3]), e1),
                                 "weight_hist": (np.array([2, 2]), e1)}}},
        {"step": 4, "layers": {"fc": {"grad_norm": None}, "act": {"grad_norm": 1.0}},
         "parameters": {"fc.w": {"grad_hist": None, "weight_hist": (np.array([0, 4]), e2)},
                        "fc.b": {"grad_hist": None, "weight_hist": None}}}]
    s = stats_series(reports)
    assert s["step"].tolist() == [2, 4] and list(s["layers"]) == ["fc", "act"]
    np.testing.assert_array_equal(s["layers"]["fc"]["grad_norm"], [0.5, np.nan])
    np.testing.assert_array_equal(s["layers"]["fc"]["update_ratio"], [np.nan, np.nan])
    np.testing.assert_array_equal(s["layers"]["act"]["grad_norm"], [np.nan, 1.0])
    h = histogram_series(reports)
    assert list(h) == ["fc.w"]  # a parameter without any histogram is left out
    w = h["fc.w"]
    assert w["step"].tolist() == [2, 4] and w["grad"][1] is None
    assert w["grad_edges"][0] is e1 and w["weight_edges"][1] is e2
    assert w["edges"]["grad"] is e1 and w["edges"]["weight"] is e2
    assert histogram_series([]) == {}


def test_finished_is_emitted_once_when_the_trainer_raises(qtbot):
    class Broken(netlab.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = netlab.nn.Linear(2, 2)
            self.calls = 0

        def forward(self, x):
            self.calls += 1
            if self.calls == 3:
                raise RuntimeError("the third batch breaks")
            return self.fc(x)

    trainer, _ = moons_trainer(TrainConfig(epochs=2, batch_size=10), Broken())
    worker = TrainingWorker(trainer, run_id=1)
    seen = collect(worker)
    worker.run()  # never raises
    assert len(seen["finished"]) == 1
    report = seen["finished"][0]
    assert report["reason"] == "error" and "the third batch breaks" in report["error"]
    assert report["steps"] == 2 and worker.error.startswith("RuntimeError")
    assert np.concatenate([m["step"] for m in seen["metrics"]]).tolist() == [1, 2]


def test_nonfinite_is_forwarded_with_the_layer(qtbot):
    trainer, _ = moons_trainer(TrainConfig(epochs=5, batch_size=10, lr=1e30))
    worker = TrainingWorker(trainer, run_id=1)
    seen = collect(worker)
    worker.run()
    assert seen["nonfinite"][0]["layer"] in ("0", "2")
    assert seen["finished"][0]["reason"] == "nonfinite"
    assert all(np.isfinite(v).all() for v in worker.state_dict.values())  # last good ones


def test_checkpoint_requests_are_saved_between_batches(qtbot, tmp_path):
    trainer, _ = moons_trainer(TrainConfig(epochs=1, batch_size=10))
    worker = TrainingWorker(trainer, run_id=1)
    seen = collect(worker)
    worker.request_checkpoint(str(tmp_path / "a.ckpt"))
    worker.request_checkpoint(str(tmp_path))  # a folder: refused, reported
    worker.run()
    assert seen["checkpointSaved"] == [str(tmp_path / "a.ckpt")]
    assert "could not save the checkpoint" in seen["checkpointFailed"][0]


def test_a_step_while_paused_is_flushed_at_once(qtbot, step_clock):
    trainer, _ = moons_trainer(TrainConfig(epochs=1, batch_size=10))
    step_clock["trainer"] = trainer
    worker = TrainingWorker(trainer, run_id=1)
    seen = collect(worker)
    at_stop = []

    def stop_after_the_step(event, payload):
        if event == "batch":  # the worker's own callback ran first
            at_stop.append(len(seen.get("metrics", [])))
            trainer.stop()

    trainer.add_callback(stop_after_the_step)
    trainer.step()  # pause before the first batch, then run exactly one
    worker.run()
    assert seen["stateChanged"] == ["paused"]
    assert at_stop == [1] and seen["metrics"][0]["step"].tolist() == [1]
    assert "resultsUpdated" not in seen and seen["finished"][0]["reason"] == "stopped"


def test_a_step_that_ends_an_epoch_shows_its_row_at_once(qtbot, step_clock):
    trainer, _ = moons_trainer(TrainConfig(epochs=3, batch_size=90))  # one batch an epoch
    step_clock["trainer"] = trainer
    worker = TrainingWorker(trainer, run_id=1)
    seen = collect(worker)
    at_epoch = []

    def stop_after_the_epoch(event, payload):
        if event == "epoch":  # the worker's own callback ran first
            at_epoch.append([(m["step"].tolist(), len(m["epochs"])) for m in seen["metrics"]])
            trainer.stop()

    trainer.add_callback(stop_after_the_epoch)
    trainer.step()
    worker.run()
    assert at_epoch == [[([1], 1)]]  # the point and its epoch row together, not later


def test_probe_regression_sorted_along_x():
    data = load("sin", n_samples=300, degree=3, val_split=0)
    probe = ResultsProbe(data, "vector")
    model = netlab.nn.Linear(3, 1)
    out = probe.compute(model, netlab.device("cpu"))
    assert out["x"].shape == (300,) and np.all(np.diff(out["x"]) > 0)
    w = model.weight.detach().numpy()[0]
    expect = data.x_train @ w + model.bias.detach().numpy()[0]
    np.testing.assert_allclose(np.sort(out["prediction"]), np.sort(expect), rtol=1e-5,
                               atol=1e-5)
    assert probe.x.shape[0] <= 2000


def test_probe_boundary_and_misclassified():
    moons = load("moons", n_samples=100, val_split=0.5)
    out = ResultsProbe(moons, "points2d").compute(netlab.nn.Linear(2, 2), netlab.device("cpu"))
    b = out["boundary"]
    assert b["xx"].shape == b["probs"].shape == b["confidence"].shape == (GRID, GRID)
    assert set(np.unique(b["probs"])) <= {0, 1} and (b["confidence"] >= 0.5).all()
    assert b["xx"].min() < b["points"][:, 0].min() and b["yy"].max() > b["points"][:, 1].max()
    digits = load("digits", val_split=0.1)
    probe = ResultsProbe(digits, data_kind(digits), image=image_shape(digits))
    res = probe.compute(netlab.nn.Linear(64, 10), netlab.device("cpu"))
    assert res["confusion"].sum() == 180 and len(res["misclassified"]) == 16
    assert all(img.shape == (8, 8) and t != p for img, t, p in res["misclassified"])


def test_data_kinds():
    assert data_kind(load("images", shape=(3, 8, 8), n_samples=10)) == "image"
    assert image_shape(load("images", shape=(3, 8, 8), n_samples=10)) == (3, 8, 8)
    assert data_kind(load("digits").as_input((1, 8, 8))) == "image"
    assert data_kind(load("regression", d_in=5, n_samples=10)) == "vector"
    assert data_kind(load("xor", n_samples=20)) == "points2d"


def test_probe_confidence_stays_finite_when_outputs_overflow():
    moons = load("moons", n_samples=60, val_split=0.5)
    model = netlab.nn.Linear(2, 2)
    with netlab.no_grad():
        model.weight.fill_(3e38)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the probe silences the overflow itself
        out = ResultsProbe(moons, "points2d").compute(model, netlab.device("cpu"))
    conf = out["boundary"]["confidence"]
    assert np.isfinite(conf).all() and ((conf >= 0.5) & (conf <= 1)).all()


@pytest.mark.parametrize("served_at", [3, 9])  # mid-epoch, and the epoch's last batch
def test_a_checkpoint_between_batches_resumes_on_the_same_trajectory(qtbot, tmp_path,
                                                                    served_at):
    config = TrainConfig(epochs=2, batch_size=10, lr=0.1, optimizer_options={"momentum": 0.9})
    whole, data = moons_trainer(config)
    whole.run()
    trainer, _ = moons_trainer(config)
    worker = TrainingWorker(trainer, run_id=1)
    path = str(tmp_path / "mid.ckpt")

    def ask(event, payload):  # runs after the worker's callback: served one batch later
        if event == "batch" and payload["step"] == served_at - 1:
            worker.request_checkpoint(path)

    trainer.add_callback(ask)
    seen = collect(worker)
    worker.run()
    assert seen["checkpointSaved"] == [path] and trainer.steps_per_epoch == 9
    netlab.manual_seed(123)  # the resumed run takes its weights from the checkpoint
    model = netlab.nn.Sequential(netlab.nn.Linear(2, 8), netlab.nn.ReLU(),
                                 netlab.nn.Linear(8, 2))
    resumed = Trainer.resume_from(path, model, data)
    assert resumed.step_count == served_at
    resumed.run()
    for key, value in whole.model.state_dict().items():
        np.testing.assert_allclose(resumed.model.state_dict()[key].numpy(), value.numpy(),
                                   rtol=1e-6, atol=1e-7)


def test_a_run_leaves_one_core_to_the_gui_and_restores_blas_threads(qtbot, monkeypatch):
    from threadpoolctl import threadpool_info

    def blas() -> list[int]:
        return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]

    assert blas(), "numpy's BLAS is not seen by threadpoolctl"
    before = blas()
    monkeypatch.setattr(worker_module.os, "cpu_count", lambda: 4)
    assert worker_module.blas_threads() == 3
    monkeypatch.setattr(worker_module.os, "cpu_count", lambda: 2)
    assert worker_module.blas_threads() == 1  # two cores: the trainer's and the GUI's
    monkeypatch.setattr(worker_module.os, "cpu_count", lambda: None)
    assert worker_module.blas_threads() == 1
    monkeypatch.setattr(worker_module.os, "cpu_count", lambda: 2)
    trainer, _ = moons_trainer(TrainConfig(epochs=1, batch_size=30))
    during = []
    trainer.add_callback(lambda event, _p: during.append(blas()) if event == "batch" else None)
    TrainingWorker(trainer, run_id=1).run()
    assert during and all(threads == [1] * len(before) for threads in during)
    assert blas() == before  # the GUI's own numpy gets its threads back


def test_the_training_thread_offers_the_gil_to_the_gui_every_few_milliseconds(qtbot,
                                                                              monkeypatch):
    trainer, _ = moons_trainer(TrainConfig(epochs=1, batch_size=3))  # 30 steps
    monkeypatch.setattr(worker_module, "_clock", lambda: 0.002 * trainer.step_count)
    yields = []
    monkeypatch.setattr(worker_module.time, "sleep", lambda s: yields.append(
        (trainer.step_count, s)))
    TrainingWorker(trainer, run_id=1).run()
    # 2 ms a step, YIELD_INTERVAL 5 ms: steps 1, 4, 7, ... (a GUI waiting for the GIL gets
    # it within a few ms; on every step the hand-overs would cost a fast model ~15 %)
    assert worker_module.YIELD_INTERVAL == 0.005
    assert yields == [(step, 0) for step in range(1, 31, 3)]
