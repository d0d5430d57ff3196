"""Conv1d, Conv2d, ConvTranspose1d/2d and their functional forms against PyTorch."""

import math

import numpy as np
import pytest

import netlab
import netlab.nn as nn
import netlab.nn.functional as F
from tests.netlab.parity import assert_close, gradcheck, gradgradcheck, same_error, torch

TF = torch.nn.functional
# torch warns that it pads a copy for 'same' with even kernels; netlab pads asymmetrically too
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")

# float32 conv parity uses rtol/atol 1e-4: im2col + GEMM sums the C*k*k products in another
# order than PyTorch's direct kernels, and the sums here run over up to a few hundred terms.
RTOL, ATOL = 1e-4, 1e-4

# (class, positional args, keyword args, input shape)
CASES = [
    ("Conv2d", (3, 6, 5), {}, (4, 3, 12, 12)),
    ("Conv2d", (3, 4, 3), {"stride": 2, "padding": 1}, (2, 3, 9, 8)),
    ("Conv2d", (3, 4, (3, 2)), {"stride": (2, 1), "padding": (1, 0)}, (2, 3, 9, 7)),
    ("Conv2d", (2, 4, 3), {"padding": "same"}, (2, 2, 7, 6)),
    ("Conv2d", (2, 4, (4, 2)), {"padding": "same", "dilation": (1, 2)}, (2, 2, 7, 6)),
    ("Conv2d", (2, 3, 4), {"padding": "valid", "bias": False}, (2, 2, 7, 6)),
    ("Conv2d", (2, 3, 3), {"dilation": 2, "padding": 2}, (2, 2, 9, 9)),
    ("Conv2d", (4, 6, 3), {"groups": 2, "padding": 1}, (2, 4, 6, 6)),
    ("Conv2d", (4, 8, 3), {"groups": 4, "stride": 2, "bias": False}, (2, 4, 7, 7)),  # depthwise
    ("Conv2d", (3, 4, 3), {"padding": 2, "padding_mode": "reflect"}, (2, 3, 6, 5)),
    ("Conv2d", (3, 4, 3), {"padding": (1, 2), "padding_mode": "replicate"}, (2, 3, 6, 5)),
    ("Conv2d", (3, 4, 3), {"padding": 2, "padding_mode": "circular", "stride": 2}, (2, 3, 6, 5)),
    ("Conv2d", (3, 4, 4), {"padding": "same", "padding_mode": "reflect"}, (2, 3, 6, 5)),
    ("Conv2d", (3, 4, 2), {"padding": "same", "padding_mode": "circular"}, (3, 6, 5)),
    ("Conv2d", (3, 4, 3), {"padding": 1}, (3, 5, 5)),  # unbatched
    ("Conv2d", (3, 5, 1), {}, (2, 3, 4, 4)),  # 1x1
    ("Conv2d", (3, 4, 3), {}, (0, 3, 5, 5)),  # empty batch
    ("Conv1d", (3, 5, 3), {}, (2, 3, 10)),
    ("Conv1d", (4, 6, 4), {"padding": "same", "dilation": 3, "groups": 2}, (2, 4, 11)),
    ("Conv1d", (3, 5, 3), {"stride": 3, "padding": 2, "bias": False}, (2, 3, 10)),
    ("Conv1d", (3, 5, 3), {"padding": 2, "padding_mode": "reflect"}, (3, 10)),
    ("ConvTranspose2d", (4, 3, 3), {}, (2, 4, 5, 5)),
    ("ConvTranspose2d", (4, 3, 3), {"stride": 2, "padding": 1, "output_padding": 1},
     (2, 4, 5, 4)),
    ("ConvTranspose2d", (4, 6, (3, 2)), {"stride": (2, 3), "padding": (1, 0),
                                         "output_padding": (0, 2), "groups": 2}, (2, 4, 4, 5)),
    ("ConvTranspose2d", (4, 2, 3), {"stride": 2, "dilation": 3, "output_padding": 2,
                                    "bias": False}, (2, 4, 3, 4)),
    ("ConvTranspose2d", (4, 4, 3), {"groups": 4, "padding": 2}, (4, 5, 6)),  # depthwise, unbatched
    ("ConvTranspose1d", (3, 2, 4), {"stride": 3, "padding": 1, "output_padding": 2},
     (2, 3, 6)),
]


