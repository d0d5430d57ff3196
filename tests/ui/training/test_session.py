"""TrainingSession: runs in a worker thread with plain, throttled payloads; controls from the
GUI thread; refusals before starting; snapshots; exports; remembered options."""

import numpy as np
import pytest

import netlab
from netlab.training import TrainConfig
from tests.ui.training import _session_fixtures as fx
from tests.ui.training._session_fixtures import assert_plain, mlp_document
from ui.training.session import TrainingSession

make_session, settings = fx.make_session, fx.settings  # fixtures
MOONS = {"n_samples": 200, "val_split": 0.2}
TIMEOUT = 10_000


def run_to_end(qtbot, session, source, config, options=None):
    with qtbot.waitSignal(session.runFinished, timeout=TIMEOUT) as finished:
        assert session.start(source, config, options)
    return finished.args[0]


def record_signals(session):
    seen = {}
    for name in ("runStarted", "metrics", "epochEnded", "statsUpdated", "resultsUpdated",
                 "stateChanged", "runFinished", "failed"):
        getattr(session, name).connect(lambda *a, n=name: seen.setdefault(n, []).append(
            a[0] if a else None))
    return seen


def test_moons_run_emits_plain_batched_payloads(qtbot, make_session):
    session = make_session()
    seen = record_signals(session)
    config = TrainConfig(epochs=3, batch_size=16, lr=0.1, stats_every=2, histogram_bins=8)
    report = run_to_end(qtbot, session, "moons", config, MOONS)
    assert report["reason"] == "completed" and report["run_id"] == 1
    assert session.state == "finished" and seen["stateChanged"] == ["running", "finished"]
    started = seen["runStarted"][0]
    assert started["layers"] == ["fc1", "relu", "fc2"]
    assert started["parameters"] == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    doc = session.document
    names = {n.name: nid for nid, n in doc.design.nodes.items()}
    assert started["node_of_layer"] == {k: names[k] for k in ("fc1", "relu", "fc2")}
    assert started["data_kind"] == "points2d" and started["input_shape"] == (2,)
    assert (started["n_train"], started["n_val"], started["steps_per_epoch"]) == (160, 40, 10)
    # batched: fewer emissions than steps, every step exactly once and in order
    steps = np.concatenate([m["step"] for m in seen["metrics"]])
    assert steps.tolist() == list(range(1, 31))
    assert all(len(m["loss"]) == len(m["step"]) == len(m["lr"]) == len(m["accuracy"])
               for m in seen["metrics"])
    assert seen["metrics"][-1]["total_steps"] == 30
    assert session.runs[0].steps.view().tolist() == steps.tolist()
    # epoch rows ride on metrics (one signal per epoch flooded the GUI): none is lost
    rows = [row for m in seen["metrics"] for row in m["epochs"]]
    assert [e["epoch"] for e in rows] == [1, 2, 3] and "epochEnded" not in seen
    assert rows[0]["val_accuracy"] is not None and rows[-1]["step"] == 30
    assert session.runs[0].epochs == rows
    assert seen["statsUpdated"] and "health" in seen["statsUpdated"][-1]
    collected = np.concatenate([s["series"]["step"] for s in seen["statsUpdated"]])
    assert collected.tolist() == list(range(2, 31, 2))  # every collected step reaches the GUI
    boundary = seen["resultsUpdated"][-1]["boundary"]
    assert boundary["probs"].shape == boundary["xx"].shape == (60, 60)
    assert boundary["points"].shape == (40, 2) and boundary["labels"].shape == (40,)
    assert seen["resultsUpdated"][-1]["confusion"].sum() == 40
    for name, payloads in seen.items():
        for p in payloads:
            assert_plain(p, name)


def test_regression_results_draw_the_sin_fit(qtbot, make_session):
    session = make_session(mlp_document(n_in=1, hidden=16, n_out=1))
    results = []
    session.resultsUpdated.connect(results.append)
    config = TrainConfig(epochs=2, batch_size=50, lr=0.05)
    run_to_end(qtbot, session, "sin", config, {"n_samples": 200, "val_split": 0.25})
    r = results[-1]
    assert r["task"] == "regression" and r["x"].shape == r["target"].shape == (50,)
    assert np.all(np.diff(r["x"]) >= 0)  # sorted along x: ready to plot as a line
    np.testing.assert_allclose(r["target"], np.sin(r["x"]), atol=1e-5)
    assert np.isfinite(r["prediction"]).all() and r["prediction"].shape == (50,)


