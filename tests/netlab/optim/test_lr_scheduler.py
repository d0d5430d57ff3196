"""Learning-rate schedulers: N steps give PyTorch's learning rates (and OneCycle's momentum)
exactly, state_dict save/load resumes identically, and the warnings PyTorch gives."""

import warnings

import numpy as np
import pytest

import netlab
from tests.netlab.parity import torch

# (optimizer name, optimizer kwargs, scheduler name, scheduler kwargs, steps)
CASES = [
    ("SGD", dict(lr=0.1), "StepLR", dict(step_size=3), 10),
    ("SGD", dict(lr=0.1), "StepLR", dict(step_size=2, gamma=0.5), 9),
    ("SGD", dict(lr=0.1), "MultiStepLR", dict(milestones=[2, 5, 5, 7], gamma=0.3), 10),
    ("Adam", dict(lr=0.01), "ExponentialLR", dict(gamma=0.9), 12),
    ("SGD", dict(lr=0.1), "CosineAnnealingLR", dict(T_max=5), 23),
    ("SGD", dict(lr=0.1), "CosineAnnealingLR", dict(T_max=7, eta_min=0.003), 30),
    ("SGD", dict(lr=0.1), "LambdaLR", dict(lr_lambda=lambda e: 0.95 ** e), 8),
    ("SGD", dict(lr=0.1), "LambdaLR",
     dict(lr_lambda=[lambda e: 1 / (e + 1), lambda e: e % 3 + 1]), 8),
    ("SGD", dict(lr=0.1), "MultiplicativeLR", dict(lr_lambda=lambda e: 0.9), 6),
    ("SGD", dict(lr=0.1), "ConstantLR", dict(factor=0.5, total_iters=3), 6),
    ("SGD", dict(lr=0.1), "LinearLR", dict(start_factor=0.1, total_iters=4), 7),
    ("SGD", dict(lr=0.1), "PolynomialLR", dict(total_iters=5, power=2.0), 7),
    ("SGD", dict(lr=0.1, momentum=0.9), "OneCycleLR", dict(max_lr=0.5, total_steps=20), 20),
    ("SGD", dict(lr=0.1, momentum=0.9), "OneCycleLR",
     dict(max_lr=[0.5, 1.0], epochs=3, steps_per_epoch=4, anneal_strategy="linear",
          pct_start=0.25, div_factor=10.0, final_div_factor=100.0), 12),
    ("SGD", dict(lr=0.1, momentum=0.9), "OneCycleLR",
     dict(max_lr=0.3, total_steps=15, three_phase=True, base_momentum=[0.8, 0.7]), 15),
    ("Adam", dict(lr=0.01), "OneCycleLR", dict(max_lr=0.05, total_steps=10), 10),
    ("SGD", dict(lr=0.1), "OneCycleLR", dict(max_lr=0.05, total_steps=8, cycle_momentum=False),
     8),
    ("RMSprop", dict(lr=0.01, momentum=0.5), "OneCycleLR", dict(max_lr=0.05, total_steps=6), 6),
    ("SGD", dict(lr=0.1), "CosineAnnealingWarmRestarts", dict(T_0=4), 13),
    ("SGD", dict(lr=0.1), "CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2, eta_min=0.01),
     25),
]

METRICS = [1.0, 0.9, 0.95, 0.95, 0.94, 0.96, 0.97, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.2]
PLATEAU = [
    dict(),
    dict(patience=1),
    dict(patience=0, factor=0.5, cooldown=2),
    dict(mode="max", patience=1, threshold=0.1, threshold_mode="abs", min_lr=[0.02, 0.001]),
    dict(mode="min", patience=1, threshold=0.05, factor=0.2, min_lr=0.005, eps=1e-3),
]


def _setup(lib, opt_name, opt_kw, start):
    a = lib.nn.Parameter(lib.tensor(start[0]))
    b = lib.nn.Parameter(lib.tensor(start[1]))
    groups = [{"params": [a]}, {"params": [b], "lr": opt_kw["lr"] * 2}]
    opt = getattr(lib.optim, opt_name)(groups, **opt_kw)
    return (a, b), opt


def _momenta(opt):
    return [g["betas"][0] if "betas" in g else g.get("momentum") for g in opt.param_groups]


