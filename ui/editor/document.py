"""The Studio's document: the live design, its undo stack, selection and debounced inference.

Every view (canvas, inspector, summary, problems) reads :attr:`Document.design` and follows the
Document's signals; none of them changes the model. They report intent by calling the edit
methods here, each of which pushes one undo command, or emits :attr:`Document.message` and
pushes nothing when the model refuses the edit. Nothing here raises on a user's mistake.
"""

from __future__ import annotations

import copy
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from netlab.design.catalogue import CATALOGUE
from netlab.design.costs import CostReport, costs
from netlab.design.graph import INPUT, OUTPUT, SPECIAL, Design, DesignError
from netlab.design.infer import Inference
from netlab.design.io import DesignFileError, load_design, save_design, to_dict
from netlab.design.live import LiveInference
from ui.editor import clipboard, commands, structure
from ui.editor.files import example_path
from ui.editor.structure import default_params

_STEP = 90.0  # vertical distance between a node and the one added after it


class Document(QObject):
    """The design being edited, with undo, selection, live inference and its file.

    Examples
    --------
    >>> doc = Document(debounce_ms=0)
    >>> x = doc.add_node("Input", params={"shape": [4]})
    >>> fc = doc.add_node("Linear", after=x)
    >>> doc.undo_stack.count(), doc.design.inputs_of(fc)[0].src == x
    (2, True)
    """

    modelEvent = Signal(str, dict)  # every Design event but "restored": (event, payload)
    designReplaced = Signal()  # New/Open/undo of a structural edit: views rebuild fully
    inferred = Signal(object, object, object)  # (Inference, changed node ids, changed edge ids)
    selectionChanged = Signal(list)  # selected item ids
    modifiedChanged = Signal(bool)
    pathChanged = Signal(object)  # Path | None
    message = Signal(str)  # a refused edit or an error to show
    collapsedChanged = Signal(str, bool)  # (group id, collapsed): view state, not undoable

    def __init__(self, design: Design | None = None, path=None, parent: QObject | None = None,
                 debounce_ms: int = 200):
        super().__init__(parent)
        self.design = design if design is not None else Design()
        self.path: Path | None = Path(path) if path is not None else None
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_undo_stack_clean_changed)
        self.selection: list[str] = []
        self.collapsed: set[str] = set()  # ids of collapsed groups (view state)
        # imported tensors, (node id, entry index) -> array (ui.studio.weights.WeightStore);
        # emptied by New/Open
        self.weights: dict = {}
        self._quiet = False  # True while a restore refreshes: it announces everything itself
        self._last_clip, self._pastes = None, 0  # repeated pastes of one clip step aside
        self._live = LiveInference(self.design, auto=False)
        self._live.subscribe(self._on_live_event)
        self.design.subscribe(self._on_design_event)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(int(debounce_ms))
        self._timer.timeout.connect(self.refresh_now)

    # state -------------------------------------------------------------------------------
    @property
    def modified(self) -> bool:
        return not self.undo_stack.isClean()

    @property
    def display_name(self) -> str:
        """The file's name for titles and prompts ('Untitled' before the first save)."""
        return self.path.name if self.path is not None else "Untitled"

    @property
    def inference(self) -> Inference:
        """The latest inference (may lag the model by the debounce; see :meth:`refresh_now`)."""
        return self._live.result

    def refresh_now(self) -> None:
        """Run a pending re-inference now (emits :attr:`inferred` if anything shown changed)."""
        self._timer.stop()
        if self._live.dirty:
            self._live.refresh()

    def costs(self, batch_size: int = 1, optimizer: str = "sgd") -> CostReport:
        """Parameter counts, MACs and memory per node and in total (current inference)."""
        self.refresh_now()
        return costs(self.design, batch_size, optimizer, inference=self.inference)

    def set_selection(self, ids: list[str]) -> None:
        """Select nodes and groups (edge ids are kept too, for the canvas); unknown ids are
        dropped. Emits :attr:`selectionChanged` when the selection changes."""
        d = self.design
        ids = [i for i in dict.fromkeys(ids) if i in d.nodes or i in d.groups or i in d.edges]
        if ids != self.selection:
            self.selection = ids
            self.selectionChanged.emit(list(ids))

    def close(self) -> None:
        """Stop following the design (it may outlive this Document, e.g. in a script)."""
        self._timer.stop()
        self.design.unsubscribe(self._on_design_event)
        self._live.close()

    def restore_snapshot(self, data: dict) -> None:
        """Replace the model by a ``to_dict`` snapshot in place (undo commands use it)."""
        self.design.restore(data)

    # event plumbing ----------------------------------------------------------------------
    def _on_design_event(self, event: str, **payload) -> None:
        if event == "restored":
            self._on_design_restored()
            return
        self.modelEvent.emit(event, payload)
        if event in ("node_removed", "edge_removed", "ungrouped"):
            self.set_selection(self.selection)
            self.collapsed &= set(self.design.groups)
        if event != "moved":  # positions never change shapes
            self._timer.start()

    def _on_design_restored(self) -> None:
        self._timer.stop()
        self._quiet = True
        try:
            self._live.refresh()
        finally:
            self._quiet = False
        self.collapsed &= set(self.design.groups)
        self.set_selection(self.selection)
        self.designReplaced.emit()
        inf = self._live.result
        self.inferred.emit(inf, set(inf.nodes), set(inf.edges))

    def _on_live_event(self, event: str, inference=None, nodes=(), edges=()) -> None:
        if not self._quiet:
            self.inferred.emit(inference, set(nodes), set(edges))

    def _on_undo_stack_clean_changed(self, clean: bool) -> None:
        self.modifiedChanged.emit(not clean)

    def _snapshot(self) -> dict:
        return copy.deepcopy(to_dict(self.design))

    def _refuse(self, text: str):
        self.message.emit(text)
        return None

    def _structural(self, command_cls, text: str, edit):
        """Run ``edit()`` on the model and push one snapshot command; a DesignError rolls
        back whatever part of the edit was done and becomes a message."""
        before = self._snapshot()
        try:
            result = edit()
        except DesignError as e:
            if self._snapshot() != before:
                self.design.restore(before)
            return self._refuse(str(e))
        after = self._snapshot()
        if after != before:
            self.undo_stack.push(command_cls(self, text, before, after))
        return result

    # edits -------------------------------------------------------------------------------
    def add_node(self, type: str, position: tuple | None = None, params: dict | None = None,
                 name: str | None = None, *, after: str | None = None,
                 splice_edge: str | None = None) -> str | None:
        """Add a node of ``type`` (a catalogue layer or Input/Output/Add/Concat/Multiply/
        Reshape/Permute); ``after``: connect it after that node, taking over its outgoing
        edges; ``splice_edge``: insert it into that edge. Returns the new node id (selected).
        ``position`` defaults to below ``after``, the middle of the edge, or the origin."""
        d = self.design
        if type not in CATALOGUE and type not in SPECIAL:
            return self._refuse(f"unknown layer type {type!r}: pick one from the palette")
        if after is not None and after not in d.nodes:
            return self._refuse(f"cannot add {type} after {after!r}: there is no such node")
        if splice_edge is not None and splice_edge not in d.edges:
            return self._refuse(f"cannot insert {type} into {splice_edge!r}: no such edge")
        if after is not None and splice_edge is not None:
            return self._refuse("add a node either after a node or into an edge, not both")
        if type == INPUT and (after is not None or splice_edge is not None):
            return self._refuse("an Input starts the network and takes no connections: add "
                                "it on its own")
        if position is None:
            position = self._place(after, splice_edge)
        params = default_params(type) if params is None else copy.deepcopy(dict(params))
        position = (float(position[0]), float(position[1]))

        def edit():
            node = d.add_node(type, name, params, position)
            if after is not None:
                # an Output only taps the node; anything else takes over its outgoing edges
                outs = [] if type == OUTPUT else d.outputs_of(after)
                for e in outs:
                    d.disconnect(e.id)
                d.connect(after, node.id)
                for e in outs:
                    d.connect(node.id, e.dst, e.dst_port)
            elif splice_edge is not None:
                e = d.edges[splice_edge]
                d.disconnect(e.id)
                d.connect(e.src, node.id)
                d.connect(node.id, e.dst, e.dst_port)
            return node.id

        nid = self._structural(commands.AddNodeCommand, f"Add {type}", edit)
        if nid is not None:
            self.set_selection([nid])
        return nid

    def _place(self, after: str | None, splice_edge: str | None) -> tuple:
        d = self.design
        if after is not None:
            x, y = d.nodes[after].position
            return (x, y + _STEP)
        if splice_edge is not None:
            e = d.edges[splice_edge]
            (x0, y0), (x1, y1) = d.nodes[e.src].position, d.nodes[e.dst].position
            return ((x0 + x1) / 2, (y0 + y1) / 2)
        return (0.0, 0.0)

    def remove_items(self, ids: list[str]) -> bool:
        """Remove nodes (with their edges) and edges, and dissolve groups (their members
        stay), as one command. Groups left empty go too."""
        return self._remove(ids, commands.RemoveItemsCommand, None)

    def _remove(self, ids: list[str], command_cls, text: str | None) -> bool:
        d = self.design
        ids = [i for i in dict.fromkeys(ids) if i in d.nodes or i in d.groups or i in d.edges]
        if not ids:
            return bool(self._refuse("nothing to delete: select nodes, edges or groups"))

        def edit():
            for i in ids:
                if i in d.edges:
                    d.disconnect(i)
            for i in ids:
                if i in d.groups:
                    d.ungroup(i)
            for i in ids:
                if i in d.nodes:
                    d.remove_node(i)
            structure.drop_empty_groups(d)
            return True

        n = len(ids)
        label = text or ("Delete " + (structure.label(d, ids[0]) if n == 1 else f"{n} items"))
        return bool(self._structural(command_cls, label, edit))

    def connect(self, src: str, dst: str, port: int | None = None) -> str | None:
        """Connect ``src``'s output to input ``port`` of ``dst`` (the next free one by
        default). Returns the edge id, or None (and a message) when refused."""
        why = self.can_check_connect(src, dst, port)
        if why is not None:
            return self._refuse(why)
        d = self.design
        return self._structural(commands.ConnectCommand,
                                f"Connect {d.nodes[src].name} to {d.nodes[dst].name}",
                                lambda: d.connect(src, dst, port).id)

    def disconnect(self, edge_id: str) -> bool:
        """Remove the edge ``edge_id``."""
        d = self.design
        if edge_id not in d.edges:
            return bool(self._refuse(f"cannot disconnect {edge_id!r}: there is no such edge"))
        e = d.edges[edge_id]
        text = f"Disconnect {d.nodes[e.src].name} from {d.nodes[e.dst].name}"
        return bool(self._structural(commands.DisconnectCommand, text,
                                     lambda: d.disconnect(edge_id) or True))

    def can_check_connect(self, src: str, dst: str, port: int | None = None) -> str | None:
        """None if ``src -> dst`` (at ``port``) may be connected, else why not (for port
        highlighting while a connection is dragged)."""
        d = self.design
        if src not in d.nodes or dst not in d.nodes:
            return "both ends of a connection must be nodes of the design"
        target = d.nodes[dst]
        n_in = target.n_inputs()
        if n_in == 0:
            return f"{target.name} is an input and takes no connections"
        if src == dst or d._reaches(dst, src):
            return (f"connecting {d.nodes[src].name} to {target.name} would create a cycle; "
                    "a network's data flows one way")
        used = {e.dst_port for e in d.inputs_of(dst)}
        if port is None:
            port = next(p for p in range(len(used) + 1) if p not in used)
        if n_in is not None and port >= n_in:
            return (f"{target.name} takes one input; disconnect the current one first, or "
                    "merge the two with Add or Concat")
        if port in used:
            return f"input {port} of {target.name} is already connected"
        return None

    def move_nodes(self, positions: dict[str, tuple]) -> bool:
        """Move nodes to new positions as one command (a whole drag)."""
        d = self.design
        unknown = [n for n in positions if n not in d.nodes]
        if unknown:
            return bool(self._refuse(f"cannot move {unknown[0]!r}: there is no such node"))
        new = {n: (float(p[0]), float(p[1])) for n, p in positions.items()
               if (float(p[0]), float(p[1])) != tuple(d.nodes[n].position)}
        if not new:
            return False
        old = {n: tuple(d.nodes[n].position) for n in new}
        for n, p in new.items():
            d.move(n, p)
        self.undo_stack.push(commands.MoveNodesCommand(self, old, new))
        return True

    def set_param(self, node_id: str, name: str, value) -> bool:
        """Set a parameter of a node; consecutive edits of the same parameter merge into one
        undo step. A bad value is kept and marked by inference, never raised."""
        d = self.design
        if node_id not in d.nodes:
            return bool(self._refuse(f"cannot set {name}: there is no node {node_id!r}"))
        old = d.nodes[node_id].params.get(name, commands.MISSING)
        if type(old) is type(value) and old == value:
            return True
        missing = old is commands.MISSING
        before = self._snapshot() if missing else None
        old = old if missing else copy.deepcopy(old)
        value = copy.deepcopy(value)
        d.set_param(node_id, name, value)
        self.undo_stack.push(commands.SetParamCommand(
            self, node_id, name, old, copy.deepcopy(value), before))
        return True

    def rename(self, item_id: str, name: str) -> bool:
        """Rename a node or group (its state_dict prefix)."""
        d = self.design
        if item_id not in d.nodes and item_id not in d.groups:
            return bool(self._refuse(f"cannot rename {item_id!r}: there is no such item"))
        old = d._name(item_id)
        if old == name:
            return True
        before = self._snapshot()
        try:
            d.rename(item_id, name)
        except DesignError as e:
            return bool(self._refuse(str(e)))
        self.undo_stack.push(commands.RenameCommand(self, item_id, old, name, before,
                                                    self._snapshot()))
        return True

    def group(self, ids: list[str], name: str | None = None,
              kind: str = "sequential") -> str | None:
        """Group nodes/groups (ordered by data flow) as a Sequential, or wrap one item in
        DataParallel (``kind='dataparallel'``). Returns the group id (selected)."""
        d = self.design
        ids = [i for i in dict.fromkeys(ids) if i in d.nodes or i in d.groups]
        if not ids:
            return self._refuse("select the nodes to group first")
        ids = structure.by_data_flow(d, ids)
        if name is None:
            name = structure.group_name(d, ids, kind)
        label = "Wrap in DataParallel" if kind == "dataparallel" else "Group as Sequential"
        gid = self._structural(commands.GroupCommand, label,
                               lambda: d.group(ids, name, kind).id)
        if gid is not None:
            self.set_selection([gid])
        return gid

    def ungroup(self, group_id: str) -> bool:
        """Dissolve a group; its members take its place."""
        d = self.design
        if group_id not in d.groups:
            return bool(self._refuse(f"cannot ungroup {group_id!r}: it is not a group"))
        text = f"Ungroup {d.groups[group_id].name}"
        return bool(self._structural(commands.UngroupCommand, text,
                                     lambda: d.ungroup(group_id) or True))

    def set_dataparallel(self, on: bool) -> bool:
        """Wrap the whole model in DataParallel (keys gain ``module.``) or unwrap it."""
        on = bool(on)
        if on == self.design.dataparallel:
            return True
        self.design.set_dataparallel(on)
        self.undo_stack.push(commands.SetDataParallelCommand(self, on))
        return True

    def set_root_sequential(self, on: bool) -> bool:
        """Make the model one nn.Sequential (keys ``0.weight``) or a named module again."""
        on = bool(on)
        if on == self.design.root_sequential:
            return True
        try:
            self.design.set_root_sequential(on)
        except DesignError as e:
            return bool(self._refuse(str(e)))
        self.undo_stack.push(commands.SetRootSequentialCommand(self, on))
        return True

    def set_group_collapsed(self, group_id: str, collapsed: bool) -> None:
        """Collapse or expand a group's box (view state: not undoable, not saved)."""
        if group_id not in self.design.groups:
            return
        was = group_id in self.collapsed
        if bool(collapsed) != was:
            (self.collapsed.add if collapsed else self.collapsed.discard)(group_id)
            self.collapsedChanged.emit(group_id, bool(collapsed))

    # clipboard ---------------------------------------------------------------------------
    def copy(self, ids: list[str]) -> dict:
        """The selected nodes with their internal edges and groups, as a clipboard dict."""
        return clipboard.copy_items(self.design, ids)

    def cut(self, ids: list[str]) -> dict:
        """Copy, then delete the items (one undo step)."""
        clip = self.copy(ids)
        if clip["nodes"]:
            self._remove(ids, commands.CutCommand, "Cut")
        return clip

    def paste(self, clip: dict, offset: tuple = (30, 30)) -> list[str]:
        """Add a copy of ``clip`` shifted by ``offset``, with new unique names; returns the
        new top-level ids (selected). Pasting the same clip again shifts each copy one more
        ``offset``, so that copies never hide each other."""
        self._pastes = self._pastes + 1 if clip == self._last_clip else 1
        self._last_clip = copy.deepcopy(clip)
        k = self._pastes
        return self._paste(clip, (offset[0] * k, offset[1] * k), "Paste")

    def duplicate(self, ids: list[str]) -> list[str]:
        """Paste a copy of the items next to them."""
        return self._paste(self.copy(ids), (30, 30), "Duplicate")

    def _paste(self, clip: dict, offset: tuple, text: str) -> list[str]:
        new = self._structural(commands.PasteCommand, text,
                               lambda: clipboard.paste_items(self.design, clip, offset))
        if new:
            self.set_selection(new)
        return new or []

    # files -------------------------------------------------------------------------------
    def new(self, template: str | None = None) -> bool:
        """Start a blank design, or one from an example (``'lenet'``, ...): no file, clean."""
        if template is None:
            return self._replace(Design(), None)
        path = example_path(template)
        if path is None:
            return bool(self._refuse(f"there is no example design {template!r}"))
        try:
            design = load_design(path)
        except DesignFileError as e:
            return bool(self._refuse(str(e)))
        return self._replace(design, None)

    def open(self, path) -> bool:
        """Open a design file; a bad file becomes a message and changes nothing."""
        try:
            design = load_design(path)
        except (DesignFileError, OSError) as e:
            return bool(self._refuse(f"could not open the design: {e}"))
        return self._replace(design, Path(path))

    def save(self, path=None) -> bool:
        """Save atomically to ``path`` (or the current file); the document becomes clean."""
        target = Path(path) if path is not None else self.path
        if target is None:
            return bool(self._refuse("this design has no file yet: use Save As"))
        try:
            save_design(self.design, target)
        except OSError as e:
            return bool(self._refuse(f"could not save to {target}: {e.strerror or e}"))
        except (TypeError, ValueError) as e:  # a parameter value JSON cannot hold
            return bool(self._refuse(f"could not save to {target}: a parameter value cannot "
                                     f"be written to a design file ({e}); set it again"))
        self.undo_stack.setClean()
        self._set_path(target)
        return True

    def load_recovered(self, design: Design, path=None) -> None:
        """Take over a recovered design: modified (it was never saved), old file kept."""
        self._replace(design, Path(path) if path is not None else None)
        self.undo_stack.resetClean()  # nothing matches what is on disk: modified

    def _replace(self, design: Design, path: Path | None) -> bool:
        self.undo_stack.clear()
        self.collapsed.clear()
        self.weights = {}
        self.set_selection([])
        self.design.restore(to_dict(design))
        self.undo_stack.setClean()
        self._set_path(path)
        return True

    def _set_path(self, path: Path | None) -> None:
        if path != self.path:
            self.path = path
            self.pathChanged.emit(path)


__all__ = ["Document", "default_params"]
