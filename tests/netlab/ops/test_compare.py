import operator

import numpy as np
import pytest

import netlab
from tests.netlab.parity import randn, torch

SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3)), ((0, 3), (3,)),
          ((), ())]
CMP = ["eq", "ne", "gt", "ge", "lt", "le"]
OPS = {"eq": operator.eq, "ne": operator.ne, "gt": operator.gt, "ge": operator.ge,
       "lt": operator.lt, "le": operator.le}


def _same(got, want):
    assert isinstance(got, netlab.Tensor)
    assert str(got.dtype).split(".")[1] == str(want.dtype).split(".")[1]
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def _pair(v):
    if isinstance(v, np.ndarray):
        return netlab.tensor(v), torch.from_numpy(v)
    return v, v


def _coarse(shape, dtype=np.float32):
    # few distinct values so that equality is exercised
    return np.asarray(np.round(randn(*shape)), dtype=dtype)


@pytest.mark.parametrize("name", CMP)
@pytest.mark.parametrize("sa,sb", SHAPES, ids=str)
def test_comparisons_broadcast(name, sa, sb):
    a, b = _coarse(sa), _coarse(sb)
    (na, ta), (nb, tb) = _pair(a), _pair(b)
    _same(getattr(netlab, name)(na, nb), getattr(torch, name)(ta, tb))
    _same(OPS[name](na, nb), OPS[name](ta, tb))
    _same(getattr(na, name)(nb), getattr(ta, name)(tb))


@pytest.mark.parametrize("name", CMP)
@pytest.mark.parametrize("a,b", [
    (np.array([1, -2, 3]), 1.5), (np.array([1, -2, 3]), 3), (np.array([0.1, 0.2], np.float32), 0.1),
    (np.array([255, 1], np.uint8), -1), (np.array([255, 1], np.uint8), 256),
    (np.array([True, False]), 1), (np.array([True, False]), True),
    (np.array([1, 2], np.int32), np.array(1.5)), (np.array([1.0, np.nan, np.inf]), np.nan),
    (np.array([1.0, np.nan, np.inf]), np.array([1.0, np.nan, np.inf])),
    (np.array([1, 2], np.int64), np.array([1.0, 2.5], np.float16)),
    (2, np.array([1, 2, 3])), (0.5, np.array([0.25, 0.5, 0.75])),
])
def test_comparison_promotion_and_scalars(name, a, b):
    (na, ta), (nb, tb) = _pair(a), _pair(b)
    _same(OPS[name](na, nb), OPS[name](ta, tb))
    if isinstance(a, np.ndarray):
        _same(getattr(netlab, name)(na, nb), getattr(torch, name)(ta, tb))


def test_comparisons_never_require_grad():
    x = netlab.tensor([1.0, 2.0], requires_grad=True)
    for r in (x > 1, x == x, netlab.isnan(x), netlab.logical_not(x), x.isclose(x), x.any()):
        assert not r.requires_grad and r.grad_fn is None


def test_comparison_errors():
    with pytest.raises(RuntimeError, match=r"size of tensor a \(3\) must match the size of "
                                           r"tensor b \(2\)"):
        netlab.eq(netlab.ones(3), netlab.ones(2))
    assert (netlab.ones(2) == "a") is False
    assert (netlab.ones(2) == None) is False  # noqa: E711 - Python's fallback, as PyTorch
    with pytest.raises(TypeError):
        _ = netlab.ones(2) < "a"


def test_tensors_hash_by_identity():
    a, b = netlab.ones(2), netlab.ones(2)
    assert len({a, b}) == 2
    d = {a: 1, b: 2}
    assert d[a] == 1 and d[b] == 2
    assert a in [a]


# predicates --------------------------------------------------------------------------------

SPECIAL = np.array([0.0, -0.0, np.nan, np.inf, -np.inf, 1.0, -1e308])


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite", "isposinf", "isneginf"])
@pytest.mark.parametrize("x", [SPECIAL, SPECIAL.astype(np.float32), SPECIAL.astype(np.float16),
                               np.array([1, -2, 0]), np.array([True, False]),
                               np.array([3], np.uint8), np.zeros((0, 2)), np.array(np.inf)])
def test_predicates(name, x):
    _same(getattr(netlab, name)(netlab.tensor(x)), getattr(torch, name)(torch.from_numpy(x)))
    _same(getattr(netlab.tensor(x), name)(), getattr(torch.from_numpy(x), name)())


# logical -----------------------------------------------------------------------------------

LOGICAL_INPUTS = [
    (np.array([True, False, True, False]), np.array([True, True, False, False])),
    (np.array([1, 0, -2, 0]), np.array([0.5, 0.0, np.nan, 2.0])),
    (np.array([[1], [0]], np.uint8), np.array([True, False, True])),
    (np.array(1.0), np.array([0, 3], np.int32)),
]


