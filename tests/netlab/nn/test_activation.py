"""Activations against PyTorch: values and gradients (incl. the kinks), extra_repr, in-place
forms, large-|x| stability, softmax family and float64 gradchecks."""

import warnings

import numpy as np
import pytest

import netlab
import netlab.nn as nn
import netlab.nn.functional as F
from tests.netlab.parity import assert_close, gradcheck, gradgradcheck, same_error, torch

TF = torch.nn.functional

# edge points (kinks of relu/hardtanh/relu6/hardsigmoid/hardswish/shrink/threshold) + random
_EDGES = [-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 6.0, 7.0, -7.0, 0.1, 20.0]


def _input(dtype, shape=(2, 3, 4)):
    rng = np.random.default_rng(7)
    x = (rng.standard_normal(int(np.prod(shape))) * 3).astype(dtype)
    x[: len(_EDGES)] = _EDGES
    return x.reshape(shape)


CASES = [
    ("Threshold", dict(threshold=0.1, value=20.0)),
    ("Threshold", dict(threshold=-1.0, value=-2.0)),
    ("ReLU", {}),
    ("RReLU", dict(lower=0.1, upper=0.3)),
    ("Hardtanh", {}),
    ("Hardtanh", dict(min_val=-0.5, max_val=3.0)),
    ("ReLU6", {}),
    ("Sigmoid", {}),
    ("Hardsigmoid", {}),
    ("Tanh", {}),
    ("SiLU", {}),
    ("Mish", {}),
    ("Hardswish", {}),
    ("ELU", {}),
    ("ELU", dict(alpha=0.5)),
    ("CELU", dict(alpha=2.0)),
    ("SELU", {}),
    ("GELU", {}),
    ("GELU", dict(approximate="tanh")),
    ("Hardshrink", {}),
    ("Hardshrink", dict(lambd=1.0)),
    ("Softshrink", dict(lambd=1.0)),
    ("LeakyReLU", {}),
    ("LeakyReLU", dict(negative_slope=0.2)),
    ("LogSigmoid", {}),
    ("Softplus", {}),
    ("Softplus", dict(beta=2.0, threshold=5.0)),
    ("PReLU", {}),
    ("PReLU", dict(num_parameters=3, init=0.1)),
    ("Softsign", {}),
    ("Tanhshrink", {}),
    ("Softmax", dict(dim=1)),
    ("Softmax", dict(dim=-1)),
    ("LogSoftmax", dict(dim=1)),
    ("LogSoftmax", dict(dim=0)),
    ("Softmin", dict(dim=2)),
]


def _pair(name, kwargs, dtype=np.float32):
    theirs = getattr(torch.nn, name)(**kwargs)
    ours = getattr(nn, name)(**kwargs)
    if dtype == np.float64:
        theirs, ours = theirs.double(), ours.double()
    sd = {k: netlab.from_numpy(v.detach().numpy().copy()) for k, v in
          theirs.state_dict().items()}
    ours.load_state_dict(sd, strict=True)
    return ours, theirs


def _ids(cases):
    return [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for n, kw in cases]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,kwargs", CASES, ids=_ids(CASES))
