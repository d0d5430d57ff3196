"""Design files: JSON with a schema version, written atomically.

A malformed, truncated or future-version file raises :class:`DesignFileError` naming the
problem and the place; unknown layer types and bad parameter values still load, as nodes
that inference marks with an error, so one bad node never loses the whole file.
"""

from __future__ import annotations

import json
import os
import tempfile

from netlab.design.graph import Design, DesignError, Edge, Group, Node

FORMAT = "netlab-design"
SCHEMA = 1


class DesignFileError(ValueError):
    """A design file that cannot be read; the message names the file, place and problem."""


def to_dict(design: Design) -> dict:
    return {
        "format": FORMAT,
        "schema": SCHEMA,
        "dataparallel": design.dataparallel,
        "root_sequential": design.root_sequential,
        "nodes": [{"id": n.id, "type": n.type, "name": n.name, "params": n.params,
                   "position": list(n.position)} for n in design.nodes.values()],
        "edges": [{"id": e.id, "src": e.src, "dst": e.dst, "dst_port": e.dst_port}
                  for e in design.edges.values()],
        "groups": [_group_dict(g) for g in design.groups.values()],
    }


def _group_dict(g: Group) -> dict:
    out = {"id": g.id, "kind": g.kind, "name": g.name, "members": list(g.members),
           "indexed": g.indexed}
    if g.refs:  # written only where set: older readers of schema 1 never saw it
        out["refs"] = True
    return out


def save_design(design: Design, path) -> None:
    """Write ``design`` to ``path`` atomically (a temp file in the same folder, then rename).

    Examples
    --------
    >>> import os, tempfile
    >>> d = Design(); _ = d.add_node("Linear", params={"out_features": 2})
    >>> p = os.path.join(tempfile.mkdtemp(), "net.json")
    >>> save_design(d, p); len(load_design(p).nodes)
    1
    """
    text = json.dumps(to_dict(design), indent=2, sort_keys=False)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".netlab-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load_design(path) -> Design:
    """Read a design file written by :func:`save_design`."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise DesignFileError(f"{path}: cannot read the file ({e.strerror})") from None
    except UnicodeDecodeError:
        raise DesignFileError(f"{path}: not a text file, so not a netlab design") from None
    return from_json(text, str(path))


def from_json(text: str, where: str = "<design>") -> Design:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        what = "the file ends too early (truncated?)" if e.pos >= len(text.rstrip()) else e.msg
        raise DesignFileError(f"{where}: not valid JSON at line {e.lineno}, column {e.colno}: "
                              f"{what}") from None
    return from_dict(data, where)


def _need(obj, key, kind, place, where):
    if not isinstance(obj, dict) or key not in obj:
        raise DesignFileError(f"{where}: {place}: missing '{key}'")
    value = obj[key]
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise DesignFileError(f"{where}: {place}.{key}: expected {names}, got "
                              f"{type(value).__name__}")
    return value


def from_dict(data, where: str = "<design>") -> Design:
    if not isinstance(data, dict):
        raise DesignFileError(f"{where}: the top level must be an object, got "
                              f"{type(data).__name__}")
    if data.get("format") != FORMAT:
        raise DesignFileError(f"{where}: not a netlab design (format is "
                              f"{data.get('format')!r}, expected {FORMAT!r})")
    schema = _need(data, "schema", int, "top level", where)
    if schema > SCHEMA:
        raise DesignFileError(f"{where}: written by a newer netlab (schema {schema}; this "
                              f"version reads schema {SCHEMA} and older): please update")
    d = Design()
    d.dataparallel = bool(data.get("dataparallel", False))
    d.root_sequential = bool(data.get("root_sequential", False))
    for i, raw in enumerate(_need(data, "nodes", list, "top level", where)):
        place = f"nodes[{i}]"
        nid = _need(raw, "id", str, place, where)
        if nid in d.nodes:
            raise DesignFileError(f"{where}: {place}: duplicate node id {nid!r}")
        params = raw.get("params", {})
        if not isinstance(params, dict):
            raise DesignFileError(f"{where}: {place}.params: expected object")
        pos = raw.get("position", [0, 0])
        d.nodes[nid] = Node(nid, _need(raw, "type", str, place, where),
                            _need(raw, "name", str, place, where), dict(params),
                            tuple(float(v) for v in pos[:2]) if isinstance(pos, list) else
                            (0.0, 0.0))
    for i, raw in enumerate(data.get("edges", [])):
        place = f"edges[{i}]"
        eid = _need(raw, "id", str, place, where)
        src, dst = _need(raw, "src", str, place, where), _need(raw, "dst", str, place, where)
        for end in (src, dst):
            if end not in d.nodes:
                raise DesignFileError(f"{where}: {place}: unknown node {end!r}")
        port = raw.get("dst_port", 0)
        if src == dst or d._reaches(dst, src):
            raise DesignFileError(f"{where}: {place}: {src} -> {dst} closes a cycle")
        d.edges[eid] = Edge(eid, src, dst, int(port))
    for i, raw in enumerate(data.get("groups", [])):
        place = f"groups[{i}]"
        gid = _need(raw, "id", str, place, where)
        kind = _need(raw, "kind", str, place, where)
        if kind not in ("sequential", "dataparallel"):
            raise DesignFileError(f"{where}: {place}.kind: unknown group kind {kind!r}")
        members = _need(raw, "members", list, place, where)
        refs = raw.get("refs", False)
        if not isinstance(refs, bool):
            raise DesignFileError(f"{where}: {place}.refs: expected bool, got "
                                  f"{type(refs).__name__}")
        d.groups[gid] = Group(gid, kind, _need(raw, "name", str, place, where), list(members),
                              bool(raw.get("indexed", True)), refs)
    for g in d.groups.values():
        for m in g.members:
            if m not in d.nodes and m not in d.groups:
                raise DesignFileError(f"{where}: group {g.name!r}: unknown member {m!r}")
    ids = [int(s[1:]) for s in list(d.nodes) + list(d.edges) + list(d.groups)
           if s[1:].isdigit()]
    import itertools

    d._ids = itertools.count(max(ids, default=0) + 1)
    return d


__all__ = ["DesignError", "DesignFileError", "from_dict", "from_json", "load_design",
           "save_design", "to_dict"]
