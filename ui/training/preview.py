"""``DataPreviewWidget``: a look at the chosen data before training: a few images or a
scatter of 2-D points coloured by class, the class counts, and whether the samples fit the
design's input (a mismatch explained in words)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from ui.training.probe import data_kind, image_shape

__all__ = ["DataPreviewWidget", "to_qimage", "CLASS_COLORS"]

N_IMAGES = 8
IMAGE_PX = 40  # each preview image is drawn this many pixels wide
MAX_POINTS = 1000
CLASS_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                "#7f7f7f", "#bcbd22", "#17becf")


def to_qimage(image: np.ndarray) -> QImage:
    """An (H, W) or (C, H, W) array as an 8-bit QImage, contrast stretched to its range.

    Examples
    --------
    >>> to_qimage(np.eye(4)).size().toTuple()
    (4, 4)
    """
    a = np.asarray(image, dtype=np.float64)
    if a.ndim == 3 and a.shape[0] == 1:
        a = a[0]
    lo, hi = np.nanmin(a), np.nanmax(a)
    a = np.nan_to_num((a - lo) / (hi - lo) if hi > lo else np.zeros_like(a))
    a = np.ascontiguousarray((a * 255).round().astype(np.uint8))
    if a.ndim == 2:
        h, w = a.shape
        return QImage(a.data, w, h, w, QImage.Format.Format_Grayscale8).copy()
    rgb = np.ascontiguousarray(np.moveaxis(a[:3], 0, -1))
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class DataPreviewWidget(QWidget):
    """Shows a :class:`netlab.datasets.Data` and the check of it against the design.

    Examples
    --------
    >>> preview = DataPreviewWidget()  # doctest: +SKIP
    >>> preview.show_data(load("moons"), None)  # doctest: +SKIP
    >>> preview.kind  # doctest: +SKIP
    'points2d'
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.kind: str | None = None
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.counts = QLabel()
        self.counts.setWordWrap(True)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b00020;")
        self.problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fit = QLabel()
        self.fit.setWordWrap(True)
        self.fit.setStyleSheet("color: #1b7f3b;")
        self.images = QWidget()
        self._grid = QGridLayout(self.images)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(2)
        self.image_labels: list[QLabel] = []
        self.plot = pg.PlotWidget()
        self.plot.setMinimumHeight(140)
        self.plot.setMaximumHeight(200)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.scatter = pg.ScatterPlotItem(size=4, pen=None)
        self.plot.addItem(self.scatter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for w in (self.summary, self.images, self.plot, self.counts, self.fit, self.problem):
            layout.addWidget(w)
        self.show_data(None, None)

    def show_data(self, data, problem: str | None, input_shape: tuple | None = None) -> None:
        """Preview ``data`` (None: nothing loaded) and show ``problem`` (None: it fits the
        design's ``input_shape``)."""
        self.problem.setText(problem or "")
        self.problem.setVisible(bool(problem))
        fits = data is not None and not problem and input_shape is not None
        self.fit.setText(f"Fits the design's input {tuple(input_shape)}." if fits else "")
        self.fit.setVisible(fits)
        self.kind = None if data is None else data_kind(data)
        self.images.setVisible(self.kind == "image")
        self.plot.setVisible(self.kind == "points2d")
        if data is None:
            self.summary.setText("No data loaded.")
            self.counts.setText("")
            return
        self.summary.setText(f"{data.name}: {data.task}, {data.n_train} train + "
                             f"{data.n_val} validation samples of shape {data.input_shape}")
        counts = data.class_counts("train")
        if counts is not None:
            shown = ", ".join(f"{c}: {k}" for c, k in zip(data.classes[:20], counts[:20]))
            more = f", ... ({len(counts) - 20} more)" if len(counts) > 20 else ""
            self.counts.setText(f"Training samples per class: {shown}{more}")
        else:
            y = data.y_train
            self.counts.setText(f"Targets: {1 if y.ndim == 1 else y.shape[1]} value(s) per "
                                f"sample, from {float(y.min()):.3g} to {float(y.max()):.3g}")
        if self.kind == "image":
            self._show_images(data)
        elif self.kind == "points2d":
            self._show_points(data)

    def _show_images(self, data) -> None:
        shape = image_shape(data)
        x = data.x_train
        labels = data.y_train.argmax(1) if data.y_train.ndim == 2 else data.y_train
        n = min(N_IMAGES, len(x))
        while len(self.image_labels) < n:
            label = QLabel()
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self._grid.addWidget(label, 0, len(self.image_labels))
            self.image_labels.append(label)
        for i, label in enumerate(self.image_labels):
            label.setVisible(i < n)
            if i >= n:
                continue
            image = to_qimage(x[i].reshape(shape))
            pixmap = QPixmap.fromImage(image).scaledToWidth(
                IMAGE_PX, Qt.TransformationMode.FastTransformation)
            label.setPixmap(pixmap)
            name = data.classes[int(labels[i])] if data.classes else f"{float(labels[i]):.3g}"
            label.setToolTip(f"sample {i}: {name}")

    def _show_points(self, data) -> None:
        x = data.x_train.reshape(len(data.x_train), 2)[:MAX_POINTS]
        y = data.y_train[:MAX_POINTS]
        if data.task == "classification":
            idx = y.argmax(1) if y.ndim == 2 else y
            brushes = [pg.mkBrush(CLASS_COLORS[int(k) % len(CLASS_COLORS)]) for k in idx]
        else:
            brushes = pg.mkBrush("#1f77b4")
        self.scatter.setData(x=x[:, 0], y=x[:, 1], brush=brushes)
