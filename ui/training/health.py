"""Gradient health on the canvas: a coloured badge on each node whose layer the last
statistics report judged, and node clicks routed to the gradient view.

The session trains a compiled snapshot; ``runStarted`` tells which design node each layer
(state_dict prefix, e.g. ``stage1.0``) came from. Badges are cleared when a new run starts
and when the design is replaced (New, Open, undo of a structural edit): node ids may then
name other nodes, so the rest of that run paints nothing.
"""

from __future__ import annotations

import functools
import logging

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor

__all__ = ["HealthPainter", "HEALTH_COLORS", "HEALTH_LABELS", "health_color", "quiet_slot"]

log = logging.getLogger(__name__)

HEALTH_COLORS = {
    "healthy": "#2E9E5B",
    "vanishing": "#2F6FD6",
    "exploding": "#D64545",
    "dead": "#7F8691",
    "nonfinite": "#8E44AD",
}
HEALTH_LABELS = {"healthy": "healthy", "vanishing": "vanishing", "exploding": "exploding",
                 "dead": "dead units", "nonfinite": "NaN/Inf"}
# when two layers land on one node, the worse verdict shows
_RANK = {"nonfinite": 0, "exploding": 1, "dead": 2, "vanishing": 3, "healthy": 4}


def health_color(health: str) -> QColor:
    """The colour of a health verdict (grey for one this view does not know).

    Examples
    --------
    >>> health_color("exploding").name()
    '#d64545'
    """
    return QColor(HEALTH_COLORS.get(health, "#9AA0A6"))


def quiet_slot(method):
    """Decorate a slot fed by the worker's reports: a malformed report is logged, never
    raised into Qt's event loop (the next report repaints).

    Examples
    --------
    >>> class View:
    ...     @quiet_slot
    ...     def _on_session_stats_updated(self, report):
    ...         return report["step"]
    >>> View()._on_session_stats_updated({})  # logged, returns None
    """

    @functools.wraps(method)
    def run(self, *args):
        try:
            return method(self, *args)
        except Exception:  # noqa: BLE001 - a slot must not raise into the event loop
            log.exception("gradient health: %s failed", method.__name__)
    return run


class HealthPainter(QObject):
    """Colours the canvas's nodes by their layer's gradient health during training.

    Parameters
    ----------
    session : the :class:`ui.training.session.TrainingSession` (its ``runStarted`` and
        ``statsUpdated`` signals).
    canvas_view : the :class:`ui.canvas.view.CanvasView` showing ``document``.
    document : the :class:`ui.editor.document.Document` being trained.
    gradients : optional; a view with ``select_layer(name)`` (the GradientsWidget) that
        follows node clicks. :attr:`layerClicked` is emitted either way.

    Examples
    --------
    >>> painter = HealthPainter(session, window.canvas, window.document,  # doctest: +SKIP
    ...                         gradients=gradients_widget)
    >>> painter.painted  # doctest: +SKIP
    {'n2': 'healthy', 'n4': 'dead'}
    """

    layerClicked = Signal(str)  # a node of the trained design was selected: its layer

    def __init__(self, session, canvas_view, document, gradients=None, parent=None):
        super().__init__(parent if parent is not None else canvas_view)
        self.session, self.view, self.document = session, canvas_view, document
        self.gradients = gradients
        self.node_of_layer: dict[str, str] = {}
        self.painted: dict[str, str] = {}  # node id -> health shown
        self.active = False  # False after the design was replaced during the run
        self.run_id = None
        session.runStarted.connect(self._on_session_run_started)
        session.statsUpdated.connect(self._on_session_stats_updated)
        document.designReplaced.connect(self._on_document_design_replaced)
        document.selectionChanged.connect(self._on_document_selection_changed)

    # public API ------------------------------------------------------------------------------
    def clear(self) -> None:
        """Remove every badge this painter set."""
        for nid in self.painted:
            item = self.view.node_item(nid)
            if item is not None:
                item.set_badge(None)
        self.painted.clear()

    def layer_of_node(self, node_id: str) -> str | None:
        """The layer (state_dict prefix) trained from ``node_id`` in the current run."""
        for layer, nid in self.node_of_layer.items():
            if nid == node_id:
                return layer
        return None

    def paint(self, health: dict[str, str]) -> None:
        """Show ``{layer: verdict}`` (a report's ``health``) on the nodes of those layers."""
        verdicts: dict[str, str] = {}
        for layer, verdict in health.items():
            nid = self.node_of_layer.get(layer)
            if nid is None:
                continue
            old = verdicts.get(nid)
            if old is None or _RANK.get(verdict, 5) < _RANK.get(old, 5):
                verdicts[nid] = verdict
        for nid, verdict in verdicts.items():
            if self.painted.get(nid) == verdict:
                continue  # unchanged: spare the card a repaint
            item = self.view.node_item(nid)
            if item is None:
                continue
            item.set_badge(HEALTH_LABELS.get(verdict, verdict), health_color(verdict))
            self.painted[nid] = verdict

    # slots -----------------------------------------------------------------------------------
    @quiet_slot
    def _on_session_run_started(self, info: dict) -> None:
        self.clear()
        self.run_id = info.get("run_id")
        self.node_of_layer = dict(info.get("node_of_layer") or {})
        self.active = True

    @quiet_slot
    def _on_session_stats_updated(self, report: dict) -> None:
        if not self.active or report.get("run_id", self.run_id) != self.run_id:
            return
        self.paint(report.get("health") or {})

    @quiet_slot
    def _on_document_design_replaced(self) -> None:
        self.clear()
        self.active = False

    @quiet_slot
    def _on_document_selection_changed(self, ids: list) -> None:
        if not self.active:
            return
        for item_id in ids:
            layer = self.layer_of_node(item_id)
            if layer is not None:
                self.layerClicked.emit(layer)
                if self.gradients is not None:
                    self.gradients.select_layer(layer)
                return
