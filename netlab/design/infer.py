"""Live inference over a design: tensor shapes, state_dict entries, counts and errors.

Shapes are computed twice, with batch sizes 2 and 3: a dimension that follows the batch is
shown symbolically (``N``, or ``3*N`` after a Flatten over the batch), the others as numbers.
A node whose inputs are invalid gets no shape, but only the node that causes a problem
carries the error; nodes elsewhere keep their shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from netlab.design.graph import INPUT, MERGES, OUTPUT, Design

_BATCHES = (2, 3)


@dataclass(frozen=True)
class StateEntry:
    key: str  # the full state_dict key, e.g. "module.stage2.module.1.running_var"
    shape: tuple
    dtype: str
    kind: str  # "parameter" or "buffer"


@dataclass
class NodeInfo:
    shape: tuple | None = None  # symbolic output shape, e.g. ("N", 6, 28, 28)
    error: str | None = None
    entries: list = field(default_factory=list)
    params: dict = field(default_factory=dict)  # resolved ("auto" filled in)

    @property
    def n_params(self) -> int:
        return sum(_numel(e.shape) for e in self.entries if e.kind == "parameter")


@dataclass
class Inference:
    nodes: dict  # node id -> NodeInfo
    edges: dict  # edge id -> symbolic shape or None

    @property
    def errors(self) -> dict:
        return {n: i.error for n, i in self.nodes.items() if i.error}

    def state_dict_keys(self) -> list:
        return [e.key for info in self.nodes.values() for e in info.entries]


def format_shape(shape) -> str:
    """``(N, 6, 28, 28)``."""
    if shape is None:
        return "?"
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _numel(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def _symbolic(a: tuple, b: tuple) -> tuple:
    out = []
    for x, y in zip(a, b):
        if x == y:
            out.append(x)
        elif x % _BATCHES[0] == 0 and y % _BATCHES[1] == 0 and \
                x // _BATCHES[0] == y // _BATCHES[1]:
            k = x // _BATCHES[0]
            out.append("N" if k == 1 else f"{k}*N")
        else:
            out.append("?")
    return tuple(out)


def _special_shape(node, shapes: list, batch: int):
    t, p = node.type, node.params
    if t == INPUT:
        shape = p.get("shape")
        if not shape or any(not isinstance(s, int) or s <= 0 for s in shape):
            raise ValueError("Input needs a shape of positive sizes (without the batch "
                             "dimension), e.g. [3, 32, 32]")
        return (batch,) + tuple(shape)
    if t == OUTPUT:
        return shapes[0]
    if t in ("Add", "Multiply"):
        first = shapes[0]
        for s in shapes[1:]:
            if s != first:
                raise ValueError(f"{t} receives {format_shape(_batchless(first))} and "
                                 f"{format_shape(_batchless(s))}: the shapes must be equal "
                                 "(insert a layer that maps one onto the other)")
        return first
    if t == "Concat":
        dim = p.get("dim", 1)
        first = shapes[0]
        if not -len(first) <= dim < len(first):
            raise ValueError(f"Concat dim {dim} is out of range for {len(first)}-d inputs")
        d = dim % len(first)
        for s in shapes[1:]:
            if len(s) != len(first) or any(a != b for i, (a, b) in enumerate(zip(s, first))
                                            if i != d):
                raise ValueError(f"Concat along dim {dim} needs equal sizes elsewhere, got "
                                 f"{format_shape(_batchless(first))} and "
                                 f"{format_shape(_batchless(s))}")
        return first[:d] + (sum(s[d] for s in shapes),) + first[d + 1:]
    if t == "Reshape":
        target = list(p.get("shape", [-1]))
        rest = _numel(shapes[0][1:])
        known = _numel([s for s in target if s != -1])
        if target.count(-1) > 1:
            raise ValueError("Reshape: only one size can be -1")
        if target.count(-1) == 1:
            if known == 0 or rest % known:
                raise ValueError(f"Reshape to {target} cannot hold {rest} features per sample")
            target[target.index(-1)] = rest // known
        elif known != rest:
            raise ValueError(f"Reshape to {target} holds {known} features per sample, but the "
                             f"input has {rest}")
        return (batch,) + tuple(target)
    if t == "Permute":
        dims = list(p.get("dims", []))
        if sorted(dims) != list(range(len(shapes[0]))):
            raise ValueError(f"Permute dims {dims} must order all {len(shapes[0])} dims")
        return tuple(shapes[0][d] for d in dims)
    raise ValueError(f"unknown node type {t}")


def _batchless(shape):
    return ("N",) + tuple(shape[1:])


def _shapes_for(design: Design, order, batch: int):
    from netlab.design.catalogue import layer_spec

    out: dict = {}
    errors: dict = {}
    resolved: dict = {}
    for nid in order:
        node = design.nodes[nid]
        ins = design.inputs_of(nid)
        n_in = node.n_inputs()
        if n_in != 0 and not ins:
            errors[nid] = (f"{node.name} has no input: connect a node's output to it")
            continue
        shapes = [out.get(e.src) for e in ins]
        if any(s is None for s in shapes):
            continue  # an upstream problem; that node carries the error
        try:
            if node.type in (INPUT, OUTPUT) + MERGES + ("Reshape", "Permute"):
                out[nid] = _special_shape(node, shapes, batch)
            else:
                spec = layer_spec(node.type)
                params = spec.resolve_auto(node.params, shapes[0])
                resolved[nid] = params
                out[nid] = tuple(spec.output_shape(params, shapes[0]))
        except (ValueError, KeyError, TypeError, RuntimeError) as e:
            msg = e.args[0] if e.args else str(e)
            errors[nid] = f"{node.name}: {msg}"
    return out, errors, resolved


def top_level_order(design: Design) -> list:
    """Top-level items (nodes and groups) in module registration order: the order in which
    data first reaches them, so state_dict keys read like a hand-written model's."""
    order, seen = [], set()
    topo = design.topological_order()
    for nid in topo:
        item = nid
        while design.parent_of(item) is not None:
            item = design.parent_of(item).id
        if item not in seen:
            seen.add(item)
            order.append(item)
    for item in list(design.groups) + list(design.nodes):  # empty groups, if any
        if design.parent_of(item) is None and item not in seen:
            seen.add(item)
            order.append(item)
    return order


