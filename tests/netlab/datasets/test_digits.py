"""The bundled digits: size, classes, per-class counts, checksum, scaling and provenance."""

import hashlib
from importlib import resources

import numpy as np
import pytest

from netlab.datasets import DatasetError, load
from netlab.datasets import digits as digits_module
from netlab.datasets.digits import DIGITS_SHA256, read_digits

# scikit-learn's load_digits: np.bincount(target)
CLASS_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_raw_arrays_and_checksum():
    x, y = read_digits()
    assert x.shape == (1797, 8, 8) and x.dtype == np.uint8 and y.dtype == np.uint8
    assert x.min() == 0 and x.max() == 16
    assert np.bincount(y).tolist() == CLASS_COUNTS
    assert hashlib.sha256(x.tobytes() + y.tobytes()).hexdigest() == DIGITS_SHA256


def test_first_image_is_sklearns_first_zero():
    # load_digits().images[0] (a zero)
    x, y = read_digits()
    assert y[0] == 0
    assert x[0, 0].tolist() == [0, 0, 5, 13, 9, 1, 0, 0]
    assert x[0, 7].tolist() == [0, 0, 6, 13, 10, 0, 0, 0]


def test_load_digits_features_in_unit_range():
    data = load("digits", val_split=0)
    assert data.x_train.shape == (1797, 64) and data.x_train.dtype == np.float32
    assert data.x_train.min() == 0.0 and data.x_train.max() == 1.0
    assert data.classes == [str(k) for k in range(10)]
    assert data.class_counts() == CLASS_COUNTS
    assert data.info["sha256"] == DIGITS_SHA256 and "UCI" in data.info["provenance"]
    x, _ = read_digits()
    np.testing.assert_array_equal(data.x_train * 16, x.reshape(1797, 64))


def test_digits_as_image_input():
    data = load("digits").as_input((1, 8, 8))
    assert data.x_train.shape == (1438, 1, 8, 8) and data.x_val.shape == (359, 1, 8, 8)
    x, _ = read_digits()
    first = data.x_train[0, 0] * 16
    assert any(np.array_equal(first, img) for img in x)


def test_generator_script_constants_match_the_loader():
    script = resources.files("resources").joinpath("data", "make_digits.py").read_text()
    assert DIGITS_SHA256 in script and str(CLASS_COUNTS) in script
    readme = resources.files("resources").joinpath("data", "README.md").read_text()
    assert "Alpaydin" in readme and "CC BY 4.0" in readme and "BSD" in readme


def test_damaged_digits_file_is_reported(monkeypatch, tmp_path):
    bad = tmp_path / "data"
    bad.mkdir()
    x, y = read_digits()
    x2 = x.copy()
    x2[0, 0, 0] = 1
    np.savez_compressed(bad / "digits.npz", x=x2, y=y)
    monkeypatch.setattr(digits_module.resources, "files", lambda _: tmp_path)
    monkeypatch.setattr(digits_module, "_cache", {})
    with pytest.raises(DatasetError, match="digits.npz: the arrays' sha256 differs"):
        read_digits()


def _make_digits_module():
    import importlib.util

    path = resources.files("resources").joinpath("data", "make_digits.py")
    spec = importlib.util.spec_from_file_location("make_digits", str(path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write_sklearn_csv(path, x, y):
    import gzip

    rows = np.column_stack([x.reshape(len(x), 64), y]).astype(int)
    with gzip.open(path, "wt") as f:
        np.savetxt(f, rows, fmt="%d", delimiter=",")


def test_generator_script_rebuilds_the_file_from_sklearns_csv(tmp_path):
    make_digits = _make_digits_module()
    x, y = read_digits()
    _write_sklearn_csv(tmp_path / "digits.csv.gz", x, y)
    out = tmp_path / "digits.npz"
    assert make_digits.main(["--csv", str(tmp_path / "digits.csv.gz"), "--out", str(out)]) == 0
    with np.load(out) as f:
        np.testing.assert_array_equal(f["x"], x)
        np.testing.assert_array_equal(f["y"], y)
    # a changed pixel fails the checksum; a changed label the class counts
    x2 = x.copy()
    x2[5, 3, 3] = (x2[5, 3, 3] + 1) % 17
    _write_sklearn_csv(tmp_path / "bad.csv.gz", x2, y)
    with pytest.raises(SystemExit, match="sha256"):
        make_digits.main(["--csv", str(tmp_path / "bad.csv.gz"), "--out", str(out)])
    y2 = y.copy()
    y2[0] = 1
    _write_sklearn_csv(tmp_path / "bad.csv.gz", x, y2)
    with pytest.raises(SystemExit, match="class counts"):
        make_digits.main(["--csv", str(tmp_path / "bad.csv.gz"), "--out", str(out)])


def test_generator_script_from_sklearn_when_installed(tmp_path):
    pytest.importorskip("sklearn")
    make_digits = _make_digits_module()
    out = tmp_path / "digits.npz"
    assert make_digits.main(["--out", str(out)]) == 0
    with np.load(out) as f:
        assert make_digits.arrays_sha256(f["x"], f["y"]) == DIGITS_SHA256
