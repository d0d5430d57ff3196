"""The trainer with gradient statistics on: "stats" events every k steps, NaN detection
reusing the statistics' norms."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

import netlab
from netlab import nn
from netlab.training import TrainConfig, Trainer
from netlab.training import trainer as trainer_module
from tests.netlab.training._trainer_data import FakeData, blobs, is_plain, mlp


def test_stats_events_every_k_steps_with_plain_payloads():
    events = []
    cfg = TrainConfig(epochs=2, batch_size=20, lr=0.1, stats_every=4, histogram_bins=8)
    trainer = Trainer(mlp(), blobs(), cfg, callbacks=[lambda e, p: events.append((e, p))])
    trainer.run()
    stats = [p for e, p in events if e == "stats"]
    assert [p["step"] for p in stats] == [4, 8, 12]
    for p in stats:
        assert is_plain(p)
        assert set(p["parameters"]) == {"0.weight", "0.bias", "2.weight", "2.bias"}
        assert set(p["layers"]) >= {"0", "2"} and set(p["health"]) >= {"0", "2"}
        counts, edges = p["parameters"]["0.weight"]["grad_hist"]
        assert isinstance(counts, np.ndarray) and len(counts) == 8 and len(edges) == 9
        assert counts.sum() == 16  # the 8x2 weight's gradient values
    # the report of step k comes right before the batch event of step k
    for i, (e, p) in enumerate(events):
        if e == "stats":
            assert events[i + 1][0] == "batch" and events[i + 1][1]["step"] == p["step"]
    # the activation hooks are removed when the run ends
    assert all(not m._forward_hooks for m in trainer.model.modules())


class Sqrt(nn.Module):
    def forward(self, x):
        return netlab.sqrt(x)


def test_nonfinite_gradients_found_through_the_statistics():
    # sqrt at 0: finite forward, infinite gradient
    netlab.manual_seed(0)
    model = nn.Sequential(OrderedDict([("fc", nn.Linear(1, 1)), ("sqrt", Sqrt())]))
    with netlab.no_grad():
        model.fc.weight.zero_()
        model.fc.bias.zero_()
    data = FakeData(np.ones((4, 1), np.float32), np.ones(4, np.float32), None, None,
                    "regression")
    events = []
    Trainer(model, data, TrainConfig(epochs=1, stats_every=1),
            callbacks=[lambda e, p: events.append((e, p))]).run()
    bad = [p for e, p in events if e == "nonfinite"]
    assert bad[0]["where"] == "gradient" and bad[0]["parameter"] == "fc.weight"


def test_collected_steps_reuse_the_statistics_instead_of_checking_gradients(monkeypatch):
    calls = []
    real = trainer_module.all_finite
    monkeypatch.setattr(trainer_module, "all_finite",
                        lambda arrays: calls.append(1) or real(arrays))
    # 6 steps; statistics on steps 2, 4, 6 answer the gradient check there
    Trainer(mlp(), blobs(), TrainConfig(epochs=1, batch_size=20, stats_every=2)).run()
    assert len(calls) == 6 + 3  # weights after every step + gradients on steps 1, 3, 5
    calls.clear()
    Trainer(mlp(), blobs(), TrainConfig(epochs=1, batch_size=20)).run()
    assert len(calls) == 12
