"""Live inference over a design: tensor shapes, state_dict entries, counts and errors.

Shapes are computed twice, with batch sizes 2 and 3: a dimension that follows the batch is
shown symbolically (``N``, or ``3*N`` after a Flatten over the batch), the others as numbers.
A node whose inputs are invalid gets no shape, but only the node that causes a problem
carries the error; nodes elsewhere keep their shapes.

Per-node results are memoised by (type, parameters, input shapes), so a re-inference after an
edit evaluates only what the edit touched; the graph's adjacency and group parents are read
once per run (see ``benchmarks/bench_design.py``: about 1 ms for a 200-node design).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from netlab.design.graph import INPUT, OUTPUT, SPECIAL, Design

_BATCHES = (2, 3)
INPUT_DTYPES = ("float32", "float64", "float16", "int64")


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
    entries: list = field(default_factory=list)  # under every name of the node, in order
    params: dict = field(default_factory=dict)  # resolved ("auto" filled in)
    prefixes: tuple = ()  # the node's key prefixes: its own place first, then references

    @property
    def own_entries(self) -> list:
        """The entries under the node's own name only: one per tensor, however many names a
        shared module has."""
        return self.entries[:len(self.entries) // max(len(self.prefixes), 1)]

    @property
    def n_params(self) -> int:
        """Parameter elements, each shared tensor once (as ``model.parameters()``)."""
        return sum(_numel(e.shape) for e in self.own_entries if e.kind == "parameter")


@dataclass
class Inference:
    nodes: dict  # node id -> NodeInfo
    edges: dict  # edge id -> symbolic shape or None
    order: list = field(default_factory=list)  # (node id, prefix index): state_dict order

    @property
    def errors(self) -> dict:
        return {n: i.error for n, i in self.nodes.items() if i.error}

    def state_entries(self) -> list:
        """Every StateEntry in ``state_dict()`` order (a shared module's under each name)."""
        out = []
        for nid, k in self.order:
            info = self.nodes[nid]
            n = len(info.entries) // max(len(info.prefixes), 1)
            out.extend(info.entries[k * n:(k + 1) * n])
        return out

    def state_dict_keys(self) -> list:
        return [e.key for e in self.state_entries()]


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
        if not isinstance(shape, (list, tuple)) or not shape or not all(
                _is_int(s) and s > 0 for s in shape):
            raise ValueError("Input needs a shape of positive sizes (without the batch "
                             "dimension), e.g. [3, 32, 32]")
        dtype = p.get("dtype", "float32")
        if dtype not in INPUT_DTYPES:
            raise ValueError(f"Input dtype {dtype!r} is not one of {', '.join(INPUT_DTYPES)} "
                             "(int64 holds class or token indices, e.g. for Embedding)")
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
        if not _is_int(dim) or not -len(first) <= dim < len(first):
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
        target = p.get("shape", [-1])
        if not isinstance(target, (list, tuple)) or not all(
                _is_int(s) and (s > 0 or s == -1) for s in target):
            raise ValueError(f"Reshape needs a list of positive sizes per sample (one may be "
                             f"-1), e.g. [16, 5, 5]; got {target!r}")
        target = list(target)
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
        dims = p.get("dims", [])
        if not isinstance(dims, (list, tuple)) or not all(_is_int(d) for d in dims) or \
                sorted(dims) != list(range(len(shapes[0]))):
            raise ValueError(f"Permute dims {dims} must order all {len(shapes[0])} dims")
        return tuple(shapes[0][d] for d in dims)
    raise ValueError(f"unknown node type {t}")


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _batchless(shape):
    return ("N",) + tuple(shape[1:])


# the graph, read once per inference (Design's own queries scan every edge or group per call)
class _Graph:
    __slots__ = ("inputs", "order", "parent")

    def __init__(self, design: Design):
        inputs: dict = {n: [] for n in design.nodes}
        outputs: dict = {n: [] for n in design.nodes}
        for e in design.edges.values():
            if e.src in outputs and e.dst in inputs:
                inputs[e.dst].append(e)
                outputs[e.src].append(e.dst)
        for ins in inputs.values():
            if len(ins) > 1:
                ins.sort(key=lambda e: e.dst_port)
        self.inputs = inputs
        # Kahn's algorithm in Design.topological_order's order (FIFO, edges in insertion order)
        indeg = {n: len(ins) for n, ins in inputs.items()}
        ready = deque(n for n, k in indeg.items() if k == 0)
        order = []
        while ready:
            n = ready.popleft()
            order.append(n)
            for dst in outputs[n]:
                indeg[dst] -= 1
                if indeg[dst] == 0:
                    ready.append(dst)
        self.order = order
        parent: dict = {}
        for g in design.groups.values():
            if g.refs:  # a reference group is nobody's parent
                continue
            for m in g.members:
                parent.setdefault(m, g.id)  # the first group that lists it, as parent_of
        self.parent = parent

    def root(self, item: str) -> str:
        seen = {item}
        while item in self.parent:
            item = self.parent[item]
            if item in seen:  # a malformed nesting loop: stop rather than spin
                break
            seen.add(item)
        return item


# per-node results, shared across inferences and nodes: (type, params, input shapes, batch) ->
# [output shape | None, resolved params | None, error | None, state entries (filled lazily)].
# Re-inference after an edit then only evaluates the nodes whose inputs or params changed.
_MEMO: dict = {}
_MEMO_LIMIT = 16384
_SPECIAL = frozenset(SPECIAL)


def _freeze(v):
    # the type goes in the key because True == 1 == 1.0 hash alike but do not validate alike
    t = type(v)
    if t is list or t is tuple:
        return t, tuple(_freeze(x) for x in v)
    return t, v


def _params_key(params: dict):
    try:
        key = tuple([(k, _freeze(v)) for k, v in params.items()])
        hash(key)
    except TypeError:  # an unhashable value (a junk dict, say): evaluate without memo
        return None
    return key


def _message(e: Exception) -> str:
    msg = e.args[0] if e.args and isinstance(e.args[0], str) else str(e)
    if isinstance(e, (ValueError, KeyError, TypeError, RuntimeError)):
        return msg
    return f"{type(e).__name__}: {msg}"  # an unexpected failure still lands on the node


def _evaluate(node, shapes: list, batch: int) -> list:
    from netlab.design.catalogue import layer_spec

    params = None  # resolved params stay known (with their keys) when only the shape fails
    try:
        if node.type in _SPECIAL:
            return [_special_shape(node, shapes, batch), None, None, None]
        spec = layer_spec(node.type)
        params = spec.resolve_auto(node.params, shapes[0])
        return [tuple(spec.output_shape(params, shapes[0])), params, None, None]
    except Exception as e:  # noqa: BLE001 - inference reports every failure on its node
        return [None, params, _message(e), None]


def _node_result(node, pkey, shapes: list, batch: int) -> list:
    if pkey is None:
        return _evaluate(node, shapes, batch)
    key = (node.type, pkey, tuple(shapes), batch)
    try:
        hit = _MEMO.get(key)
    except TypeError:  # a junk shape value that does not hash
        return _evaluate(node, shapes, batch)
    if hit is None:
        if len(_MEMO) >= _MEMO_LIMIT:
            _MEMO.clear()
        hit = _MEMO[key] = _evaluate(node, shapes, batch)
    return hit


def _entries(node, result: list):
    """The node's state_dict entries (suffix, shape, dtype, kind), or an error string."""
    from netlab.design.catalogue import layer_spec

    if result[3] is None:
        try:
            result[3] = tuple(layer_spec(node.type).state_entries(result[1]))
        except Exception as e:  # noqa: BLE001 - reported on the node
            result[3] = _message(e)
    return result[3]


_NO_INPUT: dict = {}  # (type, params) -> entries, or None where they need the input shape


def _entries_without_input(node):
    key = _params_key(node.params)
    key = None if key is None else (node.type, key)
    if key is not None and key in _NO_INPUT:
        return _NO_INPUT[key]
    from netlab.design.catalogue import layer_spec

    try:
        out = tuple(layer_spec(node.type).state_entries(node.params))
    except Exception:  # noqa: BLE001 - 'auto' or bad params: the node's own run will tell
        out = None
    if key is not None:
        if len(_NO_INPUT) >= _MEMO_LIMIT:
            _NO_INPUT.clear()
        _NO_INPUT[key] = out
    return out


def top_level_order(design: Design) -> list:
    """Top-level items (nodes and groups) in module registration order: the order in which
    data first reaches them, so state_dict keys read like a hand-written model's."""
    return _top_level_order(design, _Graph(design))


def _top_level_order(design: Design, graph: _Graph) -> list:
    order, seen = [], set()
    for nid in graph.order:
        item = graph.root(nid)
        if item not in seen:
            seen.add(item)
            order.append(item)
    refs = [g for g in design.groups.values() if g.refs and g.id not in graph.parent]
    for item in list(design.groups) + list(design.nodes):  # empty groups, cycles, if any
        if item not in graph.parent and item not in seen and not (
                item in design.groups and design.groups[item].refs):
            seen.add(item)
            order.append(item)
    # a top-level reference group comes right after the last item it refers to (after the
    # references placed there before it), as the attribute it reuses must exist first
    while refs:
        for g in refs:
            roots = {graph.root(m) for m in g.members}
            if any(r in design.groups and design.groups[r].refs and r not in seen
                   and r != g.id for r in roots):
                continue  # it refers to a reference group not placed yet
            at = max((order.index(r) for r in roots if r in seen), default=len(order) - 1) + 1
            while at < len(order) and order[at] in design.groups and \
                    design.groups[order[at]].refs:
                at += 1
            order.insert(at, g.id)
            seen.add(g.id)
            refs.remove(g)
            break
        else:  # references in a loop (a malformed file): keep them, at the end
            order.extend(g.id for g in refs)
            break
    return order


def key_prefixes(design: Design) -> dict:
    """Each node's state_dict prefix at its own place (``stage1.0.``), with Sequential indices
    and DataParallel ``module.`` at every level, in registration order."""
    prefixes, _ = _key_prefixes(design, _Graph(design))
    return {nid: p[0] for nid, p in prefixes.items()}


def _key_prefixes(design: Design, graph: _Graph) -> tuple:
    """(node id -> its prefixes, own place first; [(node id, prefix index)] in state_dict
    order). A node has several prefixes when reference groups register it again."""
    prefixes: dict = {}
    order: list = []
    later: dict = {}  # node id -> prefixes met through a reference before its own place

    def walk(item_id: str, prefix: str, own_segment: str, depth: int, ref: bool = False):
        seg = prefix + own_segment + "."
        if item_id in design.nodes:
            if ref:
                later.setdefault(item_id, []).append(seg)
            else:
                prefixes.setdefault(item_id, []).insert(0, seg)
            order.append((item_id, seg))
            return
        grp = design.groups.get(item_id)
        if grp is None or depth > len(design.groups):  # a dangling id or a nesting loop
            return
        ref = ref or grp.refs
        if grp.kind == "dataparallel":
            for m in grp.members:
                walk(m, seg, "module", depth + 1, ref)
            return
        i = 0  # Sequential indices count only members that are modules, as compile builds it
        for m in grp.members:
            walk(m, seg, str(i) if grp.indexed else _name(design, m), depth + 1, ref)
            i += _is_module(design, m, 0)

    root = "module." if design.dataparallel else ""
    i = 0  # a Sequential root indexes its modules as a Sequential group does
    for item in _top_level_order(design, graph):
        walk(item, root, str(i) if design.root_sequential else _name(design, item), 0)
        i += _is_module(design, item, 0)
    for nid, segs in later.items():
        prefixes.setdefault(nid, [design.nodes[nid].name + "."]).extend(segs)
    order = [(nid, prefixes[nid].index(seg)) for nid, seg in order]
    return prefixes, order


def _is_module(design: Design, item_id: str, depth: int) -> bool:
    """Whether compile makes a module of the item: layers and Sequentials do; merges, inputs,
    outputs and shape ops are plain code in forward; a DataParallel wraps one module or none."""
    node = design.nodes.get(item_id)
    if node is not None:
        return node.type not in SPECIAL
    grp = design.groups.get(item_id)
    if grp is None or depth > len(design.groups):
        return False
    return grp.kind != "dataparallel" or any(_is_module(design, m, depth + 1)
                                             for m in grp.members)


def _name(design: Design, item_id: str) -> str:
    item = design.nodes.get(item_id) or design.groups.get(item_id)
    return item.name if item is not None else item_id


_SYMBOLIC: dict = {}  # (batch-2 shape, batch-3 shape) -> symbolic shape
_ENTRY_CACHE: dict = {}  # (prefix, entries) -> [StateEntry], so unchanged nodes reuse theirs


def _state_entries(prefix: str, entries: tuple) -> list:
    key = (prefix, entries)
    hit = _ENTRY_CACHE.get(key)
    if hit is None:
        if len(_ENTRY_CACHE) >= _MEMO_LIMIT:
            _ENTRY_CACHE.clear()
        hit = _ENTRY_CACHE[key] = tuple(StateEntry(prefix + suffix, tuple(shape), dtype, kind)
                                        for suffix, shape, dtype, kind in entries)
    return list(hit)


def infer(design: Design) -> Inference:
    """Shapes, state_dict entries and errors of every node and edge of ``design``.

    Never raises: every problem is reported on the node that causes it.

    Examples
    --------
    >>> d = Design()
    >>> x = d.add_node("Input", params={"shape": [3]})
    >>> fc = d.add_node("Linear", name="fc", params={"out_features": 2})
    >>> _ = d.connect(x.id, fc.id)
    >>> info = infer(d)
    >>> format_shape(info.nodes[fc.id].shape), info.state_dict_keys()
    ('(N, 2)', ['fc.weight', 'fc.bias'])
    """
    graph = _Graph(design)
    b2, b3 = _BATCHES
    s2: dict = {}
    s3: dict = {}
    results: dict = {}  # node id -> its batch-2 result
    errors: dict = {}
    for nid in graph.order:
        node = design.nodes[nid]
        ins = graph.inputs[nid]
        if not ins:
            if node.n_inputs() != 0:
                errors[nid] = f"{node.name} has no input: connect a node's output to it"
                continue
            in2 = in3 = []
        else:
            in2 = [s2.get(e.src) for e in ins]
            in3 = [s3.get(e.src) for e in ins]
        pkey = _params_key(node.params)
        if None not in in2:
            r = results[nid] = _node_result(node, pkey, in2, b2)
            if r[2] is not None:
                errors[nid] = f"{node.name}: {r[2]}"
            elif r[0] is not None:
                s2[nid] = r[0]
        if None not in in3:
            r3 = _node_result(node, pkey, in3, b3)
            if r3[0] is not None:
                s3[nid] = r3[0]
    if design.root_sequential:
        _sequential_root_errors(design, graph, errors)
    prefixes, key_order = _key_prefixes(design, graph)
    in_order = set(graph.order)
    nodes = {}
    for nid in list(prefixes) + [n for n in design.nodes if n not in prefixes]:
        node = design.nodes[nid]
        info = NodeInfo(error=errors.get(nid))
        if nid not in in_order:
            info.error = f"{node.name} is part of a cycle: remove one of its connections"
        a, b = s2.get(nid), s3.get(nid)
        if a is not None and b is not None:
            sym = _SYMBOLIC.get((a, b))
            if sym is None:
                if len(_SYMBOLIC) >= _MEMO_LIMIT:
                    _SYMBOLIC.clear()
                sym = _SYMBOLIC[(a, b)] = _symbolic(a, b)
            info.shape = sym
        r = results.get(nid)
        info.prefixes = tuple(prefixes.get(nid, (node.name + ".",)))
        if r is not None and r[1] is not None:
            info.params = dict(r[1])
            entries = _entries(node, r)
            if isinstance(entries, str):
                info.error = info.error or f"{node.name}: {entries}"
            else:
                info.entries = _named_entries(info.prefixes, entries)
        elif r is None and node.type not in _SPECIAL:
            # waiting for an upstream fix: the keys are still known if nothing is 'auto'
            entries = _entries_without_input(node)
            if entries is not None:
                info.entries = _named_entries(info.prefixes, entries)
        nodes[nid] = info
    key_order += [(nid, 0) for nid in nodes if nid not in prefixes]
    edges = {eid: nodes[e.src].shape if e.src in nodes else None
             for eid, e in design.edges.items()}
    return Inference(nodes, edges, key_order)


def sequential_root_problem(design: Design, nid: str, n_in: int, n_out: int) -> str | None:
    """Why node ``nid`` cannot sit in a model that is one ``nn.Sequential``, or None."""
    node = design.nodes[nid]
    fix = "or turn off 'model as nn.Sequential'"
    if node.type in _SPECIAL and node.type not in (INPUT, OUTPUT):
        return (f"{node.name}: {node.type} is code in forward, which an nn.Sequential model "
                f"cannot run: remove it {fix}")
    if n_in > 1 or n_out > 1:
        return (f"{node.name}: an nn.Sequential model runs one path, and this node "
                f"{'joins' if n_in > 1 else 'branches'} paths: make it one chain {fix}")
    return None


def _sequential_root_errors(design: Design, graph: _Graph, errors: dict) -> None:
    n_out: dict = {}
    for ins in graph.inputs.values():
        for e in ins:
            n_out[e.src] = n_out.get(e.src, 0) + 1
    inputs = [nid for nid in graph.order if design.nodes[nid].type == INPUT]
    for nid in graph.order:
        msg = sequential_root_problem(design, nid, len(graph.inputs[nid]), n_out.get(nid, 0))
        if msg is None and nid in inputs[1:]:
            msg = (f"{design.nodes[nid].name}: an nn.Sequential model takes one input: remove "
                   f"this one or turn off 'model as nn.Sequential'")
        if msg is not None:
            errors.setdefault(nid, msg)
    # a Sequential runs its children in registration order: groups must hold runs of the path
    path = [nid for nid in graph.order if design.nodes[nid].type not in _SPECIAL]
    registered: list = []

    def walk(item, depth):
        if item in design.nodes:
            if design.nodes[item].type not in _SPECIAL:
                registered.append(item)
        elif item in design.groups and depth <= len(design.groups):
            for m in design.groups[item].members:
                walk(m, depth + 1)

    for item in _top_level_order(design, graph):
        walk(item, 0)
    for want, got in zip(path, registered):
        if want != got:
            errors.setdefault(got, f"{design.nodes[got].name}: an nn.Sequential model runs its "
                              f"modules in the order they are registered, and this one comes "
                              f"before {design.nodes[want].name} there but after it in the "
                              f"graph: group consecutive layers, in path order")
            break


def _named_entries(prefixes: tuple, entries: tuple) -> list:
    if len(prefixes) == 1:
        return _state_entries(prefixes[0], entries)
    return [e for p in prefixes for e in _state_entries(p, entries)]
