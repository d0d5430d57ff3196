"""Render the Studio's screenshots for the README: ``docs/studio.png`` (and friends).

Run from the repository root: ``python docs/make_screenshots.py`` (Qt runs offscreen unless
``QT_QPA_PLATFORM`` says otherwise). Each shot opens the main window at 1400x900 on an example
design, exactly as ``netlab-studio`` starts, with its own throwaway settings and recovery
file, so the user's recent files are never touched. Refresh the shots when the look changes.
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

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from ui.__main__ import START_EXAMPLE  # noqa: E402
from ui.editor.files import RecentFiles  # noqa: E402
from ui.studio.main_window import MainWindow  # noqa: E402

SIZE = (1400, 900)


def _settle(app: QApplication, window: MainWindow) -> None:
    window.document.refresh_now()
    for _ in range(5):  # layouts and deferred updates (no timers are waited for)
        app.processEvents()


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


SHOTS = {"studio.png": shot_main, "studio_start.png": shot_start,
         "studio_problems.png": shot_problems}


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
        window.close()
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
