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


MORE_CASES = [
    ("SGD", dict(lr=0.1, dampening=0.3, weight_decay=0.05)),  # dampening without momentum
    ("Adam", dict(lr=0.01, maximize=True, betas=(0.8, 0.9))),
    ("Adam", dict(lr=0.01, amsgrad=True, maximize=True, weight_decay=0.1,
                  decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.01, amsgrad=True, weight_decay=0.5)),
    ("RMSprop", dict(lr=0.01, centered=True, maximize=True)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-3, momentum=0.5)),
    ("Adagrad", dict(lr=0.1, maximize=True, eps=1e-3)),
]


def _groups_run(lib, name, kw, start, grads, extra):
    """Two param groups (the second with its own options), float64, one param without grad."""
    a = lib.nn.Parameter(lib.tensor(start[0]))
    b = lib.nn.Parameter(lib.tensor(start[1]))
    c = lib.nn.Parameter(lib.tensor(start[1]))
    opt = getattr(lib.optim, name)([{"params": [a, c]}, {"params": [b], **extra}], **kw)
    for ga, gb in grads:
        a.grad, b.grad = lib.tensor(ga), lib.tensor(gb)
        opt.step()
    assert c not in opt.state or name == "Adagrad"  # never stepped (Adagrad fills at init)
    return [p.detach().numpy() for p in (a, b, c)], opt


@pytest.mark.parametrize("name,kw", MORE_CASES + CASES[:1] + CASES[9:10])
def test_param_groups_float64_match_torch(name, kw):
    rng = np.random.default_rng(5)
    start = [rng.standard_normal((2, 3)), rng.standard_normal(4)]
    grads = [(rng.standard_normal((2, 3)), rng.standard_normal(4)) for _ in range(5)]
    extra = {"lr": kw["lr"] * 3, "weight_decay": 0.2}
    ours, opt = _groups_run(netlab, name, kw, start, grads, extra)
    theirs, topt = _groups_run(torch, name, kw, start, grads, extra)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p, q, rtol=1e-10, atol=1e-12)
    # same state_dict layout: group keys in order, state keys, state dtypes
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert [list(g) for g in sd["param_groups"]] == [list(g) for g in tsd["param_groups"]]
    assert [g["params"] for g in sd["param_groups"]] == [g["params"] for g in tsd["param_groups"]]
    assert sorted(sd["state"]) == sorted(tsd["state"])
    for i, st in tsd["state"].items():
        assert list(sd["state"][i]) == list(st)
        for k, v in st.items():
            assert str(sd["state"][i][k].dtype).split(".")[-1] == str(v.dtype).split(".")[-1]


@pytest.mark.parametrize("name,kw", [CASES[2], CASES[6], CASES[10], CASES[11]])
def test_resume_from_a_torch_state_dict(name, kw):
    """A torch optimizer's state_dict (tensors converted) resumes netlab on torch's path."""
    rng = np.random.default_rng(6)
    start = rng.standard_normal(4).astype(np.float32)
    grads = [rng.standard_normal(4).astype(np.float32) for _ in range(6)]
    tp, topt = _run(torch, name, kw, 3, start, grads)
    tsd = topt.state_dict()
    sd = {"param_groups": tsd["param_groups"],
          "state": {i: {k: netlab.from_numpy(v.numpy().copy()) if torch.is_tensor(v) else v
                        for k, v in s.items()} for i, s in tsd["state"].items()}}
    p = netlab.nn.Parameter(netlab.tensor(tp.detach().numpy()))
    opt = getattr(netlab.optim, name)([p], **kw)
    opt.load_state_dict(sd)
    for g in grads[3:]:
        p.grad = netlab.tensor(g)
        opt.step()
        tp.grad = torch.tensor(g)
        topt.step()
    np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=1e-5, atol=1e-6)
