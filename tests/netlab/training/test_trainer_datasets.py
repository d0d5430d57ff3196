"""The trainer on netlab.datasets data does exactly what a bare training loop does."""

from __future__ import annotations

import numpy as np

import netlab
from netlab import nn
from netlab.datasets import load
from netlab.training import TrainConfig, Trainer, batch_order


def bare_losses(model, data, loss_fn, opt, epochs, batch_size, seed, shuffle):
    """The textbook loop over the trainer's batch order."""
    losses = []
    n = len(data.x_train)
    for epoch in range(epochs):
        order = batch_order(n, seed, epoch, shuffle)
        for i in range(0, n, batch_size):
            idx = order[i:i + batch_size]
            out = model(netlab.from_numpy(data.x_train[idx]))
            loss = loss_fn(out, netlab.from_numpy(data.y_train[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
    return losses


def trainer_losses(model, data, config):
    losses = []
    report = Trainer(model, data, config, callbacks=[
        lambda e, p: e == "batch" and losses.append(p["loss"])]).run()
    return losses, report


def mlp(seed):
    netlab.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))


def test_moons_mlp_equals_a_bare_loop_bit_for_bit():
    data = load("moons", seed=3)
    cfg = TrainConfig(epochs=3, batch_size=48, lr=0.1, optimizer="sgd",
                      optimizer_options={"momentum": 0.9}, seed=3)
    model = mlp(1)
    expected = bare_losses(model, data, nn.CrossEntropyLoss(),
                           netlab.optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
                           3, 48, 3, True)
    trained = mlp(1)
    losses, report = trainer_losses(trained, data, cfg)
    assert losses == expected and len(losses) == 3 * 9  # 400 samples: 8 full batches + 16
    for a, b in zip(model.parameters(), trained.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    assert report["classes"] == data.classes
    assert np.sum(report["confusion"]) == len(data.x_val)


def test_seeds_polynomial_fit_equals_a_bare_loop_and_learns():
    # the seeds' poly_nn: (x, x^2, x^3) -> Linear(3, 1) -> Flatten(0, 1), MSE sum, lr 1e-6
    data = load("sin", degree=3, val_split=0, shuffle=False)

    def model():
        netlab.manual_seed(0)
        return nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1))

    cfg = TrainConfig(epochs=300, batch_size=2000, lr=1e-6, loss="mse",
                      loss_options={"reduction": "sum"}, shuffle=False)
    reference = model()
    expected = bare_losses(reference, data, nn.MSELoss(reduction="sum"),
                           netlab.optim.SGD(reference.parameters(), lr=1e-6), 300, 2000, 0,
                           False)
    losses, report = trainer_losses(model(), data, cfg)
    assert losses == expected
    assert losses[-1] < losses[0] / 5
    assert report["train_loss"] == losses[-1]  # one full batch: the epoch's loss is its sum
    assert report["evaluated_on"] == "training" and len(report["predictions"]["target"]) == 2000
