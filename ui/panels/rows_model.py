"""A table model of text rows: a reset when the row count changes, ``dataChanged`` for the
rows that differ otherwise (a QTableWidget refilled item by item is far too slow with
columns sized to their contents: every ``setItem`` re-measures the column)."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

_ERROR_BRUSH = QBrush(QColor("#c62828"))
_RIGHT = Qt.AlignRight | Qt.AlignVCenter


class RowsModel(QAbstractTableModel):
    """Rows of strings under ``columns``; optional per-row error text (shown red, as the
    tooltip of ``error_column``); ``right`` columns are right-aligned (numbers); ``tooltip``
    makes a row's tooltip from its texts.

    Examples
    --------
    >>> model = RowsModel(("Key", "Shape"))  # doctest: +SKIP
    >>> model.set_rows([("fc.weight", "(2, 3)")])  # doctest: +SKIP
    """

    def __init__(self, columns: tuple, parent=None, right: tuple = (), error_column: int = 0,
                 tooltip=None):
        super().__init__(parent)
        self.tooltip = tooltip  # row -> text, else each cell's tooltip is its text
        self.columns = tuple(columns)
        self.right = frozenset(right)
        self.error_column = error_column
        self._rows: list[tuple] = []
        self._errors: list = []

    def rows(self) -> list[tuple]:
        return list(self._rows)

    def set_rows(self, rows: list[tuple], errors: list | None = None) -> bool:
        """Show ``rows`` (and per-row error texts or None); False when nothing changed."""
        rows = [tuple(r) for r in rows]
        errors = list(errors) if errors is not None else [None] * len(rows)
        if rows == self._rows and errors == self._errors:
            return False
        if len(rows) != len(self._rows):
            self.beginResetModel()
            self._rows, self._errors = rows, errors
            self.endResetModel()
            return True
        changed = [i for i, (a, b, e, f) in enumerate(zip(rows, self._rows, errors,
                                                             self._errors)) if a != b or e != f]
        self._rows, self._errors = rows, errors
        self.dataChanged.emit(self.index(changed[0], 0),
                              self.index(changed[-1], len(self.columns) - 1))
        return True

    # Qt model interface --------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802, B008 - Qt override
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802, B008 - Qt override
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        if role == Qt.DisplayRole:
            return self._rows[r][c]
        if role == Qt.ToolTipRole:
            if self._errors[r] and c == self.error_column:
                return self._errors[r]
            return self.tooltip(self._rows[r]) if self.tooltip else self._rows[r][c]
        if role == Qt.ForegroundRole and self._errors[r] and c == self.error_column:
            return _ERROR_BRUSH
        if role == Qt.TextAlignmentRole and c in self.right:
            return _RIGHT
        return None

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if role == Qt.DisplayRole and orientation == Qt.Horizontal:
            return self.columns[section]
        return None
