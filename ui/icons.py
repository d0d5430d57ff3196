"""Palette icons, one per layer category, drawn with QPainter (no image files to ship).

Each icon is a rounded tile in the category's colour (the canvas's node-header colour, so an
entry looks like the node it adds) with a small white glyph that hints at what the layers do
(a dense fan for Linear, a kernel grid for Convolution, a ReLU hinge for Activation, ...).
"""

from __future__ import annotations

import functools
import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

from ui.canvas.style import CATEGORY_COLORS, FALLBACK_COLOR

# palette order: the categories, with the graph's inputs and outputs first
PALETTE_CATEGORIES = ("Input / Output", "Linear", "Convolution", "Pooling", "Normalization",
                      "Activation", "Dropout", "Recurrent", "Attention", "Shape", "Merge",
                      "Containers", "Loss")



def _color_hex(category: str) -> str:
    # the canvas's node-header colours: a palette entry looks like the node it adds
    key = "Input" if category == "Input / Output" else category
    return CATEGORY_COLORS.get(key, FALLBACK_COLOR)


def category_color(category: str) -> QColor:
    """The colour of a palette category, as the canvas draws its nodes (slate for an unknown
    one).

    Examples
    --------
    >>> category_color("Linear").name()
    '#3f6fb5'
    """
    return QColor(_color_hex(category))


@functools.cache
def category_icon(category: str, size: int = 32) -> QIcon:
    """A ``size`` x ``size`` icon for ``category``: its colour and a glyph (cached).

    Examples
    --------
    >>> category_icon("Convolution").isNull()  # doctest: +SKIP
    False
    """
    pix = QPixmap(size, size)
    pix.fill(Qt.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.Antialiasing)
    p.scale(size / 32.0, size / 32.0)  # glyphs are drawn on a 32 x 32 grid
    p.setPen(Qt.NoPen)
    p.setBrush(category_color(category))
    p.drawRoundedRect(QRectF(1, 1, 30, 30), 6, 6)
    pen = QPen(QColor("white"), 2.2, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin)
    p.setPen(pen)
    p.setBrush(Qt.NoBrush)
    _GLYPHS.get(category, _glyph_unknown)(p)
    p.end()
    return QIcon(pix)


def _dot(p: QPainter, x: float, y: float, r: float = 2.2) -> None:
    brush = p.brush()
    p.setBrush(QColor("white"))
    p.drawEllipse(QPointF(x, y), r, r)
    p.setBrush(brush)


def _glyph_io(p: QPainter) -> None:
    p.drawLine(QPointF(7, 16), QPointF(22, 16))
    p.drawPolyline([QPointF(17, 10), QPointF(23, 16), QPointF(17, 22)])
    p.drawLine(QPointF(26, 8), QPointF(26, 24))


def _glyph_linear(p: QPainter) -> None:
    left, right = (9, 16, 23), (12, 20)
    for a in left:
        for b in right:
            p.drawLine(QPointF(9, a), QPointF(23, b))
    for a in left:
        _dot(p, 9, a)
    for b in right:
        _dot(p, 23, b)


def _glyph_conv(p: QPainter) -> None:
    for i in range(4):
        v = 8 + i * 16 / 3
        p.drawLine(QPointF(8, v), QPointF(24, v))
        p.drawLine(QPointF(v, 8), QPointF(v, 24))


def _glyph_pool(p: QPainter) -> None:
    p.drawRect(QRectF(6, 9, 10, 10))
    p.drawLine(QPointF(11, 9), QPointF(11, 19))
    p.drawLine(QPointF(6, 14), QPointF(16, 14))
    p.drawLine(QPointF(18, 14), QPointF(22, 14))
    p.drawRect(QRectF(23, 12, 4, 4))


def _glyph_norm(p: QPainter) -> None:
    path = QPainterPath(QPointF(5, 24))
    for i in range(1, 23):
        x = 5 + i
        path.lineTo(x, 24 - 15 * math.exp(-((x - 16) / 4.5) ** 2))
    p.drawPath(path)
    p.drawLine(QPointF(5, 25), QPointF(27, 25))


def _glyph_activation(p: QPainter) -> None:
    p.drawPolyline([QPointF(6, 22), QPointF(16, 22), QPointF(26, 8)])


def _glyph_dropout(p: QPainter) -> None:
    for i, (x, y) in enumerate((a, b) for a in (9, 16, 23) for b in (9, 16, 23)):
        if i in (1, 5, 6):
            p.drawEllipse(QPointF(x, y), 2.0, 2.0)  # dropped: an empty ring
        else:
            _dot(p, x, y)


def _glyph_recurrent(p: QPainter) -> None:
    p.drawArc(QRectF(8, 8, 16, 16), 60 * 16, 290 * 16)
    p.drawPolyline([QPointF(20, 6), QPointF(21, 10.5), QPointF(16.5, 11)])


def _glyph_attention(p: QPainter) -> None:
    path = QPainterPath(QPointF(5, 16))
    path.quadTo(16, 5, 27, 16)
    path.quadTo(16, 27, 5, 16)
    p.drawPath(path)
    _dot(p, 16, 16, 3.2)


def _glyph_shape(p: QPainter) -> None:
    p.drawRect(QRectF(6, 7, 7, 18))
    p.drawRect(QRectF(17, 13, 10, 6))
    p.drawLine(QPointF(13, 16), QPointF(17, 16))


def _glyph_merge(p: QPainter) -> None:
    p.drawLine(QPointF(7, 8), QPointF(15, 16))
    p.drawLine(QPointF(7, 24), QPointF(15, 16))
    p.drawLine(QPointF(15, 16), QPointF(25, 16))
    p.drawLine(QPointF(21, 12), QPointF(21, 20))


def _glyph_containers(p: QPainter) -> None:
    p.drawPolyline([QPointF(11, 7), QPointF(7, 7), QPointF(7, 25), QPointF(11, 25)])
    p.drawPolyline([QPointF(21, 7), QPointF(25, 7), QPointF(25, 25), QPointF(21, 25)])
    p.drawRect(QRectF(12, 10, 8, 4))
    p.drawRect(QRectF(12, 18, 8, 4))


def _glyph_loss(p: QPainter) -> None:
    p.drawEllipse(QPointF(16, 16), 10, 10)
    p.drawEllipse(QPointF(16, 16), 5, 5)
    _dot(p, 16, 16, 1.6)


def _glyph_unknown(p: QPainter) -> None:
    p.drawEllipse(QPointF(16, 16), 8, 8)


_GLYPHS = {
    "Input / Output": _glyph_io, "Linear": _glyph_linear, "Convolution": _glyph_conv,
    "Pooling": _glyph_pool, "Normalization": _glyph_norm, "Activation": _glyph_activation,
    "Dropout": _glyph_dropout, "Recurrent": _glyph_recurrent, "Attention": _glyph_attention,
    "Shape": _glyph_shape, "Merge": _glyph_merge, "Containers": _glyph_containers,
    "Loss": _glyph_loss,
}