def test_digits_results_have_confusion_and_misclassified_images(qtbot, make_session):
    session = make_session(mlp_document(hidden=16, n_out=10, shape=[1, 8, 8]))
    results = []
    session.resultsUpdated.connect(results.append)
    run_to_end(qtbot, session, "digits", TrainConfig(epochs=1, batch_size=64, lr=0.05))
    r = results[-1]
    assert r["confusion"].shape == (10, 10) and r["confusion"].sum() == 359
    assert r["classes"] == [str(i) for i in range(10)] and len(r["per_class_accuracy"]) == 10
    assert 0 < len(r["misclassified"]) <= 16
    image, true, pred = r["misclassified"][0]
    assert image.shape == (8, 8) and true != pred
    assert session.runs[0].started["data_kind"] == "image"


def test_pause_step_resume_stop_from_the_gui_thread(qtbot, make_session):
    session = make_session()
    config = TrainConfig(epochs=500, batch_size=8, lr=0.05)
    with qtbot.waitSignal(session.metrics, timeout=TIMEOUT):
        assert session.start("moons", config, MOONS)
    with qtbot.waitSignal(session.stateChanged, timeout=TIMEOUT,
                          check_params_cb=lambda s: s == "paused"):
        session.pause()
    trainer = session.trainer
    before = trainer.step_count
    assert session.runs[0].steps.view()[-1] == before  # the points so far are flushed
    with qtbot.waitSignal(session.metrics, timeout=TIMEOUT) as got:
        session.step()
    assert got.args[0]["step"].tolist() == [before + 1]
    qtbot.wait(150)
    assert trainer.step_count == before + 1 and session.state == "paused"
    with qtbot.waitSignal(session.metrics, timeout=TIMEOUT):
        session.resume()
    assert session.state == "running"
    with qtbot.waitSignal(session.runFinished, timeout=TIMEOUT) as finished:
        session.stop()
    assert finished.args[0]["reason"] == "stopped" and session.state == "stopped"
    state = session.trained_state_dict()
    assert all(np.isfinite(v).all() for v in state.values())
    assert session.runs[0].steps.view()[-1] == trainer.step_count == finished.args[0]["steps"]


def test_nonfinite_run_fails_naming_the_layer(qtbot, make_session):
    session = make_session()
    messages = []
    session.failed.connect(messages.append)
    report = run_to_end(qtbot, session, "moons", TrainConfig(epochs=50, lr=1e30),
                        {"n_samples": 200, "scale": "standard"})
    assert report["reason"] == "nonfinite" and session.state == "failed"
    assert len(messages) == 1 and "fc" in messages[0]
    assert report["nonfinite"]["layer"] in ("fc1", "fc2")


def test_an_error_in_the_trainer_still_finishes(qtbot, make_session, monkeypatch):
    from netlab.training.trainer import Trainer

    def boom(self, idx):
        raise RuntimeError("boom in a batch")

    monkeypatch.setattr(Trainer, "_train_batch", boom)
    session = make_session()
    messages = []
    session.failed.connect(messages.append)
    report = run_to_end(qtbot, session, "moons", TrainConfig(epochs=2), MOONS)
    assert report["reason"] == "error" and "boom in a batch" in report["error"]
    assert session.state == "failed" and "boom in a batch" in messages[-1]


