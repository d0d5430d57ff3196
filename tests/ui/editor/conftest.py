"""A small design with a branch, a merge and a group, wrapped in a Document."""

import copy

import pytest

from netlab.design.graph import Design
from netlab.design.io import to_dict
from ui.editor.document import Document


def snap(doc) -> dict:
    """A deep copy of the whole model (to_dict shares the nodes' params dicts)."""
    return copy.deepcopy(to_dict(doc.design))


def sample_design() -> Design:
    d = Design()
    x = d.add_node("Input", "x", {"shape": [3, 8, 8]}, (0, 0))
    conv = d.add_node("Conv2d", "conv", {"in_channels": 3, "out_channels": 4,
                                         "kernel_size": 3, "padding": 1}, (0, 90))
    relu = d.add_node("ReLU", "relu", {}, (0, 180))
    flat = d.add_node("Flatten", "flat", {}, (0, 270))
    fc = d.add_node("Linear", "fc", {"in_features": 256, "out_features": 10}, (0, 360))
    out = d.add_node("Output", "y", {}, (0, 450))
    for a, b in [(x, conv), (conv, relu), (relu, flat), (flat, fc), (fc, out)]:
        d.connect(a.id, b.id)
    d.group([conv.id, relu.id], "features")
    return d


@pytest.fixture
def doc(qtbot):
    document = Document(sample_design(), debounce_ms=10)
    document.refresh_now()
    return document


def node_id(doc, name: str) -> str:
    return next(n.id for n in doc.design.nodes.values() if n.name == name)


def group_id(doc, name: str) -> str:
    return next(g.id for g in doc.design.groups.values() if g.name == name)


def edge_id(doc, src: str, dst: str) -> str:
    s, t = node_id(doc, src), node_id(doc, dst)
    return next(e.id for e in doc.design.edges.values() if (e.src, e.dst) == (s, t))
