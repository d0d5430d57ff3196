"""The layer palette: every catalogue layer and special node, by category, searchable.

Drag an entry onto the canvas (mime type :data:`MIME_LAYER`, the type name as text), or
double-click it to add it after the selected node. The two container entries act on the
selection instead: Sequential groups the selected items, DataParallel wraps the selected one.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QDrag
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from netlab.design.catalogue import CATALOGUE
from ui.canvas.interactions import LAYER_MIME
from ui.icons import PALETTE_CATEGORIES, category_icon

MIME_LAYER = LAYER_MIME  # what the canvas accepts as a dropped layer
"""Mime type of a dragged palette entry; its data (and text) is the layer type name."""

_SPECIALS = (
    ("Input / Output", "Input", "The network's input: a tensor of the given shape per sample "
     "(without the batch dimension) and dtype."),
    ("Input / Output", "Output", "A network output: forward returns what reaches it."),
    ("Merge", "Add", "Elementwise sum of its inputs, which must have equal shapes (a skip "
     "connection: ``x + y``)."),
    ("Merge", "Concat", "Concatenates its inputs along ``dim`` (``torch.cat``); the other "
     "sizes must match."),
    ("Merge", "Multiply", "Elementwise product of its inputs, which must have equal shapes "
     "(``x * y``)."),
    ("Shape", "Reshape", "Reshapes each sample to ``shape`` (the batch dimension stays; one "
     "size may be -1): ``x.reshape(N, *shape)``."),
    ("Shape", "Permute", "Reorders all dimensions, the batch included: ``x.permute(*dims)``."),
)
CONTAINERS = {
    "Sequential": ("sequential", "``nn.Sequential``: select nodes, then double-click to group "
                   "them; the children are numbered, so keys become ``name.0.weight``."),
    "DataParallel": ("dataparallel", "``nn.DataParallel``: select one node or group, then "
                     "double-click to wrap it; its keys gain ``module.``."),
}
"""Container entries: type name -> (group kind, help)."""


@dataclass(frozen=True)
class PaletteEntry:
    category: str
    type_name: str
    help: str

    @property
    def is_container(self) -> bool:
        return self.type_name in CONTAINERS


def palette_entries() -> list[PaletteEntry]:
    """Every entry of the palette, in display order (category order, then by name).

    Examples
    --------
    >>> any(e.type_name == "Conv2d" and e.category == "Convolution" for e in palette_entries())
    True
    """
    entries = [PaletteEntry(s.category, name, s.help) for name, s in CATALOGUE.items()]
    entries += [PaletteEntry(c, t, h) for c, t, h in _SPECIALS]
    entries += [PaletteEntry("Containers", t, h) for t, (_, h) in CONTAINERS.items()]
    rank = {c: i for i, c in enumerate(PALETTE_CATEGORIES)}
    return sorted(entries, key=lambda e: (rank.get(e.category, len(rank)), e.type_name))


def help_html(text: str) -> str:
    """A help line as rich text: ````code```` shown as code, wrapped by the tooltip.

    Examples
    --------
    >>> help_html("Applies ``y = x A^T + b``.")
    '<p>Applies <code>y = x A^T + b</code>.</p>'
    """
    body = re.sub(r"``(.+?)``", r"<code>\1</code>", html.escape(text, quote=False))
    return f"<p>{body}</p>"


class PaletteTreeWidget(QTreeWidget):
    """The palette's tree: categories with their entries; drags carry :data:`MIME_LAYER`."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragOnly)
        self.setSelectionMode(QAbstractItemView.SingleSelection)
        self.setIndentation(12)
        self.setUniformRowHeights(True)

    def mimeTypes(self) -> list[str]:  # noqa: N802 - Qt override
        return [MIME_LAYER]

    def startDrag(self, actions) -> None:  # noqa: N802 - Qt override
        # copy only: a "move" accepted by a drop target would make the view delete the entry
        item = self.currentItem()
        if item is None or not item.flags() & Qt.ItemIsDragEnabled:
            return
        drag = QDrag(self)
        drag.setMimeData(self.mimeData([item]))
        drag.setPixmap(item.icon(0).pixmap(24, 24))
        drag.exec(Qt.CopyAction, Qt.CopyAction)

    def mimeData(self, items) -> QMimeData:  # noqa: N802 - Qt override
        names = [it.data(0, Qt.UserRole) for it in items if it.data(0, Qt.UserRole)]
        data = QMimeData()
        if names:
            data.setData(MIME_LAYER, names[0].encode())
            data.setText(names[0])
        return data