def test_a_mismatch_is_refused_before_starting(qtbot, make_session):
    session = make_session()  # takes 2 values per sample
    seen = record_signals(session)
    assert session.start("digits", TrainConfig(epochs=1)) is False
    assert "runStarted" not in seen and session.state == "idle" and session.runs == []
    assert "takes (2,) = 2 values per sample; digits has (64,) = 64" in seen["failed"][0]
    data, problem = session.check_data("digits", {})
    assert data is not None and "change the design's Input shape" in problem
    assert session.check_data("moons", MOONS) == (session.load_data("moons", MOONS), None)
    # the output must fit the classes too
    wide = make_session(mlp_document(n_out=3))
    data, problem = wide.check_data("moons", MOONS)
    assert "2 classes" in problem and wide.start("moons", TrainConfig(), MOONS) is False
    assert session.check_data("nope", {})[1].startswith("nope: no such file")


def test_edits_during_a_run_apply_to_the_next_run(qtbot, make_session):
    doc = mlp_document()
    session = make_session(doc)
    edited = []
    session.designEditedDuringRun.connect(lambda: edited.append(True))
    assert session.start("moons", TrainConfig(epochs=500, batch_size=8), MOONS)
    fc1 = next(nid for nid, n in doc.design.nodes.items() if n.name == "fc1")
    assert doc.set_param(fc1, "out_features", 5)
    assert edited == [True] and session.edited_during_run
    assert session.trainer.model.state_dict()["fc1.weight"].shape == (8, 2)  # the snapshot
    with qtbot.waitSignal(session.runFinished, timeout=TIMEOUT):
        session.stop()
    assert session.trained_state_dict()["fc1.weight"].shape == (8, 2)
    with qtbot.waitSignal(session.runFinished, timeout=TIMEOUT):
        assert session.start("moons", TrainConfig(epochs=1), MOONS)
    assert session.trained_state_dict()["fc1.weight"].shape == (5, 2)
    assert not session.edited_during_run and len(edited) == 1
    assert session.trained_state_dict(run_id=1)["fc1.weight"].shape == (8, 2)


def test_export_trained_weights_load_with_the_design_keys(qtbot, make_session, tmp_path):
    session = make_session()
    with pytest.raises(ValueError, match="train the design first"):
        session.export_trained(tmp_path / "none.pt")
    run_to_end(qtbot, session, "moons", TrainConfig(epochs=2, lr=0.1), MOONS)
    trained = session.trained_state_dict()
    assert list(trained) == session.document.inference.state_dict_keys()
    session.export_trained(tmp_path / "w.pt")
    loaded = netlab.load(str(tmp_path / "w.pt"))
    assert list(loaded) == list(trained)
    for key, value in trained.items():
        np.testing.assert_array_equal(np.asarray(loaded[key].numpy()), value)
    session.export_trained(tmp_path / "p.npz", module_prefix=True)
    assert sorted(netlab.load(str(tmp_path / "p.npz"))) == sorted("module." + k
                                                                   for k in trained)
    # the trained weights differ from a fresh compile with the same seed: it did train
    netlab.manual_seed(0)
    from netlab.design.compile import compile as compile_design

    fresh = compile_design(session.document.design).state_dict()
    assert not np.allclose(fresh["fc1.weight"].numpy(), trained["fc1.weight"])


def test_checkpoint_during_and_after_a_run(qtbot, make_session, tmp_path):
    from netlab.training.checkpoint import load as load_checkpoint

    session = make_session()
    assert session.start("moons", TrainConfig(epochs=500, batch_size=8), MOONS)
    with qtbot.waitSignal(session.checkpointSaved, timeout=TIMEOUT) as saved:
        assert session.save_checkpoint(tmp_path / "mid.ckpt")
    state = load_checkpoint(saved.args[0])
    assert state["config"]["epochs"] == 500
    spe = session.trainer.steps_per_epoch
    assert state["step"] == state["epoch"] * spe + state["batch"]  # where it continues
    with qtbot.waitSignal(session.stateChanged, timeout=TIMEOUT):
        session.pause()
    before = session.trainer.step_count
    with qtbot.waitSignal(session.checkpointSaved, timeout=TIMEOUT):
        session.step()  # a batch in flight: saved by the training thread, after it
        assert session.save_checkpoint(tmp_path / "paused.ckpt")
    state = load_checkpoint(str(tmp_path / "paused.ckpt"))
    assert state["step"] == before + 1 == state["epoch"] * spe + state["batch"]
    with qtbot.waitSignal(session.checkpointSaved, timeout=TIMEOUT):
        assert session.save_checkpoint(tmp_path / "idle.ckpt")  # paused, nothing in flight
    assert load_checkpoint(str(tmp_path / "idle.ckpt"))["step"] == before + 1
    assert session.state == "paused" and session.trainer.step_count == before + 1
    with qtbot.waitSignal(session.runFinished, timeout=TIMEOUT):
        session.stop()
    with qtbot.waitSignal(session.checkpointSaved, timeout=TIMEOUT):
        assert session.save_checkpoint(tmp_path / "end.ckpt")
    messages = []
    session.failed.connect(messages.append)
    assert session.save_checkpoint(tmp_path) is False  # a folder, not a file
    assert "could not save the checkpoint" in messages[0]


