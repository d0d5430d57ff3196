"""Entry point of ``netlab-studio`` and ``python -m ui``."""

from __future__ import annotations

import argparse
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

# what a newcomer sees first: a working network, small enough to read when fitted, that
# trains on the bundled 8x8 digits
START_EXAMPLE = "digits_cnn"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="netlab-studio",
                                     description="NetLab Studio: design neural networks "
                                     "visually and take them into PyTorch.")
    parser.add_argument("design", nargs="?", help="a design file (.json) to open; by default "
                        f"the {START_EXAMPLE} example opens as an untitled design")
    parser.add_argument("--example", default=START_EXAMPLE,
                        help="the example to start on when no file is given")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Open the NetLab Studio window and run the Qt event loop until it closes.

    Examples
    --------
    $ netlab-studio                  # the digits CNN example, ready to edit
    $ netlab-studio my_net.json
    """
    argv = sys.argv if argv is None else argv
    args = parse_args(argv[1:])
    app = QApplication.instance() or QApplication(argv)
    app.setApplicationName("NetLab Studio")
    app.setOrganizationName("NetLab")
    from ui.studio.guarded import install_excepthook
    from ui.studio.main_window import MainWindow  # here: --help needs none of the editor

    window = MainWindow()
    install_excepthook(window)  # a bug in any slot: a message, never a silent half-edit
    window.show()
    if not window.offer_recovery():
        if args.design is None or not window.open_path(args.design, confirm=False):
            window.document.new(template=args.example)
    window.canvas.fit_to_view()
    # once more when the event loop has laid the window out at its final size
    QTimer.singleShot(0, window.canvas.fit_to_view)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