def _trajectory(lib, opt_name, opt_kw, sched_name, sched_kw, steps, start, grads, metrics=None):
    params, opt = _setup(lib, opt_name, opt_kw, start)
    sched = getattr(lib.optim.lr_scheduler, sched_name)(opt, **sched_kw)
    lrs, moms = [sched.get_last_lr()], [_momenta(opt)]
    for i in range(steps):
        for p, g in zip(params, grads[i % len(grads)]):
            p.grad = lib.tensor(g)
        opt.step()
        sched.step(metrics[i]) if metrics is not None else sched.step()
        lrs.append(sched.get_last_lr())
        assert lrs[-1] == [g["lr"] for g in opt.param_groups]
        moms.append(_momenta(opt))
    return lrs, moms, [p.detach().numpy() for p in params], sched, opt


def _data(seed=0):
    rng = np.random.default_rng(seed)
    start = [rng.standard_normal(3), rng.standard_normal(2)]
    grads = [[rng.standard_normal(3), rng.standard_normal(2)] for _ in range(5)]
    return start, grads


@pytest.mark.parametrize("case", CASES, ids=lambda c: c[2])
def test_learning_rates_match_torch(case):
    start, grads = _data()
    ours = _trajectory(netlab, *case, start, grads)
    theirs = _trajectory(torch, *case, start, grads)
    np.testing.assert_allclose(np.array(ours[0], dtype=np.float64), np.array(theirs[0]),
                               rtol=1e-7, atol=0)
    np.testing.assert_allclose(np.array(ours[1], dtype=np.float64),
                               np.array(theirs[1], dtype=np.float64), rtol=1e-7, atol=0)
    for p, q in zip(ours[2], theirs[2]):
        np.testing.assert_allclose(p, q, rtol=1e-10, atol=1e-12)  # float64 params
    assert set(ours[3].state_dict()) == set(theirs[3].state_dict())


@pytest.mark.parametrize("kw", PLATEAU)
def test_reduce_lr_on_plateau_matches_torch(kw):
    start, grads = _data(1)
    case = ("SGD", dict(lr=0.1), "ReduceLROnPlateau", kw, len(METRICS))
    ours = _trajectory(netlab, *case, start, grads, metrics=METRICS)
    theirs = _trajectory(torch, *case, start, grads, metrics=METRICS)
    np.testing.assert_allclose(np.array(ours[0]), np.array(theirs[0]), rtol=1e-7, atol=0)
    for key in ("best", "num_bad_epochs", "cooldown_counter", "last_epoch"):
        assert getattr(ours[3], key) == getattr(theirs[3], key), key
    # a 0-d tensor metric is accepted
    best = 100.0 if kw.get("mode") == "max" else -100.0
    ours[3].step(netlab.tensor(best))
    assert ours[3].best == best


def _resume(lib, case, split, start, grads, metrics=None):
    opt_name, opt_kw, sched_name, sched_kw, steps = case
    params, opt = _setup(lib, opt_name, opt_kw, start)
    sched = getattr(lib.optim.lr_scheduler, sched_name)(opt, **sched_kw)
    for i in range(split):
        for p, g in zip(params, grads[i % len(grads)]):
            p.grad = lib.tensor(g)
        opt.step()
        sched.step(metrics[i]) if metrics is not None else sched.step()
    opt_sd, sched_sd = opt.state_dict(), sched.state_dict()
    assert "optimizer" not in sched_sd
    # a fresh optimizer and scheduler: build the scheduler first, then load both
    fresh = [p.detach().numpy().copy() for p in params]
    params, opt = _setup(lib, opt_name, opt_kw, fresh)
    sched = getattr(lib.optim.lr_scheduler, sched_name)(opt, **sched_kw)
    opt.load_state_dict(opt_sd)
    sched.load_state_dict(sched_sd)
    lrs = []
    for i in range(split, steps):
        for p, g in zip(params, grads[i % len(grads)]):
            p.grad = lib.tensor(g)
        opt.step()
        sched.step(metrics[i]) if metrics is not None else sched.step()
        lrs.append(sched.get_last_lr())
    return lrs, _momenta(opt), [p.detach().numpy() for p in params]


@pytest.mark.parametrize("case", [CASES[0], CASES[3], CASES[5], CASES[12], CASES[15]],
                         ids=lambda c: c[2])
