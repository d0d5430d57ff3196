"""Cost of gradient/activation statistics (netlab.training.stats) on a training step.

Run: ``python benchmarks/bench_stats.py [--rounds N] [--threads N] [--no-trainer]``. Models: the
example designs LeNet (batch 64, 3x32x32), digits-MLP (64-128-10, batch 32) and digits-CNN
(conv-relu-pool-fc on 1x8x8, batch 32), compiled from resources/examples. A step is what the
trainer does: forward, cross-entropy, zero_grad, backward, SGD(momentum) step, with
``begin_step / before_step / after_step`` of :class:`TrainingStats` around them when statistics
are on. Times are this thread's CPU time (``time.thread_time``, BLAS on one thread), so other
processes on a shared machine disturb them less than wall-clock time. Three variants, measured
in alternating rounds (best median of the rounds: a busy machine slows runs, it never speeds
them up):

- bare: no statistics;
- stats: gradient/weight/update statistics on every step (activations off);
- +acts: the same plus per-layer activation statistics from forward hooks.

Then, unless ``--no-trainer``, a whole :class:`netlab.training.Trainer` epoch on the bundled
digits with ``stats_every`` 0 and 1 (activations on, as the trainer builds them). Prints
per-step times and the ratios to bare (target: stats <= 1.15).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

import netlab  # noqa: E402
from netlab.design.compile import compile as compile_design  # noqa: E402
from netlab.design.io import load_design  # noqa: E402
from netlab.training.stats import TrainingStats  # noqa: E402

F = netlab.nn.functional
MODELS = {"lenet": 64, "digits_mlp": 32, "digits_cnn": 32}  # design -> batch size
MODES = ("bare", "stats", "+acts")


def build(name: str):
    """(model, input shape) of an example design."""
    design = load_design(os.path.join(ROOT, "resources", "examples", f"{name}.json"))
    shape = next(tuple(n.params["shape"]) for n in design.nodes.values() if n.type == "Input")
    netlab.manual_seed(0)
    return compile_design(design), shape


def time_steps(model, x, y, stats, steps: int, start: int) -> float:
    """Median seconds per training step over ``steps`` steps (after a short warm-up)."""
    opt = netlab.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    times = []
    for i in range(start, start + steps + 10):
        t0 = time.thread_time()
        if stats is not None:
            stats.begin_step(i)
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        if stats is not None:
            stats.before_step(i)
        opt.step()
        if stats is not None:
            stats.after_step(i)
        times.append(time.thread_time() - t0)
    return statistics.median(times[10:])


def bench_steps(rounds: int) -> None:
    print(f"{'model':11s} {'params':>7s} {'bare':>9s} {'stats':>9s} {'ratio':>6s} "
          f"{'+acts':>9s} {'ratio':>6s}")
    for name, batch in MODELS.items():
        model, shape = build(name)
        rng = np.random.default_rng(0)
        x = netlab.tensor(rng.standard_normal((batch, *shape)).astype(np.float32))
        y = netlab.tensor(rng.integers(0, 10, batch))
        steps = 40 if name == "lenet" else 400
        stats = {"bare": None, "stats": TrainingStats(model, activations=False),
                 "+acts": TrainingStats(model)}
        best = dict.fromkeys(MODES, float("inf"))
        for r in range(rounds):
            for mode in MODES:
                st = stats[mode]
                if st is not None:
                    st.attach()
                best[mode] = min(best[mode], time_steps(model, x, y, st, steps, r * 1000))
                if st is not None:
                    st.detach()
        n_params = sum(p.numel() for p in model.parameters())
        b = best["bare"]
        print(f"{name:11s} {n_params:7d} {b * 1e3:7.3f}ms {best['stats'] * 1e3:7.3f}ms "
              f"{best['stats'] / b:6.3f} {best['+acts'] * 1e3:7.3f}ms {best['+acts'] / b:6.3f}")


def bench_trainer(rounds: int) -> None:
    from netlab.datasets import load
    from netlab.training import TrainConfig, Trainer

    print("\ntrainer, one epoch on digits (1437 train / 360 val samples), per-step time")
    print(f"{'model':11s} {'stats off':>10s} {'stats on':>10s} {'ratio':>6s}")
    for name, shape in (("digits_mlp", (64,)), ("digits_cnn", (1, 8, 8))):
        data = load("digits").as_input(shape)
        best = {0: float("inf"), 1: float("inf")}
        for _ in range(rounds):
            for every in (0, 1):
                model, _ = build(name)
                config = TrainConfig(epochs=1, batch_size=32, lr=0.05, stats_every=every,
                                     optimizer_options={"momentum": 0.9})
                trainer = Trainer(model, data, config)
                t0 = time.thread_time()
                trainer.run()
                best[every] = min(best[every],
                                  (time.thread_time() - t0) / trainer.steps_per_epoch)
        print(f"{name:11s} {best[0] * 1e3:8.3f}ms {best[1] * 1e3:8.3f}ms "
              f"{best[1] / best[0]:6.3f}   (includes validation and epoch events)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS threads (set before numpy loads; default 1 as bench_nn)")
    parser.add_argument("--no-trainer", action="store_true")
    args = parser.parse_args()
    print(f"statistics cost per training step, {args.rounds} alternating rounds, "
          f"{os.environ.get('OMP_NUM_THREADS', 'default')} BLAS thread(s)")
    bench_steps(args.rounds)
    if not args.no_trainer:
        bench_trainer(max(1, args.rounds // 2))


if __name__ == "__main__":
    if "OMP_NUM_THREADS" not in os.environ:  # re-run with the thread count fixed up front
        threads = "1"
        for i, arg in enumerate(sys.argv):
            if arg == "--threads" and i + 1 < len(sys.argv):
                threads = sys.argv[i + 1]
        env = dict(os.environ, OMP_NUM_THREADS=threads, OPENBLAS_NUM_THREADS=threads,
                   MKL_NUM_THREADS=threads)
        os.execve(sys.executable, [sys.executable] + sys.argv, env)
    main()
