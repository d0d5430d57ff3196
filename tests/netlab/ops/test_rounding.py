import numpy as np
import pytest

import netlab
from tests.netlab.ops.test_unary import SHAPES, SPECIAL, _any, _fns
from tests.netlab.parity import check_op, gradcheck, gradgradcheck, randn, to_torch, torch


def _away_from_int(x):
    # keeps finite differences away from the jumps of the rounding functions
    return np.asarray((np.floor(x * 3) + 0.5) / 3 + x * 1e-3, dtype=x.dtype)


# name, domain (the rounding functions are piecewise constant or linear: no gradgradcheck)
ROUNDING = [("frac", _any), ("nan_to_num", _any), ("ceil", _away_from_int),
            ("floor", _away_from_int), ("round", _away_from_int), ("trunc", _away_from_int)]
NAMES = [u[0] for u in ROUNDING]


@pytest.mark.parametrize("name,domain", ROUNDING, ids=NAMES)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unary_parity(name, domain, shape, dtype):
    nl_fn, th_fn = _fns(name)
    out = check_op(nl_fn, th_fn, domain(randn(*shape, dtype=dtype)))
    assert out.dtype == netlab.as_dtype(dtype)


@pytest.mark.parametrize("name,domain", ROUNDING, ids=NAMES)
def test_unary_gradcheck_and_gradgradcheck(name, domain):
    nl_fn = getattr(netlab, name)
    x = domain(randn(2, 3, dtype=np.float64))
    assert gradcheck(nl_fn, x)


@pytest.mark.parametrize("name", ["frac", "nan_to_num"])
def test_piecewise_linear_double_backward(name):
    # second derivative is zero away from the kinks; the double-backward graph must still run
    x = np.array([-1.5, -0.3, 0.7, 2.2])
    assert gradgradcheck(getattr(netlab, name), x)


@pytest.mark.parametrize("name", NAMES)
def test_special_values_and_their_gradients(name):
    for dt in (np.float32, np.float64):
        check_op(getattr(netlab, name), getattr(torch, name), SPECIAL.astype(dt))


@pytest.mark.parametrize("name", NAMES + ["clamp"])
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.bool_])
def test_integer_and_bool_inputs(name, dtype):
    vals = np.array([0, 1, 3, 2], dtype=dtype)
    nl_fn, th_fn = _fns(name)
    args = (0, 2) if name == "clamp" else ()
    try:
        want = th_fn(torch.from_numpy(vals), *args)
    except (RuntimeError, TypeError) as e:  # NotImplementedError is a RuntimeError
        with pytest.raises(type(e)):
            nl_fn(netlab.tensor(vals), *args)
        return
    got = nl_fn(netlab.tensor(vals), *args)
    assert str(got.dtype) == str(want.dtype).replace("torch", "netlab")
    np.testing.assert_allclose(got.numpy().astype(np.float64), want.numpy().astype(np.float64),
                               rtol=1e-6)


@pytest.mark.parametrize("decimals", [-2, -1, 0, 1, 3])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_round_decimals(decimals, dtype):
    x = (randn(5, 4, dtype=dtype) * 300).astype(dtype)
    x[0, :3] = [0.5, 1.5, 2.5]
    out = check_op(lambda t: netlab.round(t, decimals=decimals),
                   lambda t: torch.round(t, decimals=decimals), x)
    assert out.grad_fn.name() == "RoundBackward1"


def test_round_half_to_even_and_method():
    x = netlab.tensor([0.5, 1.5, 2.5, -0.5, -1.5])
    np.testing.assert_array_equal(x.round().numpy(), [0.0, 2.0, 2.0, -0.0, -2.0])
    np.testing.assert_allclose(netlab.tensor([1.2345]).round(decimals=2).numpy(), [1.23])


@pytest.mark.parametrize("kwargs", [{}, {"nan": 1.0}, {"nan": 2.0, "posinf": 5.0},
                                    {"neginf": -7.0}])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_nan_to_num(kwargs, dtype):
    x = SPECIAL.astype(dtype)
    grad = dtype != np.float16
    check_op(lambda t: netlab.nan_to_num(t, **kwargs), lambda t: torch.nan_to_num(t, **kwargs),
             x, grad=grad)


# clamp -------------------------------------------------------------------------------------

CLAMP_SCALARS = [(0, 1), (-0.5, None), (None, 0.25), (0.5, -0.5), (0, 0)]


