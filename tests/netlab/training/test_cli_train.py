"""``netlab train``: arguments, one-line errors with exit codes 1/2, the progress bar, the
summary, the saved weights (checked in torch), history/checkpoints/statistics, non-finite
runs, and Ctrl+C (a SIGINT in the process and in a subprocess) saving the weights with exit
code 130."""

import io
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import netlab
from netlab.cli import main
from netlab.datasets import load
from netlab.design.compile import compile as compile_design
from netlab.design.io import load_design, to_dict
from netlab.training.cli_progress import Progress, format_confusion, format_duration
from tests.netlab.training.cli_helpers import EXAMPLES, ROOT

MLP = EXAMPLES / "digits_mlp.json"
CNN = EXAMPLES / "digits_cnn.json"
POLY = EXAMPLES / "polynomial_fit.json"
QUICK = ["--data", "digits", "--epochs", "2", "--lr", "0.1", "--momentum", "0.9"]


def _run(capsys, *argv):
    code = main(["train", *(str(a) for a in argv)])
    out, err = capsys.readouterr()
    return code, out, err


def _one_line_error(err, *fragments):
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("netlab")
    for f in fragments:
        assert f in err, err


# command-line mistakes: exit 2, one line, nothing written ---------------------------------
@pytest.mark.parametrize("argv,fragment", [
    ([MLP], "--data"),
    ([MLP, "--data", "digits", "--epochs", "0"], "positive integer"),
    ([MLP, "--data", "digits", "--batch-size", "x"], "positive integer"),
    ([MLP, "--data", "digits", "--lr", "-1"], "--lr"),
    ([MLP, "--data", "digits", "--lr", "nan"], "--lr"),
    ([MLP, "--data", "digits", "--val-split", "1"], "--val-split"),
    ([MLP, "--data", "digits", "--optimizer", "lbfgs"], "invalid choice: 'lbfgs'"),
    ([MLP, "--data", "digits", "--optimizer", "adam", "--momentum", "0.9"],
     "--momentum applies to sgd and rmsprop"),
    ([MLP, "--data", "digits", "--loss", "hinge"], "unknown loss 'hinge'"),
    ([MLP, "--data", "digits", "--scheduler", "warp"], "unknown scheduler 'warp'"),
    ([MLP, "--data", "digits", "--scheduler-option", "gamma=0.5"], "needs a --scheduler"),
    ([MLP, "--data", "digits", "--data-option", "degree"], "KEY=VALUE"),
    ([MLP, "--data", "digits", "--device", "tpu"], "invalid choice: 'tpu'"),
    ([MLP, "--data", "digits", "--out", "weights.txt"], ".safetensors"),
    ([MLP, "--data", "digits", "--stats", "0"], "positive integer"),
    ([MLP, "--data", "digits", "--optimizer-option", "bogus=1"], "bogus"),
    ([MLP, "--data", "digits", "--scheduler", "step", "--scheduler-option", "bogus=1"],
     "bogus"),
    ([MLP, "--data", "digits", "--loss-option", "reduction=none"], "reduction"),
])
def test_command_line_mistakes_exit_2_with_one_line(capsys, tmp_path, monkeypatch, argv,
                                                   fragment):
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, *argv)
    assert (code, out) == (2, ""), err
    _one_line_error(err, fragment)
    assert list(tmp_path.iterdir()) == []


def test_no_command_names_train(capsys):
    assert main([]) == 2
    assert "summary, export or train" in capsys.readouterr().err


def test_help_lists_the_options(capsys):
    assert main(["train", "--help"]) == 0
    out = capsys.readouterr().out
    for flag in ("--data", "--epochs", "--batch-size", "--lr", "--optimizer", "--momentum",
                 "--weight-decay", "--loss", "--scheduler", "--device", "--seed",
                 "--val-split", "--scale", "--out", "--no-module-prefix", "--stats",
                 "--checkpoint-dir", "--history"):
        assert flag in out, flag