@pytest.mark.parametrize("name", ["logical_and", "logical_or", "logical_xor"])
@pytest.mark.parametrize("a,b", LOGICAL_INPUTS)
def test_logical_binary(name, a, b):
    (na, ta), (nb, tb) = _pair(a), _pair(b)
    _same(getattr(netlab, name)(na, nb), getattr(torch, name)(ta, tb))
    _same(getattr(na, name)(nb), getattr(ta, name)(tb))


@pytest.mark.parametrize("a,b", LOGICAL_INPUTS)
def test_logical_not(a, b):
    for v in (a, b):
        _same(netlab.logical_not(netlab.tensor(v)), torch.logical_not(torch.from_numpy(v)))


def test_logical_requires_tensor_other():
    with pytest.raises(TypeError, match="must be Tensor, not int"):
        netlab.logical_xor(netlab.tensor([1, 0]), 0)


# bitwise -----------------------------------------------------------------------------------

BIT_INPUTS = [
    (np.array([True, False, True, False]), np.array([True, True, False, False])),
    (np.array([12, -7, 0, 255]), np.array([10, 3, -1, 1])),
    (np.array([12, 7, 0, 255], np.uint8), np.array([10, 3, 1, 1], np.uint8)),
    (np.array([[12], [5]], np.int32), np.array([3, 6, 9], np.int64)),
    (np.array([True, False]), np.array([3, 4])),
    (np.array([1, 2, 3]), 6), (np.array([True, False]), True), (np.array([True, False]), 2),
    (5, np.array([1, 4, 7], np.int32)), (True, np.array([True, False])),
]
BITOPS = [("bitwise_and", operator.and_), ("bitwise_or", operator.or_),
          ("bitwise_xor", operator.xor)]


@pytest.mark.parametrize("name,op", BITOPS, ids=[b[0] for b in BITOPS])
@pytest.mark.parametrize("a,b", BIT_INPUTS)
def test_bitwise(name, op, a, b):
    (na, ta), (nb, tb) = _pair(a), _pair(b)
    _same(op(na, nb), op(ta, tb))
    if isinstance(a, np.ndarray):
        _same(getattr(netlab, name)(na, nb), getattr(torch, name)(ta, tb))


@pytest.mark.parametrize("x", [np.array([True, False]), np.array([0, 5, -6]),
                               np.array([0, 5], np.uint8), np.array(7, np.int32)])
def test_invert(x):
    _same(~netlab.tensor(x), ~torch.from_numpy(x))
    _same(netlab.bitwise_not(netlab.tensor(x)), torch.bitwise_not(torch.from_numpy(x)))


def test_bitwise_errors_on_floats():
    f = netlab.ones(2)
    for op in (operator.and_, operator.or_, operator.xor):
        with pytest.raises(NotImplementedError, match="not implemented for 'Float'"):
            op(f, f)
    with pytest.raises(NotImplementedError, match="not implemented for 'Float'"):
        netlab.tensor([1, 2]) & 1.5
    with pytest.raises(TypeError, match="only implemented on integer and Boolean"):
        ~f
    with pytest.raises(NotImplementedError):
        f &= netlab.ones(2)


def test_inplace_bitwise_and_comparisons():
    m = netlab.tensor([True, False, True])
    v = m._version
    m &= netlab.tensor([True, True, False])
    m |= netlab.tensor([False, True, False])
    m ^= netlab.tensor([True, False, False])
    assert m._version == v + 3
    np.testing.assert_array_equal(m.numpy(), [False, True, False])
    i = netlab.tensor([12, 7])
    i &= 6
    np.testing.assert_array_equal(i.numpy(), [4, 6])
    with pytest.raises(RuntimeError, match="can't be cast"):
        m &= 2  # the int64 result does not fit a bool tensor
    x = netlab.tensor([1.0, 2.0, 3.0])
    t = torch.tensor([1.0, 2.0, 3.0])
    for name in ("eq_", "ne_", "gt_", "ge_", "lt_", "le_"):
        a, b = x.clone(), t.clone()
        getattr(a, name)(2.0)
        getattr(b, name)(2.0)
        _same(a, b)
    a, b = netlab.tensor([1, 0, 2]), torch.tensor([1, 0, 2])
    a.logical_and_(netlab.tensor([1, 1, 0]))
    b.logical_and_(torch.tensor([1, 1, 0]))
    _same(a, b)
    a.logical_not_()
    b.logical_not_()
    _same(a, b)


# any / all ---------------------------------------------------------------------------------

ANY_INPUTS = [np.array([[0, 1, 0], [0, 0, 0]]), np.array([[True, True], [False, True]]),
              np.array([[0.0, np.nan], [0.0, 0.0]]), np.array([[0, 3], [0, 0]], np.uint8),
              np.zeros((2, 0)), np.array(0.0), np.array(True)]


