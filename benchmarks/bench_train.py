"""Trainer benchmark: its overhead over a bare loop, the cost of statistics, and convergence.

Run: ``python benchmarks/bench_train.py [--repeat N] [--seeds N] [--skip-convergence]``.

1. Overhead, for the digits MLP and CNN (SGD with momentum, batches of 32, five epochs of the
   1438 training digits, no validation so only steps are timed): a bare netlab loop (forward,
   loss, backward, step over the Trainer's batch order), the Trainer without statistics, and
   the Trainer with gradient statistics every step (activations too) and every 10 steps (from
   its "start" event to its last "batch" event: the final evaluation is left out). Each
   is the best of ``--repeat`` runs (the machine is shared: the minimum is the least disturbed),
   printed as ms per step and as a ratio to the bare loop, side by side.
2. Convergence: the MLP (20 epochs) and the CNN (10 epochs) on the digits for ``--seeds``
   seeds (initial weights, split and batch order all change with the seed), asserting >= 95%
   and >= 97% validation accuracy on every seed and printing the time per run; the seeds'
   polynomial fit (SGD lr 1e-6 and RMSprop lr 1e-3, full batch, sum reduction, 2000 steps)
   asserting the seeds' final loss range.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import netlab  # noqa: E402
from netlab.datasets import load  # noqa: E402
from netlab.design.compile import compile as compile_design  # noqa: E402
from netlab.design.io import load_design  # noqa: E402
from netlab.training import TrainConfig, Trainer  # noqa: E402

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "resources", "examples")
OPTIONS = {"momentum": 0.9}
CONVERGENCE = {  # design -> (epochs, required validation accuracy); SGD lr 0.1 momentum 0.9
    "digits_mlp": (20, 0.95),
    "digits_cnn": (10, 0.97),
}


def _design(name):
    design = load_design(os.path.join(EXAMPLES, f"{name}.json"))
    shape = next(n for n in design.nodes.values() if n.type == "Input").params["shape"]
    return design, tuple(shape)


def _model(design, seed=0):
    netlab.manual_seed(seed)
    return compile_design(design)


def bare_loop(design, data, epochs, batch_size, lr) -> float:
    """Seconds for the plain loop: forward, loss, backward, step (no events, no checks)."""
    model = _model(design)
    opt = netlab.optim.SGD(model.parameters(), lr=lr, **OPTIONS)
    loss_fn = netlab.nn.CrossEntropyLoss()
    x, y = data.x_train, data.y_train
    n = len(x)
    t0 = time.perf_counter()
    for epoch in range(epochs):
        order = np.random.default_rng([0, epoch]).permutation(n)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            loss = loss_fn(model(netlab.tensor(x[idx])), netlab.tensor(y[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss.item()  # the trainer reads every loss; so does any loop that logs it
    return time.perf_counter() - t0


def trainer_loop(design, data, epochs, batch_size, lr, stats_every=0) -> float:
    """Seconds from the trainer's "start" event to its last "batch" event: the steps with
    everything the trainer does around them, without the final evaluation (a fixed cost of a
    run, not of a step)."""
    model = _model(design)
    config = TrainConfig(epochs=epochs, batch_size=batch_size, lr=lr, optimizer="sgd",
                         optimizer_options=dict(OPTIONS), stats_every=stats_every)
    times = {}

    def clock(event, payload):  # a callback that keeps the payloads, as a GUI's queue would
        times[event] = time.perf_counter()
        kept.append(payload)

    kept = []
    Trainer(model, data, config, callbacks=[clock]).run()
    return times["batch"] - times["start"]


def overhead(repeat: int) -> None:
    print(f"Trainer overhead over a bare loop (best of {repeat}; ms per step; ratio to bare)")
    print(f"{'model':<12}{'steps':>6}{'bare':>14}{'trainer':>16}{'stats/10':>16}"
          f"{'stats/1':>16}")
    epochs, batch_size, lr = 5, 32, 0.1
    for name in ("digits_mlp", "digits_cnn"):
        design, shape = _design(name)
        data = load("digits", val_split=0.2, seed=0).as_input(shape)
        data.x_val = data.y_val = None  # time the steps only
        steps = epochs * -(-data.n_train // batch_size)
        args = (design, data, epochs, batch_size, lr)
        runs = {"bare": (bare_loop, args), "trainer": (trainer_loop, args),
                "stats/10": (trainer_loop, (*args, 10)), "stats/1": (trainer_loop, (*args, 1))}
        best = {}
        for _ in range(repeat):  # interleaved, so a busy moment hits every variant alike
            for key, (fn, fn_args) in runs.items():
                best[key] = min(best.get(key, float("inf")), fn(*fn_args))
        base = best["bare"]
        cells = [f"{1e3 * base / steps:>10.3f} ms"]
        cells += [f"{1e3 * best[k] / steps:>8.3f} ms x{best[k] / base:4.2f}"
                  for k in ("trainer", "stats/10", "stats/1")]
        print(f"{name:<12}{steps:>6}" + "".join(f"{c:>16}" for c in cells))


def convergence(seeds: int) -> None:
    print(f"\nConvergence on the digits (SGD lr 0.1, momentum 0.9, batch 32; {seeds} seeds)")
    for name, (epochs, required) in CONVERGENCE.items():
        design, shape = _design(name)
        accs, times = [], []
        for seed in range(seeds):
            data = load("digits", val_split=0.2, seed=seed).as_input(shape)
            model = _model(design, seed)
            config = TrainConfig(epochs=epochs, batch_size=32, lr=0.1, optimizer="sgd",
                                 optimizer_options=dict(OPTIONS), seed=seed)
            t0 = time.perf_counter()
            report = Trainer(model, data, config).run()
            times.append(time.perf_counter() - t0)
            accs.append(report["val_accuracy"])
        print(f"{name}: {epochs} epochs, val accuracy min {min(accs):.2%} mean "
              f"{np.mean(accs):.2%} max {max(accs):.2%} (need {required:.0%}); "
              f"{np.mean(times):.2f} s per run (min {min(times):.2f} s)")
        assert min(accs) >= required, (name, accs)
    print("\nThe seeds' polynomial fit (full batch of 2000, MSELoss(reduction='sum'), "
          "2000 steps)")
    design, _ = _design("polynomial_fit")
    data = load("sin", degree=3, val_split=0, shuffle=False)
    for optimizer, lr, seed_final in (("sgd", 1e-6, 9.36), ("rmsprop", 1e-3, 8.92)):
        losses, times = [], []
        for seed in range(min(seeds, 5)):
            model = _model(design, seed)
            config = TrainConfig(epochs=2000, batch_size=2000, lr=lr, optimizer=optimizer,
                                 loss="mse", loss_options={"reduction": "sum"}, shuffle=False,
                                 seed=seed)
            t0 = time.perf_counter()
            losses.append(Trainer(model, data, config).run()["train_loss"])
            times.append(time.perf_counter() - t0)
        print(f"{optimizer} lr {lr:g}: final loss {' '.join(f'{v:.3f}' for v in losses)} "
              f"(the seed prints {seed_final}; the optimum is 8.817); "
              f"{np.mean(times):.2f} s per run")
        assert all(8.816 <= v < 1.1 * 9.36 for v in losses), losses


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per variant")
    parser.add_argument("--seeds", type=int, default=10, help="seeds per convergence run")
    parser.add_argument("--skip-convergence", action="store_true")
    args = parser.parse_args(argv)
    overhead(args.repeat)
    if not args.skip_convergence:
        convergence(args.seeds)


if __name__ == "__main__":
    main()
