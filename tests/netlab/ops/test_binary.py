import numpy as np
import pytest

import netlab
from tests.netlab.parity import check_op, gradcheck, gradgradcheck, randn, to_torch, torch

SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3)), ((0, 3), (3,)),
          ((), ())]


def _divisor(shape, dtype):
    # |b| >= 0.5 with random signs: away from the pole of the quotient
    b = np.abs(randn(*shape, dtype=dtype)) + 0.5
    return np.asarray(b * np.where(randn(*shape) > 0, 1, -1), dtype=dtype)


def _ties(shape, dtype):
    # coarse values so that maximum/minimum meet ties (the gradient is split in half)
    return np.asarray(np.round(randn(*shape, dtype=dtype)), dtype=dtype)


# name, netlab fn, torch fn, second-operand maker
BINARY = [
    ("atan2", netlab.atan2, torch.atan2, lambda s, d: randn(*s, dtype=d)),
    ("maximum", netlab.maximum, torch.maximum, _ties),
    ("minimum", netlab.minimum, torch.minimum, _ties),
    ("fmod", netlab.fmod, torch.fmod, _divisor),
    ("remainder", netlab.remainder, torch.remainder, _divisor),
    ("mod_op", lambda a, b: a % b, lambda a, b: a % b, _divisor),
    ("lerp", lambda a, b: netlab.lerp(a, b, 0.3), lambda a, b: torch.lerp(a, b, 0.3),
     lambda s, d: randn(*s, dtype=d)),
    ("lerp_hi", lambda a, b: netlab.lerp(a, b, 0.8), lambda a, b: torch.lerp(a, b, 0.8),
     lambda s, d: randn(*s, dtype=d)),
    ("where", lambda a, b: netlab.where(a > 0, a, b), lambda a, b: torch.where(a > 0, a, b),
     lambda s, d: randn(*s, dtype=d)),
]
IDS = [b[0] for b in BINARY]


