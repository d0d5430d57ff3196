"""Losses against PyTorch: every reduction, legacy arguments, the cross-entropy rules
(weight + ignore_index + label_smoothing, all ignored, probability targets, K-dim inputs),
BCE at 0 and 1, values and gradients, float64 gradchecks and PyTorch's errors."""

import warnings

import numpy as np
import pytest

import netlab
import netlab.nn as nn
import netlab.nn.functional as F
from tests.netlab.parity import assert_close, gradcheck, gradgradcheck, same_error, torch

TF = torch.nn.functional
RNG = np.random.default_rng(42)


def _f(*shape):
    return RNG.standard_normal(shape)


def _p(*shape):  # probabilities strictly inside (0, 1)
    return RNG.uniform(0.05, 0.95, shape)


def _soft(*shape):  # rows that sum to 1 along dim 1
    e = np.exp(RNG.standard_normal(shape))
    return e / e.sum(axis=1 if len(shape) > 1 else 0, keepdims=True)


def _i(high, *shape, ignore=None):
    t = RNG.integers(0, high, shape)
    if ignore is not None:
        t.reshape(-1)[:: 3] = ignore
    return t.astype(np.int64)


_REG = np.array([[0.0, 1.0, -1.0, 0.5], [-0.5, 2.0, 3.0, -4.0]])  # diffs on the kinks
_W5 = np.array([0.2, 1.0, 0.5, 2.0, 1.5])

