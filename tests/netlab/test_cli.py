"""The ``netlab`` command: summary and export, and one-line errors (never a traceback) with a
non-zero exit code for a user's mistakes."""

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

import netlab
from netlab.cli import main
from netlab.design.compile import compile as compile_design
from netlab.design.infer import infer
from netlab.design.io import load_design, to_dict

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "resources" / "examples"
MLP = EXAMPLES / "digits_mlp.json"  # a plain chain
CNN2 = EXAMPLES / "cnn_naming_example2.json"  # groups, DataParallel inside and outside


def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _one_line_error(err, *fragments):
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    for f in fragments:
        assert f in err


def test_summary_prints_the_table(capsys):
    code, out, err = _run(capsys, "summary", MLP)
    assert (code, err) == (0, "")
    total = sum(p.numel() for p in compile_design(load_design(MLP)).parameters())
    assert "fc1 (Linear)" in out and "(N, 128)" in out
    assert f"Total params: {total:,}" in out
    code, out, _ = _run(capsys, "summary", MLP, "--batch-size", 32)
    assert code == 0 and "(32, 128)" in out and "(N, 128)" not in out


def test_summary_of_a_design_with_errors_shows_them_and_fails(capsys, tmp_path):
    data = to_dict(load_design(MLP))
    fc2 = next(n for n in data["nodes"] if n["name"] == "fc2")
    fc2["params"]["in_features"] = 100  # fc1 gives 128
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    code, out, err = _run(capsys, "summary", path)
    assert code == 1
    assert "Errors: 1" in out and "fc1 (Linear)" in out  # the table still shows the rest
    _one_line_error(err, "bad.json", "fc2", "in_features")


@pytest.mark.parametrize("text,fragment", [
    (None, "cannot read the file"),
    ('{"format": "netlab-design", "schema": 1, "nodes": [', "truncated"),
    ('{"format": "netlab-design", "schema": 99, "nodes": []}', "newer netlab"),
    ("not json at all", "not valid JSON"),
])
@pytest.mark.parametrize("command", [["summary"], ["export", "--format", "pt"]])
def test_unreadable_files_give_one_line_and_exit_1(capsys, tmp_path, text, fragment, command):
    path = tmp_path / "net.json"
    if text is not None:
        path.write_text(text)
    extra = ["--out", tmp_path / "w.pt"] if command[0] == "export" else []
    code, out, err = _run(capsys, command[0], path, *command[1:], *extra)
    assert code == 1 and out == ""
    _one_line_error(err, "net.json", fragment)
    assert not (tmp_path / "w.pt").exists()


@pytest.mark.parametrize("argv,fragment", [
    ([], "choose a command"),
    (["train", MLP], "--data"),
    (["summary"], "DESIGN"),
    (["summary", MLP, "--batch-size", "0"], "positive integer"),
    (["export", MLP, "--format", "onnx", "--out", "w.onnx"], "invalid choice: 'onnx'"),
    (["export", MLP, "--format", "pt"], "--out"),
    (["export", MLP, "--format", "npz", "--out", "w.pt"], "ending in .npz"),
    (["export", MLP, "--format", "safetensors", "--out", "w.npz"], "ending in .safetensors"),
    (["export", MLP, "--format", "pt", "--out", "w.npz"], "use .pt"),
    (["export", MLP, "--format", "pytorch", "--out", "net.py", "--module-prefix"],
     "state_dict formats"),
])
def test_command_line_mistakes_give_one_line_and_exit_2(capsys, tmp_path, monkeypatch, argv,
                                                        fragment):
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, *argv)
    assert code == 2 and out == ""
    _one_line_error(err, fragment)
    assert list(tmp_path.iterdir()) == []


def test_help_exits_0(capsys):
    code, out, _ = _run(capsys, "export", "--help")
    assert code == 0 and "--format" in out and "--no-module-prefix" in out


