"""The design document: layer nodes, edges between their ports, groups, and change events.

No Qt here: the Studio renders and edits this model; scripts and tests use it directly. The
only view state kept is each node's position.
"""

from __future__ import annotations

import itertools
import keyword
from collections import deque
from dataclasses import dataclass, field

# node types that are not layers of the catalogue
INPUT, OUTPUT = "Input", "Output"
MERGES = ("Add", "Concat", "Multiply")
SHAPE_OPS = ("Reshape", "Permute")
SPECIAL = (INPUT, OUTPUT) + MERGES + SHAPE_OPS


class DesignError(ValueError):
    """An edit the model refuses (the message says why and what to do)."""


@dataclass
class Node:
    id: str
    type: str
    name: str
    params: dict = field(default_factory=dict)
    position: tuple = (0.0, 0.0)

    def n_inputs(self) -> int | None:
        """How many input ports: None means any number (merges), 0 for inputs."""
        if self.type == INPUT:
            return 0
        if self.type in MERGES:
            return None
        return 1


@dataclass
class Edge:
    id: str
    src: str
    dst: str
    dst_port: int = 0


@dataclass
class Group:
    """``nn.Sequential`` (kind 'sequential') or a ``DataParallel`` wrap (kind 'dataparallel')
    around its members, in order (node or group ids).

    A reference group (``refs``) registers modules that already have their place a second
    time, as ``self.stage1 = nn.Sequential(self.conv1, self.bn1)`` does: its members stay
    where they are (it is nobody's parent) and their tensors appear under both names."""

    id: str
    kind: str
    name: str
    members: list = field(default_factory=list)
    indexed: bool = True  # Sequential children named 0, 1, 2 ...; False: by their own names
    refs: bool = False  # members are references to modules placed elsewhere (shared)


