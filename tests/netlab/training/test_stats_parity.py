"""TrainingStats equals statistics computed by hand with PyTorch from the same training step.

The same weights (copied through the state_dict) and the same batch go through netlab and
torch; every per-parameter, per-layer and activation number of netlab's report is compared
with its definition evaluated on torch's own gradients, weights and layer outputs.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import netlab
from netlab.design.compile import compile as compile_design
from netlab.design.io import load_design
from netlab.training import stats_reduce
from netlab.training.stats import TrainingStats
from tests.netlab.parity import torch

EXAMPLES = "resources/examples/"


def _torch_mlp():
    nn = torch.nn
    return nn.Sequential(OrderedDict(fc1=nn.Linear(64, 128), relu=nn.ReLU(),
                                     fc2=nn.Linear(128, 10)))


def _torch_cnn():
    nn = torch.nn
    return nn.Sequential(OrderedDict(conv=nn.Conv2d(1, 16, 3, padding=1), relu=nn.ReLU(),
                                     pool=nn.MaxPool2d(2), flatten=nn.Flatten(),
                                     fc=nn.Linear(256, 10)))


def _pair(kind: str):
    """A compiled example design and its torch twin holding the same weights."""
    netlab.manual_seed(0)
    model = compile_design(load_design(f"{EXAMPLES}digits_{kind}.json"))
    tmodel = _torch_mlp() if kind == "mlp" else _torch_cnn()
    state = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    first = "fc1.bias" if kind == "mlp" else "conv.bias"
    state[first][::3] = -50.0  # dead units, so zero fractions and dead counts are not all 0
    model.load_state_dict({k: netlab.tensor(v) for k, v in state.items()})
    tmodel.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    return model, tmodel


def _torch_step(tmodel, x, y, opt):
    """One torch step; returns grads, weights before/after and leaf outputs."""
    outs, handles = {}, []
    for name, mod in tmodel.named_modules():
        if name and not list(mod.children()) and not isinstance(mod, torch.nn.Flatten):
            handles.append(mod.register_forward_hook(
                lambda m, a, o, name=name: outs.__setitem__(name, o.detach().clone())))
    opt.zero_grad()
    torch.nn.functional.cross_entropy(tmodel(torch.from_numpy(x)), torch.from_numpy(y)).backward()
    before = {n: p.detach().clone() for n, p in tmodel.named_parameters()}
    grads = {n: p.grad.detach().clone() for n, p in tmodel.named_parameters()}
    opt.step()
    after = {n: p.detach().clone() for n, p in tmodel.named_parameters()}
    for h in handles:
        h.remove()
    return grads, before, after, outs


def _grad_stats(g, wb, wa):
    g = g.double().flatten()
    wb, wa = wb.double().flatten(), wa.double().flatten()
    return {"grad_norm": g.norm().item(), "grad_mean": g.mean().item(),
            "grad_std": g.std(unbiased=False).item(), "grad_max_abs": g.abs().max().item(),
            "grad_zero_fraction": (g == 0).double().mean().item(),
            "weight_norm": wb.norm().item(),
            "update_ratio": ((wa - wb).norm() / wb.norm()).item()}


def _act_stats(a, relu: bool):
    a64 = a.double()
    dead = None
    if relu:
        axes = (0,) + tuple(range(2, a.dim()))
        dead = (a == 0).all(dim=axes[0]) if a.dim() == 2 else (a == 0).flatten(2).all(2).all(0)
        dead = dead.double().mean().item()
    return {"activation_mean": a64.mean().item(), "activation_std": a64.std(unbiased=False).item(),
            "activation_zero_fraction": (a == 0).double().mean().item(),
            "dead_units_fraction": dead}


def _close(got, want, scale, what):
    if want is None:
        assert got is None, what
        return
    assert got == pytest.approx(want, rel=2e-5, abs=2e-6 * scale), what


@pytest.mark.parametrize("flat_max", [None, 0], ids=["buffered", "per-array"])
@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_stats_equal_torch_hand_computation(kind, flat_max, monkeypatch):
    if flat_max is not None:
        monkeypatch.setattr(stats_reduce, "FLAT_MAX", flat_max)
    model, tmodel = _pair(kind)
    rng = np.random.default_rng(7)
    shape = (16, 64) if kind == "mlp" else (16, 1, 8, 8)
    opt = netlab.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    topt = torch.optim.SGD(tmodel.parameters(), lr=0.1, momentum=0.9)
    stats = TrainingStats(model, every=1).attach()
    for step in range(2):  # the second step has momentum: updates differ from -lr * grad
        x = rng.standard_normal(shape).astype(np.float32)
        y = rng.integers(0, 10, 16)
        grads, before, after, outs = _torch_step(tmodel, x, y, topt)
        opt.zero_grad()
        netlab.nn.functional.cross_entropy(model(netlab.tensor(x)), netlab.tensor(y)).backward()
        stats.before_step(step)
        opt.step()
        report = stats.after_step(step)
        assert report["step"] == step
        assert list(report["parameters"]) == list(grads)
        for name, got in report["parameters"].items():
            want = _grad_stats(grads[name], before[name], after[name])
            assert got["layer"] == name.rpartition(".")[0]
            for key, value in want.items():
                scale = want["grad_max_abs"] if key.startswith("grad") else want["weight_norm"]
                _close(got[key], value, scale, f"step {step} {name} {key}")
        layers = report["layers"]
        assert list(layers) == [n for n, _ in tmodel.named_modules() if n and n != "flatten"]
        for layer, got in layers.items():
            names = [n for n in grads if n.rpartition(".")[0] == layer]
            if names:
                want = _grad_stats(torch.cat([grads[n].flatten() for n in names]),
                                   torch.cat([before[n].flatten() for n in names]),
                                   torch.cat([after[n].flatten() for n in names]))
                for key, value in want.items():
                    scale = want["grad_max_abs"] if key.startswith("grad") else \
                        want["weight_norm"]
                    _close(got[key], value, scale, f"step {step} layer {layer} {key}")
            else:
                assert got["grad_norm"] is None and got["weight_norm"] is None
            act = _act_stats(outs[layer], relu=layer == "relu")
            scale = outs[layer].abs().max().item()
            for key, value in act.items():
                _close(got[key], value, scale, f"step {step} layer {layer} {key}")
        assert layers["relu"]["dead_units_fraction"] > 0
        assert report["parameters"][next(iter(grads))]["grad_zero_fraction"] > 0
        assert stats.grads_finite() is True


def test_reductions_agree_between_paths_and_with_float64():
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(s).astype(np.float32) + 0.5 for s in
              [(300, 200), (7,), (40, 30), (1,)]]
    arrays[2][:5] = 0.0
    arrays.append(np.full(50_000, 3.0, np.float32))  # std 0: float32 sums would cancel
    want = np.array([[a.astype(np.float64).sum() for a in arrays],
                     [(a.astype(np.float64) ** 2).sum() for a in arrays],
                     [(a == 0).sum() for a in arrays],
                     [np.abs(a).max() for a in arrays]])
    for flat_max in (0, 1 << 14, 1 << 20):
        got = stats_reduce.Reducer(flat_max).moments(arrays)
        np.testing.assert_allclose(got, want, rtol=1e-6)
        n = np.array([a.size for a in arrays])
        var = got[1] / n - (got[0] / n) ** 2
        np.testing.assert_allclose(var, [a.astype(np.float64).var() for a in arrays],
                                   rtol=1e-4, atol=1e-9)
