"""Files around the Document: example templates, recent files, autosave and crash recovery.

Recent files live in ``QSettings`` (an injectable scope, so tests never touch the user's).
The :class:`Autosaver` writes the design to a recovery file every minute while the document
has unsaved changes and deletes it once the document is saved; a recovery file found at
start therefore means the last session ended without saving, and the window offers to
restore it (:func:`find_recovery`, :func:`recover`).
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QStandardPaths, QTimer, Signal

from netlab.design.io import DesignFileError, load_design, save_design

EXAMPLES_DIR = Path(str(files("resources") / "examples"))
RECENT_KEY = "recentFiles"
RECOVERY_NAME = "recovery.json"


def example_names() -> list[str]:
    """The stems of the example designs (``['cnn_naming_example1', ..., 'lenet', ...]``).

    Examples
    --------
    >>> "lenet" in example_names()
    True
    """
    return sorted(p.stem for p in EXAMPLES_DIR.glob("*.json"))


def example_path(stem: str) -> Path | None:
    """The file of the example design ``stem``, or None if there is none."""
    path = EXAMPLES_DIR / f"{stem}.json"
    return path if stem in example_names() else None


class RecentFiles(QObject):
    """The most recently opened or saved design files, newest first, kept in QSettings.

    Pass ``settings`` (e.g. an INI file in a temp folder) or an organisation/application pair
    to choose where they are stored.

    Examples
    --------
    >>> recent = RecentFiles(organization="NetLabDocTest", application="Doc")  # doctest: +SKIP
    >>> recent.add("/tmp/a.json"); recent.paths()[0].name  # doctest: +SKIP
    'a.json'
    """

    changed = Signal()

    def __init__(self, settings: QSettings | None = None, organization: str = "NetLab",
                 application: str = "NetLab Studio", limit: int = 10,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.settings = settings if settings is not None else QSettings(organization,
                                                                        application)
        self.limit = limit

    def paths(self, existing_only: bool = True) -> list[Path]:
        """The recent files, newest first (by default only those that still exist)."""
        raw = self.settings.value(RECENT_KEY, [])
        if isinstance(raw, str):  # QSettings gives a lone string for a one-item list
            raw = [raw]
        out = [Path(p) for p in (raw or []) if p]
        return [p for p in out if p.exists()] if existing_only else out

    def add(self, path) -> None:
        if path is None:
            return
        path = Path(path).resolve()
        rest = [p for p in self.paths(existing_only=False) if p != path]
        self._write([path] + rest)

    def remove(self, path) -> None:
        path = Path(path).resolve()
        self._write([p for p in self.paths(existing_only=False) if p != path])

    def clear(self) -> None:
        self._write([])

    def track(self, document) -> None:
        """Add the document's file whenever it gets one (Open, Save As)."""
        document.pathChanged.connect(self.add)

    def _write(self, paths: list[Path]) -> None:
        self.settings.setValue(RECENT_KEY, [str(p) for p in paths[:self.limit]])
        self.settings.sync()
        self.changed.emit()


def default_recovery_path() -> Path:
    """Where autosave writes by default: the application's data folder."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(folder or Path.home() / ".netlab-studio") / RECOVERY_NAME


def _source_file(recovery: Path) -> Path:
    return recovery.with_name(recovery.name + ".source")  # the document's own file, if any


class Autosaver(QObject):
    """Write ``document`` to a recovery file every ``interval_ms`` while it is modified;
    delete the file when the document becomes clean (saved, opened, new).

    Examples
    --------
    >>> saver = Autosaver(doc, tmp / "recovery.json", interval_ms=60_000)  # doctest: +SKIP
    """

    saved = Signal(object)  # the recovery file's Path, after each autosave

    def __init__(self, document, path=None, interval_ms: int = 60_000,
                 parent: QObject | None = None):
        super().__init__(parent if parent is not None else document)
        self.document = document
        self.path = Path(path) if path is not None else default_recovery_path()
        self._timer = QTimer(self)
        self._timer.setInterval(int(interval_ms))
        self._timer.timeout.connect(self.autosave_now)
        self._timer.start()
        document.modifiedChanged.connect(self._on_document_modified_changed)

    def autosave_now(self) -> bool:
        """Write the recovery file now if the document has unsaved changes."""
        if not self.document.modified:
            return False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            save_design(self.document.design, self.path)
            source = self.document.path
            _source_file(self.path).write_text(str(source) if source else "",
                                               encoding="utf-8")
        except OSError as e:
            self.document.message.emit(f"autosave to {self.path} failed: {e.strerror or e}")
            return False
        self.saved.emit(self.path)
        return True

    def discard(self) -> None:
        """Delete the recovery file (after a save, or when the user closes without saving)."""
        for p in (self.path, _source_file(self.path)):
            try:
                os.unlink(p)
            except FileNotFoundError:
                pass
            except OSError as e:
                self.document.message.emit(f"could not delete {p}: {e.strerror or e}")

    def stop(self) -> None:
        self._timer.stop()

    def _on_document_modified_changed(self, modified: bool) -> None:
        if not modified:
            self.discard()


def find_recovery(path=None) -> Path | None:
    """The recovery file left by a session that ended with unsaved changes, or None."""
    path = Path(path) if path is not None else default_recovery_path()
    return path if path.is_file() else None


def recover(document, path=None) -> bool:
    """Load the recovery file into ``document`` (modified, with its original file name if it
    had one). A damaged recovery file becomes a message and is deleted."""
    path = Path(path) if path is not None else default_recovery_path()
    try:
        design = load_design(path)
    except DesignFileError as e:
        document.message.emit(f"the recovery file could not be read and was removed: {e}")
        for p in (path, _source_file(path)):
            if p.exists():
                p.unlink()
        return False
    source_file = _source_file(path)
    source = source_file.read_text(encoding="utf-8").strip() if source_file.exists() else ""
    document.load_recovered(design, source or None)
    if not path.exists():  # an Autosaver saw the document pass through clean: keep the file
        save_design(document.design, path)
        source_file.write_text(source, encoding="utf-8")
    return True


__all__ = ["Autosaver", "EXAMPLES_DIR", "RecentFiles", "default_recovery_path",
           "example_names", "example_path", "find_recovery", "recover"]