def test_python_dash_m_reports_errors_raised_by_the_train_module(tmp_path):
    # python -m runs netlab/cli.py as __main__, while cli_train raises netlab.cli's errors
    bad = subprocess.run([sys.executable, "-m", "netlab.cli", "train", str(MLP), "--data",
                          "digits", "--optimizer-option", "bogus=1", "--out",
                          str(tmp_path / "w.pt")], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert (bad.returncode, bad.stdout) == (2, ""), bad.stderr
    _one_line_error(bad.stderr, "--optimizer-option: sgd takes no option 'bogus'")


# failures with the design, the data or the files: exit 1, one line ------------------------
def _variant(tmp_path, design_path, node_name, **params):
    data = to_dict(load_design(design_path))
    node = next(n for n in data["nodes"] if n["name"] == node_name)
    node["params"].update(params)
    path = tmp_path / "variant.json"
    path.write_text(json.dumps(data))
    return path


def test_failures_exit_1_with_one_line(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cases = [
        ([tmp_path / "missing.json", "--data", "digits"], ["missing.json", "cannot read"]),
        ([MLP, "--data", tmp_path / "nothing.csv"], ["nothing.csv"]),
        ([MLP, "--data", "digits", "--data-option", "noise=0.1"], ["digits", "noise"]),
        ([EXAMPLES / "lenet.json", "--data", "digits"], ["3072 values per sample", "64"]),
        ([_variant(tmp_path, MLP, "fc2", out_features=5), "--data", "digits"],
         ["10 classes", "(N, 5)"]),
        ([POLY, "--data", "regression"], ["values per sample"]),
        ([EXAMPLES / "two_layer_net.json", "--data", "regression", "--data-option", "d_out=3"],
         ["output has 10 value(s) per sample", "target has 3"]),
        ([MLP, "--data", "digits", "--out", tmp_path / "no" / "w.pt"], ["does not exist"]),
    ]
    bad = to_dict(load_design(MLP))
    bad["nodes"][1]["type"] = "Lineer"
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    cases.append(([tmp_path / "bad.json", "--data", "digits"], ["bad.json", "Lineer"]))
    if not netlab.cuda.is_available():
        cases.append(([MLP, "--data", "digits", "--device", "cuda"], ["CUDA", "--device cpu"]))
    for argv, fragments in cases:
        code, out, err = _run(capsys, *argv)
        assert (code, out) == (1, ""), (argv, err)
        _one_line_error(err, *fragments)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json", "variant.json"]


# a complete run ----------------------------------------------------------------------------
def _torch_accuracy(design_path, weights, data):
    """Accuracy of the saved weights in the exported PyTorch model: the file is usable."""
    from netlab.design.export import pytorch_code
    from tests.netlab.parity import torch

    ns = {}
    exec(compile(pytorch_code(load_design(design_path)), "<net>", "exec"), ns)
    model = ns["build_model"]()
    model.load_state_dict(torch.load(weights), strict=True)
    model.eval()
    with torch.no_grad():
        pred = model(torch.from_numpy(data.x_val)).argmax(1).numpy()
    return float((pred == data.y_val).mean())


def test_training_digits_prints_progress_summary_and_saves_weights(capsys, tmp_path):
    out_path = tmp_path / "mlp.pt"
    code, out, err = _run(capsys, MLP, *QUICK, "--out", out_path, "--seed", "1",
                          "--history", tmp_path / "hist")
    assert code == 0, err
    # stderr is no terminal here: a start line and one line per epoch, no carriage returns
    lines = err.strip().splitlines()
    assert "\r" not in err and len(lines) == 3, err
    assert lines[0].startswith("training on 1438 samples, 359 for validation: 2 epochs of 45")
    assert lines[1].startswith("epoch 1/2: train loss ") and "val loss" in lines[1]
    assert lines[2].startswith("epoch 2/2: ")
    assert out.startswith("completed 2 epochs (90 steps) in ")
    assert "confusion matrix (validation data; rows: true class):" in out
    assert f"weights saved to {out_path}" in out
    val_acc = float(out.split("val loss")[1].split("accuracy")[1].split("%")[0]) / 100
    assert val_acc > 0.9
    data = load("digits", seed=1)
    assert _torch_accuracy(MLP, out_path, data) == pytest.approx(val_acc, abs=1e-3)
    confusion = [line.split()[1:11] for line in out.splitlines()[5:15]]
    assert sum(int(c) for row in confusion for c in row) == data.n_val
    hist = json.loads((tmp_path / "hist" / "history.json").read_text())
    assert len(hist["steps"]) == 90 and len(hist["epochs"]) == 2
    # the same seed gives the same weights: the run is reproducible
    assert _run(capsys, MLP, *QUICK, "--out", tmp_path / "again.pt", "--seed", "1",
                "--quiet")[0] == 0
    a, b = netlab.load(out_path), netlab.load(tmp_path / "again.pt")
    assert all(np.array_equal(a[k].numpy(), b[k].numpy()) for k in a)


def test_quiet_prints_only_the_summary_and_default_out_is_the_design_name(capsys, tmp_path,
                                                                           monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, CNN, "--data", "digits", "--epochs", "1", "--quiet",
                          "--module-prefix", "--optimizer", "adam", "--lr", "0.003")
    assert (code, err) == (0, "")
    assert "weights saved to digits_cnn.pt" in out
    sd = netlab.load(tmp_path / "digits_cnn.pt")
    keys = list(compile_design(load_design(CNN)).state_dict())
    assert list(sd) == ["module." + k for k in keys]


@pytest.fixture
def captured(monkeypatch):
    """The Trainer's arguments of each run: (model, data, config)."""
    from netlab.training import Trainer

    runs = []
    original = Trainer.__init__

    def init(self, model, data, config, callbacks=()):
        runs.append((model, data, config))
        original(self, model, data, config, callbacks)

    monkeypatch.setattr(Trainer, "__init__", init)
    return runs


def test_flags_reach_the_config_and_the_data(capsys, tmp_path, captured):
    code, _, err = _run(capsys, MLP, "--data", "digits", "--epochs", "1", "--batch-size", "50",
                        "--lr", "0.003", "--optimizer", "AdamW", "--weight-decay", "0.1",
                        "--optimizer-option", "betas=[0.8,0.95]", "--loss", "cross-entropy",
                        "--loss-option", "label_smoothing=0.1", "--scheduler", "cosine",
                        "--scheduler-option", "T_max=3", "--seed", "4", "--val-split", "0.3",
                        "--scale", "minmax", "--no-shuffle", "--stats", "3",
                        "--checkpoint-dir", tmp_path / "ck", "--out", tmp_path / "w.pt",
                        "--quiet")
    assert code == 0, err
    _, data, config = captured[0]
    assert config.to_dict() == {
        "epochs": 1, "batch_size": 50, "lr": 0.003, "optimizer": "adamw",
        "optimizer_options": {"weight_decay": 0.1, "betas": [0.8, 0.95]},  # JSON: a list
        "loss": "cross_entropy", "loss_options": {"label_smoothing": 0.1},
        "scheduler": "cosine", "scheduler_options": {"T_max": 3}, "device": "cpu", "seed": 4,
        "shuffle": False, "stats_every": 3, "histogram_bins": 0,
        "checkpoint_dir": str(tmp_path / "ck")}
    expected = load("digits", val_split=0.3, shuffle=False, scale="minmax", seed=4)
    assert data.n_val == expected.n_val == 539
    np.testing.assert_array_equal(data.x_train, expected.x_train)
    assert data.scaler["kind"] == "minmax"


def test_data_options_and_no_module_prefix_on_a_dataparallel_design(capsys, tmp_path,
                                                                   captured):
    design = EXAMPLES / "cnn_naming_example2.json"  # wrapped in DataParallel, input (3, 5, 5)
    code, _, err = _run(capsys, design, "--data", "images", "--data-option", "shape=[3,5,5]",
                        "--data-option", "n_samples=64", "--epochs", "1", "--quiet",
                        "--no-module-prefix", "--out", tmp_path / "w.pt")
    assert code == 0, err
    assert captured[0][1].n_train + captured[0][1].n_val == 64
    keys = list(netlab.load(tmp_path / "w.pt"))
    assert keys and not any(k.startswith("module.") for k in keys)
    assert list(compile_design(load_design(design)).state_dict()) == ["module." + k
                                                                       for k in keys]


def test_regression_with_data_and_loss_options(capsys, tmp_path):
    code, out, err = _run(capsys, POLY, "--data", "sin", "--data-option", "degree=3",
                          "--val-split", "0", "--no-shuffle", "--batch-size", "2000",
                          "--epochs", "300", "--lr", "1e-6", "--loss-option",
                          "reduction=sum", "--out", tmp_path / "poly.npz", "--quiet")
    assert (code, err) == (0, "")
    assert "accuracy" not in out and "val loss" not in out and "confusion" not in out
    loss = float(out.splitlines()[1].split("train loss")[1])
    assert loss < 200  # from thousands at the start
    assert out.splitlines()[2].startswith("R^2 ") and "on the training data" in out
    total = np.sum(np.sin(np.linspace(-np.pi, np.pi, 2000)) ** 2)  # sin's mean here is 0
    assert float(out.splitlines()[2].split()[1]) == pytest.approx(1 - loss / total, abs=0.02)
    assert sorted(netlab.load(tmp_path / "poly.npz")) == ["0.bias", "0.weight"]


def test_a_csv_file_with_class_names(capsys, tmp_path):
    from netlab.design.graph import Design
    from netlab.design.io import save_design

    d = Design()
    prev = d.add_node("Input", name="x", params={"shape": [2]})
    for kind, params in [("Linear", {"out_features": 16}), ("ReLU", {}),
                         ("Linear", {"out_features": 2}), ("Output", {})]:
        node = d.add_node(kind, params=params)
        d.connect(prev.id, node.id)
        prev = node
    save_design(d, tmp_path / "net.json")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 2))
    rows = [f"{a:.4f},{b:.4f},{'inside' if a * a + b * b < 1.2 else 'outside'}" for a, b in x]
    (tmp_path / "ring.csv").write_text("u,v,where\n" + "\n".join(rows) + "\n")
    code, out, err = _run(capsys, tmp_path / "net.json", "--data", tmp_path / "ring.csv",
                          "--epochs", "60", "--lr", "0.1", "--momentum", "0.9", "--quiet",
                          "--out", tmp_path / "w.pt")
    assert code == 0, err
    table = out.split("rows: true class):\n")[1].splitlines()
    assert table[0].split()[-3:] == ["inside", "outside", "accuracy"]
    assert float(out.splitlines()[2].split("accuracy")[1].strip(" %")) > 80


