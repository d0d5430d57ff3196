"""Entry point of ``netlab-studio`` and ``python -m ui``."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from ui.demo import DemoWindow


def main(argv: list[str] | None = None) -> int:
    """Open the NetLab Studio window and run the Qt event loop until it closes.

    Examples
    --------
    $ netlab-studio
    """
    app = QApplication.instance() or QApplication(sys.argv if argv is None else argv)
    app.setApplicationName("NetLab Studio")
    window = DemoWindow()
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