@pytest.mark.parametrize("lo,hi", CLAMP_SCALARS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_clamp_scalar_bounds(lo, hi, dtype):
    x = randn(4, 5, dtype=dtype)
    x[0, :2] = [0, 1]  # values on the bounds get the gradient (subgradient 1)
    for nl_fn, th_fn in ((netlab.clamp, torch.clamp), (netlab.clip, torch.clip)):
        out = check_op(lambda t, f=nl_fn: f(t, min=lo, max=hi),
                       lambda t, f=th_fn: f(t, min=lo, max=hi), x)
        assert out.grad_fn.name() == "ClampBackward1"


@pytest.mark.parametrize("case", ["min", "max", "both", "broadcast", "crossed", "out_bigger"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_clamp_tensor_bounds(case, dtype):
    x = randn(3, 4, dtype=dtype)
    lo, hi = randn(3, 4, dtype=dtype) - 0.5, randn(3, 4, dtype=dtype) + 0.5
    x[0, 0], x[1, 1] = lo[0, 0], hi[1, 1]  # ties with the bounds
    if case == "min":
        args, f = (x, lo), lambda m, t, a: m.clamp(t, min=a)
    elif case == "max":
        args, f = (x, hi), lambda m, t, b: m.clamp(t, max=b)
    elif case == "both":
        args, f = (x, lo, hi), lambda m, t, a, b: m.clamp(t, a, b)
    elif case == "broadcast":
        args, f = (x, lo[:1], hi[:, :1]), lambda m, t, a, b: m.clamp(t, a, b)
    elif case == "crossed":
        args, f = (x, hi, lo), lambda m, t, a, b: m.clamp(t, a, b)  # min > max everywhere
    else:
        args, f = (x[0], lo, hi), lambda m, t, a, b: m.clamp(t, a, b)  # bounds broadcast x
    out = check_op(lambda *a: f(netlab, *a), lambda *a: f(torch, *a), *args)
    assert out.grad_fn.name() == "ClampBackward0"


def test_clamp_min_max_methods_and_names():
    x, t = randn(3, 4), randn(3, 4)
    for nl_f, th_f in ((lambda a, b: a.clamp_min(b), lambda a, b: a.clamp_min(b)),
                       (lambda a, b: a.clamp_max(b), lambda a, b: a.clamp_max(b))):
        a = check_op(nl_f, th_f, x, t)
        want = th_f(to_torch(x, True), to_torch(t, True))
        assert a.grad_fn.name() == want.grad_fn.name()
        a = check_op(lambda u, f=nl_f: f(u, 0.2), lambda u, f=th_f: f(u, 0.2), x)
        assert a.grad_fn.name() == th_f(to_torch(x, True), 0.2).grad_fn.name()


def test_clamp_gradcheck_and_gradgradcheck():
    x = np.array([[-1.3, -0.2, 0.4], [0.9, 1.7, -2.1]])
    lo, hi = np.array([-0.5, 0.1, -1.0]), np.array([[0.6], [1.2]])
    assert gradcheck(lambda a: netlab.clamp(a, -0.5, 1.0), x)
    assert gradgradcheck(lambda a: netlab.clamp(a, -0.5, 1.0), x)
    assert gradcheck(lambda a, b, c: netlab.clamp(a, b, c), x, lo, hi)
    assert gradgradcheck(lambda a, b, c: netlab.clamp(a, b, c), x, lo, hi)


def test_clamp_dtype_promotion():
    i = netlab.tensor([1, -2, 3])
    assert i.clamp(0, 2).dtype == netlab.int64
    assert i.clamp(0.5).dtype == netlab.float32
    assert i.clamp(netlab.tensor(0.5)).dtype == netlab.float32
    np.testing.assert_allclose(i.clamp(0.5).numpy(), [1.0, 0.5, 3.0])
    np.testing.assert_array_equal(netlab.tensor([True, False]).clamp(0, 1).numpy(), [1, 0])
    x = netlab.tensor([1.0, float("nan")])
    assert np.isnan(x.clamp(0, 0.5).numpy()[1])


def test_clamp_errors():
    x = netlab.ones(2)
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max'"):
        netlab.clamp(x)
    with pytest.raises(TypeError):
        netlab.clamp(x, min=netlab.zeros(2), max=1.0)
    with pytest.raises(RuntimeError, match=r"size of tensor a \(2\) must match the size of "
                                           r"tensor b \(3\)"):
        netlab.clamp(x, min=netlab.zeros(3))


# in-place and out= -------------------------------------------------------------------------

INPLACE = [("ceil", _any), ("floor", _any), ("round", _any), ("trunc", _any), ("frac", _any),
           ("nan_to_num", _any), ("clamp", _any), ("clip", _any), ("clamp_min", _any),
           ("clamp_max", _any)]


def _inplace_args(name):
    return {"clamp": (-0.5, 0.5), "clip": (-0.5, None), "clamp_min": (0.1,),
            "clamp_max": (0.1,)}.get(name, ())


@pytest.mark.parametrize("name,domain", INPLACE, ids=[n for n, _ in INPLACE])
def test_inplace_matches_and_bumps_version(name, domain):
    x = domain(randn(3, 4))
    a, b = netlab.tensor(x), torch.from_numpy(x.copy())
    v = a._version
    res = getattr(a, name + "_")(*_inplace_args(name))
    getattr(b, name + "_")(*_inplace_args(name))
    assert res is a
    assert a._version == v + 1
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,domain", INPLACE, ids=[n for n, _ in INPLACE])
def test_inplace_autograd_matches_torch(name, domain):
    x = domain(randn(2, 3, dtype=np.float64))
    a, b = netlab.tensor(x, requires_grad=True), to_torch(x, True)
    ya, yb = a * 1.0, b * 1.0
    getattr(ya, name + "_")(*_inplace_args(name))
    getattr(yb, name + "_")(*_inplace_args(name))
    assert ya.grad_fn.name() == yb.grad_fn.name()
    (ya * ya).sum().backward()
    (yb * yb).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["clamp", "round"])
def test_out_argument(name):
    x = np.abs(randn(2, 3)) + 0.1
    out = netlab.empty(0)
    kwargs = {"min": 0.5} if name == "clamp" else {}
    res = getattr(netlab, name)(netlab.tensor(x), out=out, **kwargs)
    assert res is out
    np.testing.assert_allclose(out.numpy(), getattr(torch, name)(torch.from_numpy(x),
                                                                 **kwargs).numpy(), rtol=1e-6)