def test_checkpoints_scheduler_and_statistics(capsys, tmp_path):
    ckpt = tmp_path / "ckpt"
    code, out, err = _run(capsys, MLP, *QUICK, "--scheduler", "step", "--scheduler-option",
                          "step_size=1", "--checkpoint-dir", ckpt, "--stats", "5",
                          "--out", tmp_path / "w.safetensors")
    assert code == 0, err
    assert {"last.ckpt", "best.ckpt", "history.json", "history.csv"} <= set(os.listdir(ckpt))
    assert f"best checkpoint: {ckpt / 'best.ckpt'}" in out
    assert "gradient statistics at step 90:" in out
    table = out.split("gradient statistics at step 90:")[1].splitlines()
    assert [row.split()[0] for row in table[2:5]] == ["fc1", "relu", "fc2"]
    assert "lr 0.01" in err.splitlines()[-1]  # epoch 2 ran at lr * gamma (0.1 by default)
    assert netlab.load(tmp_path / "w.safetensors")


def test_resume_continues_the_same_trajectory(capsys, tmp_path):
    args = [MLP, "--data", "digits", "--lr", "0.1", "--momentum", "0.9", "--quiet"]
    assert _run(capsys, *args, "--epochs", "3", "--out", tmp_path / "full.pt")[0] == 0
    assert _run(capsys, *args, "--epochs", "1", "--checkpoint-dir", tmp_path / "ck",
                "--out", tmp_path / "one.pt")[0] == 0
    code, out, err = _run(capsys, MLP, "--data", "digits", "--resume",
                          tmp_path / "ck" / "last.ckpt", "--epochs", "3", "--out",
                          tmp_path / "resumed.pt")
    assert code == 0, err
    assert err.startswith("resuming ") and "at epoch 2, step 45, with its options (sgd, lr 0.1" \
        in err
    assert out.startswith("completed 3 epochs (135 steps)")
    full, resumed = netlab.load(tmp_path / "full.pt"), netlab.load(tmp_path / "resumed.pt")
    assert all(np.array_equal(full[k].numpy(), resumed[k].numpy()) for k in full)
    code, _, err = _run(capsys, MLP, "--data", "digits", "--resume",
                        tmp_path / "ck" / "last.ckpt", "--lr", "0.5", "--seed", "2")
    assert code == 2
    _one_line_error(err, "leave out --lr, --seed")
    code, _, err = _run(capsys, MLP, "--data", "digits", "--resume", tmp_path / "one.pt")
    assert code == 1
    _one_line_error(err, "one.pt", "not a netlab training checkpoint")
    code, _, err = _run(capsys, CNN, "--data", "digits", "--resume",
                        tmp_path / "ck" / "last.ckpt", "--out", tmp_path / "cnn.pt")
    assert code == 1
    _one_line_error(err, "last.ckpt", "do not fit this model")


