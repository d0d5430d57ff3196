"""Canvas gestures that become edits: dragging a connection between ports, and dropping a
palette layer onto the canvas or onto an edge. The gestures only report intent: every edit
goes through the Document (one undo command each)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem

from ui.canvas import style
from ui.canvas.layout import GRID, NODE_H, NODE_W
from ui.canvas.port_item import ACCEPTS, IN, NORMAL, OUT, REFUSES, PortItem

LAYER_MIME = "application/x-netlab-layer"
"""Mime type of a palette drag; its data is the layer type name (utf-8)."""

PICK = 14.0  # how near (scene units) the pointer must come to a port to pick it


class _HintItem(QGraphicsItem):
    """A small pill near the pointer saying why a port refuses a connection."""

    def __init__(self):
        super().__init__()
        self.text = ""
        self.setZValue(10)
        self._rect = QRectF()

    def set_text(self, text: str) -> None:
        self.prepareGeometryChange()
        self.text = text
        fm = QFontMetricsF(style.font(8.0))
        w = min(fm.horizontalAdvance(text) + 4, 420) + 16
        self._rect = QRectF(0, 0, w, fm.height() + 8)
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter, option, widget=None) -> None:
        painter.setRenderHint(painter.RenderHint.Antialiasing)
        painter.setPen(QPen(style.ERROR, 1))
        painter.setBrush(QBrush(QColor("#FFFFFF")))
        painter.drawRoundedRect(self._rect, 6, 6)
        painter.setFont(style.font(8.0))
        painter.setPen(style.ERROR)
        painter.drawText(self._rect.adjusted(8, 0, -8, 0), Qt.AlignmentFlag.AlignVCenter,
                         style.elide(self.text, QFontMetricsF(style.font(8.0)),
                                     self._rect.width() - 16))


class CanvasInteractions:
    """The scene's gesture controller.

    A connection drag starts on a port (``begin_connect``), follows the pointer
    (``drag_to``) and ends on a port or a card (``finish_connect``); meanwhile every port on
    the other side shows whether it accepts the connection, with the reason when not.

    Examples
    --------
    >>> ix = scene.interactions  # doctest: +SKIP
    >>> ix.begin_connect(scene.node_item("n1").output)  # doctest: +SKIP
    >>> ix.finish_connect(scene.node_item("n2").inputs[0].scenePos())  # doctest: +SKIP
    'e5'
    """

    def __init__(self, scene):
        self.scene = scene
        self.source: PortItem | None = None
        self.hint_text: str | None = None  # the reason shown for the port under the pointer
        self._candidates: list = []
        self._wire: QGraphicsPathItem | None = None
        self._hint: _HintItem | None = None
        self._splice_edge = None

    @property
    def document(self):
        return self.scene.document

    # connection drag -------------------------------------------------------------------------
    def begin_connect(self, port: PortItem, pos: QPointF | None = None) -> None:
        """Start dragging a connection from ``port`` and light up the other side's ports."""
        self.cancel()
        self.source = port
        self._candidates = []
        doc = self.document
        want = IN if port.kind == OUT else OUT
        for item in self.scene.nodes.values():
            if not item.isVisible() or item.node_id == port.node_id:
                continue
            ports = item.inputs if want == IN else ([item.output] if item.output else [])
            for p in ports:
                src, dst, index = (port.node_id, p.node_id, p.index) if want == IN else \
                    (p.node_id, port.node_id, port.index)
                why = doc.can_check_connect(src, dst, index)
                p.set_state(ACCEPTS if why is None else REFUSES, why)
                self._candidates.append(p)
        self._wire = QGraphicsPathItem()
        pen = QPen(style.ACCENT, 2.0, Qt.PenStyle.DashLine, Qt.PenCapStyle.RoundCap)
        self._wire.setPen(pen)
        self._wire.setZValue(5)
        self.scene.addItem(self._wire)
        self._hint = _HintItem()
        self._hint.setVisible(False)
        self.scene.addItem(self._hint)
        self.drag_to(pos if pos is not None else port.scenePos())

    def port_at(self, pos: QPointF) -> PortItem | None:
        """The candidate port nearest to ``pos`` within reach, if any."""
        best, best_d = None, PICK * PICK
        for p in self._candidates:
            d = p.scenePos() - pos
            dd = d.x() * d.x() + d.y() * d.y()
            if dd <= best_d:
                best, best_d = p, dd
        return best

    def drag_to(self, pos: QPointF) -> None:
        """Follow the pointer: redraw the wire, explain a refusing port under the pointer."""
        if self.source is None or self._wire is None:
            return
        a = self.source.scenePos()
        target = self.port_at(pos)
        b = target.scenePos() if target is not None else pos
        p1, p2 = (a, b) if self.source.kind == OUT else (b, a)
        bend = max(abs(p2.y() - p1.y()) * 0.5, 30.0)
        path = QPainterPath(p1)
        path.cubicTo(p1 + QPointF(0, bend), p2 - QPointF(0, bend), p2)
        self._wire.setPath(path)
        self.hint_text = target.reason if target is not None and \
            target.state == REFUSES else None
        if self.hint_text:
            self._hint.set_text(self.hint_text)
            self._hint.setPos(pos + QPointF(14, 10))
            self._hint.setVisible(True)
        else:
            self._hint.setVisible(False)

    def finish_connect(self, pos: QPointF) -> str | None:
        """Drop the wire at ``pos``: onto a port (or anywhere on a card, its next free input)
        connect through the Document. Returns the new edge id, or None."""
        if self.source is None:
            return None
        source, target = self.source, self.port_at(pos)
        self.cancel()
        doc = self.document
        if target is not None:
            if source.kind == OUT:
                return doc.connect(source.node_id, target.node_id, target.index)
            return doc.connect(target.node_id, source.node_id, source.index)
        card = self._card_at(pos)
        if card is None or card.node_id == source.node_id:
            return None
        if source.kind == OUT:
            return doc.connect(source.node_id, card.node_id)
        return doc.connect(card.node_id, source.node_id, source.index)

    def cancel(self) -> None:
        """End any drag: ports back to normal, the wire and hint gone."""
        for p in self._candidates:
            if p.scene() is not None:
                p.set_state(NORMAL)
        self._candidates = []
        for item in (self._wire, self._hint):
            if item is not None and item.scene() is self.scene:
                self.scene.removeItem(item)
        self._wire = self._hint = None
        self.source = None
        self.hint_text = None
        self.highlight_edge(None)

    def _card_at(self, pos: QPointF):
        for item in self.scene.items(pos):
            if hasattr(item, "node_id") and hasattr(item, "inputs") and item.isVisible():
                return item
        return None

    # palette drops ---------------------------------------------------------------------------
    def edge_at(self, pos: QPointF):
        """The edge item under ``pos`` (a few units of slack), or None."""
        rect = QRectF(pos.x() - 5, pos.y() - 5, 10, 10)
        for item in self.scene.items(rect):
            if hasattr(item, "edge_id") and item.isVisible():
                return item
        return None

    def highlight_edge(self, edge) -> None:
        """Mark the edge a dragged layer would be spliced into (None clears)."""
        if edge is self._splice_edge:
            return
        if self._splice_edge is not None and self._splice_edge.scene() is self.scene:
            self._splice_edge.highlight = False
            self._splice_edge.update()
        self._splice_edge = edge
        if edge is not None:
            edge.highlight = True
            edge.update()

    def drag_layer_over(self, pos: QPointF) -> None:
        self.highlight_edge(self.edge_at(pos))

    def drop_layer(self, type_name: str, pos: QPointF) -> str | None:
        """Add a layer of ``type_name`` centred at ``pos``; dropped onto an edge, it is
        spliced into that edge. Returns the new node id (None if the Document refused)."""
        self.highlight_edge(None)
        edge = self.edge_at(pos)
        x, y = pos.x() - NODE_W / 2, pos.y() - NODE_H / 2
        if self.scene.snap:
            x, y = round(x / GRID) * GRID, round(y / GRID) * GRID
        if edge is not None:
            return self.document.add_node(type_name, position=(x, y), splice_edge=edge.edge_id)
        return self.document.add_node(type_name, position=(x, y))
