"""Reductions (ops/reduction.py). The mixed tables below (ties and nan, integer and bool inputs,
errors, grad_fn names, out= and dtype=) cover the whole family: norms.py, cumulative.py,
selection.py and sorting.py too; their own tests are in test_norms.py, test_cumulative.py, ...
"""

import math
import warnings

import numpy as np
import pytest

import netlab
from tests.netlab.parity import check_op, gradcheck, gradgradcheck, randn, torch

F32_F64 = [np.float32, np.float64]
INF = math.inf


def parity(nl_fn, th_fn, *arrays, **kw):
    """check_op, or, when torch raises, the same exception type and message from netlab."""
    th_in = [torch.from_numpy(a) if isinstance(a, np.ndarray) else a for a in arrays]
    try:
        th_fn(*th_in)
    except Exception as e:  # noqa: BLE001 - any PyTorch error must be mirrored
        nl_in = [netlab.tensor(a) if isinstance(a, np.ndarray) else a for a in arrays]
        with pytest.raises(type(e)) as info:
            nl_fn(*nl_in)
        assert str(info.value) == str(e)
        return None
    return check_op(nl_fn, th_fn, *arrays, **kw)


# reductions over several dims (dim: int, tuple, None) ---------------------------------------

MULTI_DIMS = [((3, 4, 5), None, False), ((3, 4, 5), 1, True), ((3, 4, 5), -1, False),
              ((3, 4, 5), (0, 2), False), ((3, 4, 5), (-1, 0), True), ((3, 4, 5), (), False),
              ((), None, False), ((), 0, True), ((0, 3), 1, False), ((0, 3), 0, True),
              ((0, 3), None, False), ((1, 5), (0, 1), True)]


def _dimkw(dim):
    return {} if dim is None else {"dim": dim}


MULTI_OPS = {
    "sum": (lambda m, x, kw: m.sum(x, **kw), True),
    "mean": (lambda m, x, kw: m.mean(x, **kw), True),
    "std": (lambda m, x, kw: m.std(x, **kw), True),
    "var_c0": (lambda m, x, kw: m.var(x, **kw, correction=0), True),
    "std_mean": (lambda m, x, kw: m.std_mean(x, **kw), True),
    "var_mean": (lambda m, x, kw: m.var_mean(x, **kw, correction=2), True),
    "logsumexp": (lambda m, x, kw: m.logsumexp(x, kw.get("dim", ()), kw.get("keepdim", False)),
                  False),
    "nansum": (lambda m, x, kw: m.nansum(x, **kw), True),
    "nanmean": (lambda m, x, kw: m.nanmean(x, **kw), True),
}


@pytest.mark.parametrize("dtype", F32_F64)
@pytest.mark.parametrize("shape,dim,keepdim", MULTI_DIMS)
@pytest.mark.parametrize("op", list(MULTI_OPS))
def test_multi_dim_reductions(op, shape, dim, keepdim, dtype):
    fn, _ = MULTI_OPS[op]
    if op == "logsumexp" and (dim is None or dim == ()):
        dim = tuple(range(len(shape)))  # torch's logsumexp has no "all dims" default
    kw = {**_dimkw(dim), "keepdim": keepdim}
    if dim is None and op != "logsumexp":
        kw.pop("keepdim")  # torch.amax(x, keepdim=...) is fine, but sum(x, keepdim=) is not
    x = randn(*shape, dtype=dtype)
    # torch's std/var backward takes dim=() as "no dims" (inf gradients) while its forward
    # reduces all dims; netlab reduces all in both (checked against dim=None below)
    grad = not (dim == () and op.startswith(("std", "var")))
    if op == "var_mean" and math.prod(shape[d] for d in _reduced(dim, shape)) <= 2:
        grad = False  # no degrees of freedom left: inf / nan gradients
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's "degrees of freedom <= 0"
        parity(lambda t: fn(netlab, t, kw), lambda t: fn(torch, t, kw), x, grad=grad)
    if not grad and dim == ():
        check_op(lambda t: fn(netlab, t, kw), lambda t: fn(torch, t, {}), x)


def multi_dim_parity(fn, shape, dim, keepdim, dtype):
    """``fn(lib, x, kw)`` in netlab and torch over a ``dim``/``keepdim`` case (the plain
    reductions that the norm and selection test files share)."""
    kw = {**_dimkw(dim), "keepdim": keepdim}
    if dim is None:
        kw.pop("keepdim")  # as torch.sum(x, keepdim=...) above
    x = randn(*shape, dtype=dtype)
    parity(lambda t: fn(netlab, t, kw), lambda t: fn(torch, t, kw), x)