class PalettePanel(QWidget):
    """Every layer type to add, grouped by category, with a search box.

    Examples
    --------
    >>> panel = PalettePanel(document)  # doctest: +SKIP
    >>> panel.set_filter("conv")  # doctest: +SKIP
    """

    layerRequested = Signal(str)  # a type name was double-clicked (after the edit is made)

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search layers…")
        self.search.setClearButtonEnabled(True)
        self.tree = PaletteTreeWidget(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self._items: dict[str, QTreeWidgetItem] = {}
        self._categories: dict[str, QTreeWidgetItem] = {}
        self._populate()
        self.search.textChanged.connect(self._on_search_text_changed)
        self.search.returnPressed.connect(self._on_search_return_pressed)
        self.tree.itemDoubleClicked.connect(self._on_tree_item_double_clicked)

    # building -------------------------------------------------------------------------------
    def _populate(self) -> None:
        bold = self.tree.font()
        bold.setBold(True)
        for entry in palette_entries():
            cat = self._categories.get(entry.category)
            if cat is None:
                cat = QTreeWidgetItem(self.tree, [entry.category])
                cat.setIcon(0, category_icon(entry.category))
                cat.setFont(0, bold)
                cat.setFlags(Qt.ItemIsEnabled)  # a heading: neither selected nor dragged
                self._categories[entry.category] = cat
            item = QTreeWidgetItem(cat, [entry.type_name])
            item.setIcon(0, category_icon(entry.category))
            item.setData(0, Qt.UserRole, entry.type_name)
            item.setToolTip(0, help_html(entry.help))
            flags = Qt.ItemIsEnabled | Qt.ItemIsSelectable
            if not entry.is_container:  # a container is no node: it groups the selection
                flags |= Qt.ItemIsDragEnabled
            item.setFlags(flags)
            self._items[entry.type_name] = item
        self.tree.expandAll()

    def item(self, type_name: str) -> QTreeWidgetItem:
        """The tree item of ``type_name`` (tests and the window's 'find layer' use it)."""
        return self._items[type_name]

    def categories(self) -> dict[str, list[str]]:
        """Category -> the type names listed under it, in display order."""
        return {name: [cat.child(i).text(0) for i in range(cat.childCount())]
                for name, cat in self._categories.items()}

    def visible_types(self) -> list[str]:
        """Type names the current filter leaves visible, in display order."""
        return [name for name, it in self._items.items() if not it.isHidden()]

    # filtering ------------------------------------------------------------------------------
    def set_filter(self, text: str) -> None:
        """Show only entries whose type name or category contains ``text`` (any case)."""
        self.search.setText(text)  # textChanged applies it

    def _on_search_text_changed(self, text: str) -> None:
        needle = text.strip().lower()
        for name, cat in self._categories.items():
            cat_hit = bool(needle) and needle in name.lower()
            shown = 0
            for i in range(cat.childCount()):
                child = cat.child(i)
                hit = not needle or cat_hit or needle in child.text(0).lower()
                child.setHidden(not hit)
                shown += hit
            cat.setHidden(shown == 0)
        self.tree.expandAll()

    def _on_search_return_pressed(self) -> None:
        visible = self.visible_types()
        if visible:
            self.activate(visible[0])

    # adding ---------------------------------------------------------------------------------
    def _on_tree_item_double_clicked(self, item: QTreeWidgetItem, column: int) -> None:
        name = item.data(0, Qt.UserRole)
        if name:
            self.activate(name)

    def activate(self, type_name: str) -> str | None:
        """Add ``type_name`` after the selected node (a container groups the selection);
        returns the new node or group id, None when the document refused (it says why)."""
        doc = self.document
        selection = list(doc.selection)
        if type_name in CONTAINERS:
            kind = CONTAINERS[type_name][0]
            if not selection:
                doc.message.emit(f"select the nodes to put in a {type_name} first")
                return None
            new = doc.group(selection, kind=kind)
        else:
            after = next((i for i in reversed(selection) if i in doc.design.nodes), None)
            new = doc.add_node(type_name, position=self._position_after(after), after=after)
        if new is not None:
            doc.set_selection([new])
            self.layerRequested.emit(type_name)
        return new

    def _position_after(self, after: str | None):
        """Below the lowest node when nothing is selected; else the Document's place (below
        ``after``)."""
        design = self.document.design
        if after is not None:
            return None
        if not design.nodes:
            return (0.0, 0.0)
        low = max(design.nodes.values(), key=lambda n: n.position[1])
        return (low.position[0], low.position[1] + 90.0)
