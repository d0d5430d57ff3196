import numpy as np
import pytest

import netlab
from tests.netlab.parity import check_op, gradcheck, gradgradcheck, randn, torch

# torch 2.13 still reads x[[0, slice(None)]] as a tuple, with a deprecation warning
pytestmark = pytest.mark.filterwarnings("ignore:Using a non-tuple sequence")

MASK3 = np.array([True, False, True])
MASK34 = randn(3, 4) > 0

# indexes of a (3, 4, 5) tensor; basic ones give views, the rest copy
BASIC = [0, -1, (1, 2), (0, 1, 2), slice(1, 3), slice(None), slice(None, None, 2),
         slice(10, 20), slice(-2, None), (slice(None), 0), (1, slice(1, 4, 2), None),
         (None, 0), (Ellipsis, 1), (0, Ellipsis, None), (), Ellipsis, (Ellipsis, None, 2),
         [0, slice(None)], (Ellipsis, Ellipsis)]
ADVANCED = [[0, 2, 2], ([0, 1], [1, 2]), ([[0], [1]], [0, 3]), (0, slice(None), [0, 1]),
            (slice(None), [3, 3, 0]), (Ellipsis, [1, 1]), ([0, 1], Ellipsis, [1, 2]),
            (None, [0, 1], slice(None), [1, 2]), ([0, 1], None, [1, 2]), [[0, 1], [1, 2]],
            (slice(1, None), [0, 1]), [], True, False, (0, True), MASK3, (MASK3, 0),
            (MASK3, slice(None), [0, 4]), MASK34, (slice(None), [True, False, True, True]),
            np.array([[0, 1], [2, 2]]), (np.int64(1), [0, 0])]


def _ids(items):
    return [repr(i)[:40] for i in items]


@pytest.mark.parametrize("index", BASIC + ADVANCED, ids=_ids(BASIC + ADVANCED))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_getitem_parity(index, dtype):
    check_op(lambda x: x[index], lambda x: x[index], randn(3, 4, 5, dtype=dtype))


@pytest.mark.parametrize("index", BASIC + ADVANCED, ids=_ids(BASIC + ADVANCED))
def test_getitem_grad_fn_and_viewness(index):
    x = netlab.tensor(randn(3, 4, 5), requires_grad=True)
    tx = torch.tensor(x.detach().numpy(), requires_grad=True)
    y, ty = x[index], tx[index]
    assert y.grad_fn.name() == ty.grad_fn.name()
    assert (y._base is x) == ty._is_view()
    if y.numel():
        assert np.shares_memory(y._array, x._array) == ty._is_view()


@pytest.mark.parametrize("index", [
    0, [0, 1], ([0, 2], [1, 1]), slice(1, None), (slice(None), [2, 0]),
])
def test_getitem_gradcheck(index):
    assert gradcheck(lambda x: x[index], randn(3, 4, dtype=np.float64))
    assert gradgradcheck(lambda x: x[index] * x[index], randn(3, 4, dtype=np.float64))


def test_tensor_indices_and_repeated_index_gradients():
    idx = np.array([0, 2, 0, 0])
    check_op(lambda x, i: x[i], lambda x, i: x[i], randn(3, 2), idx)
    check_op(lambda x, i: x[i, i % 2], lambda x, i: x[i, i % 2], randn(3, 2), idx)
    check_op(lambda x, i: x[:, i], lambda x, i: x[:, i], randn(2, 3), idx.astype(np.int32))
    check_op(lambda x, m: x[m], lambda x, m: x[m], randn(3, 4), MASK34)
    with pytest.warns(UserWarning, match="indexing with dtype .*uint8 is now deprecated"):
        check_op(lambda x, m: x[m], lambda x, m: x[m], randn(3, 4), MASK3.astype(np.uint8))
    # 0-d integer tensors act as plain integers (a view, SelectBackward0)
    x = netlab.tensor(randn(3, 2), requires_grad=True)
    y = x[netlab.tensor(1)]
    assert y.grad_fn.name() == "SelectBackward0" and y._base is x
    x[[1, 1, 1]].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0], [3, 3], [0, 0]])


