"""Optimizers: N steps from the same start give PyTorch's parameters; state_dict resumes."""

import numpy as np
import pytest

import netlab
from tests.netlab.parity import torch

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.5, weight_decay=0.01)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.5, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.9, weight_decay=0.01)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1)),
]


def _run(lib, name, kw, steps, start, grads, opt_state=None):
    p = lib.nn.Parameter(lib.tensor(start))
    opt = getattr(lib.optim, name)([p], **kw)
    if opt_state is not None:
        opt.load_state_dict(opt_state)
    for g in grads[:steps]:
        p.grad = lib.tensor(g)
        opt.step()
    return p, opt


@pytest.mark.parametrize("name,kw", CASES)
def test_steps_match_torch(name, kw):
    rng = np.random.default_rng(3)
    start = rng.standard_normal((3, 4)).astype(np.float32)
    grads = [rng.standard_normal((3, 4)).astype(np.float32) for _ in range(6)]
    p1, _ = _run(netlab, name, kw, 6, start, grads)
    p2, _ = _run(torch, name, kw, 6, start, grads)
    np.testing.assert_allclose(p1.detach().numpy(), p2.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,kw", [CASES[1], CASES[6], CASES[10]])
def test_state_dict_resume_gives_identical_trajectory(name, kw):
    rng = np.random.default_rng(4)
    start = rng.standard_normal(5).astype(np.float32)
    grads = [rng.standard_normal(5).astype(np.float32) for _ in range(6)]
    straight, _ = _run(netlab, name, kw, 6, start, grads)
    half, opt = _run(netlab, name, kw, 3, start, grads)
    sd = opt.state_dict()
    resumed, _ = _run(netlab, name, kw, 0, half.detach().numpy(), grads, opt_state=sd)
    p = resumed
    opt2 = getattr(netlab.optim, name)([p], **kw)
    opt2.load_state_dict(sd)
    for g in grads[3:]:
        p.grad = netlab.tensor(g)
        opt2.step()
    np.testing.assert_array_equal(p.detach().numpy(), straight.detach().numpy())
    assert set(sd) == {"state", "param_groups"} and sd["param_groups"][0]["params"] == [0]


def test_param_groups_with_own_options_and_zero_grad():
    a = netlab.nn.Parameter(netlab.ones(2))
    b = netlab.nn.Parameter(netlab.ones(2))
    opt = netlab.optim.SGD([{"params": [a]}, {"params": [b], "lr": 1.0}], lr=0.1)
    a.grad, b.grad = netlab.ones(2), netlab.ones(2)
    opt.step()
    np.testing.assert_allclose(a.detach().numpy(), [0.9, 0.9])
    np.testing.assert_allclose(b.detach().numpy(), [0.0, 0.0])
    opt.zero_grad()
    assert a.grad is None and b.grad is None
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})


def test_closure_and_bad_arguments():
    w = netlab.nn.Parameter(netlab.tensor([2.0]))
    opt = netlab.optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 4.0
    np.testing.assert_allclose(w.detach().numpy(), [1.0])
    with pytest.raises(ValueError, match="Nesterov"):
        netlab.optim.SGD([w], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="Invalid learning rate"):
        netlab.optim.Adam([w], lr=-1)
    with pytest.raises(ValueError, match="empty parameter list"):
        netlab.optim.SGD([], lr=0.1)