def _ids(case):
    cls, args, kw, shape = case
    return f"{cls}{args}{kw}{shape}".replace(" ", "")


def _pair(case):
    cls, args, kw, _ = case
    torch.manual_seed(0)
    theirs = getattr(torch.nn, cls)(*args, **kw)
    ours = getattr(nn, cls)(*args, **kw)
    state = {k: netlab.from_numpy(v.detach().numpy().copy())
             for k, v in theirs.state_dict().items()}
    ours.load_state_dict(state, strict=True)
    return ours, theirs


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_layer_matches_torch(case):
    ours, theirs = _pair(case)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [tuple(v.shape) for v in ours.state_dict().values()] == \
        [tuple(v.shape) for v in theirs.state_dict().values()]
    assert repr(ours) == repr(theirs)
    rng = np.random.default_rng(1)
    x = rng.standard_normal(case[3]).astype(np.float32)
    for train in (True, False):
        ours.train(train)
        theirs.train(train)
        xn = netlab.from_numpy(x.copy()).requires_grad_()
        xt = torch.from_numpy(x.copy()).requires_grad_()
        yn, yt = ours(xn), theirs(xt)
        assert_close(yn, yt, RTOL, ATOL, msg="output")
        assert ours.output_shape(case[3]) == tuple(yt.shape)
        up = rng.standard_normal(tuple(yt.shape)).astype(np.float32)
        (yn * netlab.from_numpy(up)).sum().backward()
        (yt * torch.from_numpy(up)).sum().backward()
        assert_close(xn.grad, xt.grad, RTOL, ATOL, msg="input grad")
        for (name, pn), (_, pt) in zip(ours.named_parameters(), theirs.named_parameters()):
            assert_close(pn.grad, pt.grad, RTOL, ATOL, msg=f"grad of {name}")
        ours.zero_grad()
        theirs.zero_grad()


@pytest.mark.parametrize("case", [CASES[1], CASES[8], CASES[22]], ids=_ids)
def test_training_steps_match_torch(case):
    ours, theirs = _pair(case)
    opt_n = netlab.optim.SGD(ours.parameters(), lr=0.1)
    opt_t = torch.optim.SGD(theirs.parameters(), lr=0.1)
    x = np.random.default_rng(2).standard_normal(case[3]).astype(np.float32)
    for _ in range(3):
        for model, opt, lib in ((ours, opt_n, netlab), (theirs, opt_t, torch)):
            opt.zero_grad()
            (model(lib.from_numpy(x)) ** 2).mean().backward()
            opt.step()
    for (name, pn), (_, pt) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert_close(pn, pt, RTOL, ATOL, msg=name)


def test_functional_float64_matches_torch_exactly():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 6, 9, 8))
    w = rng.standard_normal((6, 2, 3, 4))
    b = rng.standard_normal(6)
    kw = {"stride": (2, 1), "padding": (2, 1), "dilation": (1, 2), "groups": 3}
    yn = F.conv2d(netlab.from_numpy(x), netlab.from_numpy(w), netlab.from_numpy(b), **kw)
    yt = TF.conv2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), **kw)
    assert_close(yn, yt, 1e-10, 1e-10)
    assert yn.dtype == netlab.float64
    wt = rng.standard_normal((6, 1, 3, 3))
    kw = {"stride": 2, "padding": 1, "output_padding": 1, "groups": 3, "dilation": 2}
    zn = F.conv_transpose2d(netlab.from_numpy(x), netlab.from_numpy(wt), None, **kw)
    zt = TF.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(wt), None, **kw)
    assert_close(zn, zt, 1e-10, 1e-10)