def key_prefixes(design: Design) -> dict:
    """Each node's state_dict prefix (``stage1.0.``), with Sequential indices and
    DataParallel ``module.`` at every level, in registration order."""
    prefixes = {}

    def walk(item_id: str, prefix: str, own_segment: str):
        seg = prefix + own_segment + "."
        if item_id in design.nodes:
            prefixes[item_id] = seg
            return
        grp = design.groups[item_id]
        if grp.kind == "dataparallel":
            for m in grp.members:
                walk(m, seg, "module")
            return
        for i, m in enumerate(grp.members):
            walk(m, seg, str(i) if grp.indexed else design._name(m))

    root = "module." if design.dataparallel else ""
    for item in top_level_order(design):
        walk(item, root, design._name(item))
    return prefixes


def infer(design: Design) -> Inference:
    """Shapes, state_dict entries and errors of every node and edge of ``design``."""
    from netlab.design.catalogue import layer_spec

    order = design.topological_order()
    runs = [_shapes_for(design, order, b) for b in _BATCHES]
    (s2, errors, resolved), (s3, _, _) = runs
    prefixes = key_prefixes(design)
    nodes = {}
    for nid in prefixes:  # registration order, so entries list like state_dict()
        info = NodeInfo(error=errors.get(nid))
        if nid in s2 and nid in s3:
            info.shape = _symbolic(s2[nid], s3[nid])
        node = design.nodes[nid]
        if nid in resolved:
            info.params = resolved[nid]
            try:
                entries = layer_spec(node.type).state_entries(resolved[nid])
            except (ValueError, TypeError) as e:
                info.error = info.error or f"{node.name}: {e}"
                entries = []
            info.entries = [StateEntry(prefixes[nid] + suffix, tuple(shape), dtype, kind)
                            for suffix, shape, dtype, kind in entries]
        nodes[nid] = info
    edges = {eid: nodes[e.src].shape for eid, e in design.edges.items()}
    return Inference(nodes, edges)
