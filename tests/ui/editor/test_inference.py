"""Debounced re-inference: quick edits give one `inferred`, refresh_now forces it."""

from tests.ui.editor.conftest import node_id, sample_design
from ui.editor.document import Document


def _recorder(doc):
    seen = []
    doc.inferred.connect(lambda inf, nodes, edges: seen.append((inf, nodes, edges)))
    return seen


def test_quick_edits_are_inferred_once_after_the_debounce(qtbot):
    doc = Document(sample_design(), debounce_ms=60)
    seen = _recorder(doc)
    fc, y = node_id(doc, "fc"), node_id(doc, "y")
    runs = doc._live.runs
    for v in (11, 12, 13, 14, 15):
        doc.set_param(fc, "out_features", v)
    assert seen == []  # typing never waits for inference
    assert doc.inference.nodes[fc].shape == ("N", 10)  # the last result until it runs
    qtbot.waitUntil(lambda: len(seen) == 1, timeout=2000)
    qtbot.wait(150)  # no second run for the same burst
    assert len(seen) == 1 and doc._live.runs == runs + 1
    inference, nodes, edges = seen[0]
    assert inference is doc.inference
    assert inference.nodes[fc].shape == ("N", 15)
    assert {fc, y} <= nodes and edges
    assert all(isinstance(s, set) for s in (nodes, edges))


def test_refresh_now_runs_the_pending_inference_at_once(qtbot):
    doc = Document(sample_design(), debounce_ms=10_000)
    seen = _recorder(doc)
    fc = node_id(doc, "fc")
    doc.set_param(fc, "out_features", 3)
    doc.refresh_now()
    assert len(seen) == 1 and doc.inference.nodes[fc].shape == ("N", 3)
    doc.refresh_now()  # nothing pending: nothing emitted
    assert len(seen) == 1


def test_a_bad_value_marks_the_node_and_a_fix_clears_it(qtbot):
    doc = Document(sample_design(), debounce_ms=10)
    fc = node_id(doc, "fc")
    assert doc.set_param(fc, "in_features", 100)  # the model keeps it; inference marks it
    doc.refresh_now()
    assert doc.inference.nodes[fc].error
    assert fc in doc.inference.errors
    doc.set_param(fc, "in_features", "auto")
    doc.refresh_now()
    assert doc.inference.nodes[fc].error is None


def test_moves_do_not_reinfer(qtbot):
    doc = Document(sample_design(), debounce_ms=10)
    seen = _recorder(doc)
    runs = doc._live.runs
    doc.move_nodes({node_id(doc, "x"): (50, 50)})
    qtbot.wait(60)
    assert seen == [] and doc._live.runs == runs


def test_undo_of_a_structural_edit_rebuilds_then_reports_everything(qtbot):
    doc = Document(sample_design(), debounce_ms=10)
    order = []
    doc.designReplaced.connect(lambda: order.append("replaced"))
    doc.inferred.connect(lambda inf, nodes, edges: order.append((set(nodes), set(edges))))
    nid = doc.add_node("ReLU", after=node_id(doc, "fc"))
    doc.undo_stack.undo()
    assert order[0] == "replaced"
    assert order[1] == (set(doc.design.nodes), set(doc.design.edges))
    assert nid not in doc.inference.nodes  # inference is current when views rebuild