def test_state_dict_resume_is_identical(case):
    start, grads = _data(2)
    lrs, moms, params, _, _ = _trajectory(netlab, *case, start, grads)
    split = case[4] // 2
    r_lrs, r_moms, r_params = _resume(netlab, case, split, start, grads)
    assert r_lrs == lrs[split + 1:]
    assert r_moms == moms[-1]
    for p, q in zip(r_params, params):
        np.testing.assert_array_equal(p, q)


def test_plateau_state_dict_resume_is_identical():
    start, grads = _data(3)
    case = ("SGD", dict(lr=0.1), "ReduceLROnPlateau", dict(patience=1, cooldown=1),
            len(METRICS))
    lrs = _trajectory(netlab, *case, start, grads, metrics=METRICS)[0]
    r_lrs = _resume(netlab, case, 6, start, grads, metrics=METRICS)[0]
    assert r_lrs == lrs[7:]


class _Decay:
    """A callable object: LambdaLR saves its __dict__."""

    def __init__(self, rate):
        self.rate = rate

    def __call__(self, epoch):
        return self.rate ** epoch


def test_lambda_state_dict_saves_only_callable_objects():
    for lib in (netlab, torch):
        _, opt = _setup(lib, "SGD", dict(lr=0.1), _data()[0])
        sched = lib.optim.lr_scheduler.LambdaLR(opt, [lambda e: 1.0, _Decay(0.5)])
        sd = sched.state_dict()
        assert sd["lr_lambdas"] == [None, {"rate": 0.5}]
        other = _Decay(0.9)
        _, opt2 = _setup(lib, "SGD", dict(lr=0.1), _data()[0])
        sched2 = lib.optim.lr_scheduler.LambdaLR(opt2, [lambda e: 1.0, other])
        sched2.load_state_dict(sd)
        assert other.rate == 0.5 and "lr_lambdas" in sd


def test_initial_lr_and_base_lrs():
    _, opt = _setup(netlab, "SGD", dict(lr=0.1), _data()[0])
    sched = netlab.optim.lr_scheduler.StepLR(opt, 2)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.2]
    assert sched.base_lrs == [0.1, 0.2] and sched.last_epoch == 0
    with pytest.raises(KeyError, match="initial_lr"):
        _, fresh = _setup(netlab, "SGD", dict(lr=0.1), _data()[0])
        netlab.optim.lr_scheduler.StepLR(fresh, 2, last_epoch=3)
    # resuming from last_epoch uses the existing initial_lr
    resumed = netlab.optim.lr_scheduler.StepLR(opt, 2, last_epoch=3)
    assert resumed.last_epoch == 4


def test_step_with_epoch_uses_closed_form():
    for lib in (netlab, torch):
        _, opt = _setup(lib, "SGD", dict(lr=0.1), _data()[0])
        sched = lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)
        opt.step()
        with pytest.warns(UserWarning, match="epoch parameter"):
            sched.step(4)
        if lib is netlab:
            ours = sched.get_last_lr()
        else:
            np.testing.assert_allclose(ours, sched.get_last_lr(), rtol=1e-7)


