"""Built-in data sets: shapes, dtypes, classes, determinism by seed, options."""

import math

import numpy as np
import pytest

from netlab.datasets import Data, DatasetError, builtin_datasets, load

# name -> (options, input shape, task, number of classes or targets)
CASES = {
    "sin": ({}, (1,), "regression", 1),
    "regression": ({}, (1000,), "regression", 10),
    "moons": ({}, (2,), "classification", 2),
    "circles": ({}, (2,), "classification", 2),
    "spirals": ({}, (2,), "classification", 3),
    "xor": ({}, (2,), "classification", 2),
    "blobs": ({}, (2,), "classification", 3),
    "images": ({}, (3, 32, 32), "classification", 10),
    "digits": ({}, (64,), "classification", 10),
}
SIZES = {"sin": 2000, "regression": 64, "moons": 500, "circles": 500, "spirals": 600,
         "xor": 400, "blobs": 300, "images": 256, "digits": 1797}


def test_every_builtin_is_listed_with_a_description():
    listed = builtin_datasets()
    assert set(listed) == set(CASES)
    assert all(isinstance(d, str) and d for d in listed.values())


@pytest.mark.parametrize("name", sorted(CASES))
def test_builtin_shapes_dtypes_and_classes(name):
    options, shape, task, k = CASES[name]
    data = load(name, **options)
    assert isinstance(data, Data) and data.name == name and data.task == task
    assert data.input_shape == shape
    assert data.x_train.dtype == np.float32 and data.x_val.dtype == np.float32
    n = SIZES[name]
    assert data.n_train + data.n_val == n and data.n_val == round(0.2 * n)
    if task == "classification":
        assert data.y_train.dtype == np.int64 and data.y_train.shape == (data.n_train,)
        assert data.num_classes == k and len(data.classes) == k
        all_y = np.concatenate([data.y_train, data.y_val])
        assert set(np.unique(all_y)) == set(range(k))
    else:
        assert data.y_train.dtype == np.float32 and data.classes is None
        assert data.num_classes is None
        assert data.y_train.shape == ((data.n_train,) if k == 1 else (data.n_train, k))
    assert np.all(np.isfinite(data.x_train))
    assert data.info["source"] == name and data.info["seed"] == 0


@pytest.mark.parametrize("name", sorted(CASES))
def test_builtin_is_deterministic_by_seed(name):
    a, b, c = load(name, seed=3), load(name, seed=3), load(name, seed=4)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_train, b.y_train)
    np.testing.assert_array_equal(a.x_val, b.x_val)
    # another seed draws other samples or at least another split
    assert not np.array_equal(a.x_train, c.x_train)


def test_sin_matches_the_seeds_inputs():
    # the seeds: x = torch.linspace(-pi, pi, 2000); xx = x.unsqueeze(-1).pow([1, 2, 3])
    from tests.netlab.parity import torch

    x = torch.linspace(-math.pi, math.pi, 2000)
    xx = x.unsqueeze(-1).pow(torch.tensor([1, 2, 3]))
    data = load("sin", degree=3, val_split=0, shuffle=False)
    assert data.x_val is None and data.y_val is None
    np.testing.assert_array_equal(data.x_train, xx.numpy())
    # numpy's and torch's float32 sin may differ in the last bit
    np.testing.assert_allclose(data.y_train, torch.sin(x).numpy(), rtol=0, atol=1.2e-7)


def test_sin_degree_and_regression_sizes():
    assert load("sin", degree=5).input_shape == (5,)
    data = load("regression", n_samples=20, d_in=7, d_out=3, val_split=0)
    assert data.x_train.shape == (20, 7) and data.y_train.shape == (20, 3)


def test_two_d_options_and_classes():
    data = load("spirals", n_samples=50, classes=5, noise=0.0, val_split=0)
    assert data.num_classes == 5 and data.n_train == 50
    assert np.bincount(data.y_train).tolist() == [10] * 5
    blobs = load("blobs", classes=4, n_samples=40, noise=0.01, val_split=0)
    # tight blobs: every sample sits at its class centre
    centres = np.asarray(blobs.info["centres"], np.float32)
    assert np.abs(blobs.x_train - centres[blobs.y_train]).max() < 0.1
    quiet = load("xor", noise=0.0, val_split=0)
    np.testing.assert_array_equal(quiet.y_train, quiet.x_train[:, 0] * quiet.x_train[:, 1] > 0)


def test_images_any_shape_and_learnable_templates():
    data = load("images", shape=(1, 5, 7), classes=4, n_samples=30, noise=0.0, val_split=0)
    assert data.input_shape == (1, 5, 7) and data.num_classes == 4
    # noise=0: samples of one class are identical (the class template)
    for k in range(4):
        same = data.x_train[data.y_train == k]
        assert len(same) == 0 or np.all(same == same[0])


@pytest.mark.parametrize("options, word", [
    ({"bogus": 1}, "unknown option bogus"),
    ({"n_samples": 0}, "n_samples must be an integer >= 1"),
    ({"noise": -1.0}, "noise must be a number >= 0"),
])
def test_bad_builtin_options_are_named(options, word):
    with pytest.raises(DatasetError, match=word):
        load("moons", **options)


def test_bad_shape_and_unknown_source():
    with pytest.raises(DatasetError, match="shape must be a tuple"):
        load("images", shape=(3, 0))
    with pytest.raises(DatasetError, match="no such file.*built-ins: sin"):
        load("no_such_data_set")