def test_getitem_on_integer_tensor_and_0d():
    a = np.arange(24).reshape(2, 3, 4)
    for index in (1, (0, [1, 2]), (Ellipsis, 0), MASK3):
        idx = index if not isinstance(index, np.ndarray) else (slice(None), index)
        check_op(lambda x, i=idx: x[i], lambda x, i=idx: x[i], a)
    check_op(lambda x: x[()], lambda x: x[()], randn())
    check_op(lambda x: x[None], lambda x: x[None], randn())
    check_op(lambda x: x[...], lambda x: x[...], randn())


@pytest.mark.parametrize("index,exc,match", [
    (3, IndexError, "index 3 is out of bounds for dimension 0 with size 3"),
    ((0, -5), IndexError, "index -5 is out of bounds for dimension 1 with size 4"),
    ([0, 3], IndexError, "index 3 is out of bounds for dimension 0 with size 3"),
    ((slice(None), [-5]), IndexError, r"index -5 is out of bounds for dimension \d with size 4"),
    ((0, 0, 0), IndexError, "too many indices for tensor of dimension 2"),
    (slice(None, None, -1), ValueError, "step must be greater than zero"),
    (slice(None, None, 0), ValueError, "slice step cannot be zero"),
    (1.5, IndexError, r"only integers, slices .* \(got float\)"),
    ([True, False], IndexError, r"The shape of the mask \[2\] at index 0 does not match the "
                                r"shape of the indexed tensor \[3, 4\] at index 0"),
    ((slice(None), [True, False]), IndexError, r"mask \[2\] at index 0 does not match the shape "
                                               r"of the indexed tensor \[3, 4\] at index 1"),
    (([0, 1], [0, 1, 2]), IndexError, r"shape mismatch: indexing tensors could not be broadcast "
                                      r"together with shapes \[2\], \[3\]"),
])
def test_getitem_errors(index, exc, match):
    x = netlab.tensor(randn(3, 4))
    with pytest.raises(exc, match=match):
        x[index]
    with pytest.raises(exc, match=match):
        torch.tensor(x.numpy())[index]


def test_getitem_error_cases_with_tensors():
    x = netlab.tensor(randn(3, 4))
    with pytest.raises(IndexError, match="tensors used as indices must be long, int, byte or "
                                         "bool tensors"):
        x[netlab.tensor([0.0])]
    with pytest.raises(IndexError, match="invalid index of a 0-dim tensor"):
        netlab.tensor(1.0)[0]


# setitem ----------------------------------------------------------------------------------

SET = [
    (1, 5.0), ((0, 1), -1.0), (slice(1, 3), randn(4)), ((slice(None), 0), randn(3)),
    ([0, 2], randn(2, 4)), ([0, 0, 2], 3.0), (([0, 1], [1, 3]), randn(2)),
    (MASK34, 0.5), (MASK3, randn(4)), (Ellipsis, randn(1, 4)), ((None, 1), randn(4)),
    ((slice(None), [3, 1]), randn(3, 1)), (slice(1, 3), randn(1, 1, 4)),
]


@pytest.mark.parametrize("index,value", SET, ids=_ids([s[0] for s in SET]))
def test_setitem_matches_torch(index, value):
    data = randn(3, 4)
    a, b = netlab.tensor(data), torch.tensor(data)
    v = a._version
    a[index] = netlab.tensor(value) if isinstance(value, np.ndarray) else value
    b[index] = torch.tensor(value) if isinstance(value, np.ndarray) else value
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert a._version == v + 1


@pytest.mark.parametrize("index,value", [s for s in SET if isinstance(s[1], np.ndarray)],
                         ids=_ids([s[0] for s in SET if isinstance(s[1], np.ndarray)]))
