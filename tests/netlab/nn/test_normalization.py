"""BatchNorm1d/2d, InstanceNorm2d, GroupNorm, LayerNorm and F.normalize against PyTorch."""

import warnings
from collections import OrderedDict

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

RNG = np.random.default_rng(7)
TF = torch.nn.functional


def _load_from_torch(ours, theirs):
    sd = {k: netlab.from_numpy(v.detach().numpy().copy()) for k, v in
          theirs.state_dict().items()}
    ours.load_state_dict(sd, strict=True)


def _randomise_affine(theirs):
    with torch.no_grad():
        for p in theirs.parameters():
            p.copy_(torch.from_numpy(RNG.standard_normal(tuple(p.shape)).astype(np.float32)))


def _pair(name, args, kwargs):
    torch.manual_seed(0)
    theirs = getattr(torch.nn, name)(*args, **kwargs)
    _randomise_affine(theirs)
    ours = getattr(nn, name)(*args, **kwargs)
    _load_from_torch(ours, theirs)
    return ours, theirs


def _step(ours, theirs, shape, rtol=1e-5, atol=1e-5):
    """One forward/backward with the same input and upstream gradient; compares output,
    input gradient, parameter gradients and buffers.
    """
    x = randn(*shape)
    xn = netlab.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    yn, yt = ours(xn), theirs(xt)
    assert_close(yn, yt, rtol, atol, msg="output")
    up = randn(*yt.shape)
    (yn * netlab.tensor(up)).sum().backward()
    (yt * torch.from_numpy(up)).sum().backward()
    assert_close(xn.grad, xt.grad, rtol, atol, msg="input grad")
    for (name, p1), (_, p2) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert_close(p1.grad, p2.grad, rtol, atol, msg=f"grad of {name}")
    ours.zero_grad()
    theirs.zero_grad()
    bn = dict(ours.named_buffers())
    bt = dict(theirs.named_buffers())
    assert list(bn) == list(bt)
    for k in bt:
        assert_close(bn[k], bt[k], rtol, atol, msg=k)


def _same_layout(ours, theirs):
    sn, st = ours.state_dict(), theirs.state_dict()
    assert list(sn) == list(st)
    assert [tuple(v.shape) for v in sn.values()] == [tuple(v.shape) for v in st.values()]
    assert dict(sn._metadata) == dict(st._metadata)
    assert repr(ours) == repr(theirs)


# Batch statistics are reductions over up to 100 values: rtol/atol 1e-5 leaves room for the
# different float32 summation order; everything else is elementwise.
BN_CASES = [
    ("BatchNorm1d", (3,), {}, (8, 3)),
    ("BatchNorm1d", (3,), {}, (4, 3, 5)),
    ("BatchNorm1d", (3,), {"momentum": None}, (6, 3)),
    ("BatchNorm1d", (3,), {"momentum": None, "affine": False}, (2, 3, 4)),
    ("BatchNorm2d", (3,), {}, (4, 3, 5, 5)),
    ("BatchNorm2d", (3,), {"momentum": None}, (2, 3, 4, 4)),
    ("BatchNorm2d", (3,), {"eps": 1e-3, "momentum": 0.3}, (2, 3, 2, 3)),
    ("BatchNorm2d", (3,), {"affine": False}, (2, 3, 4, 4)),
    ("BatchNorm2d", (3,), {"bias": False}, (2, 3, 4, 4)),
    ("BatchNorm2d", (3,), {"track_running_stats": False}, (3, 3, 4, 4)),
    ("BatchNorm2d", (4,), {"affine": False, "track_running_stats": False}, (1, 4, 2, 2)),
]


@pytest.mark.parametrize("name,args,kwargs,shape", BN_CASES)
def test_batchnorm_train_steps_then_eval_match_torch(name, args, kwargs, shape):
    ours, theirs = _pair(name, args, kwargs)
    _same_layout(ours, theirs)
    for _ in range(3):
        _step(ours, theirs, shape)
    if ours.track_running_stats:
        assert ours.num_batches_tracked.dtype is netlab.int64
        assert ours.num_batches_tracked.shape == ()
        assert ours.num_batches_tracked.item() == 3
    ours.eval()
    theirs.eval()
    _step(ours, theirs, shape)
    ours.train()
    theirs.train()
    _step(ours, theirs, shape)


