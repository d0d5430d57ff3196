"""The issue's Proof, driven through the real widgets of one MainWindow: drop a palette layer,
connect and disconnect ports, a bad parameter and its fix, grouping, DataParallel, undo/redo
of every command, save and reopen."""

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QMouseEvent
from PySide6.QtWidgets import QApplication

from netlab.design.io import load_design, to_dict
from tests.ui.studio.conftest import keys, node_id, snap
from ui.studio import export_dialog, main_window


def view_point(window, scene_pos: QPointF) -> QPoint:
    return window.canvas.mapFromScene(scene_pos)


def drop_layer(window, type_name: str, scene_pos: QPointF) -> None:
    """Drag ``type_name`` out of the palette tree and drop it on the canvas at ``scene_pos``."""
    tree = window.palette.tree
    mime = tree.mimeData([window.palette.item(type_name)])
    viewport = window.canvas.viewport()
    at = QPointF(view_point(window, scene_pos))
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    for event in (QDragEnterEvent(at.toPoint(), Qt.DropAction.CopyAction, mime, buttons, mods),
                  QDragMoveEvent(at.toPoint(), Qt.DropAction.CopyAction, mime, buttons, mods),
                  QDropEvent(at, Qt.DropAction.CopyAction, mime, buttons, mods)):
        QApplication.sendEvent(viewport, event)
        assert event.isAccepted(), event.type()


def mouse_drag(window, start: QPointF, end: QPointF, steps: int = 4) -> None:
    """Press the left button at scene point ``start``, move to ``end``, release."""
    viewport = window.canvas.viewport()
    a, b = QPointF(view_point(window, start)), QPointF(view_point(window, end))
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    mods = Qt.KeyboardModifier.NoModifier

    def send(kind, pos, button, buttons):
        glob = QPointF(viewport.mapToGlobal(pos.toPoint()))
        QApplication.sendEvent(viewport, QMouseEvent(kind, pos, glob, button, buttons, mods))

    send(QMouseEvent.Type.MouseButtonPress, a, left, left)
    for i in range(1, steps + 1):
        send(QMouseEvent.Type.MouseMove, a + (b - a) * (i / steps), none, left)
    send(QMouseEvent.Type.MouseButtonRelease, b, left, none)


def wait_inferred(qtbot, window, check) -> None:
    qtbot.waitUntil(lambda: check() or window.document.refresh_now() or check(), timeout=2000)


