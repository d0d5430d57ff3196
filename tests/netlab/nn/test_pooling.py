"""Pooling layers against PyTorch: outputs, indices, input gradients, errors, shapes, repr."""

import itertools

import numpy as np
import pytest

import netlab
import netlab.nn as nn
import netlab.nn.functional as F
from netlab.nn.functional.pooling import pool_output_size
from tests.netlab.parity import assert_close, gradcheck, gradgradcheck, same_error, torch

TF = torch.nn.functional
RNG = np.random.default_rng(7)


def _x(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


def _run(ours, theirs, x, rtol=1e-5, atol=1e-6):
    """Same output (and indices), same input gradient for a random upstream gradient, in train
    and eval; the (empty) state_dicts load into each other strictly."""
    sd = {k: netlab.from_numpy(v.detach().numpy().copy()) for k, v in
          theirs.state_dict().items()}
    ours.load_state_dict(sd, strict=True)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    out_n = None
    for train in (True, False):
        ours.train(train)
        theirs.train(train)
        xn = netlab.tensor(x, requires_grad=True)
        xt = torch.tensor(x, requires_grad=True)
        out_n, out_t = ours(xn), theirs(xt)
        if isinstance(out_t, tuple):
            assert out_n[1].dtype == netlab.int64
            np.testing.assert_array_equal(out_n[1].numpy(), out_t[1].numpy())
            out_n, out_t = out_n[0], out_t[0]
        assert_close(out_n, out_t, rtol, atol)
        up = RNG.standard_normal(tuple(out_t.shape)).astype(x.dtype)
        (out_n * netlab.tensor(up)).sum().backward()
        (out_t * torch.tensor(up)).sum().backward()
        assert_close(xn.grad, xt.grad, rtol, atol, msg="input grad")
    return out_n


def _check_shape(module, shape):
    out = module(netlab.tensor(_x(*shape)))
    out = out[0] if isinstance(out, tuple) else out
    assert module.output_shape(shape) == tuple(out.shape)


# --- MaxPool ---------------------------------------------------------------------------------
MAX2D = [
    (dict(kernel_size=2), (2, 3, 8, 8)),
    (dict(kernel_size=2), (2, 3, 7, 9)),
    (dict(kernel_size=3, stride=2, padding=1), (2, 3, 7, 7)),
    (dict(kernel_size=1, stride=2, ceil_mode=True), (1, 2, 6, 6)),  # L=6/k=1/s=2 ceil -> 3
    (dict(kernel_size=2, stride=2, padding=1, ceil_mode=True), (1, 2, 5, 5)),  # 5/2/2/p=1
    (dict(kernel_size=2, stride=3, ceil_mode=True), (2, 2, 7, 7)),
    (dict(kernel_size=3, stride=1, padding=1, dilation=2), (2, 2, 6, 7)),
    (dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 1), ceil_mode=True), (2, 3, 5, 6)),
    (dict(kernel_size=3, stride=2, dilation=(2, 1), ceil_mode=True), (1, 2, 8, 7)),
    (dict(kernel_size=6, stride=2, ceil_mode=True), (1, 1, 5, 5)),  # kernel > input, ceil
    (dict(kernel_size=2), (3, 6, 6)),  # unbatched
    (dict(kernel_size=2), (0, 3, 4, 4)),  # empty batch
]


@pytest.mark.parametrize("ri", [False, True])
@pytest.mark.parametrize("kw,shape", MAX2D)
def test_maxpool2d_parity(kw, shape, ri):
    ours, theirs = nn.MaxPool2d(**kw, return_indices=ri), torch.nn.MaxPool2d(**kw,
                                                                              return_indices=ri)
    _run(ours, theirs, _x(*shape))
    _check_shape(ours, shape)


def test_maxpool_ceil_edge_sizes():
    assert nn.MaxPool2d(1, 2, ceil_mode=True)(netlab.zeros(1, 1, 6, 6)).shape == (1, 1, 3, 3)
    assert nn.MaxPool1d(2, 2, 1, ceil_mode=True)(netlab.zeros(1, 1, 5)).shape == (1, 1, 3)
    assert pool_output_size(6, 1, 0, 2, 1, True) == 3
    assert pool_output_size(5, 2, 1, 2, 1, True) == 3


