"""The File menu's slots of the main window: New, Open, Recent, Save, the prompt before
losing changes, closing, and crash recovery at start.

A mixin of :class:`ui.studio.main_window.MainWindow` (it uses ``self.document``,
``self.canvas``, ``self.recent`` and ``self.autosaver``); kept apart so that each file stays
one concern.
"""

from __future__ import annotations

from contextlib import contextmanager

from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QMenu, QMessageBox

from ui.editor.files import find_recovery, recover
from ui.studio import export_dialog as exports
from ui.studio.guarded import guarded, show_error

APP_NAME = "NetLab Studio"
DESIGN_FILTER = "NetLab designs (*.json);;All files (*)"


@contextmanager
def collected_messages(document):
    """The Document's ``message`` texts emitted inside the ``with`` block, in a list."""
    messages: list = []

    def keep(text: str) -> None:
        messages.append(text)

    document.message.connect(keep)
    try:
        yield messages
    finally:
        document.message.disconnect(keep)


class FileSlots:
    """New / Open / Save / Quit for a window that has a ``document`` (see the module)."""

    recent_menu: QMenu

    # losing changes ----------------------------------------------------------------------
    def confirm_discard(self) -> bool:
        """True when the current design may be replaced: it is saved, or the user chose to
        save it (and that worked) or to discard the changes."""
        if not self.document.modified:
            return True
        answer = QMessageBox.question(
            self, APP_NAME, "The design has unsaved changes. Save them first?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self._save(ask=self.document.path is None)
        return answer == QMessageBox.StandardButton.Discard

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        try:
            ok = self.confirm_discard()
        except Exception as error:  # noqa: BLE001 - never lose work to a failing prompt
            show_error(self, "Quit", error)
            ok = False
        if ok:  # saved or discarded on purpose: nothing to recover next time
            self.autosaver.stop()
            self.autosaver.discard()
            event.accept()
        else:
            event.ignore()

    # File --------------------------------------------------------------------------------
    @guarded("New")
    def _on_new_triggered(self) -> None:
        if self.confirm_discard():
            self.document.new()

    @guarded("New from example")
    def _new_from_example(self, stem: str) -> None:
        if self.confirm_discard():
            self.document.new(template=stem)
            self.canvas.fit_to_view()

    @guarded("Open")
    def _on_open_triggered(self) -> None:
        if not self.confirm_discard():
            return
        path = exports.ask_open_path(self, "Open design", DESIGN_FILTER)
        if path is not None:
            self.open_path(path, confirm=False)

    def open_path(self, path, confirm: bool = True) -> bool:
        """Open the design file ``path`` (asking first about unsaved changes); a file that
        cannot be read is reported and the current design stays."""
        if confirm and not self.confirm_discard():
            return False
        with collected_messages(self.document) as messages:
            try:
                ok = self.document.open(path)
            except Exception as error:  # noqa: BLE001 - a bad file is a message, not a crash
                ok = False
                messages.append(str(error))
        if not ok:
            show_error(self, "Open", messages[-1] if messages else f"{path}: cannot be opened")
            return False
        self.canvas.fit_to_view()
        return True

    def _on_recent_menu_about_to_show(self) -> None:
        self.recent_menu.clear()
        paths = self.recent.paths()
        for path in paths:
            act = self.recent_menu.addAction(str(path))
            act.triggered.connect(lambda _=False, p=path: self._open_recent(p))
        if not paths:
            self.recent_menu.addAction("(none)").setEnabled(False)

    @guarded("Open")
    def _open_recent(self, path) -> None:
        self.open_path(path)

    @guarded("Save")
    def _on_save_triggered(self) -> None:
        self._save(ask=self.document.path is None)

    @guarded("Save As")
    def _on_save_as_triggered(self) -> None:
        self._save(ask=True)

    def _save(self, ask: bool) -> bool:
        path = self.document.path
        if ask:
            path = exports.ask_save_path(self, "Save design", DESIGN_FILTER,
                                         str(path or "untitled.json"))
            if path is None:
                return False
            if path.suffix == "":
                path = path.with_suffix(".json")
        with collected_messages(self.document) as messages:
            ok = self.document.save(path)
        if not ok:
            show_error(self, "Save", messages[-1] if messages else f"{path}: not saved")
        return bool(ok)

    # recovery -------------------------------------------------------------------------------
    def offer_recovery(self) -> bool:
        """If the last session ended with unsaved changes (its autosave is still there), ask
        whether to restore them; True if the design was restored."""
        found = find_recovery(self.autosaver.path)
        if found is None:
            return False
        answer = QMessageBox.question(
            self, APP_NAME, "NetLab Studio did not close normally last time, and the design "
            "had unsaved changes. Restore them?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes)
        if answer != QMessageBox.StandardButton.Yes:
            self.autosaver.discard()
            return False
        if not recover(self.document, found):
            return False
        self.canvas.fit_to_view()
        return True
