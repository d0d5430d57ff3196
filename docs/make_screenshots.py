"""Render the Studio's screenshots for the README: ``docs/studio.png`` (and friends).

Run from the repository root: ``python docs/make_screenshots.py`` (Qt runs offscreen unless
``QT_QPA_PLATFORM`` says otherwise). Each shot opens the main window at 1400x900 on an example
design, exactly as ``netlab-studio`` starts, with its own throwaway settings and recovery
file, so the user's recent files are never touched. The training shots start a real run in
the window and pause it once the views have something to show, so the picture is a live run
frozen mid-way. Refresh the shots when the look changes.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from netlab.training import TrainConfig  # noqa: E402
from ui.__main__ import START_EXAMPLE  # noqa: E402
from ui.editor.files import RecentFiles  # noqa: E402
from ui.studio.main_window import MainWindow  # noqa: E402

SIZE = (1400, 900)


def _settle(app: QApplication, window: MainWindow) -> None:
    window.document.refresh_now()
    for _ in range(5):  # layouts and deferred updates
        app.processEvents()
    loop = QEventLoop()  # the live views redraw on their own timers (up to ~0.4 s)
    QTimer.singleShot(600, loop.quit)
    loop.exec()


def _node(window: MainWindow, name: str) -> str:
    return next(n.id for n in window.document.design.nodes.values() if n.name == name)


def shot_main(window: MainWindow) -> None:
    """The residual block (a skip connection into an Add), its second convolution selected:
    shapes, keys and the inspector at work."""
    window.document.new(template="residual_block")
    window.document.set_selection([_node(window, "conv2")])


def shot_start(window: MainWindow) -> None:
    """The digits CNN, as ``netlab-studio`` opens: the whole network fitted into view."""
    window.document.new(template=START_EXAMPLE)


def shot_problems(window: MainWindow) -> None:
    """The residual block with a wrong channel count: the red node, edge and Problems list."""
    window.document.new(template="residual_block")
    conv = _node(window, "conv2")
    window.document.set_param(conv, "out_channels", 8)
    window.document.set_selection([conv])
    window.docks["problems"].raise_()


def _train_and_pause(window: MainWindow, source: str, config: TrainConfig, steps: int,
                     options: dict | None = None, timeout_s: float = 120.0) -> None:
    """Put ``source``, ``config`` and data ``options`` into the Training panel, press Train
    (F5), let the run take ``steps`` steps with an epoch, results and statistics shown, and
    pause it there (asked from the session's own signals, so the run cannot end first)."""
    session = window.session
    seen = {"stats": 0, "results": 0}
    loop = QEventLoop()

    def check(*_args) -> None:
        record = session.runs[-1]
        if session.state == "running" and len(record.steps) >= steps and record.epochs \
                and seen["stats"] >= 3 and seen["results"] >= 1:
            session.pause()
        if session.state != "running":
            loop.quit()

    def count(key):
        def bump(_payload) -> None:
            seen[key] += 1
            check()
        return bump

    session.statsUpdated.connect(count("stats"))
    session.resultsUpdated.connect(count("results"))
    session.metrics.connect(check)
    session.stateChanged.connect(check)
    window.show_training()
    # taller than the default: the shots are about the plots (the graph is fitted above)
    window.resizeDocks([window.docks["training"]], [480], Qt.Orientation.Vertical)
    window.training.panel.set_config(source, config, dict(options or {}, val_split=0.2))
    window.training.panel.refresh_preview()
    window.action["train"].trigger()
    if not session.running:
        raise RuntimeError(f"the training shot could not start on {source}: "
                           f"{window.training.panel.message}")
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    loop.exec()
    if session.state != "paused":
        raise RuntimeError(f"the training shot's run did not pause mid-way (state "
                           f"{session.state}, {len(session.runs[-1].steps)} steps, {seen})")


def shot_training(window: MainWindow) -> None:
    """The digits CNN training on the bundled digits, paused in its third epoch: loss and
    accuracy curves with epoch markers, the learning rate, and the graph coloured by
    gradient health."""
    window.document.new(template=START_EXAMPLE)
    _train_and_pause(window, "digits", TrainConfig(
        epochs=200, batch_size=32, lr=0.05, optimizer="sgd", optimizer_options={"momentum": 0.9},
        stats_every=5, histogram_bins=30), steps=100)
    window.training.show_tab("Curves")


def shot_gradients(window: MainWindow) -> None:
    """The same run's gradient view: per-layer gradient norms and update ratios over time,
    the selected layer's histograms now and over time, the layer table; conv selected on
    the canvas."""
    shot_training(window)
    conv = _node(window, "conv")
    window.document.set_selection([conv])  # a click on the node: its gradients come forward
    window.training.show_tab("Gradients")


def shot_results(window: MainWindow) -> None:
    """A small MLP learning the two moons: the decision boundary redrawn as it learns."""
    doc = window.document
    doc.new()
    x = doc.add_node("Input", params={"shape": [2]}, name="x")
    fc1 = doc.add_node("Linear", params={"in_features": 2, "out_features": 32}, name="fc1",
                       after=x)
    act = doc.add_node("Tanh", name="act", after=fc1)
    fc2 = doc.add_node("Linear", params={"in_features": 32, "out_features": 2}, name="fc2",
                       after=act)
    doc.add_node("Output", after=fc2)
    _train_and_pause(window, "moons", TrainConfig(
        epochs=5000, batch_size=32, lr=0.1, optimizer="sgd", optimizer_options={"momentum": 0.9},
        stats_every=5, histogram_bins=30), steps=600, options={"n_samples": 400, "noise": 0.15})
    doc.set_selection([])
    window.training.show_tab("Results")


SHOTS = {"studio.png": shot_main, "studio_start.png": shot_start,
         "studio_problems.png": shot_problems, "studio_training.png": shot_training,
         "studio_gradients.png": shot_gradients, "studio_results.png": shot_results}


def render(out_dir: Path, names=None) -> list[Path]:
    """Render the shots (all, or those named) into ``out_dir``; returns the files written."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("NetLab Studio")
    tmp = Path(tempfile.mkdtemp(prefix="netlab-shots-"))
    written = []
    for name, setup in SHOTS.items():
        if names and name not in names:
            continue
        settings = QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(recent=RecentFiles(settings), recovery_path=tmp / "recovery.json")
        window.resize(*SIZE)
        window.show()
        setup(window)
        _settle(app, window)
        window.canvas.fit_to_view()
        _settle(app, window)
        path = out_dir / name
        if not window.grab().save(str(path)):
            raise OSError(f"could not write {path}")
        written.append(path)
        window.document.undo_stack.setClean()  # no "save changes?" for a screenshot
        window.close()  # stops a paused run and waits for its thread
        window.deleteLater()
    return written


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs")
    ap.add_argument("names", nargs="*", help=f"shots to render (default all: {', '.join(SHOTS)})")
    args = ap.parse_args(argv)
    for path in render(args.out, args.names):
        print(path)


if __name__ == "__main__":
    main()
