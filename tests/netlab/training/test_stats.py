"""TrainingStats behaviour: collection schedule, hooks, histograms, health flags, report data."""

from __future__ import annotations

import json

import numpy as np
import pytest

import netlab
import netlab.nn as nn
from netlab.training import stats_activations, stats_reduce
from netlab.training.stats import HealthThresholds, TrainingStats

F = nn.functional


def _mlp(seed=0):
    netlab.manual_seed(seed)
    model = nn.Sequential()
    model.add_module("fc1", nn.Linear(4, 8))
    model.add_module("relu", nn.ReLU())
    model.add_module("fc2", nn.Linear(8, 3))
    return model


def _run(model, stats, steps, *, lr=0.05, start=0, x=None, loss_fn=None):
    """Train ``steps`` steps with the trainer's protocol; the reports (None when skipped)."""
    rng = np.random.default_rng(1)
    opt = netlab.optim.SGD(model.parameters(), lr=lr)
    reports = []
    for step in range(start, start + steps):
        xb = netlab.tensor(rng.standard_normal((16, 4)).astype(np.float32) if x is None else x)
        opt.zero_grad()
        out = model(xb)
        loss = F.cross_entropy(out, netlab.tensor(rng.integers(0, 3, 16))) if loss_fn is None \
            else loss_fn(out)
        loss.backward()
        stats.before_step(step)
        opt.step()
        reports.append(stats.after_step(step))
    return reports


def test_every_k_collects_only_those_steps_and_hooks_follow(monkeypatch):
    calls = []
    summarise = stats_activations._summarise
    monkeypatch.setattr(stats_activations, "_summarise",
                        lambda a, dead: calls.append(a.shape) or summarise(a, dead))
    model = _mlp()
    stats = TrainingStats(model, every=3).attach()
    reports = _run(model, stats, 7, start=1)  # steps 1..7: collects 3 and 6
    assert [r is not None for r in reports] == [False, False, True, False, False, True, False]
    assert [r["step"] for r in reports if r] == [3, 6]
    # the hooks ran on step 1's forward (armed at attach, before any step number is known),
    # then only for steps 3 and 6: 3 probed layers each
    assert len(calls) == 3 * 3
    assert all(r["layers"]["relu"]["activation_mean"] is not None for r in reports if r)
    assert stats.wants(9) and not stats.wants(10)


def test_begin_step_arms_hooks_exactly(monkeypatch):
    calls = []
    summarise = stats_activations._summarise
    monkeypatch.setattr(stats_activations, "_summarise",
                        lambda a, dead: calls.append(1) or summarise(a, dead))
    model = _mlp()
    stats = TrainingStats(model, every=2).attach()
    stats.begin_step(1)
    model(netlab.randn(2, 4))
    assert calls == []
    stats.begin_step(2)
    model(netlab.randn(2, 4))
    assert len(calls) == 3


def test_validation_under_no_grad_does_not_replace_activations():
    model = _mlp()
    stats = TrainingStats(model).attach()
    x = netlab.randn(16, 4)
    out = model(x)
    with netlab.no_grad():
        model(x * 1000)  # e.g. an evaluation pass between forward and before_step
    F.cross_entropy(out, netlab.tensor(np.zeros(16, np.int64))).backward()
    stats.before_step(0)
    report = stats.after_step(0)
    with netlab.no_grad():
        want = model.fc1(x).numpy()
    assert report["layers"]["fc1"]["activation_mean"] == pytest.approx(want.mean(), rel=1e-4)


def test_detach_removes_hooks_but_gradients_still_collected():
    model = _mlp()
    stats = TrainingStats(model).attach()
    assert all(len(m._forward_hooks) == 1 for m in model.children())
    stats.detach()
    assert all(len(m._forward_hooks) == 0 for m in model.children())
    report = _run(model, stats, 1)[0]
    assert report["layers"]["fc1"]["grad_norm"] > 0
    assert report["layers"]["relu"]["activation_mean"] is None
    with TrainingStats(model) as scoped:
        assert len(model.fc1._forward_hooks) == 1
        assert _run(model, scoped, 1)[0]["layers"]["relu"]["activation_mean"] is not None
    assert len(model.fc1._forward_hooks) == 0
    assert len(TrainingStats(model, activations=False).attach().model.fc1._forward_hooks) == 0


