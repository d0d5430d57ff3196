"""The canvas view: zoom, pan, fit, rubber band, snap, keys, drops, minimap, image export."""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QFontMetricsF, QImage, QPainter, QPen
from PySide6.QtWidgets import QGraphicsView

from ui.canvas import style
from ui.canvas.interactions import LAYER_MIME
from ui.canvas.layout import GRID, layered_layout
from ui.canvas.minimap import MinimapWidget
from ui.canvas.scene import CanvasScene

MIN_ZOOM, MAX_ZOOM = 0.08, 4.0
_NUDGE = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, -1),
          Qt.Key.Key_Down: (0, 1)}


class CanvasView(QGraphicsView):
    """The network editor's canvas over a :class:`ui.editor.Document`.

    Wheel or pinch zooms (Ctrl+= / Ctrl+- / Ctrl+0 too), the middle button or Space+drag pans,
    F fits, Del deletes the selection (edges included), a drag on empty canvas selects with a
    rubber band, and palette layers can be dropped on the canvas or onto an edge.

    Examples
    --------
    >>> view = CanvasView(Document(load_design("resources/examples/lenet.json")))  # doctest: +SKIP
    >>> view.fit_to_view(); view.node_item("n2").name  # doctest: +SKIP
    'conv1'
    """

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.setScene(CanvasScene(document, self))
        self.setRenderHints(QPainter.RenderHint.Antialiasing
                            | QPainter.RenderHint.TextAntialiasing
                            | QPainter.RenderHint.SmoothPixmapTransform)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.ItemSelectionMode.IntersectsItemShape)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewport().grabGesture(Qt.GestureType.PinchGesture)
        self._pan_from: QPointF | None = None
        self._space = False
        self.minimap = MinimapWidget(self)
        self.minimap_enabled = True
        self.scene().changed.connect(self._on_scene_changed)
        self.horizontalScrollBar().valueChanged.connect(self._on_scroll_changed)
        self.verticalScrollBar().valueChanged.connect(self._on_scroll_changed)
        document.designReplaced.connect(self._on_document_design_replaced)
        document.modelEvent.connect(self._on_document_model_event)
        self.rubberBandChanged.connect(self._on_view_rubber_band_changed)
        self._banding = False

    # public API ------------------------------------------------------------------------------
    def node_item(self, node_id: str):
        return self.scene().node_item(node_id)

    def edge_item(self, edge_id: str):
        return self.scene().edge_item(edge_id)

    def group_item(self, group_id: str):
        return self.scene().group_item(group_id)

    def zoom(self) -> float:
        """The current scale (1.0: one scene unit per pixel)."""
        return self.transform().m11()

    def zoom_by(self, factor: float) -> None:
        """Zoom by ``factor`` (kept between 8% and 400%).

        Examples
        --------
        >>> view.zoom_by(1.25)  # doctest: +SKIP
        """
        if not factor or not math.isfinite(factor) or factor <= 0:
            return
        cur = self.zoom()
        target = min(max(cur * factor, MIN_ZOOM), MAX_ZOOM)
        if target != cur:
            self.scale(target / cur, target / cur)
            self._place_minimap()

    def fit_to_view(self, min_zoom: float | None = None) -> None:
        """Show the whole graph (never magnified beyond 100%).

        With ``min_zoom``, a graph that would only fit smaller than that (a tall network in a
        small window) is shown at ``min_zoom`` from its top instead, so that a newcomer can
        read the first layers; the minimap then shows the rest.

        Examples
        --------
        >>> view.fit_to_view(min_zoom=0.8)  # doctest: +SKIP
        """
        self.scene().flush()
        rect = self.scene().content_rect()
        if rect.isNull():
            return
        self.fitInView(rect.adjusted(-40, -40, 40, 40), Qt.AspectRatioMode.KeepAspectRatio)
        if self.zoom() > 1.0:
            self.zoom_by(1.0 / self.zoom())
        elif self.zoom() < MIN_ZOOM:
            self.zoom_by(MIN_ZOOM / self.zoom())
        if min_zoom is not None and self.zoom() < min_zoom:
            self.zoom_by(min_zoom / self.zoom())
            seen = self.mapToScene(self.viewport().rect()).boundingRect()
            super().centerOn(QPointF(rect.center().x(), rect.top() - 30 + seen.height() / 2))
        else:
            super().centerOn(rect.center())
        self._place_minimap()

    def auto_layout(self) -> bool:
        """Arrange the nodes top to bottom in layers: one undoable move command."""
        positions = layered_layout(self.document.design)
        if not positions:
            return False
        return bool(self.document.move_nodes(positions))

    def select_ids(self, ids: list[str]) -> None:
        """Select these nodes/groups/edges (through the Document, so every panel follows)."""
        self.document.set_selection(list(ids))

    def set_snap(self, on: bool) -> None:
        """Snap dragged and dropped cards to the 10-unit grid."""
        self.scene().snap = bool(on)

    @property
    def snap(self) -> bool:
        return self.scene().snap

    def set_minimap_visible(self, on: bool) -> None:
        """Show the overview when the graph is larger than the view (``on``), or never."""
        self.minimap_enabled = bool(on)
        self._place_minimap()

    def delete_selection(self) -> bool:
        """Delete the selected nodes, edges and groups (one command)."""
        ids = self.scene().selected_ids()
        return bool(ids) and self.document.remove_items(ids)

    def nudge_selection(self, dx: float, dy: float) -> bool:
        """Move the selected cards (and the members of selected groups) by ``dx``, ``dy``:
        one command per key press."""
        scene, d = self.scene(), self.document.design
        ids = set()
        for item_id in scene.selected_ids():
            if item_id in d.nodes:
                ids.add(item_id)
            elif item_id in d.groups:
                ids.update(scene._leaves(item_id))
        if not ids:
            return False
        moved = {n: (d.nodes[n].position[0] + dx, d.nodes[n].position[1] + dy) for n in ids}
        return bool(self.document.move_nodes(moved))

    def center_on(self, item_id: str) -> None:
        """Scroll so that a node or group is in the middle (Problems panel activation)."""
        item = self.node_item(item_id) or self.group_item(item_id)
        if item is not None:
            super().centerOn(item.sceneBoundingRect().center())
            self._place_minimap()

    def centerOn(self, *args) -> None:  # noqa: N802 - Qt name; also takes an item id
        if len(args) == 1 and isinstance(args[0], str):
            self.center_on(args[0])
            return
        super().centerOn(*args)
        self._place_minimap()

    def export_image(self, path) -> Path:
        """Render the whole graph to ``path``: ``.png`` (2× resolution) or ``.svg``.

        Examples
        --------
        >>> view.export_image("graph.svg")  # doctest: +SKIP
        PosixPath('graph.svg')
        """
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".png", ".svg"):
            raise ValueError(f"cannot export the graph as {path.name!r}: use a .png or .svg "
                             "file name")
        scene = self.scene()
        scene.flush()
        source = scene.content_rect()
        if source.isNull():
            source = QRectF(0, 0, 200, 100)
        source = source.adjusted(-24, -24, 24, 24)
        selected = scene.selectedItems()
        scene._syncing = True  # a passing change: the Document's selection stays
        for item in selected:  # the picture shows the graph, not the current selection
            item.setSelected(False)
        # cached cards would land in the file as bitmaps: draw them as vectors and text
        cached = [i for i in scene.nodes.values()
                  if i.cacheMode() != i.CacheMode.NoCache]
        for item in cached:
            item.setCacheMode(item.CacheMode.NoCache)
        try:
            if suffix == ".svg":
                self._export_svg(path, source)
            else:
                self._export_png(path, source)
        finally:
            for item in cached:
                item.setCacheMode(item.CacheMode.DeviceCoordinateCache)
            for item in selected:
                item.setSelected(True)
            scene._syncing = False
        return path

    def _export_png(self, path: Path, source: QRectF) -> None:
        k = 2.0
        image = QImage(QSize(max(1, int(source.width() * k)), max(1, int(source.height() * k))),
                       QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(style.BACKGROUND)
        painter = QPainter(image)
        painter.setRenderHints(QPainter.RenderHint.Antialiasing
                               | QPainter.RenderHint.TextAntialiasing)
        self.scene().render(painter, QRectF(image.rect()), source)
        painter.end()
        if not image.save(str(path)):
            raise OSError(f"could not write the image {path}: check the folder exists and "
                          "is writable")

    def _export_svg(self, path: Path, source: QRectF) -> None:
        from PySide6.QtSvg import QSvgGenerator

        gen = QSvgGenerator()
        gen.setFileName(str(path))
        gen.setSize(QSize(int(source.width()), int(source.height())))
        gen.setViewBox(QRectF(0, 0, source.width(), source.height()))
        gen.setTitle("NetLab Studio design")
        painter = QPainter()
        if not painter.begin(gen):
            raise OSError(f"could not write the image {path}: check the folder exists and "
                          "is writable")
        painter.fillRect(QRectF(0, 0, source.width(), source.height()), style.BACKGROUND)
        self.scene().render(painter, QRectF(0, 0, source.width(), source.height()), source)
        painter.end()

    def model_banner(self) -> str:
        """What wraps the whole model ('' when nothing): shown in the canvas's corner."""
        d = self.document.design
        parts = []
        if d.dataparallel:
            parts.append("DataParallel(model): keys start with module.")
        if d.root_sequential:
            parts.append("model is an nn.Sequential: keys 0.*, 1.*, ...")
        return "   ·   ".join(parts)

    # painting --------------------------------------------------------------------------------
    def drawForeground(self, painter, rect: QRectF) -> None:
        text = self.model_banner()
        if not text:
            return
        painter.save()
        painter.resetTransform()  # viewport pixels: the banner stays put while panning
        f = style.font(8.5, bold=True)
        painter.setFont(f)
        w = QFontMetricsF(f).horizontalAdvance(text) + 24
        box = QRectF(12, 12, w, 24)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(style.GROUP_DP, 1.2))
        painter.setBrush(style.CARD)
        painter.drawRoundedRect(box, 12, 12)
        painter.setPen(style.GROUP_DP)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def drawBackground(self, painter, rect: QRectF) -> None:
        painter.fillRect(rect, style.BACKGROUND)
        z = self.zoom()
        for step, color in ((20.0, style.GRID_MINOR), (100.0, style.GRID_MAJOR)):
            if step * z < 7:  # too dense to read: leave it out
                continue
            pen = QPen(color, 0)
            pen.setCosmetic(True)
            painter.setPen(pen)
            x = math.floor(rect.left() / step) * step
            lines = []
            while x <= rect.right():
                lines.append((QPointF(x, rect.top()), QPointF(x, rect.bottom())))
                x += step
            y = math.floor(rect.top() / step) * step
            while y <= rect.bottom():
                lines.append((QPointF(rect.left(), y), QPointF(rect.right(), y)))
                y += step
            for a, b in lines:
                painter.drawLine(a, b)

    # events ----------------------------------------------------------------------------------
    def wheelEvent(self, event) -> None:
        delta = event.angleDelta().y() or event.angleDelta().x()
        if delta:
            self.zoom_by(1.0015 ** delta)
        event.accept()

    def viewportEvent(self, event) -> bool:
        if event.type() == QEvent.Type.Gesture:
            pinch = event.gesture(Qt.GestureType.PinchGesture)
            if pinch is not None:
                self.zoom_by(pinch.scaleFactor())
                event.accept()
                return True
        if event.type() == QEvent.Type.NativeGesture and \
                event.gestureType() == Qt.NativeGestureType.ZoomNativeGesture:
            self.zoom_by(1.0 + event.value())
            return True
        return super().viewportEvent(event)

    def keyPressEvent(self, event) -> None:
        key, mods = event.key(), event.modifiers()
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        if ctrl and key in (Qt.Key.Key_Equal, Qt.Key.Key_Plus):
            self.zoom_by(1.25)
        elif ctrl and key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            self.zoom_by(0.8)
        elif ctrl and key == Qt.Key.Key_0:
            self.zoom_by(1.0 / self.zoom())
        elif key == Qt.Key.Key_F and not mods:
            self.fit_to_view()
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and not mods:
            self.delete_selection()
        elif key in _NUDGE and not ctrl and self.scene().selectedItems():
            step = 50.0 if mods & Qt.KeyboardModifier.ShiftModifier else GRID
            self.nudge_selection(_NUDGE[key][0] * step, _NUDGE[key][1] * step)
        elif key == Qt.Key.Key_Escape:
            self.scene().interactions.cancel()
            self.scene().clearSelection()
        elif key == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().unsetCursor()
            event.accept()
            return
        super().keyReleaseEvent(event)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.MiddleButton or (
                self._space and event.button() == Qt.MouseButton.LeftButton):
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._pan_from is not None:
            d = event.position() - self._pan_from
            self._pan_from = event.position()
            self.pan_by(-d.x(), -d.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._pan_from is not None:
            self._pan_from = None
            if self._space:
                self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            else:
                self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def pan_by(self, dx: float, dy: float) -> None:
        """Scroll by ``dx``, ``dy`` pixels."""
        h, v = self.horizontalScrollBar(), self.verticalScrollBar()
        h.setValue(h.value() + int(round(dx)))
        v.setValue(v.value() + int(round(dy)))

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasFormat(LAYER_MIME):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasFormat(LAYER_MIME):
            self.scene().interactions.drag_layer_over(self.mapToScene(event.position().toPoint()))
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragLeaveEvent(self, event) -> None:
        self.scene().interactions.highlight_edge(None)
        event.accept()

    def dropEvent(self, event) -> None:
        mime = event.mimeData()
        if not mime.hasFormat(LAYER_MIME):
            event.ignore()
            return
        type_name = bytes(mime.data(LAYER_MIME).data()).decode("utf-8").strip() or \
            mime.text().strip()
        self.scene().interactions.drop_layer(type_name,
                                             self.mapToScene(event.position().toPoint()))
        event.acceptProposedAction()
        self.setFocus()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place_minimap()

    def _place_minimap(self) -> None:
        mm = self.minimap
        vp = self.viewport().rect()
        mm.move(vp.right() - mm.width() - 12, vp.bottom() - mm.height() - 12)
        content = self.scene().content_rect()
        seen = self.mapToScene(vp).boundingRect()
        large = not content.isNull() and not seen.contains(content)
        mm.setVisible(self.minimap_enabled and large)
        mm.update()

    def _on_scene_changed(self, regions) -> None:
        if self.minimap.isVisible():
            self.minimap.update()

    def _on_scroll_changed(self, value: int) -> None:
        self._place_minimap()

    def _on_view_rubber_band_changed(self, rect, from_scene, to_scene) -> None:
        if not rect.isNull():
            self._banding = True
        elif self._banding:
            # a band over cards selects them and the edges between them, not every edge that
            # grazes the band (those would be deleted along with a Del)
            self._banding = False
            scene = self.scene()
            chosen = {i.node_id for i in scene.selectedItems() if hasattr(i, "inputs")}
            for item in scene.selectedItems():
                if hasattr(item, "edge_id") and not {item.src, item.dst} <= chosen:
                    item.setSelected(False)

    def _on_document_model_event(self, event: str, payload: dict) -> None:
        if event in ("dataparallel_changed", "root_sequential_changed"):
            self.viewport().update()

    def _on_document_design_replaced(self) -> None:
        self.viewport().update()
        self._place_minimap()