def test_a_diverging_run_stops_exits_1_and_keeps_the_last_good_weights(capsys, tmp_path):
    out_path = tmp_path / "poly.pt"
    code, out, err = _run(capsys, POLY, "--data", "sin", "--data-option", "degree=3",
                          "--val-split", "0", "--batch-size", "2000", "--epochs", "500",
                          "--lr", "1", "--loss-option", "reduction=sum", "--out", out_path)
    assert code == 1
    assert "error: step" in err and "Traceback" not in err
    assert "non-finite" in out
    sd = netlab.load(out_path)
    assert all(np.isfinite(v.numpy()).all() for v in sd.values())


# Ctrl+C ------------------------------------------------------------------------------------
class _SigintAt:
    """A progress stand-in that sends this process a SIGINT (what Ctrl+C does) at a step."""

    def __init__(self, step, raise_instead=False):
        self.step, self.raise_instead, self.seen = step, raise_instead, []

    def __call__(self, event, payload):
        if event == "batch":
            self.seen.append(payload["step"])
            if payload["step"] == self.step:
                if self.raise_instead:
                    raise KeyboardInterrupt
                signal.raise_signal(signal.SIGINT)


@pytest.mark.parametrize("raise_instead", [False, True])
def test_ctrl_c_stops_saves_the_weights_and_exits_130(capsys, tmp_path, monkeypatch,
                                                      raise_instead):
    from netlab.training import Trainer

    hook = _SigintAt(7, raise_instead)
    trained = {}
    original = Trainer.__init__

    def init(self, model, data, config, callbacks=()):
        original(self, model, data, config, callbacks=[*callbacks, hook])
        trained["model"] = model

    monkeypatch.setattr(Trainer, "__init__", init)
    handler = signal.getsignal(signal.SIGINT)
    code, out, err = _run(capsys, MLP, "--data", "digits", "--epochs", "50", "--out",
                          tmp_path / "w.pt")
    assert code == 130
    assert signal.getsignal(signal.SIGINT) is handler  # the handler is put back
    assert max(hook.seen) == 7  # stopped right after the batch that saw Ctrl+C
    assert out.startswith("stopped by Ctrl+C after 0 epochs (7 steps)")
    if not raise_instead:
        assert "Ctrl+C: stopping after this batch" in err
    sd = netlab.load(tmp_path / "w.pt")
    now = trained["model"].state_dict()
    assert all(np.array_equal(sd[k].numpy(), now[k].numpy()) for k in sd)