MAX1D = [
    (dict(kernel_size=2), (2, 3, 8)),
    (dict(kernel_size=3, stride=2, padding=1), (2, 3, 9)),
    (dict(kernel_size=1, stride=2, ceil_mode=True), (2, 3, 6)),
    (dict(kernel_size=2, stride=2, padding=1, ceil_mode=True), (2, 3, 5)),
    (dict(kernel_size=3, stride=1, padding=1, dilation=3), (2, 3, 10)),
    (dict(kernel_size=2), (3, 7)),  # unbatched
]


@pytest.mark.parametrize("ri", [False, True])
@pytest.mark.parametrize("kw,shape", MAX1D)
def test_maxpool1d_parity(kw, shape, ri):
    ours, theirs = nn.MaxPool1d(**kw, return_indices=ri), torch.nn.MaxPool1d(**kw,
                                                                              return_indices=ri)
    _run(ours, theirs, _x(*shape))
    _check_shape(ours, shape)


def test_maxpool2d_float64():
    _run(nn.MaxPool2d(3, 2, 1), torch.nn.MaxPool2d(3, 2, 1), _x(2, 2, 7, 7, dtype=np.float64),
         rtol=1e-12, atol=1e-12)


def _ties_and_nans():
    x = np.zeros((1, 2, 4, 6), np.float32)
    x[0, 0] = [[1, 1, 2, 2, 0, 0], [1, 1, 2, 2, 0, 0], [3, 3, 3, 3, 3, 3], [3, 3, 3, 3, 3, 3]]
    x[0, 1] = [[np.nan, 1, 5, np.nan, np.nan, 0], [1, np.nan, 1, 2, np.nan, np.nan],
               [-np.inf, -np.inf, np.inf, 1, -np.inf, np.nan],
               [-np.inf, -np.inf, np.inf, np.inf, 2, -np.inf]]
    return x


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1),
                                dict(kernel_size=2, stride=1, padding=1, ceil_mode=True),
                                dict(kernel_size=(2, 3), stride=2, dilation=(1, 2))])
@pytest.mark.parametrize("planes", [slice(0, 1), slice(0, 2)])  # ties alone, and with NaN
def test_maxpool_ties_first_and_nan_wins(kw, planes):
    x = np.ascontiguousarray(_ties_and_nans()[:, planes])
    yn, in_ = F.max_pool2d(netlab.tensor(x), return_indices=True, **kw)
    yt, it = TF.max_pool2d(torch.tensor(x), return_indices=True, **kw)
    np.testing.assert_array_equal(in_.numpy(), it.numpy())
    assert_close(yn, yt)
    # the gradient goes to the chosen element only
    xn, xt = netlab.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    F.max_pool2d(xn, **kw).sum().backward()
    TF.max_pool2d(xt, **kw).sum().backward()
    assert_close(xn.grad, xt.grad)


def test_maxpool_all_minus_inf_with_padding_points_inside():
    x = np.full((1, 1, 3, 3), -np.inf, np.float32)
    for kw in (dict(kernel_size=2, padding=1), dict(kernel_size=2, stride=2, padding=1,
                                                    ceil_mode=True)):
        _, in_ = F.max_pool2d(netlab.tensor(x), return_indices=True, **kw)
        _, it = TF.max_pool2d(torch.tensor(x), return_indices=True, **kw)
        np.testing.assert_array_equal(in_.numpy(), it.numpy())


def test_maxpool_integer_input():
    x = RNG.integers(-5, 5, (2, 3, 6, 5))
    yn, in_ = F.max_pool2d(netlab.tensor(x), 3, 2, 1, return_indices=True)
    yt, it = TF.max_pool2d(torch.tensor(x), 3, 2, 1, return_indices=True)
    assert yn.dtype == netlab.int64
    np.testing.assert_array_equal(yn.numpy(), yt.numpy())
    np.testing.assert_array_equal(in_.numpy(), it.numpy())


def test_maxpool_grad_fn_name():
    x = netlab.tensor(_x(1, 1, 4, 4), requires_grad=True)
    assert F.max_pool2d(x, 2).grad_fn.name() == "MaxPool2DWithIndicesBackward0"
    assert F.avg_pool2d(x, 2).grad_fn.name() == "AvgPool2DBackward0"


