import numpy as np
import pytest

import netlab
from tests.netlab.ops.test_reduction import (
    F32_F64,
    INF,
    MULTI_DIMS,
    _x,
    multi_dim_parity,
    nan_inf_parity,
    parity,
)
from tests.netlab.parity import check_op, gradcheck, gradgradcheck, randn, torch

# norms over several dims (dim: int, tuple, None) --------------------------------------------

MULTI_OPS = {
    "norm": lambda m, x, kw: m.norm(x, **kw),
    "norm1": lambda m, x, kw: m.norm(x, 1, **kw),
    "norm3": lambda m, x, kw: m.norm(x, 3, **kw),
    "norm0.5": lambda m, x, kw: m.norm(x, 0.5, **kw),
    "norm_inf": lambda m, x, kw: m.norm(x, INF, **kw),
    "norm_-inf": lambda m, x, kw: m.norm(x, -INF, **kw),
}


@pytest.mark.parametrize("dtype", F32_F64)
@pytest.mark.parametrize("shape,dim,keepdim", MULTI_DIMS)
@pytest.mark.parametrize("op", list(MULTI_OPS))
def test_multi_dim_reductions(op, shape, dim, keepdim, dtype):
    multi_dim_parity(MULTI_OPS[op], shape, dim, keepdim, dtype)


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # numpy's inf - inf
@pytest.mark.parametrize("op", ["norm"])
def test_nan_and_inf_inputs(op):
    nan_inf_parity(op)


# gradcheck / gradgradcheck ------------------------------------------------------------------

GRAD_CASES = [
    ("norm2", lambda t: t.norm(dim=1), (2, 3)),
    ("norm_fro", lambda t: t.norm("fro"), (2, 3)),
    ("norm1", lambda t: t.norm(1, dim=0), (2, 3)),
    ("norm3", lambda t: t.norm(3, dim=(0, 1)), (2, 3)),
    ("norm1.5", lambda t: t.norm(1.5, dim=1), (2, 3)),
    ("norm0.5", lambda t: t.norm(0.5), (2, 3)),
    ("norm_inf", lambda t: t.norm(INF, dim=1), (2, 3)),
    ("norm_-inf", lambda t: t.norm(-INF), (2, 3)),
]


@pytest.mark.parametrize("name,fn,shape", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradcheck_and_gradgradcheck(name, fn, shape):
    x = _x(*shape)
    if name[4:] in ("1", "1.5", "0.5"):
        x = x + np.sign(x) * 0.2  # keep |x| away from the kink at 0
    assert gradcheck(fn, x)
    assert gradgradcheck(fn, x)


# dist ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("p", [2, 1, 3, 0.5, INF, -INF, 0])
def test_dist(p):
    # torch's dist(p=0) backward fails ("Expected a proper Tensor but got None"); netlab gives
    # no gradient, as torch.norm(x, 0) does
    parity(lambda a, b: netlab.dist(a, b, p), lambda a, b: torch.dist(a, b, p), randn(3, 4),
           randn(4), grad=p != 0)
    parity(lambda a, b: a.dist(b, p), lambda a, b: a.dist(b, p), randn(2, 1, dtype=np.float64),
           randn(3, dtype=np.float64), grad=p != 0)
    if p == 0:
        a = netlab.tensor(randn(3), requires_grad=True)
        netlab.dist(a, netlab.zeros(3), 0).backward()
        assert a.grad is None
    elif p in (2, 3, 0.5):
        a, b = _x(2, 3), _x(3)
        a = a + np.sign(a - b) * 0.2  # away from the kink of |a - b| at 0
        assert gradcheck(lambda s, t: netlab.dist(s, t, p), a, b)
        assert gradgradcheck(lambda s, t: netlab.dist(s, t, p), a, b)


def test_dist_errors():
    parity(lambda a, b: netlab.dist(a, b), lambda a, b: torch.dist(a, b), randn(3), randn(4))
    assert netlab.dist(netlab.tensor([1.0]), netlab.tensor([1.0])).grad_fn is None


# norm arguments -----------------------------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda m, t: t.norm(), lambda m, t: t.norm(None), lambda m, t: t.norm(p=2, dim=1),
    lambda m, t: m.norm(t, "fro", dim=(0, 1), keepdim=True), lambda m, t: t.norm("fro", 1),
    lambda m, t: t.norm(0), lambda m, t: t.norm(-1, dim=0), lambda m, t: t.norm(-2.5),
    lambda m, t: t.norm(dtype=m.float64), lambda m, t: t.norm(4, dim=[0, 1]),
    lambda m, t: t.reshape(2, 3, 2).norm("fro", dim=(0, 1, 2)), lambda m, t: t.norm("abc"),
    lambda m, t: t.norm(dim=()),
])
def test_norm_arguments(call):
    parity(lambda t: call(netlab, t), lambda t: call(torch, t), randn(3, 4))


@pytest.mark.parametrize("shape,kw", [((3, 4), {}), ((2, 3, 4), {"dim": (0, 2)}),
                                      ((2, 3, 4), {"dim": (2, -3), "keepdim": True}),
                                      ((2, 3, 4), {"dim": (-2, -1)}), ((2, 3, 4), {}),
                                      ((3, 4), {"dim": 1})])
def test_nuclear_norm(shape, kw):
    parity(lambda t: t.norm("nuc", **kw), lambda t: t.norm("nuc", **kw),
           randn(*shape, dtype=np.float64), grad_rtol=1e-8)
    if shape == (2, 3, 4) and kw.get("keepdim"):
        assert gradcheck(lambda t: t.norm("nuc", **kw), _x(*shape))


@pytest.mark.parametrize("p", [0.5, 1, 1.5, 2, 3, INF, -INF, -1, 0])
def test_norm_gradient_at_zero(p):
    x = np.array([[0.0, 2.0, -2.0], [0.0, 0.0, 0.0]])
    check_op(lambda t: t.norm(p, dim=1), lambda t: t.norm(p, dim=1), x)
    check_op(lambda t: t.norm(p), lambda t: t.norm(p), x)


@pytest.mark.parametrize("call", [
    lambda m: m.zeros(0, 3).norm(INF), lambda m: m.zeros(0, 3).norm(-INF, dim=0),
    lambda m: m.zeros(0, 3).norm(INF, dim=1), lambda m: m.zeros(0, 3).norm(),
    lambda m: m.tensor([1, 2]).norm(), lambda m: m.tensor([True]).norm(1),
])
def test_norm_empty_and_int_errors(call):
    parity(lambda: call(netlab), lambda: call(torch))
