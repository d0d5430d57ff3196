"""A MainWindow with throwaway settings and recovery file, and message boxes that never block.

Every QMessageBox call is recorded in ``boxes`` (``(kind, title, text)``); ``question`` answers
with ``boxes.answer`` (Discard by default), so closing a modified window never waits.
"""

import copy

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QMessageBox

from netlab.design.io import to_dict
from ui.editor.document import Document
from ui.editor.files import RecentFiles
from ui.studio.main_window import MainWindow


class Boxes(list):
    answer = QMessageBox.StandardButton.Discard

    def of(self, kind: str) -> list:
        return [b for b in self if b[0] == kind]


@pytest.fixture
def boxes(monkeypatch):
    seen = Boxes()

    def record(kind):
        def box(parent, title, text, *args, **kwargs):
            seen.append((kind, title, text))
            return seen.answer if kind == "question" else QMessageBox.StandardButton.Ok
        return box

    for kind in ("question", "warning", "information", "critical", "about"):
        monkeypatch.setattr(QMessageBox, kind, record(kind))
    return seen


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_window(qtbot, tmp_path, settings, boxes):
    QApplication.clipboard().clear()  # the system clipboard outlives a test

    def make(template: str | None = "lenet", **kwargs) -> MainWindow:
        document = Document(debounce_ms=kwargs.pop("debounce_ms", 0))
        window = MainWindow(document, recent=RecentFiles(settings),
                            recovery_path=tmp_path / "recovery.json", **kwargs)
        qtbot.addWidget(window)
        if template:
            document.new(template=template)
        window.show()
        document.refresh_now()
        return window

    return make


def snap(window) -> dict:
    """A deep copy of the whole model."""
    return copy.deepcopy(to_dict(window.document.design))


def node_id(window, name: str) -> str:
    return next(n.id for n in window.document.design.nodes.values() if n.name == name)


def keys(window) -> list:
    window.document.refresh_now()
    return window.document.inference.state_dict_keys()
