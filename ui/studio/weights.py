"""Importing a state_dict into a design: match its keys, keep the tensors that fit.

No widgets here (the dialog in :mod:`ui.studio.import_dialog` shows this): a file's keys are
compared with the design's inferred ``state_dict`` entries, each node is marked matched,
missing or shape-mismatched and each unknown key unexpected; the tensors that match are kept
in a :class:`WeightStore` by (node id, entry index), so they follow their node through
renames, grouping and DataParallel toggles, and go into the exported state_dict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import netlab
from netlab.design.compile import compile as compile_design
from netlab.design.graph import Design
from netlab.design.infer import Inference

MATCHED, MISSING, MISMATCHED, UNEXPECTED = "matched", "missing", "mismatched", "unexpected"
PREFIX = "module."
# checkpoint dicts often nest the weights under one of these keys
_NESTED = ("state_dict", "model_state_dict", "model")


@dataclass
class KeyMatch:
    """One row of an import: a design key (matched/missing/mismatched) or a file key
    (unexpected), with the shape the design wants and the one the file has."""

    key: str
    status: str
    expected: tuple | None = None
    found: tuple | None = None
    node_id: str | None = None


@dataclass
class ImportMatch:
    """How a state_dict fits a design: rows per key and a status per node with state."""

    keys: list = field(default_factory=list)  # KeyMatch, the design's order then unexpected
    nodes: dict = field(default_factory=dict)  # node id -> MATCHED / MISSING / MISMATCHED

    def count(self, status: str) -> int:
        return sum(k.status == status for k in self.keys)

    @property
    def unexpected(self) -> list:
        return [k.key for k in self.keys if k.status == UNEXPECTED]


def read_state_dict(path) -> dict:
    """Read a flat ``{key: array}`` state_dict from a ``.pt``/``.pth``, ``.safetensors`` or
    ``.npz`` file (a checkpoint that nests it under ``state_dict``/``model`` works too).

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "w.npz")
    >>> netlab.save({"fc.weight": netlab.zeros(2, 3)}, p)
    >>> {k: v.shape for k, v in read_state_dict(p).items()}
    {'fc.weight': (2, 3)}
    """
    path = Path(path)
    try:
        obj = netlab.load(str(path))
    except FileNotFoundError:
        raise ValueError(f"{path}: no such file") from None
    except Exception as e:  # noqa: BLE001 - any reader failure means: not a weights file
        raise ValueError(f"{path}: not a state_dict file netlab can read ({e}); use a .pt, "
                         ".safetensors or .npz file of tensors") from None
    if isinstance(obj, dict):
        for key in _NESTED:
            if isinstance(obj.get(key), dict):
                obj = obj[key]
                break
    if not isinstance(obj, dict) or not obj:
        raise ValueError(f"{path}: holds no state_dict (a dict of named tensors)")
    out = {}
    for key, value in obj.items():
        if not isinstance(key, str) or not hasattr(value, "shape"):
            raise ValueError(f"{path}: entry {key!r} is not a named tensor; a state_dict maps "
                             "key names to tensors")
        out[key] = _to_numpy(value)
    return out


def _to_numpy(value) -> np.ndarray:
    if hasattr(value, "detach"):
        value = value.detach()
    if hasattr(value, "numpy"):
        value = value.numpy()
    return np.asarray(value)


def _key_owners(inference: Inference) -> dict:
    """key -> (node id, index of the tensor in the node's own entries) for every name."""
    owners = {}
    for nid, info in inference.nodes.items():
        n = len(info.entries) // max(len(info.prefixes), 1)
        for j, entry in enumerate(info.entries):
            owners[entry.key] = (nid, j % n if n else 0)
    return owners


def match_state_dict(inference: Inference, state: dict) -> ImportMatch:
    """Compare ``state`` (key -> array) with the design's inferred state_dict entries.

    Examples
    --------
    >>> from netlab.design.graph import Design
    >>> from netlab.design.infer import infer
    >>> d = Design()
    >>> x = d.add_node("Input", params={"shape": [3]})
    >>> fc = d.add_node("Linear", name="fc", params={"out_features": 2})
    >>> _ = d.connect(x.id, fc.id)
    >>> m = match_state_dict(infer(d), {"fc.weight": np.zeros((2, 3)), "head.bias": np.zeros(2)})
    >>> [(k.key, k.status) for k in m.keys]
    [('fc.weight', 'matched'), ('fc.bias', 'missing'), ('head.bias', 'unexpected')]
    """
    result = ImportMatch()
    owners = _key_owners(inference)
    for entry in inference.state_entries():
        nid = owners[entry.key][0]
        found = state.get(entry.key)
        if found is None:
            status, shape = MISSING, None
        else:
            shape = tuple(found.shape)
            status = MATCHED if shape == tuple(entry.shape) else MISMATCHED
        result.keys.append(KeyMatch(entry.key, status, tuple(entry.shape), shape, nid))
        result.nodes[nid] = _worse(result.nodes.get(nid, MATCHED), status)
    for key, value in state.items():
        if key not in owners:
            result.keys.append(KeyMatch(key, UNEXPECTED, None, tuple(value.shape)))
    return result


def _worse(a: str, b: str) -> str:
    rank = {MATCHED: 0, MISSING: 1, MISMATCHED: 2}
    return a if rank[a] >= rank[b] else b


def add_prefix(state: dict, prefix: str = PREFIX) -> dict:
    """A copy of ``state`` with ``prefix`` before every key that lacks it."""
    return {k if k.startswith(prefix) else prefix + k: v for k, v in state.items()}


def strip_prefix(state: dict, prefix: str = PREFIX) -> dict:
    """A copy of ``state`` with a leading ``prefix`` removed from the keys that have it."""
    return {k[len(prefix):] if k.startswith(prefix) else k: v for k, v in state.items()}


def suggest_prefix(inference: Inference, state: dict) -> str | None:
    """'add' or 'strip' when changing the file's ``module.`` prefix would match more keys."""
    wanted = set(inference.state_dict_keys())
    now = len(wanted & state.keys())
    if len(wanted & add_prefix(state).keys()) > now:
        return "add"
    if len(wanted & strip_prefix(state).keys()) > now:
        return "strip"
    return None


class WeightStore:
    """Tensors imported into a design, kept by (node id, entry index) until export (in
    ``tensors``, e.g. the Document's ``weights`` dict).

    Examples
    --------
    >>> from netlab.design.graph import Design
    >>> from netlab.design.infer import infer
    >>> d = Design()
    >>> x = d.add_node("Input", params={"shape": [3]})
    >>> fc = d.add_node("Linear", name="fc", params={"out_features": 2})
    >>> _ = d.connect(x.id, fc.id)
    >>> store = WeightStore()
    >>> store.load_matching(infer(d), {"fc.bias": np.ones(2, np.float32)})
    1
    >>> store.model(d).state_dict()["fc.bias"].tolist()
    [1.0, 1.0]
    """

    def __init__(self, tensors: dict | None = None):
        # (node id, entry index) -> np.ndarray; the dict passed in (``Document.weights``,
        # which New and Open empty) is filled in place
        self.tensors: dict = tensors if tensors is not None else {}

    def __len__(self) -> int:
        return len(self.tensors)

    def clear(self) -> None:
        self.tensors.clear()

    def load_matching(self, inference: Inference, state: dict) -> int:
        """Keep every tensor of ``state`` whose key and shape match the design; return how
        many were kept (a shared module's tensor counts once)."""
        owners = _key_owners(inference)
        dtypes = {e.key: e.dtype for e in inference.state_entries()}
        kept = set()
        for entry in inference.state_entries():
            value = state.get(entry.key)
            if value is None or tuple(value.shape) != tuple(entry.shape):
                continue
            slot = owners[entry.key]
            self.tensors[slot] = np.array(value, dtype=dtypes[entry.key])
            kept.add(slot)
        return len(kept)

    def model(self, design: Design):
        """The design compiled, with the kept tensors loaded where their node still has an
        entry of that shape (``netlab.design.export.export_state_dict(..., model=...)``)."""
        from netlab.design.infer import infer

        model = compile_design(design)
        if not self.tensors:
            return model
        owners = _key_owners(infer(design))
        state = model.state_dict()
        for key, slot in owners.items():
            value = self.tensors.get(slot)
            if value is not None and key in state and tuple(state[key].shape) == value.shape:
                state[key] = value
        model.load_state_dict(state, strict=True)
        return model