def test_remembered_config_per_design(qtbot, make_session, settings, tmp_path):
    doc = mlp_document()
    session = make_session(doc)
    source, config, options = session.remembered_config()
    assert source == "moons" and isinstance(config, TrainConfig)  # fits 2 values per sample
    doc.save(tmp_path / "a.json")
    run_to_end(qtbot, session, "circles", TrainConfig(epochs=1, lr=0.3, seed=4),
               {"n_samples": 100, "noise": 0.1, "val_split": 0.1})
    again = TrainingSession(doc, settings=settings)
    source, config, options = again.remembered_config()
    assert (source, config.lr, config.seed, config.epochs) == ("circles", 0.3, 4, 1)
    assert options == {"n_samples": 100, "noise": 0.1, "val_split": 0.1}
    other = mlp_document()
    other.save(tmp_path / "b.json")
    assert TrainingSession(other, settings=settings).remembered_config()[0] == "moons"


def test_a_second_start_while_running_is_refused(qtbot, make_session):
    session = make_session()
    messages = []
    session.failed.connect(messages.append)
    assert session.start("moons", TrainConfig(epochs=500, batch_size=8), MOONS)
    assert session.start("moons", TrainConfig(), MOONS) is False
    assert "a run is in progress" in messages[0] and len(session.runs) == 1
    with qtbot.waitSignal(session.runFinished, timeout=TIMEOUT):
        session.stop()


def test_runs_start_from_imported_weights_and_the_seed(qtbot, make_session):
    from netlab.design.infer import infer
    from ui.studio.weights import WeightStore

    doc = mlp_document()
    session = make_session(doc)
    config = TrainConfig(epochs=1, lr=1e-9, seed=5)
    run_to_end(qtbot, session, "moons", config, MOONS)
    run_to_end(qtbot, session, "moons", config, MOONS)
    first, second = session.trained_state_dict(1), session.trained_state_dict(2)
    for key in first:  # the same seed: the same initial weights and batches
        np.testing.assert_array_equal(first[key], second[key])
    bias = np.array([0.25, -0.5], np.float32)
    WeightStore(doc.weights).load_matching(infer(doc.design), {"fc2.bias": bias})
    run_to_end(qtbot, session, "moons", config, MOONS)
    np.testing.assert_allclose(session.trained_state_dict()["fc2.bias"], bias, atol=1e-6)
    np.testing.assert_allclose(session.trained_state_dict()["fc1.weight"],
                               first["fc1.weight"], atol=1e-6)  # the seed's start


@pytest.mark.parametrize("name", ["cnn_naming_example1", "cnn_naming_example2", "lenet",
                                  "polynomial_fit", "residual_block", "two_layer_net"])
def test_every_layer_of_the_examples_maps_to_its_node(name):
    from netlab.design.compile import compile as compile_design
    from netlab.design.io import load_design
    from netlab.training.stats import TrainingStats
    from ui.editor.files import example_path
    from ui.training.session import node_of_layer

    design = load_design(example_path(name))
    layers = TrainingStats(compile_design(design), every=1).layers
    mapping = node_of_layer(design, layers)
    assert list(mapping) == layers  # every layer, DataParallel and groups included
    for layer, nid in mapping.items():  # the node's own last name ends the layer's path
        assert layer.rsplit(".", 1)[-1] in (design.nodes[nid].name, *map(str, range(20)))
