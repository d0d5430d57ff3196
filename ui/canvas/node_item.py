"""A node card: type band coloured by category, name, key parameters, output shape, counts."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem

from netlab.design.graph import INPUT, OUTPUT
from netlab.design.infer import format_shape
from ui.canvas import style
from ui.canvas.layout import GRID, NODE_H, NODE_W
from ui.canvas.port_item import IN, OUT, PortItem
from ui.canvas.style import HoverHighlight

HEADER = 22.0
RADIUS = 8.0


class NodeItem(HoverHighlight, QGraphicsItem):
    """The card of one design node; its position is the node's (top-left) position.

    The item never edits the model: a move is reported to the scene, which pushes one
    ``document.move_nodes`` command when the mouse is released.

    Examples
    --------
    >>> item = scene.node_item("n2")  # doctest: +SKIP
    >>> item.name, item.shape_text
    ('conv1', '(N, 6, 28, 28)')
    """

    def __init__(self, node, info=None):
        super().__init__()
        self.node_id = node.id
        self.type_name = node.type
        self.name = node.name
        self.params = dict(node.params)
        self.shape_text = "?"
        self.n_params = 0
        self.error: str | None = None
        self._resolved: dict | None = None
        self.badge: tuple | None = None  # (text, QColor | None)
        self.key_text = ""
        self.inputs: list = []
        self.output: PortItem | None = None
        self._hover = False
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsMovable
                      | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
                      | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges)
        self.setAcceptHoverEvents(True)
        # cards repaint rarely and scroll often: cache their pixels per view
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setZValue(1)
        self.setPos(QPointF(*node.position))
        if self.type_name != OUTPUT:
            self.output = PortItem(self, self.node_id, OUT)
            self.output.setPos(NODE_W / 2, NODE_H)
        self.set_input_count(0 if self.type_name == INPUT else 1)
        self.set_info(info)

    # model -> item ---------------------------------------------------------------------------
    def set_model(self, node) -> None:
        """Name and parameters changed (the shape follows with the next inference)."""
        self.name, self.params = node.name, dict(node.params)
        self._refresh_text()

    def set_info(self, info) -> None:
        """Show one inference result (:class:`netlab.design.infer.NodeInfo` or None)."""
        if info is None:
            self.shape_text, self.n_params, self.error = "?", 0, None
            self._resolved = None
        else:
            self.shape_text = format_shape(info.shape)
            self.n_params = info.n_params
            self.error = info.error
            self._resolved = info.params
        self._refresh_text()

    def set_input_count(self, n: int) -> None:
        """How many input ports to show (a merge shows one free port after its inputs)."""
        if n == len(self.inputs):
            return
        while len(self.inputs) > n:
            port = self.inputs.pop()
            port.setParentItem(None)
            if port.scene() is not None:
                port.scene().removeItem(port)
        while len(self.inputs) < n:
            self.inputs.append(PortItem(self, self.node_id, IN, len(self.inputs)))
        step = NODE_W / (n + 1)
        for i, port in enumerate(self.inputs):
            port.setPos(step * (i + 1), 0.0)

    def input_port(self, index: int) -> PortItem | None:
        return self.inputs[index] if 0 <= index < len(self.inputs) else None

    def set_badge(self, text: str | None, color: QColor | None = None) -> None:
        """A small coloured pill on the card's corner (``None`` removes it): the hook the
        training view uses to show gradient health per layer.

        Examples
        --------
        >>> item.set_badge("vanishing", QColor("#D64545"))  # doctest: +SKIP
        """
        self.badge = None if text is None else (str(text), color)
        self.update()

    def _refresh_text(self) -> None:
        # the resolved values fill in 'auto' and defaults; the model's own values win (the
        # resolved ones may be one inference behind an edit)
        params = dict(self._resolved or {})
        params.update((k, v) for k, v in self.params.items() if v != "auto")
        self.key_text = style.key_params(self.type_name, params)
        tip = [f"<b>{self.name}</b>: {self.type_name}", f"output {self.shape_text}",
               f"{self.n_params:,} parameters"]
        if self.key_text:
            tip.insert(1, self.key_text)
        if self.error:
            tip.append(f"<span style='color:{style.ERROR.name()}'>⚠ {self.error}</span>")
        self.setToolTip("<br>".join(tip))
        self.update()

    # geometry and paint ----------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        return QRectF(-4, -12, NODE_W + 8, NODE_H + 18)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(QRectF(0, 0, NODE_W, NODE_H), RADIUS, RADIUS)
        return path

    def card_rect(self) -> QRectF:
        """The card in scene coordinates (what edges route around)."""
        return QRectF(self.pos(), self.pos() + QPointF(NODE_W, NODE_H))

    def paint(self, painter, option, widget=None) -> None:
        painter.setRenderHint(painter.RenderHint.Antialiasing)
        card = QRectF(0, 0, NODE_W, NODE_H)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(style.SHADOW)
        painter.drawRoundedRect(card.translated(0, 2.5), RADIUS, RADIUS)
        head = style.ERROR if self.error else style.category_color(self.type_name)
        # header band: the top of a rounded card
        painter.setBrush(QBrush(style.ERROR_TINT if self.error else style.CARD))
        painter.drawRoundedRect(card, RADIUS, RADIUS)
        band = QPainterPath()
        band.addRoundedRect(card, RADIUS, RADIUS)
        top = QPainterPath()
        top.addRect(QRectF(0, 0, NODE_W, HEADER))
        painter.setBrush(head)
        painter.drawPath(band.intersected(top))
        selected = self.isSelected()
        if selected:
            pen = QPen(style.ACCENT, 2.4)
        elif self.error:
            pen = QPen(style.ERROR, 1.6)
        elif self._hover:
            pen = QPen(style.ACCENT.lighter(130), 1.4)
        else:
            pen = QPen(style.CARD_BORDER, 1.0)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(card, RADIUS, RADIUS)
        self._paint_text(painter)
        if self.badge is not None:
            self._paint_badge(painter)

    def _paint_text(self, painter) -> None:
        pad = 9.0
        # header: type left, parameter count right
        f = style.font(8.0, bold=True)
        painter.setFont(f)
        painter.setPen(QColor("#FFFFFF"))
        count = f"{style.format_count(self.n_params)} params" if self.n_params else ""
        fm = QFontMetricsF(f)
        cw = fm.horizontalAdvance(count)
        painter.drawText(QRectF(pad, 0, NODE_W - 2 * pad - cw - 6, HEADER),
                         Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                         style.elide(self.type_name, fm, NODE_W - 2 * pad - cw - 6))
        if count:
            painter.setFont(style.font(7.5))
            painter.setPen(QColor(255, 255, 255, 215))
            painter.drawText(QRectF(pad, 0, NODE_W - 2 * pad, HEADER),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, count)
        # line 1: attribute name, key parameters on the right
        y1 = HEADER + 2
        f = style.font(9.0, bold=True)
        fm = QFontMetricsF(f)
        name_w = min(fm.horizontalAdvance(self.name), NODE_W * 0.6)
        painter.setFont(f)
        painter.setPen(style.TEXT)
        painter.drawText(QRectF(pad, y1, name_w + 1, 18), Qt.AlignmentFlag.AlignVCenter,
                         style.elide(self.name, fm, name_w + 1))
        if self.key_text:
            f = style.font(7.5)
            painter.setFont(f)
            painter.setPen(style.TEXT_DIM)
            room = NODE_W - 2 * pad - name_w - 8
            painter.drawText(QRectF(pad + name_w + 8, y1, room, 18),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                             style.elide(self.key_text, QFontMetricsF(f), room))
        # line 2: the output shape, or the error
        y2 = y1 + 18
        if self.error:
            f = style.font(7.5)
            painter.setFont(f)
            painter.setPen(style.ERROR)
            text = "⚠ " + self.error
        else:
            f = style.font(8.0, mono=True)
            painter.setFont(f)
            painter.setPen(style.TEXT)
            text = "→ " + self.shape_text
        painter.drawText(QRectF(pad, y2, NODE_W - 2 * pad, 17), Qt.AlignmentFlag.AlignVCenter,
                         style.elide(text, QFontMetricsF(f), NODE_W - 2 * pad))

    def _paint_badge(self, painter) -> None:
        text, color = self.badge
        f = style.font(7.0, bold=True)
        fm = QFontMetricsF(f)
        w = fm.horizontalAdvance(text) + 12
        rect = QRectF(NODE_W - w - 6, -9, w, 15)
        painter.setPen(QPen(QColor("#FFFFFF"), 1.2))
        painter.setBrush(color or style.ACCENT)
        painter.drawRoundedRect(rect, 7.5, 7.5)
        painter.setFont(f)
        painter.setPen(QColor("#FFFFFF"))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)

    # interaction -----------------------------------------------------------------------------
    def itemChange(self, change, value):
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionChange:
            scene = self.scene()
            if scene is not None and getattr(scene, "snap", False):
                return QPointF(round(value.x() / GRID) * GRID, round(value.y() / GRID) * GRID)
        elif change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            scene = self.scene()
            if scene is not None and hasattr(scene, "on_node_item_moved"):
                scene.on_node_item_moved(self)
        return super().itemChange(change, value)

