"""Re-inference benchmark of the design model (the issue: a 200-node design well under 10 ms).

Run: ``python benchmarks/bench_design.py [--repeat N] [--blocks N]``. The design: an input
(3x32x32), ``--blocks`` residual blocks of Conv2d-BatchNorm2d-ReLU-MaxPool2d (3x3, stride 1)
each grouped as an ``nn.Sequential`` and merged with its input by an Add, every fourth block
wrapped in ``DataParallel``, then Flatten-Linear-ReLU-Linear-Output, and the whole model wrapped
in DataParallel: 5 nodes per block, 201 nodes at the default 40 blocks.

Prints the median time of a full ``infer(design)`` (warm: the catalogue's per-layer caches are
filled by the first run), of the first run, of a re-inference after a parameter edit, and of
:func:`netlab.design.costs.costs` on top of an inference.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from netlab.design.costs import costs  # noqa: E402
from netlab.design.graph import Design  # noqa: E402
from netlab.design.infer import infer  # noqa: E402


def build(blocks: int = 40, channels: int = 8) -> Design:
    """The benchmark design (see the module docstring)."""
    d = Design()
    prev = d.add_node("Input", name="x", params={"shape": [3, 32, 32]})
    stem = d.add_node("Conv2d", name="stem", params={
        "in_channels": 3, "out_channels": channels, "kernel_size": 3, "padding": 1})
    d.connect(prev.id, stem.id)
    prev = stem
    for i in range(blocks):
        conv = d.add_node("Conv2d", name=f"conv{i}", params={
            "in_channels": "auto", "out_channels": channels, "kernel_size": 3, "padding": 1})
        bn = d.add_node("BatchNorm2d", name=f"bn{i}", params={"num_features": "auto"})
        relu = d.add_node("ReLU", name=f"relu{i}")
        pool = d.add_node("MaxPool2d", name=f"pool{i}", params={
            "kernel_size": 3, "stride": 1, "padding": 1})
        add = d.add_node("Add", name=f"add{i}")
        for a, b in [(prev, conv), (conv, bn), (bn, relu), (relu, pool), (pool, add),
                     (prev, add)]:
            d.connect(a.id, b.id)
        grp = d.group([conv.id, bn.id, relu.id, pool.id], f"block{i}")
        if i % 4 == 0:
            d.group([grp.id], f"dp{i}", kind="dataparallel")
        prev = add
    tail = [("Flatten", "flatten", {}), ("Linear", "fc1", {"out_features": 64}),
            ("ReLU", "relu_fc", {}), ("Linear", "fc2", {"out_features": 10}),
            ("Output", "out", {})]
    for t, name, params in tail:
        n = d.add_node(t, name=name, params=params)
        d.connect(prev.id, n.id)
        prev = n
    d.set_dataparallel(True)
    return d


def _time(fn, repeat: int) -> list:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1e3)
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=50)
    ap.add_argument("--blocks", type=int, default=40)
    args = ap.parse_args(argv)
    d = build(args.blocks)
    t0 = time.perf_counter()
    info = infer(d)
    first = (time.perf_counter() - t0) * 1e3
    assert not info.errors, info.errors
    warm = _time(lambda: infer(d), args.repeat)

    fc1 = next(n for n in d.nodes.values() if n.name == "fc1")
    sizes = iter(range(65, 65 + 10 * args.repeat))

    def edit_and_infer():
        d.set_param(fc1.id, "out_features", next(sizes))
        infer(d)

    edited = _time(edit_and_infer, args.repeat)
    cost = _time(lambda: costs(d, batch_size=64, optimizer="adam"), args.repeat)
    print(f"design: {len(d.nodes)} nodes, {len(d.edges)} edges, {len(d.groups)} groups")
    print(f"infer, first run         : {first:8.2f} ms")
    print(f"infer, median of {args.repeat:<4d}    : {statistics.median(warm):8.2f} ms "
          f"(min {min(warm):.2f})")
    print(f"set_param + infer, median: {statistics.median(edited):8.2f} ms")
    print(f"costs (infer included)   : {statistics.median(cost):8.2f} ms")


if __name__ == "__main__":
    main()
