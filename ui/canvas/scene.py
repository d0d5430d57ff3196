"""The canvas scene: one item per node, edge and group of the Document's design, kept in step
with the model's events (only the items an edit touches are updated)."""

from __future__ import annotations

import functools
import logging

from PySide6.QtCore import QPointF, QRectF, QTimer
from PySide6.QtWidgets import QGraphicsScene

from netlab.design.infer import format_shape
from ui.canvas.edge_item import EdgeItem
from ui.canvas.group_item import GroupItem
from ui.canvas.interactions import CanvasInteractions
from ui.canvas.layout import NODE_H, NODE_W
from ui.canvas.node_item import NodeItem

SCENE_MARGIN = 1500.0  # room to pan past the graph's edges

log = logging.getLogger(__name__)


def _guarded(slot):
    """Nothing raises out of a Qt slot: a failed incremental update is logged, told to the
    user through the Document's message, and repaired by rebuilding the scene."""

    @functools.wraps(slot)
    def run(self, *args):
        try:
            return slot(self, *args)
        except Exception as e:  # noqa: BLE001 - a slot must not raise into Qt
            log.exception("canvas update failed")
            self.document.message.emit(f"the canvas could not update ({e}); redrawn")
            if slot.__name__ != "rebuild":
                try:
                    self.rebuild()
                except Exception:  # noqa: BLE001 - already reported
                    log.exception("canvas rebuild failed")
    return run


