"""An edge: a smooth curve from an output port down to an input port, labelled with its shape.

An edge whose straight run would cross other cards (a skip connection beside a column of
layers, or an edge going back up) takes a rounded side lane around them instead.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsItem

from ui.canvas import style
from ui.canvas.style import HoverHighlight

LANE_PAD = 28.0
STUB = 16.0
CORNER = 12.0


def rounded_polyline(points: list, radius: float = CORNER) -> QPainterPath:
    """An orthogonal polyline with its corners rounded."""
    path = QPainterPath(points[0])
    for i in range(1, len(points) - 1):
        a, b, c = points[i - 1], points[i], points[i + 1]
        la = ((b.x() - a.x()) ** 2 + (b.y() - a.y()) ** 2) ** 0.5
        lc = ((c.x() - b.x()) ** 2 + (c.y() - b.y()) ** 2) ** 0.5
        r = min(radius, la / 2, lc / 2)
        if r <= 0.5:
            path.lineTo(b)
            continue
        p = b + (a - b) * (r / la)
        q = b + (c - b) * (r / lc)
        path.lineTo(p)
        path.quadTo(b, q)
    path.lineTo(points[-1])
    return path


def route(p1: QPointF, p2: QPointF, obstacles: list, lane_pad: float = LANE_PAD) -> tuple:
    """The path from ``p1`` (an output port) to ``p2`` (an input port), the point where its
    label goes, and whether the label sits on the line (a lane) or beside it (a curve).

    The path is a vertical S-curve, or a side lane ``lane_pad`` clear of the obstacles (scene
    QRectF cards) when the curve would cross one or the target lies above the source; the
    lane takes the side nearer to both ends."""
    x0, x1 = min(p1.x(), p2.x()), max(p1.x(), p2.x())
    if p2.y() > p1.y():
        bend = max((p2.y() - p1.y()) * 0.5, 12.0)
        path = QPainterPath(p1)
        path.cubicTo(QPointF(p1.x(), p1.y() + bend), QPointF(p2.x(), p2.y() - bend), p2)
        hits = [r for r in obstacles if r.left() <= x1 and r.right() >= x0
                and r.bottom() > p1.y() and r.top() < p2.y() and path.intersects(r)]
        if not hits:
            # the label keeps near the source in a tall gap, clear of frames around the target
            t = min(0.5, 26.0 / (p2.y() - p1.y()))
            return path, path.pointAtPercent(t), False
    else:
        hits = []
    top, bottom = min(p1.y(), p2.y()) - STUB, max(p1.y(), p2.y()) + STUB
    span = [r for r in obstacles if r.bottom() > top and r.top() < bottom]
    base = hits or [r for r in span if r.left() <= x1 and r.right() >= x0]
    right = _clear_lane(max([r.right() for r in base] + [x1]) + lane_pad, span, lane_pad, 1)
    left = _clear_lane(min([r.left() for r in base] + [x0]) - lane_pad, span, lane_pad, -1)
    cost = abs(right - p1.x()) + abs(right - p2.x()) - abs(left - p1.x()) - abs(left - p2.x())
    lane = left if cost > 0 else right
    pts = [p1, QPointF(p1.x(), p1.y() + STUB), QPointF(lane, p1.y() + STUB),
           QPointF(lane, p2.y() - STUB), QPointF(p2.x(), p2.y() - STUB), p2]
    return rounded_polyline(pts), QPointF(lane, (p1.y() + p2.y()) / 2), True


def _clear_lane(x: float, span: list, pad: float, direction: int) -> float:
    """Push a vertical lane at ``x`` outwards until it runs clear of every card in ``span``."""
    for _ in range(len(span) + 1):
        hit = next((r for r in span if r.left() - pad < x < r.right() + pad), None)
        if hit is None:
            break
        x = hit.right() + pad if direction > 0 else hit.left() - pad
    return x


class EdgeItem(HoverHighlight, QGraphicsItem):
    """One connection of the design, drawn between two ports.

    Examples
    --------
    >>> edge = scene.edge_item("e3")  # doctest: +SKIP
    >>> edge.label
    '(N, 6, 28, 28)'
    """

    def __init__(self, edge):
        super().__init__()
        self.edge_id = edge.id
        self.src, self.dst, self.dst_port = edge.src, edge.dst, edge.dst_port
        self.label = "?"
        self.error: str | None = None
        self.highlight = False  # a dragged layer would be spliced here
        self._path = QPainterPath()
        self._label_at = QPointF()
        self._p1 = self._p2 = QPointF()
        self._label_on_line = False
        # "own": label on this edge; "source": one label under the source port for a fan-out
        # of edges that all carry the same tensor; "none": a sibling shows it
        self.label_mode = "own"
        self._label_rect = QRectF()
        self._bounds = QRectF()
        self._shape: QPainterPath | None = None
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setAcceptHoverEvents(True)
        self._hover = False
        self.setZValue(0)

    def set_info(self, shape_text: str, error: str | None) -> None:
        """The carried shape's text and the error of the node it feeds (None if fine)."""
        if (shape_text, error) == (self.label, self.error):
            return
        self.label, self.error = shape_text, error
        self.setToolTip(f"⚠ {error}" if error else f"{self.label}")
        self._update_label_rect()
        self.prepareGeometryChange()
        self._bounds = self._compute_bounds()
        self.update()

    def set_route(self, p1: QPointF, p2: QPointF, obstacles: list) -> None:
        w = QFontMetricsF(style.font(7.5, mono=True)).horizontalAdvance(self.label)
        path, at, on_line = route(p1, p2, obstacles, max(LANE_PAD, w / 2 + 18))
        self.prepareGeometryChange()
        self._path, self._label_at, self._shape = path, at, None
        self._label_on_line = on_line
        self._p1, self._p2 = p1, p2
        self._update_label_rect()
        self._bounds = self._compute_bounds()

    def path(self) -> QPainterPath:
        return self._path

    def set_label_mode(self, mode: str) -> None:
        if mode != self.label_mode:
            self.prepareGeometryChange()
            self.label_mode = mode
            self._shape = None
            self._update_label_rect()
            self._bounds = self._compute_bounds()
            self.update()

    def _update_label_rect(self) -> None:
        fm = QFontMetricsF(style.font(7.5, mono=True))
        w, h = fm.horizontalAdvance(self.label) + 12, fm.height() + 4
        if self.label_mode == "none":
            self._label_rect = QRectF()
            return
        if self.label_mode == "source":
            # beside the port, where the fanned-out lines still run straight down
            self._label_rect = QRectF(self._p1.x() - w - 9, self._p1.y() + 3, w, h)
            return
        # beside a curve (left of it, clear of the lanes that leave to the right), on a lane
        if self._label_on_line:
            x = self._label_at.x() - w / 2
        elif self._p2.x() < self._p1.x() - 1:  # a curve bending left: label right
            x = self._label_at.x() + 7
        else:
            x = self._label_at.x() - w - 7
        self._label_rect = QRectF(x, self._label_at.y() - h / 2, w, h)

    def _compute_bounds(self) -> QRectF:
        return self._path.boundingRect().united(self._label_rect).adjusted(-8, -8, 8, 8)

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        if self._shape is None:
            stroker = QPainterPathStroker()
            stroker.setWidth(12)
            s = stroker.createStroke(self._path)
            if not self._label_rect.isNull():
                s.addRoundedRect(self._label_rect, 6, 6)
            self._shape = s
        return self._shape

    def color(self) -> QColor:
        if self.isSelected() or self.highlight:
            return style.ACCENT
        if self.error:
            return style.ERROR
        return style.EDGE.darker(130) if self._hover else style.EDGE

    def paint(self, painter, option, widget=None) -> None:
        painter.setRenderHint(painter.RenderHint.Antialiasing)
        color = self.color()
        width = 2.6 if self.isSelected() or self.highlight else 1.7
        painter.setPen(QPen(color, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._path)
        # arrow head into the input port
        if not self._path.isEmpty():
            tip = self._p2 - QPointF(0, 5.5)
            head = QPainterPath(tip)
            head.lineTo(tip + QPointF(-4.5, -7))
            head.lineTo(tip + QPointF(4.5, -7))
            head.closeSubpath()
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            painter.drawPath(head)
        if self._label_rect.isNull():
            return
        # shape label: a small pill on or beside the line
        painter.setPen(QPen(color if self.error or self.isSelected() else style.CARD_BORDER, 1))
        painter.setBrush(QBrush(style.ERROR_TINT if self.error else style.LABEL_BG))
        painter.drawRoundedRect(self._label_rect, self._label_rect.height() / 2,
                                self._label_rect.height() / 2)
        painter.setFont(style.font(7.5, mono=True))
        painter.setPen(style.ERROR if self.error else style.TEXT_DIM)
        painter.drawText(self._label_rect, Qt.AlignmentFlag.AlignCenter, self.label)

