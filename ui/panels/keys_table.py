"""A read-only table of state_dict entries (key, shape, dtype, kind) that copies as text."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from ui.panels.formatting import copy_text
from ui.panels.rows_model import RowsModel

KEY_COLUMNS = ("Key", "Shape", "Dtype", "Kind")
_MAX_FIT_ROWS = 12


def entry_row(entry) -> tuple[str, str, str, str]:
    """A :class:`~netlab.design.infer.StateEntry` as the table shows it."""
    shape = "(" + ", ".join(str(s) for s in entry.shape) + ("," if len(entry.shape) == 1
                                                            else "") + ")"
    return entry.key, shape, entry.dtype, entry.kind


def _row_tooltip(row: tuple) -> str:
    key, shape, dtype, kind = row
    return f"{key}\n{kind}, {dtype}, shape {shape}"


def setup_table(view: QTableView) -> None:
    """The look shared by the panels' tables: rows selected whole, compact, no grid edits."""
    view.setEditTriggers(QAbstractItemView.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectRows)
    view.setSelectionMode(QAbstractItemView.ExtendedSelection)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(20)


class KeysTableWidget(QTableView):
    """state_dict entries; Ctrl+C copies the selected rows, tab-separated, one per line.

    Examples
    --------
    >>> table = KeysTableWidget()  # doctest: +SKIP
    >>> table.set_entries(document.inference.state_entries())  # doctest: +SKIP
    """

    def __init__(self, parent=None, fit_rows: bool = False):
        super().__init__(parent)
        # compact, for the narrow inspector: as tall as its rows (up to a dozen), and the kind
        # only in the tooltip, leaving the width to the keys
        self.fit_rows = fit_rows
        self.rows_model = RowsModel(KEY_COLUMNS, self, tooltip=_row_tooltip)
        self.setModel(self.rows_model)
        setup_table(self)
        self.setTextElideMode(Qt.ElideMiddle)  # a long key keeps its start and its last part
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        for c in range(1, len(KEY_COLUMNS)):
            header.setSectionResizeMode(c, QHeaderView.ResizeToContents)
        if fit_rows:
            self.setColumnHidden(3, True)
        self._fit_height()

    def set_entries(self, entries) -> None:
        """Show ``entries`` (StateEntry objects), in order."""
        if self.rows_model.set_rows([entry_row(e) for e in entries]):
            self._fit_height()

    def _fit_height(self) -> None:
        if not self.fit_rows:
            return
        n = self.rows_model.rowCount()
        height = (self.horizontalHeader().sizeHint().height() + 2 * self.frameWidth() + 2
                  + min(max(n, 1), _MAX_FIT_ROWS) * self.verticalHeader().defaultSectionSize())
        if n > _MAX_FIT_ROWS:  # long lists scroll, and the panel may give them more room
            self.setMinimumHeight(height)
            self.setMaximumHeight(16777215)
        else:
            self.setFixedHeight(height)

    def rows(self) -> list[tuple]:
        """The shown rows as text tuples."""
        return self.rows_model.rows()

    def keys(self) -> list[str]:
        return [r[0] for r in self.rows_model.rows()]

    def selected_text(self) -> str:
        """The selected rows (all when none is selected), tab-separated."""
        rows = self.rows_model.rows()
        picked = sorted({i.row() for i in self.selectionModel().selectedRows()})
        chosen = [rows[r] for r in picked] if picked else rows
        return "\n".join("\t".join(row) for row in chosen)

    def copy_selection(self) -> None:
        copy_text(self.selected_text())

    def copy_keys(self) -> None:
        """Copy every key, one per line."""
        copy_text("\n".join(self.keys()))

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.matches(QKeySequence.Copy):
            self.copy_selection()
            event.accept()
            return
        super().keyPressEvent(event)
