import pickle

import numpy as np
import pytest

import netlab
from tests.netlab.ops.test_reduction import (
    F32_F64,
    MULTI_DIMS,
    ONE_DIM,
    TIES,
    _x,
    multi_dim_parity,
    nan_inf_parity,
    parity,
)
from tests.netlab.parity import check_op, gradcheck, gradgradcheck, randn, torch

# amax, amin over several dims (dim: int, tuple, None) ---------------------------------------

MULTI_OPS = {
    "amax": lambda m, x, kw: m.amax(x, **kw),
    "amin": lambda m, x, kw: m.amin(x, **kw),
}


@pytest.mark.parametrize("dtype", F32_F64)
@pytest.mark.parametrize("shape,dim,keepdim", MULTI_DIMS)
@pytest.mark.parametrize("op", list(MULTI_OPS))
def test_multi_dim_reductions(op, shape, dim, keepdim, dtype):
    multi_dim_parity(MULTI_OPS[op], shape, dim, keepdim, dtype)


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # numpy's inf - inf
@pytest.mark.parametrize("op", ["amax"])
def test_nan_and_inf_inputs(op):
    nan_inf_parity(op)


# single-dim selections with (values, indices) -----------------------------------------------

SELECT_OPS = {
    "max": lambda m, x, d, k: m.max(x, d, k),
    "min": lambda m, x, d, k: m.min(x, dim=d, keepdim=k),
    "median": lambda m, x, d, k: m.median(x, d, k),
    "mode": lambda m, x, d, k: m.mode(x, d, k),
    "kthvalue": lambda m, x, d, k: m.kthvalue(x, 1, d, k),
    "argmax": lambda m, x, d, k: m.argmax(x, d, k),
    "argmin": lambda m, x, d, k: m.argmin(x, dim=d, keepdim=k),
}


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # check_op's -inf loss
@pytest.mark.parametrize("dtype", F32_F64)
@pytest.mark.parametrize("shape,dim,keepdim", ONE_DIM)
@pytest.mark.parametrize("op", list(SELECT_OPS))
def test_single_dim_ops(op, shape, dim, keepdim, dtype):
    fn = SELECT_OPS[op]
    parity(lambda x: fn(netlab, x, dim, keepdim), lambda x: fn(torch, x, dim, keepdim),
           randn(*shape, dtype=dtype))


@pytest.mark.parametrize("shape,k,dim", [((3, 6), 2, 1), ((3, 6), 6, 1), ((4, 3), 1, 0),
                                         ((3,), 4, 0), ((3,), 0, 0)])
def test_kthvalue(shape, k, dim):
    parity(lambda x: x.kthvalue(k, dim, True), lambda x: x.kthvalue(k, dim, True),
           randn(*shape, dtype=np.float64))


@pytest.mark.parametrize("dtype", F32_F64)
@pytest.mark.parametrize("shape", [(3, 4), (5,), (), (0, 2), (2, 0)])
@pytest.mark.parametrize("op", ["max", "min", "median", "argmax", "argmin"])
def test_full_reductions(op, shape, dtype):
    parity(lambda x: getattr(x, op)(), lambda x: getattr(x, op)(), randn(*shape, dtype=dtype))


# gradcheck / gradgradcheck ------------------------------------------------------------------

GRAD_CASES = [
    ("max", lambda t: t.max(), (2, 3)),
    ("max_dim", lambda t: t.max(1)[0], (2, 3)),
    ("min_dim", lambda t: t.min(0, keepdim=True).values, (2, 3)),
    ("amax", lambda t: t.amax((0, 1)), (2, 3)),
    ("amin", lambda t: t.amin(1), (2, 3)),
    ("median", lambda t: t.median(), (2, 3)),
    ("median_dim", lambda t: t.median(1).values, (2, 3)),
    ("mode", lambda t: t.mode(0).values, (3, 2)),
    ("kthvalue", lambda t: t.kthvalue(2, 1).values, (2, 3)),
]


@pytest.mark.parametrize("name,fn,shape", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradcheck_and_gradgradcheck(name, fn, shape):
    x = _x(*shape)
    assert gradcheck(fn, x)
    assert gradgradcheck(fn, x)


# ties ---------------------------------------------------------------------------------------

def test_mode_ties_match_torch():
    for x in (TIES, TIES.T.copy(), np.array([3.0, 1.0, 3.0, 1.0, 2.0])):
        check_op(lambda t: t.mode(0), lambda t: t.mode(0), x)
        check_op(lambda t: t.mode(), lambda t: t.mode(), x)


def test_amax_splits_gradient_among_ties():
    x = netlab.tensor([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]], requires_grad=True)
    x.amax(1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, 0.5, 0.5], [0.5, 0, 0.5]])
    x.grad = None
    x.max(1).values.sum().backward()  # with dim: the first index only
    np.testing.assert_allclose(x.grad.numpy(), [[0, 1, 0], [1, 0, 0]])


# return types and argument forms ----------------------------------------------------------

def test_max_forms_and_return_types():
    x = netlab.tensor([[1.0, 5.0], [7.0, 2.0]])
    r = x.max(1)
    v, i = r
    assert v is r.values and i is r[1] and len(r) == 2
    assert isinstance(r, netlab.return_types.max) and isinstance(r, tuple)
    assert repr(r).startswith("netlab.return_types.max(\nvalues=tensor([5., 7.]),")
    assert netlab.max(x, dim=0, keepdim=True).indices.dtype == netlab.int64
    r2 = pickle.loads(pickle.dumps(x.sort()))
    assert type(r2).__name__ == "sort" and r2.indices.tolist() == [[0, 1], [1, 0]]
    with pytest.raises(TypeError):
        x.max((0, 1))
    with pytest.raises(TypeError):
        x.max(keepdim=True)


def test_max_min_binary_form_delegates_to_maximum():
    if not hasattr(netlab, "maximum"):
        pytest.skip("netlab.maximum (ops/binary.py) is not there yet")
    a, b = randn(2, 3), randn(3)
    check_op(lambda s, t: netlab.max(s, t), lambda s, t: torch.max(s, t), a, b)
    check_op(lambda s, t: s.min(t), lambda s, t: s.min(t), a, b)
    check_op(lambda s, t: netlab.max(s, other=t), lambda s, t: torch.max(s, other=t), a, b)