# (module name, constructor kwargs (numpy arrays become tensors), inputs, which get grad)
CASES = [
    ("MSELoss", {}, [_f(2, 4), _f(2, 4)], (0, 1)),
    ("MSELoss", dict(reduction="sum"), [_f(3), _f(3)], (0, 1)),
    ("MSELoss", dict(reduction="none"), [_f(2, 3), _f(2, 3)], (0, 1)),
    ("L1Loss", {}, [_REG, np.zeros((2, 4))], (0, 1)),
    ("L1Loss", dict(reduction="none"), [_f(2, 3), _f(2, 3)], (0,)),
    ("SmoothL1Loss", {}, [_REG, np.zeros((2, 4))], (0, 1)),
    ("SmoothL1Loss", dict(beta=0.5, reduction="sum"), [_REG, np.zeros((2, 4))], (0, 1)),
    ("SmoothL1Loss", dict(beta=0.0, reduction="none"), [_REG, np.zeros((2, 4))], (0,)),
    ("HuberLoss", {}, [_REG, np.zeros((2, 4))], (0, 1)),
    ("HuberLoss", dict(delta=2.0, reduction="none"), [_REG, np.zeros((2, 4))], (0, 1)),
    ("HuberLoss", dict(delta=0.5, reduction="sum"), [_f(3, 2), _f(3, 2)], (0,)),
    ("CrossEntropyLoss", {}, [_f(4, 5), _i(5, 4)], (0,)),
    ("CrossEntropyLoss", dict(reduction="sum"), [_f(4, 5), _i(5, 4)], (0,)),
    ("CrossEntropyLoss", dict(reduction="none"), [_f(4, 5), _i(5, 4)], (0,)),
    ("CrossEntropyLoss", dict(weight=_W5), [_f(6, 5), _i(5, 6)], (0,)),
    ("CrossEntropyLoss", dict(ignore_index=2), [_f(6, 5), np.array([2, 0, 2, 4, 1, 3])], (0,)),
    ("CrossEntropyLoss", dict(label_smoothing=0.2), [_f(6, 5), _i(5, 6)], (0,)),
    ("CrossEntropyLoss", dict(weight=_W5, label_smoothing=0.3),
     [_f(7, 5), _i(5, 7, ignore=-100)], (0,)),
    ("CrossEntropyLoss", dict(weight=_W5, label_smoothing=0.3, reduction="sum"),
     [_f(7, 5), _i(5, 7, ignore=-100)], (0,)),
    ("CrossEntropyLoss", dict(weight=_W5, label_smoothing=0.3, reduction="none"),
     [_f(7, 5), _i(5, 7, ignore=-100)], (0,)),
    ("CrossEntropyLoss", dict(weight=_W5, ignore_index=1, label_smoothing=0.1),
     [_f(2, 5, 3, 4), _i(5, 2, 3, 4, ignore=1)], (0,)),
    ("CrossEntropyLoss", dict(label_smoothing=0.1, reduction="none"),
     [_f(2, 5, 3), _i(5, 2, 3, ignore=-100)], (0,)),
    ("CrossEntropyLoss", {}, [_f(5), np.array(3)], (0,)),
    ("CrossEntropyLoss", dict(label_smoothing=0.2, reduction="none"), [_f(5), np.array(1)], (0,)),
    ("CrossEntropyLoss", {}, [_f(4, 5), _soft(4, 5)], (0, 1)),
    ("CrossEntropyLoss", dict(weight=_W5, label_smoothing=0.2), [_f(4, 5), _soft(4, 5)], (0, 1)),
    ("CrossEntropyLoss", dict(reduction="none"), [_f(2, 5, 3), _soft(2, 5, 3)], (0, 1)),
    ("CrossEntropyLoss", dict(reduction="sum", label_smoothing=0.5), [_f(2, 5, 3), _soft(2, 5, 3)],
     (0, 1)),
    ("NLLLoss", {}, [_f(4, 5), _i(5, 4)], (0,)),
    ("NLLLoss", dict(weight=_W5, ignore_index=0), [_f(6, 5), _i(5, 6)], (0,)),
    ("NLLLoss", dict(weight=_W5, reduction="none"), [_f(6, 5), _i(5, 6, ignore=-100)], (0,)),
    ("NLLLoss", dict(weight=_W5, reduction="sum"), [_f(2, 5, 3), _i(5, 2, 3, ignore=-100)], (0,)),
    ("NLLLoss", dict(weight=_W5), [_f(2, 5, 2, 2), _i(5, 2, 2, 2, ignore=-100)], (0,)),
    ("NLLLoss", {}, [_f(5), np.array(4)], (0,)),
    ("BCELoss", {}, [_p(3, 4), _p(3, 4)], (0, 1)),
    ("BCELoss", dict(reduction="sum"), [np.array([0.0, 1.0, 0.0, 1.0, 0.3]),
                                        np.array([1.0, 0.0, 0.0, 1.0, 1.0])], (0,)),
    ("BCELoss", dict(reduction="none"), [np.array([0.0, 1.0, 0.5]), np.array([1.0, 0.0, 0.2])],
     (0,)),
    ("BCELoss", dict(weight=np.array([0.5, 2.0, 1.0, 3.0])), [_p(3, 4), _p(3, 4)], (0, 1)),
    ("BCEWithLogitsLoss", {}, [_f(3, 4) * 3, _p(3, 4)], (0, 1)),
    ("BCEWithLogitsLoss", dict(pos_weight=np.array([0.5, 2.0, 1.0, 3.0])),
     [_f(3, 4) * 3, RNG.integers(0, 2, (3, 4)).astype(float)], (0, 1)),
    ("BCEWithLogitsLoss", dict(weight=np.array([0.5, 2.0, 1.0, 3.0]), reduction="none",
                               pos_weight=np.array([2.0, 1.0, 1.0, 0.5])),
     [_f(3, 4) * 3, _p(3, 4)], (0, 1)),
    ("BCEWithLogitsLoss", dict(reduction="sum"),
     [np.array([-200.0, -50.0, 0.0, 50.0, 200.0]), np.array([1.0, 0.0, 1.0, 1.0, 0.0])], (0,)),
    ("KLDivLoss", dict(reduction="batchmean"), [np.log(_soft(3, 4)), _soft(3, 4)], (0, 1)),
    ("KLDivLoss", dict(reduction="sum"), [np.log(_soft(3, 4)),
                                          np.array([[0.0, 0.5, 0.5, 0.0]] * 3)], (0,)),
    ("KLDivLoss", dict(reduction="none", log_target=True),
     [np.log(_soft(3, 4)), np.log(_soft(3, 4))], (0, 1)),
    ("KLDivLoss", dict(reduction="batchmean", log_target=True),
     [np.log(_soft(3, 4)), np.log(_soft(3, 4))], (0, 1)),
    ("CosineEmbeddingLoss", {}, [_f(4, 3), _f(4, 3), np.array([1, -1, 1, -1])], (0, 1)),
    ("CosineEmbeddingLoss", dict(margin=0.2, reduction="none"),
     [_f(4, 3), _f(4, 3), np.array([1, -1, -1, -1])], (0, 1)),
    ("CosineEmbeddingLoss", dict(margin=-0.5, reduction="sum"),
     [_f(3), _f(3), np.array(-1)], (0, 1)),
]