@pytest.mark.parametrize("design", [MLP, CNN2])
@pytest.mark.parametrize("fmt", ["pt", "safetensors", "npz"])
@pytest.mark.parametrize("prefix", [None, True, False])
def test_export_state_dict(capsys, tmp_path, design, fmt, prefix):
    out_path = tmp_path / f"w.{fmt}"
    flag = {None: [], True: ["--module-prefix"], False: ["--no-module-prefix"]}[prefix]
    code, out, err = _run(capsys, "export", design, "--format", fmt, "--out", out_path, *flag)
    assert (code, out, err) == (0, "", "")
    keys = infer(load_design(design)).state_dict_keys()
    if prefix is True:
        keys = [k if k.startswith("module.") else "module." + k for k in keys]
    elif prefix is False:
        keys = [k.removeprefix("module.") for k in keys]
    sd = netlab.load(out_path, format=fmt)
    shapes = [tuple(v.shape) for v in compile_design(load_design(design)).state_dict().values()]
    assert {k: tuple(v.shape) for k, v in sd.items()} == dict(zip(keys, shapes))
    if fmt != "safetensors":  # a safetensors header keeps no order (it is sorted)
        assert list(sd) == keys


@pytest.mark.parametrize("design", [EXAMPLES / "lenet.json", CNN2])
def test_export_pytorch_code_loads_the_exported_weights_in_torch(capsys, tmp_path, design):
    from tests.netlab.parity import torch

    code_path, weights = tmp_path / "net.py", tmp_path / "w.pt"
    assert _run(capsys, "export", design, "--format", "pytorch", "--out", code_path)[0] == 0
    assert _run(capsys, "export", design, "--format", "pt", "--out", weights)[0] == 0
    ns = {}
    exec(compile(code_path.read_text(), str(code_path), "exec"), ns)
    tmodel = ns["build_model"]()
    res = tmodel.load_state_dict(torch.load(weights), strict=True)
    assert not res.missing_keys and not res.unexpected_keys
    tmodel.eval()
    shape = next(n.params["shape"] for n in load_design(design).nodes.values()
                 if n.type == "Input")
    x = torch.from_numpy(np.random.default_rng(0).standard_normal([2] + shape).astype("f4"))
    assert tuple(tmodel(x).shape) == (2, 10)


def test_export_refuses_designs_with_errors_and_unwritable_paths(capsys, tmp_path):
    data = to_dict(load_design(MLP))
    data["nodes"][1]["type"] = "Lineer"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    code, _, err = _run(capsys, "export", bad, "--format", "npz", "--out", tmp_path / "w.npz")
    assert code == 1
    _one_line_error(err, "bad.json", "Lineer", "did you mean Linear")
    assert not (tmp_path / "w.npz").exists()
    code, _, err = _run(capsys, "export", MLP, "--format", "pytorch", "--out",
                        tmp_path / "missing" / "net.py")
    assert code == 1
    _one_line_error(err, "does not exist")
    code, _, err = _run(capsys, "export", MLP, "--format", "pt", "--out", tmp_path)
    assert code == 1
    _one_line_error(err, "cannot write")


def test_python_dash_m_runs_the_command():
    ok = subprocess.run([sys.executable, "-m", "netlab.cli", "summary", str(MLP)], cwd=ROOT,
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert "fc2 (Linear)" in ok.stdout and ok.stderr == ""
    bad = subprocess.run([sys.executable, "-m", "netlab.cli", "summary", "no-such.json"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and bad.stdout == ""
    _one_line_error(bad.stderr, "no-such.json")


def test_the_netlab_script_is_declared():
    with open(ROOT / "pyproject.toml", "rb") as f:
        scripts = tomllib.load(f)["project"]["scripts"]
    assert scripts["netlab"] == "netlab.cli:main"


def test_export_torchrun_training_script(tmp_path, capsys):
    out = tmp_path / "train.py"
    example = Path(__file__).resolve().parents[2] / "resources/examples/digits_mlp.json"
    assert main(["export", str(example), "--format", "torchrun", "--out", str(out)]) == 0
    text = out.read_text()
    assert "DistributedDataParallel" in text and "import netlab" not in text
    compile(text, "train.py", "exec")
