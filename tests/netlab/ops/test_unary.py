import warnings

import numpy as np
import pytest

import netlab
from tests.netlab.parity import check_op, gradcheck, gradgradcheck, randn, to_torch, torch


def _any(x):
    return x


# domains return arrays (numpy turns 0-d results into scalars)
def _pos(x):
    return np.asarray(np.abs(x) + 0.5, dtype=x.dtype)


def _gt_m1(x):
    return np.asarray(np.abs(x) - 0.5, dtype=x.dtype)


def _unit(x):
    return np.asarray(np.tanh(x) * 0.9, dtype=x.dtype)


def _small(x):
    return np.asarray(np.tanh(x) * 1.2, dtype=x.dtype)


# name, domain, smooth (for gradgradcheck)
UNARY = [
    ("exp", _any, True), ("expm1", _any, True), ("log", _pos, True), ("log2", _pos, True),
    ("log10", _pos, True), ("log1p", _gt_m1, True), ("sqrt", _pos, True),
    ("rsqrt", _pos, True), ("reciprocal", _pos, True), ("sin", _any, True), ("cos", _any, True),
    ("tan", _small, True), ("asin", _unit, True), ("acos", _unit, True), ("atan", _any, True),
    ("sinh", _any, True), ("cosh", _any, True), ("tanh", _any, True), ("sigmoid", _any, True),
    ("erf", _any, True), ("abs", _any, True), ("relu", _any, True), ("sign", _any, False),
]
NAMES = [u[0] for u in UNARY]
ROUNDING_NAMES = ["frac", "nan_to_num", "ceil", "floor", "round", "trunc"]  # test_rounding.py
SHAPES = [(3, 4), (), (0, 3), (2, 1, 3)]


def _fns(name):
    return getattr(netlab, name), getattr(torch, name)


@pytest.mark.parametrize("name,domain,smooth", UNARY, ids=NAMES)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unary_parity(name, domain, smooth, shape, dtype):
    nl_fn, th_fn = _fns(name)
    out = check_op(nl_fn, th_fn, domain(randn(*shape, dtype=dtype)))
    assert out.dtype == netlab.as_dtype(dtype)


@pytest.mark.parametrize("name,domain,smooth", UNARY, ids=NAMES)
def test_unary_gradcheck_and_gradgradcheck(name, domain, smooth):
    nl_fn = getattr(netlab, name)
    x = domain(randn(2, 3, dtype=np.float64))
    assert gradcheck(nl_fn, x)
    if smooth and name not in ("abs", "relu"):
        assert gradgradcheck(nl_fn, x)


@pytest.mark.parametrize("name", ["exp", "expm1", "sqrt", "rsqrt", "reciprocal", "tan", "tanh",
                                  "sigmoid"])
def test_zero_dim_double_backward_through_saved_output(name):
    # numpy returns scalars for 0-d inputs; a saved output must stay differentiable
    assert gradgradcheck(getattr(netlab, name), np.array(0.7))


@pytest.mark.parametrize("name", ["abs", "relu"])
def test_piecewise_linear_double_backward(name):
    # second derivative is zero away from the kinks; the double-backward graph must still run
    x = np.array([-1.5, -0.3, 0.7, 2.2])
    assert gradgradcheck(getattr(netlab, name), x)


def test_grad_fn_names_match_torch():
    x = np.array([0.3, 0.6])
    for name in NAMES + ROUNDING_NAMES:
        a = netlab.tensor(x, requires_grad=True)
        b = to_torch(x, True)
        assert getattr(netlab, name)(a).grad_fn.name() == getattr(torch, name)(b).grad_fn.name()


SPECIAL = np.array([0.0, -0.0, np.nan, np.inf, -np.inf, 1.0, -1.0, 0.5, -2.5, 1e-30, 80.0, -80.0])


@pytest.mark.parametrize("name", NAMES)
def test_special_values_and_their_gradients(name):
    # inf/nan/0 behave as PyTorch: sqrt'(0) = inf, relu'(0) = 0, abs'(0) = 0, sign(nan) = 0 ...
    for dt in (np.float32, np.float64):
        check_op(getattr(netlab, name), getattr(torch, name), SPECIAL.astype(dt))


def test_documented_edge_gradients():
    x = netlab.tensor([0.0, 1.0], requires_grad=True)
    netlab.sqrt(x).sum().backward()
    assert np.isinf(x.grad.numpy()[0])
    for fn in (netlab.relu, netlab.abs):
        x.grad = None
        fn(x).sum().backward()
        assert x.grad.numpy()[0] == 0.0


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.bool_])
def test_integer_and_bool_inputs(name, dtype):
    vals = np.array([0, 1, 3, 2], dtype=dtype)
    nl_fn, th_fn = _fns(name)
    try:
        want = th_fn(torch.from_numpy(vals))
    except (RuntimeError, TypeError) as e:  # NotImplementedError is a RuntimeError
        with pytest.raises(type(e)):
            nl_fn(netlab.tensor(vals))
        return
    got = nl_fn(netlab.tensor(vals))
    assert str(got.dtype) == str(want.dtype).replace("torch", "netlab")
    np.testing.assert_allclose(got.numpy().astype(np.float64), want.numpy().astype(np.float64),
                               rtol=1e-6)


