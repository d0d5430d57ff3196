"""The problems list: every node error; clicking one selects its node."""

from PySide6.QtCore import Qt

from tests.ui.panels.conftest import node_id, show
from ui.panels.problems import ProblemsPanel


def test_lists_every_error_and_clicking_selects_the_node(qtbot, doc):
    panel = show(qtbot, ProblemsPanel(doc))
    assert panel.count() == 0 and panel.empty.isVisible() and not panel.list.isVisible()
    fc1 = node_id(doc, "fc1")
    counts = []
    panel.countChanged.connect(counts.append)
    doc.set_param(fc1, "in_features", 7)
    lone = doc.add_node("Dropout", position=(300, 0))
    doc.refresh_now()
    errors = doc.inference.errors
    assert set(errors) == {fc1, lone}
    assert panel.problems() == [(lone, errors[lone]), (fc1, errors[fc1])]  # data-flow order
    assert [panel.list.item(i).text() for i in range(2)] == [errors[lone], errors[fc1]]
    assert panel.list.item(1).text().startswith("fc1: ")
    assert counts == [2] and panel.list.isVisible() and not panel.empty.isVisible()
    with qtbot.waitSignal(panel.activated) as blocker:
        rect = panel.list.visualItemRect(panel.list.item(1))
        qtbot.mouseClick(panel.list.viewport(), Qt.LeftButton, pos=rect.center())
    assert blocker.args == [fc1] and doc.selection == [fc1]
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    doc.refresh_now()
    assert panel.count() == 0 and counts[-1] == 0


def test_a_node_without_input_is_listed_by_name(qtbot, doc):
    panel = show(qtbot, ProblemsPanel(doc))
    nid = doc.add_node("ReLU", position=(400, 0))
    doc.refresh_now()
    assert panel.problems() == [(nid, "relu has no input: connect a node's output to it")]
    doc.remove_items([nid])
    panel.activate(nid)  # a click on a stale entry (before inference catches up) is harmless
    assert doc.selection == []
    doc.refresh_now()
    assert panel.count() == 0
