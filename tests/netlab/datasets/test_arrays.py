"""numpy files: .npz named arrays (with the x=/y= options) and .npy tables."""

import json

import numpy as np
import pytest

from netlab.datasets import DatasetError, load


@pytest.mark.parametrize("xk, yk", [("x", "y"), ("X", "y"), ("data", "target")])
def test_npz_usual_names(tmp_path, xk, yk):
    x = np.arange(24, dtype=np.float64).reshape(6, 2, 2)
    y = np.array([0, 1, 2, 0, 1, 2])
    path = tmp_path / "a.npz"
    np.savez(path, **{xk: x, yk: y})
    data = load(str(path), val_split=0)
    assert data.input_shape == (2, 2) and data.x_train.dtype == np.float32
    np.testing.assert_array_equal(data.x_train, x)
    assert data.task == "classification" and data.y_train.tolist() == y.tolist()
    assert data.info["arrays"] == [xk, yk] and data.info["format"] == "npz"
    assert json.loads(json.dumps(data.info))["source"] == str(path)


def test_npz_named_by_options_class_names_and_regression(tmp_path):
    path = tmp_path / "b.npz"
    np.savez_compressed(path, inputs_a=np.ones((5, 3)), out=np.linspace(0, 1, 5),
                        labels=np.array([1, 1, 2, 2, 1]),
                        classes=np.array(["one", "two"]))
    reg = load(str(path), x="inputs_a", y="out", val_split=0)
    assert reg.task == "regression" and reg.y_train.tolist() == pytest.approx(
        np.linspace(0, 1, 5).tolist())
    cls = load(str(path), x="inputs_a", y="labels", val_split=0)
    assert cls.classes == ["one", "two"] and cls.y_train.tolist() == [0, 0, 1, 1, 0]


def test_npz_tokens_stay_integers(tmp_path):
    path = tmp_path / "tok.npz"
    np.savez(path, x=np.array([[1, 5, 2], [3, 3, 0]]), y=np.array([0, 1]))
    data = load(str(path), tokens=True, val_split=0)
    assert data.x_train.dtype == np.int64 and data.x_train.tolist() == [[1, 5, 2], [3, 3, 0]]
    assert load(str(path), val_split=0).x_train.dtype == np.float32


def test_npy_table_last_column_or_target(tmp_path):
    table = np.column_stack([np.arange(10.0), np.arange(10.0) ** 2, np.arange(10) % 2])
    path = tmp_path / "t.npy"
    np.save(path, table)
    data = load(str(path), val_split=0)
    assert data.input_shape == (2,) and data.task == "classification"
    assert data.y_train.tolist() == (np.arange(10) % 2).tolist()
    first = load(str(path), target=0, val_split=0)
    assert first.task == "regression"
    np.testing.assert_array_equal(first.x_train, table[:, 1:])


def test_npz_missing_key_names_file_key_and_arrays(tmp_path):
    path = tmp_path / "m.npz"
    np.savez(path, features=np.ones((3, 2)), y=np.zeros(3))
    with pytest.raises(DatasetError) as err:
        load(str(path), x="inputs")
    assert str(err.value) == ("m.npz: no array named 'inputs' (the archive holds features, y); "
                              "choose one with x=")
    np.savez(path, a=np.ones((3, 2)), b=np.zeros(3))
    with pytest.raises(DatasetError, match="m.npz: cannot tell the inputs from the targets "
                                           "among the arrays a, b"):
        load(str(path))


def test_bad_array_files(tmp_path):
    path = tmp_path / "n.npz"
    np.savez(path, x=np.ones((4, 2)), y=np.zeros(3))
    with pytest.raises(DatasetError, match="n.npz: 4 samples in 'x' but 3 targets in 'y'"):
        load(str(path))
    np.savez(path, x=np.array([[1.0, np.nan]]), y=np.zeros(1))
    with pytest.raises(DatasetError, match=r"n.npz, array 'x', entry \(0, 1\): nan is not a "
                                           r"finite number"):
        load(str(path))
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DatasetError, match="broken.npz: not a readable .npz archive"):
        load(str(broken))
    one_d = tmp_path / "v.npy"
    np.save(one_d, np.arange(5))
    with pytest.raises(DatasetError, match=r"v.npy: a table of shape \(samples, columns\)"):
        load(str(one_d))
    np.save(one_d, np.array([[1.0, 2.0], [np.inf, 1.0]]))
    with pytest.raises(DatasetError, match="v.npy, row 1, column 0: inf is not a finite"):
        load(str(one_d))
