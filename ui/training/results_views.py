"""The views of :class:`ui.training.results.ResultsWidget`: a confusion-matrix heat map, a grid
of misclassified images, a decision-boundary plot and predictions against targets.

Each view takes one part of a ``resultsUpdated`` payload in ``show_*`` and redraws in place
(items and cells are reused; nothing is rebuilt unless the number of classes changes).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QPixmap
from PySide6.QtWidgets import (
    QGridLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.training.curves_style import add_legend, make_plot, pen, run_color

__all__ = ["BoundaryPlot", "ConfusionTable", "MisclassifiedGrid", "RegressionPlot",
           "class_lut", "image_to_qimage"]

_CORRECT, _WRONG = QColor("#2166ac"), QColor("#d6604d")


def _shade(color: QColor, fraction: float) -> QColor:
    """``color`` mixed into white: 0 gives white, 1 the colour itself."""
    f = min(max(float(fraction), 0.0), 1.0)
    return QColor(round(255 + (color.red() - 255) * f), round(255 + (color.green() - 255) * f),
                  round(255 + (color.blue() - 255) * f))


def class_lut(n: int, lighten: float = 0.55) -> np.ndarray:
    """``(n, 3)`` uint8 light colours of classes 0..n-1 (the class colours mixed with white).

    Examples
    --------
    >>> class_lut(2).shape
    (2, 3)
    """
    colors = [_shade(run_color(i), 1.0 - lighten) for i in range(n)]
    return np.array([[c.red(), c.green(), c.blue()] for c in colors], dtype=np.uint8)


class ConfusionTable(QTableWidget):
    """Rows are true classes, columns predicted ones, then each class's accuracy; a cell's
    shade is its share of the row (blue on the diagonal, red off it).

    Examples
    --------
    >>> table = ConfusionTable()  # doctest: +SKIP
    >>> table.show_confusion(np.array([[5, 1], [0, 4]]), ["a", "b"], [5 / 6, 1.0])  # doctest: +SKIP
    """

    SHORT = 3  # longer class names label the columns by their index (the rows say which)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.setToolTip("Rows: true class; columns: predicted class")
        # small type and tight sections: ten classes (eleven rows with the header) fit in
        # ~300 px, the height of a docked view, without a scroll bar
        font = QFont(self.font())
        font.setPointSizeF(8)
        self.setFont(font)
        self.setWordWrap(False)
        rows = self.fontMetrics().height() + 2
        for header in (self.horizontalHeader(), self.verticalHeader()):
            header.setFont(font)
            header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
            header.setMinimumSectionSize(rows)
            header.setDefaultSectionSize(rows)
        self.horizontalHeader().setMinimumSectionSize(24)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)

    def show_confusion(self, confusion: np.ndarray, classes, per_class_accuracy) -> None:
        conf = np.asarray(confusion, dtype=np.int64)
        c = conf.shape[0]
        names = [str(n) for n in classes][:c] if classes else []
        names += [str(i) for i in range(len(names), c)]
        if self.rowCount() != c or self.columnCount() != c + 1:
            self.setRowCount(c)
            self.setColumnCount(c + 1)
            for i in range(c):
                for j in range(c + 1):
                    item = QTableWidgetItem()
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                    self.setItem(i, j, item)
        short = all(len(n) <= self.SHORT for n in names)
        self.setHorizontalHeaderLabels([n if short else str(j) for j, n in enumerate(names)]
                                       + ["acc."])
        for j, n in enumerate(names):
            self.horizontalHeaderItem(j).setToolTip(f"predicted {n}")
        self.horizontalHeader().setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.setVerticalHeaderLabels(names if short else [f"{i} {n}" for i, n in
                                                          enumerate(names)])
        self._fit_width(conf)
        rows = np.maximum(conf.sum(1, keepdims=True), 1)
        share = conf / rows
        for i in range(c):
            for j in range(c):
                item = self.item(i, j)
                item.setText(str(int(conf[i, j])))
                # a few errors still show: any nonzero cell gets at least a light tint
                f = 0.0 if conf[i, j] == 0 else 0.12 + 0.88 * share[i, j]
                bg = _shade(_CORRECT if i == j else _WRONG, f)
                item.setBackground(QBrush(bg))
                item.setForeground(QBrush(QColor("white" if bg.lightness() < 140
                                                 else "#202020")))
            acc = per_class_accuracy[i] if per_class_accuracy is not None and \
                i < len(per_class_accuracy) else None
            cell = self.item(i, c)
            cell.setText("-" if acc is None else f"{100 * acc:.0f}%")
            cell.setToolTip(f"accuracy of class {names[i]}: true {names[i]} predicted as such")
            cell.setBackground(QBrush(QColor("#f4f4f4")))


    def _fit_width(self, conf: np.ndarray) -> None:
        """Ask for the width every count needs (a splitter then never squeezes the columns
        under a horizontal scroll bar)."""
        metrics = self.fontMetrics()
        cell = max(24, metrics.horizontalAdvance(str(int(conf.max(initial=0)))) + 10)
        self.horizontalHeader().setMinimumSectionSize(cell)
        names = max((metrics.horizontalAdvance(self.verticalHeaderItem(i).text())
                     for i in range(conf.shape[0])), default=0)
        acc = metrics.horizontalAdvance("100%") + 12
        self.setMinimumWidth(names + 16 + cell * conf.shape[0] + acc + 2 * self.frameWidth())


def image_to_qimage(image: np.ndarray) -> QImage:
    """An ``HxW`` or ``CxHxW`` (C = 1, 3 or 4) array as a QImage, its values stretched to
    0..255 (a sample may be standardised, in [0, 1] or in [0, 255]).

    Examples
    --------
    >>> image_to_qimage(np.eye(8)).size().toTuple()
    (8, 8)
    """
    a = np.asarray(image, dtype=np.float64)
    if a.ndim == 3 and a.shape[0] in (1, 3, 4) and a.shape[-1] not in (3, 4):
        a = np.moveaxis(a, 0, -1)  # CxHxW -> HxWxC
    if a.ndim == 3 and a.shape[-1] == 1:
        a = a[..., 0]
    if a.ndim not in (2, 3):
        raise ValueError(f"image_to_qimage: an image is HxW or CxHxW, got shape {a.shape}")
    lo, hi = np.nanmin(a), np.nanmax(a)
    a = np.nan_to_num((a - lo) / (hi - lo) if hi > lo else np.zeros_like(a))
    u8 = np.ascontiguousarray((a * 255).round().astype(np.uint8))
    h, w = u8.shape[:2]
    if u8.ndim == 2:
        fmt, per_pixel = QImage.Format.Format_Grayscale8, 1
    else:
        fmt, per_pixel = ((QImage.Format.Format_RGB888, 3) if u8.shape[2] == 3 else
                          (QImage.Format.Format_RGBA8888, 4))
    # copy: the QImage must not outlive the numpy buffer it points into
    return QImage(u8.data, w, h, w * per_pixel, fmt).copy()


class MisclassifiedGrid(QWidget):
    """Up to 16 misclassified samples, each its image with "true → predicted" under it."""

    COLUMNS, SIZE = 6, 60  # 16 samples in three rows: the page fits a ~300 px dock

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._grid = QGridLayout()
        self._grid.setSpacing(4)
        self.title = QLabel("Misclassified samples")
        self.empty = QLabel("No misclassified samples")
        self.empty.setStyleSheet("color: #606060")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.empty)
        layout.addLayout(self._grid)
        layout.addStretch(1)
        self.cells: list[tuple[QLabel, QLabel]] = []

    def show_samples(self, samples, classes) -> None:
        """``samples``: ``(image, true, predicted)`` tuples (or dicts with those keys)."""
        samples = list(samples or [])
        while len(self.cells) < len(samples):
            k = len(self.cells)
            image, caption = QLabel(), QLabel()
            image.setFixedSize(self.SIZE, self.SIZE)
            image.setAlignment(Qt.AlignmentFlag.AlignCenter)
            image.setStyleSheet("border: 1px solid #c8c8c8; background: white")
            caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
            row, col = divmod(k, self.COLUMNS)
            self._grid.addWidget(image, 2 * row, col)
            self._grid.addWidget(caption, 2 * row + 1, col)
            self.cells.append((image, caption))
        names = [str(c) for c in classes] if classes else None
        for k, (image, caption) in enumerate(self.cells):
            shown = k < len(samples)
            image.setVisible(shown)
            caption.setVisible(shown)
            if not shown:
                continue
            s = samples[k]
            pixels, true, pred = (s["image"], s["true"], s["predicted"]) if isinstance(
                s, dict) else s
            pixmap = QPixmap.fromImage(image_to_qimage(pixels)).scaled(
                self.SIZE - 4, self.SIZE - 4, Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.FastTransformation)  # sharp pixels for 8x8 digits
            image.setPixmap(pixmap)
            caption.setText(f"{self._name(names, true)} → {self._name(names, pred)}")
            caption.setToolTip(f"true class {self._name(names, true)}, predicted "
                               f"{self._name(names, pred)}")
        self.empty.setVisible(not samples)

    @staticmethod
    def _name(names, index) -> str:
        i = int(index)
        return names[i] if names and 0 <= i < len(names) else str(i)

    def shown_count(self) -> int:
        return sum(not image.isHidden() for image, _ in self.cells)


class BoundaryPlot(QWidget):
    """The predicted class over a grid (paler where the model is less sure) and the samples
    coloured by their true class."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.plot = make_plot("Decision boundary", "x₂", "x₁")
        self.legend = add_legend(self.plot)
        self.class_image = pg.ImageItem(axisOrder="col-major")
        self.confidence_image = pg.ImageItem(axisOrder="col-major")
        item = self.plot.getPlotItem()
        item.addItem(self.class_image)
        item.addItem(self.confidence_image)
        self.scatters: list[pg.ScatterPlotItem] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self._classes: list[str] = []

    def show_boundary(self, boundary: dict, classes) -> None:
        xx, yy = np.asarray(boundary["xx"]), np.asarray(boundary["yy"])
        grid = np.asarray(boundary["probs"])
        conf = boundary.get("confidence")
        if xx.shape[0] > 1 and xx[1, 0] == xx[0, 0]:  # meshgrid(..., indexing="xy"): y first
            grid, xx, yy = grid.T, xx.T, yy.T
            conf = None if conf is None else np.asarray(conf).T
        labels = np.asarray(boundary.get("labels", []), dtype=np.int64)
        n = max(len(classes or ()), int(grid.max(initial=0)) + 1,
                int(labels.max(initial=0)) + 1 if len(labels) else 0)
        self.class_image.setImage(grid, levels=(0, n), lut=class_lut(n), autoLevels=False)
        gx, gy = grid.shape
        x0, x1, y0, y1 = xx.min(), xx.max(), yy.min(), yy.max()
        dx, dy = (x1 - x0) / max(gx - 1, 1), (y1 - y0) / max(gy - 1, 1)
        rect = QRectF(x0 - dx / 2, y0 - dy / 2, dx * gx, dy * gy)
        self.class_image.setRect(rect)
        if conf is not None:  # white over the uncertain cells: the boundary shows as a seam
            c = np.asarray(conf, dtype=np.float64)
            sure = np.clip((c - 1.0 / n) / (1.0 - 1.0 / n), 0, 1)
            veil = np.zeros((gx, gy, 4), dtype=np.uint8)
            veil[..., :3] = 255
            veil[..., 3] = ((1 - sure) * 170).astype(np.uint8)
            self.confidence_image.setImage(veil, levels=(0, 255), autoLevels=False)
            self.confidence_image.setRect(rect)
        self.confidence_image.setVisible(conf is not None)
        self._show_points(np.asarray(boundary.get("points", np.zeros((0, 2)))), labels, n,
                          classes)

    def _show_points(self, points, labels, n, classes) -> None:
        names = [str(c) for c in classes][:n] if classes else []
        names += [str(i) for i in range(len(names), n)]
        if len(self.scatters) != n or names != self._classes:
            for s in self.scatters:
                self.plot.getPlotItem().removeItem(s)
            self.legend.clear()
            self.legend.setColumnCount(min(n, 5))  # one or two lines above the plot
            self.scatters = []
            for i in range(n):
                s = pg.ScatterPlotItem(size=6, pen=pen("#303030", 200, 0.8),
                                       brush=pg.mkBrush(run_color(i)))
                self.plot.getPlotItem().addItem(s)
                self.legend.addItem(s, names[i])
                self.scatters.append(s)
            self._classes = names
        for i, s in enumerate(self.scatters):
            mine = points[labels == i] if len(points) else np.zeros((0, 2))
            s.setData(mine[:, 0], mine[:, 1])