# --- MaxUnpool -------------------------------------------------------------------------------
@pytest.mark.parametrize("kw,shape,osize", [
    (dict(kernel_size=2), (2, 3, 8, 8), None),
    (dict(kernel_size=2), (2, 3, 7, 9), (7, 9)),
    (dict(kernel_size=3, stride=2, padding=1), (1, 2, 7, 7), None),
    (dict(kernel_size=3, stride=2, padding=1), (1, 2, 7, 7), (1, 2, 8, 8)),
    (dict(kernel_size=(2, 3), stride=(2, 1)), (3, 6, 6), None),  # unbatched
])
def test_maxunpool2d_round_trip(kw, shape, osize):
    x = _x(*shape)
    pool_n, pool_t = nn.MaxPool2d(**kw, return_indices=True), torch.nn.MaxPool2d(
        **kw, return_indices=True)
    un_n, un_t = nn.MaxUnpool2d(**kw), torch.nn.MaxUnpool2d(**kw)
    y, i = pool_n(netlab.tensor(x))
    yt, it = pool_t(torch.tensor(x))
    yn = netlab.tensor(y.numpy(), requires_grad=True)  # pooled values as new leaves
    ytt = torch.tensor(yt.numpy(), requires_grad=True)
    out_n, out_t = un_n(yn, i, osize), un_t(ytt, it, osize)
    assert_close(out_n, out_t)
    up = _x(*out_t.shape)
    (out_n * netlab.tensor(up)).sum().backward()
    (out_t * torch.tensor(up)).sum().backward()
    assert_close(yn.grad, ytt.grad)
    if osize is None:
        assert un_n.output_shape(tuple(y.shape)) == tuple(out_n.shape)
    # every pooled value sits at its index in the unpooled planes
    planes = out_n.detach().numpy().reshape(-1, out_n.shape[-2] * out_n.shape[-1])
    picked = np.take_along_axis(planes, i.numpy().reshape(planes.shape[0], -1), 1)
    np.testing.assert_array_equal(picked, y.numpy().reshape(planes.shape[0], -1))


def test_maxunpool1d_round_trip():
    x = _x(2, 3, 9)
    y, i = F.max_pool1d(netlab.tensor(x), 3, 2, 1, return_indices=True)
    yt, it = TF.max_pool1d(torch.tensor(x), 3, 2, 1, return_indices=True)
    assert_close(F.max_unpool1d(y, i, 3, 2, 1), TF.max_unpool1d(yt, it, 3, 2, 1))
    assert_close(nn.MaxUnpool1d(3, 2, 1)(y, i, (2, 3, 9)),
                 torch.nn.MaxUnpool1d(3, 2, 1)(yt, it, (2, 3, 9)))


# --- AvgPool ---------------------------------------------------------------------------------
AVG2D = [dict(kernel_size=k, stride=s, padding=p, ceil_mode=c, count_include_pad=cip,
              divisor_override=do)
         for (k, s), p, c, cip, do in itertools.product(((2, 3), (3, 2)), (0, 1), (False, True),
                                                        (True, False), (None, 3))]


@pytest.mark.parametrize("kw", AVG2D)
def test_avgpool2d_grid(kw):
    ours, theirs = nn.AvgPool2d(**kw), torch.nn.AvgPool2d(**kw)
    _run(ours, theirs, _x(2, 2, 7, 7))
    _check_shape(ours, (2, 2, 7, 7))


@pytest.mark.parametrize("kw,shape", [
    (dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 0), ceil_mode=True), (2, 3, 5, 6)),
    (dict(kernel_size=6, stride=2, ceil_mode=True), (1, 1, 5, 5)),
    (dict(kernel_size=3, padding=1, count_include_pad=False), (3, 8, 8)),
    (dict(kernel_size=2), (0, 2, 4, 4)),
])
def test_avgpool2d_more(kw, shape):
    ours = nn.AvgPool2d(**kw)
    _run(ours, torch.nn.AvgPool2d(**kw), _x(*shape))
    _check_shape(ours, shape)


def test_avgpool_divisor_example_from_notes():
    x = netlab.arange(49.0).reshape(1, 1, 7, 7)
    y = F.avg_pool2d(x, 2, 3, ceil_mode=True, count_include_pad=True)
    assert y[0, 0, 0].tolist() == [4.0, 7.0, 9.5]


