"""Losses, optimizers and schedulers by name, with checked options and clear errors."""

from __future__ import annotations

import pytest

from netlab import nn, optim
from netlab.optim import lr_scheduler
from netlab.training import (
    LOSSES,
    OPTIMIZERS,
    SCHEDULERS,
    TrainConfig,
    make_loss,
    make_optimizer,
    make_scheduler,
)
from netlab.training.losses import resolve_loss_name


def params():
    return list(nn.Linear(2, 1).parameters())


@pytest.mark.parametrize("name, cls", [("auto", nn.CrossEntropyLoss), ("cross_entropy",
                                       nn.CrossEntropyLoss), ("CrossEntropy",
                                       nn.CrossEntropyLoss), ("nll", nn.NLLLoss),
                                      ("bce-with-logits", nn.BCEWithLogitsLoss),
                                      ("bce", nn.BCELoss), ("mae", nn.L1Loss)])
def test_loss_names(name, cls):
    assert type(make_loss(name, "classification")) is cls


def test_loss_auto_and_options():
    assert type(make_loss("auto", "regression")) is nn.MSELoss
    assert make_loss("mse", reduction="sum").reduction == "sum"
    assert make_loss("smooth_l1", beta=0.5).beta == 0.5
    weighted = make_loss("cross_entropy", weight=[1.0, 2.0])
    assert weighted.weight.tolist() == [1.0, 2.0]
    assert set(LOSSES) >= {"cross_entropy", "mse", "l1", "smooth_l1", "bce_with_logits", "nll"}


def test_loss_errors_name_the_field_and_the_choices():
    with pytest.raises(ValueError, match="TrainConfig.loss: unknown loss 'hinge'; choose "
                                         "'auto' or one of cross_entropy"):
        make_loss("hinge")
    with pytest.raises(ValueError, match="'auto' needs the data's task"):
        resolve_loss_name("auto", None)
    with pytest.raises(ValueError, match="mse takes no option 'beta'; its options are "
                                         "reduction"):
        make_loss("mse", beta=1.0)
    with pytest.raises(ValueError, match="reduction must be 'mean' or 'sum'"):
        make_loss("mse", reduction="none")


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_optimizer_names(name):
    opt = make_optimizer(name, params(), 0.05)
    assert type(opt) is OPTIMIZERS[name] and opt.param_groups[0]["lr"] == 0.05


def test_optimizer_options_and_errors():
    opt = make_optimizer("adam", params(), 1e-3, betas=[0.8, 0.9], weight_decay=0.1)
    assert opt.param_groups[0]["betas"] == (0.8, 0.9)
    assert make_optimizer("sgd", params(), 0.1, momentum=0.9).param_groups[0]["momentum"] == 0.9
    with pytest.raises(ValueError, match="choose one of sgd, adam, adamw, rmsprop, adagrad"):
        make_optimizer("lbfgs", params(), 0.1)
    with pytest.raises(ValueError, match="adam takes no option 'momentum'"):
        make_optimizer("adam", params(), 0.1, momentum=0.9)
    with pytest.raises(ValueError, match="TrainConfig.optimizer_options: sgd: Invalid "
                                         "momentum value: -1"):
        make_optimizer("sgd", params(), 0.1, momentum=-1)
    with pytest.raises(ValueError, match="TrainConfig.lr must be a number above 0"):
        make_optimizer("sgd", params(), 0)


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_scheduler_names_with_defaults_for_the_run(name):
    opt = optim.SGD(params(), lr=0.1, momentum=0.9)
    sched, interval = make_scheduler(name, opt, epochs=8, steps_per_epoch=5)
    assert type(sched) is SCHEDULERS[name][0]
    assert interval == ("step" if name == "onecycle" else "epoch")


def test_scheduler_defaults_scale_with_the_run():
    def make(name, **kw):
        opt = optim.SGD(params(), lr=0.1)
        return make_scheduler(name, opt, epochs=12, steps_per_epoch=5, **kw)[0]

    assert make("step").step_size == 4
    assert sorted(make("multistep").milestones) == [6, 9]
    assert make("cosine").T_max == 12
    assert make("onecycle").total_steps == 60
    assert make("step", step_size=2).step_size == 2
    sched, interval = make_scheduler("cosine", optim.SGD(params(), lr=0.1), epochs=3,
                                     interval="step")
    assert isinstance(sched, lr_scheduler.CosineAnnealingLR) and interval == "step"
    assert make_scheduler(None, optim.SGD(params(), lr=0.1)) == (None, None)
    assert make_scheduler("none", optim.SGD(params(), lr=0.1)) == (None, None)


def test_scheduler_errors():
    opt = optim.SGD(params(), lr=0.1)
    with pytest.raises(ValueError, match="unknown scheduler 'warmup'; choose None or one of"):
        make_scheduler("warmup", opt)
    with pytest.raises(ValueError, match="step takes no option 'T_max'"):
        make_scheduler("step", opt, T_max=3)
    with pytest.raises(ValueError, match="interval must be 'epoch' or 'step'"):
        make_scheduler("step", opt, interval="batch")


def test_config_round_trip_and_validation():
    cfg = TrainConfig(epochs=3, optimizer="adam", optimizer_options={"betas": [0.9, 0.99]},
                      scheduler="cosine", checkpoint_dir="/tmp/x")
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError, match="unknown option\\(s\\) epoch;"):
        TrainConfig.from_dict({"epoch": 3})
    for field, value in [("batch_size", 0), ("lr", -1.0), ("stats_every", -1),
                         ("shuffle", "yes"), ("loss_options", [])]:
        with pytest.raises(ValueError, match=f"TrainConfig.{field}"):
            TrainConfig(**{field: value}).validate()
