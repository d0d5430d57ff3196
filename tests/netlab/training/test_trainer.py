"""Trainer: events and payloads, the batch order rule, reports and schedulers."""

from __future__ import annotations

import json

import numpy as np
import pytest

import netlab
from netlab import nn
from netlab.training import TrainConfig, Trainer, batch_order
from tests.netlab.training._trainer_data import FakeData, blobs, is_plain, line, mlp, weights


def run_collect(model, data, config):
    events = []
    trainer = Trainer(model, data, config, callbacks=[lambda e, p: events.append((e, p))])
    report = trainer.run()
    return trainer, report, events


def test_events_in_order_with_plain_payloads():
    data = blobs()
    trainer, report, events = run_collect(mlp(), data, TrainConfig(epochs=3, batch_size=32,
                                                                   lr=0.3))
    names = [e for e, _ in events]
    assert names[0] == "start" and names[-1] == "finished"
    assert names.count("epoch") == 3
    assert names.count("batch") == 3 * 4  # 120 samples in batches of 32: 4 per epoch
    # each epoch event comes right after its epoch's last batch
    assert [i for i, n in enumerate(names) if n == "epoch"] == [5, 10, 15]
    for event, payload in events:
        assert is_plain(payload), (event, payload)
        json.dumps(payload)  # JSON-able too (no numpy arrays in these events)
    start = events[0][1]
    assert start["n_train"] == 120 and start["n_val"] == 40 and start["steps_per_epoch"] == 4
    assert start["task"] == "classification" and start["config"]["lr"] == 0.3
    batch = events[1][1]
    assert set(batch) >= {"epoch", "batch", "step", "loss", "accuracy", "lr",
                          "samples_per_sec", "elapsed", "eta"}
    assert (batch["epoch"], batch["batch"], batch["step"]) == (1, 1, 1)
    assert type(batch["loss"]) is float and type(batch["accuracy"]) is float
    assert batch["samples_per_sec"] > 0 and batch["eta"] >= 0
    steps = [p["step"] for e, p in events if e == "batch"]
    assert steps == list(range(1, 13))
    epoch = [p for e, p in events if e == "epoch"][-1]
    assert set(epoch) >= {"epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy"}
    assert epoch["epoch"] == 3 and 0 <= epoch["val_accuracy"] <= 1
    assert report == events[-1][1]
    assert report["reason"] == "completed" and report["epochs_run"] == 3
    assert report["steps"] == 12 and trainer.state == "finished"
    assert report["history_path"] is None
    assert report["val_accuracy"] > 0.9  # the blobs are well separated


def test_train_loss_is_the_sample_mean_of_the_epoch():
    data = blobs()
    trainer, _, events = run_collect(mlp(), data, TrainConfig(epochs=1, batch_size=50, lr=0.1))
    batches = [p for e, p in events if e == "batch"]
    sizes = [50, 50, 20]
    expected = sum(b["loss"] * n for b, n in zip(batches, sizes)) / 120
    epoch = [p for e, p in events if e == "epoch"][0]
    assert epoch["train_loss"] == pytest.approx(expected, rel=1e-12)


def test_batches_follow_the_permutation_rule_and_keep_the_last_partial_batch():
    n = 10
    x = np.arange(n, dtype=np.float32).reshape(n, 1)  # each sample's value is its index
    data = FakeData(x, np.zeros(n, np.float32), None, None, "regression")
    for shuffle in (True, False):
        model = nn.Linear(1, 1)
        seen = []
        model.register_forward_hook(lambda m, args, out, seen=seen: seen.append(
            args[0].numpy()[:, 0].astype(int).tolist()))
        Trainer(model, data, TrainConfig(epochs=3, batch_size=4, lr=1e-3, seed=7,
                                         shuffle=shuffle)).run()
        expected = []
        for epoch in range(3):
            order = np.random.default_rng([7, epoch]).permutation(n) if shuffle \
                else np.arange(n)
            assert batch_order(n, 7, epoch, shuffle).tolist() == order.tolist()
            expected += [order[i:i + 4].tolist() for i in range(0, n, 4)]
        # the training forwards come first; the final evaluation pass follows them
        assert seen[:9] == expected
        assert [len(b) for b in seen[:3]] == [4, 4, 2]