@pytest.mark.parametrize("name,nl_fn,th_fn,make_b", BINARY, ids=IDS)
@pytest.mark.parametrize("sa,sb", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_parity(name, nl_fn, th_fn, make_b, sa, sb, dtype):
    a = _ties(sa, dtype) if name in ("maximum", "minimum") else randn(*sa, dtype=dtype)
    if name == "lerp" or name == "lerp_hi":
        # lerp needs input and end of one shape family; broadcast end only
        sa = np.broadcast_shapes(sa, sb)
        a = randn(*sa, dtype=dtype)
    check_op(nl_fn, th_fn, a, make_b(sb, dtype))


@pytest.mark.parametrize("name,nl_fn,th_fn,make_b", BINARY, ids=IDS)
def test_grad_fn_names(name, nl_fn, th_fn, make_b):
    a, b = randn(2, 3), make_b((2, 3), np.float32)
    na, nb = netlab.tensor(a, requires_grad=True), netlab.tensor(b, requires_grad=True)
    ta, tb = to_torch(a, True), to_torch(b, True)
    assert nl_fn(na, nb).grad_fn.name() == th_fn(ta, tb).grad_fn.name()


@pytest.mark.parametrize("name,nl_fn,th_fn,make_b", BINARY, ids=IDS)
def test_gradcheck_and_gradgradcheck(name, nl_fn, th_fn, make_b):
    a = np.array([[0.3, -1.2, 2.1], [-0.7, 0.9, 1.6]])
    b = make_b((3,), np.float64)
    if name in ("maximum", "minimum"):
        b = np.array([0.1, -0.4, 2.5])  # no ties: the function is smooth there
    assert gradcheck(nl_fn, a, b)
    assert gradgradcheck(nl_fn, a, b)


# scalar operands ---------------------------------------------------------------------------

@pytest.mark.parametrize("fn", [
    lambda x: x % 0.7, lambda x: x % -0.7, lambda x: x.fmod(0.7),
    lambda x: x.fmod(-1.3), lambda x: x.remainder(1.1), lambda x: x.where(x > 0, 0.5),
    lambda x: netlab.where(x > 0, 1.0, x) if isinstance(x, netlab.Tensor)
    else torch.where(x > 0, 1.0, x),
])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_scalar_operands(fn, dtype):
    x = np.asarray(np.abs(randn(3, 4, dtype=dtype)) + 0.3, dtype=dtype)
    x[0] *= -1
    check_op(fn, fn, x)


def test_reflected_mod():
    # PyTorch has no derivative for a scalar dividend; netlab gives the true one
    x = np.array([0.7, -1.3, 2.2, 4.0])
    check_op(lambda t: 2.5 % t, lambda t: 2.5 % t, x, grad=False)
    assert gradcheck(lambda t: 2.5 % t, x)


def test_scalar_other_grad_fn_names():
    x = netlab.tensor([1.5, -2.5], requires_grad=True)
    assert netlab.fmod(x, 2).grad_fn.name() == "FmodBackward0"
    assert (x % 2).grad_fn.name() == "RemainderBackward0"
    assert netlab.fmod(x, netlab.tensor(2.0)).grad_fn.name() == "FmodBackward1"


@pytest.mark.parametrize("weight", ["scalar", "tensor", "broadcast"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_lerp_weights(weight, dtype):
    a, b = randn(3, 4, dtype=dtype), randn(3, 4, dtype=dtype)
    if weight == "scalar":
        out = check_op(lambda x, y: netlab.lerp(x, y, 0.25), lambda x, y: torch.lerp(x, y, 0.25),
                       a, b)
        assert out.grad_fn.name() == "LerpBackward0"
        return
    w = np.asarray(np.linspace(-0.5, 1.5, 12).reshape(3, 4), dtype=dtype)
    if weight == "broadcast":
        w = w[:1]
    out = check_op(netlab.lerp, torch.lerp, a, b, w)
    assert out.grad_fn.name() == "LerpBackward1"
    assert gradcheck(netlab.lerp, a, b, w)
    assert gradgradcheck(netlab.lerp, a, b, w)


def test_lerp_errors():
    f32 = netlab.ones(2)
    with pytest.raises(RuntimeError, match="expected dtype float for `end` but got dtype double"):
        netlab.lerp(f32, netlab.ones(2, dtype=netlab.float64), 0.5)
    with pytest.raises(RuntimeError, match="for `weight`"):
        netlab.lerp(f32, f32, netlab.ones(2, dtype=netlab.float64))
    with pytest.raises(NotImplementedError, match="'Long'"):
        netlab.lerp(netlab.tensor([1]), netlab.tensor([2]), 0.5)


# maximum / minimum ---------------------------------------------------------------------------

def test_maximum_ties_split_the_gradient():
    a = netlab.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = netlab.tensor([1.0, 5.0, 0.0], requires_grad=True)
    netlab.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.5, 0.0, 1.0])
    np.testing.assert_array_equal(b.grad.numpy(), [0.5, 1.0, 0.0])


def test_maximum_minimum_nan_and_dtypes():
    x = np.array([1.0, np.nan, -np.inf, 3.0], dtype=np.float32)
    y = np.array([np.nan, 2.0, 0.0, np.inf], dtype=np.float32)
    for fn in ("maximum", "minimum"):
        check_op(getattr(netlab, fn), getattr(torch, fn), x, y)
        i = getattr(netlab, fn)(netlab.tensor([1, 5]), netlab.tensor([True, False]))
        assert i.dtype == netlab.int64
        f = getattr(netlab, fn)(netlab.tensor([1, 5]), netlab.tensor(1.5))
        assert f.dtype == netlab.float32
    with pytest.raises(TypeError, match="must be Tensor"):
        netlab.maximum(netlab.ones(2), 2)


def test_atan2_integer_inputs_and_origin_gradient():
    r = netlab.atan2(netlab.tensor([1, -2]), netlab.tensor([1, 1]))
    assert r.dtype == netlab.float32
    a = netlab.tensor([0.0, 1.0], requires_grad=True)
    b = netlab.tensor([0.0, 1.0], requires_grad=True)
    netlab.atan2(a, b).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [0.0, 0.5])
    np.testing.assert_allclose(b.grad.numpy(), [0.0, -0.5])
    with pytest.raises(TypeError, match="must be Tensor"):
        netlab.atan2(a, 2)


# fmod / remainder / rounded division -------------------------------------------------------

SPECIAL_A = np.array([1.0, -1.0, 5.0, -5.0, np.inf, 0.0, -0.0, 7.5, -7.5, np.nan, 3.0, 1e-30])
SPECIAL_B = np.array([np.inf, np.inf, -3.0, 3.0, 2.0, 0.0, -2.0, 2.5, 2.5, 1.0, 0.0, -1.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_modulo_and_rounded_division_special_values(dtype):
    a, b = SPECIAL_A.astype(dtype), SPECIAL_B.astype(dtype)
    check_op(netlab.fmod, torch.fmod, a, b)
    check_op(netlab.remainder, torch.remainder, a, b)
    for mode in ("floor", "trunc"):
        check_op(lambda x, y, m=mode: netlab.div(x, y, rounding_mode=m),
                 lambda x, y, m=mode: torch.div(x, y, rounding_mode=m), a, b)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.int8])