@pytest.mark.parametrize("name", ["any", "all"])
@pytest.mark.parametrize("x", ANY_INPUTS)
def test_any_all(name, x):
    nx, tx = netlab.tensor(x), torch.from_numpy(x)
    _same(getattr(netlab, name)(nx), getattr(torch, name)(tx))
    _same(getattr(nx, name)(), getattr(tx, name)())
    dims = [0, -1, (0,)] + ([(0, 1), 1] if x.ndim == 2 else [])
    for dim in dims:
        for keepdim in (False, True):
            _same(getattr(netlab, name)(nx, dim, keepdim),
                  getattr(torch, name)(tx, dim, keepdim))
            _same(getattr(nx, name)(dim=dim, keepdim=keepdim),
                  getattr(tx, name)(dim=dim, keepdim=keepdim))


def test_any_dim_out_of_range():
    with pytest.raises(IndexError, match="Dimension out of range"):
        netlab.ones(2, 2).any(2)


# isclose / allclose / equal ----------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [{}, {"rtol": 0.1}, {"atol": 0.5}, {"equal_nan": True},
                                    {"rtol": 0, "atol": 0}])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.bool_])
def test_isclose_allclose(kwargs, dtype):
    if dtype in (np.float32, np.float64):
        a = np.array([1.0, 1.0, np.nan, np.inf, -np.inf, 0.0, 1e-9, 100.0], dtype=dtype)
        b = np.array([1.0 + 1e-6, 1.2, np.nan, np.inf, np.inf, 1e-9, 0.0, 100.4], dtype=dtype)
    elif dtype is np.int64:
        a, b = np.array([1, 2, 100, -5]), np.array([1, 3, 101, 5])
    else:
        a, b = np.array([True, False, True]), np.array([True, True, False])
    (na, ta), (nb, tb) = _pair(a), _pair(b)
    _same(netlab.isclose(na, nb, **kwargs), torch.isclose(ta, tb, **kwargs))
    _same(na.isclose(nb, **kwargs), ta.isclose(tb, **kwargs))
    assert netlab.allclose(na, nb, **kwargs) is torch.allclose(ta, tb, **kwargs)
    assert netlab.allclose(na, na, **kwargs) is torch.allclose(ta, ta, **kwargs)


def test_isclose_broadcasts_and_checks_arguments():
    a, b = randn(3, 4), randn(4)
    _same(netlab.isclose(netlab.tensor(a), netlab.tensor(b), atol=1.0),
          torch.isclose(torch.from_numpy(a), torch.from_numpy(b), atol=1.0))
    with pytest.raises(RuntimeError, match="Long did not match Float"):
        netlab.isclose(netlab.tensor([1]), netlab.tensor([1.0]))
    with pytest.raises(RuntimeError, match="rtol must be greater than or equal to zero"):
        netlab.isclose(netlab.ones(1), netlab.ones(1), rtol=-1)
    with pytest.raises(RuntimeError, match="atol must be greater than or equal to zero"):
        netlab.allclose(netlab.ones(1), netlab.ones(1), atol=-1)
    with pytest.raises(RuntimeError, match="must match"):
        netlab.allclose(netlab.ones(2), netlab.ones(3))
    with pytest.raises(TypeError, match="must be Tensor, not float"):
        netlab.isclose(netlab.ones(2), 1.0)
    with pytest.raises(TypeError, match="must be Tensor"):
        netlab.equal(netlab.ones(2), 1.0)


@pytest.mark.parametrize("a,b", [
    (np.array([1, 2]), np.array([1.0, 2.0])), (np.array([1, 2]), np.array([1, 3])),
    (np.array([1, 2]), np.array([1])), (np.array([np.nan]), np.array([np.nan])),
    (np.zeros((0, 2)), np.zeros((0, 2))), (np.zeros((2, 1)), np.zeros(2)),
    (np.array(True), np.array(1)),
])
def test_equal(a, b):
    (na, ta), (nb, tb) = _pair(a), _pair(b)
    assert netlab.equal(na, nb) is torch.equal(ta, tb)
    assert na.equal(nb) is ta.equal(tb)


def test_out_arguments():
    a, b = randn(2, 3), randn(2, 3)
    out = netlab.empty(0, dtype=netlab.bool)
    assert netlab.gt(netlab.tensor(a), netlab.tensor(b), out=out) is out
    np.testing.assert_array_equal(out.numpy(), a > b)
    out = netlab.empty(0, dtype=netlab.bool)
    netlab.logical_and(netlab.tensor(a > 0), netlab.tensor(b > 0), out=out)
    np.testing.assert_array_equal(out.numpy(), (a > 0) & (b > 0))
    out = netlab.empty(0, dtype=netlab.bool)
    netlab.any(netlab.tensor(a > 0), 1, out=out)
    np.testing.assert_array_equal(out.numpy(), (a > 0).any(1))
