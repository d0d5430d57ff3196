"""nn.init: distributions, bounds and the new eye_/dirac_/orthogonal_/trunc_normal_."""

import math

import numpy as np
import pytest

import netlab
import netlab.nn as nn
from tests.netlab.parity import torch

init = nn.init


def _np(t):
    return t.detach().numpy()


def test_eye_matches_torch_and_keeps_grad_flag():
    for shape in [(3, 3), (2, 5), (4, 1)]:
        w = nn.Parameter(netlab.empty(*shape))
        out = init.eye_(w)
        assert out is w and w.requires_grad
        np.testing.assert_array_equal(_np(w), torch.nn.init.eye_(torch.empty(*shape)).numpy())
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.eye_(netlab.empty(2, 2, 2))


@pytest.mark.parametrize("shape,groups", [((4, 2, 3), 1), ((4, 4, 3, 3), 2), ((2, 3, 3, 1, 3), 1)])
def test_dirac_matches_torch(shape, groups):
    w = init.dirac_(netlab.empty(*shape), groups)
    np.testing.assert_array_equal(_np(w), torch.nn.init.dirac_(torch.empty(*shape),
                                                               groups).numpy())
    # as a conv weight with in == out channels, dirac is the identity convolution
    with pytest.raises(ValueError, match="3, 4, or 5 dimensions"):
        init.dirac_(netlab.empty(2, 2))


@pytest.mark.parametrize("shape", [(5, 5), (3, 7), (8, 2), (4, 3, 2, 2)])
def test_orthogonal_rows_or_columns_are_orthonormal(shape):
    netlab.manual_seed(1)
    gain = 2.0
    w = _np(init.orthogonal_(netlab.empty(*shape), gain=gain)).reshape(shape[0], -1)
    rows, cols = w.shape
    gram = w @ w.T if rows <= cols else w.T @ w
    np.testing.assert_allclose(gram, gain ** 2 * np.eye(min(rows, cols)), atol=1e-5)
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions"):
        init.orthogonal_(netlab.empty(3))


def test_orthogonal_reproducible_with_generator():
    g = netlab.Generator().manual_seed(3)
    a = _np(init.orthogonal_(netlab.empty(4, 4), generator=g))
    g.manual_seed(3)
    b = _np(init.orthogonal_(netlab.empty(4, 4), generator=g))
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("mean,std,a,b", [(0.0, 1.0, -2.0, 2.0), (0.5, 2.0, -1.0, 1.0),
                                          (0.0, 0.02, -0.04, 0.04), (3.0, 1.0, 2.5, 3.0)])
def test_trunc_normal_range_and_moments(mean, std, a, b):
    netlab.manual_seed(0)
    w = _np(init.trunc_normal_(netlab.empty(20000), mean, std, a, b)).astype(np.float64)
    assert w.min() >= a and w.max() <= b
    torch.manual_seed(0)
    ref = torch.nn.init.trunc_normal_(torch.empty(200000, dtype=torch.float64), mean, std,
                                      a, b).numpy()
    tol = 4 * ref.std() / math.sqrt(w.size)
    assert abs(w.mean() - ref.mean()) < tol + 1e-4 * std
    assert abs(w.std() - ref.std()) < 0.03 * ref.std()


def test_trunc_normal_warns_far_mean():
    with pytest.warns(UserWarning, match="mean is more than 2 std"):
        w = _np(init.trunc_normal_(netlab.empty(1000), mean=10.0, std=1.0, a=-1.0, b=1.0))
    # far in the tail the mass piles up at the end nearest the mean (E ~ b - 1/11)
    assert w.min() >= -1 and w.max() <= 1 and abs(w.mean() - (1 - 1 / 11)) < 0.02
    w = _np(init.trunc_normal_(netlab.empty(1000), mean=0.0, std=1.0, a=0.0, b=1e-4))
    assert w.min() >= 0 and w.max() <= 1e-4 and abs(w.mean() - 5e-5) < 5e-6


@pytest.mark.parametrize("fn,kwargs,bound", [
    (init.uniform_, {"a": -0.3, "b": 0.7}, None),
    (init.kaiming_uniform_, {"a": math.sqrt(5)}, lambda fi, fo: 1 / math.sqrt(fi)),
    (init.kaiming_uniform_, {"nonlinearity": "relu"}, lambda fi, fo: math.sqrt(6 / fi)),
    (init.xavier_uniform_, {"gain": 2.0}, lambda fi, fo: 2.0 * math.sqrt(6 / (fi + fo))),
])
def test_uniform_family_bounds(fn, kwargs, bound):
    netlab.manual_seed(2)
    w = _np(fn(netlab.empty(64, 32, 3, 3), **kwargs))
    if bound is None:
        lo, hi = kwargs["a"], kwargs["b"]
    else:
        hi = bound(32 * 9, 64 * 9)
        lo = -hi
    assert w.min() >= lo and w.max() <= hi
    assert w.min() < lo + 0.01 * (hi - lo) and w.max() > hi - 0.01 * (hi - lo)


@pytest.mark.parametrize("fn,kwargs,std", [
    (init.normal_, {"mean": 0.0, "std": 0.5}, lambda fi, fo: 0.5),
    (init.kaiming_normal_, {"mode": "fan_out", "nonlinearity": "relu"},
     lambda fi, fo: math.sqrt(2 / fo)),
    (init.xavier_normal_, {}, lambda fi, fo: math.sqrt(2 / (fi + fo))),
])
def test_normal_family_std(fn, kwargs, std):
    netlab.manual_seed(4)
    w = _np(fn(netlab.empty(128, 64, 3), **kwargs))
    want = std(64 * 3, 128 * 3)
    assert abs(w.std() / want - 1) < 0.03
    assert abs(w.mean()) < 4 * want / math.sqrt(w.size)


def test_constant_zeros_ones_and_gain():
    w = nn.Parameter(netlab.empty(3, 2))
    assert _np(init.constant_(w, 0.25)).tolist() == [[0.25] * 2] * 3
    assert _np(init.zeros_(w)).sum() == 0 and _np(init.ones_(w)).sum() == 6
    assert w.requires_grad and w.grad_fn is None
    for name, param in [("relu", None), ("tanh", None), ("leaky_relu", 0.2), ("selu", None),
                        ("conv2d", None), ("sigmoid", None)]:
        assert init.calculate_gain(name, param) == pytest.approx(
            torch.nn.init.calculate_gain(name, param))
