"""NaN/Inf: the bad step is not applied, the first bad layer is named, the run fails."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

import netlab
from netlab import nn
from netlab.training import TrainConfig, Trainer
from tests.netlab.training._trainer_data import FakeData, blobs, line, weights


def run(model, data, config):
    events = []
    good = []  # the weights after each applied step

    def callback(event, payload):
        events.append((event, payload))
        if event == "batch":
            good.append(weights(model))

    trainer = Trainer(model, data, config, callbacks=[callback])
    before = weights(model)
    report = trainer.run()
    return trainer, report, events, [before] + good


def nonfinite_event(events):
    found = [p for e, p in events if e == "nonfinite"]
    assert len(found) == 1
    return found[0]


def assert_same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


def two_layer(seed=0):
    netlab.manual_seed(seed)
    return nn.Sequential(OrderedDict([("fc1", nn.Linear(1, 16)), ("act", nn.Tanh()),
                                      ("fc2", nn.Linear(16, 1))]))


def classifier(seed=0):
    netlab.manual_seed(seed)
    return nn.Sequential(OrderedDict([("fc1", nn.Linear(2, 8)), ("act", nn.ReLU()),
                                      ("fc2", nn.Linear(8, 3))]))


def test_huge_lr_fails_with_the_last_good_weights_and_optimizer_state():
    model = classifier()
    cfg = TrainConfig(epochs=5, batch_size=8, lr=1e6, optimizer="sgd",
                      optimizer_options={"momentum": 0.9})
    trainer, report, events, good = run(model, blobs(), cfg)
    event = nonfinite_event(events)
    assert trainer.state == "failed" and report["reason"] == "nonfinite"
    assert report["nonfinite"] == event
    # the logits overflow first in fc2 (fc1 and the ReLU stay finite)
    assert (event["where"], event["layer"]) == ("loss", "fc2")
    assert event["step"] == len(good) > 2  # the failing step follows the last good one
    assert f"step {event['step']}" in event["message"] and "'fc2'" in event["message"]
    assert report["steps"] == event["step"] - 1
    assert_same(weights(model), good[-1])
    for p in model.parameters():  # the momentum buffers are those of the last good step
        assert np.isfinite(trainer.optimizer.state[p]["momentum_buffer"].numpy()).all()
    assert [e for e, _ in events][-2:] == ["nonfinite", "finished"]
    assert np.sum(report["confusion"]) == 40  # the report is of the last good weights


def test_a_loss_that_overflows_with_finite_outputs_blames_the_loss():
    model = two_layer()
    trainer, report, events, good = run(model, line(n=64), TrainConfig(epochs=5, batch_size=8,
                                                                       lr=1e6))
    event = nonfinite_event(events)
    assert (event["where"], event["layer"], event["parameter"]) == ("loss", None, None)
    assert "every layer's output is finite" in event["message"]
    assert_same(weights(model), good[-1])
    assert all(np.isfinite(v) for v in report["predictions"]["prediction"])


def test_a_loss_overflow_names_the_first_layer_with_a_nonfinite_output():
    model = two_layer()
    with netlab.no_grad():
        model.fc2.weight.fill_(3e38)  # fc1 and tanh are finite, fc2's sum overflows
    before = weights(model)
    trainer, report, events, good = run(model, line(), TrainConfig(epochs=1, lr=0.01))
    event = nonfinite_event(events)
    assert (event["where"], event["layer"], event["step"]) == ("loss", "fc2", 1)
    assert "'fc2'" in event["message"]
    assert_same(weights(model), before)
    assert trainer.optimizer.state == {}  # nothing of the failed step is left behind


class Sqrt(nn.Module):
    def forward(self, x):
        return netlab.sqrt(x)


def test_a_nonfinite_gradient_with_finite_outputs_names_the_parameter():
    # sqrt at 0: the forward gives 0 (finite), the backward divides by 0
    netlab.manual_seed(0)
    model = nn.Sequential(OrderedDict([("fc", nn.Linear(1, 1)), ("sqrt", Sqrt())]))
    with netlab.no_grad():
        model.fc.weight.zero_()
        model.fc.bias.zero_()
    x = np.ones((4, 1), np.float32)
    data = FakeData(x, np.ones(4, np.float32), None, None, "regression")
    before = weights(model)
    trainer, report, events, _ = run(model, data, TrainConfig(epochs=1, optimizer="adam"))
    event = nonfinite_event(events)
    assert (event["where"], event["layer"], event["parameter"]) == \
        ("gradient", "fc", "fc.weight")
    assert_same(weights(model), before)
    assert trainer.optimizer.state == {}


def test_an_update_that_overflows_the_weights_is_undone():
    netlab.manual_seed(0)
    model = nn.Sequential(OrderedDict([("fc", nn.Linear(1, 1))]))
    with netlab.no_grad():
        model.fc.weight.fill_(1.0)
        model.fc.bias.fill_(0.0)
    x = np.full((4, 1), 10.0, np.float32)
    data = FakeData(x, np.zeros(4, np.float32), None, None, "regression")
    # the gradients are finite (200 and 20), lr * gradient overflows float32
    trainer, report, events, _ = run(model, data, TrainConfig(epochs=1, lr=1e38))
    event = nonfinite_event(events)
    assert (event["where"], event["layer"], event["parameter"]) == \
        ("weights", "fc", "fc.weight")
    assert model.fc.weight.item() == 1.0 and model.fc.bias.item() == 0.0
    assert report["reason"] == "nonfinite" and trainer.state == "failed"


def test_batchnorm_statistics_of_a_failed_step_are_restored():
    netlab.manual_seed(0)
    model = nn.Sequential(OrderedDict([("fc1", nn.Linear(1, 4)), ("bn", nn.BatchNorm1d(4)),
                                       ("fc2", nn.Linear(4, 1))]))
    with netlab.no_grad():
        model.fc2.weight.fill_(3e38)
    before = weights(model)
    _, _, events, _ = run(model, line(), TrainConfig(epochs=1, lr=0.01))
    assert nonfinite_event(events)["layer"] == "fc2"
    assert_same(weights(model), before)  # running_mean/var and num_batches_tracked too
