"""A node's connection point: inputs on the card's top edge, the output on its bottom edge."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import QGraphicsItem

from ui.canvas import style
from ui.canvas.style import HoverHighlight

IN, OUT = "in", "out"

NORMAL, ACCEPTS, REFUSES = "normal", "accepts", "refuses"


class PortItem(HoverHighlight, QGraphicsItem):
    """An input or output port of a node (or of a collapsed group's box).

    A press on an output port starts a connection drag (the scene's interaction controller
    takes over); while a drag is under way every input port shows whether it accepts it.

    Examples
    --------
    >>> port = PortItem(None, "n1", OUT)  # doctest: +SKIP
    >>> port.kind, port.index
    ('out', 0)
    """

    RADIUS = 5.0
    HIT = 10.0

    def __init__(self, parent: QGraphicsItem | None, node_id: str, kind: str, index: int = 0,
                 connectable: bool = True):
        super().__init__(parent)
        self.node_id = node_id
        self.kind = kind
        self.index = index
        self.connectable = connectable
        self.state = NORMAL
        self.reason: str | None = None  # why a refusing port refuses
        self._hover = False
        self.setAcceptHoverEvents(True)
        self.setZValue(2)
        if connectable and kind == OUT:
            self.setCursor(Qt.CursorShape.CrossCursor)
            self.setToolTip("drag to an input port to connect")

    def boundingRect(self) -> QRectF:
        h = self.HIT
        return QRectF(-h, -h, 2 * h, 2 * h)

    def set_state(self, state: str, reason: str | None = None) -> None:
        if (state, reason) != (self.state, self.reason):
            self.state, self.reason = state, reason
            self.setToolTip(reason or "")
            self.update()

    def paint(self, painter, option, widget=None) -> None:
        r = self.RADIUS * (1.35 if self._hover or self.state != NORMAL else 1.0)
        ring = style.EDGE.darker(115)
        fill = QColor("#FFFFFF")
        if self.state == ACCEPTS:
            ring, fill = style.OK, style.OK.lighter(170)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(style.OK.red(), style.OK.green(), style.OK.blue(), 50))
            painter.drawEllipse(QPointF(0, 0), r + 5, r + 5)
        elif self.state == REFUSES:
            ring, fill = style.ERROR, style.ERROR_TINT
        elif self._hover and self.connectable:
            ring = style.ACCENT
        painter.setPen(QPen(ring, 1.8))
        painter.setBrush(QBrush(fill))
        painter.drawEllipse(QPointF(0, 0), r, r)
        if self.state == REFUSES:  # a small cross says "not here" without reading a tooltip
            painter.setPen(QPen(style.ERROR, 1.4))
            d = r * 0.45
            painter.drawLine(QPointF(-d, -d), QPointF(d, d))
            painter.drawLine(QPointF(-d, d), QPointF(d, -d))

    def mousePressEvent(self, event) -> None:
        scene = self.scene()
        if (event.button() == Qt.MouseButton.LeftButton and self.connectable
                and scene is not None and hasattr(scene, "interactions")):
            scene.interactions.begin_connect(self, event.scenePos())
            event.accept()
            return
        event.ignore()

    def mouseMoveEvent(self, event) -> None:
        self.scene().interactions.drag_to(event.scenePos())

    def mouseReleaseEvent(self, event) -> None:
        self.scene().interactions.finish_connect(event.scenePos())