def test_batchnorm_momentum_none_is_cumulative_average_of_unbiased_var():
    bn = nn.BatchNorm1d(2, momentum=None)
    xs = [randn(5, 2) for _ in range(4)]
    for x in xs:
        bn(netlab.tensor(x))
    np.testing.assert_allclose(bn.running_mean.numpy(), np.mean([x.mean(0) for x in xs], 0),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bn.running_var.numpy(),
                               np.mean([x.var(0, ddof=1) for x in xs], 0), rtol=1e-5)
    assert bn.num_batches_tracked.item() == 4


def test_batchnorm_eval_uses_running_stats_and_loaded_buffers():
    ours, theirs = _pair("BatchNorm2d", (3,), {})
    with torch.no_grad():
        theirs.running_mean.copy_(torch.tensor([0.5, -1.0, 2.0]))
        theirs.running_var.copy_(torch.tensor([0.25, 4.0, 1.5]))
    _load_from_torch(ours, theirs)
    ours.eval()
    theirs.eval()
    _step(ours, theirs, (2, 3, 3, 3))
    assert ours.num_batches_tracked.item() == 0


def test_batchnorm_errors_match_torch():
    same_error(lambda: nn.BatchNorm1d(3)(netlab.ones(1, 3)),
               lambda: torch.nn.BatchNorm1d(3)(torch.ones(1, 3)))
    same_error(lambda: nn.BatchNorm2d(3)(netlab.ones(1, 3, 1, 1)),
               lambda: torch.nn.BatchNorm2d(3)(torch.ones(1, 3, 1, 1)))
    same_error(lambda: nn.BatchNorm1d(3)(netlab.ones(2, 3, 2, 2)),
               lambda: torch.nn.BatchNorm1d(3)(torch.ones(2, 3, 2, 2)))
    same_error(lambda: nn.BatchNorm2d(3)(netlab.ones(2, 3, 2)),
               lambda: torch.nn.BatchNorm2d(3)(torch.ones(2, 3, 2)))
    for kw in ({}, {"affine": False}, {"track_running_stats": False}):
        same_error(lambda kw=kw: nn.BatchNorm2d(3, **kw)(netlab.ones(2, 4, 2, 2)),
                   lambda kw=kw: torch.nn.BatchNorm2d(3, **kw)(torch.ones(2, 4, 2, 2)))
    # one value per channel is fine in eval mode
    assert nn.BatchNorm1d(3).eval()(netlab.ones(1, 3)).shape == (1, 3)


def test_batchnorm_old_checkpoint_without_num_batches_tracked_loads():
    src = nn.BatchNorm2d(2)
    sd = OrderedDict((k, v) for k, v in src.state_dict().items() if k != "num_batches_tracked")
    sd._metadata = OrderedDict([("", {"version": 1})])
    dst = nn.BatchNorm2d(2)
    dst.num_batches_tracked.fill_(5)
    assert repr(dst.load_state_dict(sd)) == "<All keys matched successfully>"
    assert dst.num_batches_tracked.item() == 5
    model = nn.Sequential(nn.BatchNorm1d(2))
    res = model.load_state_dict({k: v for k, v in model.state_dict().items()
                                 if not k.endswith("num_batches_tracked")})
    assert res.missing_keys == []
    sd2 = model.state_dict()
    del sd2["0.num_batches_tracked"]  # version 2 metadata: the key is really missing
    with pytest.raises(RuntimeError, match='Missing key.*"0.num_batches_tracked"'):
        model.load_state_dict(sd2)


