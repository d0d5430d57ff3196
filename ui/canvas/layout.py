"""Top-to-bottom layered auto layout of a design (pure Python: no Qt, usable from scripts).

The layout is a small Sugiyama pipeline: nodes go to layers by their longest path from a
source, barycentre sweeps order each layer to reduce crossings, and x positions follow the
neighbours' mean while keeping cards apart (an isotonic fit per layer, so a chain stays a
straight column and a merge sits centred under its inputs).
"""

from __future__ import annotations

NODE_W = 200.0
"""Width of a node card in scene units (the canvas draws cards this size)."""
NODE_H = 62.0
"""Height of a node card in scene units."""
H_GAP = 40.0
V_GAP = 58.0
GRID = 10.0
GROUP_TOP = 40.0  # room a group frame takes above its first layer (tab and padding)
GROUP_BOTTOM = 20.0  # and below its last one


def layered_layout(design, node_size: tuple = (NODE_W, NODE_H), h_gap: float = H_GAP,
                   v_gap: float = V_GAP, origin: tuple | None = None,
                   sweeps: int = 4) -> dict:
    """Top-left positions for every node of ``design``, layered from the inputs down.

    Parameters
    ----------
    design : netlab.design.Design
        The graph to lay out (read only).
    node_size : (float, float)
        Card width and height; no two returned cards overlap at this size.
    h_gap, v_gap : float
        Space between cards of one layer, and between layers.
    origin : (float, float) or None
        Top-left corner of the result; by default the current top-left of the design, so an
        auto layout does not throw the graph somewhere else.
    sweeps : int
        Barycentre ordering passes (down and up) to reduce edge crossings.

    Returns
    -------
    dict
        node id -> (x, y), multiples of the 10-unit grid.

    Examples
    --------
    >>> from netlab.design import Design
    >>> d = Design()
    >>> a = d.add_node("Input", params={"shape": [3]})
    >>> b = d.add_node("Linear", params={"out_features": 2})
    >>> _ = d.connect(a.id, b.id)
    >>> pos = layered_layout(d, origin=(0, 0))
    >>> pos[a.id], pos[b.id]
    ((0.0, 0.0), (0.0, 120.0))
    """
    nodes = list(design.nodes)
    if not nodes:
        return {}
    preds: dict = {n: [] for n in nodes}
    succs: dict = {n: [] for n in nodes}
    for e in design.edges.values():
        if e.src in succs and e.dst in preds and e.src != e.dst:
            succs[e.src].append(e.dst)
            preds[e.dst].append(e.src)
    layers = _assign_layers(nodes, preds, succs)
    _order_layers(layers, preds, succs, sweeps)
    w, h = node_size
    pitch = _grid(w + h_gap, up=True)
    xs = _assign_x(layers, preds, succs, pitch)
    if origin is None:
        origin = (min(design.nodes[n].position[0] for n in nodes),
                  min(design.nodes[n].position[1] for n in nodes))
    ox, oy = _grid(origin[0]), _grid(origin[1])
    shift = min(xs.values())
    row = _grid(h + v_gap, up=True)
    tops = _layer_tops(design, layers, row)
    out = {}
    for li, layer in enumerate(layers):
        for n in layer:
            out[n] = (float(ox + xs[n] - shift), float(oy + tops[li]))
    return out


def _layer_tops(design, layers: list, row: float) -> list:
    """The y of each layer: one row apart, plus room for the frames of the groups that start
    or end there (nested frames stack, so each one adds its own)."""
    level = {n: li for li, layer in enumerate(layers) for n in layer}
    starts = [0] * len(layers)
    ends = [0] * len(layers)
    start_at: dict = {}
    end_at: dict = {}
    for gid in design.groups:
        leaves = [n for n in _leaves(design, gid, set()) if n in level]
        if not leaves:
            continue
        first = min(leaves, key=level.__getitem__)
        last = max(leaves, key=level.__getitem__)
        start_at[first] = start_at.get(first, 0) + 1
        end_at[last] = end_at.get(last, 0) + 1
    for n, k in start_at.items():
        starts[level[n]] = max(starts[level[n]], k)
    for n, k in end_at.items():
        ends[level[n]] = max(ends[level[n]], k)
    tops, y = [], 0.0
    for li in range(len(layers)):
        if li:
            y += row + _grid(ends[li - 1] * GROUP_BOTTOM + starts[li] * GROUP_TOP, up=True)
        tops.append(y)
    return tops


