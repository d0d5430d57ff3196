"""Inference kept current while a design is edited.

:class:`LiveInference` listens to a design's change events, re-runs :func:`infer` after every
edit that can change a shape, a key or an error (moving a node cannot, so it recomputes
nothing), and tells its own subscribers ``shapes_recomputed`` only when something they show
did change. Re-inference is synchronous; a GUI that wants to debounce typing creates it with
``auto=False`` and calls :meth:`LiveInference.refresh` from its timer.
"""

from __future__ import annotations

from netlab.design.graph import Design
from netlab.design.infer import Inference, infer

_VIEW_ONLY = frozenset({"moved"})  # events that never change shapes, keys or errors


class LiveInference:
    """The current :func:`infer` result of ``design``, recomputed on change.

    Subscribers are called as ``callback("shapes_recomputed", inference=..., nodes=...,
    edges=...)`` with the ids of the nodes whose shape, state_dict entries or error changed
    (added and removed ones included) and of the edges whose shape changed.

    Examples
    --------
    >>> d = Design()
    >>> live = LiveInference(d)
    >>> seen = []
    >>> live.subscribe(lambda event, **kw: seen.append(sorted(kw["nodes"])))
    >>> x = d.add_node("Input", params={"shape": [3]})
    >>> d.move(x.id, (5.0, 5.0))  # no re-inference, no event
    >>> seen == [[x.id]], live.result.nodes[x.id].shape
    (True, ('N', 3))
    """

    def __init__(self, design: Design, auto: bool = True):
        self.design = design
        self.auto = auto
        self.dirty = False
        self.runs = 0  # how many inferences ran (the first one included)
        self._listeners: list = []
        self.result: Inference = self._infer()
        design.subscribe(self._on_design_event)

    def subscribe(self, callback) -> None:
        """``callback(event, **payload)`` after each recomputation that changed something."""
        self._listeners.append(callback)

    def unsubscribe(self, callback) -> None:
        self._listeners.remove(callback)

    def close(self) -> None:
        """Stop following the design."""
        self.design.unsubscribe(self._on_design_event)

    def refresh(self) -> bool:
        """Re-run inference now; emit ``shapes_recomputed`` and return True if anything shown
        changed."""
        self.dirty = False
        old, new = self.result, self._infer()
        self.result = new
        nodes = _changed(old.nodes, new.nodes, _node_view)
        edges = _changed(old.edges, new.edges, lambda shape: shape)
        if not nodes and not edges:
            return False
        for cb in list(self._listeners):
            cb("shapes_recomputed", inference=new, nodes=nodes, edges=edges)
        return True

    def _infer(self) -> Inference:
        self.runs += 1
        return infer(self.design)

    def _on_design_event(self, event: str, **payload) -> None:
        if event in _VIEW_ONLY:
            return
        if self.auto:
            self.refresh()
        else:
            self.dirty = True


def _node_view(info) -> tuple:
    return info.shape, info.error, tuple(info.entries)


def _changed(old: dict, new: dict, view) -> set:
    out = {k for k in old.keys() ^ new.keys()}
    out.update(k for k in old.keys() & new.keys() if view(old[k]) != view(new[k]))
    return out
