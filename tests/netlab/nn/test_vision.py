"""PixelShuffle/PixelUnshuffle and Upsample/interpolate against PyTorch."""

import warnings

import numpy as np
import pytest

import netlab
import netlab.nn as nn
import netlab.nn.functional as F
from tests.netlab.parity import assert_close, gradcheck, gradgradcheck, same_error, torch

TF = torch.nn.functional
RNG = np.random.default_rng(11)


def _x(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


def _run(ours, theirs, x, rtol=1e-5, atol=1e-6):
    """Same output and input gradient (random upstream gradient) in train and eval; the empty
    state_dicts load into each other strictly."""
    ours.load_state_dict({k: netlab.from_numpy(v.numpy()) for k, v in
                          theirs.state_dict().items()}, strict=True)
    for train in (True, False):
        ours.train(train)
        theirs.train(train)
        xn = netlab.tensor(x, requires_grad=True)
        xt = torch.tensor(x, requires_grad=True)
        out_n, out_t = ours(xn), theirs(xt)
        assert_close(out_n, out_t, rtol, atol)
        up = RNG.standard_normal(tuple(out_t.shape)).astype(x.dtype)
        (out_n * netlab.tensor(up)).sum().backward()
        (out_t * torch.tensor(up)).sum().backward()
        assert_close(xn.grad, xt.grad, rtol, atol, msg="input grad")
    assert ours.output_shape(x.shape) == tuple(out_n.shape)


# --- PixelShuffle ----------------------------------------------------------------------------
@pytest.mark.parametrize("r,shape", [(2, (2, 8, 3, 4)), (3, (1, 9, 2, 2)), (1, (2, 3, 4, 4)),
                                     (2, (4, 5, 6)), (2, (2, 2, 4, 3, 3))])
def test_pixel_shuffle(r, shape):
    _run(nn.PixelShuffle(r), torch.nn.PixelShuffle(r), _x(*shape))


@pytest.mark.parametrize("r,shape", [(2, (2, 2, 6, 4)), (3, (1, 1, 6, 9)), (2, (3, 4, 4)),
                                     (2, (2, 2, 1, 4, 2))])
def test_pixel_unshuffle(r, shape):
    _run(nn.PixelUnshuffle(r), torch.nn.PixelUnshuffle(r), _x(*shape))


def test_pixel_shuffle_round_trip_and_grads():
    x = _x(2, 8, 3, 3, dtype=np.float64)
    assert np.array_equal(F.pixel_unshuffle(F.pixel_shuffle(netlab.tensor(x), 2), 2).numpy(), x)
    assert gradcheck(lambda t: F.pixel_shuffle(t, 2), x)
    assert gradgradcheck(lambda t: F.pixel_unshuffle(t, 3), _x(1, 1, 3, 6, dtype=np.float64))


@pytest.mark.parametrize("call", [
    lambda m, x: m.pixel_shuffle(x(_x(1, 5, 2, 2)), 2),
    lambda m, x: m.pixel_shuffle(x(_x(5, 2)), 2),
    lambda m, x: m.pixel_shuffle(x(_x(1, 4, 2, 2)), 0),
    lambda m, x: m.pixel_unshuffle(x(_x(1, 1, 3, 4)), 2),
    lambda m, x: m.pixel_unshuffle(x(_x(1, 1, 4, 3)), 2),
])
def test_pixel_shuffle_errors(call):
    same_error(lambda: call(F, netlab.tensor), lambda: call(TF, torch.tensor))


# --- Upsample / interpolate ------------------------------------------------------------------
UPSAMPLE = [
    (dict(scale_factor=2), (2, 3, 4, 5)),
    (dict(size=(7, 3)), (2, 3, 5, 5)),
    (dict(size=5), (2, 3, 5, 5)),
    (dict(size=(3, 4)), (1, 2, 7, 9)),
    (dict(scale_factor=1.5), (1, 2, 5, 7)),
    (dict(scale_factor=(2.5, 0.5)), (1, 2, 3, 6)),
    (dict(scale_factor=1.7, recompute_scale_factor=True), (1, 2, 5, 4)),
    (dict(size=(8, 8), mode="nearest-exact"), (1, 2, 5, 3)),
    (dict(scale_factor=1.5, mode="nearest-exact"), (1, 2, 5, 3)),
    (dict(scale_factor=2, mode="bilinear"), (2, 3, 4, 5)),
    (dict(scale_factor=2, mode="bilinear", align_corners=True), (2, 3, 4, 5)),
    (dict(size=(7, 3), mode="bilinear"), (2, 3, 5, 5)),
    (dict(size=(7, 3), mode="bilinear", align_corners=True), (2, 3, 5, 5)),
    (dict(size=(1, 6), mode="bilinear", align_corners=True), (1, 2, 4, 3)),
    (dict(scale_factor=(0.6, 1.3), mode="bilinear"), (1, 2, 5, 7)),
    (dict(size=(3, 4), mode="bilinear"), (1, 2, 7, 9)),
    (dict(scale_factor=2, mode="linear"), (2, 3, 5)),
    (dict(size=4, mode="linear", align_corners=True), (2, 3, 7)),
    (dict(size=11), (2, 3, 4)),
    (dict(size=(3, 2), mode="area"), (1, 2, 7, 5)),
    (dict(scale_factor=0.5, mode="area"), (1, 2, 8, 6)),
    (dict(size=3, mode="area"), (2, 2, 7)),
]


@pytest.mark.parametrize("kw,shape", UPSAMPLE)
def test_upsample(kw, shape):
    _run(nn.Upsample(**kw), torch.nn.Upsample(**kw), _x(*shape))


def test_upsample_float64():
    kw = dict(size=(7, 3), mode="bilinear")
    _run(nn.Upsample(**kw), torch.nn.Upsample(**kw), _x(1, 2, 5, 5, dtype=np.float64),
         rtol=1e-12, atol=1e-12)


def test_nearest_index_rule():
    # floor(i * in / out) in float32, e.g. 3 -> 8 picks 0 0 0 1 1 1 2 2
    y = F.interpolate(netlab.arange(3.0).reshape(1, 1, 3), size=8)
    assert y.flatten().tolist() == [0, 0, 0, 1, 1, 1, 2, 2]
    for n_in, n_out in [(7, 9), (9, 7), (10, 3), (3, 10), (13, 29)]:
        x = np.arange(n_in, dtype=np.float32).reshape(1, 1, n_in)
        assert_close(F.interpolate(netlab.tensor(x), size=n_out),
                     TF.interpolate(torch.tensor(x), size=n_out))


def test_upsampling_layers():
    x = _x(2, 3, 4, 5)
    _run(nn.UpsamplingNearest2d(scale_factor=2), torch.nn.UpsamplingNearest2d(scale_factor=2), x)
    _run(nn.UpsamplingBilinear2d(size=(5, 9)), torch.nn.UpsamplingBilinear2d(size=(5, 9)), x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_close(F.upsample_bilinear(netlab.tensor(x), scale_factor=2),
                     TF.upsample_bilinear(torch.tensor(x), scale_factor=2))
        assert_close(F.upsample_nearest(netlab.tensor(x), 7),
                     TF.upsample_nearest(torch.tensor(x), 7))
        assert_close(F.upsample(netlab.tensor(x), 7, mode="bilinear"),
                     TF.upsample(torch.tensor(x), 7, mode="bilinear"))


@pytest.mark.parametrize("kw", [dict(scale_factor=2), dict(size=(5, 3), mode="bilinear"),
                                dict(size=(5, 3), mode="bilinear", align_corners=True),
                                dict(scale_factor=1.5, mode="nearest-exact")])
def test_interpolate_gradcheck(kw):
    x = _x(1, 2, 3, 4, dtype=np.float64)
    assert gradcheck(lambda t: F.interpolate(t, **kw), x)
    assert gradgradcheck(lambda t: F.interpolate(t, **kw), x)


def test_interpolate_grad_fn_names():
    x = netlab.tensor(_x(1, 1, 2, 2), requires_grad=True)
    assert F.interpolate(x, scale_factor=2).grad_fn.name() == "UpsampleNearest2DBackward0"
    assert F.interpolate(x, scale_factor=2, mode="bilinear").grad_fn.name() == \
        "UpsampleBilinear2DBackward0"


X4 = _x(2, 3, 5, 5)
X3 = _x(2, 3, 5)


@pytest.mark.parametrize("call", [
    lambda m, x: m.interpolate(x(X4)),
    lambda m, x: m.interpolate(x(X4), size=3, scale_factor=2),
    lambda m, x: m.interpolate(x(X4), size=(3, 3, 3)),
    lambda m, x: m.interpolate(x(X4), scale_factor=(2, 2, 2)),
    lambda m, x: m.interpolate(x(X4), size=4, mode="linear"),
    lambda m, x: m.interpolate(x(X3), size=4, mode="bilinear"),
    lambda m, x: m.interpolate(x(X4), size=4, align_corners=True),
    lambda m, x: m.interpolate(x(X4), size=4, mode="foo"),
    lambda m, x: m.interpolate(x(X4), size=0),
    lambda m, x: m.interpolate(x(X4), scale_factor=0.1),
    lambda m, x: m.interpolate(x(X3), scale_factor=0.1, mode="linear"),
    lambda m, x: m.interpolate(x(_x(5, 5)), size=2),
    lambda m, x: m.interpolate(x(X4), size=3, recompute_scale_factor=True),
    lambda m, x: m.interpolate(x(X3), size=3, antialias=True),
])
def test_interpolate_errors(call):
    same_error(lambda: call(F, netlab.tensor), lambda: call(TF, torch.tensor))


@pytest.mark.parametrize("module,shape", [
    (nn.PixelShuffle(2), (1, 5, 2, 2)),
    (nn.PixelShuffle(2), (4, 2)),
    (nn.PixelUnshuffle(2), (1, 1, 3, 4)),
    (nn.Upsample(scale_factor=0.1), (1, 1, 5, 5)),
    (nn.Upsample(size=(2, 2, 2)), (1, 1, 5, 5)),
    (nn.Upsample(size=4, mode="bilinear"), (1, 1, 5)),
    (nn.Upsample(size=4), (5, 5)),
])
def test_output_shape_rejects_what_forward_rejects(module, shape):
    with pytest.raises(ValueError):
        module.output_shape(shape)
    with pytest.raises((RuntimeError, ValueError, NotImplementedError)):
        module(netlab.zeros(shape))


@pytest.mark.parametrize("make", [
    lambda m: m.PixelShuffle(2),
    lambda m: m.PixelUnshuffle(3),
    lambda m: m.Upsample(scale_factor=2),
    lambda m: m.Upsample(size=3, mode="bilinear", align_corners=True),
    lambda m: m.Upsample(size=(3, 4)),
    lambda m: m.Upsample(scale_factor=(2.0, 3.0)),
    lambda m: m.UpsamplingNearest2d(scale_factor=2),
    lambda m: m.UpsamplingBilinear2d(size=3),
])
def test_repr_matches_torch(make):
    assert repr(make(nn)) == repr(make(torch.nn))