def _ids(cases):
    out = []
    for n, kw, ins, _ in cases:
        parts = [f"{k}={v if not isinstance(v, np.ndarray) else 'arr'}" for k, v in kw.items()]
        out.append("-".join([n] + parts + ["x".join(map(str, ins[0].shape))]))
    return out


def _build(name, kwargs, dtype):
    def conv(lib, v):
        if not isinstance(v, np.ndarray):
            return v
        return torch.tensor(v.astype(dtype)) if lib is torch else netlab.tensor(v.astype(dtype))

    theirs = getattr(torch.nn, name)(**{k: conv(torch, v) for k, v in kwargs.items()})
    ours = getattr(nn, name)(**{k: conv(netlab, v) for k, v in kwargs.items()})
    return ours, theirs


def _run(ours, theirs, arrays, grad_idx, dtype, rtol, atol):
    ins_n, ins_t = [], []
    for i, a in enumerate(arrays):
        a = a.astype(dtype) if a.dtype.kind == "f" else a
        ins_n.append(netlab.tensor(a, requires_grad=i in grad_idx))
        ins_t.append(torch.tensor(a, requires_grad=i in grad_idx))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yn, yt = ours(*ins_n), theirs(*ins_t)
    assert_close(yn, yt, rtol, atol)
    up = RNG.standard_normal(tuple(yt.shape)).astype(dtype)
    (yn * netlab.tensor(up)).sum().backward()
    (yt * torch.from_numpy(up)).sum().backward()
    for i in grad_idx:
        assert_close(ins_n[i].grad, ins_t[i].grad, rtol, atol, msg=f"grad {i}")
    return yn


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,kwargs,arrays,grad_idx", CASES, ids=_ids(CASES))
def test_loss_matches_torch(name, kwargs, arrays, grad_idx, dtype):
    ours, theirs = _build(name, kwargs, dtype)
    assert str(ours) == str(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    # float32: log-sum-exp and reductions round differently; 1e-5 absolute suffices here
    rtol, atol = (1e-5, 1e-5) if dtype == np.float32 else (1e-10, 1e-12)
    out = _run(ours, theirs, arrays, grad_idx, dtype, rtol, atol)
    assert ours.output_shape(arrays[0].shape) == tuple(out.shape)


def test_output_shape_rejects_what_forward_rejects():
    with pytest.raises(ValueError, match="Expected 1 or more dimensions"):
        nn.CrossEntropyLoss().output_shape(())
    with pytest.raises(ValueError, match="1D or 2D"):
        nn.CosineEmbeddingLoss().output_shape((2, 3, 4))


@pytest.mark.parametrize("name,kwargs,arrays,grad_idx", CASES, ids=_ids(CASES))
def test_gradcheck_float64(name, kwargs, arrays, grad_idx):
    ours, _ = _build(name, kwargs, np.float64)
    if name == "BCELoss":  # away from 0 and 1, where the clamped log is not differentiable
        arrays = [_p(*arrays[0].shape), arrays[1]]
    ins = [a if i in grad_idx or a.dtype.kind != "f" else netlab.tensor(a)
           for i, a in enumerate(arrays)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert gradcheck(ours, *ins)


GRADGRAD = [
    lambda x, t: F.cross_entropy(x, t, weight=netlab.tensor(_W5), label_smoothing=0.2),
    lambda x, t: F.cross_entropy(x, t, reduction="none"),
    lambda x, t: F.nll_loss(x, t, weight=netlab.tensor(_W5), reduction="sum"),
]


@pytest.mark.parametrize("fn", GRADGRAD)
def test_gradgradcheck_class_targets(fn):
    assert gradgradcheck(fn, _f(4, 5), _i(5, 4, ignore=-100))


def test_gradgradcheck_soft_targets_and_binary():
    assert gradgradcheck(lambda x, t: F.cross_entropy(x, t, label_smoothing=0.1), _f(3, 4),
                         _soft(3, 4))
    assert gradgradcheck(lambda x, t: F.binary_cross_entropy(x, t), _p(5), _p(5))
    assert gradgradcheck(lambda x, t: F.binary_cross_entropy_with_logits(
        x, t, pos_weight=netlab.tensor([2.0], dtype=netlab.float64)), _f(5), _p(5))
    assert gradgradcheck(lambda x, t: F.kl_div(x, t, reduction="batchmean"),
                         np.log(_soft(2, 3)), _soft(2, 3))


@pytest.mark.parametrize("kwargs", [{}, dict(label_smoothing=0.2), dict(weight=_W5),
                                    dict(weight=_W5, label_smoothing=0.2)])
def test_cross_entropy_all_targets_ignored(kwargs):
    x = _f(3, 5).astype(np.float32)
    t = np.full(3, -100)
    kw_n = {k: netlab.tensor(v.astype(np.float32)) if isinstance(v, np.ndarray) else v
            for k, v in kwargs.items()}
    kw_t = {k: torch.tensor(v.astype(np.float32)) if isinstance(v, np.ndarray) else v
            for k, v in kwargs.items()}
    xn, xt = netlab.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yn, yt = F.cross_entropy(xn, netlab.tensor(t), **kw_n), TF.cross_entropy(xt, torch.tensor(t),
                                                                             **kw_t)
    assert np.isnan(yn.item()) and np.isnan(yt.item())
    yn.backward()
    yt.backward()
    assert_close(xn.grad, xt.grad)  # zeros, not nan
    for red in ("sum", "none"):
        assert_close(F.cross_entropy(netlab.tensor(x), netlab.tensor(t), reduction=red, **kw_n),
                     TF.cross_entropy(torch.tensor(x), torch.tensor(t), reduction=red, **kw_t))


def test_cross_entropy_mean_divides_by_target_weights():
    x = _f(4, 3).astype(np.float32)
    t = np.array([0, 2, -100, 2])
    w = np.array([1.0, 5.0, 0.5], np.float32)
    y = F.cross_entropy(netlab.tensor(x), netlab.tensor(t), weight=netlab.tensor(w))
    logp = x - np.log(np.exp(x).sum(1, keepdims=True))
    keep = t != -100
    want = -(w[t[keep]] * logp[keep, t[keep]]).sum() / w[t[keep]].sum()
    np.testing.assert_allclose(y.item(), want, rtol=1e-6)


def test_cross_entropy_zero_weight_targets_give_nan_like_torch():
    x = _f(3, 5).astype(np.float32)
    t = np.array([0, 1, -100])
    w = np.array([0.0, 0, 0, 0, 1], np.float32)
    xn, xt = netlab.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    F.cross_entropy(xn, netlab.tensor(t), weight=netlab.tensor(w)).backward()
    TF.cross_entropy(xt, torch.tensor(t), weight=torch.tensor(w)).backward()
    assert_close(xn.grad, xt.grad)


def test_cross_entropy_large_logits_are_stable():
    x = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, 1e4], [0.0, 0.0, 0.0]], np.float32)
    t = np.array([1, 0, 2])
    xn, xt = netlab.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yn, yt = F.cross_entropy(xn, netlab.tensor(t)), TF.cross_entropy(xt, torch.tensor(t))
    assert np.isfinite(yn.item())
    assert_close(yn, yt, 1e-6, 1e-3)
    yn.backward()
    yt.backward()
    assert_close(xn.grad, xt.grad)


