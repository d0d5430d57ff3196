"""Optimizers and learning-rate schedulers by name, with defaults that fit the run's length."""

from __future__ import annotations

import inspect

from netlab import optim
from netlab.optim import lr_scheduler as sched

__all__ = ["OPTIMIZERS", "SCHEDULERS", "make_optimizer", "make_scheduler"]

OPTIMIZERS: dict[str, type] = {"sgd": optim.SGD, "adam": optim.Adam, "adamw": optim.AdamW,
                               "rmsprop": optim.RMSprop, "adagrad": optim.Adagrad}

# name -> (class, how often it steps by default, one-line description)
SCHEDULERS: dict[str, tuple[type, str, str]] = {
    "step": (sched.StepLR, "epoch", "multiply the lr by gamma every step_size epochs"),
    "multistep": (sched.MultiStepLR, "epoch", "multiply the lr by gamma at each milestone"),
    "exponential": (sched.ExponentialLR, "epoch", "multiply the lr by gamma every epoch"),
    "cosine": (sched.CosineAnnealingLR, "epoch", "cosine from lr down to eta_min over T_max"),
    "cosine_restarts": (sched.CosineAnnealingWarmRestarts, "epoch",
                        "cosine annealing restarted every T_0 epochs"),
    "linear": (sched.LinearLR, "epoch", "linear warm-up from start_factor * lr"),
    "constant": (sched.ConstantLR, "epoch", "factor * lr for total_iters epochs, then lr"),
    "polynomial": (sched.PolynomialLR, "epoch", "polynomial decay to 0 over total_iters"),
    "plateau": (sched.ReduceLROnPlateau, "epoch",
                "divide the lr by 10 when the validation loss stops improving"),
    "onecycle": (sched.OneCycleLR, "step", "1cycle: up to max_lr and down, every batch"),
}
ALIASES = {"steplr": "step", "multisteplr": "multistep", "exponentiallr": "exponential",
           "cosineannealinglr": "cosine", "reducelronplateau": "plateau",
           "onecyclelr": "onecycle", "one_cycle": "onecycle"}


def _check_options(what: str, name: str, cls: type, options: dict, skip=()) -> None:
    accepted = [p for p in inspect.signature(cls.__init__).parameters
                if p not in ("self", "params", "optimizer", *skip)]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise ValueError(f"TrainConfig.{what}_options: {name} takes no option "
                         f"{', '.join(map(repr, unknown))}; its options are "
                         f"{', '.join(accepted)}")


def make_optimizer(name: str, params, lr: float, **options) -> optim.Optimizer:
    """An optimizer by name (sgd, adam, adamw, rmsprop, adagrad) over ``params``.

    ``options`` go to the optimizer (``momentum``, ``weight_decay``, ``betas``, ...); lists
    given for tuple options (JSON has no tuples) are accepted.

    Examples
    --------
    >>> import netlab
    >>> make_optimizer("sgd", netlab.nn.Linear(2, 1).parameters(), 0.1, momentum=0.9)
    SGD (
    Parameter Group 0
        dampening: 0
        differentiable: False
        foreach: None
        fused: None
        lr: 0.1
        maximize: False
        momentum: 0.9
        nesterov: False
        weight_decay: 0
    )
    """
    key = str(name).strip().lower()
    if key not in OPTIMIZERS:
        raise ValueError(f"TrainConfig.optimizer: unknown optimizer {name!r}; choose one of "
                         f"{', '.join(OPTIMIZERS)}")
    cls = OPTIMIZERS[key]
    _check_options("optimizer", key, cls, options, skip=("lr",))
    if isinstance(options.get("betas"), list):
        options["betas"] = tuple(options["betas"])
    if not isinstance(lr, (int, float)) or isinstance(lr, bool) or lr <= 0:
        raise ValueError(f"TrainConfig.lr must be a number above 0, got {lr!r}")
    try:
        return cls(params, lr=float(lr), **options)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"TrainConfig.optimizer_options: {key}: {exc}") from None


def resolve_scheduler_name(name: str | None) -> str | None:
    if name is None or str(name).strip().lower() in ("", "none"):
        return None
    key = str(name).strip().lower().replace("-", "_")
    key = ALIASES.get(key, key)
    if key not in SCHEDULERS:
        raise ValueError(f"TrainConfig.scheduler: unknown scheduler {name!r}; choose None or "
                         f"one of {', '.join(SCHEDULERS)}")
    return key


def _defaults(key: str, epochs: int, steps_per_epoch: int, lr: float) -> dict:
    # defaults scaled to the run, so a bare name does something sensible for any length
    if key == "step":
        return {"step_size": max(1, epochs // 3)}
    if key == "multistep":
        return {"milestones": sorted({max(1, epochs // 2), max(1, (3 * epochs) // 4)})}
    if key == "exponential":
        return {"gamma": 0.95}
    if key == "cosine":
        return {"T_max": max(1, epochs)}
    if key == "cosine_restarts":
        return {"T_0": max(1, epochs // 4)}
    if key == "polynomial":
        return {"total_iters": max(1, epochs)}
    if key == "onecycle":
        return {"max_lr": lr, "total_steps": max(1, epochs * steps_per_epoch)}
    return {}


def make_scheduler(name: str | None, optimizer: optim.Optimizer, *, epochs: int = 1,
                   steps_per_epoch: int = 1, **options):
    """A scheduler by name and how often the trainer steps it: ``(scheduler, interval)``.

    ``interval`` is ``"epoch"`` (after each epoch's validation; ``plateau`` gets the
    validation loss, or the training loss without validation) or ``"step"`` (after each
    batch; the default for ``onecycle``); the option ``interval=`` overrides it. Defaults
    scale with the run: ``step`` every epochs//3, ``multistep`` at 1/2 and 3/4 of the
    epochs, ``cosine`` over all epochs, ``onecycle`` up to the configured lr over all steps.
    ``name=None`` gives ``(None, None)``.

    Examples
    --------
    >>> import netlab
    >>> opt = netlab.optim.SGD(netlab.nn.Linear(2, 1).parameters(), lr=0.1)
    >>> s, interval = make_scheduler("cosine", opt, epochs=10)
    >>> type(s).__name__, interval
    ('CosineAnnealingLR', 'epoch')
    """
    key = resolve_scheduler_name(name)
    if key is None:
        return None, None
    cls, interval, _ = SCHEDULERS[key]
    options = dict(options)
    interval = options.pop("interval", interval)
    if interval not in ("epoch", "step"):
        raise ValueError(f"TrainConfig.scheduler_options: interval must be 'epoch' or 'step', "
                         f"got {interval!r}")
    _check_options("scheduler", key, cls, options)
    lr = optimizer.param_groups[0]["lr"]
    args = {**_defaults(key, epochs, steps_per_epoch, lr), **options}
    try:
        return cls(optimizer, **args), interval
    except (TypeError, ValueError, KeyError) as exc:
        raise ValueError(f"TrainConfig.scheduler_options: {key}: {exc}") from None