def test_avgpool_integer_truncates_like_torch():
    x = np.arange(-25, 25).reshape(1, 2, 5, 5)
    for cm in (False, True):
        yn = F.avg_pool2d(netlab.tensor(x), 2, ceil_mode=cm)
        yt = TF.avg_pool2d(torch.tensor(x), 2, ceil_mode=cm)
        assert yn.dtype == netlab.int64
        np.testing.assert_array_equal(yn.numpy(), yt.numpy())


@pytest.mark.parametrize("kw,shape", [
    (dict(kernel_size=2), (2, 3, 8)),
    (dict(kernel_size=3, stride=2, padding=1), (2, 3, 9)),
    (dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
     (2, 3, 8)),
    (dict(kernel_size=2, stride=3, ceil_mode=True), (2, 3, 7)),
    (dict(kernel_size=2), (3, 7)),
])
def test_avgpool1d_parity(kw, shape):
    ours = nn.AvgPool1d(**kw)
    _run(ours, torch.nn.AvgPool1d(**kw), _x(*shape))
    _check_shape(ours, shape)


# --- adaptive pools --------------------------------------------------------------------------
ADAPT2D = [3, (4, 5), (None, 3), (3, None), 1, (1, 1), (7, 10), (2, 9), (5, 1)]


@pytest.mark.parametrize("o", ADAPT2D)
def test_adaptive_avg_pool2d(o):
    ours = nn.AdaptiveAvgPool2d(o)
    _run(ours, torch.nn.AdaptiveAvgPool2d(o), _x(2, 3, 7, 9))
    _check_shape(ours, (2, 3, 7, 9))
    _check_shape(ours, (3, 7, 9))


@pytest.mark.parametrize("ri", [False, True])
@pytest.mark.parametrize("o", ADAPT2D)
def test_adaptive_max_pool2d(o, ri):
    ours = nn.AdaptiveMaxPool2d(o, ri)
    _run(ours, torch.nn.AdaptiveMaxPool2d(o, ri), _x(2, 3, 7, 9))
    _check_shape(ours, (2, 3, 7, 9))


@pytest.mark.parametrize("o,shape", [(3, (2, 3, 7)), (4, (2, 3, 8)), (9, (2, 3, 5)), (2, (3, 5))])
def test_adaptive_pool1d(o, shape):
    _run(nn.AdaptiveAvgPool1d(o), torch.nn.AdaptiveAvgPool1d(o), _x(*shape))
    _run(nn.AdaptiveMaxPool1d(o, True), torch.nn.AdaptiveMaxPool1d(o, True), _x(*shape))
    _check_shape(nn.AdaptiveAvgPool1d(o), shape)


@pytest.mark.parametrize("o", [(3, 4), (2, 3), 1])
def test_adaptive_unbatched(o):
    _run(nn.AdaptiveMaxPool2d(o, True), torch.nn.AdaptiveMaxPool2d(o, True), _x(3, 6, 8))
    _run(nn.AdaptiveAvgPool2d(o), torch.nn.AdaptiveAvgPool2d(o), _x(3, 6, 8))


def test_adaptive_max_ties_and_nan():
    x = _ties_and_nans()
    for o in (1, 2, (3, 4)):
        yn, in_ = F.adaptive_max_pool2d(netlab.tensor(x), o, return_indices=True)
        yt, it = TF.adaptive_max_pool2d(torch.tensor(x), o, return_indices=True)
        np.testing.assert_array_equal(in_.numpy(), it.numpy())
        assert_close(yn, yt)


def test_adaptive_zero_output_size():
    x = netlab.tensor(_x(2, 3, 4, 4))
    assert F.adaptive_avg_pool2d(x, (0, 2)).shape == (2, 3, 0, 2)
    assert F.adaptive_max_pool2d(x, (0, 2)).shape == (2, 3, 0, 2)


# --- gradcheck (float64, finite differences) and double backward -----------------------------
@pytest.mark.parametrize("fn,shape", [
    (lambda x: F.max_pool2d(x, 3, 2, 1), (1, 2, 5, 5)),
    (lambda x: F.max_pool2d(x, (2, 3), 1, (1, 1), (1, 2), True), (1, 1, 4, 6)),
    (lambda x: F.max_pool1d(x, 2, 1, 1, ceil_mode=True), (2, 2, 5)),
    (lambda x: F.avg_pool2d(x, 3, 2, 1, True, False), (1, 2, 6, 6)),
    (lambda x: F.avg_pool2d(x, 2, 3, 0, True, True, 3), (1, 1, 7, 7)),
    (lambda x: F.avg_pool1d(x, 3, 2, 1, True), (2, 2, 6)),
    (lambda x: F.adaptive_avg_pool2d(x, (3, 2)), (1, 2, 5, 7)),
    (lambda x: F.adaptive_max_pool2d(x, (3, 2)), (1, 2, 5, 7)),
    (lambda x: F.adaptive_avg_pool1d(x, 4), (2, 2, 6)),
])
def test_gradcheck_and_gradgradcheck(fn, shape):
    x = _x(*shape, dtype=np.float64)
    assert gradcheck(fn, x)
    assert gradgradcheck(fn, x)