def test_ctrl_c_with_checkpoints_then_resume_ends_where_an_uninterrupted_run_does(
        capsys, tmp_path, monkeypatch):
    from netlab.training import Trainer

    args = [MLP, "--data", "digits", "--epochs", "3", "--lr", "0.1", "--momentum", "0.9",
            "--quiet"]
    assert _run(capsys, *args, "--out", tmp_path / "full.pt")[0] == 0
    original = Trainer.__init__
    with monkeypatch.context() as m:  # Ctrl+C in the middle of epoch 2
        m.setattr(Trainer, "__init__", lambda self, model, data, config, callbacks=():
                  original(self, model, data, config, [*callbacks, _SigintAt(60)]))
        code, out, _ = _run(capsys, *args, "--checkpoint-dir", tmp_path / "ck", "--out",
                            tmp_path / "part.pt")
    assert code == 130 and f"last checkpoint: {tmp_path / 'ck' / 'last.ckpt'}" in out
    code, out, err = _run(capsys, MLP, "--data", "digits", "--resume",
                          tmp_path / "ck" / "last.ckpt", "--out", tmp_path / "resumed.pt")
    assert code == 0, err
    assert "at epoch 2, step 60" in err and out.startswith("completed 3 epochs (135 steps)")
    full, resumed = netlab.load(tmp_path / "full.pt"), netlab.load(tmp_path / "resumed.pt")
    assert all(np.array_equal(full[k].numpy(), resumed[k].numpy()) for k in full)


