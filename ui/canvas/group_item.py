"""A group box: a tinted frame around a Sequential's or DataParallel's members, with a tab
naming it; collapsed, one card that stands for all of its members."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem

from ui.canvas import style
from ui.canvas.layout import NODE_H, NODE_W
from ui.canvas.port_item import IN, OUT, PortItem

PAD = 14.0
TAB_H = 20.0
KIND_TEXT = {"sequential": "Sequential", "dataparallel": "DataParallel"}


class GroupItem(QGraphicsItem):
    """The frame of one design group, fitted around its members' cards by the scene.

    Expanded it is a frame (clicks inside it reach the canvas: only the tab and the rim select
    it); collapsed it is a card showing the group's input and output shapes and its combined
    parameter count, with one input and one output port that the outside edges attach to.

    Examples
    --------
    >>> item = scene.group_item("g3")  # doctest: +SKIP
    >>> item.collapsed, item.title()
    (False, 'block · Sequential')
    """

    def __init__(self, group):
        super().__init__()
        self.group_id = group.id
        self.name, self.kind, self.refs = group.name, group.kind, group.refs
        self.collapsed = False
        self.n_members = len(group.members)
        self.n_params = 0
        self.n_layers = 0
        self.in_shapes: list = []
        self.out_shapes: list = []
        self.error = False
        self._rect = QRectF(0, 0, NODE_W, NODE_H)
        self._drag_from: QPointF | None = None
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setAcceptHoverEvents(True)
        self.in_port = PortItem(self, group.id, IN, connectable=False)
        self.out_port = PortItem(self, group.id, OUT, connectable=False)
        self._apply_mode()

    def title(self) -> str:
        return f"{self.name} · {KIND_TEXT.get(self.kind, self.kind)}" + \
            (" (shared)" if self.refs else "")

    def color(self) -> QColor:
        if self.refs:
            return style.GROUP_REF
        return style.GROUP_DP if self.kind == "dataparallel" else style.GROUP_SEQ

    def set_model(self, group) -> None:
        self.name, self.kind, self.n_members = group.name, group.kind, len(group.members)
        self.update()

    def set_collapsed(self, on: bool) -> None:
        self.collapsed = bool(on) and not self.refs
        self._apply_mode()

    def _apply_mode(self) -> None:
        self.in_port.setVisible(self.collapsed)
        self.out_port.setVisible(self.collapsed)
        self.setZValue(1 if self.collapsed else -1)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable, False)
        self.update()

    def set_summary(self, n_params: int, n_layers: int, in_shapes: list, out_shapes: list,
                    error: bool) -> None:
        """Combined counts and boundary shapes shown on the collapsed card."""
        self.n_params, self.n_layers, self.error = n_params, n_layers, error
        self.in_shapes, self.out_shapes = in_shapes, out_shapes
        self.setToolTip(f"<b>{self.title()}</b><br>{n_layers} layers, {n_params:,} parameters"
                        f"<br>in {', '.join(in_shapes) or '-'}<br>out "
                        f"{', '.join(out_shapes) or '-'}")
        self.update()

    def set_frame(self, rect: QRectF) -> None:
        """Expanded: the members' bounding rect (scene); collapsed: the card's top-left."""
        if self.collapsed:
            rect = QRectF(rect.topLeft(), QPointF(rect.left() + NODE_W, rect.top() + NODE_H))
        else:
            rect = rect.adjusted(-PAD, -PAD - TAB_H, PAD, PAD)
        if rect == self.scene_rect():
            return
        self.prepareGeometryChange()
        self.setPos(rect.topLeft())
        self._rect = QRectF(0, 0, rect.width(), rect.height())
        self.in_port.setPos(self._rect.width() / 2, 0)
        self.out_port.setPos(self._rect.width() / 2, self._rect.height())

    def scene_rect(self) -> QRectF:
        return self._rect.translated(self.pos())

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-3, -3, 3, 5)

    def _tab_rect(self) -> QRectF:
        fm = QFontMetricsF(style.font(8.0, bold=True))
        return QRectF(0, 0, min(fm.horizontalAdvance(self.title()) + 34, self._rect.width()),
                      TAB_H)

    def toggle_rect(self) -> QRectF:
        """Where a click collapses or expands the group (the triangle on its tab)."""
        return QRectF(4, 2, 16, 16)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        if self.collapsed:
            path.addRoundedRect(self._rect, 8, 8)
            return path
        path.addRect(self._tab_rect())
        outer, inner = QPainterPath(), QPainterPath()
        outer.addRect(self._rect)
        inner.addRect(self._rect.adjusted(5, TAB_H, -5, -5))
        return path.united(outer.subtracted(inner))

    def paint(self, painter, option, widget=None) -> None:
        painter.setRenderHint(painter.RenderHint.Antialiasing)
        c = self.color()
        if self.collapsed:
            self._paint_card(painter, c)
            return
        fill = QColor(c)
        fill.setAlpha(16)
        line = QColor(c)
        line.setAlpha(255 if self.isSelected() else 130)
        pen = QPen(line, 2.2 if self.isSelected() else 1.3)
        if self.refs:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(QBrush(fill))
        painter.drawRoundedRect(self._rect, 10, 10)
        tab = self._tab_rect()
        path = QPainterPath()
        path.addRoundedRect(tab, 9, 9)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(line if self.isSelected() else c)
        painter.drawPath(path)
        self._paint_title(painter, tab)

    def _paint_title(self, painter, tab: QRectF) -> None:
        painter.setPen(QColor("#FFFFFF"))
        if not self.refs:  # the collapse toggle: a triangle pointing down (open) or right
            t = self.toggle_rect().center()
            tri = QPainterPath()
            if self.collapsed:
                tri.moveTo(t + QPointF(-3, -4.5))
                tri.lineTo(t + QPointF(3.5, 0))
                tri.lineTo(t + QPointF(-3, 4.5))
            else:
                tri.moveTo(t + QPointF(-4.5, -2.5))
                tri.lineTo(t + QPointF(4.5, -2.5))
                tri.lineTo(t + QPointF(0, 3.5))
            tri.closeSubpath()
            painter.setBrush(QColor("#FFFFFF"))
            painter.drawPath(tri)
        f = style.font(8.0, bold=True)
        painter.setFont(f)
        painter.drawText(tab.adjusted(24, 0, -8, 0), Qt.AlignmentFlag.AlignVCenter,
                         style.elide(self.title(), QFontMetricsF(f), tab.width() - 30))

    def _paint_card(self, painter, c: QColor) -> None:
        card = self._rect
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(style.SHADOW)
        for dx in (6, 3):  # a stack of cards: this box holds several layers
            painter.drawRoundedRect(card.translated(dx, dx), 8, 8)
        painter.setBrush(style.ERROR_TINT if self.error else style.CARD)
        pen = QPen(style.ACCENT if self.isSelected() else (style.ERROR if self.error else c),
                   2.2 if self.isSelected() else 1.3)
        painter.setPen(pen)
        painter.drawRoundedRect(card, 8, 8)
        band, top = QPainterPath(), QPainterPath()
        band.addRoundedRect(card, 8, 8)
        top.addRect(QRectF(0, 0, card.width(), TAB_H + 2))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(style.ERROR if self.error else c)
        painter.drawPath(band.intersected(top))
        self._paint_title(painter, QRectF(0, 0, card.width(), TAB_H + 2))
        pad = 9.0
        f = style.font(7.5)
        painter.setFont(f)
        painter.setPen(style.TEXT_DIM)
        fm = QFontMetricsF(f)
        line1 = f"{self.n_layers} layers · {style.format_count(self.n_params)} params"
        painter.drawText(QRectF(pad, TAB_H + 3, card.width() - 2 * pad, 17),
                         Qt.AlignmentFlag.AlignVCenter,
                         style.elide(line1, fm, card.width() - 2 * pad))
        f = style.font(7.5, mono=True)
        painter.setFont(f)
        painter.setPen(style.TEXT)
        io = f"{', '.join(self.in_shapes) or '-'} → {', '.join(self.out_shapes) or '-'}"
        painter.drawText(QRectF(pad, TAB_H + 20, card.width() - 2 * pad, 17),
                         Qt.AlignmentFlag.AlignVCenter,
                         style.elide(io, QFontMetricsF(f), card.width() - 2 * pad))

    # interaction: the tab's triangle toggles, a drag on the tab or rim moves the members ----
    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and not self.refs and \
                self.toggle_rect().contains(event.pos()):
            scene = self.scene()
            if scene is not None and hasattr(scene, "request_collapse"):
                scene.request_collapse(self.group_id, not self.collapsed)
            event.accept()
            return
        super().mousePressEvent(event)
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag_from = event.scenePos()

    def mouseMoveEvent(self, event) -> None:
        scene = self.scene()
        if self._drag_from is None or scene is None:
            return
        delta = event.scenePos() - self._drag_from
        self._drag_from = event.scenePos()
        scene.move_group_members(self.group_id, delta)

    def mouseReleaseEvent(self, event) -> None:
        super().mouseReleaseEvent(event)
        self._drag_from = None
