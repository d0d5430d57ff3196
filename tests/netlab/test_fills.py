import numpy as np
import pytest

import netlab
from tests.netlab.parity import same, same_error, torch

# --- fill_ / zero_ -------------------------------------------------------------------------

@pytest.mark.parametrize("dtype,value", [
    ("float32", 3), ("int64", 2.7), ("bool", 3), ("float64", -1.5), ("uint8", 7),
])
def test_fill_and_zero(dtype, value):
    n = netlab.ones(2, 2, dtype=getattr(netlab, dtype))
    t = torch.ones(2, 2, dtype=getattr(torch, dtype))
    v = n._version
    assert n.fill_(value) is n
    t.fill_(value)
    same(n, t)
    assert n._version == v + 1
    n.zero_()
    t.zero_()
    same(n, t)
    assert n._version == v + 2
    n.fill_(netlab.tensor(5))
    t.fill_(torch.tensor(5))
    same(n, t)


def test_fill_on_view_writes_base_and_checks():
    base = netlab.zeros(2, 3)
    base.view(6).fill_(2.0)
    assert base.tolist() == [[2.0] * 3] * 2
    same_error(lambda: netlab.zeros(2).fill_(netlab.tensor([1.0])),
               lambda: torch.zeros(2).fill_(torch.tensor([1.0])))
    same_error(lambda: netlab.ones(2, requires_grad=True).fill_(1),
               lambda: torch.ones(2, requires_grad=True).fill_(1))
    with netlab.no_grad():
        w = netlab.ones(2, requires_grad=True)
        w.zero_()
    assert w.tolist() == [0, 0] and w.requires_grad


def test_fill_autograd_matches_torch():
    for value_tensor in (False, True):
        xs = []
        for m in (netlab, torch):
            x = m.ones(3, requires_grad=True)
            v = m.tensor(2.0, requires_grad=True) if value_tensor else 2.0
            y = x * 3
            y.fill_(v)
            name = y.grad_fn.name() if m is netlab else type(y.grad_fn).__name__
            (y * m.tensor([1.0, 2.0, 3.0])).sum().backward()
            xs.append((name, x.grad.tolist(), v.grad.tolist() if value_tensor else None))
        assert xs[0] == xs[1]
    for m in (netlab, torch):
        x = m.ones(2, requires_grad=True)
        y = x * 2
        y.zero_()
        (y + x).sum().backward()
        assert x.grad.tolist() == [1.0, 1.0]
    y = netlab.ones(2, requires_grad=True) * 2
    assert y.zero_().grad_fn.name() == "ZeroBackward0"


def test_fill_with_cross_dtype_value_gradient():
    v = netlab.tensor(2.0, dtype=netlab.float64, requires_grad=True)
    z = netlab.zeros(4)
    z.fill_(v)
    assert z.grad_fn.name() == "FillBackward3"
    z.sum().backward()
    assert v.grad.dtype is netlab.float64 and v.grad.item() == 4.0


# --- random fills --------------------------------------------------------------------------

N = 200_000


def test_other_distributions():
    netlab.manual_seed(0)
    e = netlab.empty(N, dtype=netlab.float64).exponential_(2.0).numpy()
    assert e.min() >= 0 and abs(e.mean() - 0.5) < 0.01
    g = netlab.empty(N).geometric_(0.25).numpy()
    assert g.min() >= 1 and abs(g.mean() - 4) < 0.05
    ln = netlab.empty(N, dtype=netlab.float64).log_normal_(0.0, 0.5).numpy()
    assert abs(np.log(ln).mean()) < 0.01 and abs(np.log(ln).std() - 0.5) < 0.01
    c = netlab.empty(N).cauchy_(1.0, 2.0).numpy()
    assert abs(np.median(c) - 1) < 0.05


@pytest.mark.parametrize("fill", [
    lambda x: x.uniform_(), lambda x: x.normal_(), lambda x: x.bernoulli_(),
    lambda x, m=None: x.bernoulli_(x.detach() * 0 + 0.5), lambda x: x.random_(),
    lambda x: x.random_(3), lambda x: x.random_(1, 3), lambda x: x.exponential_(),
    lambda x: x.log_normal_(), lambda x: x.cauchy_(), lambda x: x.geometric_(0.5),
])
def test_inplace_random_on_non_leaf_gives_zero_grad(fill):
    names = []
    for m in (netlab, torch):
        x = m.ones(2, requires_grad=True)
        y = x * 2
        v = y._version
        assert fill(y) is y
        assert y._version > v
        names.append(y.grad_fn.name() if m is netlab else type(y.grad_fn).__name__)
        (y + x).sum().backward()
        assert x.grad.tolist() == [1.0, 1.0]
    assert names[0] == names[1]


def test_inplace_random_under_no_grad_on_leaf():
    w = netlab.empty(3, 4, requires_grad=True)
    with netlab.no_grad():
        w.uniform_(-0.1, 0.1)
        w.normal_(0, 0.01)
    assert w.requires_grad and w.is_leaf and abs(w.detach().numpy()).max() < 0.1
