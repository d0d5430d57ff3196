"""Studio benchmark (the issue: with a 200-node design, an edit-to-updated-labels round trip
under 50 ms, and opening the design under 1 s).

Run: ``python benchmarks/bench_studio.py [--repeat N] [--blocks N]`` (offscreen unless a
display is set). The design: ``benchmarks/bench_design.py``'s (an input, ``--blocks``
residual blocks of Conv2d-BatchNorm2d-ReLU-MaxPool2d grouped as ``nn.Sequential``, every
fourth wrapped in DataParallel, merged by Add, a Linear head; 201 nodes at 40 blocks), laid
out in a column and saved to a temporary file.

Prints:

- open: ``MainWindow.open_path`` on that file in a shown 1400x900 window, until the scene,
  inference and panels are current and the view is fitted (the first open and the median of
  the next ones), then one repaint of the window;
- edit round trips: ``document.set_param`` (fc1's width, which changes three nodes; the
  input's height, which changes every shape label of the graph), ``refresh_now`` (what the
  debounce timer runs) and the check that the canvas labels show the new shapes; each also
  with a repaint of the canvas viewport.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_design import build  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from netlab.design.io import save_design  # noqa: E402
from ui.editor.files import RecentFiles  # noqa: E402
from ui.studio.main_window import MainWindow  # noqa: E402


def studio_design(blocks: int):
    """The benchmark design, nodes placed in one column (as the examples are)."""
    d = build(blocks)
    for i, nid in enumerate(d.topological_order()):
        d.nodes[nid].position = (0.0, 90.0 * i)
    return d


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1e3


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--blocks", type=int, default=40)
    args = ap.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    tmp = Path(tempfile.mkdtemp(prefix="bench-studio-"))
    design = studio_design(args.blocks)
    path = tmp / "deep.json"
    save_design(design, path)
    settings = QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(recent=RecentFiles(settings), recovery_path=tmp / "recovery.json")
    window.resize(1400, 900)
    window.show()
    app.processEvents()

    def open_once() -> float:
        window.document.new()
        app.processEvents()
        t0 = time.perf_counter()
        assert window.open_path(path, confirm=False)
        window.document.refresh_now()
        assert len(window.canvas.scene().items()) > len(design.nodes)
        return _ms(t0)

    first_open = open_once()
    opens = [open_once() for _ in range(max(args.repeat // 4, 3))]
    t0 = time.perf_counter()
    window.repaint()
    paint = _ms(t0)

    doc, canvas = window.document, window.canvas
    nodes = doc.design.nodes
    x = next(n.id for n in nodes.values() if n.type == "Input")
    fc1 = next(n.id for n in nodes.values() if n.name == "fc1")
    relu = next(n.id for n in nodes.values() if n.name == "relu_fc")
    flatten = next(n.id for n in nodes.values() if n.type == "Flatten")
    sizes = iter(range(65, 65 + 4 * args.repeat + 4))

    def edit_one(repaint: bool) -> float:
        """fc1's width: fc1, its ReLU and fc2 change."""
        width = next(sizes)
        t0 = time.perf_counter()
        doc.set_param(fc1, "out_features", width)
        doc.refresh_now()
        if repaint:
            canvas.viewport().repaint()
        took = _ms(t0)
        assert canvas.node_item(relu).shape_text == f"(N, {width})"
        return took

    def edit_all(repaint: bool) -> float:
        """The input's height: every node's shape label changes (the worst case)."""
        height = next(sizes)
        t0 = time.perf_counter()
        doc.set_param(x, "shape", [3, height, 32])
        doc.refresh_now()
        if repaint:
            canvas.viewport().repaint()
        took = _ms(t0)
        assert canvas.node_item(flatten).shape_text == f"(N, {8 * height * 32})"
        return took

    results = {}
    for label, fn in (("edit fc1 -> labels", edit_one), ("edit input -> all labels", edit_all)):
        for repaint in (False, True):
            runs = [fn(repaint) for _ in range(args.repeat)]
            results[label + (" + repaint" if repaint else "")] = runs
    n = len(design.nodes)
    print(f"design: {n} nodes, {len(design.edges)} edges, {len(design.groups)} groups")
    print(f"open, first                         : {first_open:8.1f} ms   (goal < 1000 ms)")
    print(f"open, median of {len(opens):<3d}                 : {statistics.median(opens):8.1f} ms")
    print(f"window repaint                      : {paint:8.1f} ms")
    for label, runs in results.items():
        goal = "" if label.endswith("repaint") else "; goal < 50 ms"
        print(f"{label:<36}: {statistics.median(runs):8.1f} ms   (max {max(runs):.1f}{goal})")
    doc.undo_stack.setClean()
    window.close()


if __name__ == "__main__":
    main()