def test_warnings_as_torch():
    _, opt = _setup(netlab, "SGD", dict(lr=0.1), _data()[0])
    sched = netlab.optim.lr_scheduler.StepLR(opt, 2)
    with pytest.warns(UserWarning, match=r"Detected call of `lr_scheduler.step\(\)` before"):
        sched.step()
    with pytest.warns(UserWarning, match="get_last_lr"):
        sched.get_lr()
    _, opt = _setup(netlab, "SGD", dict(lr=0.1), _data()[0])
    sched = netlab.optim.lr_scheduler.ExponentialLR(opt, 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
        sched.step()
        sched.step()


def test_errors_as_torch():
    _, opt = _setup(netlab, "SGD", dict(lr=0.1), _data()[0])
    sch = netlab.optim.lr_scheduler
    with pytest.raises(TypeError, match="is not an Optimizer"):
        sch.StepLR(object(), 2)
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        sch.LambdaLR(opt, [lambda e: 1.0])
    with pytest.raises(ValueError, match="either total_steps OR"):
        sch.OneCycleLR(opt, max_lr=0.1)
    with pytest.raises(ValueError, match="positive integer total_steps"):
        sch.OneCycleLR(opt, max_lr=0.1, total_steps=0)
    with pytest.raises(ValueError, match="pct_start"):
        sch.OneCycleLR(opt, max_lr=0.1, total_steps=5, pct_start=1)
    with pytest.raises(ValueError, match="anneal_strategy"):
        sch.OneCycleLR(opt, max_lr=0.1, total_steps=5, anneal_strategy="exp")
    with pytest.raises(ValueError, match="max_lr must have the same length"):
        sch.OneCycleLR(opt, max_lr=[0.1], total_steps=5)
    _, ada = _setup(netlab, "Adagrad", dict(lr=0.1), _data()[0])
    with pytest.raises(ValueError, match="momentum or beta1"):
        sch.OneCycleLR(ada, max_lr=0.1, total_steps=5)
    one = sch.OneCycleLR(opt, max_lr=0.1, total_steps=2)
    opt.step()
    one.step()
    one.step()
    with pytest.raises(ValueError, match="Tried to step 3 times"):
        one.step()
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        sch.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode avg is unknown"):
        sch.ReduceLROnPlateau(opt, mode="avg")
    with pytest.raises(ValueError, match="expected 2 min_lrs, got 1"):
        sch.ReduceLROnPlateau(opt, min_lr=[0.1])


COMPOSITES = {
    "warmup_then_cosine": lambda S, opt: S.SequentialLR(
        opt, [S.LinearLR(opt, start_factor=0.1, total_iters=3),
              S.CosineAnnealingLR(opt, T_max=6)], milestones=[3]),
    "three_stages": lambda S, opt: S.SequentialLR(
        opt, [S.ConstantLR(opt, factor=0.5, total_iters=2), S.ExponentialLR(opt, gamma=0.8),
              S.StepLR(opt, step_size=2)], milestones=[2, 5]),
    "chained": lambda S, opt: S.ChainedScheduler(
        [S.ConstantLR(opt, factor=0.5, total_iters=3), S.ExponentialLR(opt, gamma=0.9)]),
}


def _composite_run(lib, build, steps=12, resume_at=None):
    params, opt = _setup(lib, "SGD", dict(lr=0.1, momentum=0.9), _data()[0])
    sched = build(lib.optim.lr_scheduler, opt)
    lrs = [sched.get_last_lr()]
    for i in range(steps):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr())
        if i == resume_at:
            opt_sd, sd = opt.state_dict(), sched.state_dict()
            params, opt = _setup(lib, "SGD", dict(lr=0.1, momentum=0.9), _data()[0])
            sched = build(lib.optim.lr_scheduler, opt)
            opt.load_state_dict(opt_sd)
            sched.load_state_dict(sd)
    return lrs


@pytest.mark.parametrize("name", COMPOSITES)
def test_composite_schedulers_match_torch(name):
    ours = _composite_run(netlab, COMPOSITES[name])
    np.testing.assert_allclose(ours, _composite_run(torch, COMPOSITES[name]), rtol=1e-7, atol=0)
    assert _composite_run(netlab, COMPOSITES[name], resume_at=4) == ours


def test_warm_restarts_fractional_epochs_match_torch():
    out = []
    for lib in (netlab, torch):
        _, opt = _setup(lib, "SGD", dict(lr=0.1), _data()[0])
        sched = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2)
        lrs = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for epoch in range(6):
                for i in range(4):
                    opt.step()
                    sched.step(epoch + i / 4)
                    lrs.append(sched.get_last_lr())
        out.append(lrs)
    np.testing.assert_allclose(out[0], out[1], rtol=1e-7, atol=0)
    _, opt = _setup(netlab, "SGD", dict(lr=0.1), _data()[0])
    with pytest.raises(ValueError, match="Expected positive integer T_0"):
        netlab.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(ValueError, match="Sequential Schedulers expects number of schedulers"):
        netlab.optim.lr_scheduler.SequentialLR(
            opt, [netlab.optim.lr_scheduler.StepLR(opt, 2)], milestones=[1])


def test_a_copied_optimizer_steps_its_own_parameters():
    import copy

    (a, _), opt = _setup(netlab, "SGD", dict(lr=1.0), _data()[0])
    netlab.optim.lr_scheduler.StepLR(opt, 2)  # wraps opt.step
    twin = copy.deepcopy(opt)
    ta = twin.param_groups[0]["params"][0]
    ta.grad = netlab.ones_like(ta)
    before = a.detach().numpy().copy()
    twin.step()
    np.testing.assert_array_equal(a.detach().numpy(), before)
    np.testing.assert_allclose(ta.detach().numpy(), before - 1.0)