def test_bce_at_zero_and_one():
    x = np.array([0.0, 1.0, 0.0, 1.0], np.float32)
    t = np.array([1.0, 0.0, 0.0, 1.0], np.float32)
    y = F.binary_cross_entropy(netlab.tensor(x), netlab.tensor(t), reduction="none")
    assert y.tolist() == [100.0, 100.0, 0.0, 0.0]
    xn, xt = netlab.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    tn, tt = netlab.tensor(t, requires_grad=True), torch.tensor(t, requires_grad=True)
    F.binary_cross_entropy(xn, tn, reduction="sum").backward()
    TF.binary_cross_entropy(xt, tt, reduction="sum").backward()
    assert_close(xn.grad, xt.grad)  # +-1e12 at the clamp, as PyTorch
    assert_close(tn.grad, tt.grad)  # +-inf


@pytest.mark.parametrize("name,kwargs", [("MSELoss", dict(size_average=False)),
                                         ("L1Loss", dict(reduce=False)),
                                         ("SmoothL1Loss", dict(size_average=True, reduce=True)),
                                         ("CrossEntropyLoss", dict(size_average=False)),
                                         ("NLLLoss", dict(reduce=False)),
                                         ("BCELoss", dict(size_average=False)),
                                         ("BCEWithLogitsLoss", dict(reduce=False)),
                                         ("KLDivLoss", dict(size_average=False)),
                                         ("CosineEmbeddingLoss", dict(reduce=False))])