def test_batch_blocks_non_contiguous_and_integer_inputs(monkeypatch):
    from netlab.nn.functional import _im2col

    rng = np.random.default_rng(9)
    x = rng.standard_normal((3, 7, 6, 4))  # permuted below: a non-contiguous (3, 4, 7, 6) view
    w = rng.standard_normal((6, 2, 3, 2))
    ref = [None, None]
    for run in range(2):
        if run:
            monkeypatch.setattr(_im2col, "_COLS_BYTES", 1)  # one sample per block
        res = []
        for lib, f in ((netlab, F), (torch, TF)):
            xt = lib.from_numpy(x.copy()).permute(0, 3, 1, 2).requires_grad_()
            wt = lib.from_numpy(w.copy()).requires_grad_()
            y = f.conv2d(xt, wt, stride=(1, 2), padding=1, groups=2)
            z = f.conv_transpose2d(y, wt, stride=2, groups=2)
            (z * z).sum().backward()
            res.append([z.detach().numpy(), xt.grad.numpy(), wt.grad.numpy()])
        for a, b in zip(*res):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)
        ref[run] = res[0]
    for a, b in zip(*ref):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    xi, wi = np.arange(2 * 6 * 6).reshape(2, 1, 6, 6) % 7, np.arange(36).reshape(4, 1, 3, 3)
    out = F.conv2d(netlab.from_numpy(xi), netlab.from_numpy(wi), padding=1)
    want = TF.conv2d(torch.from_numpy(xi), torch.from_numpy(wi), padding=1)
    assert out.dtype == netlab.int64 and np.array_equal(out.numpy(), want.numpy())


def test_conv_input_grad_is_conv_transpose_of_output_grad():
    rng = np.random.default_rng(4)
    x = netlab.from_numpy(rng.standard_normal((2, 3, 9, 9))).requires_grad_()
    w = netlab.from_numpy(rng.standard_normal((4, 3, 3, 3)))
    y = F.conv2d(x, w, stride=2, padding=1)
    assert y.grad_fn.name() == "ConvolutionBackward0"
    g = netlab.from_numpy(rng.standard_normal(tuple(y.shape)))
    y.backward(g)
    assert_close(x.grad, F.conv_transpose2d(g, w, stride=2, padding=1, output_padding=0),
                 1e-12, 1e-12, check_dtype=False)


