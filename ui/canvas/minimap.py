"""A small overview of the whole graph in the canvas's corner; click or drag to pan."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QWidget

from ui.canvas import style


class MinimapWidget(QWidget):
    """Every card as a coloured dot-rectangle, the visible part of the canvas as a frame.

    A press or drag centres the canvas on that point. It paints from the scene's items (no
    second scene render), so it stays cheap for large graphs.

    Examples
    --------
    >>> view.minimap.isVisible()  # doctest: +SKIP
    True
    """

    MARGIN = 8

    def __init__(self, view):
        super().__init__(view)
        self.view = view
        self.setFixedSize(190, 140)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("overview: click or drag to move the view")
        self._map: tuple | None = None  # (content rect, scale, offset)

    def _geometry(self) -> tuple:
        rect = self.view.scene().content_rect()
        if rect.isNull():
            rect = QRectF(0, 0, 1, 1)
        rect = rect.adjusted(-20, -20, 20, 20)
        w, h = self.width() - 2 * self.MARGIN, self.height() - 2 * self.MARGIN
        k = min(w / rect.width(), h / rect.height())
        off = QPointF(self.MARGIN + (w - rect.width() * k) / 2,
                      self.MARGIN + (h - rect.height() * k) / 2)
        return rect, k, off

    def to_scene(self, p: QPointF) -> QPointF:
        """A point of the widget in scene coordinates."""
        rect, k, off = self._geometry()
        return QPointF(rect.left() + (p.x() - off.x()) / k, rect.top() + (p.y() - off.y()) / k)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(style.CARD_BORDER, 1))
        painter.setBrush(QColor(255, 255, 255, 235))
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 8, 8)
        scene = self.view.scene()
        rect, k, off = self._geometry()

        def m(x, y):
            return QPointF(off.x() + (x - rect.left()) * k, off.y() + (y - rect.top()) * k)

        painter.setPen(QPen(style.EDGE, 1))
        for item in scene.edges.values():
            if item.isVisible():
                b = item.path().boundingRect()
                if not b.isNull():
                    painter.drawLine(m(b.center().x(), b.top()), m(b.center().x(), b.bottom()))
        painter.setPen(Qt.PenStyle.NoPen)
        for item in scene.groups.values():
            if item.isVisible():
                r = item.scene_rect()
                c = QColor(item.color())
                c.setAlpha(200 if item.collapsed else 40)
                painter.setBrush(c)
                painter.drawRoundedRect(QRectF(m(r.left(), r.top()), m(r.right(), r.bottom())),
                                        2, 2)
        for item in scene.nodes.values():
            if item.isVisible():
                r = item.card_rect()
                color = style.ERROR if item.error else style.category_color(item.type_name)
                painter.setBrush(color)
                painter.drawRoundedRect(QRectF(m(r.left(), r.top()), m(r.right(), r.bottom())),
                                        1.5, 1.5)
        seen = self.view.mapToScene(self.view.viewport().rect()).boundingRect()
        frame = QRectF(m(seen.left(), seen.top()), m(seen.right(), seen.bottom()))
        frame = frame.intersected(QRectF(self.rect()).adjusted(1, 1, -1, -1))
        painter.setPen(QPen(style.ACCENT, 1.5))
        fill = QColor(style.ACCENT)
        fill.setAlpha(28)
        painter.setBrush(fill)
        painter.drawRect(frame)
        painter.end()

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.view.centerOn(self.to_scene(event.position()))
            event.accept()

    def mouseMoveEvent(self, event) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.view.centerOn(self.to_scene(event.position()))
            event.accept()