def test_regression_targets_reshaped_to_the_output_and_predictions_reported():
    data = line(n=64, n_val=3000)
    model = nn.Linear(1, 1)  # output (n, 1), targets (n,)
    trainer, report, _ = run_collect(model, data, TrainConfig(epochs=40, batch_size=16,
                                                              lr=0.1))
    assert report["val_loss"] < 1e-3
    assert report["val_accuracy"] is None and "confusion" not in report
    pred = report["predictions"]
    assert len(pred["x"]) == len(pred["target"]) == len(pred["prediction"]) <= 2000
    assert len(pred["x"]) > 1000
    assert pred["x"] == sorted(pred["x"])
    xs = np.array(pred["x"], dtype=np.float32).reshape(-1, 1)
    with netlab.no_grad():
        direct = model(netlab.from_numpy(xs)).numpy()[:, 0]
    np.testing.assert_allclose(pred["prediction"], direct, rtol=1e-6, atol=1e-6)
    idx = [int(np.flatnonzero(data.x_val[:, 0] == np.float32(v))[0]) for v in pred["x"][:20]]
    assert pred["target"][:20] == [float(data.y_val[i]) for i in idx]


def test_confusion_matrix_and_per_class_accuracy_on_a_hand_checked_case():
    # a fixed model: class = argmax of (x0, x1, x2) permuted by the weight, so the
    # predictions are known; lr is tiny so training cannot change any of them
    model = nn.Linear(3, 3, bias=False)
    with netlab.no_grad():
        model.weight.copy_(netlab.tensor([[0.0, 1, 0], [1, 0, 0], [0, 0, 1]]))
    eye = np.eye(3, dtype=np.float32)
    x_val = eye[[0, 0, 1, 2, 2, 2]]  # argmax of W x: 0 -> 1, 1 -> 0, 2 -> 2
    y_val = np.array([1, 0, 0, 2, 2, 1], dtype=np.int64)
    # predictions:    1  1  0  2  2  2
    data = FakeData(eye, np.array([1, 0, 2]), x_val, y_val, "classification",
                    ["a", "b", "c"])
    _, report, _ = run_collect(model, data, TrainConfig(epochs=1, lr=1e-12))
    assert report["confusion"] == [[1, 1, 0], [0, 1, 1], [0, 0, 2]]
    assert report["per_class_accuracy"] == [0.5, 0.5, 1.0]
    assert report["val_accuracy"] == pytest.approx(4 / 6)
    assert report["classes"] == ["a", "b", "c"]


def test_onehot_labels_and_binary_logits():
    data = blobs(classes=2)
    onehot = FakeData(data.x_train, np.eye(2, dtype=np.float32)[data.y_train], data.x_val,
                      np.eye(2, dtype=np.float32)[data.y_val], "classification")
    _, report, _ = run_collect(mlp(d_out=2), onehot, TrainConfig(epochs=5, lr=0.1))
    assert report["val_accuracy"] > 0.9 and np.sum(report["confusion"]) == 40
    # one logit per sample with bce_with_logits: index labels become float targets
    _, report, _ = run_collect(mlp(d_out=1), data, TrainConfig(epochs=5, lr=0.1,
                                                               loss="bce_with_logits"))
    assert report["val_accuracy"] > 0.9
    assert np.array(report["confusion"]).shape == (2, 2)


def test_schedulers_step_per_epoch_and_onecycle_per_batch():
    data = blobs()
    cfg = TrainConfig(epochs=3, batch_size=40, lr=0.2, scheduler="step",
                      scheduler_options={"step_size": 1, "gamma": 0.5})
    _, _, events = run_collect(mlp(), data, cfg)
    lrs = [p["lr"] for e, p in events if e == "batch"]
    assert lrs == [0.2] * 3 + [0.1] * 3 + [0.05] * 3
    assert [p["lr"] for e, p in events if e == "epoch"] == [0.2, 0.1, 0.05]
    cfg = TrainConfig(epochs=2, batch_size=40, lr=0.2, scheduler="onecycle")
    _, _, events = run_collect(mlp(), data, cfg)
    lrs = [p["lr"] for e, p in events if e == "batch"]
    assert len(set(lrs)) == 6 and max(lrs) <= 0.2
    assert lrs[0] == pytest.approx(0.2 / 25)  # OneCycleLR's initial lr: max_lr / div_factor


