"""History: per-step and per-epoch rows with the config, written and read as JSON and CSV."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest

from netlab.training import History, TrainConfig, Trainer
from tests.netlab.training._trainer_data import blobs, mlp


def test_a_run_writes_history_json_and_csv_that_read_back(tmp_path):
    events = []
    cfg = TrainConfig(epochs=2, batch_size=40, lr=0.1, checkpoint_dir=str(tmp_path))
    trainer = Trainer(mlp(), blobs(), cfg, callbacks=[lambda e, p: events.append((e, p))])
    report = trainer.run()
    batches = [p for e, p in events if e == "batch"]
    epochs = [p for e, p in events if e == "epoch"]
    with open(report["history_path"], encoding="utf-8") as fh:
        data = json.load(fh)  # standard JSON
    assert data["config"] == cfg.to_dict()
    assert data["meta"]["task"] == "classification" and data["meta"]["n_train"] == 120
    assert [r["loss"] for r in data["steps"]] == [b["loss"] for b in batches]
    assert [r["val_loss"] for r in data["epochs"]] == [p["val_loss"] for p in epochs]
    loaded = History.load(tmp_path)  # the folder or the file
    assert loaded.steps == trainer.history.steps and loaded.epochs == trainer.history.epochs
    assert loaded.config == trainer.history.config
    with open(tmp_path / "history.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 6
    assert [int(r["step"]) for r in rows] == list(range(1, 7))
    assert [float(r["loss"]) for r in rows] == [b["loss"] for b in batches]
    assert [float(r["accuracy"]) for r in rows] == [b["accuracy"] for b in batches]
    np.testing.assert_array_equal(loaded.column("loss"), [b["loss"] for b in batches])
    np.testing.assert_array_equal(loaded.column("val_accuracy", per="epoch"),
                                  [p["val_accuracy"] for p in epochs])


def test_history_save_without_a_checkpoint_dir(tmp_path):
    trainer = Trainer(mlp(), blobs(), TrainConfig(epochs=1))
    assert trainer.run()["history_path"] is None
    json_path, csv_path = trainer.history.save(tmp_path / "runs" / "a")
    assert History.load(json_path).steps == trainer.history.steps
    assert open(csv_path).readline().strip() == "step,epoch,batch,loss,accuracy,lr,elapsed"


def test_nonfinite_values_and_missing_values_round_trip(tmp_path):
    h = History({"lr": 1.0})
    h.add_step({"step": 1, "epoch": 1, "batch": 1, "loss": math.inf, "accuracy": None,
                "lr": 1.0, "elapsed": 0.5})
    h.add_epoch({"epoch": 1, "step": 1, "train_loss": math.nan, "val_loss": None})
    h.save(tmp_path)
    text = (tmp_path / "history.json").read_text()
    json.loads(text)  # still standard JSON: no bare NaN/Infinity
    assert "NaN" not in text and "Infinity" not in text
    back = History.load(tmp_path / "history.json")
    assert back.steps[0]["loss"] == math.inf and back.steps[0]["accuracy"] is None
    assert math.isnan(back.epochs[0]["train_loss"]) and back.epochs[0]["val_loss"] is None
    assert np.isnan(back.column("accuracy")[0])
    with open(tmp_path / "history.csv", newline="") as fh:
        row = next(csv.DictReader(fh))
    assert row["loss"] == "inf" and row["accuracy"] == ""


def test_bad_history_files_are_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="cannot read the history"):
        History.load(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{\n  oops\n}")
    with pytest.raises(ValueError, match=r"bad.json, line 2: not valid JSON"):
        History.load(bad)
    other = tmp_path / "other.json"
    other.write_text("[1, 2]")
    with pytest.raises(ValueError, match="not a netlab history"):
        History.load(other)
    with pytest.raises(KeyError, match="no per-step metric 'val_loss'"):
        History().column("val_loss")