def test_integer_modulo_and_division(dtype):
    a = np.array([7, -7, 7, -7, 0, 5, 100], dtype=np.int64).astype(dtype)
    b = np.array([3, 3, -3, -3, 4, 1, 7], dtype=np.int64).astype(dtype)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    na, nb = netlab.tensor(a), netlab.tensor(b)
    pairs = [(netlab.fmod(na, nb), torch.fmod(ta, tb)),
             (netlab.remainder(na, nb), torch.remainder(ta, tb)), (na % 3, ta % 3),
             (netlab.div(na, nb, rounding_mode="floor"), torch.div(ta, tb, rounding_mode="floor")),
             (netlab.div(na, nb, rounding_mode="trunc"), torch.div(ta, tb, rounding_mode="trunc")),
             (na // nb, ta // tb), (netlab.fmod(na, 2.5), torch.fmod(ta, 2.5)),
             (7 % nb, 7 % tb)]
    for got, want in pairs:
        assert str(got.dtype).split(".")[1] == str(want.dtype).split(".")[1]
        np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_integer_division_by_zero_raises():
    i = netlab.tensor([1, 2])
    for f in (lambda: netlab.fmod(i, 0), lambda: i % 0, lambda: netlab.remainder(i, i * 0),
              lambda: i // 0, lambda: netlab.div(i, 0, rounding_mode="trunc"),
              lambda: i.fmod_(0), lambda: i.remainder_(netlab.tensor([1, 0]))):
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            f()
    assert np.isnan(netlab.fmod(netlab.tensor([1.0]), 0).item())  # floats give nan


def test_rounded_division_errors_and_grads():
    b = netlab.tensor([True, False])
    with pytest.raises(NotImplementedError, match="div_floor"):
        netlab.div(b, b, rounding_mode="floor")
    with pytest.raises(RuntimeError, match="rounding_mode to be one of"):
        netlab.div(netlab.ones(2), 2, rounding_mode="round")
    x = netlab.tensor([1.5, -2.5], requires_grad=True)
    y = netlab.tensor([2.0, 2.0], requires_grad=True)
    q = netlab.div(x, y, rounding_mode="floor")
    assert q.grad_fn.name() == "DivBackward2"
    q.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])
    np.testing.assert_array_equal(y.grad.numpy(), [0.0, 0.0])
    r = 7 // netlab.tensor([2.0, -2.0])
    np.testing.assert_array_equal(r.numpy(), [3.0, -4.0])


def test_fmod_rejects_scalar_input_and_bool():
    with pytest.raises(TypeError):
        netlab.fmod(2, netlab.ones(2))
    with pytest.raises(NotImplementedError):
        netlab.remainder(netlab.tensor([True]), netlab.tensor([True]))


# where -------------------------------------------------------------------------------------

@pytest.mark.parametrize("sc,sa,sb", [((3, 4), (3, 4), (3, 4)), ((3, 1), (1, 4), (4,)),
                                      ((), (2, 3), ()), ((2, 3), (), (2, 3)),
                                      ((0, 2), (2,), (0, 2))])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_where_broadcasting(sc, sa, sb, dtype):
    cond = randn(*sc) > 0
    cond = np.asarray(cond)
    check_op(netlab.where, torch.where, cond, randn(*sa, dtype=dtype), randn(*sb, dtype=dtype))