def test_plateau_scheduler_gets_the_validation_loss():
    data = blobs()
    cfg = TrainConfig(epochs=3, batch_size=40, lr=0.1, scheduler="plateau",
                      scheduler_options={"patience": 0, "threshold": 10.0})
    trainer = Trainer(mlp(), data, cfg)
    seen = []
    step = trainer.scheduler.step
    trainer.scheduler.step = lambda metric: (seen.append(metric), step(metric))
    trainer.run()
    assert seen == [row["val_loss"] for row in trainer.history.epochs]
    # no epoch beats the best by the huge threshold: the lr drops after every epoch
    assert [row["lr"] for row in trainer.history.epochs] == pytest.approx([0.1, 0.01, 0.001])


@pytest.mark.parametrize("empty", [False, True])
def test_without_validation_the_report_uses_the_training_data(empty):
    data = blobs()
    if empty:  # an empty validation part counts as none
        data.x_val, data.y_val = data.x_val[:0], data.y_val[:0]
    else:
        data.x_val = data.y_val = None
    _, report, events = run_collect(mlp(), data, TrainConfig(epochs=2, lr=0.1))
    assert report["val_loss"] is None and report["val_accuracy"] is None
    assert report["evaluated_on"] == "training" and np.sum(report["confusion"]) == 120
    epoch = [p for e, p in events if e == "epoch"][0]
    assert epoch["val_loss"] is None and epoch["train_loss"] > 0


def test_model_weights_are_the_callers_and_training_changes_them():
    model = mlp()
    before = weights(model)
    trainer = Trainer(model, blobs(), TrainConfig(epochs=1))
    assert all(np.array_equal(before[k], v) for k, v in weights(trainer.model).items())
    trainer.run()
    assert not np.array_equal(before["0.weight"], weights(model)["0.weight"])


def test_bad_configs_and_data_are_clear_errors():
    data = blobs()
    with pytest.raises(ValueError, match="TrainConfig.optimizer: unknown optimizer 'sgdd'"):
        Trainer(mlp(), data, TrainConfig(optimizer="sgdd"))
    with pytest.raises(ValueError, match="TrainConfig.epochs must be"):
        Trainer(mlp(), data, TrainConfig(epochs=0))
    with pytest.raises(ValueError, match="sgd takes no option 'betas'"):
        Trainer(mlp(), data, TrainConfig(optimizer_options={"betas": [0.9, 0.99]}))
    with pytest.raises(ValueError, match="TrainConfig.device: unknown device 'tpu'"):
        Trainer(mlp(), data, TrainConfig(device="tpu"))
    if not netlab.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA device is available"):
            Trainer(mlp(), data, TrainConfig(device="cuda"))
    with pytest.raises(ValueError, match="data.task must be"):
        Trainer(mlp(), FakeData(data.x_train, data.y_train, None, None, "clustering"),
                TrainConfig())
    with pytest.raises(ValueError, match="120 samples but data.y_train has 3"):
        Trainer(mlp(), FakeData(data.x_train, data.y_train[:3], None, None,
                                "classification"), TrainConfig())
    trainer = Trainer(mlp(), data, TrainConfig(epochs=1))
    trainer.run()
    with pytest.raises(RuntimeError, match="already ran"):
        trainer.run()


def test_an_error_in_the_model_is_reported_and_raised():
    data = blobs()
    events = []
    trainer = Trainer(mlp(d_in=5), data, TrainConfig(epochs=1),
                      callbacks=[lambda e, p: events.append((e, p))])
    with pytest.raises(Exception):  # noqa: B017 - the engine's own shape error
        trainer.run()
    assert trainer.state == "failed"
    assert events[-1][0] == "finished" and events[-1][1]["reason"] == "error"


def test_plain_converts_numpy_scalars_and_refuses_tensors():
    from netlab.training import plain

    out = plain({"a": np.float32(0.5), "b": [np.int64(2), (np.bool_(True),)],
                 "h": (np.zeros(2), np.arange(3))})
    assert type(out["a"]) is float and type(out["b"][0]) is int
    assert out["b"][1] == (True,) and type(out["b"][1][0]) is bool
    assert isinstance(out["h"][0], np.ndarray)
    with pytest.raises(TypeError, match="plain Python/numpy data only, got Tensor"):
        plain({"loss": netlab.tensor(1.0)})
