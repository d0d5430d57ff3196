"""Checkpoints: last/best with optimizer and scheduler state; resuming continues the exact
trajectory of an uninterrupted run."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

import netlab
from netlab.training import CheckpointError, TrainConfig, Trainer
from netlab.training import checkpoint as ckpt
from tests.netlab.training._trainer_data import blobs, mlp, weights

# dropout (the random state), Adam (optimizer state) and a scheduler all have to continue
CONFIG = dict(epochs=4, batch_size=16, lr=0.01, optimizer="adam", scheduler="step",
              scheduler_options={"step_size": 1, "gamma": 0.7})


def losses(events):
    return [(p["step"], p["loss"], p["lr"]) for e, p in events if e == "batch"]


def full_run(tmp_path, **extra):
    events = []
    model = mlp(dropout=0.3)
    netlab.manual_seed(123)  # the state dropout starts from
    trainer = Trainer(model, blobs(), TrainConfig(**CONFIG, **extra),
                      callbacks=[lambda e, p: events.append((e, p))])
    report = trainer.run()
    return trainer, report, events


def test_last_and_best_checkpoints_hold_everything(tmp_path):
    folder = tmp_path / "run"
    trainer, report, events = full_run(tmp_path, checkpoint_dir=str(folder))
    saved = [p for e, p in events if e == "checkpoint"]
    last = [p for p in saved if p["kind"] == "last"]
    best = [p for p in saved if p["kind"] == "best"]
    assert [p["epoch"] for p in last] == [1, 2, 3, 4]
    assert all(p["path"] == str(folder / "last.ckpt") for p in last)
    assert best and best[0]["epoch"] == 1
    accs = [p["val_accuracy"] for e, p in events if e == "epoch"]
    assert [p["metric"] for p in best] == [max(accs[:p["epoch"]]) for p in best]
    assert sorted(os.listdir(folder)) == ["best.ckpt", "history.csv", "history.json",
                                          "last.ckpt"]
    state = netlab.load(folder / "last.ckpt")  # a plain .pt file, readable without netlab
    assert state["format"] == "netlab-checkpoint"
    assert (state["epoch"], state["batch"], state["step"]) == (4, 0, 32)
    assert state["config"] == trainer.config.to_dict()
    for k, v in weights(trainer.model).items():
        np.testing.assert_array_equal(state["model"][k].numpy(), v)
    assert len(state["optimizer"]["state"]) == 4  # Adam moments of the 4 parameters
    assert state["scheduler"]["last_epoch"] == 4
    assert state["optimizer"]["param_groups"][0]["lr"] == pytest.approx(0.01 * 0.7 ** 4)
    assert report["history_path"] == str(folder / "history.json")


def test_resuming_from_an_epoch_checkpoint_continues_exactly(tmp_path):
    folder = tmp_path / "run"
    kept = tmp_path / "epoch2.ckpt"

    def keep_epoch_2(event, payload):
        if event == "checkpoint" and payload["kind"] == "last" and payload["epoch"] == 2:
            shutil.copy(payload["path"], kept)

    events = []
    model = mlp(dropout=0.3)
    netlab.manual_seed(123)
    full = Trainer(model, blobs(), TrainConfig(**CONFIG, checkpoint_dir=str(folder)),
                   callbacks=[keep_epoch_2, lambda e, p: events.append((e, p))])
    full.run()
    netlab.manual_seed(999)  # whatever happened since: the checkpoint's random state rules
    resumed_events = []
    resumed = Trainer.resume_from(kept, mlp(seed=5, dropout=0.3), blobs(),
                                  callbacks=[lambda e, p: resumed_events.append((e, p))])
    assert (resumed.epoch, resumed.batch, resumed.step_count) == (2, 0, 16)
    report = resumed.run()
    assert losses(resumed_events) == losses(events)[16:]  # exact equality, step by step
    for k, v in weights(full.model).items():
        np.testing.assert_array_equal(weights(resumed.model)[k], v, err_msg=k)
    assert report["steps"] == 32 and report["epochs_run"] == 4
    # the resumed run's history holds the whole run
    assert [r["loss"] for r in resumed.history.steps] == [r[1] for r in losses(events)]
    assert len(resumed.history.epochs) == 4


def test_stopping_mid_epoch_and_resuming_continues_exactly(tmp_path):
    _, _, events = full_run(tmp_path)
    folder = tmp_path / "stopped"

    def stop_at_11(event, payload):
        if event == "batch" and payload["step"] == 11:
            trainer.stop()

    model = mlp(dropout=0.3)
    netlab.manual_seed(123)
    trainer = Trainer(model, blobs(), TrainConfig(**CONFIG, checkpoint_dir=str(folder)),
                      callbacks=[stop_at_11])
    assert trainer.run()["reason"] == "stopped"
    resumed_events = []
    resumed = Trainer.resume_from(folder / "last.ckpt", mlp(dropout=0.3), blobs(),
                                  callbacks=[lambda e, p: resumed_events.append((e, p))])
    assert (resumed.epoch, resumed.batch, resumed.step_count) == (1, 3, 11)
    resumed.run()
    assert losses(resumed_events) == losses(events)[11:]
    # the interrupted epoch's train loss includes the batches before the stop
    keys = ("epoch", "step", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr")
    assert [[p[k] for k in keys] for e, p in resumed_events if e == "epoch"] == \
        [[p[k] for k in keys] for e, p in events if e == "epoch"][1:]


def test_save_checkpoint_between_batches_and_extend_the_run(tmp_path):
    path = tmp_path / "manual.ckpt"
    trainer = Trainer(mlp(), blobs(), TrainConfig(epochs=1, batch_size=40))
    trainer.run()
    trainer.save_checkpoint(path)
    longer = Trainer.resume_from(path, mlp(), blobs(), epochs=3)
    report = longer.run()
    assert report["steps"] == 9 and report["epochs_run"] == 3
    assert longer.history.config["epochs"] == 3


def test_bad_checkpoints_are_clear_errors(tmp_path):
    with pytest.raises(CheckpointError, match="cannot read the checkpoint"):
        ckpt.load(tmp_path / "missing.ckpt")
    weights_file = tmp_path / "weights.pt"
    netlab.save(mlp().state_dict(), weights_file)
    with pytest.raises(CheckpointError, match="not a netlab training checkpoint"):
        ckpt.load(weights_file)
    junk = tmp_path / "junk.ckpt"
    junk.write_bytes(b"not a zip file at all")
    with pytest.raises(CheckpointError, match="junk.ckpt: not a readable checkpoint"):
        ckpt.load(junk)
    path = tmp_path / "ok.ckpt"
    Trainer(mlp(), blobs(), TrainConfig(epochs=1)).save_checkpoint(path)
    with pytest.raises(CheckpointError, match="do not fit this model"):
        Trainer.resume_from(path, mlp(hidden=5), blobs())


@pytest.mark.parametrize("at_step", [11, 8])  # mid-epoch, and an epoch's last batch
def test_a_checkpoint_saved_from_a_batch_event_continues_after_that_batch(tmp_path, at_step):
    """The Studio saves from the "batch" event: the step is applied, the run goes on after
    it (at an epoch's end, resuming finishes that epoch)."""
    _, _, events = full_run(tmp_path)
    path = tmp_path / "mid.ckpt"

    def save_at(event, payload):
        if event == "batch" and payload["step"] == at_step:
            trainer.save_checkpoint(path)

    model = mlp(dropout=0.3)
    netlab.manual_seed(123)  # as full_run: the state dropout starts from
    trainer = Trainer(model, blobs(), TrainConfig(**CONFIG), callbacks=[save_at])
    trainer.run()
    resumed_events = []
    resumed = Trainer.resume_from(path, mlp(dropout=0.3), blobs(),
                                  callbacks=[lambda e, p: resumed_events.append((e, p))])
    assert resumed.step_count == at_step
    resumed.run()
    assert losses(resumed_events) == losses(events)[at_step:]
    epochs = [(p["epoch"], p["val_loss"]) for e, p in events if e == "epoch"]
    assert [(p["epoch"], p["val_loss"]) for e, p in resumed_events if e == "epoch"] == \
        epochs[(at_step - 1) // 8:]