def test_max_unpool_gradcheck():
    x = _x(1, 2, 6, 6, dtype=np.float64)
    _, i = F.max_pool2d(netlab.tensor(x), 2, return_indices=True)
    y = _x(1, 2, 3, 3, dtype=np.float64)
    assert gradcheck(lambda t: F.max_unpool2d(t, i, 2), y)
    assert gradgradcheck(lambda t: F.max_unpool2d(t, i, 2), y)


def test_maxpool_double_backward_matches_torch():
    x = _x(1, 2, 5, 5, dtype=np.float64)
    xn, xt = netlab.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    gn = netlab.tensor(_x(1, 2, 3, 3, dtype=np.float64), requires_grad=True)
    gt = torch.tensor(gn.detach().numpy(), requires_grad=True)
    (dn,) = netlab.autograd.grad(F.max_pool2d(xn, 3, 2, 1), xn, gn, create_graph=True)
    (dt,) = torch.autograd.grad(TF.max_pool2d(xt, 3, 2, 1), xt, gt, create_graph=True)
    w = _x(1, 2, 5, 5, dtype=np.float64)
    (dn * netlab.tensor(w)).sum().backward()
    (dt * torch.tensor(w)).sum().backward()
    assert_close(gn.grad, gt.grad)


# --- errors ----------------------------------------------------------------------------------
X4 = _x(2, 3, 5, 5)
X3 = _x(2, 3, 5)


@pytest.mark.parametrize("call", [
    lambda m, x: m.max_pool2d(x(X4), 2, padding=2),
    lambda m, x: m.max_pool2d(x(X4), 3, padding=2, dilation=2),
    lambda m, x: m.max_pool2d(x(X4), 0),
    lambda m, x: m.max_pool2d(x(X4), 0, 1),
    lambda m, x: m.max_pool2d(x(X4), 2, -1),
    lambda m, x: m.max_pool2d(x(X4), 2, 1, -1),
    lambda m, x: m.max_pool2d(x(X4), 2, dilation=0),
    lambda m, x: m.max_pool2d(x(X4), 6),
    lambda m, x: m.max_pool2d(x(_x(5, 5)), 2),
    lambda m, x: m.max_pool2d(x(_x(2, 0, 5, 5)), 2),
    lambda m, x: m.max_pool2d(x(X4), (2, 2, 2)),
    lambda m, x: m.max_pool1d(x(X3), 2, padding=2),
    lambda m, x: m.max_pool1d(x(X3), 6),
    lambda m, x: m.max_pool1d(x(_x(5)), 2),
    lambda m, x: m.max_pool1d(x(X3), 0, 1),
    lambda m, x: m.max_pool1d(x(X3), 2, 0),
    lambda m, x: m.max_pool1d(x(X3), (2, 2)),
    lambda m, x: m.avg_pool2d(x(X4), 2, padding=2),
    lambda m, x: m.avg_pool2d(x(X4), 6),
    lambda m, x: m.avg_pool2d(x(X4), 2, divisor_override=0),
    lambda m, x: m.avg_pool2d(x(X4), 2, padding=(1, 1, 1)),
    lambda m, x: m.avg_pool2d(x(_x(2, 0, 5, 5)), 2),
    lambda m, x: m.avg_pool1d(x(X3), 6),
    lambda m, x: m.avg_pool1d(x(_x(5)), 2),
    lambda m, x: m.avg_pool1d(x(X3), (2, 2)),
    lambda m, x: m.adaptive_avg_pool2d(x(_x(5)), 2),
    lambda m, x: m.adaptive_avg_pool2d(x(X4), (2, 2, 2)),
    lambda m, x: m.adaptive_avg_pool2d(x(X4), -1),
    lambda m, x: m.adaptive_max_pool2d(x(_x(5)), 2),
    lambda m, x: m.adaptive_avg_pool2d(x(_x(2, 3, 0, 4)), 2),
    lambda m, x: m.adaptive_max_pool2d(x(_x(2, 3, 0, 4)), 2),
    lambda m, x: m.adaptive_avg_pool1d(x(X3), (2, 2)),
])
def test_errors_match_torch(call):
    same_error(lambda: call(F, netlab.tensor), lambda: call(TF, torch.tensor))


