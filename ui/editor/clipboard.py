"""Copy and paste of design fragments: nodes with their internal edges and groups.

A clip is a plain JSON-able dict (``{"format": "netlab-clip", "nodes": [...], "edges": [...],
"groups": [...]}``), so it can travel through the system clipboard as
``application/x-netlab-clip`` (:func:`to_mime` / :func:`from_mime`). Pasting gives every node
and group a new id and a name unique at the top level (``conv1`` taken: ``conv2``).
"""

from __future__ import annotations

import copy
import itertools
import json

from PySide6.QtCore import QMimeData

from netlab.design.graph import Design, DesignError

CLIP_FORMAT = "netlab-clip"
MIME_TYPE = "application/x-netlab-clip"


def unique_name(base: str, taken: set) -> str:
    """``base``, or its stem with the first free number when ``base`` is taken.

    Examples
    --------
    >>> unique_name("conv1", {"conv1"}), unique_name("fc", {"fc", "fc1"})
    ('conv2', 'fc2')
    """
    if base not in taken:
        return base
    stem = base.rstrip("0123456789") or base
    for i in itertools.count(1):
        if f"{stem}{i}" not in taken:
            return f"{stem}{i}"
    raise AssertionError("unreachable")


def _nodes_under(d: Design, item_id: str) -> list[str]:
    if item_id in d.nodes:
        return [item_id]
    return [n for m in d.groups[item_id].members for n in _nodes_under(d, m)]


def _groups_under(d: Design, gid: str) -> list[str]:
    """``gid`` and every group nested in it, inner ones first (the order to rebuild them)."""
    out = []
    for m in d.groups[gid].members:
        if m in d.groups:
            out.extend(_groups_under(d, m))
    return out + [gid]


def copy_items(design: Design, ids: list[str]) -> dict:
    """A clip of the selected nodes and groups (a group brings its members and nested groups),
    with every edge between two copied nodes. Edge ids and unknown ids are ignored.

    Examples
    --------
    >>> d = Design()
    >>> a = d.add_node("Input", params={"shape": [3]}); b = d.add_node("ReLU")
    >>> _ = d.connect(a.id, b.id)
    >>> clip = copy_items(d, [a.id, b.id])
    >>> len(clip["nodes"]), len(clip["edges"])
    (2, 1)
    """
    d = design
    nodes: dict = {}
    groups: list = []
    for i in ids:
        if i in d.nodes:
            nodes[i] = None
        elif i in d.groups and not d.groups[i].refs:
            nodes.update(dict.fromkeys(_nodes_under(d, i)))
            groups.extend(g for g in _groups_under(d, i) if g not in groups)
    order = [n for n in d.nodes if n in nodes]  # keep the design's order
    return {
        "format": CLIP_FORMAT,
        "nodes": [{"id": n, "type": d.nodes[n].type, "name": d.nodes[n].name,
                   "params": copy.deepcopy(d.nodes[n].params),
                   "position": list(d.nodes[n].position)} for n in order],
        "edges": [{"src": e.src, "dst": e.dst, "dst_port": e.dst_port}
                  for e in d.edges.values() if e.src in nodes and e.dst in nodes],
        "groups": [{"id": g, "kind": d.groups[g].kind, "name": d.groups[g].name,
                    "members": list(d.groups[g].members), "indexed": d.groups[g].indexed}
                   for g in groups],
    }


def _check_clip(clip) -> None:
    if not isinstance(clip, dict) or clip.get("format") != CLIP_FORMAT:
        raise DesignError("the clipboard holds no netlab nodes: copy some nodes first")
    for key in ("nodes", "edges", "groups"):
        if not isinstance(clip.get(key, []), list):
            raise DesignError(f"the clipboard's {key!r} is not a list: copy the nodes again")


def paste_items(design: Design, clip: dict, offset: tuple = (30, 30)) -> list[str]:
    """Add the clip's nodes (moved by ``offset``), edges and groups to ``design`` with new ids
    and unique names. Returns the new top-level ids (nodes outside pasted groups, and the
    outermost pasted groups). Raises :class:`DesignError` for a malformed clip.

    Examples
    --------
    >>> d = Design(); fc = d.add_node("Linear", name="fc")
    >>> new = paste_items(d, copy_items(d, [fc.id]))
    >>> d.nodes[new[0]].name
    'fc1'
    """
    _check_clip(clip)
    d = design
    dx, dy = float(offset[0]), float(offset[1])
    new_ids: dict = {}
    try:
        for raw in clip.get("nodes", []):
            taken = set(d.siblings(None, None))
            x, y = raw.get("position", (0.0, 0.0))[:2]
            node = d.add_node(raw["type"], unique_name(raw["name"], taken),
                              copy.deepcopy(raw.get("params", {})),
                              (float(x) + dx, float(y) + dy))
            new_ids[raw["id"]] = node.id
        for raw in clip.get("edges", []):
            d.connect(new_ids[raw["src"]], new_ids[raw["dst"]], int(raw.get("dst_port", 0)))
        inner: set = set()
        for raw in clip.get("groups", []):
            members = [new_ids[m] for m in raw["members"]]
            taken = set(d.siblings(None, None)) - {d._name(m) for m in members}
            grp = d.group(members, unique_name(raw["name"], taken), raw.get("kind", "sequential"),
                          bool(raw.get("indexed", True)))
            new_ids[raw["id"]] = grp.id
            inner.update(members)
    except (KeyError, TypeError, ValueError) as e:
        if isinstance(e, DesignError):
            raise
        raise DesignError(f"the clipboard's nodes are incomplete ({e!r}): copy them again") \
            from None
    return [i for i in new_ids.values() if i not in inner]


def to_mime(clip: dict) -> QMimeData:
    """The clip as ``QMimeData`` for ``QClipboard.setMimeData`` (JSON under
    :data:`MIME_TYPE`)."""
    mime = QMimeData()
    mime.setData(MIME_TYPE, json.dumps(clip).encode("utf-8"))
    return mime


def from_mime(mime: QMimeData | None) -> dict | None:
    """The clip held by ``mime``, or None when it holds no netlab nodes."""
    if mime is None or not mime.hasFormat(MIME_TYPE):
        return None
    try:
        clip = json.loads(bytes(mime.data(MIME_TYPE)).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return clip if isinstance(clip, dict) and clip.get("format") == CLIP_FORMAT else None