def _leaves(design, gid: str, seen: set) -> list:
    if gid in seen:
        return []
    seen.add(gid)
    out = []
    for m in design.groups[gid].members:
        if m in design.nodes:
            out.append(m)
        elif m in design.groups:
            out.extend(_leaves(design, m, seen))
    return out


def _grid(v: float, up: bool = False) -> float:
    q = v / GRID
    k = -int(-q // 1) if up else round(q)
    return k * GRID


def _assign_layers(nodes: list, preds: dict, succs: dict) -> list:
    # Kahn's order; a node left over by a cycle (a malformed file) goes to layer 0
    indeg = {n: len(preds[n]) for n in nodes}
    ready = [n for n in nodes if indeg[n] == 0]
    order = []
    while ready:
        n = ready.pop(0)
        order.append(n)
        for s in succs[n]:
            indeg[s] -= 1
            if indeg[s] == 0:
                ready.append(s)
    level = {}
    for n in order:
        level[n] = max((level[p] + 1 for p in preds[n] if p in level), default=0)
    for n in nodes:
        level.setdefault(n, 0)
    # pull sources down next to their first consumer (a second input enters where it is used)
    for n in reversed(order):
        if not preds[n] and succs[n]:
            level[n] = max(0, min(level[s] for s in succs[n]) - 1)
    layers: list = [[] for _ in range(max(level.values()) + 1)]
    rank = {n: i for i, n in enumerate(_dfs_order(nodes, preds, succs))}
    for n in sorted(nodes, key=rank.__getitem__):
        layers[level[n]].append(n)
    return [layer for layer in layers if layer]


def _dfs_order(nodes: list, preds: dict, succs: dict) -> list:
    # depth first from the sources keeps a chain's nodes together in the initial order
    seen, out = set(), []
    roots = [n for n in nodes if not preds[n]] + nodes
    for r in roots:
        stack = [r]
        while stack:
            n = stack.pop()
            if n in seen:
                continue
            seen.add(n)
            out.append(n)
            stack.extend(reversed(succs[n]))
    return out


def _order_layers(layers: list, preds: dict, succs: dict, sweeps: int) -> None:
    pos = {n: i for layer in layers for i, n in enumerate(layer)}
    for sweep in range(sweeps):
        down = sweep % 2 == 0
        seq = range(1, len(layers)) if down else range(len(layers) - 2, -1, -1)
        for li in seq:
            layer = layers[li]
            nbrs = preds if down else succs
            keyed = []
            for i, n in enumerate(layer):
                ps = [pos[m] for m in nbrs[n]]
                keyed.append((sum(ps) / len(ps) if ps else float(i), i, n))
            keyed.sort()
            layer[:] = [n for _, _, n in keyed]
            for i, n in enumerate(layer):
                pos[n] = i


def _assign_x(layers: list, preds: dict, succs: dict, pitch: float) -> dict:
    xs = {n: i * pitch for layer in layers for i, n in enumerate(layer)}
    for it in range(5):  # down, up, ..., down: the last pass lines chains up under their inputs
        down = it % 2 == 0
        seq = layers if down else list(reversed(layers))
        for layer in seq:
            wanted = []
            for n in layer:
                nb = (preds[n] or succs[n]) if down else (succs[n] or preds[n])
                wanted.append(sum(xs[m] for m in nb) / len(nb) if nb else xs[n])
            for n, x in zip(layer, _separate(wanted, pitch)):
                xs[n] = x
    # snap to the grid: a monotone rounding of the offsets keeps the cards apart
    for layer in layers:
        base = [round((xs[n] - i * pitch) / GRID) * GRID for i, n in enumerate(layer)]
        for i, n in enumerate(layer):
            xs[n] = base[i] + i * pitch
    return xs


def _separate(wanted: list, pitch: float) -> list:
    """Closest positions (least squares) to ``wanted`` in this order, at least ``pitch``
    apart: pool adjacent violators over the offsets ``wanted[i] - i * pitch``."""
    blocks: list = []  # [mean, count]
    for i, w in enumerate(wanted):
        blocks.append([w - i * pitch, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, c2 = blocks.pop()
            m1, c1 = blocks.pop()
            blocks.append([(m1 * c1 + m2 * c2) / (c1 + c2), c1 + c2])
    out = []
    for mean, count in blocks:
        for _ in range(count):
            out.append(mean + len(out) * pitch)
    return out