def test_the_proof_through_the_widgets(make_window, qtbot, monkeypatch, tmp_path):
    w = make_window()
    doc, canvas = w.document, w.canvas
    scene = canvas.scene()
    canvas.fit_to_view()
    history = [snap(w)]  # the model after each undoable step

    def step():
        doc.refresh_now()
        history.append(snap(w))
        assert doc.undo_stack.index() == len(history) - 1

    # 1. drop a palette layer on empty canvas, then one onto the edge conv1 -> relu1 (spliced)
    fc3 = canvas.node_item(node_id(w, "fc3"))
    drop_layer(w, "Dropout", fc3.sceneBoundingRect().center() + QPointF(320, 0))
    dropout = node_id(w, "dropout")
    assert not doc.design.inputs_of(dropout) and not doc.design.outputs_of(dropout)
    assert canvas.node_item(dropout) is not None
    step()
    conv1, relu1 = node_id(w, "conv1"), node_id(w, "relu1")
    edge = next(e for e in doc.design.edges.values() if (e.src, e.dst) == (conv1, relu1))
    on_edge = canvas.edge_item(edge.id).path().pointAtPercent(0.5)
    assert scene.interactions.edge_at(on_edge) is canvas.edge_item(edge.id)
    drop_layer(w, "BatchNorm2d", on_edge)
    bn = node_id(w, "batchnorm2d")
    assert [e.src for e in doc.design.inputs_of(bn)] == [conv1]
    assert [e.dst for e in doc.design.outputs_of(bn)] == [relu1]
    assert "conv1.weight" in keys(w) and "batchnorm2d.running_mean" in keys(w)
    step()

    # 2. connect fc3's output port to the dropout's input port with the mouse, then
    # select the new edge on the canvas and press Del
    src = canvas.node_item(node_id(w, "fc3")).output
    dst = canvas.node_item(dropout).input_port(0)
    mouse_drag(w, src.scenePos(), dst.scenePos())
    (new_edge,) = doc.design.inputs_of(dropout)
    assert new_edge.src == node_id(w, "fc3")
    wait_inferred(qtbot, w, lambda: canvas.node_item(dropout).shape_text == "(N, 10)")
    assert canvas.edge_item(new_edge.id).label == "(N, 10)"
    step()
    scene.clearSelection()
    canvas.edge_item(new_edge.id).setSelected(True)
    assert doc.selection == [new_edge.id]
    w.activateWindow()
    canvas.setFocus()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=2000)
    qtbot.keyClick(canvas, Qt.Key.Key_Delete)
    assert new_edge.id not in doc.design.edges and dropout in doc.design.nodes
    step()

    # 3. a bad parameter typed in the inspector: the node turns red, Problems lists it
    fc1 = node_id(w, "fc1")
    canvas.node_item(fc1).setSelected(True)
    scene.clearSelection()
    canvas.node_item(fc1).setSelected(True)
    assert doc.selection == [fc1] and w.inspector.item_id == fc1
    spin = w.inspector.editors["in_features"].inner.spin  # "auto" unticked: 400 pinned
    spin.selectAll()
    qtbot.keyClicks(spin, "7")
    assert doc.design.nodes[fc1].params["in_features"] == 7
    wait_inferred(qtbot, w, lambda: canvas.node_item(fc1).error is not None)
    assert "400" in canvas.node_item(fc1).error
    assert canvas.node_item(fc1).shape_text == "?"
    assert canvas.node_item(node_id(w, "fc2")).shape_text == "?"
    into_fc1 = doc.design.inputs_of(fc1)[0].id
    assert canvas.edge_item(into_fc1).error is not None  # the edge feeding it is red too
    problems = dict(w.problems.problems())
    assert "fc1" in problems[fc1] and "400" in problems[fc1]
    assert set(problems) == {fc1, dropout}  # the unconnected dropout has no input
    row = list(problems).index(fc1)
    step()
    # clicking the problem selects the node and centres the canvas on it
    scene.clearSelection()
    item = w.problems.list.item(row)
    w.problems.list.itemClicked.emit(item)
    assert doc.selection == [fc1]
    centre = canvas.mapToScene(canvas.viewport().rect().center())
    assert canvas.node_item(fc1).sceneBoundingRect().adjusted(-5, -5, 5, 5).contains(centre)

    # 4. fix it: the shapes come back downstream. The typing merges with the bad edit into
    # one undo step, which, back at the old value, is no edit at all and leaves the stack
    spin.selectAll()
    qtbot.keyClicks(spin, "400")
    wait_inferred(qtbot, w, lambda: canvas.node_item(fc1).error is None)
    assert canvas.node_item(fc1).shape_text == "(N, 120)"
    assert canvas.node_item(node_id(w, "fc2")).shape_text == "(N, 84)"
    assert list(dict(w.problems.problems())) == [dropout]
    history.pop()
    assert snap(w) == history[-1] and doc.undo_stack.index() == len(history) - 1
    out_spin = w.inspector.editors["out_features"].spin
    out_spin.selectAll()
    qtbot.keyClicks(out_spin, "64")  # 6, then 64: one merged step
    wait_inferred(qtbot, w, lambda: canvas.node_item(fc1).shape_text == "(N, 64)")
    assert canvas.node_item(node_id(w, "fc2")).error is not None  # fc2 wants 120 features
    step()
    w.action["undo"].trigger()  # the out_features edit, typed as one step
    wait_inferred(qtbot, w, lambda: canvas.node_item(fc1).shape_text == "(N, 120)")
    history.pop()
    assert snap(w) == history[-1]

    # 5. group conv1, batchnorm2d, relu1 as a Sequential named features
    monkeypatch.setattr(main_window, "ask_text", lambda *a: "features")
    scene.clearSelection()
    for nid in (conv1, bn, relu1):
        canvas.node_item(nid).setSelected(True)
    w.action["group"].trigger()
    assert keys(w)[:3] == ["features.0.weight", "features.0.bias", "features.1.weight"]
    gid = next(iter(doc.design.groups))
    assert canvas.group_item(gid) is not None and doc.selection == [gid]
    table_keys = [r[0] for r in w.inspector.keys_table.rows()]
    assert table_keys[:2] == ["features.0.weight", "features.0.bias"]
    step()

    # 6. the whole model in DataParallel from the Model menu: every key gains module.
    w.action["model_dp"].trigger()
    assert all(k.startswith("module.") for k in keys(w))
    assert keys(w)[0] == "module.features.0.weight"
    assert w.summary.dataparallel_box.isChecked()
    step()
    w.summary.dataparallel_box.click()  # the panel's toggle, and the menu follows
    assert not w.action["model_dp"].isChecked() and keys(w)[0] == "features.0.weight"
    step()

    # 7. more commands: a node moved with the mouse, rename, duplicate, paste, auto layout
    fc2 = canvas.node_item(node_id(w, "fc2"))
    start = fc2.sceneBoundingRect().center() + QPointF(0, 8)
    scene.clearSelection()
    mouse_drag(w, start, start + QPointF(150, 40))
    before = next(n for n in history[-1]["nodes"] if n["id"] == fc2.node_id)["position"]
    after = doc.design.nodes[fc2.node_id].position
    moved = QPointF(after[0] - before[0], after[1] - before[1])
    assert (moved - QPointF(150, 40)).manhattanLength() < 2  # view pixels rounded to scene
    step()
    w.inspector.name_edit.setText("head")
    w.inspector.name_edit.editingFinished.emit()
    assert doc.design.nodes[fc2.node_id].name == "head"
    step()
    doc.set_selection([dropout])
    w.action["duplicate"].trigger()
    step()
    w.action["copy"].trigger()
    w.action["paste"].trigger()
    assert sum(n.type == "Dropout" for n in doc.design.nodes.values()) == 3
    step()
    w.action["auto_layout"].trigger()
    step()
    doc.set_selection([gid])
    w.action["ungroup"].trigger()
    assert keys(w)[0] == "conv1.weight"
    step()
    doc.set_selection([dropout])
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_Delete)  # a node, with its edges
    assert dropout not in doc.design.nodes
    step()
    w.action["model_seq"].trigger()
    assert doc.design.root_sequential
    step()
    doc.set_selection([bn])
    w.action["wrap_dp"].trigger()
    assert any(k.endswith(".module.running_mean") for k in keys(w))  # Sequential indices
    step()

    # 8. undo every command back to the identical model, then redo them all
    final = history[-1]
    for i in range(len(history) - 1, 0, -1):
        w.action["undo"].trigger()
        assert snap(w) == history[i - 1], f"undo to step {i - 1}"
    assert not doc.modified and w.windowTitle() == "untitled — NetLab Studio"
    for i in range(1, len(history)):
        w.action["redo"].trigger()
        assert snap(w) == history[i], f"redo to step {i}"
    assert snap(w) == final
    assert set(canvas.scene().nodes) == set(doc.design.nodes)

    # 9. save, reopen, compare
    path = tmp_path / "edited.json"
    monkeypatch.setattr(export_dialog, "ask_save_path", lambda *a: path)
    w.action["save_as"].trigger()
    assert w.windowTitle() == "edited.json — NetLab Studio"
    w.action["new"].trigger()
    assert not doc.design.nodes
    monkeypatch.setattr(export_dialog, "ask_open_path", lambda *a: path)
    w.action["open"].trigger()
    assert snap(w) == final == to_dict(load_design(path))
    assert set(canvas.scene().nodes) == set(final_ids(final))


def final_ids(data: dict) -> list:
    return [n["id"] for n in data["nodes"]]


def test_palette_double_click_adds_after_the_selection(make_window):
    w = make_window()
    fc3 = node_id(w, "fc3")
    w.document.set_selection([fc3])
    item = w.palette.item("Softmax")
    w.palette.tree.itemDoubleClicked.emit(item, 0)
    softmax = node_id(w, "softmax")
    assert [e.src for e in w.document.design.inputs_of(softmax)] == [fc3]
    assert w.canvas.node_item(softmax) is not None
