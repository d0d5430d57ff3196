import numpy as np
import pytest

import netlab
from tests.netlab.parity import same, same_error, torch

# --- eye and out= --------------------------------------------------------------------------

def test_out_argument_of_ranges():
    out = netlab.empty(0)
    assert netlab.arange(4, out=out) is out and out.tolist() == [0, 1, 2, 3]
    assert out.dtype is netlab.float32
    netlab.linspace(0, 1, 3, out=out)
    assert out.tolist() == [0, 0.5, 1]
    netlab.eye(2, out=out)
    assert out.tolist() == [[1, 0], [0, 1]]
    netlab.full((2,), 4.0, out=out)
    assert out.tolist() == [4, 4]


@pytest.mark.parametrize("args,kwargs", [
    ((3,), {}), ((2, 3), {}), ((3, 2), {}), ((0,), {}), ((1,), {}), ((2,), {"dtype": "int32"}),
    ((2,), {"dtype": "bool"}), ((3,), {"dtype": "float64", "requires_grad": True}),
])
def test_eye(args, kwargs):
    nk = {k: getattr(netlab, v) if k == "dtype" else v for k, v in kwargs.items()}
    tk = {k: getattr(torch, v) if k == "dtype" else v for k, v in kwargs.items()}
    got, want = netlab.eye(*args, **nk), torch.eye(*args, **tk)
    same(got.detach(), want.detach())
    assert got.requires_grad == want.requires_grad


# --- ranges -------------------------------------------------------------------------------

ARANGE = [
    (5,), (0,), (2, 7), (10, 0, -3), (0, 1, 0.1), (0.5, 3), (0, 10, 2.5), (1, 2.5, 0.5),
    (-3.2, 7.9, 0.37), (5, 5), (1e6, 1e6 + 10, 1.5), (0, 1, 1 / 3), (-1, -10, -0.7),
    (True, 3), (np.float32(3),), (np.int64(4),),
]


@pytest.mark.parametrize("args", ARANGE, ids=[repr(a) for a in ARANGE])
@pytest.mark.parametrize("dtype", [None, "float64", "int64", "int32", "float16", "uint8"])
def test_arange_matches_torch(args, dtype):
    nk = {} if dtype is None else {"dtype": getattr(netlab, dtype)}
    tk = {} if dtype is None else {"dtype": getattr(torch, dtype)}
    if dtype == "uint8" and min(float(a) for a in args) < 0:
        return
    try:
        want = torch.arange(*args, **tk)
    except Exception:
        same_error(lambda: netlab.arange(*args, **nk), lambda: torch.arange(*args, **tk))
        return
    rtol = 1e-3 if dtype == "float16" else 1e-6
    same(netlab.arange(*args, **nk), want, rtol=rtol, atol=1e-6)


def test_arange_tensor_args_and_errors():
    same(netlab.arange(netlab.tensor(3)), torch.arange(torch.tensor(3)))
    same(netlab.arange(netlab.tensor(1.5), 4), torch.arange(torch.tensor(1.5), 4))
    for make in (lambda m: m.arange(0, 5, 0), lambda m: m.arange(5, 0),
                 lambda m: m.arange(0, float("inf")),
                 lambda m: m.arange(0, 2.5, 0.5, dtype=m.int64),
                 lambda m: m.arange(10, dtype=m.bool)):
        same_error(lambda: make(netlab), lambda: make(torch))  # noqa: B023 - called at once
    x = netlab.arange(3.0, requires_grad=True)
    assert x.requires_grad and x.is_leaf


LINSPACE = [(0, 1, 5), (0, 10, 5), (3, 7, 1), (0, 1, 0), (-5.5, 5.5, 11), (5.7, -5.7, 5),
            (1e-3, 1e3, 7), (-5, 5, 4), (0.1, 0.2, 100), (2, 2, 3)]


@pytest.mark.parametrize("args", LINSPACE, ids=[repr(a) for a in LINSPACE])
@pytest.mark.parametrize("dtype", [None, "float64", "int64", "int32", "float16"])
def test_linspace_and_logspace_match_torch(args, dtype):
    nk = {} if dtype is None else {"dtype": getattr(netlab, dtype)}
    tk = {} if dtype is None else {"dtype": getattr(torch, dtype)}
    rtol = 2e-3 if dtype == "float16" else 1e-6
    same(netlab.linspace(*args, **nk), torch.linspace(*args, **tk), rtol=rtol, atol=1e-6)
    s, e, n = args
    if abs(s) < 5 and abs(e) < 5:
        for base in (10.0, 2.0, 0.5):
            same(netlab.logspace(s, e, n, base=base, **nk),
                 torch.logspace(s, e, n, base=base, **tk), rtol=rtol * 10, atol=1e-6)


def test_linspace_logspace_errors_and_tensor_bounds():
    same(netlab.linspace(netlab.tensor(0.0), netlab.tensor(1.0), 3),
         torch.linspace(torch.tensor(0.0), torch.tensor(1.0), 3))
    same_error(lambda: netlab.linspace(0, 1, -1), lambda: torch.linspace(0, 1, -1))
    same_error(lambda: netlab.linspace(0, 1, 3, dtype=netlab.bool),
               lambda: torch.linspace(0, 1, 3, dtype=torch.bool))
    with pytest.raises(TypeError):
        netlab.linspace(0, 1, 2.0)
    assert netlab.logspace(0, 2, 3, requires_grad=True).requires_grad