NAN_INF = np.array([[1.0, np.nan, 2.0], [np.inf, 1.0, -np.inf], [-np.inf, -np.inf, 0.0]])


def nan_inf_parity(op):
    """``op(x, 1)`` on a matrix of nan and +-inf, values only."""
    check_op(lambda t: getattr(netlab, op)(t, 1), lambda t: getattr(torch, op)(t, 1), NAN_INF,
             grad=False)


def _reduced(dim, shape):
    if dim is None or dim == () or not shape:
        return range(len(shape))
    return [dim] if isinstance(dim, int) else list(dim)


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # numpy's inf - inf
@pytest.mark.parametrize("op", ["sum", "mean", "std", "var", "logsumexp", "nansum"])
def test_nan_and_inf_inputs(op):
    x = np.array([[1.0, np.nan, 2.0], [np.inf, 1.0, -np.inf], [-np.inf, -np.inf, 0.0]])
    f = {"logsumexp": lambda m, t: m.logsumexp(t, 1)}.get(op, lambda m, t: getattr(m, op)(t, 1))
    check_op(lambda t: f(netlab, t), lambda t: f(torch, t), x, grad=False)


def test_logsumexp_is_stable():
    x = np.array([[1000.0, 1000.0, -1000.0], [-1e4, -1e4, -1e4]], dtype=np.float32)
    check_op(lambda t: t.logsumexp(1), lambda t: t.logsumexp(1), x)
    i = np.array([[1, 2], [3, 4]], dtype=np.int32)
    check_op(lambda t: t.logsumexp(1), lambda t: t.logsumexp(1), i, grad=False)


# single-dim reductions (ONE_DIM is shared with test_selection.py, test_sorting.py, ...) ---

ONE_DIM = [((3, 4, 5), 1, False), ((3, 4, 5), -1, True), ((3, 4, 5), 0, False),
           ((6,), 0, True), ((), 0, False), ((), -1, True), ((0, 3), 1, False),
           ((0, 3), 0, False), ((2, 0), -1, True)]

SELECT_OPS = {
    "logcumsum_like": lambda m, x, d, k: m.logsumexp(x, d, k),
}


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # check_op's -inf loss
@pytest.mark.parametrize("dtype", F32_F64)
@pytest.mark.parametrize("shape,dim,keepdim", ONE_DIM)
@pytest.mark.parametrize("op", list(SELECT_OPS))
def test_single_dim_ops(op, shape, dim, keepdim, dtype):
    fn = SELECT_OPS[op]
    parity(lambda x: fn(netlab, x, dim, keepdim), lambda x: fn(torch, x, dim, keepdim),
           randn(*shape, dtype=dtype))


@pytest.mark.parametrize("dtype", F32_F64)
@pytest.mark.parametrize("shape", [(3, 4), (5,), (), (0, 2), (2, 0)])
@pytest.mark.parametrize("op", ["prod", "sum"])
def test_full_reductions(op, shape, dtype):
    parity(lambda x: getattr(x, op)(), lambda x: getattr(x, op)(), randn(*shape, dtype=dtype))


@pytest.mark.parametrize("dtype", F32_F64)
@pytest.mark.parametrize("shape,dim,keepdim", [((3, 4), None, False), ((3, 4), 1, True),
                                               ((3, 4), -2, False), ((), 0, False),
                                               ((0, 3), 0, True), ((0, 3), None, False)])
def test_prod(shape, dim, keepdim, dtype):
    kw = {} if dim is None else {"dim": dim, "keepdim": keepdim}
    parity(lambda x: x.prod(**kw), lambda x: x.prod(**kw), randn(*shape, dtype=dtype))


# zeros: prod and cumprod gradients ----------------------------------------------------------

ZERO_INPUTS = [
    np.array([[0.0, 2.0, 3.0, 1.5], [1.0, 2.0, 0.5, -1.0], [0.0, 0.0, 2.0, 4.0]]),
    np.array([[2.0, 0.0, 3.0, 0.0], [0.0, 0.0, 0.0, 1.0], [1.0, -2.0, 0.0, 4.0]]),
    np.array([[0.0, 0.0], [0.0, 3.0]]),
]


