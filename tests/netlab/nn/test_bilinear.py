"""Bilinear and F.bilinear against PyTorch."""

import math

import numpy as np
import pytest

import netlab
import netlab.nn as nn
import netlab.nn.functional as F
from tests.netlab.parity import (
    assert_close,
    check_op,
    gradcheck,
    gradgradcheck,
    randn,
    same_error,
    torch,
)

CASES = [
    ((3, 4, 5), {}, (6, 3), (6, 4)),
    ((2, 2, 1), {}, (2, 3, 2), (2, 3, 2)),
    ((4, 3, 2), {"bias": False}, (5, 4), (5, 3)),
    ((3, 5, 4), {}, (3,), (5,)),
    ((3, 4, 2), {}, (0, 3), (0, 4)),
]


@pytest.mark.parametrize("args,kwargs,s1,s2", CASES)
def test_bilinear_matches_torch(args, kwargs, s1, s2):
    torch.manual_seed(0)
    theirs = torch.nn.Bilinear(*args, **kwargs)
    ours = nn.Bilinear(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    sd = theirs.state_dict()
    assert list(ours.state_dict()) == list(sd)
    assert [tuple(v.shape) for v in ours.state_dict().values()] == \
        [tuple(v.shape) for v in sd.values()]
    ours.load_state_dict({k: netlab.from_numpy(v.detach().numpy().copy())
                          for k, v in sd.items()})
    a, b = randn(*s1), randn(*s2)
    an, bn = netlab.tensor(a, requires_grad=True), netlab.tensor(b, requires_grad=True)
    at, bt = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    yn, yt = ours(an, bn), theirs(at, bt)
    assert_close(yn, yt)
    assert ours.output_shape(s1, s2) == tuple(yt.shape)
    up = randn(*yt.shape)
    (yn * netlab.tensor(up)).sum().backward()
    (yt * torch.from_numpy(up)).sum().backward()
    # sums over in1*in2 products of float32: 1e-5 relative plus a small absolute slack
    for x, y in [(an.grad, at.grad), (bn.grad, bt.grad)] + [
            (p.grad, q.grad) for p, q in zip(ours.parameters(), theirs.parameters())]:
        assert_close(x, y, 1e-5, 1e-5)


def test_bilinear_init_bounds():
    netlab.manual_seed(0)
    m = nn.Bilinear(16, 3, 40)
    bound = 1 / math.sqrt(16)
    for p in (m.weight, m.bias):
        v = np.abs(p.detach().numpy())
        assert v.max() <= bound and v.max() > 0.9 * bound


def test_bilinear_errors_match_torch():
    for s1, s2, w, b in [((2, 3), (2, 4), (5, 3, 3), None), ((2, 3), (3, 4), (5, 3, 4), None),
                         ((2, 3), (2, 4), (5, 3, 4), (4,)), ((2, 3), (2, 2, 4), (5, 3, 4), None),
                         ((2, 2), (2, 4), (5, 3, 4), None)]:
        nl_args = [netlab.ones(*s) for s in (s1, s2, w)] + ([netlab.ones(*b)] if b else [])
        th_args = [torch.ones(*s) for s in (s1, s2, w)] + ([torch.ones(*b)] if b else [])
        same_error(lambda a=nl_args: F.bilinear(*a),
                   lambda a=th_args: torch.nn.functional.bilinear(*a))
    m = nn.Bilinear(3, 4, 5)
    with pytest.raises(ValueError, match="in1_features=3"):
        m.output_shape((2, 4))
    with pytest.raises(ValueError, match="batch dimensions"):
        m.output_shape((2, 3), (3, 4))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_functional_bilinear(dtype):
    a, b = randn(4, 3, dtype=dtype), randn(4, 2, dtype=dtype)
    w, bias = randn(5, 3, 2, dtype=dtype), randn(5, dtype=dtype)
    check_op(F.bilinear, torch.nn.functional.bilinear, a, b, w, bias, rtol=1e-5, atol=1e-5)
    check_op(F.bilinear, torch.nn.functional.bilinear, a, b, w, rtol=1e-5, atol=1e-5)


def test_gradcheck_and_gradgradcheck_float64():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 2))
    w, bias = rng.standard_normal((2, 3, 2)), rng.standard_normal(2)
    assert gradcheck(F.bilinear, a, b, w, bias)
    assert gradgradcheck(F.bilinear, a, b, w, bias)