def test_integer_dtype_errors_are_clear():
    with pytest.raises(NotImplementedError, match="'Bool'"):
        netlab.abs(netlab.tensor([True]))
    with pytest.raises(NotImplementedError, match="'Long'"):
        netlab.frac(netlab.tensor([1]))
    with pytest.raises(NotImplementedError, match="round_cpu"):
        netlab.round(netlab.tensor([1]), decimals=1)
    with pytest.raises(NotImplementedError, match="round_vml_cpu"):
        netlab.round(netlab.tensor([1]), decimals=0)
    np.testing.assert_array_equal(netlab.round(netlab.tensor([1, 2])).numpy(), [1, 2])
    with pytest.raises(NotImplementedError, match="'Bool'"):
        netlab.clamp(netlab.tensor([True, False]), True, True)
    with pytest.raises(RuntimeError, match="Boolean inputs not supported for relu"):
        netlab.relu(netlab.tensor([True]))


# in-place and out= -------------------------------------------------------------------------

INPLACE = [("exp", _any), ("log", _pos), ("log2", _pos), ("log10", _pos), ("log1p", _gt_m1),
           ("expm1", _any), ("sqrt", _pos), ("rsqrt", _pos), ("reciprocal", _pos),
           ("sin", _any), ("cos", _any), ("tan", _small), ("asin", _unit), ("acos", _unit),
           ("atan", _any), ("sinh", _any), ("cosh", _any), ("tanh", _any), ("sigmoid", _any),
           ("erf", _any), ("abs", _any), ("relu", _any), ("sign", _any)]


@pytest.mark.parametrize("name,domain", INPLACE, ids=[n for n, _ in INPLACE])
def test_inplace_matches_and_bumps_version(name, domain):
    x = domain(randn(3, 4))
    a, b = netlab.tensor(x), torch.from_numpy(x.copy())
    v = a._version
    res = getattr(a, name + "_")()
    getattr(b, name + "_")()
    assert res is a
    assert a._version == v + 1
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,domain", INPLACE, ids=[n for n, _ in INPLACE])
def test_inplace_autograd_matches_torch(name, domain):
    x = domain(randn(2, 3, dtype=np.float64))
    a, b = netlab.tensor(x, requires_grad=True), to_torch(x, True)
    ya, yb = a * 1.0, b * 1.0
    getattr(ya, name + "_")()
    getattr(yb, name + "_")()
    assert ya.grad_fn.name() == yb.grad_fn.name()
    (ya * ya).sum().backward()
    (yb * yb).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_inplace_float_function_on_integer_tensor_raises():
    for name in ("exp_", "sqrt_", "sigmoid_", "reciprocal_"):
        with pytest.raises(RuntimeError, match="can't be cast"):
            getattr(netlab.tensor([1, 2]), name)()
    i = netlab.tensor([-1, 2])
    i.abs_()
    i.relu_()
    i.clamp_(0, 1)
    np.testing.assert_array_equal(i.numpy(), [1, 1])


def test_inplace_on_leaf_requiring_grad_raises():
    w = netlab.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w.relu_()


def test_inplace_after_save_is_detected():
    x = netlab.tensor([0.5, 1.0], requires_grad=True)
    y = x * 1
    z = y.sin()
    y.cos_()  # sin saved its input y
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


@pytest.mark.parametrize("name", ["exp", "sqrt", "abs", "sigmoid"])
def test_out_argument(name):
    x = np.abs(randn(2, 3)) + 0.1
    out = netlab.empty(0)
    res = getattr(netlab, name)(netlab.tensor(x), out=out)
    assert res is out
    np.testing.assert_allclose(out.numpy(), getattr(torch, name)(torch.from_numpy(x)).numpy(),
                               rtol=1e-6)


def test_float16_inputs_keep_dtype():
    x = randn(5).astype(np.float16)
    for name in ("exp", "sigmoid", "tanh", "erf", "sqrt", "relu"):
        got = getattr(netlab, name)(netlab.tensor(np.abs(x)))
        want = getattr(torch, name)(torch.from_numpy(np.abs(x)))
        assert got.dtype == netlab.float16
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=2e-3, atol=1e-3)


def test_extreme_inputs_do_not_warn():
    x = netlab.tensor([-1000.0, 0.0, 1000.0, float("nan"), float("inf")])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in ("exp", "expm1", "sinh", "cosh", "sigmoid", "log", "sqrt", "rsqrt",
                     "reciprocal", "asin", "acos", "erf", "frac", "sin", "cos", "tan"):
            getattr(netlab, name)(x)
        x.clone().exp_()
        x.clone().log_()


def test_default_dtype_float64_for_integer_inputs():
    netlab.set_default_dtype(netlab.float64)
    try:
        assert netlab.exp(netlab.tensor([1, 2])).dtype == netlab.float64
    finally:
        netlab.set_default_dtype(netlab.float32)