@pytest.mark.parametrize("x,y", [
    (np.array([1, 2]), 2.5), (np.array([1, 2]), 2), (1, 2), (1.0, 2), (True, 0),
    (np.array([1, 2], dtype=np.int32), np.array(2.5)), (np.array([1.0, 2.0]), np.array([3, 4])),
    (np.array([1, 2], dtype=np.uint8), np.array([True, False])),
])
def test_where_type_promotion(x, y):
    cond = np.array([True, False])

    def conv(v, mod):
        return (netlab.tensor(v) if mod is netlab else torch.from_numpy(v)) \
            if isinstance(v, np.ndarray) else v

    got = netlab.where(netlab.tensor(cond), conv(x, netlab), conv(y, netlab))
    want = torch.where(torch.from_numpy(cond), conv(x, torch), conv(y, torch))
    assert str(got.dtype).split(".")[1] == str(want.dtype).split(".")[1]
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_where_one_argument_and_condition_dtype():
    c = np.array([[True, False, True], [False, False, True]])
    got = netlab.where(netlab.tensor(c))
    want = torch.where(torch.from_numpy(c))
    assert len(got) == 2
    for g, w in zip(got, want):
        assert g.dtype == netlab.int64
        np.testing.assert_array_equal(g.numpy(), w.numpy())
    np.testing.assert_array_equal(netlab.where(netlab.tensor(True))[0].numpy(), [0])
    with pytest.raises(RuntimeError, match="boolean tensor, but got a tensor with dtype Long"):
        netlab.where(netlab.tensor([1, 0]), netlab.ones(2), netlab.zeros(2))
    u8 = netlab.where(netlab.tensor(np.array([1, 0], dtype=np.uint8)), 1.0, 0.0)
    np.testing.assert_array_equal(u8.numpy(), [1.0, 0.0])
    with pytest.raises(RuntimeError, match=r"size of tensor a \(2\) must match"):
        netlab.where(netlab.tensor([True, False]), netlab.ones(3), 0.0)


# in-place, operators, out= ---------------------------------------------------------------

INPLACE = [
    ("atan2_", lambda s: (s,)), ("fmod_", lambda s: (1.3,)), ("fmod_", lambda s: (s + 2,)),
    ("remainder_", lambda s: (0.7,)), ("remainder_", lambda s: (s + 2,)),
    ("lerp_", lambda s: (s, 0.3)), ("lerp_", lambda s: (s, s * 0 + 0.6)),
]


def _tensor_args(args, mod, rg=False):
    return [(netlab.tensor(a, requires_grad=rg) if mod is netlab else to_torch(a, rg))
            if isinstance(a, np.ndarray) else a for a in args]


@pytest.mark.parametrize("name,make_args", INPLACE, ids=[f"{n}{i}" for i, (n, _) in
                                                         enumerate(INPLACE)])
def test_inplace_variants(name, make_args):
    x = randn(3, 4, dtype=np.float64)
    args = make_args(np.abs(randn(3, 4, dtype=np.float64)))
    a, b = netlab.tensor(x), torch.from_numpy(x.copy())
    v = a._version
    assert getattr(a, name)(*_tensor_args(args, netlab)) is a
    getattr(b, name)(*_tensor_args(args, torch))
    assert a._version == v + 1
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)
    # with autograd: the history is rebased onto the in-place node
    xa, xb = netlab.tensor(x, requires_grad=True), to_torch(x, True)
    ya, yb = xa * 1.0, xb * 1.0
    getattr(ya, name)(*_tensor_args(args, netlab))
    getattr(yb, name)(*_tensor_args(args, torch))
    assert ya.grad_fn.name() == yb.grad_fn.name()
    (ya * ya).sum().backward()
    (yb * yb).sum().backward()
    np.testing.assert_allclose(xa.grad.numpy(), xb.grad.numpy(), rtol=1e-10)


def test_imod_operator_and_integer_inplace():
    x = netlab.tensor([5.5, -5.5])
    v = x._version
    x %= 2
    assert x._version == v + 1
    np.testing.assert_allclose(x.numpy(), [1.5, 0.5])
    i = netlab.tensor([7, -7])
    i %= 3
    np.testing.assert_array_equal(i.numpy(), [1, 2])
    with pytest.raises(RuntimeError, match="can't be cast"):
        i.fmod_(2.5)


def test_out_arguments():
    a, b = randn(2, 3), randn(2, 3)
    for nl_fn, th_fn in ((netlab.maximum, torch.maximum), (netlab.atan2, torch.atan2),
                         (netlab.remainder, torch.remainder)):
        out = netlab.empty(0)
        assert nl_fn(netlab.tensor(a), netlab.tensor(b), out=out) is out
        np.testing.assert_allclose(out.numpy(), th_fn(torch.from_numpy(a),
                                                      torch.from_numpy(b)).numpy(), rtol=1e-6)
    out = netlab.empty(2, 3)
    netlab.where(netlab.tensor(a > 0), netlab.tensor(a), 0.0, out=out)
    np.testing.assert_allclose(out.numpy(), np.where(a > 0, a, 0.0))