def test_ctrl_c_while_loading_saves_nothing_and_exits_130(capsys, tmp_path, monkeypatch):
    import netlab.datasets

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(netlab.datasets, "load", interrupted)
    code, out, err = _run(capsys, MLP, "--data", "digits", "--out", tmp_path / "w.pt")
    assert (code, out) == (130, "")
    _one_line_error(err, "interrupted before training started")
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_in_a_subprocess(tmp_path):
    out_path = tmp_path / "w.pt"
    proc = subprocess.Popen(
        [sys.executable, "-m", "netlab.cli", "train", str(MLP), "--data", "digits",
         "--epochs", "100000", "--out", str(out_path)], cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stderr.readline()  # the start line: training has begun
        assert first.startswith("training on"), first + proc.stderr.read()
        proc.stderr.readline()  # a first epoch: the handler is in place
        time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "stopping after this batch" in err
    assert out.startswith("stopped by Ctrl+C after")
    assert set(netlab.load(out_path)) == {"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}


# the progress bar on a terminal --------------------------------------------------------------
def _batch(step, batch, loss=0.5, accuracy=0.75):
    return {"epoch": 1, "batch": batch, "step": step, "loss": loss, "accuracy": accuracy,
            "lr": 0.1, "samples_per_sec": 12345.6, "elapsed": 1.0, "eta": 65.0}


def test_progress_on_a_terminal_updates_one_line_at_most_every_interval():
    now = [0.0]
    stream = io.StringIO()
    p = Progress(stream, tty=True, min_interval=0.1, clock=lambda: now[0])
    p("start", {"epochs": 3, "steps_per_epoch": 10, "n_train": 300, "n_val": 0,
                "task": "classification"})
    for b in range(1, 11):
        now[0] += 0.03  # 33 batches a second: only every 4th is drawn, and the last
        p("batch", _batch(b, b))
    text = stream.getvalue()
    draws = text.split("\r")[1:]
    assert len(draws) == 4  # batches 1, 5, 9 (0.12 s apart) and 10 (the epoch's last)
    assert draws[0].startswith("epoch 1/3  [##..................] 1/10  loss 0.5  acc 75.0%  "
                               "12,346 samples/s  ETA 1:05")
    assert draws[-1].startswith("epoch 1/3  [####################] 10/10")
    assert "\n" not in "".join(draws)  # one updating line
    p("epoch", {"epoch": 1, "train_loss": 0.4, "train_accuracy": 0.8, "val_loss": None,
                "val_accuracy": None, "lr": 0.1, "elapsed": 3.0})
    last = stream.getvalue().rsplit("\r", 1)[1]
    assert last == "\x1b[Kepoch 1/3: train loss 0.4 acc 80.0%  lr 0.1  0:03\n"
    p.note("warning: something")
    p("batch", _batch(11, 1))
    p.close()
    assert stream.getvalue().endswith("\n") and "warning: something\n" in stream.getvalue()


def test_progress_on_a_terminal_keeps_a_line_per_second_of_short_epochs():
    now = [0.0]
    stream = io.StringIO()
    p = Progress(stream, tty=True, clock=lambda: now[0])
    p("start", {"epochs": 30, "steps_per_epoch": 1, "n_train": 8, "n_val": 0,
                "task": "regression"})
    for e in range(1, 31):
        now[0] += 0.25
        p("epoch", {"epoch": e, "train_loss": 1.0 / e, "train_accuracy": None,
                    "val_loss": None, "val_accuracy": None, "lr": 0.1, "elapsed": now[0]})
    p.close()
    kept = [line.rsplit("\r", 1)[-1].replace("\x1b[K", "")
            for line in stream.getvalue().split("\n")[1:-1]]  # splitlines would split at \r
    # the first, then one a second (every 4th at 0.25 s each), and the last
    assert [line.split(":")[0] for line in kept] == [
        "epoch 1/30", "epoch 5/30", "epoch 9/30", "epoch 13/30", "epoch 17/30",
        "epoch 21/30", "epoch 25/30", "epoch 29/30", "epoch 30/30"]


def test_progress_reports_unhealthy_layers_once_and_nonfinite_steps():
    stream = io.StringIO()
    p = Progress(stream, tty=False, quiet=True)
    report = {"step": 20, "health": {"fc1": "vanishing", "fc2": "healthy"},
              "flags": ["fc1: vanishing gradients (norm < 1e-07 for 20 steps)"], "layers": {}}
    p("stats", report)
    p("stats", dict(report, step=30))
    p("nonfinite", {"step": 31, "where": "loss", "layer": "fc2", "parameter": None,
                    "message": "step 31 (epoch 1, batch 31): the loss became nan"})
    assert stream.getvalue().splitlines() == [
        "warning: step 20: fc1: vanishing gradients (norm < 1e-07 for 20 steps)",
        "error: step 31 (epoch 1, batch 31): the loss became nan"]


def test_summary_lists_layers_with_gradients_or_dead_units():
    from netlab.training.cli_progress import format_summary

    p = Progress(tty=False, quiet=True)
    p("stats", {"step": 40, "health": {"conv": "healthy", "relu": "dead", "pool": "healthy"},
                "flags": [], "layers": {
                    "conv": {"grad_norm": 0.5, "update_ratio": 1e-3, "dead_units_fraction": None},
                    "relu": {"grad_norm": None, "update_ratio": None, "dead_units_fraction": 0.75},
                    "pool": {"grad_norm": None, "update_ratio": None,
                             "dead_units_fraction": None}}})
    text = format_summary({"reason": "completed", "steps": 40, "epochs_run": 2,
                           "train_loss": 0.1}, p, None, 3.0, "w.pt")
    rows = text.split("gradient statistics at step 40:\n")[1].splitlines()
    assert [r.split() for r in rows[1:3]] == [["conv", "0.5", "0.001", "-", "healthy"],
                                              ["relu", "-", "-", "75.0%", "dead"]]
    assert rows[3] == "weights saved to w.pt"


def test_formatting_helpers():
    assert format_duration(59.6) == "1:00" and format_duration(float("nan")) == "?"
    table = format_confusion([[5, 0, 1], [0, 0, 0], [2, 1, 7]], ["a", "b", "c"])
    assert table.splitlines()[1].split() == ["a", "5", "0", "1", "83.3%"]
    assert table.splitlines()[2].split()[-1] == "-"