def test_legacy_size_average_and_reduce(name, kwargs):
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        ours = getattr(nn, name)(**kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = getattr(torch.nn, name)(**kwargs)
    assert ours.reduction == theirs.reduction
    arrays = {"CrossEntropyLoss": [_f(3, 4), _i(4, 3)], "NLLLoss": [_f(3, 4), _i(4, 3)],
              "BCELoss": [_p(3, 2), _p(3, 2)],
              "CosineEmbeddingLoss": [_f(3, 2), _f(3, 2), np.array([1, -1, 1])]}.get(
        name, [_f(3, 2), _f(3, 2)])
    _run(ours, theirs, arrays, (0,), np.float64, 1e-10, 1e-12)


def test_functional_legacy_and_reduction_validation():
    x, t = netlab.tensor(_f(3, 4)), netlab.tensor(_i(4, 3))
    with pytest.warns(UserWarning, match="reduction='sum'"):
        a = F.cross_entropy(x, t, size_average=False)
    assert_close(a, F.cross_entropy(x, t, reduction="sum"), 1e-12)
    with pytest.warns(UserWarning, match="elementwise_mean"):
        F.nll_loss(x, t, reduction="elementwise_mean")
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        F.kl_div(x, x.exp())
    with pytest.warns(UserWarning, match="Using a target size"):
        F.mse_loss(netlab.ones(3, 1), netlab.ones(3))


def test_weighted_mse_and_l1_like_torch_2_13():
    x, t, w = _f(3, 2), _f(3, 2), _p(3, 2)
    for fn in ("mse_loss", "l1_loss"):
        for red in ("mean", "sum", "none"):
            assert_close(getattr(F, fn)(netlab.tensor(x), netlab.tensor(t), reduction=red,
                                        weight=netlab.tensor(w)),
                         getattr(TF, fn)(torch.tensor(x), torch.tensor(t), reduction=red,
                                         weight=torch.tensor(w)), 1e-10, 1e-12)
    assert_close(F.huber_loss(netlab.tensor(x), netlab.tensor(t), weight=netlab.tensor(w)),
                 TF.huber_loss(torch.tensor(x), torch.tensor(t), weight=torch.tensor(w)),
                 1e-10, 1e-12)


def test_weight_buffers_in_state_dict():
    w = netlab.tensor(_W5.astype(np.float32))
    for cls in (nn.CrossEntropyLoss, nn.NLLLoss, nn.BCELoss):
        m = cls(weight=w)
        assert list(m.state_dict()) == ["weight"]
        assert list(cls().state_dict()) == []
    m = nn.BCEWithLogitsLoss(weight=w, pos_weight=w)
    assert list(m.state_dict()) == list(torch.nn.BCEWithLogitsLoss(
        weight=torch.ones(5), pos_weight=torch.ones(5)).state_dict())


def _L(lib):
    return lib.nn.functional


ERRORS = [
    ("batch", lambda L: _L(L).cross_entropy(L.ones(3, 5), L.tensor([1, 2]))),
    ("bounds", lambda L: _L(L).cross_entropy(L.ones(3, 5), L.tensor([1, 2, 7]))),
    ("neg", lambda L: _L(L).nll_loss(L.ones(3, 5), L.tensor([1, 2, -1]))),
    ("int32", lambda L: _L(L).cross_entropy(L.ones(3, 5), L.tensor([1, 2, 3], dtype=L.int32))),
    ("float_t", lambda L: _L(L).cross_entropy(L.ones(3, 5), L.tensor([1.0, 2.0, 3.0]))),
    ("multi", lambda L: _L(L).cross_entropy(L.ones(3, 5), L.ones(3, 4))),
    ("weight", lambda L: _L(L).cross_entropy(L.ones(3, 5), L.tensor([1, 2, 3]),
                                             weight=L.ones(4))),
    ("smooth", lambda L: _L(L).cross_entropy(L.ones(3, 5), L.tensor([1, 2, 3]),
                                             label_smoothing=1.5)),
    ("kdim", lambda L: _L(L).cross_entropy(L.ones(3, 5, 4), L.zeros(3, 5, dtype=L.int64))),
    ("prob_long", lambda L: _L(L).cross_entropy(L.ones(3, 5), L.zeros(3, 5, dtype=L.int64))),
    ("nll0d", lambda L: _L(L).nll_loss(L.tensor(1.0), L.tensor(1))),
    ("nll1d", lambda L: _L(L).nll_loss(L.ones(5), L.tensor([1, 2]))),
    ("reduction", lambda L: _L(L).cross_entropy(L.ones(3, 5), L.tensor([1, 2, 3]),
                                                reduction="foo")),
    ("mse_red", lambda L: _L(L).mse_loss(L.ones(3), L.ones(3), reduction="foo")),
    ("kl_red", lambda L: _L(L).kl_div(L.ones(3), L.ones(3), reduction="foo")),
    ("bce_range", lambda L: _L(L).binary_cross_entropy(L.tensor([0.5, 1.5]), L.ones(2))),
    ("bce_size", lambda L: _L(L).binary_cross_entropy(L.tensor([0.5, 0.5]), L.ones(3))),
    ("bcel_size", lambda L: _L(L).binary_cross_entropy_with_logits(L.ones(2), L.ones(3))),
    ("beta", lambda L: _L(L).smooth_l1_loss(L.ones(2), L.ones(2), beta=-1.0)),
    ("delta", lambda L: _L(L).huber_loss(L.ones(2), L.ones(2), delta=0.0)),
    ("delta_type", lambda L: L.nn.HuberLoss(delta="a")),
    ("cos_t", lambda L: _L(L).cosine_embedding_loss(L.ones(3, 4), L.ones(3, 4),
                                                    L.ones(1, 3))),
    ("cos_0d", lambda L: _L(L).cosine_embedding_loss(L.ones(3, 4), L.ones(3, 4), L.tensor(1))),
    ("cos_1d", lambda L: _L(L).cosine_embedding_loss(L.ones(4), L.ones(4), L.tensor([1]))),
]


@pytest.mark.parametrize("name,fn", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torch(name, fn):
    same_error(lambda: fn(netlab), lambda: fn(torch))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_empty_batches(reduction):
    x = np.zeros((0, 5), np.float32)
    cases = [("cross_entropy", [x, np.zeros(0, np.int64)]),
             ("cross_entropy", [x, np.zeros((0, 5), np.float32)]),
             ("nll_loss", [x, np.zeros(0, np.int64)]),
             ("binary_cross_entropy", [x, x]), ("binary_cross_entropy_with_logits", [x, x]),
             ("mse_loss", [x, x]), ("smooth_l1_loss", [x, x])]
    for fn, arrays in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yn = getattr(F, fn)(*[netlab.tensor(a) for a in arrays], reduction=reduction)
            yt = getattr(TF, fn)(*[torch.tensor(a) for a in arrays], reduction=reduction)
        assert_close(yn, yt, msg=fn)
