"""The options every source shares: split, shuffle, scaling from train only, one-hot labels,
and Data.as_input / summary."""

import json

import numpy as np
import pytest

from netlab.datasets import DatasetError, load
from netlab.datasets.data import encode_labels, finish, guess_task


@pytest.mark.parametrize("val_split, n_val", [(0.0, 0), (0.1, 50), (0.25, 125), (0.5, 250)])
def test_split_sizes(val_split, n_val):
    data = load("moons", val_split=val_split)
    assert data.n_val == n_val and data.n_train == 500 - n_val
    if n_val == 0:
        assert data.x_val is None and data.y_val is None


def test_split_is_a_seeded_partition_in_source_order():
    x = np.arange(100, dtype=np.float32)[:, None]
    y = np.arange(100, dtype=np.float32)
    a = finish("toy", x, y, "regression", None, {}, val_split=0.3, seed=5)
    b = finish("toy", x, y, "regression", None, {}, val_split=0.3, seed=6)
    got = np.concatenate([a.x_train[:, 0], a.x_val[:, 0]])
    assert sorted(got.tolist()) == list(range(100))  # a partition, nothing lost or repeated
    assert np.all(np.diff(a.x_train[:, 0]) > 0) and np.all(np.diff(a.x_val[:, 0]) > 0)
    np.testing.assert_array_equal(a.x_train[:, 0], a.y_train)  # x and y stay paired
    assert not np.array_equal(a.x_val, b.x_val)
    # a random subset, not the tail
    assert a.x_val[:, 0].min() < 70


def test_no_shuffle_keeps_the_last_fraction_for_validation():
    x = np.arange(10, dtype=np.float32)[:, None]
    data = finish("toy", x, x[:, 0], "regression", None, {}, val_split=0.2, shuffle=False)
    assert data.x_train[:, 0].tolist() == list(range(8))
    assert data.x_val[:, 0].tolist() == [8, 9]


def test_standard_scaling_uses_train_statistics_only():
    data = load("blobs", scale="standard", val_split=0.3, seed=2)
    raw = load("blobs", val_split=0.3, seed=2)
    np.testing.assert_allclose(data.x_train.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(data.x_train.std(axis=0), 1, atol=1e-5)
    mean, std = raw.x_train.mean(axis=0), raw.x_train.std(axis=0)
    np.testing.assert_allclose(data.x_val, (raw.x_val - mean) / std, rtol=1e-5, atol=1e-5)
    # the validation part is not standardised by its own statistics
    assert np.abs(data.x_val.mean(axis=0)).max() > 1e-3
    np.testing.assert_allclose(data.apply_scale(raw.x_val), data.x_val, rtol=1e-6, atol=1e-6)


def test_minmax_scaling_and_constant_features():
    data = load("digits", scale="minmax")
    assert data.x_train.min() == 0.0 and data.x_train.max() == 1.0
    # digits' first pixel is 0 in every image: no division by zero, stays 0
    assert np.all(data.x_train[:, 0] == 0) and np.all(np.isfinite(data.x_val))
    raw = load("digits")
    lo, hi = raw.x_train.min(axis=0), raw.x_train.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1)
    np.testing.assert_allclose(data.x_val, (raw.x_val - lo) / span, atol=1e-6)


def test_onehot_labels():
    data = load("spirals", labels="onehot")
    index = load("spirals")
    assert data.y_train.dtype == np.float32 and data.y_train.shape == (data.n_train, 3)
    np.testing.assert_array_equal(data.y_train.argmax(axis=1), index.y_train)
    assert np.all(data.y_train.sum(axis=1) == 1)
    assert data.class_counts() == index.class_counts()


@pytest.mark.parametrize("options, word", [
    ({"val_split": 1.0}, "val_split must be a fraction"),
    ({"val_split": -0.1}, "val_split must be a fraction"),
    ({"scale": "zscore"}, "scale must be None, 'standard' or 'minmax'"),
    ({"labels": "hot"}, "labels must be 'index' or 'onehot'"),
])
def test_bad_common_options(options, word):
    with pytest.raises(DatasetError, match=word):
        load("moons", **options)


def test_bad_seed():
    with pytest.raises(DatasetError, match="moons: seed must be an integer >= 0, got -1"):
        load("moons", seed=-1)


def test_onehot_needs_classification():
    with pytest.raises(DatasetError, match="sin: labels='onehot' needs a classification"):
        load("sin", labels="onehot")


def test_as_input_reshapes_and_explains_mismatch():
    data = load("images", shape=(3, 4, 4), n_samples=20)
    flat = data.as_input((48,))
    assert flat.input_shape == (48,) and flat.x_val.shape == (data.n_val, 48)
    np.testing.assert_array_equal(flat.x_train.reshape(-1, 3, 4, 4), data.x_train)
    assert data.as_input([3, 4, 4]) is data
    with pytest.raises(DatasetError) as err:
        load("digits").as_input((3, 32, 32))
    assert str(err.value).startswith("the design's input takes (3, 32, 32) = 3072 values per "
                                     "sample; digits has (64,) = 64")


def test_summary_and_info_are_plain():
    data = load("digits", scale="standard", seed=1)
    text = data.summary()
    assert "1438 train + 359 validation samples of shape (64,)" in text
    assert "0: " in text and "scaled (standard)" in text
    assert json.loads(json.dumps(data.info))["seed"] == 1
    reg = load("regression", n_samples=10)
    assert "regression, 10 targets" in reg.summary()


def test_label_encoding_and_task_guess():
    idx, names = encode_labels(np.array([3.0, 1.0, 3.0, 7.0]))
    assert idx.tolist() == [1, 0, 1, 2] and names == ["1", "3", "7"]
    idx, names = encode_labels(np.array([0, 2, 2]))
    assert idx.tolist() == [0, 2, 2] and names == ["0", "1", "2"]
    assert guess_task(np.array(["a", "b"])) == "classification"
    assert guess_task(np.array([0, 1, 1, 0, 2, 2])) == "classification"
    assert guess_task(np.array([0.5, 1.0, 2.0])) == "regression"
    assert guess_task(np.arange(100)) == "regression"  # many distinct integers