def test_setitem_autograd_matches_torch(index, value):
    x_data, up = randn(3, 4), randn(3, 4)
    results = []
    for lib in (netlab, torch):
        x = lib.tensor(x_data, requires_grad=True)
        w = lib.tensor(value, requires_grad=True)
        y = x * 2
        y[index] = w * 3
        name = y.grad_fn.name()
        (y * lib.tensor(up)).sum().backward()
        results.append((name, x.grad.numpy(), w.grad.numpy()))
    (name, gx, gw), (tname, tgx, tgw) = results
    assert tname.endswith(name)  # torch::autograd::CopySlices
    np.testing.assert_allclose(gx, tgx)
    np.testing.assert_allclose(gw, tgw, rtol=1e-6)


def test_setitem_gradcheck_and_repeated_indices():
    def fn(x, w):
        y = x * 1
        y[[0, 2], 1:] = w
        return y

    assert gradcheck(fn, randn(3, 3, dtype=np.float64), randn(2, 2, dtype=np.float64))
    # torch gives every occurrence of a repeated index its gradient
    x = netlab.zeros(4)
    w = netlab.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 1]] = w
    x.backward(netlab.tensor([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(w.grad.numpy(), [1.0, 1.0, 2.0])


def test_setitem_rules():
    leaf = netlab.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        leaf[0] = 1.0
    with netlab.no_grad():
        leaf[0] = 1.0
    assert leaf[0].item() == 1.0 and leaf.grad_fn is None
    # writes through a view land in the base and bump the shared version counter
    base = netlab.zeros(3, 4)
    row = base[1]
    v = base._version
    row[2] = 5.0
    assert base[1, 2].item() == 5.0 and base._version == v + 1
    # values are cast to the tensor's dtype (basic indexing), advanced needs equal dtypes
    ints = netlab.zeros(3, dtype=netlab.int64)
    ints[0] = 2.9
    ints[1] = netlab.tensor(1.7)
    assert ints.tolist() == [2, 1, 0]
    with pytest.raises(RuntimeError, match="Index put requires the source and destination "
                                           "dtypes match, got Long for the destination and "
                                           "Float for the source"):
        ints[[0, 1]] = netlab.tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="can't assign a list"):
        ints[0:2] = [1, 2]
    with pytest.raises(RuntimeError, match=r"shape mismatch: value tensor of shape \[3\] "
                                           r"cannot be broadcast to indexing result of shape "
                                           r"\[2, 4\]"):
        base[[0, 1]] = netlab.ones(3)
    with pytest.raises(RuntimeError, match="shape mismatch"):
        base[1] = netlab.ones(3)


def test_index_put():
    check_op(lambda x, j, v: x.index_put((j,), v, accumulate=True),
             lambda x, j, v: x.index_put((j,), v, accumulate=True),
             randn(3, 2), np.array([0, 0, 2]), randn(3, 2))
    check_op(lambda x, j, k, v: x.index_put((j, k), v), lambda x, j, k, v: x.index_put((j, k), v),
             randn(3, 2), np.array([2, 0]), np.array([1, 1]), randn(2))
    for acc in (False, True):
        a, b = netlab.zeros(4), torch.zeros(4)
        a.index_put_((netlab.tensor([0, 0, 2]),), netlab.tensor([1.0, 2.0, 3.0]), accumulate=acc)
        b.index_put_((torch.tensor([0, 0, 2]),), torch.tensor([1.0, 2.0, 3.0]), accumulate=acc)
        np.testing.assert_array_equal(a.numpy()[1:], b.numpy()[1:])
        if acc:
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    x = netlab.zeros(3, requires_grad=True)
    assert x.index_put((netlab.tensor([1]),), netlab.tensor(1.0)).grad_fn.name() == \
        "IndexPutBackward0"


# gather / scatter -------------------------------------------------------------------------

IDX = np.array([[0, 1, 2, 0], [2, 2, 1, 0]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gather_scatter_parity(dtype):
    x = randn(3, 4, dtype=dtype)
    check_op(lambda a, i: a.gather(0, i), lambda a, i: a.gather(0, i), x, IDX)
    check_op(lambda a, i: netlab.gather(a, 1, i), lambda a, i: torch.gather(a, 1, i), x,
             np.array([[0], [3], [3]]))
    check_op(lambda a, i: a.gather(-1, i), lambda a, i: a.gather(-1, i), x,
             np.array([[0, 0, 0, 0, 0]] * 2))
    check_op(lambda a, i: a.gather(0, i), lambda a, i: a.gather(0, i), x,
             np.zeros((0, 4), dtype=np.int64))
    # scatter: unique targets per column so that the result is deterministic
    uidx = np.array([[0, 1, 2, 0], [2, 0, 1, 1]])
    src = randn(2, 4, dtype=dtype)
    check_op(lambda a, i, s: a.scatter(0, i, s), lambda a, i, s: a.scatter(0, i, s), x, uidx,
             src)
    # (torch's own backward rejects a src larger than index, so forward only here)
    check_op(lambda a, i, s: a.scatter(0, i, s), lambda a, i, s: a.scatter(0, i, s), x,
             uidx[:1, :2], src, grad=False)
    check_op(lambda a, i: a.scatter(1, i, 2.5), lambda a, i: a.scatter(1, i, 2.5), x,
             np.array([[3], [0], [1]]))
    check_op(lambda a, i, s: a.scatter_add(0, i, s), lambda a, i, s: a.scatter_add(0, i, s),
             x, IDX, src)
    check_op(lambda a, i, s: torch_or_netlab(a).scatter_add(a, 1, i, s),
             lambda a, i, s: torch.scatter_add(a, 1, i, s), x, np.array([[1, 1], [0, 0], [3, 1]]),
             randn(3, 2, dtype=dtype))
    for red in ("add", "multiply"):
        with pytest.warns(UserWarning, match="reduce argument of .*scatter with Tensor src"):
            check_op(lambda a, i, s, r=red: a.scatter(0, i, s, reduce=r),
                     lambda a, i, s, r=red: a.scatter(0, i, s, reduce=r), x, IDX, src,
                     grad=False)
        check_op(lambda a, i, r=red: a.scatter(0, i, 2.0, reduce=r),
                 lambda a, i, r=red: a.scatter(0, i, 2.0, reduce=r), x, IDX, grad=False)


def torch_or_netlab(t):
    return netlab if isinstance(t, netlab.Tensor) else torch


def test_gather_scatter_grad_fn_names_and_gradcheck():
    x = netlab.tensor(randn(3, 4), requires_grad=True)
    i = netlab.tensor(IDX)
    s = netlab.tensor(randn(2, 4), requires_grad=True)
    assert x.gather(0, i).grad_fn.name() == "GatherBackward0"
    assert x.scatter(0, i, s).grad_fn.name() == "ScatterBackward0"
    assert x.scatter(0, i, 1.0).grad_fn.name() == "ScatterBackward1"
    assert x.scatter_add(0, i, s).grad_fn.name() == "ScatterAddBackward0"
    f64 = randn(3, 4, dtype=np.float64)
    assert gradcheck(lambda a: a.gather(0, i), f64)
    assert gradgradcheck(lambda a: a.gather(1, i[:, :3].t()) ** 2, f64)
    assert gradcheck(lambda a, b: a.scatter_add(0, i, b), f64, randn(2, 4, dtype=np.float64))
    uidx = netlab.tensor([[0, 1, 2, 0]])
    assert gradcheck(lambda a, b: a.scatter(0, uidx, b), f64, randn(2, 5, dtype=np.float64))
    assert gradcheck(lambda a: a.scatter(1, uidx[:, :2], 0.5), f64)
    with pytest.raises(RuntimeError, match="not implemented"), pytest.warns(UserWarning):
        x.scatter(0, i, s, reduce="add").sum().backward()


def test_inplace_scatter_forms():
    a, b = netlab.zeros(3, 4), torch.zeros(3, 4)
    src = randn(2, 4)
    a.scatter_(0, netlab.tensor(IDX), netlab.tensor(src))
    b.scatter_(0, torch.tensor(IDX), torch.tensor(src))
    a.scatter_add_(0, netlab.tensor(IDX), netlab.tensor(src))
    b.scatter_add_(0, torch.tensor(IDX), torch.tensor(src))
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)
    assert a._version == 2


@pytest.mark.parametrize("fn,exc,match", [
    (lambda m, x: x.gather(0, m.tensor([0, 1])), RuntimeError,
     "Index tensor must have the same number of dimensions as input tensor"),
    (lambda m, x: x.gather(0, m.tensor([[0, 1, 2, 0, 1]])), RuntimeError,
     r"Size does not match at dimension 1 expected index \[1, 5\] to be no larger than self "
     r"\[3, 4\] apart from dimension 0"),
    (lambda m, x: x.gather(0, m.tensor([[5]])), RuntimeError,
     "index 5 is out of bounds for dimension 0 with size 3"),
    (lambda m, x: x.gather(0, m.tensor([[-1]])), RuntimeError,
     "index -1 is out of bounds for dimension 0 with size 3"),
    (lambda m, x: x.gather(2, m.tensor([[0]])), IndexError, "Dimension out of range"),
    (lambda m, x: x.scatter(0, m.tensor([[1, 0]]), m.ones(1, 1)), RuntimeError,
     r"to be no larger size than src \[1, 1\]"),
    (lambda m, x: x.scatter(0, m.tensor([[1]]), m.ones(1, 1, dtype=m.float64)), RuntimeError,
     r"scatter\(\): Expected self.dtype to be equal to src.dtype"),
    (lambda m, x: x.scatter(0, m.tensor([[1]]), 1.0, reduce="mean"), RuntimeError,
     "reduce argument must be either add or multiply"),
])
def test_gather_scatter_errors(fn, exc, match):
    data = randn(3, 4)
    with pytest.raises(exc, match=match):
        fn(netlab, netlab.tensor(data))
    with pytest.raises(exc, match=match):
        fn(torch, torch.tensor(data))


# index_select / index_add / index_copy / index_fill --------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_index_family_parity(dtype):
    x = randn(3, 4, dtype=dtype)
    i = np.array([0, 3, 3])
    check_op(lambda a, j: a.index_select(1, j), lambda a, j: a.index_select(1, j), x, i)
    check_op(lambda a, j: netlab.index_select(a, 0, j), lambda a, j: torch.index_select(a, 0, j),
             x, np.array(2))
    check_op(lambda a, j: a.index_select(0, j), lambda a, j: a.index_select(0, j), x,
             np.array([], dtype=np.int64))
    check_op(lambda a, j, s: a.index_add(1, j, s, alpha=2),
             lambda a, j, s: a.index_add(1, j, s, alpha=2), x, i, randn(3, 3, dtype=dtype))
    check_op(lambda a, j, s: a.index_copy(1, j, s), lambda a, j, s: a.index_copy(1, j, s), x,
             np.array([2, 0]), randn(3, 2, dtype=dtype))
    check_op(lambda a, j: a.index_fill(0, j, -1.0), lambda a, j: a.index_fill(0, j, -1.0), x,
             np.array([2, 2]))
    check_op(lambda a, j, v: a.index_fill(1, j, v), lambda a, j, v: a.index_fill(1, j, v), x,
             np.array([1]), randn(dtype=dtype))


def test_index_family_names_gradcheck_and_inplace():
    x = netlab.tensor(randn(3, 4), requires_grad=True)
    j = netlab.tensor([0, 3, 3])
    s = netlab.tensor(randn(3, 3), requires_grad=True)
    assert x.index_select(1, j).grad_fn.name() == "IndexSelectBackward0"
    assert x.index_add(1, j, s).grad_fn.name() == "IndexAddBackward0"
    assert x.index_fill(1, j, 0.0).grad_fn.name() == "IndexFillBackward0"
    assert x.index_fill(1, j, netlab.tensor(0.0)).grad_fn.name() == "IndexFillBackward1"
    f64 = randn(3, 4, dtype=np.float64)
    assert gradcheck(lambda a: a.index_select(1, j), f64)
    assert gradgradcheck(lambda a: a.index_select(1, j) ** 2, f64)
    assert gradcheck(lambda a, b: a.index_add(1, j, b, alpha=-1.5), f64,
                     randn(3, 3, dtype=np.float64))
    assert gradcheck(lambda a, b: a.index_copy(0, netlab.tensor([2, 0]), b), f64,
                     randn(2, 4, dtype=np.float64))
    assert gradcheck(lambda a, v: a.index_fill(1, j, v), f64, randn(dtype=np.float64))
    a, b = netlab.ones(2, 3), torch.ones(2, 3)
    a.index_add_(1, netlab.tensor([0, 0]), netlab.ones(2, 2))
    b.index_add_(1, torch.tensor([0, 0]), torch.ones(2, 2))
    a.index_fill_(0, netlab.tensor([1]), 7.0)
    b.index_fill_(0, torch.tensor([1]), 7.0)
    np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("fn,exc,match", [
    (lambda m, x: x.index_select(1, m.tensor([[0]])), IndexError, "Index is supposed to be a "
                                                                  "vector"),
    (lambda m, x: x.index_select(1, m.tensor([0.0])), RuntimeError, "Expected dtype int32 or "
                                                                    "int64 for index"),
    (lambda m, x: x.index_select(1, m.tensor([4])), RuntimeError, "out of DATA bounds"),
    (lambda m, x: x.index_select(1, m.tensor([-1])), RuntimeError, "out of DATA bounds"),
])
def test_index_family_errors(fn, exc, match):
    data = randn(3, 4)
    with pytest.raises(exc, match=match):
        fn(netlab, netlab.tensor(data))
    with pytest.raises(exc, match=match):
        fn(torch, torch.tensor(data))


# masks ------------------------------------------------------------------------------------

@pytest.mark.parametrize("xs,ms", [((3, 4), (3, 4)), ((3, 4), (4,)), ((4,), (3, 4)),
                                   ((), ()), ((2, 0), (2, 0)), ((3, 1), (1, 4))])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_masked_parity(xs, ms, dtype):
    x, m = randn(*xs, dtype=dtype), np.asarray(randn(*ms) > 0)
    check_op(lambda a, k: a.masked_select(k), lambda a, k: a.masked_select(k), x, m)
    check_op(lambda a, k: a.masked_fill(k, -2.0), lambda a, k: a.masked_fill(k, -2.0), x, m)
    check_op(lambda a, k, v: netlab.masked_fill(a, k, v),
             lambda a, k, v: torch.masked_fill(a, k, v), x, m, randn(dtype=dtype))


def test_masked_names_gradcheck_dtypes_and_inplace():
    m = netlab.tensor(MASK34)
    x = netlab.tensor(randn(3, 4), requires_grad=True)
    assert x.masked_select(m).grad_fn.name() == "MaskedSelectBackward0"
    assert x.masked_fill(m, 0.0).grad_fn.name() == "MaskedFillBackward0"
    assert x.masked_fill(m, netlab.tensor(1.0, requires_grad=True)).grad_fn.name() == \
        "MaskedFillBackward1"
    f64 = randn(3, 4, dtype=np.float64)
    assert gradcheck(lambda a: a.masked_select(m), f64)
    assert gradgradcheck(lambda a: a.masked_fill(m, 0.0) ** 2, f64)
    assert gradcheck(lambda a, v: a.masked_fill(m[0], v), f64, randn(dtype=np.float64))
    # integer and bool inputs: the value is cast, as torch does
    check_op(lambda a, k: a.masked_fill(k, 3.7), lambda a, k: a.masked_fill(k, 3.7),
             np.array([1, 2]), np.array([True, False]))
    check_op(lambda a, k: a.masked_fill(k, 0), lambda a, k: a.masked_fill(k, 0),
             np.array([True, True]), np.array([True, False]))
    # in place: no broadcasting of self, 0-d tensor values of another dtype are cast
    a, b = netlab.zeros(3, 4), torch.zeros(3, 4)
    v = a._version
    a.masked_fill_(m, netlab.tensor(2.0, dtype=netlab.float64))
    b.masked_fill_(torch.tensor(MASK34), torch.tensor(2.0, dtype=torch.float64))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert a._version == v + 1
    y = x * 1
    y.masked_fill_(m, 0.0)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), ~MASK34)


@pytest.mark.parametrize("fn,match", [
    (lambda m, x: x.masked_fill(m.tensor([1.0, 0.0, 0.0, 1.0]), 1.0),
     "only supports boolean masks, but got mask with dtype float"),
    (lambda m, x: x.masked_fill(m.tensor([1, 0, 0, 1], dtype=m.uint8), 1.0),
     "only supports boolean masks, but got mask with dtype unsigned char"),
    (lambda m, x: x.masked_fill(m.tensor([True] * 4), m.tensor([1.0])),
     r"only supports a 0-dimensional value tensor, but got tensor with 1 dimension\(s\)"),
    (lambda m, x: x.masked_select(m.tensor([1, 0, 0, 1], dtype=m.uint8)),
     "masked_select: expected BoolTensor for mask"),
    (lambda m, x: x[0].masked_fill_(m.tensor([[True] * 4] * 2), 1.0),
     r"output with shape \[4\] doesn't match the broadcast shape \[2, 4\]"),
])
def test_masked_errors(fn, match):
    data = randn(3, 4)
    with pytest.raises(RuntimeError, match=match):
        fn(netlab, netlab.tensor(data))
    with pytest.raises(RuntimeError, match=match):
        fn(torch, torch.tensor(data))


# take / put / nonzero ---------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_take_put_parity(dtype):
    x = randn(3, 4, dtype=dtype)
    idx = np.array([[0, 11], [-1, 3], [3, 3]])
    check_op(lambda a, i: a.take(i), lambda a, i: a.take(i), x, idx)
    check_op(lambda a, i: netlab.take(a, i), lambda a, i: torch.take(a, i), randn(dtype=dtype),
             np.array([0, -1]))
    check_op(lambda a, i: a.t().take(i), lambda a, i: a.t().take(i), x, idx)
    check_op(lambda a, i, s: a.put(i, s, accumulate=True),
             lambda a, i, s: a.put(i, s, accumulate=True), x, idx, randn(3, 2, dtype=dtype))
    check_op(lambda a, i, s: a.put(i, s), lambda a, i, s: a.put(i, s), x,
             np.array([5, 0, -1]), randn(3, dtype=dtype))


def test_take_put_names_gradcheck_and_errors():
    x = netlab.tensor(randn(3, 4), requires_grad=True)
    i = netlab.tensor([0, 0, 5])
    assert x.take(i).grad_fn.name() == "TakeBackward0"
    assert x.put(i, netlab.ones(3)).grad_fn.name() == "PutBackward0"
    f64 = randn(3, 4, dtype=np.float64)
    assert gradcheck(lambda a: a.take(i), f64)
    assert gradcheck(lambda a, s: a.put(i, s, accumulate=True), f64, randn(3, dtype=np.float64))
    a, b = netlab.zeros(3), torch.zeros(3)
    a.put_(netlab.tensor([0, 0]), netlab.tensor([1.0, 2.0]), accumulate=True)
    b.put_(torch.tensor([0, 0]), torch.tensor([1.0, 2.0]), accumulate=True)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    for m, t in ((netlab, netlab.zeros(3)), (torch, torch.zeros(3))):
        with pytest.raises(IndexError, match="out of range: tried to access index 3 on a tensor "
                                             "of 3 elements"):
            t.take(m.tensor([3]))
        with pytest.raises(IndexError, match="tried to access index -4"):
            t.put_(m.tensor([-4]), m.tensor([1.0]))


@pytest.mark.parametrize("a", [np.array([[1, 0], [0, 3]]), np.array([0.0, 2.0, 0.0]),
                               np.array(5), np.array(0), np.zeros((2, 0)),
                               np.array([[[True, False]], [[True, True]]])])
def test_nonzero_parity(a):
    check_op(lambda x: x.nonzero(), lambda x: x.nonzero(), a)
    check_op(lambda x: netlab.nonzero(x, as_tuple=True), lambda x: torch.nonzero(x, as_tuple=True),
             a)
    check_op(lambda x: x.argwhere(), lambda x: x.argwhere(), a)
