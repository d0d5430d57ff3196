"""Core-op benchmark: netlab against PyTorch (CPU), side by side in one run.

Run: ``python benchmarks/bench_core.py [--repeat N] [--threads N]``. Prints the median time
of each case in both libraries and the ratio netlab / torch (lower is better; the target for
the seed's 64x1000-100-10 training step is at most 1.3).

Both libraries get the same number of threads (default 1: numpy's BLAS and torch's OpenMP
pools otherwise spin against each other on a small machine and the numbers turn to noise).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

_THREADS = "1"
if "--threads" in sys.argv:
    _THREADS = sys.argv[sys.argv.index("--threads") + 1]
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = _THREADS  # must precede the numpy import

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import netlab  # noqa: E402

try:
    import torch  # noqa: E402
except ImportError:  # the benchmark needs the oracle
    raise SystemExit("benchmarks need torch: pip install torch==2.13.0") from None


def _time(fn, repeat: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _two_layer_step(lib, x, y, w1, w2, lr=1e-6):
    """The seed's autograd two-layer net: one full training step."""

    def step():
        y_pred = x.mm(w1).clamp(min=0).mm(w2)
        loss = (y_pred - y).pow(2).sum()
        loss.backward()
        with lib.no_grad():
            w1.sub_(lr * w1.grad)  # the seed's `w1 -= ...`, as a closure cannot rebind
            w2.sub_(lr * w2.grad)
            w1.grad.zero_()
            w2.grad.zero_()

    return step


def _cases():
    rng = np.random.default_rng(0)
    big = rng.standard_normal((1000, 1000)).astype(np.float32)
    big2 = rng.standard_normal((1000, 1000)).astype(np.float32)
    row = rng.standard_normal(1000).astype(np.float32)
    m1 = rng.standard_normal((256, 256)).astype(np.float32)
    m2 = rng.standard_normal((256, 256)).astype(np.float32)
    small = rng.standard_normal((8, 8)).astype(np.float32)
    x = rng.standard_normal((64, 1000)).astype(np.float32)
    y = rng.standard_normal((64, 10)).astype(np.float32)
    w1 = rng.standard_normal((1000, 100)).astype(np.float32)
    w2 = rng.standard_normal((100, 10)).astype(np.float32)

    def build(lib):
        t = lib.from_numpy
        a, b, r = t(big.copy()), t(big2.copy()), t(row.copy())
        ma, mb = t(m1.copy()), t(m2.copy())
        s = t(small.copy())
        xs, ys = t(x.copy()), t(y.copy())
        ws1 = t(w1.copy()).requires_grad_()
        ws2 = t(w2.copy()).requires_grad_()
        sg = t(small.copy()).requires_grad_()

        def small_chain():
            out = (sg * 2 + 1).exp().sum()
            out.backward()

        return {
            "add 1000x1000": lambda: a + b,
            "mul broadcast row": lambda: a * r,
            "exp 1000x1000": lambda: a.exp(),
            "sum 1000x1000 dim=1": lambda: a.sum(1),
            "matmul 256x256": lambda: ma @ mb,
            "small op overhead (8x8 add)": lambda: s + s,
            "small autograd chain (8x8, 4 ops + backward)": small_chain,
            "seed two-layer step 64x1000-100-10": _two_layer_step(lib, xs, ys, ws1, ws2),
        }

    return build(netlab), build(torch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    nl, th = _cases()
    print(f"netlab {netlab.__version__} vs torch {torch.__version__}, {args.threads} thread(s)")
    print(f"{'case':48s} {'netlab':>10s} {'torch':>10s} {'ratio':>7s}")
    for name in nl:
        tn = _time(nl[name], args.repeat)
        tt = _time(th[name], args.repeat)
        print(f"{name:48s} {tn * 1e3:8.3f}ms {tt * 1e3:8.3f}ms {tn / tt:7.2f}")


if __name__ == "__main__":
    main()
