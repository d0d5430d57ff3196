import pytest

import netlab
from tests.netlab.ops.test_reduction import F32_F64, ONE_DIM, _x, parity
from tests.netlab.parity import gradcheck, gradgradcheck, randn, torch

# cumsum, cumprod along one dim --------------------------------------------------------------
# (cumprod's gradients with zeros: test_zero_safe_gradients in test_reduction.py)

SELECT_OPS = {
    "cumsum": lambda m, x, d, k: m.cumsum(x, d),
    "cumprod": lambda m, x, d, k: m.cumprod(x, dim=d),
}


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # check_op's -inf loss
@pytest.mark.parametrize("dtype", F32_F64)
@pytest.mark.parametrize("shape,dim,keepdim", ONE_DIM)
@pytest.mark.parametrize("op", list(SELECT_OPS))
def test_single_dim_ops(op, shape, dim, keepdim, dtype):
    fn = SELECT_OPS[op]
    parity(lambda x: fn(netlab, x, dim, keepdim), lambda x: fn(torch, x, dim, keepdim),
           randn(*shape, dtype=dtype))


# gradcheck / gradgradcheck ------------------------------------------------------------------

GRAD_CASES = [
    ("cumsum", lambda t: t.cumsum(1), (2, 3)),
    ("cumprod", lambda t: t.cumprod(0), (3, 2)),
]


@pytest.mark.parametrize("name,fn,shape", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradcheck_and_gradgradcheck(name, fn, shape):
    x = _x(*shape)
    assert gradcheck(fn, x)
    assert gradgradcheck(fn, x)
