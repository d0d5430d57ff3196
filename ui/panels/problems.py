"""The problems list: every node error of the latest inference; clicking one selects it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QStyle, QVBoxLayout, QWidget


def problem_text(design, node_id: str, error: str) -> str:
    """``name: message`` (inference's messages mostly start with the node's name already).

    Examples
    --------
    >>> problem_text(design, "n3", "fc1: Linear: out_features must be ...")  # doctest: +SKIP
    'fc1: Linear: out_features must be ...'
    """
    name = design.nodes[node_id].name if node_id in design.nodes else node_id
    return error if error.startswith(name) else f"{name}: {error}"


class ProblemsPanel(QWidget):
    """Every node error, in data-flow order; click (or Enter) selects the node and emits
    :attr:`activated` so that the canvas can centre on it.

    Examples
    --------
    >>> problems = ProblemsPanel(document)  # doctest: +SKIP
    >>> problems.activated.connect(lambda nid: view.centerOn(view.node_item(nid)))  # doctest: +SKIP
    """

    activated = Signal(str)  # node id
    countChanged = Signal(int)  # number of problems (for the tab title)

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.list = QListWidget(self)
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.empty = QLabel("No problems: every node has a shape.", self)
        self.empty.setStyleSheet("color: #2e7d32; padding: 4px;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.empty)
        layout.addWidget(self.list, 1)
        self._icon = self.style().standardIcon(QStyle.SP_MessageBoxWarning)
        self._shown: list[tuple] | None = None  # None: nothing listed yet
        self.list.itemClicked.connect(self._on_list_item_clicked)
        self.list.itemActivated.connect(self._on_list_item_clicked)
        document.inferred.connect(self._on_document_inferred)
        document.designReplaced.connect(self._on_document_design_replaced)
        self.refresh(document.inference)

    def problems(self) -> list[tuple[str, str]]:
        """``(node id, text)`` of each listed problem, in order."""
        return list(self._shown or [])

    def count(self) -> int:
        return len(self._shown or [])

    def refresh(self, inference=None) -> None:
        """List the errors of ``inference`` (the Document's latest by default)."""
        d = self.document.design
        inference = inference if inference is not None else self.document.inference
        errors = inference.errors
        rank = {n: i for i, n in enumerate(d.topological_order())}
        ids = sorted((n for n in errors if n in d.nodes), key=lambda n: rank.get(n, len(rank)))
        shown = [(n, problem_text(d, n, errors[n])) for n in ids]
        if shown == self._shown:
            return
        self._shown = shown
        self.list.clear()
        for nid, text in shown:
            item = QListWidgetItem(self._icon, text)
            item.setData(Qt.UserRole, nid)
            item.setToolTip(text)
            self.list.addItem(item)
        self.empty.setVisible(not shown)
        self.list.setVisible(bool(shown))
        self.countChanged.emit(len(shown))

    def activate(self, node_id: str) -> None:
        """Select ``node_id`` and ask the canvas to show it."""
        if node_id in self.document.design.nodes:
            self.document.set_selection([node_id])
            self.activated.emit(node_id)

    def _on_list_item_clicked(self, item: QListWidgetItem) -> None:
        self.activate(item.data(Qt.UserRole))

    def _on_document_inferred(self, inference, nodes, edges) -> None:
        self.refresh(inference)

    def _on_document_design_replaced(self) -> None:
        self.refresh()