@pytest.mark.parametrize("x", ZERO_INPUTS)
@pytest.mark.parametrize("op", [
    lambda t: t.prod(), lambda t: t.prod(1), lambda t: t.prod(0, keepdim=True),
    lambda t: t.cumprod(1), lambda t: t.cumprod(0), lambda t: t.cumprod(-1) * 2,
])
def test_zero_safe_gradients(op, x):
    check_op(op, op, x)
    check_op(op, op, x.astype(np.float32))
    assert gradcheck(op, x)
    assert gradgradcheck(op, x)


def test_prod_single_zero_double_backward_parity():
    a = torch.tensor([[0.0, 2.0, 3.0], [1.0, 0.0, 0.0]], dtype=torch.float64,
                     requires_grad=True)
    b = netlab.tensor(a.detach().numpy(), requires_grad=True)
    for x, m in ((a, torch), (b, netlab)):
        (g,) = m.autograd.grad(x.prod(1).sum(), x, create_graph=True)
        (g * g).sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy())


# gradcheck / gradgradcheck ------------------------------------------------------------------

def _x(*shape):
    return randn(*shape, dtype=np.float64)


GRAD_CASES = [
    ("sum", lambda t: t.sum((0, 2)), (2, 3, 2)),
    ("mean", lambda t: t.mean(-1, keepdim=True), (2, 3)),
    ("prod", lambda t: t.prod(1), (2, 3)),
    ("prod_all", lambda t: t.prod(), (2, 3)),
    ("std", lambda t: t.std(1), (2, 4)),
    ("std_all", lambda t: t.std(correction=0), (2, 3)),
    ("var", lambda t: t.var((0, 1), keepdim=True), (2, 3)),
    ("std_mean", lambda t: netlab.std_mean(t, 0), (3, 2)),
    ("var_mean", lambda t: netlab.var_mean(t, 1, correction=0), (2, 3)),
    ("logsumexp", lambda t: t.logsumexp(1), (2, 3)),
    ("logsumexp_all", lambda t: t.logsumexp((0, 1), keepdim=True), (2, 3)),
    ("nansum", lambda t: t.nansum(1), (2, 3)),
    ("nanmean", lambda t: t.nanmean(0), (2, 3)),
]