class RegressionPlot(QWidget):
    """Targets and predictions against x, and predictions against targets (the diagonal is a
    perfect fit)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.fit_plot = make_plot("Predictions and targets", "y", "x")
        legend = add_legend(self.fit_plot)
        self.targets = pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(31, 119, 180, 120))
        self.prediction = pg.PlotDataItem(pen=pen("#d62728", 255, 2.5))
        self.fit_plot.addItem(self.targets)
        self.fit_plot.addItem(self.prediction)
        legend.addItem(self.targets, "target")
        legend.addItem(self.prediction, "prediction")
        self.parity_plot = make_plot("Prediction against target", "prediction", "target")
        self.parity = pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(214, 39, 40, 110))
        self.diagonal = pg.PlotDataItem(pen=pen("#404040", 160, 1.0, dash=True))
        self.parity_plot.addItem(self.diagonal)
        self.parity_plot.addItem(self.parity)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.fit_plot, 0, 0)
        layout.addWidget(self.parity_plot, 0, 1)
        layout.setColumnStretch(0, 3)
        layout.setColumnStretch(1, 2)
        self.line = True

    def show_predictions(self, x, target, prediction) -> None:
        x = np.asarray(x, dtype=np.float64).ravel()
        t = np.asarray(target, dtype=np.float64).ravel()
        p = np.asarray(prediction, dtype=np.float64).ravel()
        self.targets.setData(x, t)
        order = np.argsort(x, kind="stable")
        if self.line:  # one input: the fitted function as a line
            self.prediction.setData(x[order], p[order], symbol=None)
        else:  # several inputs: x is only the first one, a line through it would zig-zag
            self.prediction.setData(x, p, pen=None, symbol="o", symbolSize=4,
                                    symbolPen=None, symbolBrush=pg.mkBrush(214, 39, 40, 150))
        self.parity.setData(t, p)
        finite = np.concatenate([t[np.isfinite(t)], p[np.isfinite(p)]])
        if len(finite):
            lo, hi = float(finite.min()), float(finite.max())
            self.diagonal.setData([lo, hi], [lo, hi])