def test_batchnorm_float64_and_reset():
    bn = nn.BatchNorm2d(2).double()
    assert bn.running_mean.dtype is netlab.float64
    assert bn.num_batches_tracked.dtype is netlab.int64
    bn(netlab.randn(3, 2, 2, 2, dtype=netlab.float64))
    bn.reset_running_stats()
    assert bn.num_batches_tracked.item() == 0
    assert bn.running_var.tolist() == [1.0, 1.0]


GN_CASES = [
    ((1, 4), {}, (3, 4, 5)),
    ((2, 4), {}, (2, 4, 3, 3)),
    ((4, 4), {}, (2, 4, 3, 3)),
    ((3, 6), {"affine": False}, (2, 6, 4)),
    ((2, 6), {"bias": False, "eps": 1e-3}, (2, 6)),
]


@pytest.mark.parametrize("args,kwargs,shape", GN_CASES)
def test_groupnorm_matches_torch(args, kwargs, shape):
    ours, theirs = _pair("GroupNorm", args, kwargs)
    _same_layout(ours, theirs)
    _step(ours, theirs, shape)
    ours.eval()
    theirs.eval()
    _step(ours, theirs, shape)


def test_groupnorm_errors():
    with pytest.raises(ValueError, match="num_channels must be divisible by num_groups"):
        nn.GroupNorm(4, 6)
    same_error(lambda: F.group_norm(netlab.ones(2, 6, 4), 4),
               lambda: TF.group_norm(torch.ones(2, 6, 4), 4))


LN_CASES = [
    (5, {}, (4, 5)),
    ((4, 5), {}, (2, 3, 4, 5)),
    ([3], {"elementwise_affine": False}, (2, 3)),
    ((2, 3), {"bias": False}, (4, 2, 3)),
    (6, {"eps": 1e-2}, (6,)),
]


@pytest.mark.parametrize("ns,kwargs,shape", LN_CASES)
def test_layernorm_matches_torch(ns, kwargs, shape):
    ours, theirs = _pair("LayerNorm", (ns,), kwargs)
    _same_layout(ours, theirs)
    _step(ours, theirs, shape)


def test_layernorm_errors():
    same_error(lambda: F.layer_norm(netlab.ones(2, 3), [4]),
               lambda: TF.layer_norm(torch.ones(2, 3), [4]))


IN_CASES = [
    ({}, (2, 3, 4, 4)),
    ({"affine": True}, (2, 3, 3, 5)),
    ({"track_running_stats": True}, (2, 3, 4, 4)),
    ({"affine": True, "track_running_stats": True, "momentum": 0.5}, (3, 3, 2, 3)),
    ({"affine": True}, (3, 4, 4)),
]


@pytest.mark.parametrize("kwargs,shape", IN_CASES)
def test_instancenorm2d_matches_torch(kwargs, shape):
    ours, theirs = _pair("InstanceNorm2d", (3,), kwargs)
    _same_layout(ours, theirs)
    for _ in range(2):
        _step(ours, theirs, shape)
    ours.eval()
    theirs.eval()
    _step(ours, theirs, shape)


