import numpy as np
import pytest

import netlab
from tests.netlab.ops.test_reduction import F32_F64, ONE_DIM, _x, parity
from tests.netlab.parity import check_op, gradcheck, gradgradcheck, randn, torch

# sort, argsort, topk along one dim ----------------------------------------------------------

SELECT_OPS = {
    "sort": lambda m, x, d, k: m.sort(x, d, descending=k),
    "sort_stable": lambda m, x, d, k: m.sort(x, dim=d, descending=k, stable=True),
    "argsort": lambda m, x, d, k: m.argsort(x, d, descending=k),
    "topk1": lambda m, x, d, k: m.topk(x, 1, d, largest=k),
}


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # check_op's -inf loss
@pytest.mark.parametrize("dtype", F32_F64)
@pytest.mark.parametrize("shape,dim,keepdim", ONE_DIM)
@pytest.mark.parametrize("op", list(SELECT_OPS))
def test_single_dim_ops(op, shape, dim, keepdim, dtype):
    fn = SELECT_OPS[op]
    parity(lambda x: fn(netlab, x, dim, keepdim), lambda x: fn(torch, x, dim, keepdim),
           randn(*shape, dtype=dtype))


@pytest.mark.parametrize("shape,k,dim", [((3, 6), 3, 1), ((3, 6), 6, -1), ((4, 2), 2, 0),
                                         ((5,), 0, 0), ((0, 4), 2, 1), ((3, 2), 3, 1),
                                         ((3, 2), -1, 1)])
@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("dtype", F32_F64)
def test_topk(shape, k, dim, largest, dtype):
    parity(lambda x: x.topk(k, dim, largest), lambda x: x.topk(k, dim, largest),
           randn(*shape, dtype=dtype))


# gradcheck / gradgradcheck ------------------------------------------------------------------

GRAD_CASES = [
    ("topk", lambda t: t.topk(2).values, (2, 4)),
    ("sort", lambda t: t.sort(0, descending=True).values, (3, 2)),
]


@pytest.mark.parametrize("name,fn,shape", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradcheck_and_gradgradcheck(name, fn, shape):
    x = _x(*shape)
    assert gradcheck(fn, x)
    assert gradgradcheck(fn, x)


# stability ----------------------------------------------------------------------------------

@pytest.mark.parametrize("desc", [False, True])
def test_sort_is_stable_on_long_rows(desc):
    x = np.random.default_rng(0).integers(0, 4, size=(3, 200)).astype(np.float32)
    check_op(lambda t: t.sort(dim=1, descending=desc, stable=True),
             lambda t: t.sort(dim=1, descending=desc, stable=True), x)


# unique -------------------------------------------------------------------------------------

@pytest.mark.parametrize("x", [np.array([3, 1, 2, 3, 1]), np.array([[1, 2], [1, 2], [0, 5]]),
                               np.array(2.5), np.zeros((0, 2)),
                               np.array([np.nan, 1.0, np.nan, 1.0])])
@pytest.mark.parametrize("kw", [{}, {"return_inverse": True}, {"return_counts": True},
                                {"return_inverse": True, "return_counts": True, "dim": 0},
                                {"sorted": False, "return_inverse": True}])
def test_unique(x, kw):
    if "dim" in kw and (x.ndim == 0 or np.isnan(x).any()):
        kw = {k: v for k, v in kw.items() if k != "dim"}  # torch's unique_dim mishandles nan
    parity(lambda t: netlab.unique(t, **kw), lambda t: torch.unique(t, **kw), x, grad=False)


def test_unique_output_is_not_differentiable():
    x = netlab.tensor([1.0, 2.0, 1.0], requires_grad=True)
    u = netlab.unique(x)
    assert u.grad_fn.name() == "Unique2Backward0"
    with pytest.raises(NotImplementedError, match="derivative for '_unique2'"):
        u.sum().backward()
    assert netlab.unique(x.reshape(3, 1), dim=0).grad_fn.name() == "UniqueDimBackward0"
