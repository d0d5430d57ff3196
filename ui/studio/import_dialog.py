"""The state_dict import dialog: how a weights file fits the design, node by node.

Each node with state is listed as matched, missing or shape-mismatched, with its keys and the
shapes the design wants and the file has; keys of the file that no node owns are listed as
unexpected. One click adds or strips DataParallel's ``module.`` prefix on the file's keys;
"Load matching" keeps every tensor whose key and shape fit (:class:`ui.studio.weights.
WeightStore`).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from netlab.design.graph import Design
from netlab.design.infer import Inference, format_shape
from ui.studio.weights import (
    MATCHED,
    MISMATCHED,
    MISSING,
    UNEXPECTED,
    add_prefix,
    match_state_dict,
    strip_prefix,
    suggest_prefix,
)

COLORS = {MATCHED: QColor(30, 130, 60), MISSING: QColor(170, 120, 0),
          MISMATCHED: QColor(190, 30, 30), UNEXPECTED: QColor(110, 110, 110)}


class ImportDialog(QDialog):
    """Show how ``state`` (key -> array, read from ``path``) fits ``design``; accepting it
    means "load matching" (the caller then reads :attr:`state`).

    Examples
    --------
    >>> state = read_state_dict("lenet.pt")  # doctest: +SKIP
    >>> dialog = ImportDialog(design, inference, state, "lenet.pt")  # doctest: +SKIP
    >>> if dialog.exec(): store.load_matching(inference, dialog.state)  # doctest: +SKIP
    """

    def __init__(self, design: Design, inference: Inference, state: dict, path="",
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"Import state_dict: {Path(path).name}" if path else
                            "Import state_dict")
        self._design, self._inference = design, inference
        self.state = dict(state)
        self.match = match_state_dict(inference, self.state)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Node / key", "Status", "Design shape", "File shape"])
        self.tree.setColumnWidth(0, 260)
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.add_button = QPushButton("Add module. prefix")
        self.strip_button = QPushButton("Strip module. prefix")
        self.add_button.clicked.connect(self._on_add_clicked)
        self.strip_button.clicked.connect(self._on_strip_clicked)
        prefix_row = QHBoxLayout()
        prefix_row.addWidget(self.add_button)
        prefix_row.addWidget(self.strip_button)
        prefix_row.addStretch(1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.load_button = self.buttons.addButton("Load matching",
                                                  QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.summary_label)
        layout.addLayout(prefix_row)
        layout.addWidget(self.buttons)
        self._refresh()
        self.resize(720, 520)

    def node_status(self, node_id: str) -> str | None:
        """matched / missing / mismatched for a node with state (None: it has none)."""
        return self.match.nodes.get(node_id)

    def _on_add_clicked(self) -> None:
        self.state = add_prefix(self.state)
        self._refresh()

    def _on_strip_clicked(self) -> None:
        self.state = strip_prefix(self.state)
        self._refresh()

    def _refresh(self) -> None:
        self.match = match_state_dict(self._inference, self.state)
        self.tree.clear()
        by_node: dict = {}
        for row in self.match.keys:
            by_node.setdefault(row.node_id, []).append(row)
        for nid, status in self.match.nodes.items():
            node = self._design.nodes[nid]
            rows = by_node[nid]
            ok = sum(r.status == MATCHED for r in rows)
            top = self._item(None, [f"{node.name} ({node.type})", status, "",
                                    f"{ok}/{len(rows)} keys"], status)
            for r in rows:
                self._item(top, [r.key, r.status, format_shape(r.expected),
                                 format_shape(r.found) if r.found else "—"], r.status)
            top.setExpanded(status != MATCHED)
        extra = by_node.get(None, [])
        if extra:
            top = self._item(None, [f"Unexpected keys ({len(extra)})", UNEXPECTED, "", ""],
                             UNEXPECTED)
            for r in extra:
                self._item(top, [r.key, UNEXPECTED, "—", format_shape(r.found)], UNEXPECTED)
            top.setExpanded(True)
        counts = {s: self.match.count(s) for s in (MATCHED, MISSING, MISMATCHED, UNEXPECTED)}
        text = ", ".join(f"{n} {s}" for s, n in counts.items()) + " key(s)."
        hint = suggest_prefix(self._inference, self.state)
        if hint == "add":
            text += " Adding the module. prefix would match more keys."
        elif hint == "strip":
            text += " Stripping the module. prefix would match more keys."
        self.summary_label.setText(text)
        self.load_button.setEnabled(counts[MATCHED] > 0)
        self.add_button.setEnabled(any(not k.startswith("module.") for k in self.state))
        self.strip_button.setEnabled(any(k.startswith("module.") for k in self.state))

    def _item(self, parent, texts: list, status: str) -> QTreeWidgetItem:
        item = QTreeWidgetItem(texts)
        item.setForeground(1, QBrush(COLORS[status]))
        if parent is None:
            self.tree.addTopLevelItem(item)
        else:
            parent.addChild(item)
        return item
