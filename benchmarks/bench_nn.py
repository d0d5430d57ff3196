"""Training-step benchmark of netlab.nn against PyTorch (CPU), side by side in one run.

Run: ``python benchmarks/bench_nn.py [--repeat N] [--threads N]``. Cases (the issue's):
the seed's LeNet (batch 64, 3x32x32), a conv-BN-ReLU-pool x2 CNN (batch 128, 3x32x32) and an
LSTM (sequence 35, batch 32, 64 -> 128). A step is forward, cross-entropy, backward and an
SGD update. Each (library, model) pair runs in its own subprocess so that peak memory (the
rise of the process's maximum RSS over the step loop) is measured alone. Prints times, memory
and the ratios netlab / torch (targets: time and memory each within 2x).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

_CHILD = r"""
import json, os, resource, statistics, sys, time
lib_name, model_name, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
if lib_name == "torch":
    import torch as lib
    lib.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
else:
    import netlab as lib
nn, F = lib.nn, lib.nn.functional
lib.manual_seed(0)

class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(3, 6, 5), nn.Conv2d(6, 16, 5)
        self.fc1, self.fc2, self.fc3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)
    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(x.shape[0], -1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))

def cnn():
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 8 * 8, 10))

class LSTMNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm, self.head = nn.LSTM(64, 128), nn.Linear(128, 10)
    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[-1])

if model_name == "lenet":
    model, x = LeNet(), lib.randn(64, 3, 32, 32)
elif model_name == "cnn":
    model, x = cnn(), lib.randn(128, 3, 32, 32)
else:
    model, x = LSTMNet(), lib.randn(35, 32, 64)
y = lib.randint(0, 10, (x.shape[1] if model_name == "lstm" else x.shape[0],))
opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

def step():
    opt.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()

base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
for _ in range(5):
    step()
times = []
for _ in range(repeat):
    t0 = time.perf_counter()
    step()
    times.append(time.perf_counter() - t0)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base
print(json.dumps({"time": statistics.median(times), "mem_kb": peak}))
"""


def _run(lib: str, model: str, repeat: int, threads: int) -> dict:
    env = dict(os.environ, PYTHONPATH=ROOT)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    out = subprocess.run([sys.executable, "-c", _CHILD, lib, model, str(repeat)], env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternate netlab/torch runs this many times; keep the fastest")
    args = parser.parse_args()
    print(f"training step, {args.threads} thread(s); memory = rise of peak RSS during the loop")
    print(f"{'model':8s} {'netlab':>10s} {'torch':>10s} {'ratio':>6s}   "
          f"{'netlab MB':>9s} {'torch MB':>9s} {'ratio':>6s}")
    for model in ("lenet", "cnn", "lstm"):
        # alternating rounds, best of each: a busy machine slows runs, never speeds them up
        runs = {"netlab": [], "torch": []}
        for _ in range(args.rounds):
            for lib in runs:
                runs[lib].append(_run(lib, model, args.repeat, args.threads))
        n, t = ({"time": min(r["time"] for r in rs), "mem_kb": min(r["mem_kb"] for r in rs)}
                for rs in (runs["netlab"], runs["torch"]))
        mem_ratio = n["mem_kb"] / max(t["mem_kb"], 1)
        print(f"{model:8s} {n['time'] * 1e3:8.2f}ms {t['time'] * 1e3:8.2f}ms "
              f"{n['time'] / t['time']:6.2f}   {n['mem_kb'] / 1024:9.1f} {t['mem_kb'] / 1024:9.1f} "
              f"{mem_ratio:6.2f}")


if __name__ == "__main__":
    main()
