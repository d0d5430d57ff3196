import numpy as np
import pytest

import netlab
from tests.netlab.parity import check_op, gradcheck, gradgradcheck, randn, torch

SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3)), ((0, 3), (3,)),
          ((), ())]
OPS = [
    (netlab.add, torch.add), (netlab.sub, torch.sub), (netlab.mul, torch.mul),
    (netlab.div, torch.div),
    (lambda a, b: a + 2 * b, lambda a, b: a + 2 * b),
    (lambda a, b: netlab.add(a, b, alpha=3), lambda a, b: torch.add(a, b, alpha=3)),
    (lambda a, b: netlab.sub(a, b, alpha=0.5), lambda a, b: torch.sub(a, b, alpha=0.5)),
]


@pytest.mark.parametrize("sa,sb", SHAPES)
@pytest.mark.parametrize("ops", OPS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_parity(ops, sa, sb, dtype):
    check_op(ops[0], ops[1], randn(*sa, dtype=dtype), randn(*sb, dtype=dtype))


@pytest.mark.parametrize("fn", [
    lambda x: x * 2, lambda x: 2 * x, lambda x: x + 1.5, lambda x: 1.5 - x, lambda x: x - 3,
    lambda x: x / 4, lambda x: 4 / x, lambda x: -x, lambda x: x ** 2, lambda x: x ** 3.5,
    lambda x: x ** 0, lambda x: 2 ** x, lambda x: x.pow(-1),
])
def test_scalar_forms(fn):
    x = np.abs(randn(3, 4)) + 0.5
    check_op(fn, fn, x)


def test_pow_tensor_exponent():
    a = np.abs(randn(3, 4)) + 0.5
    b = randn(3, 4)
    check_op(netlab.pow, torch.pow, a, b)


@pytest.mark.parametrize("fn", [
    lambda a, b: a * b, lambda a, b: a / b, lambda a, b: a - b, lambda a, b: a ** b,
    lambda a, b: a * a * b,
])
def test_gradcheck_and_double_backward(fn):
    a = np.abs(randn(2, 3, dtype=np.float64)) + 0.5
    b = randn(3, dtype=np.float64)
    assert gradcheck(fn, a, b)
    assert gradgradcheck(fn, a, b)


@pytest.mark.parametrize("a,b", [
    (np.array([1, 2, 3]), 2.5), (np.array([1, 2], dtype=np.int32), 3),
    (np.array([True, False]), 1), (np.array([1, 2], dtype=np.uint8), np.array(5)),
    (np.array([1., 2.], dtype=np.float32), np.array(5.0)),
    (np.array([1, 2], dtype=np.int32), np.array([1.5], dtype=np.float64)),
    (np.array([1., 2.], dtype=np.float16), np.array([1, 2])),
])
def test_type_promotion(a, b):
    for f in (lambda x, y: x + y, lambda x, y: x * y, lambda x, y: x / y):
        nb = netlab.tensor(b) if isinstance(b, np.ndarray) else b
        tb = torch.from_numpy(b) if isinstance(b, np.ndarray) else b
        got = f(netlab.tensor(a), nb)
        want = f(torch.from_numpy(a), tb)
        assert str(got.dtype).split(".")[1] == str(want.dtype).split(".")[1]
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-3)


def test_shape_mismatch_names_both_sizes():
    with pytest.raises(RuntimeError, match=r"size of tensor a \(3\) must match the size of "
                                           r"tensor b \(4\) at non-singleton dimension 1"):
        netlab.ones(2, 3) + netlab.ones(2, 4)


def test_inplace_ops_and_versions():
    x = netlab.ones(3)
    v = x._version
    x += 1
    x.mul_(3)
    x.sub_(1, alpha=2)
    x /= 2
    assert x._version == v + 4
    np.testing.assert_allclose(x.numpy(), [2.0, 2.0, 2.0])


def test_inplace_on_leaf_requiring_grad_raises():
    w = netlab.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w.add_(1)
    with netlab.no_grad():
        w -= 0.5
    np.testing.assert_allclose(w.detach().numpy(), 0.5)


def test_inplace_with_autograd_rebases_history():
    a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = netlab.tensor([1.0, 2.0, 3.0], requires_grad=True)
    ta = a * 2
    ta.mul_(a)
    ta.add_(1)
    ta.sum().backward()
    tb = b * 2
    tb.mul_(b)
    tb.add_(1)
    assert tb.grad_fn.name() == "AddBackward0"
    tb.sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy())


def test_modified_saved_tensor_is_detected():
    x = netlab.ones(3, requires_grad=True)
    y = x.exp()
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_int_inplace_with_float_result_raises():
    x = netlab.tensor([1, 2])
    with pytest.raises(RuntimeError):
        x.div_(2)


def test_bool_neg_and_sub_raise():
    b = netlab.tensor([True, False])
    with pytest.raises(RuntimeError, match="Negation"):
        -b
    with pytest.raises(RuntimeError, match="Subtraction"):
        b - b


def test_numpy_scalars_promote_like_python_scalars():
    for s in (np.float64(2.0), np.int64(3), np.float32(1.5)):
        for dt in (np.float32, np.int32):
            a = netlab.ones(2, dtype=netlab.as_dtype(dt)) * s
            b = torch.ones(2, dtype=getattr(torch, np.dtype(dt).name)) * s
            assert a.dtype.name == str(b.dtype).split(".")[1]
            r = s * netlab.ones(2, dtype=netlab.as_dtype(dt))
            assert r.dtype == a.dtype
