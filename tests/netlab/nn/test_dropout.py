"""Dropout and Dropout2d: scaling, masks (statistics and injection), eval, errors, seeding."""

import warnings

import numpy as np
import pytest

import netlab
import netlab.nn as nn
import netlab.nn.functional as F
from tests.netlab.parity import assert_close, gradcheck, randn, same_error, torch

TF = torch.nn.functional


def _mask_from_output(y, x, p):
    """The scaled keep-mask that produced ``y`` from ``x`` (x has no zeros)."""
    return (y.detach().numpy() != 0).astype(np.float32) / np.float32(1 - p)


@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_dropout_matches_torch_given_the_same_mask(p):
    # inject netlab's mask into torch: torch(x * mask) is what F.dropout computes
    x = randn(64, 33)
    up = randn(64, 33)
    xn = netlab.tensor(x, requires_grad=True)
    yn = F.dropout(xn, p)
    mask = _mask_from_output(yn, x, p)
    xt = torch.tensor(x, requires_grad=True)
    yt = xt * torch.from_numpy(mask)
    assert_close(yn, yt)
    (yn * netlab.tensor(up)).sum().backward()
    (yt * torch.from_numpy(up)).sum().backward()
    assert_close(xn.grad, xt.grad)
    assert yn.grad_fn.name() == "NativeDropoutBackward0"


@pytest.mark.parametrize("p", [0.1, 0.5, 0.75])
def test_dropout_statistics(p):
    netlab.manual_seed(3)
    y = nn.Dropout(p)(netlab.ones(200, 500))
    vals = np.unique(y.numpy())
    np.testing.assert_allclose(vals, [0.0, 1 / (1 - p)], rtol=1e-6)
    drop = float((y == 0).float().mean())
    assert abs(drop - p) < 4 * np.sqrt(p * (1 - p) / y.numel())
    assert abs(float(y.mean()) - 1.0) < 0.02  # expectation is preserved


def test_dropout_is_identity_in_eval_and_for_p0_and_reproducible_with_seed():
    x = netlab.randn(4, 5)
    m = nn.Dropout(0.5).eval()
    assert m(x) is x
    assert F.dropout(x, 0.0) is x
    assert F.dropout(x, 0.5, training=False) is x
    netlab.manual_seed(11)
    a = F.dropout(x, 0.5)
    netlab.manual_seed(11)
    b = F.dropout(x, 0.5)
    assert a.tolist() == b.tolist()
    c = F.dropout(x, 0.5)
    assert a.tolist() != c.tolist()


def test_dropout_p1_zeros_and_keeps_graph():
    x = netlab.randn(3, 4, requires_grad=True)
    y = F.dropout(x, 1.0)
    assert y.abs().sum().item() == 0
    y.sum().backward()
    assert x.grad.abs().sum().item() == 0
    xt = torch.randn(3, 4, requires_grad=True)
    TF.dropout(xt, 1.0).sum().backward()
    assert xt.grad.abs().sum().item() == 0


def test_dropout_inplace():
    x = netlab.ones(50, 40)
    y = nn.Dropout(0.5, inplace=True)(x)
    assert y is x
    assert set(np.unique(x.numpy()).tolist()) == {0.0, 2.0}
    leaf = netlab.ones(3, requires_grad=True)
    h = leaf * 1
    out = F.dropout(h, 0.5, inplace=True)
    out.sum().backward()
    np.testing.assert_allclose(leaf.grad.numpy(), out.detach().numpy())


def test_dropout_errors_and_repr_match_torch():
    same_error(lambda: nn.Dropout(1.5), lambda: torch.nn.Dropout(1.5))
    same_error(lambda: F.dropout(netlab.ones(2), -0.1), lambda: TF.dropout(torch.ones(2), -0.1))
    same_error(lambda: nn.Dropout2d(2), lambda: torch.nn.Dropout2d(2))
    for args in [(), (0.2,), (0.3, True)]:
        assert repr(nn.Dropout(*args)) == repr(torch.nn.Dropout(*args))
        assert repr(nn.Dropout2d(*args)) == repr(torch.nn.Dropout2d(*args))
    assert list(nn.Dropout().state_dict()) == []


@pytest.mark.parametrize("shape", [(4, 6, 3, 5), (4, 6, 7)])
def test_dropout2d_drops_whole_channels_matching_torch_given_the_mask(shape):
    x = randn(*shape) + 10.0  # no zeros, so the mask can be read off the output
    p = 0.4
    xn = netlab.tensor(x, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yn = F.dropout2d(xn, p)
    mask = _mask_from_output(yn, x, p)
    per_channel = mask.reshape(shape[0], shape[1], -1)
    assert (per_channel == per_channel[:, :, :1]).all()  # one decision per (n, c)
    xt = torch.tensor(x, requires_grad=True)
    yt = xt * torch.from_numpy(mask)
    assert_close(yn, yt)
    up = randn(*shape)
    (yn * netlab.tensor(up)).sum().backward()
    (yt * torch.from_numpy(up)).sum().backward()
    assert_close(xn.grad, xt.grad)


def test_dropout2d_statistics_eval_and_warnings():
    netlab.manual_seed(0)
    y = nn.Dropout2d(0.3)(netlab.ones(100, 50, 2, 2))
    kept = (y.sum((2, 3)) != 0).float().mean().item()
    assert abs(kept - 0.7) < 4 * np.sqrt(0.21 / 5000)
    assert set(np.unique(y.numpy()).tolist()) == {0.0, np.float32(1 / 0.7).item()}
    x = netlab.ones(2, 3, 4, 4)
    assert nn.Dropout2d().eval()(x) is x
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        nn.Dropout2d()(netlab.ones(2, 3, 4))
    with pytest.warns(UserWarning, match="Received a 5-D input to dropout2d"):
        F.dropout2d(netlab.ones(2, 3, 4, 1, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.Dropout2d()(netlab.ones(2, 3, 4, 4))


def test_gradcheck_float64_with_fixed_seed():
    x = np.random.default_rng(0).standard_normal((3, 4))

    def fn(t):
        netlab.manual_seed(5)  # the same mask on every evaluation of the finite differences
        return F.dropout(t, 0.3)

    assert gradcheck(fn, x)

    def fn2(t):
        netlab.manual_seed(5)
        return F.dropout2d(t, 0.5)

    assert gradcheck(fn2, np.random.default_rng(1).standard_normal((2, 3, 2, 2)))