def test_conv_transpose_output_size_argument():
    torch.manual_seed(0)
    theirs = torch.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    ours = nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    ours.load_state_dict({k: netlab.from_numpy(v.detach().numpy().copy())
                          for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(5).standard_normal((1, 3, 4, 5)).astype(np.float32)
    for size in ((8, 9), (7, 10), (1, 2, 8, 10)):
        yn = ours(netlab.from_numpy(x), output_size=size)
        yt = theirs(torch.from_numpy(x), output_size=size)
        assert_close(yn, yt, RTOL, ATOL)
        assert ours.output_shape(x.shape, output_size=size) == tuple(yt.shape)
    same_error(lambda: ours(netlab.from_numpy(x), output_size=(20, 20)),
               lambda: theirs(torch.from_numpy(x), output_size=(20, 20)))
    same_error(lambda: ours(netlab.from_numpy(x), output_size=(2, 3, 4)),
               lambda: theirs(torch.from_numpy(x), output_size=(2, 3, 4)))


@pytest.mark.parametrize("cls, args, kw, fan_in", [
    ("Conv2d", (16, 32, 3), {}, 16 * 9),
    ("Conv2d", (16, 32, (3, 5)), {"groups": 4}, 4 * 15),
    ("Conv1d", (8, 64, 7), {}, 8 * 7),
    ("ConvTranspose2d", (12, 64, 3), {"groups": 4}, 16 * 9),  # out/groups * k * k
    ("ConvTranspose2d", (64, 8, 4), {}, 8 * 16),
])
def test_default_init_bounds(cls, args, kw, fan_in):
    m = getattr(nn, cls)(*args, **kw)
    bound = 1 / math.sqrt(fan_in)
    w, b = m.weight.detach().numpy(), np.abs(m.bias.detach().numpy())
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert b.max() <= bound and b.max() > 0.5 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.1 * bound  # uniform, not normal
    assert tuple(m.weight.shape) == tuple(getattr(torch.nn, cls)(*args, **kw).weight.shape)


def test_dtype_and_device_arguments():
    m = nn.Conv2d(2, 3, 3, dtype=netlab.float64, device="cpu")
    assert m.weight.dtype == netlab.float64 and m.bias.dtype == netlab.float64
    assert m(netlab.ones(1, 2, 4, 4, dtype=netlab.float64)).dtype == netlab.float64


def _e(x_shape, w_shape, fn="conv2d", b_shape=None, x_dtype="float32", w_dtype="float32", **kw):
    def run(lib):
        f = getattr(F if lib is netlab else TF, fn)
        x = lib.zeros(*x_shape, dtype=getattr(lib, x_dtype))
        w = lib.zeros(*w_shape, dtype=getattr(lib, w_dtype))
        b = None if b_shape is None else lib.zeros(*b_shape, dtype=lib.float64)
        return f(x, w, b, **kw)
    return run


ERRORS = [
    _e((1, 4, 32, 32), (6, 3, 5, 5)),
    _e((4, 32, 32), (6, 3, 5, 5)),
    _e((1, 3, 3, 3), (6, 3, 5, 5)),
    _e((1, 3, 7, 7), (6, 3, 5, 5), dilation=2),
    _e((2, 3), (6, 3, 5, 5)),
    _e((2, 3, 4, 5, 6), (6, 3, 5, 5)),
    _e((1, 3, 8, 8), (6, 3, 5)),
    _e((1, 3, 8, 8), (6, 3, 5, 5), stride=2, padding="same"),
    _e((1, 3, 8, 8), (6, 3, 5, 5), padding="foo"),
    _e((1, 3, 8, 8), (6, 3, 5, 5), padding=-1),
    _e((1, 3, 8, 8), (6, 3, 5, 5), stride=0),
    _e((1, 3, 8, 8), (6, 3, 5, 5), dilation=0),
    _e((1, 3, 8, 8), (6, 3, 5, 5), groups=0),
    _e((1, 3, 8, 8), (6, 3, 5, 5), padding=(1, 2, 3)),
    _e((1, 4, 8, 8), (3, 2, 3, 3), groups=2),
    _e((1, 6, 8, 8), (6, 3, 3, 3), groups=3),
    _e((1, 3, 8, 8), (6, 3, 5, 5), w_dtype="float64"),
    _e((1, 3, 8, 8), (6, 3, 5, 5), b_shape=(6,)),
    _e((2, 3, 8, 8), (0, 3, 5, 5)),
    _e((1, 3, 8), (6, 4, 3), "conv1d"),
    _e((1, 3, 2), (6, 3, 3), "conv1d"),
    _e((3, 3, 2, 2), (6, 3, 3), "conv1d"),
    _e((1, 4, 5, 5), (3, 2, 3, 3), "conv_transpose2d"),
    _e((1, 3, 5, 5), (3, 2, 3, 3), "conv_transpose2d", stride=2, output_padding=2),
    _e((1, 3, 5, 5), (3, 2, 3, 3), "conv_transpose2d", padding=(3, 4)),
    _e((1, 3, 5, 5), (3, 2, 3, 3), "conv_transpose2d", padding="same"),
    _e((1, 3, 5, 5), (3, 2, 3, 3), "conv_transpose2d", output_padding=-1),
    _e((1, 3, 5, 5), (3, 2, 3, 3), "conv_transpose2d", groups=2),
    _e((5, 5), (3, 2, 3, 3), "conv_transpose2d"),
    _e((1, 3, 5), (3, 2, 3), "conv_transpose1d", stride=2, output_padding=2),
    _e((1, 3, 5), (3, 2, 3), "conv_transpose1d", padding=5),
]


@pytest.mark.parametrize("run", ERRORS)
def test_errors_match_torch(run):
    same_error(lambda: run(netlab), lambda: run(torch))


@pytest.mark.parametrize("fn, w, b", [("conv2d", (6, 3, 5, 5), (3,)),
                                       ("conv_transpose2d", (3, 2, 3, 3), (3,))])
def test_bias_shape_errors_match_torch(fn, w, b):
    same_error(lambda: getattr(F, fn)(netlab.zeros(1, 3, 8, 8), netlab.zeros(*w),
                                      netlab.zeros(*b)),
               lambda: getattr(TF, fn)(torch.zeros(1, 3, 8, 8), torch.zeros(*w),
                                       torch.zeros(*b)))


@pytest.mark.parametrize("args, kw", [
    ((3, 3, 3), {"groups": 2}),
    ((4, 3, 3), {"groups": 2}),
    ((3, 3, 3), {"groups": 0}),
    ((3, 3, 3), {"stride": 2, "padding": "same"}),
])
def test_constructor_errors_match_torch(args, kw):
    same_error(lambda: nn.Conv2d(*args, **kw), lambda: torch.nn.Conv2d(*args, **kw))


def test_constructor_string_errors():
    with pytest.raises(ValueError, match="Invalid padding string 'foo', should be one of"):
        nn.Conv2d(3, 3, 3, padding="foo")
    with pytest.raises(ValueError, match="padding_mode must be one of .* but got "
                                         "padding_mode='foo'"):
        nn.Conv2d(3, 3, 3, padding_mode="foo")
    same_error(lambda: nn.ConvTranspose2d(3, 3, 3, padding_mode="reflect"),
               lambda: torch.nn.ConvTranspose2d(3, 3, 3, padding_mode="reflect"))


def test_output_shape_errors():
    with pytest.raises(ValueError, match="kernel size 5 is larger than the padded input 3"):
        nn.Conv2d(3, 6, 5).output_shape((1, 3, 3, 3))
    with pytest.raises(ValueError, match=r"Conv2d\(in_channels=3\) receives 4 channels: "
                                         r"set in_channels=4"):
        nn.Conv2d(3, 6, 5).output_shape((1, 4, 32, 32))
    with pytest.raises(ValueError, match="4-d"):
        nn.Conv2d(3, 6, 5).output_shape((32, 32))
    with pytest.raises(ValueError, match="too small"):
        nn.ConvTranspose2d(3, 6, 3, padding=5).output_shape((1, 3, 2, 2))
    assert nn.Conv2d(3, 6, 5, padding=2).output_shape((3, 32, 32)) == (6, 32, 32)


@pytest.mark.parametrize("fn, xs, ws, bias, kw", [
    (F.conv2d, (2, 4, 6, 5), (4, 2, 3, 2), True,
     {"stride": (2, 1), "padding": (1, 2), "dilation": (1, 2), "groups": 2}),
    (F.conv2d, (1, 2, 5, 5), (3, 2, 2, 3), False, {"padding": "same"}),
    (F.conv1d, (2, 2, 7), (3, 2, 3), True, {"stride": 2, "padding": 1, "dilation": 2}),
    (F.conv_transpose2d, (2, 4, 3, 4), (4, 1, 3, 2), True,
     {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2}),
    (F.conv_transpose2d, (1, 2, 3, 3), (2, 2, 2, 2), False,
     {"stride": 2, "dilation": 3, "output_padding": 2}),
    (F.conv_transpose1d, (2, 2, 4), (2, 3, 3), True, {"stride": 3, "output_padding": 1}),
])
def test_gradcheck_float64(fn, xs, ws, bias, kw):
    rng = np.random.default_rng(6)
    args = [rng.standard_normal(xs), rng.standard_normal(ws)]
    if bias:
        nb = ws[0] if fn in (F.conv2d, F.conv1d) else ws[1] * kw.get("groups", 1)
        args.append(rng.standard_normal(nb))
    assert gradcheck(lambda *t: fn(*t, **kw), *args)


@pytest.mark.parametrize("fn, xs, ws, kw", [
    (F.conv2d, (1, 2, 5, 4), (2, 1, 2, 2), {"stride": 2, "padding": 1, "groups": 2}),
    (F.conv_transpose2d, (1, 2, 3, 3), (2, 1, 2, 2), {"stride": 2, "output_padding": 1}),
])
def test_gradgradcheck_float64(fn, xs, ws, kw):
    rng = np.random.default_rng(7)
    assert gradgradcheck(lambda x, w: fn(x, w, **kw), rng.standard_normal(xs),
                         rng.standard_normal(ws))


def test_double_backward_matches_torch():
    rng = np.random.default_rng(8)
    x, w = rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((4, 3, 3, 3))
    res = []
    for lib, f in ((netlab, F.conv2d), (torch, TF.conv2d)):
        xt = lib.from_numpy(x.copy()).requires_grad_()
        wt = lib.from_numpy(w.copy()).requires_grad_()
        y = f(xt, wt, stride=2, padding=1)
        gx, gw = lib.autograd.grad((y ** 2).sum(), (xt, wt), create_graph=True)
        ((gx ** 2).sum() + (gw * gw.sin()).sum()).backward()
        res.append((xt.grad.detach().numpy(), wt.grad.detach().numpy()))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)
