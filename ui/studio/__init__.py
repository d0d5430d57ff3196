"""The Studio's main window: menus, shortcuts, docks, export and import dialogs.

``MainWindow`` puts the editor's parts together (``ui.editor.Document``, ``ui.canvas``,
``ui.panels``); this package imports them lazily so that its Qt-light helpers
(:mod:`ui.studio.weights`, :mod:`ui.studio.guarded`) load on their own.
"""

from __future__ import annotations


def __getattr__(name: str):
    if name == "MainWindow":
        from ui.studio.main_window import MainWindow

        return MainWindow
    raise AttributeError(f"module 'ui.studio' has no attribute {name!r}")


__all__ = ["MainWindow"]