@pytest.mark.parametrize("name,fn,shape", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradcheck_and_gradgradcheck(name, fn, shape):
    x = _x(*shape)
    assert gradcheck(fn, x)
    assert gradgradcheck(fn, x)


# ties, nan and stability --------------------------------------------------------------------

TIES = np.array([[1.0, 3.0, 3.0, 0.0, 3.0, 1.0], [2.0, 2.0, 1.0, 1.0, 5.0, 2.0],
                 [4.0, 1.0, 2.0, 4.0, 4.0, 1.0]])
NANS = np.array([[np.nan, 1.0, np.nan, 4.0, 4.0], [1.0, 2.0, 3.0, 0.0, np.nan],
                 [2.0, 2.0, 1.0, 1.0, 5.0]])


@pytest.mark.parametrize("x", [TIES, NANS, TIES.astype(np.float32)])
@pytest.mark.parametrize("fn", [
    lambda t: t.max(1), lambda t: t.min(1), lambda t: t.argmax(1), lambda t: t.argmin(),
    lambda t: t.max(), lambda t: t.amax(1), lambda t: t.amin(0), lambda t: t.median(),
    lambda t: t.median(1), lambda t: t.sort(1), lambda t: t.sort(1, descending=True),
    lambda t: t.argsort(0, descending=True), lambda t: t.norm(INF, dim=1),
    lambda t: t.norm(1, dim=1), lambda t: t.max(0),
])
def test_ties_and_nan_match_torch(fn, x):
    check_op(fn, fn, x)


# integer and bool inputs --------------------------------------------------------------------

INT = np.array([[3, 1, 2], [0, 5, 5]], dtype=np.int32)
BOOL = np.array([[True, False, True], [False, False, True]])


@pytest.mark.parametrize("x", [INT, BOOL, INT.astype(np.uint8), INT.astype(np.int64)])
@pytest.mark.parametrize("fn", [
    lambda m, t: t.sum(), lambda m, t: t.prod(1), lambda m, t: t.cumsum(0),
    lambda m, t: t.cumprod(1), lambda m, t: t.max(1), lambda m, t: t.amax(0),
    lambda m, t: t.min(), lambda m, t: t.argmax(1), lambda m, t: t.sort(1, descending=True),
    lambda m, t: t.argsort(1), lambda m, t: m.unique(t, return_inverse=True,
                                                      return_counts=True),
    lambda m, t: t.count_nonzero(0), lambda m, t: t.nansum(1), lambda m, t: t.median(),
    lambda m, t: t.median(1), lambda m, t: t.mode(1), lambda m, t: t.topk(2),
    lambda m, t: t.logsumexp(1), lambda m, t: t.cumsum(1, dtype=m.float64),
    lambda m, t: t.prod(dtype=m.float32), lambda m, t: t.std(), lambda m, t: t.norm(),
    lambda m, t: t.mean(), lambda m, t: t.nanmean(), lambda m, t: t.kthvalue(1),
    lambda m, t: m.dist(t, t), lambda m, t: m.var_mean(t),
])
def test_integer_and_bool_inputs(fn, x):
    parity(lambda t: fn(netlab, t), lambda t: fn(torch, t), x)


# count_nonzero ------------------------------------------------------------------------------

@pytest.mark.parametrize("dim", [None, 0, -1, (0, 1), ()])
def test_count_nonzero(dim):
    x = np.array([[0.0, 1.0, np.nan], [0.0, 0.0, 2.0]])
    kw = {} if dim is None else {"dim": dim}
    check_op(lambda t: netlab.count_nonzero(t, **kw), lambda t: torch.count_nonzero(t, **kw),
             x, grad=False)


# std / var arguments ------------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore:.*degrees of freedom is <= 0")
@pytest.mark.parametrize("call", [
    lambda m, t: t.std(0, False), lambda m, t: t.std(0, True, True), lambda m, t: t.var(False),
    lambda m, t: t.var(1, correction=2), lambda m, t: t.std(correction=0.5),
    lambda m, t: m.std(t, [0], keepdim=True), lambda m, t: m.std_mean(t, 1, True),
    lambda m, t: m.var_mean(t, unbiased=False), lambda m, t: m.tensor(3.0).std(),
    lambda m, t: t.std((0, 0)),
])
def test_std_var_arguments(call):
    parity(lambda t: call(netlab, t), lambda t: call(torch, t), randn(3, 4, dtype=np.float64))


def test_std_var_degenerate_arguments():
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        check_op(lambda t: t.var(correction=12), lambda t: t.var(correction=12), randn(3, 4),
                 grad=False)
    with pytest.raises(TypeError, match="invalid combination of arguments"):
        netlab.ones(3).var(unbiased=True, correction=1)
    x = netlab.tensor(randn(3, 4, dtype=np.float64), requires_grad=True)
    (ga,) = netlab.autograd.grad(x.std(()), x)
    (gb,) = netlab.autograd.grad(x.std(), x)
    np.testing.assert_allclose(ga.numpy(), gb.numpy())


def test_std_zero_deviation_has_zero_gradient():
    x = np.array([[1.0, 1.0, 1.0], [0.0, 2.0, 1.0]])
    check_op(lambda t: t.std(1), lambda t: t.std(1), x)
    check_op(lambda t: t.norm(dim=1), lambda t: t.norm(dim=1), x * np.array([[0.0], [1.0]]))


# errors and argument forms ------------------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda m: m.zeros(0, 3).max(), lambda m: m.zeros(0, 3).min(0), lambda m: m.zeros(0, 3).amax(),
    lambda m: m.zeros(0, 3).amin((0, 1)), lambda m: m.zeros(0, 3).argmax(),
    lambda m: m.zeros(0, 3).argmin(0), lambda m: m.zeros(0, 3).median(0),
    lambda m: m.zeros(0, 3).mode(0), lambda m: m.zeros(0, 3).kthvalue(1, 0),
    lambda m: m.ones(2, 3).max(2), lambda m: m.ones(2, 3).amax(5), lambda m: m.ones(2, 3).sum(-3),
    lambda m: m.ones(2, 3).cumsum(2), lambda m: m.tensor(1.0).cumsum(1),
    lambda m: m.ones(2, 3).sort(3), lambda m: m.ones(2, 3).topk(4), lambda m: m.ones(3).topk(-1),
    lambda m: m.tensor(1.0).topk(2), lambda m: m.ones(2, 3).kthvalue(4),
    lambda m: m.ones(2, 3).kthvalue(0), lambda m: m.tensor([True, False]).argmax(),
    lambda m: m.tensor([True, False]).argmin(0), lambda m: m.tensor([True]).median(),
    lambda m: m.tensor([True]).topk(1), lambda m: m.tensor([1, 2]).std(),
    lambda m: m.tensor([1, 2]).mean(), lambda m: m.tensor([1, 2]).nanmean(),
    lambda m: m.var_mean(m.tensor([1, 2])), lambda m: m.ones(2, 2).amax((0, 0)),
    lambda m: m.ones(2, 2).std((1, -1)), lambda m: m.ones(2, 2).logsumexp((1, 1)),
    lambda m: m.ones(2, 2).count_nonzero((0, 0)), lambda m: m.dist(m.ones(3), m.ones(4)),
    lambda m: m.dist(m.tensor([1, 2]), m.tensor([1, 2])), lambda m: m.ones(2, 3).argmax(-3),
    lambda m: m.unique(m.ones(2, 3), dim=2), lambda m: m.zeros(0, dtype=m.int32).median(),
])
def test_errors_match_torch(call):
    parity(lambda: call(netlab), lambda: call(torch))


