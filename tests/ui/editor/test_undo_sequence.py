"""A long random mix of edits, undos and redos: every stack index maps to one exact model."""

import random

import pytest

from netlab.design.catalogue import CATALOGUE
from tests.ui.editor.conftest import sample_design, snap
from ui.editor.document import Document

TYPES = ["ReLU", "Linear", "Conv2d", "Dropout", "Identity", "Add", "Concat", "Output",
         "Flatten", "BatchNorm2d"]


def _random_edit(doc, rng: random.Random) -> None:
    d = doc.design
    nodes, edges, groups = list(d.nodes), list(d.edges), list(d.groups)
    pick = rng.choice
    op = rng.randrange(15)
    if op == 0 or not nodes:
        doc.add_node(pick(TYPES), (rng.randint(-300, 300), rng.randint(0, 600)))
    elif op == 1:
        doc.add_node(pick(TYPES), after=pick(nodes))
    elif op == 2 and edges:
        doc.add_node(pick(TYPES), splice_edge=pick(edges))
    elif op == 3:
        doc.remove_items(rng.sample(nodes + groups + edges, k=min(2, len(nodes))))
    elif op == 4:
        doc.connect(pick(nodes), pick(nodes))
    elif op == 5 and edges:
        doc.disconnect(pick(edges))
    elif op == 6:
        doc.move_nodes({n: (rng.randint(-300, 300), rng.randint(0, 600))
                        for n in rng.sample(nodes, k=min(3, len(nodes)))})
    elif op == 7:
        n = pick(nodes)
        spec = CATALOGUE.get(d.nodes[n].type)
        names = [p.name for p in spec.params] if spec is not None and spec.params else ["dim"]
        doc.set_param(n, pick(names), rng.choice([1, 2, 3, True, "auto", 0.5]))
    elif op == 8:
        doc.rename(pick(nodes + groups), pick(["a", "b", "head", "fc", "conv", "x_1"]))
    elif op == 9:
        doc.group(rng.sample(nodes, k=min(2, len(nodes))), kind="sequential")
    elif op == 10 and groups:
        doc.ungroup(pick(groups))
    elif op == 11:
        doc.set_dataparallel(not d.dataparallel)
    elif op == 12:
        doc.set_root_sequential(not d.root_sequential)
    elif op == 13:
        doc.duplicate(rng.sample(nodes + groups, k=min(2, len(nodes))))
    else:
        doc.cut(rng.sample(nodes, k=1))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_edits_undo_to_the_start_and_redo_to_the_end(qtbot, seed):
    rng = random.Random(seed)
    doc = Document(sample_design(), debounce_ms=5)
    doc.message.connect(lambda text: None)  # refusals are part of the mix
    stack = doc.undo_stack
    states = [snap(doc)]  # states[i]: the model at stack index i
    for _ in range(120):
        r = rng.random()
        if r < 0.12 and stack.canUndo():
            stack.undo()
            assert snap(doc) == states[stack.index()]
        elif r < 0.2 and stack.canRedo():
            stack.redo()
            assert snap(doc) == states[stack.index()]
        else:
            _random_edit(doc, rng)
            i = stack.index()
            if stack.canRedo():  # nothing was pushed (refused, or no change)
                assert snap(doc) == states[i]
            else:  # a push, a merge or a no-op at the top: index i now holds this model
                del states[i:]
                states.append(snap(doc))
        assert len(states) == stack.count() + 1
    assert stack.count() > 30
    end = stack.index()
    doc.refresh_now()
    while stack.canUndo():
        stack.undo()
        assert snap(doc) == states[stack.index()]
    assert snap(doc) == states[0]
    assert not doc.modified
    for i in range(1, end + 1):
        stack.redo()
        assert snap(doc) == states[i]
    doc.refresh_now()  # inference copes with whatever the sequence built