class Design:
    """A network design: nodes, edges, groups, plus plain-callback change events.

    Examples
    --------
    >>> d = Design()
    >>> x = d.add_node("Input", params={"shape": [3]})
    >>> fc = d.add_node("Linear", params={"out_features": 2})
    >>> _ = d.connect(x.id, fc.id)
    >>> fc.name
    'linear'
    """

    def __init__(self):
        self.nodes: dict[str, Node] = {}
        self.edges: dict[str, Edge] = {}
        self.groups: dict[str, Group] = {}
        self.dataparallel: bool = False  # the whole model wrapped in DataParallel
        # the model itself an nn.Sequential: top-level modules named 0, 1, 2, ... (one path)
        self.root_sequential: bool = False
        self._listeners: list = []
        self._ids = itertools.count(1)

    # events ----------------------------------------------------------------------------
    def subscribe(self, callback) -> None:
        """``callback(event, **payload)`` after every real change."""
        self._listeners.append(callback)

    def unsubscribe(self, callback) -> None:
        self._listeners.remove(callback)

    def _emit(self, event: str, **payload) -> None:
        for cb in list(self._listeners):
            cb(event, **payload)

    def _new_id(self, prefix: str) -> str:
        while True:
            nid = f"{prefix}{next(self._ids)}"
            if nid not in self.nodes and nid not in self.edges and nid not in self.groups:
                return nid

    # structure queries ---------------------------------------------------------------------
    def parent_of(self, item_id: str) -> Group | None:
        """The group that holds the item (reference groups hold nobody); None: top level."""
        for g in self.groups.values():
            if not g.refs and item_id in g.members:
                return g
        return None

    def siblings(self, item_id: str | None, parent: Group | None) -> list[str]:
        """Names used by the other children of ``parent`` (the top level when None)."""
        members = parent.members if parent is not None else [
            i for i in list(self.nodes) + list(self.groups) if self.parent_of(i) is None]
        names = []
        for m in members:
            if m == item_id:
                continue
            names.append(self.nodes[m].name if m in self.nodes else self.groups[m].name)
        return names

    def inputs_of(self, node_id: str) -> list[Edge]:
        return sorted((e for e in self.edges.values() if e.dst == node_id),
                      key=lambda e: e.dst_port)

    def outputs_of(self, node_id: str) -> list[Edge]:
        return [e for e in self.edges.values() if e.src == node_id]

    def topological_order(self) -> list[str]:
        """Node ids, every node after all of its inputs (the graph is kept acyclic)."""
        indeg = {n: 0 for n in self.nodes}
        outputs: dict = {n: [] for n in self.nodes}  # one pass over the edges: O(nodes + edges)
        for e in self.edges.values():
            indeg[e.dst] += 1
            outputs[e.src].append(e.dst)
        ready = deque(n for n in self.nodes if indeg[n] == 0)
        order = []
        while ready:
            n = ready.popleft()
            order.append(n)
            for dst in outputs[n]:
                indeg[dst] -= 1
                if indeg[dst] == 0:
                    ready.append(dst)
        return order

    def _reaches(self, src: str, dst: str) -> bool:
        stack, seen = [src], set()
        while stack:
            n = stack.pop()
            if n == dst:
                return True
            if n in seen:
                continue
            seen.add(n)
            stack.extend(e.dst for e in self.outputs_of(n))
        return False

    # edits -------------------------------------------------------------------------------
    def _unique_name(self, base: str, parent: Group | None, item_id: str | None = None) -> str:
        taken = set(self.siblings(item_id, parent))
        if base not in taken:
            return base
        for i in itertools.count(1):
            if f"{base}{i}" not in taken:
                return f"{base}{i}"
        raise AssertionError("unreachable")

    def add_node(self, type: str, name: str | None = None, params: dict | None = None,
                 position: tuple = (0.0, 0.0)) -> Node:
        """Add a node of a catalogue layer type or a special type (Input, Output, Add, ...)."""
        if name is not None:
            _check_identifier(name)
        nid = self._new_id("n")
        base = name or _default_name(type)
        node = Node(nid, type, self._unique_name(base, None), dict(params or {}),
                    tuple(position))
        if name is not None and node.name != name:
            raise DesignError(f"the name '{name}' is already used at this level")
        self.nodes[nid] = node
        self._emit("node_added", node=node)
        return node

    def _get(self, item_id: str, kinds=("node", "group")):
        if "node" in kinds and item_id in self.nodes:
            return self.nodes[item_id]
        if "group" in kinds and item_id in self.groups:
            return self.groups[item_id]
        raise DesignError(f"there is no {' or '.join(kinds)} {item_id!r} in this design")

    def remove_node(self, node_id: str) -> None:
        """Remove a node with its edges (and from its group)."""
        node = self._get(node_id, ("node",))
        for e in list(self.edges.values()):
            if node_id in (e.src, e.dst):
                self.disconnect(e.id)
        for g in self.groups.values():  # its place and every reference to it
            while node_id in g.members:
                g.members.remove(node_id)
        del self.nodes[node_id]
        self._emit("node_removed", node=node)

    def connect(self, src: str, dst: str, dst_port: int | None = None) -> Edge:
        """Connect ``src``'s output to an input port of ``dst`` (the next free one by default)."""
        if src not in self.nodes or dst not in self.nodes:
            raise DesignError("both ends of a connection must be nodes of the design")
        n_in = self.nodes[dst].n_inputs()
        if n_in == 0:
            raise DesignError(f"{self.nodes[dst].name} is an input and takes no connections")
        if src == dst or self._reaches(dst, src):
            raise DesignError(f"connecting {self.nodes[src].name} to {self.nodes[dst].name} "
                              "would create a cycle; a network's data flows one way")
        used = {e.dst_port for e in self.inputs_of(dst)}
        if dst_port is None:
            dst_port = next(p for p in itertools.count() if p not in used)
        if n_in is not None and dst_port >= n_in:
            raise DesignError(f"{self.nodes[dst].name} takes one input; disconnect the current "
                              "one first, or merge the two with Add or Concat")
        if dst_port in used:
            raise DesignError(f"input {dst_port} of {self.nodes[dst].name} is already connected")
        edge = Edge(self._new_id("e"), src, dst, dst_port)
        self.edges[edge.id] = edge
        self._emit("edge_added", edge=edge)
        return edge

    def disconnect(self, edge_id: str) -> None:
        edge = self.edges.pop(edge_id)
        self._emit("edge_removed", edge=edge)

    def set_param(self, node_id: str, name: str, value) -> None:
        node = self._get(node_id, ("node",))
        old = node.params.get(name, _MISSING)
        if type(old) is type(value) and old == value:  # True, 1 and 1.0 are different edits
            return
        node.params[name] = value
        self._emit("param_changed", node=node, name=name, value=value)

    def rename(self, item_id: str, new_name: str) -> None:
        """Rename a node or group; the name becomes its state_dict prefix."""
        _check_identifier(new_name)
        item = self._get(item_id)
        if item.name == new_name:
            return
        if new_name in self.siblings(item_id, self.parent_of(item_id)):
            raise DesignError(f"the name '{new_name}' is already used at this level")
        old, item.name = item.name, new_name
        self._emit("renamed", item=item, old=old)

    def move(self, node_id: str, position: tuple) -> None:
        node = self._get(node_id, ("node",))
        if tuple(position) != node.position:
            node.position = tuple(position)
            self._emit("moved", node=node)

    def group(self, member_ids: list, name: str, kind: str = "sequential",
              indexed: bool = True) -> Group:
        """Put nodes/groups into a new Sequential (children numbered 0, 1, ... in the given
        order, or named by their own names when not ``indexed``) or DataParallel group; it
        takes the place of the members in their parent."""
        self._check_members(member_ids, kind)
        for m in member_ids:
            if self.groups.get(m) is not None and self.groups[m].refs:
                raise DesignError(f"{self._name(m)} reuses modules placed elsewhere and stays "
                                  "at the top level; group the modules it refers to instead")
        _check_identifier(name)
        parents = {id(self.parent_of(m)) for m in member_ids}
        if len(parents) != 1:
            raise DesignError("grouped items must share the same parent")
        parent = self.parent_of(member_ids[0])
        gid = self._new_id("g")
        grp = Group(gid, kind, name, list(member_ids), indexed)
        if name in self.siblings(None, parent) and name not in [
                self._name(m) for m in member_ids]:
            raise DesignError(f"the name '{name}' is already used at this level")
        if parent is not None:
            at = min(parent.members.index(m) for m in member_ids)
            parent.members = [m for m in parent.members if m not in member_ids]
            parent.members.insert(at, gid)
        self.groups[gid] = grp
        self._emit("grouped", group=grp)
        return grp

    def _check_members(self, member_ids: list, kind: str) -> None:
        if kind not in ("sequential", "dataparallel"):
            raise DesignError(f"unknown group kind {kind!r}")
        if not member_ids:
            raise DesignError("select at least one node to group")
        for m in member_ids:
            self._get(m)
        if len(set(member_ids)) != len(member_ids):
            raise DesignError("an item can be in a group only once")
        if kind == "dataparallel" and len(member_ids) != 1:
            raise DesignError("DataParallel wraps one node or group; group them as a "
                              "Sequential first")

    def reference_group(self, member_ids: list, name: str, kind: str = "sequential",
                        indexed: bool = True) -> Group:
        """Register existing nodes/groups a second time, under a new top-level name, without
        moving them: ``self.stage1 = nn.Sequential(self.conv1, self.bn1)`` (kind 'sequential')
        or ``self.stage2 = nn.DataParallel(self.stage1)`` (kind 'dataparallel'). The modules
        are shared: their state_dict entries appear under both names, their parameters count
        once.

        Examples
        --------
        >>> d = Design()
        >>> fc = d.add_node("Linear", name="fc", params={"in_features": 2, "out_features": 2})
        >>> d.reference_group([fc.id], "stage1").refs
        True
        """
        if self.root_sequential:
            raise DesignError("an nn.Sequential model runs every top-level module in turn, so "
                              "it cannot hold a second name for one: turn off 'model as "
                              "nn.Sequential' first")
        self._check_members(member_ids, kind)
        _check_identifier(name)
        if name in self.siblings(None, None):
            raise DesignError(f"the name '{name}' is already used at this level")
        grp = Group(self._new_id("g"), kind, name, list(member_ids), indexed, refs=True)
        self.groups[grp.id] = grp
        self._emit("grouped", group=grp)
        return grp

    def ungroup(self, group_id: str) -> None:
        """Dissolve a group: its members take its place (a reference group just goes, its
        members being elsewhere); references to it then refer to its members. A member whose
        name is taken at its new level is renamed (``relu`` -> ``relu1``)."""
        self._get(group_id, ("group",))
        parent = self.parent_of(group_id)
        grp = self.groups.pop(group_id)
        if parent is not None:
            at = parent.members.index(group_id)
            parent.members[at:at + 1] = [] if grp.refs else grp.members
        for g in self.groups.values():
            if g.refs and group_id in g.members:
                at = g.members.index(group_id)
                keep = g.kind == "sequential" or len(grp.members) == 1
                g.members[at:at + 1] = [m for m in grp.members if m not in g.members] \
                    if keep else []
        self._emit("ungrouped", group=grp)
        if not grp.refs:  # members now share their new level: names there must stay unique
            for m in grp.members:
                if self._name(m) in self.siblings(m, parent):
                    self.rename(m, self._unique_name(self._name(m), parent, m))

    def restore(self, data: dict) -> None:
        """Replace the whole design, in place, by ``data`` (a :func:`netlab.design.io.to_dict`
        snapshot): subscribers stay, and get one ``restored`` event. Undo uses it.

        Examples
        --------
        >>> from netlab.design.io import to_dict
        >>> d = Design()
        >>> before = to_dict(d)
        >>> _ = d.add_node("ReLU")
        >>> d.restore(before)
        >>> len(d.nodes)
        0
        """
        from netlab.design.io import from_dict

        fresh = from_dict(data, "<snapshot>")
        for attr in ("nodes", "edges", "groups", "dataparallel", "root_sequential", "_ids"):
            setattr(self, attr, getattr(fresh, attr))
        self._emit("restored")

    def set_root_sequential(self, on: bool) -> None:
        """Make the whole model an ``nn.Sequential`` (keys ``0.weight``, ``1.bias``, as
        ``torch.nn.Sequential(torch.nn.Linear(3, 1), ...)``) or a named module again. Only a
        single path fits in a Sequential: inference marks merges and branches otherwise."""
        if on and any(g.refs for g in self.groups.values()):
            raise DesignError("an nn.Sequential model runs every top-level module in turn, so "
                              "it cannot hold a reference group: remove those first")
        if bool(on) != self.root_sequential:
            self.root_sequential = bool(on)
            self._emit("root_sequential_changed", on=self.root_sequential)

    def set_dataparallel(self, on: bool) -> None:
        """Wrap (or unwrap) the whole model in DataParallel: every key gains ``module.``."""
        if bool(on) != self.dataparallel:
            self.dataparallel = bool(on)
            self._emit("dataparallel_changed", on=self.dataparallel)

    def _name(self, item_id: str) -> str:
        return self.nodes[item_id].name if item_id in self.nodes else self.groups[item_id].name


_MISSING = object()


def _check_identifier(name: str) -> None:
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise DesignError(f"'{name}' is not a valid Python identifier (letters, digits and _, "
                          "not starting with a digit)")


def _default_name(type_name: str) -> str:
    """The attribute name a new node starts with: the type in lower case (``conv2d``)."""
    name = type_name.lower()
    return name if name.isidentifier() and not keyword.iskeyword(name) else f"{name}_"