def test_grad_fn_names():
    x = netlab.randn(3, 4, dtype=netlab.float64, requires_grad=True)
    names = {
        "SumBackward0": x.sum(), "SumBackward1": x.sum(1), "MeanBackward1": x.mean((0, 1)),
        "ProdBackward0": x.prod(), "ProdBackward1": x.prod(1), "StdBackward0": x.std(1),
        "VarBackward0": x.var(), "StdMeanBackward0": netlab.std_mean(x)[0],
        "VarMeanBackward0": netlab.var_mean(x, 1)[1], "LinalgVectorNormBackward0": x.norm(1),
        "DistBackward0": x.dist(x * 2), "MaxBackward1": x.max(), "MaxBackward0": x.max(1)[0],
        "MinBackward1": x.min(), "MinBackward0": x.min(0).values, "AmaxBackward0": x.amax(),
        "AminBackward0": x.amin(1), "MedianBackward0": x.median(),
        "MedianBackward1": x.median(0)[0], "ModeBackward0": x.mode()[0],
        "KthvalueBackward0": x.kthvalue(1)[0], "LogsumexpBackward0": x.logsumexp(1),
        "CumsumBackward0": x.cumsum(1), "CumprodBackward0": x.cumprod(0),
        "TopkBackward0": x.topk(2)[0], "SortBackward0": x.sort()[0],
        "SortBackward1": x.sort(stable=True)[0], "NansumBackward0": x.nansum(),
        "DivBackward0": x.nanmean(),
    }
    for name, t in names.items():
        assert t.grad_fn.name() == name
    assert x.argmax().grad_fn is None and not x.argsort().requires_grad
    assert x.max(1).indices.dtype == netlab.int64 and not x.max(1).indices.requires_grad


def test_out_and_inplace_forms():
    x = netlab.tensor([[1.0, 2.0], [3.0, 4.0]])
    out = netlab.empty(0)
    netlab.sum(x, 1, out=out)
    np.testing.assert_allclose(out.numpy(), [3.0, 7.0])
    v, i = netlab.empty(0), netlab.empty(0, dtype=netlab.int64)
    r = netlab.max(x, 0, out=(v, i))
    assert r.values is v and i.tolist() == [1, 1]
    y = x.clone()
    y.cumsum_(1)
    y.cumprod_(0)
    np.testing.assert_allclose(y.numpy(), [[1.0, 3.0], [3.0, 21.0]])
    np.testing.assert_allclose(x.msort().numpy(), [[1.0, 2.0], [3.0, 4.0]])


def test_float16_accumulates_in_float32():
    x = np.full(4096, 0.1, dtype=np.float16)
    for fn in (lambda t: t.sum(), lambda t: t.mean(), lambda t: t.norm(), lambda t: t.std(),
               lambda t: t.logsumexp(0)):
        check_op(fn, fn, x, grad=False, rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("fn", [
    lambda m, t: t.sum(1, dtype=m.float64), lambda m, t: t.mean(dtype=m.float64),
    lambda m, t: t.cumsum(0, dtype=m.float64), lambda m, t: t.prod(1, dtype=m.float64),
    lambda m, t: t.norm(dim=1, dtype=m.float64), lambda m, t: t.cumprod(1, dtype=m.float64),
])
def test_dtype_argument_gradients_come_back_in_input_dtype(fn):
    check_op(lambda t: fn(netlab, t), lambda t: fn(torch, t), randn(3, 4))


@pytest.mark.parametrize("fn", [lambda t: t.nansum(), lambda t: t.nansum(1, keepdim=True),
                                lambda t: t.nanmean(0), lambda t: t.nanmean((0, 1))])
def test_nan_reductions_skip_nan_in_gradients(fn):
    x = randn(3, 4, dtype=np.float64)
    x[0, 1] = x[2, 0] = x[2, 3] = np.nan
    check_op(fn, fn, x)
