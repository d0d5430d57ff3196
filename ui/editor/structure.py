"""Structure helpers of the editor: starting parameters, group names, data-flow order.
Plain functions on a :class:`Design` (no Qt)."""

from __future__ import annotations

import copy

from netlab.design.catalogue import CATALOGUE
from netlab.design.graph import INPUT, Design
from ui.editor.clipboard import unique_name

# starting parameters of the special (non-catalogue) node types
_SPECIAL_DEFAULTS = {
    INPUT: {"shape": [3, 32, 32]},
    "Concat": {"dim": 1},
    "Reshape": {"shape": [-1]},
    "Permute": {"dims": [0, 1]},
}


def default_params(type_name: str) -> dict:
    """The parameters a freshly added node of ``type_name`` starts with.

    Examples
    --------
    >>> default_params("Linear")["out_features"] > 0, default_params("Input")["shape"]
    (True, [3, 32, 32])
    """
    if type_name in CATALOGUE:
        return CATALOGUE[type_name].defaults()
    return copy.deepcopy(_SPECIAL_DEFAULTS.get(type_name, {}))


def label(d: Design, item_id: str) -> str:
    """The name an undo entry shows for an item."""
    if item_id in d.edges:
        return "connection"
    return d._name(item_id)


def drop_empty_groups(d: Design) -> None:
    """Dissolve the groups whose members were all removed (an empty Sequential is no use)."""
    while True:
        empty = [g for g, grp in d.groups.items() if not grp.members]
        if not empty:
            return
        d.ungroup(empty[0])


def _nodes_of(d: Design, item_id: str) -> list[str]:
    if item_id in d.nodes:
        return [item_id]
    return [n for m in d.groups[item_id].members for n in _nodes_of(d, m)]


def by_data_flow(d: Design, ids: list[str]) -> list[str]:
    """``ids`` in the order data flows through them (a selection's order is arbitrary)."""
    rank = {n: i for i, n in enumerate(d.topological_order())}
    return sorted(ids, key=lambda i: min((rank[n] for n in _nodes_of(d, i)),
                                         default=len(rank)))


def group_name(d: Design, ids: list[str], kind: str) -> str:
    """A free default name for a new group of ``ids``."""
    if kind == "dataparallel" and len(ids) == 1:
        return d._name(ids[0])  # torch: self.features = nn.DataParallel(features)
    parent = d.parent_of(ids[0])
    taken = set(d.siblings(None, parent)) - {d._name(i) for i in ids}
    return unique_name("block", taken)