def test_instancenorm2d_channel_checks():
    with pytest.raises(ValueError, match=r"expected input's size at dim=1 to match num_features"):
        nn.InstanceNorm2d(3, affine=True)(netlab.ones(2, 4, 3, 3))
    with pytest.warns(UserWarning, match="does not match num_features"):
        nn.InstanceNorm2d(3)(netlab.randn(2, 4, 3, 3))
    same_error(lambda: nn.InstanceNorm2d(3)(netlab.ones(3, 3)),
               lambda: torch.nn.InstanceNorm2d(3)(torch.ones(3, 3)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_functional_forms_match_torch(dtype):
    x = randn(4, 3, 2, 2, dtype=dtype)
    w, b = randn(3, dtype=dtype), randn(3, dtype=dtype)
    rm, rv = randn(3, dtype=dtype), np.abs(randn(3, dtype=dtype)) + 0.5
    # eval with given statistics, weight without bias
    check_op(lambda x, w: F.batch_norm(x, netlab.tensor(rm), netlab.tensor(rv), w),
             lambda x, w: TF.batch_norm(x, torch.tensor(rm), torch.tensor(rv), w), x, w)
    check_op(lambda x, b: F.batch_norm(x, None, None, None, b, True),
             lambda x, b: TF.batch_norm(x, None, None, None, b, True), x, b)
    check_op(lambda x, w, b: F.instance_norm(x, weight=w, bias=b),
             lambda x, w, b: TF.instance_norm(x, weight=w, bias=b), x, w, b)
    check_op(lambda x: F.layer_norm(x, (2, 2)), lambda x: TF.layer_norm(x, (2, 2)), x)
    check_op(lambda x, w, b: F.group_norm(x, 3, w, b, 1e-3),
             lambda x, w, b: TF.group_norm(x, 3, w, b, 1e-3), x, w, b)


def test_functional_batch_norm_updates_running_stats_in_place():
    x = randn(6, 3)
    rm_n, rv_n = netlab.zeros(3), netlab.ones(3)
    rm_t, rv_t = torch.zeros(3), torch.ones(3)
    F.batch_norm(netlab.tensor(x), rm_n, rv_n, training=True, momentum=0.25)
    TF.batch_norm(torch.tensor(x), rm_t, rv_t, training=True, momentum=0.25)
    assert_close(rm_n, rm_t)
    assert_close(rv_n, rv_t)


@pytest.mark.parametrize("p,dim,shape", [(2.0, 1, (3, 4)), (1.0, -1, (2, 3, 4)),
                                         (3.0, 0, (5,)), (2.0, (1, 2), (2, 3, 4))])
def test_normalize_matches_torch(p, dim, shape):
    x = randn(*shape)
    check_op(lambda x: F.normalize(x, p, dim), lambda x: TF.normalize(x, p, dim), x)
    x[0] = 0  # the zero vector: divided by eps, not by 0
    check_op(lambda x: F.normalize(x, p, dim, eps=1e-6), lambda x: TF.normalize(x, p, dim,
                                                                                  eps=1e-6), x)


def test_gradcheck_float64():
    x = RNG.standard_normal((3, 2, 2, 2))
    w, b = RNG.standard_normal(2), RNG.standard_normal(2)
    rm, rv = netlab.tensor([0.1, -0.2], dtype=netlab.float64), netlab.tensor(
        [0.5, 2.0], dtype=netlab.float64)
    assert gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, True), x, w, b)
    assert gradcheck(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, False), x, w, b)
    assert gradcheck(lambda x, w, b: F.group_norm(x, 2, w, b), x, w, b)
    assert gradcheck(lambda x, w, b: F.instance_norm(x, weight=w, bias=b), x, w, b)
    lw, lb = RNG.standard_normal((2, 2)), RNG.standard_normal((2, 2))
    assert gradcheck(lambda x, w, b: F.layer_norm(x, (2, 2), w, b), x, lw, lb)
    assert gradcheck(lambda x: F.normalize(x, 2.0, 1), x)


def test_gradgradcheck_float64():
    x = RNG.standard_normal((3, 2, 2))
    w, b = RNG.standard_normal(2), RNG.standard_normal(2)
    assert gradgradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, True), x, w, b)
    assert gradgradcheck(lambda x, w: F.layer_norm(x, (2,), w), x, RNG.standard_normal(2))
    assert gradgradcheck(lambda x, w, b: F.group_norm(x, 1, w, b), x, w, b)
    assert gradgradcheck(lambda x, w, b: F.instance_norm(x, weight=w, bias=b), x, w, b)


def test_empty_batch_and_no_grad():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = nn.LayerNorm(3)(netlab.zeros(0, 3))
    assert y.shape == (0, 3)
    for name, args, shape in [("BatchNorm2d", (2,), (0, 2, 3, 3)), ("GroupNorm", (2, 4), (0, 4, 2)),
                              ("BatchNorm1d", (2,), (0, 2))]:
        ours, theirs = _pair(name, args, {})
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            _step(ours, theirs, shape)  # empty output, zero parameter grads, stats untouched
    with netlab.no_grad():
        out = nn.BatchNorm2d(2)(netlab.randn(2, 2, 2, 2, requires_grad=True))
    assert out.grad_fn is None and not out.requires_grad


