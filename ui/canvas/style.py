"""Colours, fonts and text helpers of the canvas: one place for the look."""

from __future__ import annotations

import functools

from PySide6.QtGui import QColor, QFont

from netlab.design.graph import INPUT, MERGES, OUTPUT, SHAPE_OPS

# category -> header colour (muted, readable with white text)
CATEGORY_COLORS = {
    "Linear": "#3F6FB5",
    "Convolution": "#6B5BD2",
    "Pooling": "#1F9E9A",
    "Normalization": "#D08A1E",
    "Activation": "#E0663A",
    "Dropout": "#7D8794",
    "Recurrent": "#3E9651",
    "Attention": "#A9508F",
    "Shape": "#4E9BB0",
    "Loss": "#8A6A4F",
    "Input": "#2F3A4C",
    "Output": "#2F3A4C",
    "Merge": "#B2891A",
    "Containers": "#56657A",
}
FALLBACK_COLOR = "#56657A"

BACKGROUND = QColor("#F4F6F9")
GRID_MINOR = QColor("#E9ECF1")
GRID_MAJOR = QColor("#DCE1E8")
CARD = QColor("#FFFFFF")
CARD_BORDER = QColor("#C9D0DA")
TEXT = QColor("#1E2633")
TEXT_DIM = QColor("#667085")
ACCENT = QColor("#2F80ED")  # selection, hover, the dragged connection
OK = QColor("#27AE60")  # a port that accepts the dragged connection
ERROR = QColor("#D64545")
ERROR_TINT = QColor("#FDECEC")
EDGE = QColor("#8A94A6")
LABEL_BG = QColor("#FFFFFF")
SHADOW = QColor(20, 30, 50, 28)

GROUP_SEQ = QColor("#3F6FB5")
GROUP_DP = QColor("#A9508F")
GROUP_REF = QColor("#7D8794")


def category_of(type_name: str) -> str:
    """The palette category of a node type (the specials get Input/Output/Merge/Shape)."""
    if type_name in (INPUT, OUTPUT):
        return type_name
    if type_name in MERGES:
        return "Merge"
    if type_name in SHAPE_OPS:
        return "Shape"
    return _catalogue_category(type_name)


@functools.cache
def _catalogue_category(type_name: str) -> str:
    from netlab.design.catalogue import layer_spec

    try:
        return layer_spec(type_name).category
    except Exception:  # noqa: BLE001 - an unknown type (bad file) still gets drawn
        return "Unknown"


@functools.cache
def category_color(type_name: str) -> QColor:
    return QColor(CATEGORY_COLORS.get(category_of(type_name), FALLBACK_COLOR))


_SANS = ["Inter", "Segoe UI", "Helvetica Neue", "Noto Sans", "DejaVu Sans", "Arial"]
_MONO = ["JetBrains Mono", "Consolas", "Menlo", "DejaVu Sans Mono", "Noto Mono", "Courier New"]


@functools.cache
def font(size: float = 9.0, bold: bool = False, mono: bool = False) -> QFont:
    # the first family a platform has wins: the look stays close on Linux, macOS, Windows
    f = QFont()
    f.setFamilies(_MONO if mono else _SANS)
    f.setStyleHint(QFont.StyleHint.Monospace if mono else QFont.StyleHint.SansSerif)
    f.setPointSizeF(size)
    f.setBold(bold)
    return f


def format_count(n: int) -> str:
    """``61,706`` -> ``61.7K``: parameter counts that fit a card."""
    if n < 1000:
        return str(n)
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "K")):
        if n >= div:
            v = n / div
            return (f"{v:.1f}" if v < 100 else f"{v:.0f}") + suffix
    return str(n)


def _fmt(v) -> str:
    if isinstance(v, (list, tuple)):
        if len(v) and all(x == v[0] for x in v) and len(v) in (2, 3):
            return _fmt(v[0])
        return "×".join(_fmt(x) for x in v)
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


_KEYS = {  # type prefix -> parameters worth a glance, with short labels
    "Conv": (("kernel_size", "k"), ("stride", "s"), ("padding", "p")),
    "MaxPool": (("kernel_size", "k"), ("stride", "s")),
    "AvgPool": (("kernel_size", "k"), ("stride", "s")),
    "Adaptive": (("output_size", "→"),),
    "Dropout": (("p", "p"),),
    "Flatten": (("start_dim", "dims"),),
    "Softmax": (("dim", "dim"),),
    "LogSoftmax": (("dim", "dim"),),
    "LeakyReLU": (("negative_slope", "slope"),),
    "Concat": (("dim", "dim"),),
    "Embedding": (("num_embeddings", "n"), ("embedding_dim", "d")),
    "MultiheadAttention": (("embed_dim", "d"), ("num_heads", "heads")),
}
_IO = {  # types whose in -> out sizes head the summary
    "in_features": "out_features", "in_channels": "out_channels", "input_size": "hidden_size",
}


def key_params(type_name: str, params: dict) -> str:
    """A one-line summary of the parameters that matter: ``3→6 · k5 · p1``."""
    parts = []
    if type_name in (INPUT, "Reshape"):
        shape = params.get("shape")
        s = "×".join(str(x) for x in shape) if isinstance(shape, (list, tuple)) else "?"
        dtype = params.get("dtype")
        return s + (f" · {dtype}" if dtype and dtype != "float32" else "")
    if type_name == "Permute":
        return "dims " + _fmt(params.get("dims", []))
    for a, b in _IO.items():
        if b in params:
            parts.append(f"{_fmt(params.get(a, '?'))}→{_fmt(params[b])}")
            break
    for n in ("num_features", "num_channels", "normalized_shape"):
        if n in params:
            parts.append(_fmt(params[n]))
            break
    if "num_layers" in params and params["num_layers"] != 1:
        parts.append(f"×{params['num_layers']}")
    for prefix, keys in _KEYS.items():
        if type_name.startswith(prefix):
            for name, label in keys:
                if name in params and params[name] is not None:
                    if name == "start_dim":
                        parts.append(f"dims {params['start_dim']}..{params.get('end_dim', -1)}")
                    elif name in ("stride",) and params[name] in (1, (1, 1), [1, 1]):
                        continue
                    elif name == "padding" and params[name] in (0, (0, 0), [0, 0]):
                        continue
                    else:
                        sep = " " if label.isalpha() and len(label) > 1 else ""
                        parts.append(f"{label}{sep}{_fmt(params[name])}")
            break
    return " · ".join(parts)


def elide(text: str, metrics, width: float) -> str:
    from PySide6.QtCore import Qt

    return metrics.elidedText(text, Qt.TextElideMode.ElideRight, int(width))


class HoverHighlight:
    """Mixin for graphics items drawn brighter while the pointer is over them (``_hover``)."""

    _hover = False

    def hoverEnterEvent(self, event) -> None:
        self._hover = True
        self.update()

    def hoverLeaveEvent(self, event) -> None:
        self._hover = False
        self.update()