def test_module_matches_torch(name, kwargs, dtype):
    ours, theirs = _pair(name, kwargs, dtype)
    assert str(ours) == str(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    if name == "RReLU":  # random in training: compared in eval here, trained below
        ours.eval()
        theirs.eval()
    x = _input(dtype)
    up = np.random.default_rng(3).standard_normal(x.shape).astype(dtype)
    xn = netlab.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    yn, yt = ours(xn), theirs(xt)
    rtol, atol = (1e-5, 1e-6) if dtype == np.float32 else (1e-10, 1e-12)
    assert_close(yn, yt, rtol, atol)
    (yn * netlab.tensor(up)).sum().backward()
    (yt * torch.from_numpy(up)).sum().backward()
    # float32 gradients: 1e-5 absolute for the exp/erf-based slopes; float64: 1e-7 relative,
    # since some PyTorch kernels use float constants (hardsigmoid's 1/6)
    assert_close(xn.grad, xt.grad, 1e-5 if dtype == np.float32 else 1e-7,
                 1e-5 if dtype == np.float32 else atol)
    for (kn, pn), (kt, pt) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert kn == kt
        assert_close(pn.grad, pt.grad, rtol * 10, atol * 10)


@pytest.mark.parametrize("name,kwargs", CASES, ids=_ids(CASES))
def test_gradcheck_float64(name, kwargs):
    ours = getattr(nn, name)(**kwargs).double()
    x = np.random.default_rng(11).standard_normal((2, 3, 2)) * 2
    if name == "RReLU":
        ours.eval()
    params = [p for p in ours.parameters()]
    if params:
        w = params[0]
        assert gradcheck(lambda a, w_: F.prelu(a, w_), x, w.detach().numpy().copy())
    else:
        assert gradcheck(ours, x)


SMOOTH = [F.elu, F.selu, lambda x: F.celu(x, 2.0), F.gelu, lambda x: F.gelu(x, "tanh"),
          F.silu, F.mish, F.softplus, F.logsigmoid, lambda x: F.softmax(x, 1),
          lambda x: F.log_softmax(x, 1), lambda x: F.softmin(x, 0), F.hardswish,
          lambda x: F.prelu(x, netlab.tensor([0.3, 0.1, 0.2], dtype=netlab.float64))]


@pytest.mark.parametrize("fn", SMOOTH)
def test_gradgradcheck_float64(fn):
    x = np.random.default_rng(5).standard_normal((2, 3)) * 2
    assert gradgradcheck(fn, x)


@pytest.mark.parametrize("nl,th", [
    (F.softplus, TF.softplus), (lambda x: x.sigmoid(), torch.sigmoid), (F.logsigmoid,
                                                                          TF.logsigmoid),
    (lambda x: F.log_softmax(x, 0), lambda x: TF.log_softmax(x, 0)),
    (lambda x: F.softmax(x, 0), lambda x: TF.softmax(x, 0)), (F.silu, TF.silu),
    (F.mish, TF.mish), (F.elu, TF.elu), (F.gelu, TF.gelu), (F.selu, TF.selu)])
def test_large_inputs_are_stable(nl, th):
    x = np.array([-1e4, -200.0, -90.0, -30.0, 0.0, 30.0, 90.0, 200.0, 1e4], np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy overflow warnings leak out
        xn = netlab.tensor(x, requires_grad=True)
        yn = nl(xn)
        yn.sum().backward()
    xt = torch.tensor(x, requires_grad=True)
    yt = th(xt)
    yt.sum().backward()
    assert np.isfinite(yn.detach().numpy()).all() == np.isfinite(yt.detach().numpy()).all()
    assert_close(yn, yt, 1e-5, 1e-6)
    assert_close(xn.grad, xt.grad, 1e-5, 1e-6)


def test_softplus_large_threshold_does_not_overflow():
    x = netlab.tensor([100.0, -100.0])
    y = F.softplus(x, threshold=1000.0)
    assert_close(y, torch.tensor([100.0, 0.0]), 1e-6, 1e-30)


INPLACE = [("relu", {}), ("relu6", {}), ("hardtanh", dict(min_val=-0.5, max_val=0.5)),
           ("elu", dict(alpha=0.7)), ("selu", {}), ("celu", dict(alpha=1.5)),
           ("leaky_relu", dict(negative_slope=0.2)), ("hardsigmoid", {}), ("hardswish", {}),
           ("silu", {}), ("mish", {}), ("threshold", dict(threshold=0.5, value=-1.0)),
           ("rrelu", dict(lower=0.2, upper=0.4))]


@pytest.mark.parametrize("name,kwargs", INPLACE, ids=[n for n, _ in INPLACE])
def test_inplace_forms(name, kwargs):
    x = _input(np.float32)
    xn = netlab.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    hn, ht = xn * 2, xt * 2
    on = getattr(F, name)(hn, **kwargs, inplace=True)
    ot = getattr(TF, name)(ht, **kwargs, inplace=True)
    assert on is hn
    assert_close(hn, ht)
    (on * on).sum().backward()
    (ot * ot).sum().backward()
    assert_close(xn.grad, xt.grad, 1e-5, 1e-5)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        getattr(F, name)(netlab.ones(2, requires_grad=True), **kwargs, inplace=True)


@pytest.mark.parametrize("name", ["elu_", "selu_", "celu_", "leaky_relu_", "hardtanh_", "relu_",
                                  "rrelu_"])
def test_underscore_functions(name):
    x = _input(np.float32)
    n, t = netlab.tensor(x), torch.tensor(x)
    assert getattr(F, name)(n) is n
    getattr(TF, name)(t)
    assert_close(n, t)
    n = netlab.tensor(x)
    F.threshold_(n, 0.5, 9.0)
    assert_close(n, TF.threshold(torch.tensor(x), 0.5, 9.0))


def test_rrelu_training_draws_slopes_in_range_with_netlab_generator():
    m = nn.RReLU(0.1, 0.3)
    x = netlab.tensor(_input(np.float64, (50, 40)), requires_grad=True)
    netlab.manual_seed(0)
    y = m(x)
    netlab.manual_seed(0)
    assert (m(x).detach().numpy() == y.detach().numpy()).all()
    xa, ya = x.detach().numpy(), y.detach().numpy()
    neg = xa < 0
    slope = ya[neg] / xa[neg]
    assert slope.min() >= 0.1 and slope.max() <= 0.3 and slope.std() > 0.03
    assert (ya[xa > 0] == xa[xa > 0]).all()
    y.sum().backward()
    g = x.grad.numpy()
    np.testing.assert_allclose(g[neg], slope)
    assert (g[xa > 0] == 1).all()
    assert gradcheck(lambda a: (netlab.manual_seed(1), F.rrelu(a, 0.1, 0.3, True))[1],
                     np.random.default_rng(0).standard_normal((3, 4)))


@pytest.mark.parametrize("fn", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("shape,dim", [((4,), 0), ((3, 5), 1), ((3, 5), 0), ((2, 3, 4), -1),
                                       ((2, 3, 4), 1), ((), 0), ((3, 0), 1), ((0, 3), 1)])
def test_softmax_family_dims(fn, shape, dim):
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32) * 5
    xn = netlab.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    yn = getattr(F, fn)(xn, dim)
    yt = getattr(TF, fn)(xt, dim)
    assert_close(yn, yt)
    up = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    (yn * netlab.tensor(up)).sum().backward()
    (yt * torch.from_numpy(up)).sum().backward()
    assert_close(xn.grad, xt.grad, 1e-5, 1e-6)


def test_softmax_dtype_implicit_dim_and_tensor_methods():
    x = np.random.default_rng(1).standard_normal((2, 2, 3, 4)).astype(np.float32)
    for fn in ("softmax", "log_softmax", "softmin"):
        y = getattr(F, fn)(netlab.tensor(x), 2, dtype=netlab.float64)
        assert y.dtype == netlab.float64
        assert_close(y, getattr(TF, fn)(torch.tensor(x), 2, dtype=torch.float64), 1e-10, 1e-12)
        for shape in [(4,), (3, 4), (2, 3, 4), (2, 2, 3, 4)]:
            xs = x.reshape(-1)[: int(np.prod(shape))].reshape(shape)
            with pytest.warns(UserWarning, match=f"Implicit dimension choice for {fn}"):
                yn = getattr(F, fn)(netlab.tensor(xs))
            with pytest.warns(UserWarning):
                yt = getattr(TF, fn)(torch.tensor(xs))
            assert_close(yn, yt)
    with pytest.warns(UserWarning):
        assert_close(nn.Softmax()(netlab.tensor(x)), torch.nn.Softmax()(torch.tensor(x)))
    assert_close(netlab.tensor(x).softmax(1), torch.tensor(x).softmax(1))
    assert_close(netlab.tensor(x).log_softmax(-1), torch.tensor(x).log_softmax(-1))


def test_softmax_inf_rows_match_torch():
    x = np.array([[-np.inf, -np.inf, 0.0], [-np.inf, -np.inf, -np.inf], [1000.0, 0.0, -1000.0]],
                 np.float32)
    for fn in ("softmax", "log_softmax"):
        assert_close(getattr(F, fn)(netlab.tensor(x), 1), getattr(TF, fn)(torch.tensor(x), 1))


def test_prelu_shapes_and_weight_grad():
    for shape, n in [((5,), 1), ((4, 3), 3), ((2, 3, 4, 5), 3), ((2, 3, 4), 1), ((), 1)]:
        x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
        w = np.linspace(0.1, 0.5, n).astype(np.float32)
        xn, wn = netlab.tensor(x, requires_grad=True), netlab.tensor(w, requires_grad=True)
        xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
        yn, yt = F.prelu(xn, wn), TF.prelu(xt, wt)
        assert_close(yn, yt)
        (yn * yn).sum().backward()
        (yt * yt).sum().backward()
        assert_close(xn.grad, xt.grad, 1e-5, 1e-6)
        assert_close(wn.grad, wt.grad, 1e-5, 1e-5)


def test_prelu_module_init_and_state_dict():
    m = nn.PReLU(4, init=0.3, dtype=netlab.float64)
    assert m.weight.shape == (4,) and m.weight.dtype == netlab.float64
    assert (m.weight.detach().numpy() == 0.3).all()
    assert m.init == 0.3
    assert list(m.state_dict()) == ["weight"]


def _x(*vals, dtype=np.float32):
    return np.array(vals, dtype)


ERRORS = [
    ("gelu", lambda L: L.nn.functional.gelu(L.tensor([1.0]), approximate="foo")),
    ("hardtanh", lambda L: L.nn.functional.hardtanh(L.tensor([1.0]), 2.0, 1.0)),
    ("Hardtanh", lambda L: L.nn.Hardtanh(2.0, 1.0)),
    ("softshrink", lambda L: L.nn.functional.softshrink(L.tensor([1.0]), -1.0)),
    ("rrelu", lambda L: L.nn.functional.rrelu(L.tensor([1.0]), 0.5, 0.1, True)),
    ("prelu_ch", lambda L: L.nn.functional.prelu(L.ones(2, 3, 4), L.ones(4))),
    ("prelu_1d", lambda L: L.nn.functional.prelu(L.ones(3), L.ones(3))),
    ("prelu_2d", lambda L: L.nn.functional.prelu(L.ones(2, 3), L.ones(1, 3))),
    ("prelu_dt", lambda L: L.nn.functional.prelu(L.ones(3), L.ones(1, dtype=L.float64))),
    ("elu_int", lambda L: L.nn.functional.elu(L.tensor([1, 2]))),
    ("selu_int", lambda L: L.nn.functional.selu(L.tensor([1, 2]))),
    ("leaky_int", lambda L: L.nn.functional.leaky_relu(L.tensor([1, 2]))),
    ("softplus_int", lambda L: L.nn.functional.softplus(L.tensor([1, 2]))),
    ("gelu_int", lambda L: L.nn.functional.gelu(L.tensor([1, 2]))),
    ("silu_int", lambda L: L.nn.functional.silu(L.tensor([1, 2]))),
    ("mish_int", lambda L: L.nn.functional.mish(L.tensor([1, 2]))),
    ("hsig_int", lambda L: L.nn.functional.hardsigmoid(L.tensor([1, 2]))),
    ("hswish_int", lambda L: L.nn.functional.hardswish(L.tensor([1, 2]))),
    ("hshrink_int", lambda L: L.nn.functional.hardshrink(L.tensor([1, 2]))),
    ("logsig_int", lambda L: L.nn.functional.logsigmoid(L.tensor([1, 2]))),
    ("softmax_int", lambda L: L.nn.functional.softmax(L.tensor([1, 2]), 0)),
    ("log_softmax_int", lambda L: L.nn.functional.log_softmax(L.tensor([1, 2]), 0)),
    ("softmax_dim", lambda L: L.nn.functional.softmax(L.tensor(2.0), 1)),
    ("relu6_bool", lambda L: L.nn.functional.relu6(L.tensor([True]))),
]


@pytest.mark.parametrize("name,fn", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torch(name, fn):
    same_error(lambda: fn(netlab), lambda: fn(torch))


def test_integer_inputs_where_torch_allows_them():
    for fn in ("relu6", "hardtanh"):
        assert_close(getattr(F, fn)(netlab.tensor([1, -2, 7])),
                     getattr(TF, fn)(torch.tensor([1, -2, 7])))
    assert_close(F.threshold(netlab.tensor([1, -2]), 0, 5), TF.threshold(torch.tensor([1, -2]),
                                                                         0, 5))
    assert_close(F.hardtanh(netlab.tensor([1, 2]), 0.5, 1.5),
                 TF.hardtanh(torch.tensor([1, 2]), 0.5, 1.5))


@pytest.mark.parametrize("shape", [(), (0, 3)])
@pytest.mark.parametrize("name,kwargs", CASES, ids=_ids(CASES))
def test_zero_dim_and_empty_inputs(name, kwargs, shape):
    if name == "PReLU" and kwargs.get("num_parameters", 1) != 1 and shape == ():
        return  # per-channel weights need a channel dim
    if name.startswith(("Softmax", "LogSoftmax", "Softmin")) and shape == ():
        kwargs = dict(dim=0)
    if name.startswith(("Softmax", "LogSoftmax", "Softmin")) and shape == (0, 3):
        kwargs = dict(dim=1)
    ours, theirs = _pair(name, kwargs)
    ours.eval()
    theirs.eval()
    x = np.full(shape, -0.7, np.float32)
    xn, xt = netlab.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yn, yt = ours(xn), theirs(xt)
    assert_close(yn, yt)
    yn.sum().backward()
    yt.sum().backward()
    assert_close(xn.grad, xt.grad)


def test_prelu_parameters_after_training_steps():
    ours, theirs = _pair("PReLU", dict(num_parameters=3))
    opt_n = netlab.optim.SGD(ours.parameters(), lr=0.1)
    opt_t = torch.optim.SGD(theirs.parameters(), lr=0.1)
    for step in range(3):
        x = _input(np.float32) + step
        for m, opt, lib in ((ours, opt_n, netlab), (theirs, opt_t, torch)):
            opt.zero_grad()
            (m(lib.tensor(x)) ** 2).mean().backward()
            opt.step()
    assert_close(ours.weight, theirs.weight, 1e-5, 1e-6)