def test_create_graph_path_agrees_with_fast_path_and_graph_is_reusable():
    x = netlab.tensor(RNG.standard_normal((4, 3, 2)), requires_grad=True)
    w = netlab.tensor(RNG.standard_normal(3), requires_grad=True)
    b = netlab.tensor(RNG.standard_normal(3), requires_grad=True)
    up = netlab.tensor(RNG.standard_normal((4, 3, 2)))
    for training in (True, False):
        rm, rv = netlab.zeros(3, dtype=netlab.float64), netlab.ones(3, dtype=netlab.float64)
        y = F.batch_norm(x, rm, rv, w, b, training)
        slow = netlab.autograd.grad(y, (x, w, b), up, retain_graph=True, create_graph=True)
        fast = netlab.autograd.grad(y, (x, w, b), up)
        for s, f in zip(slow, fast):
            np.testing.assert_allclose(s.detach().numpy(), f.numpy(), rtol=1e-10, atol=1e-12)
    rm, rv = netlab.tensor([0.1, -0.2, 0.3], dtype=netlab.float64), netlab.tensor(
        [0.5, 2.0, 1.0], dtype=netlab.float64)
    assert gradgradcheck(lambda x, w, b: F.batch_norm(x, rm, rv, w, b), x.detach().numpy(),
                         w.detach().numpy(), b.detach().numpy())


@pytest.mark.parametrize("make", [
    lambda L, F: L.nn.GroupNorm(2, 4)(L.ones(2, 6, 3)),
    lambda L, F: F.layer_norm(L.ones(2, 3), (3,), L.ones(4)),
    lambda L, F: F.layer_norm(L.ones(2, 3), (3,), None, L.ones(2)),
    lambda L, F: F.group_norm(L.ones(2), 1),
    lambda L, F: F.instance_norm(L.ones(2, 3, 4), use_input_stats=False),
    lambda L, F: F.batch_norm(L.ones(2, 3), None, None),
    lambda L, F: L.nn.LayerNorm(4)(L.ones(2, 3)),
    lambda L, F: L.nn.InstanceNorm2d(3)(L.ones(2, 3, 1, 1)),
])
def test_functional_errors_match_torch(make):
    same_error(lambda: make(netlab, F), lambda: make(torch, TF))


def test_normalize_out():
    out = netlab.empty(1, 2)
    res = F.normalize(netlab.tensor([[3.0, 4.0]]), out=out)
    assert res is out
    np.testing.assert_allclose(out.numpy(), [[0.6, 0.8]], rtol=1e-6)


@pytest.mark.parametrize("name,args", [("BatchNorm2d", (3,)), ("GroupNorm", (3, 3)),
                                       ("LayerNorm", (6,))])
def test_half_precision_accumulates_in_float32(name, args):
    # large offsets overflow a float16 sum; PyTorch computes the statistics in float32
    x = (RNG.standard_normal((32, 3, 8, 6)) * 30 + 200).astype(np.float16)
    theirs, ours = getattr(torch.nn, name)(*args).half(), getattr(nn, name)(*args).half()
    xt, xn = torch.tensor(x, requires_grad=True), netlab.tensor(x, requires_grad=True)
    yt, yn = theirs(xt), ours(xn)
    assert yn.dtype is netlab.float16
    assert_close(yn, yt, rtol=1e-2, atol=4e-3)  # float16 output rounding
    up = RNG.standard_normal(x.shape).astype(np.float16)
    yt.backward(torch.from_numpy(up))
    yn.backward(netlab.tensor(up))
    assert xn.grad.dtype is netlab.float16
    assert_close(xn.grad, xt.grad, rtol=1e-2, atol=1e-3)
    for a, b in zip(ours.buffers(), theirs.buffers()):
        assert_close(a, b, rtol=2e-3, atol=0)
