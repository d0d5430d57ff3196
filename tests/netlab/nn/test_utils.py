"""nn.utils against PyTorch: clip_grad_norm_ (all norm types, returned total norm, non-finite
errors), clip_grad_value_, parameters_to_vector and vector_to_parameters."""

import math

import numpy as np
import pytest

import netlab
import netlab.nn as nn
from tests.netlab.parity import assert_close, torch

SHAPES = [(3, 4), (5,), (2, 2, 2), ()]


def _params(scale=1.0, dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    vals = [(rng.standard_normal(s) * scale).astype(dtype) for s in SHAPES]
    grads = [(rng.standard_normal(s) * scale).astype(dtype) for s in SHAPES]
    ours, theirs = [], []
    for v, g in zip(vals, grads):
        p = nn.Parameter(netlab.tensor(v))
        p.grad = netlab.tensor(g.copy())
        t = torch.nn.Parameter(torch.tensor(v))
        t.grad = torch.tensor(g.copy())
        ours.append(p)
        theirs.append(t)
    return ours, theirs


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("max_norm,norm_type", [(1.0, 2.0), (100.0, 2.0), (0.5, 1.0),
                                                (0.5, 3.0), (0.1, math.inf), (0.1, "inf"),
                                                (2, 2)])
def test_clip_grad_norm_matches_torch(max_norm, norm_type, dtype):
    ours, theirs = _params(dtype=dtype)
    tn = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    tt = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    rtol = 1e-6 if dtype == np.float32 else 1e-12
    assert_close(tn, tt, rtol, 0)
    for p, t in zip(ours, theirs):
        assert_close(p.grad, t.grad, rtol, 1e-7)


def test_clip_grad_norm_single_tensor_generator_none_grads_and_empty():
    ours, theirs = _params()
    assert_close(nn.utils.clip_grad_norm_(ours[0], 0.3), torch.nn.utils.clip_grad_norm_(
        theirs[0], 0.3), 1e-6)
    ours[1].grad = None
    theirs[1].grad = None
    assert_close(nn.utils.clip_grad_norm_((p for p in ours), 0.3),
                 torch.nn.utils.clip_grad_norm_((p for p in theirs), 0.3), 1e-6)
    assert ours[1].grad is None
    assert nn.utils.clip_grad_norm_([], 1.0).item() == 0.0
    with pytest.warns(UserWarning, match="empty generator"):
        nn.utils.clip_grad_norm_((p for p in []), 1.0)
    model = nn.Linear(3, 2)
    model(netlab.ones(4, 3)).sum().backward()
    total = nn.utils.clip_grad_norm_(model.parameters(), 1.0, foreach=True)
    assert total.item() > 1.0
    assert abs(nn.utils.get_total_norm([p.grad for p in model.parameters()]).item() - 1.0) < 1e-5


def test_clip_grad_norm_nonfinite():
    ours, theirs = _params()
    ours[0].grad._array[0, 0] = np.inf
    theirs[0].grad[0, 0] = float("inf")
    with pytest.raises(RuntimeError) as e_ours:
        nn.utils.clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError) as e_theirs:
        torch.nn.utils.clip_grad_norm_(theirs, 1.0, error_if_nonfinite=True)
    assert str(e_ours.value) == str(e_theirs.value)
    tn = nn.utils.clip_grad_norm_(ours, 1.0)
    tt = torch.nn.utils.clip_grad_norm_(theirs, 1.0)
    assert_close(tn, tt)
    for p, t in zip(ours, theirs):
        assert_close(p.grad, t.grad)


def test_clip_grad_norm_deprecated_alias():
    ours, _ = _params()
    with pytest.warns(FutureWarning, match="clip_grad_norm_"):
        nn.utils.clip_grad_norm(ours, 1.0)


def test_clip_grad_value_matches_torch():
    ours, theirs = _params(scale=3.0)
    ours[2].grad = None
    theirs[2].grad = None
    assert nn.utils.clip_grad_value_(ours, 1.5) is None
    torch.nn.utils.clip_grad_value_(theirs, 1.5)
    for p, t in zip(ours, theirs):
        if t.grad is None:
            assert p.grad is None
        else:
            assert_close(p.grad, t.grad, 0, 0)
    nn.utils.clip_grad_value_(ours[0], 0.1)
    assert np.abs(ours[0].grad.numpy()).max() <= np.float32(0.1)


def test_parameters_to_vector_and_back():
    ours, theirs = _params()
    vn = nn.utils.parameters_to_vector(ours)
    vt = torch.nn.utils.parameters_to_vector(theirs)
    assert_close(vn, vt, 0, 0)
    vn.sum().backward()  # differentiable, as PyTorch (grads accumulate onto the preset ones)
    new = np.arange(vt.numel(), dtype=np.float32)
    nn.utils.vector_to_parameters(netlab.tensor(new), ours)
    torch.nn.utils.vector_to_parameters(torch.tensor(new), theirs)
    for p, t in zip(ours, theirs):
        assert_close(p, t, 0, 0)
        assert isinstance(p, nn.Parameter) and p.requires_grad
    with pytest.raises(TypeError) as e_ours:
        nn.utils.vector_to_parameters(new, ours)
    with pytest.raises(TypeError) as e_theirs:
        torch.nn.utils.vector_to_parameters(new, theirs)
    assert str(e_ours.value) == str(e_theirs.value)


def test_round_trip_through_a_model():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    vec = nn.utils.parameters_to_vector(model.parameters()).detach()
    assert vec.shape == (3 * 4 + 4 + 4 * 2 + 2,)
    nn.utils.vector_to_parameters(vec * 2, model.parameters())
    assert_close(nn.utils.parameters_to_vector(model.parameters()), vec * 2, 0, 0)