def test_report_is_plain_data():
    model = _mlp()
    stats = TrainingStats(model, histogram_bins=8).attach()
    report = _run(model, stats, 1)[0]

    def plain(obj):
        if isinstance(obj, dict):
            return {k: plain(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [plain(v) for v in obj]
        if isinstance(obj, np.ndarray):
            assert obj.dtype in (np.int64, np.float64)
            return obj.tolist()
        assert obj is None or type(obj) in (str, int, float, bool), type(obj)
        return obj

    json.dumps(plain(report))
    assert set(report) == {"step", "parameters", "layers", "health", "flags"}
    assert list(report["layers"]) == ["fc1", "relu", "fc2"]
    assert report["health"] == {"fc1": "healthy", "relu": "healthy", "fc2": "healthy"}
    assert report["flags"] == []


def test_histograms_fixed_bins_range_from_first_collection_widened_by_doubling():
    lin = nn.Linear(5, 4)
    stats = TrainingStats(lin, histogram_bins=10, activations=False)
    grads = [np.full((4, 5), 0.5, np.float32), np.full((4, 5), 0.3, np.float32),
             np.full((4, 5), 1.7, np.float32)]
    grads[0][0, 0] = -2.0  # first range: [-2, 2]
    hists = []
    for step, g in enumerate(grads):
        lin.weight.grad = netlab.tensor(g)
        lin.bias.grad = netlab.zeros(4)
        stats.before_step(step)
        hists.append(stats.after_step(step)["parameters"]["weight"]["grad_hist"])
    (c0, e0), (c1, e1), (c2, e2) = hists
    np.testing.assert_array_equal(e0, np.linspace(-2, 2, 11))
    np.testing.assert_array_equal(e1, e0)  # same range: rows stack into a heat map
    np.testing.assert_array_equal(c0, np.histogram(grads[0], 10, (-2, 2))[0])
    np.testing.assert_array_equal(c1, np.histogram(grads[1], 10, (-2, 2))[0])
    assert c0.sum() == c1.sum() == 20 and len(c0) == 10
    lin.weight.grad = netlab.tensor(np.full((4, 5), 5.0, np.float32))
    stats.before_step(3)
    c3, e3 = stats.after_step(3)["parameters"]["weight"]["grad_hist"]
    np.testing.assert_array_equal(e3, np.linspace(-8, 8, 11))  # 2 -> 4 -> 8 covers 5
    assert c3.sum() == 20
    assert stats.after_step(3) is None  # nothing pending any more
    # weights: their own range, from the weights the gradient was taken at
    w = lin.weight.detach().numpy()
    r = float(np.abs(w).max())
    stats.before_step(4)
    wc, we = stats.after_step(4)["parameters"]["weight"]["weight_hist"]
    np.testing.assert_allclose(we, np.linspace(-r, r, 11))
    np.testing.assert_array_equal(wc, np.histogram(w, 10, (-r, r))[0])


def test_vanishing_after_patience_on_a_zeroed_layer():
    model = _mlp()
    with netlab.no_grad():
        model.fc1.weight.zero_()
        model.fc1.bias.zero_()
    stats = TrainingStats(model, thresholds=HealthThresholds(patience=4)).attach()
    reports = _run(model, stats, 6)
    fc1 = [r["health"]["fc1"] for r in reports]
    assert fc1 == ["healthy"] * 3 + ["vanishing"] * 3
    assert any("fc1: gradient norm 0 has stayed below 1e-07 for 4" in f
               for f in reports[3]["flags"])
    # the zeroed layer's ReLU never fires: dead from the first step
    assert [r["health"]["relu"] for r in reports] == ["dead"] * 6
    assert reports[0]["layers"]["relu"]["dead_units_fraction"] == 1.0


def test_dead_relu_from_negative_bias_only_above_threshold():
    model = _mlp()
    with netlab.no_grad():
        model.fc1.bias[:5] = -100.0  # 5 of 8 units can never fire on N(0, 1) inputs
    stats = TrainingStats(model).attach()
    report = _run(model, stats, 1)[0]
    assert report["layers"]["relu"]["dead_units_fraction"] == pytest.approx(5 / 8)
    assert report["health"]["relu"] == "dead"
    assert "relu: 62% of its units output zero for the whole batch" in report["flags"][0]
    with netlab.no_grad():
        model.fc1.bias[:] = 0.0
        model.fc1.bias[:3] = -100.0
    report = _run(model, stats, 1, start=1)[0]
    assert report["layers"]["relu"]["dead_units_fraction"] == pytest.approx(3 / 8)
    assert report["health"]["relu"] == "healthy"


def test_huge_learning_rate_is_exploding_before_it_is_nonfinite():
    model = _mlp()
    stats = TrainingStats(model).attach()
    with np.errstate(all="ignore"):  # the training itself overflows: that is the point
        reports = _run(model, stats, 12, lr=1e4, loss_fn=lambda out: (out ** 2).mean())
    states = [set(r["health"].values()) for r in reports]
    first = next(i for i, s in enumerate(states) if s - {"healthy", "dead"})
    assert "exploding" in states[first]
    assert any("(exploding gradients)" in f for f in reports[first]["flags"])


def test_exploding_by_growth_and_by_threshold():
    lin = nn.Linear(3, 1)
    stats = TrainingStats(lin, activations=False)
    health = []
    values = [1e-4, 1e-2, 0.2, 1.5, 30.0, 60.0, 2000.0]  # layer norm: value * sqrt(3)
    for step, value in enumerate(values):
        lin.weight.grad = netlab.full((1, 3), value)
        lin.bias.grad = netlab.zeros(1)
        stats.before_step(step)
        health.append(stats.after_step(step)["health"]["Linear"])
    # x100 and x20 below the growth floor (1.0): waking up, not exploding; x7.5: fine;
    # x20 to 52: exploding; x2: fine; 3464 > 1e3: exploding
    assert health == ["healthy"] * 4 + ["exploding", "healthy", "exploding"]


def test_nonfinite_gradient_names_the_parameter():
    model = _mlp()
    stats = TrainingStats(model).attach()
    x = netlab.randn(4, 4)
    model(x).sum().backward()
    model.fc2.bias.grad._array[1] = np.nan
    stats.before_step(0)
    assert stats.grads_finite() is False
    report = stats.after_step(0)
    assert report["health"]["fc2"] == "nonfinite"
    assert report["health"]["fc1"] == "healthy"
    assert "fc2: NaN/Inf in the gradient of fc2.bias" in report["flags"]
    assert np.isnan(report["parameters"]["fc2.bias"]["grad_max_abs"])
    model.fc2.bias.grad._array[1] = 0.0
    stats.before_step(1)  # the answer is this step's, not a stale one
    assert stats.grads_finite() is True
    stats.after_step(1)
    assert TrainingStats(model, every=2).grads_finite() is None


def test_parameters_without_gradient_and_bad_arguments():
    model = _mlp()
    model.fc2.requires_grad_(False)
    stats = TrainingStats(model)
    model(netlab.randn(4, 4)).sum().backward()
    stats.before_step(0)
    report = stats.after_step(0)
    assert report["parameters"]["fc2.weight"]["grad_norm"] is None
    assert report["parameters"]["fc2.weight"]["update_ratio"] == 0.0
    assert report["layers"]["fc2"]["grad_norm"] is None
    assert report["layers"]["fc1"]["grad_norm"] > 0
    assert stats.after_step(1) is None
    with pytest.raises(ValueError, match="every"):
        TrainingStats(model, every=0)
    with pytest.raises(ValueError, match="histogram_bins"):
        TrainingStats(model, histogram_bins=-1)
    with pytest.raises(ValueError, match="patience"):
        HealthThresholds(patience=0)
    with pytest.raises(ValueError, match="vanishing"):
        HealthThresholds(vanishing=float("nan"))


def test_std_keeps_its_digits_when_the_mean_dominates():
    # values 1 + 1e-3 * noise: the variance is 1e-6 of the mean square, below float32's
    # resolution of a sum of squares, so a one-pass std would be rounding noise
    n = stats_reduce.FLAT_MAX + 1000  # above FLAT_MAX: reduced in float32
    rng = np.random.default_rng(5)
    values = (1.0 + 1e-3 * rng.standard_normal(n)).astype(np.float32)
    lin = nn.Linear(3, n)
    with netlab.no_grad():
        lin.weight.zero_()
        lin.bias.copy_(netlab.tensor(values))
    stats = TrainingStats(lin).attach()
    out = lin(netlab.randn(16, 3))  # every row equals the bias
    out.sum().backward()
    lin.bias.grad = netlab.tensor(values)
    stats.before_step(0)
    report = stats.after_step(0)
    want = values.astype(np.float64).std()
    assert report["layers"]["Linear"]["activation_std"] == pytest.approx(want, rel=1e-3)
    assert report["parameters"]["bias"]["grad_std"] == pytest.approx(want, rel=1e-3)
    assert report["parameters"]["bias"]["grad_mean"] == pytest.approx(values.mean(), rel=1e-6)