def test_unpool_errors_match_torch():
    yn, i_n = F.max_pool2d(netlab.tensor(X4), 2, return_indices=True)
    yt, it = TF.max_pool2d(torch.tensor(X4), 2, return_indices=True)
    for args in [(2, None, 0, (7, 7)), (2, None, 0, (3,))]:
        same_error(lambda a=args: F.max_unpool2d(yn, i_n, *a),
                   lambda a=args: TF.max_unpool2d(yt, it, *a))
    # which invalid index PyTorch reports depends on its threads: compare the message's start
    with pytest.raises(RuntimeError, match=r"^Found an invalid max index: \d+ \(output volumes "
                                           r"are of size 6x6\)$"):
        F.max_unpool2d(yn, i_n * 10, 3)
    same_error(lambda: F.max_unpool2d(yn, i_n.float(), 2),
               lambda: TF.max_unpool2d(yt, it.float(), 2))
    same_error(lambda: F.max_unpool2d(yn[:, :, :, :1], i_n, 2),
               lambda: TF.max_unpool2d(yt[:, :, :, :1], it, 2))


# --- output_shape, repr ----------------------------------------------------------------------
@pytest.mark.parametrize("module,shape", [
    (nn.MaxPool2d(6), (1, 3, 5, 5)),
    (nn.MaxPool2d(2, padding=2), (1, 3, 5, 5)),
    (nn.MaxPool2d(2), (5, 5)),
    (nn.MaxPool2d(2), (1, 0, 5, 5)),
    (nn.MaxPool1d(6), (1, 3, 5)),
    (nn.AvgPool2d(3, padding=2), (1, 3, 5, 5)),
    (nn.AvgPool1d(4), (2, 3)),
    (nn.AdaptiveAvgPool2d((2, 2, 2)), (1, 3, 5, 5)),
    (nn.AdaptiveMaxPool2d(-1), (1, 3, 5, 5)),
    (nn.MaxUnpool2d(2), (5, 5)),
])
def test_output_shape_rejects_what_forward_rejects(module, shape):
    with pytest.raises(ValueError):
        module.output_shape(shape)
    with pytest.raises((RuntimeError, IndexError, ValueError)):
        args = (netlab.zeros(shape, dtype=netlab.int64),) if isinstance(module, nn.MaxUnpool2d) \
            else ()
        module(netlab.zeros(shape), *args)


def test_output_shape_message():
    with pytest.raises(ValueError, match="kernel size 6 is larger than the padded input 5"):
        nn.MaxPool2d(6).output_shape((1, 3, 5, 5))


@pytest.mark.parametrize("make", [
    lambda m: m.MaxPool2d(2),
    lambda m: m.MaxPool2d((2, 3), 1, (1, 0), 2, True, True),
    lambda m: m.MaxPool1d(3, ceil_mode=True),
    lambda m: m.AvgPool2d(2),
    lambda m: m.AvgPool2d(3, 2, 1, True, False, 2),
    lambda m: m.AvgPool1d(3),
    lambda m: m.AvgPool1d(3, 2, 1, True, False),
    lambda m: m.MaxUnpool2d(2),
    lambda m: m.MaxUnpool2d((2, 3), (1, 2), 1),
    lambda m: m.MaxUnpool1d(2),
    lambda m: m.AdaptiveAvgPool2d((None, 3)),
    lambda m: m.AdaptiveAvgPool2d(2),
    lambda m: m.AdaptiveMaxPool2d(2, True),
    lambda m: m.AdaptiveAvgPool1d(3),
    lambda m: m.AdaptiveMaxPool1d(3),
    lambda m: m.Sequential(m.MaxPool2d(2), m.AvgPool2d(2)),
])
def test_repr_matches_torch(make):
    assert repr(make(nn)) == repr(make(torch.nn))