class CanvasScene(QGraphicsScene):
    """The graphics scene of a :class:`ui.editor.Document`.

    It follows ``document.modelEvent`` (fine-grained: one item per event),
    ``designReplaced`` (a full rebuild), ``inferred`` (labels of the changed nodes and edges
    only), ``selectionChanged`` and ``collapsedChanged``; user intent (a finished drag, a
    connection, a drop) goes back through the Document as undoable edits.

    Examples
    --------
    >>> doc = Document(load_design("resources/examples/lenet.json"))  # doctest: +SKIP
    >>> scene = CanvasScene(doc)  # doctest: +SKIP
    >>> len(scene.nodes), scene.node_item("n2").name
    (14, 'conv1')
    """

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.nodes: dict[str, NodeItem] = {}
        self.edges: dict[str, EdgeItem] = {}
        self.groups: dict[str, GroupItem] = {}
        self.snap = False
        self.interactions = CanvasInteractions(self)
        self._edges_of: dict[str, set] = {}  # node id -> ids of its edges
        self._parents: dict[str, list] = {}  # item id -> groups holding it (inner first)
        self._hidden_in: dict[str, str] = {}  # item id -> the collapsed group that hides it
        self._dragged: set = set()
        self._applying = False  # True while the model moves items (not a user drag)
        self._syncing = False  # True while a selection is mirrored (no echo)
        self._reroute_timer = QTimer(self)
        self._reroute_timer.setSingleShot(True)
        self._reroute_timer.setInterval(0)
        self._reroute_timer.timeout.connect(self._settle)
        document.modelEvent.connect(self._on_document_model_event)
        document.designReplaced.connect(self.rebuild)
        document.inferred.connect(self._on_document_inferred)
        document.selectionChanged.connect(self._on_document_selection_changed)
        document.collapsedChanged.connect(self._on_document_collapsed_changed)
        self.selectionChanged.connect(self._on_scene_selection_changed)
        self.rebuild()

    # lookups ---------------------------------------------------------------------------------
    def node_item(self, node_id: str) -> NodeItem | None:
        return self.nodes.get(node_id)

    def edge_item(self, edge_id: str) -> EdgeItem | None:
        return self.edges.get(edge_id)

    def group_item(self, group_id: str) -> GroupItem | None:
        return self.groups.get(group_id)

    def content_rect(self) -> QRectF:
        """The bounding rect of everything visible (cards, frames, edges)."""
        rect = QRectF()
        for item in list(self.nodes.values()) + list(self.groups.values()) + \
                list(self.edges.values()):
            if item.isVisible():
                rect = rect.united(item.sceneBoundingRect())
        return rect

    # building --------------------------------------------------------------------------------
    @_guarded
    def rebuild(self) -> None:
        """Drop every item and build the scene from the design again."""
        self.interactions.cancel()
        self._syncing = True
        try:
            for item in list(self.nodes.values()) + list(self.edges.values()) + \
                    list(self.groups.values()):
                self.removeItem(item)
            self.nodes, self.edges, self.groups, self._edges_of = {}, {}, {}, {}
            d, inf = self.document.design, self.document.inference
            self._applying = True
            for node in d.nodes.values():
                self._add_node_item(node, inf.nodes.get(node.id))
            for edge in d.edges.values():
                self._add_edge_item(edge, route=False)
            for group in d.groups.values():
                self.groups[group.id] = item = GroupItem(group)
                self.addItem(item)
            self._applying = False
            for nid in self.nodes:
                self._update_ports(nid)
            for eid in self.edges:
                self._edge_info(eid, inf)
            self._refresh_groups()
        finally:
            self._applying = False
            self._syncing = False
        self._on_document_selection_changed(self.document.selection)
        self._grow_scene_rect(reset=True)

    def _add_node_item(self, node, info=None) -> NodeItem:
        item = NodeItem(node, info)
        self.nodes[node.id] = item
        self._edges_of.setdefault(node.id, set())
        self.addItem(item)
        return item

    def _add_edge_item(self, edge, route: bool = True) -> EdgeItem:
        item = EdgeItem(edge)
        self.edges[edge.id] = item
        self._edges_of.setdefault(edge.src, set()).add(edge.id)
        self._edges_of.setdefault(edge.dst, set()).add(edge.id)
        self.addItem(item)
        if route:
            self.route_edge(edge.id)
        return item

    def _update_ports(self, node_id: str) -> None:
        item, node = self.nodes.get(node_id), self.document.design.nodes.get(node_id)
        if item is None or node is None:
            return
        n_in = node.n_inputs()
        if n_in is None:  # a merge: its connected inputs and one free port
            used = [e.dst_port for e in self.document.design.inputs_of(node_id)]
            n_in = max(used, default=-1) + 2
        item.set_input_count(n_in)

    # routing ---------------------------------------------------------------------------------
    def _endpoint(self, item_id: str):
        """The visible item standing for a node: itself, or the collapsed group hiding it."""
        gid = self._hidden_in.get(item_id)
        return self.groups[gid] if gid is not None else self.nodes.get(item_id)

    def route_edge(self, edge_id: str, obstacles: list | None = None) -> None:
        item = self.edges.get(edge_id)
        edge = self.document.design.edges.get(edge_id)
        if item is None or edge is None:
            return
        src, dst = self._endpoint(edge.src), self._endpoint(edge.dst)
        if src is None or dst is None or src is dst:
            item.setVisible(False)
            return
        item.setVisible(True)
        if isinstance(src, NodeItem):
            p1 = src.output.scenePos() if src.output is not None else \
                src.scenePos() + QPointF(NODE_W / 2, NODE_H)
        else:
            p1 = src.out_port.scenePos()
        if isinstance(dst, NodeItem):
            port = dst.input_port(edge.dst_port)
            p2 = port.scenePos() if port is not None else dst.scenePos() + QPointF(NODE_W / 2, 0)
        else:
            p2 = dst.in_port.scenePos()
        if obstacles is None:
            obstacles = self._obstacles()
        # cards level with the edge (the router picks the ones in its way)
        top, bottom = min(p1.y(), p2.y()) - 40, max(p1.y(), p2.y()) + 40
        near = [QRectF(r[0], r[1], r[2] - r[0], r[3] - r[1]) for r in obstacles
                if r[1] < bottom and r[3] > top and r[4] is not src and r[4] is not dst]
        item.set_route(p1, p2, near)

    def _update_label_modes(self, node_id: str) -> None:
        """A fan-out shows its one shape once, under the source port."""
        outs = sorted((eid for eid in self._edges_of.get(node_id, ())
                       if eid in self.edges and self.edges[eid].src == node_id),
                      key=lambda e: (self.edges[e].dst_port, e))
        visible = [e for e in outs if self.edges[e].isVisible()]
        for eid in outs:
            mode = "own" if len(visible) < 2 else ("source" if eid == visible[0] else "none")
            self.edges[eid].set_label_mode(mode)

    def _obstacles(self) -> list:
        out, hidden = [], self._hidden_in
        for nid, item in self.nodes.items():
            if nid not in hidden:
                p = item.pos()
                out.append((p.x(), p.y(), p.x() + NODE_W, p.y() + NODE_H, item))
        for gid, item in self.groups.items():
            if item.collapsed and gid not in hidden:
                r = item.scene_rect()
                out.append((r.left(), r.top(), r.right(), r.bottom(), item))
        return out

    def route_all(self) -> None:
        obstacles = self._obstacles()
        for eid in self.edges:
            self.route_edge(eid, obstacles)
        for nid in self.nodes:
            self._update_label_modes(nid)

    def _schedule_reroute(self) -> None:
        """Re-route every edge, refit the frames and grow the scene once the current burst of
        model events is over (a 200-node auto layout is 200 'moved' events)."""
        self._reroute_timer.start()

    def flush(self) -> None:
        """Run a pending re-route now (before exporting or measuring the scene)."""
        if self._reroute_timer.isActive():
            self._reroute_timer.stop()
            self._settle()

    @_guarded
    def _settle(self) -> None:
        if self._parents:
            self._fit_group_frames()
        self.route_all()
        self._grow_scene_rect()

    def _grow_scene_rect(self, reset: bool = False) -> None:
        rect = self.content_rect()
        if rect.isNull():
            rect = QRectF(0, 0, NODE_W, NODE_H)
        rect = rect.adjusted(-SCENE_MARGIN, -SCENE_MARGIN, SCENE_MARGIN, SCENE_MARGIN)
        self.setSceneRect(rect if reset else self.sceneRect().united(rect))

    # groups ----------------------------------------------------------------------------------
    def _refresh_groups(self) -> None:
        """Parents, visibility, frames and summaries of every group (there are few)."""
        d = self.document.design
        collapsed = self.document.collapsed
        self._parents = {}
        for g in d.groups.values():
            if not g.refs:
                for m in g.members:
                    self._parents.setdefault(m, []).append(g.id)
        self._hidden_in = {}
        for item_id in list(d.nodes) + list(d.groups):
            hider, cur, seen = None, item_id, set()
            while cur in self._parents and cur not in seen:
                seen.add(cur)
                cur = self._parents[cur][0]
                if cur in collapsed:
                    hider = cur  # the outermost collapsed ancestor wins
            if hider is not None:
                self._hidden_in[item_id] = hider
        for nid, item in self.nodes.items():
            item.setVisible(nid not in self._hidden_in)
        for gid, item in self.groups.items():
            item.set_model(d.groups[gid])
            item.set_collapsed(gid in collapsed)
            item.setVisible(gid not in self._hidden_in)
            item.setZValue(1.0 if item.collapsed else -10.0 + self._depth(gid))
        self._fit_group_frames()
        self._update_group_summaries(self.document.inference)
        self.route_all()

    def _depth(self, item_id: str) -> int:
        depth, seen = 0, set()
        while item_id in self._parents and item_id not in seen:
            seen.add(item_id)
            item_id = self._parents[item_id][0]
            depth += 1
        return depth

    def _leaves(self, group_id: str, seen=None) -> list:
        d, seen = self.document.design, seen if seen is not None else set()
        if group_id in seen:
            return []
        seen.add(group_id)
        out = []
        for m in d.groups[group_id].members:
            if m in d.nodes:
                out.append(m)
            elif m in d.groups:
                out.extend(self._leaves(m, seen))
        return out

    def _fit_group_frames(self) -> None:
        d, done = self.document.design, {}

        def rect_of(item_id, stack=()):
            if item_id in self.nodes:
                return self.nodes[item_id].card_rect()
            if item_id in done:
                return done[item_id]
            if item_id not in self.groups or item_id in stack:
                return QRectF()
            r = QRectF()
            for m in d.groups[item_id].members:
                r = r.united(rect_of(m, stack + (item_id,)))
            item = self.groups[item_id]
            if not r.isNull():
                item.set_frame(r)
            done[item_id] = item.scene_rect()
            return done[item_id]

        for gid in self.groups:
            rect_of(gid)

    def _update_group_summaries(self, inf) -> None:
        d = self.document.design
        for gid, item in self.groups.items():
            leaves = set(self._leaves(gid))
            infos = [inf.nodes.get(n) for n in leaves]
            n_params = sum(i.n_params for i in infos if i is not None)
            error = any(i is not None and i.error for i in infos)
            ins, outs = [], []
            for e in d.edges.values():
                if (e.dst in leaves) != (e.src in leaves):
                    text = format_shape(inf.edges.get(e.id))
                    (ins if e.dst in leaves else outs).append(text)
            item.set_summary(n_params, len(leaves), list(dict.fromkeys(ins)),
                             list(dict.fromkeys(outs)), error)

    def request_collapse(self, group_id: str, collapsed: bool) -> None:
        """The user toggled a group's tab: the Document keeps the view state."""
        self.document.set_group_collapsed(group_id, collapsed)

    def move_group_members(self, group_id: str, delta: QPointF) -> None:
        """Drag a group by its tab: every member card moves (one command on release)."""
        for nid in self._leaves(group_id):
            item = self.nodes.get(nid)
            if item is not None:
                item.setPos(item.pos() + delta)
        self._fit_group_frames()
        self.route_all()

    # model -> items --------------------------------------------------------------------------
    @_guarded
    def _on_document_model_event(self, event: str, payload: dict) -> None:
        handler = getattr(self, f"_model_{event}", None)
        if handler is not None:
            handler(**payload)

    def _model_node_added(self, node) -> None:
        self._add_node_item(node, self.document.inference.nodes.get(node.id))
        self._update_ports(node.id)
        self._schedule_reroute()

    def _model_node_removed(self, node) -> None:
        item = self.nodes.pop(node.id, None)
        self._edges_of.pop(node.id, None)
        if item is not None:
            self.removeItem(item)
        if self.groups:
            self._refresh_groups()
        self._schedule_reroute()

    def _model_edge_added(self, edge) -> None:
        self._add_edge_item(edge, route=False)
        self._update_ports(edge.dst)
        for eid in self._edges_of.get(edge.dst, ()):
            self.route_edge(eid)
        self._update_label_modes(edge.src)
        self._edge_info(edge.id, self.document.inference)

    def _model_edge_removed(self, edge) -> None:
        item = self.edges.pop(edge.id, None)
        if item is not None:
            self.removeItem(item)
        for nid in (edge.src, edge.dst):
            self._edges_of.get(nid, set()).discard(edge.id)
        self._update_ports(edge.dst)
        for eid in self._edges_of.get(edge.dst, ()):
            self.route_edge(eid)
        self._update_label_modes(edge.src)

    def _model_param_changed(self, node, name=None, value=None) -> None:
        item = self.nodes.get(node.id)
        if item is not None:
            item.set_model(node)

    def _model_renamed(self, item, old=None) -> None:
        if item.id in self.nodes:
            self.nodes[item.id].set_model(item)
        elif item.id in self.groups:
            self.groups[item.id].set_model(item)
            self.groups[item.id].prepareGeometryChange()

    def _model_moved(self, node) -> None:
        item = self.nodes.get(node.id)
        if item is None:
            return
        if (item.x(), item.y()) != tuple(node.position):
            self._applying = True
            try:
                item.setPos(QPointF(*node.position))
            finally:
                self._applying = False
            self._schedule_reroute()

    def _model_grouped(self, group) -> None:
        self.groups[group.id] = item = GroupItem(group)
        self.addItem(item)
        self._refresh_groups()

    def _model_ungrouped(self, group) -> None:
        item = self.groups.pop(group.id, None)
        if item is not None:
            self.removeItem(item)
        self._refresh_groups()

    @_guarded
    def _on_document_collapsed_changed(self, group_id: str, collapsed: bool) -> None:
        self._refresh_groups()

    @_guarded
    def _on_document_inferred(self, inf, nodes, edges) -> None:
        touched = set(edges)
        for nid in nodes:
            item = self.nodes.get(nid)
            if item is not None:
                item.set_info(inf.nodes.get(nid))
                touched.update(self._edges_of.get(nid, ()))
        obstacles = self._obstacles() if touched else []
        for eid in touched:
            self._edge_info(eid, inf)
            self.route_edge(eid, obstacles)  # a longer label needs a wider lane
        if self.groups and (nodes or edges):
            self._update_group_summaries(inf)

    def _edge_info(self, edge_id: str, inf) -> None:
        item, edge = self.edges.get(edge_id), self.document.design.edges.get(edge_id)
        if item is None or edge is None:
            return
        # an edge is red when the node it feeds rejects it (the source's own error shows on
        # the source, so its other edges stay calm)
        dst = inf.nodes.get(edge.dst)
        error = dst.error if dst is not None and dst.error else None
        item.set_info(format_shape(inf.edges.get(edge_id)), error)

    # items -> document -----------------------------------------------------------------------
    def on_node_item_moved(self, item: NodeItem) -> None:
        """A card moved: follow with its edges and group frames; remember a user drag."""
        if self._applying:  # the model moved it: the edges follow once the burst is over
            return
        self._dragged.add(item.node_id)
        obstacles = self._obstacles()
        for eid in self._edges_of.get(item.node_id, ()):
            self.route_edge(eid, obstacles)
        if item.node_id in self._parents:
            self._fit_group_frames()

    def commit_moves(self) -> bool:
        """Push one move command for the cards dragged since the last commit."""
        moved = {n: (self.nodes[n].x(), self.nodes[n].y()) for n in self._dragged
                 if n in self.nodes}
        self._dragged.clear()
        if not moved:
            return False
        ok = self.document.move_nodes(moved)
        self._schedule_reroute()
        return bool(ok)

    def mouseReleaseEvent(self, event) -> None:
        super().mouseReleaseEvent(event)
        self.commit_moves()

    def selected_ids(self) -> list[str]:
        out = []
        for item in self.selectedItems():
            if isinstance(item, NodeItem):
                out.append(item.node_id)
            elif isinstance(item, GroupItem):
                out.append(item.group_id)
            elif isinstance(item, EdgeItem):
                out.append(item.edge_id)
        return out

    @_guarded
    def _on_scene_selection_changed(self) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            self.document.set_selection(self.selected_ids())
        finally:
            self._syncing = False

    @_guarded
    def _on_document_selection_changed(self, ids: list) -> None:
        if self._syncing:
            return
        want = set(ids)
        self._syncing = True
        try:
            for table in (self.nodes, self.groups, self.edges):
                for item_id, item in table.items():
                    sel = item_id in want
                    if item.isSelected() != sel:
                        item.setSelected(sel)
        finally:
            self._syncing = False
