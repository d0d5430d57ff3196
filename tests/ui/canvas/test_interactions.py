"""Gestures become Document edits: connection drags, palette drops and splices, moves,
deleting edges."""

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from netlab.design import Design
from tests.ui.canvas.conftest import by_name, make_view
from ui.canvas.interactions import LAYER_MIME
from ui.canvas.port_item import ACCEPTS, NORMAL, REFUSES


def loose_design() -> Design:
    d = Design()
    x = d.add_node("Input", "x", {"shape": [8]}, (0, 0))
    d.add_node("Linear", "fc", {"in_features": "auto", "out_features": 4}, (0, 150))
    act = d.add_node("ReLU", "act", {}, (260, 150))
    d.connect(x.id, act.id)
    return d


def test_dragging_from_an_output_to_an_input_port_connects(qtbot):
    view = make_view(qtbot, loose_design())
    doc, scene = view.document, view.scene()
    x, fc = by_name(doc.design, "x"), by_name(doc.design, "fc")
    source = scene.node_item(x).output
    target = scene.node_item(fc).inputs[0]
    count = doc.undo_stack.count()
    ix = scene.interactions
    ix.begin_connect(source)
    assert target.state == ACCEPTS
    ix.drag_to(target.scenePos() + QPointF(4, 3))
    assert ix.hint_text is None
    eid = ix.finish_connect(target.scenePos() + QPointF(4, 3))
    assert eid in doc.design.edges and doc.undo_stack.count() == count + 1
    e = doc.design.edges[eid]
    assert (e.src, e.dst) == (x, fc) and eid in scene.edges
    assert target.state == NORMAL and ix.source is None
    doc.refresh_now()
    assert scene.node_item(fc).shape_text == "(N, 4)"


def test_a_real_mouse_drag_between_ports_connects(qtbot):
    view = make_view(qtbot, loose_design())
    doc, scene = view.document, view.scene()
    x, fc = by_name(doc.design, "x"), by_name(doc.design, "fc")
    view.zoom_by(1.0 / view.zoom())
    view.centerOn(QPointF(130, 100))
    vp = view.viewport()
    a = view.mapFromScene(scene.node_item(x).output.scenePos())
    b = view.mapFromScene(scene.node_item(fc).inputs[0].scenePos())
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    assert scene.interactions.source is scene.node_item(x).output
    for k in range(1, 5):
        QTest.mouseMove(vp, a + (b - a) * (k / 4))
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)
    assert [(e.src, e.dst) for e in doc.design.inputs_of(fc)] == [(x, fc)]


def test_an_incompatible_port_says_why_and_nothing_connects(qtbot):
    view = make_view(qtbot, loose_design())
    doc, scene = view.document, view.scene()
    d = doc.design
    fc, act = by_name(d, "fc"), by_name(d, "act")
    messages = []
    doc.message.connect(messages.append)
    ix = scene.interactions
    ix.begin_connect(scene.node_item(fc).output)
    busy = scene.node_item(act).inputs[0]  # already fed by x
    assert busy.state == REFUSES and "already connected" in busy.reason
    assert busy.reason in busy.toolTip()
    ix.drag_to(busy.scenePos())
    assert ix.hint_text == busy.reason
    n_edges = len(d.edges)
    assert ix.finish_connect(busy.scenePos()) is None
    assert len(d.edges) == n_edges and messages and "already connected" in messages[-1]
    # back into its own source: a cycle, explained the same way
    assert doc.disconnect(d.inputs_of(act)[0].id) and doc.connect(fc, act) is not None
    ix.begin_connect(scene.node_item(act).output)
    assert "cycle" in scene.node_item(fc).inputs[0].reason
    ix.cancel()


def send_drop(view, type_name: str, scene_pos: QPointF, during=None) -> None:
    mime = QMimeData()
    mime.setData(LAYER_MIME, type_name.encode())
    mime.setText(type_name)
    pos = QPointF(view.mapFromScene(scene_pos))
    actions = Qt.DropAction.CopyAction
    none = Qt.KeyboardModifier.NoModifier
    app = QApplication.instance()
    enter = QDragEnterEvent(pos.toPoint(), actions, mime, Qt.MouseButton.LeftButton, none)
    app.sendEvent(view.viewport(), enter)
    assert enter.isAccepted()
    move = QDragMoveEvent(pos.toPoint(), actions, mime, Qt.MouseButton.LeftButton, none)
    app.sendEvent(view.viewport(), move)
    if during is not None:
        during()
    drop = QDropEvent(pos, actions, mime, Qt.MouseButton.LeftButton, none)
    app.sendEvent(view.viewport(), drop)
    assert drop.isAccepted()


def test_dropping_a_palette_layer_adds_it_at_the_drop_point(qtbot):
    view = make_view(qtbot, loose_design())
    doc = view.document
    view.zoom_by(1.0 / view.zoom())
    view.centerOn(QPointF(500, 400))
    count = doc.undo_stack.count()
    send_drop(view, "Dropout", QPointF(500, 400))
    new = [n for n in doc.design.nodes.values() if n.type == "Dropout"]
    assert len(new) == 1 and doc.undo_stack.count() == count + 1
    item = view.node_item(new[0].id)
    assert item.card_rect().contains(QPointF(500, 400))
    assert not doc.design.inputs_of(new[0].id) and doc.selection == [new[0].id]


def test_dropping_onto_an_edge_splices_the_layer_in(qtbot):
    view = make_view(qtbot, loose_design())
    doc = view.document
    d = doc.design
    x, act = by_name(d, "x"), by_name(d, "act")
    edge = d.inputs_of(act)[0]
    path = view.edge_item(edge.id).path()
    at = path.pointAtPercent(0.5)
    view.zoom_by(1.0 / view.zoom())
    view.centerOn(at)
    item = view.edge_item(edge.id)
    seen = []
    send_drop(view, "BatchNorm1d", at, during=lambda: seen.append(item.highlight))
    assert seen == [True]  # the edge lit up while the layer hovered over it
    bn = next(n.id for n in d.nodes.values() if n.type == "BatchNorm1d")
    assert edge.id not in d.edges
    assert [e.src for e in d.inputs_of(bn)] == [x] and [e.src for e in d.inputs_of(act)] == [bn]
    assert not any(e.highlight for e in view.scene().edges.values())


def test_moving_cards_pushes_one_command_on_release(qtbot):
    view = make_view(qtbot, loose_design())
    doc, scene = view.document, view.scene()
    fc, act = by_name(doc.design, "fc"), by_name(doc.design, "act")
    view.zoom_by(1.0 / view.zoom())
    view.centerOn(QPointF(230, 150))
    view.set_snap(True)
    doc.set_selection([fc, act])
    count = doc.undo_stack.count()
    vp = view.viewport()
    a = view.mapFromScene(scene.node_item(fc).card_rect().center() + QPointF(0, 10))
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    for k in range(1, 8):
        QTest.mouseMove(vp, a + QPoint(7 * k, 5 * k))
    assert doc.undo_stack.count() == count  # nothing pushed mid-drag
    end = a + QPoint(53, 37)
    QTest.mouseMove(vp, end)
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    assert doc.undo_stack.count() == count + 1
    pos_fc, pos_act = doc.design.nodes[fc].position, doc.design.nodes[act].position
    assert pos_fc != (0.0, 150.0) and pos_act != (260.0, 150.0)
    assert all(v % 10 == 0 for v in pos_fc + pos_act)  # snapped to the grid
    assert (scene.node_item(fc).x(), scene.node_item(fc).y()) == pos_fc
    # the edge followed the card
    edge = view.edge_item(doc.design.inputs_of(act)[0].id)
    assert (edge.path().currentPosition() - scene.node_item(act).inputs[0].scenePos()
            ).manhattanLength() < 1
    doc.undo_stack.undo()
    assert doc.design.nodes[fc].position == (0.0, 150.0)
    assert (scene.node_item(fc).x(), scene.node_item(fc).y()) == (0.0, 150.0)


def test_delete_key_on_a_selected_edge_disconnects(qtbot):
    view = make_view(qtbot, loose_design())
    doc = view.document
    edge = next(iter(doc.design.edges))
    view.select_ids([edge])
    assert view.edge_item(edge).isSelected()
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_Delete)
    assert edge not in doc.design.edges and edge not in view.scene().edges
    doc.undo_stack.undo()
    assert edge in doc.design.edges and edge in view.scene().edges


def test_arrow_keys_nudge_the_selection_one_command_per_press(qtbot):
    view = make_view(qtbot, loose_design())
    doc = view.document
    fc = by_name(doc.design, "fc")
    view.select_ids([fc])
    view.setFocus()
    count = doc.undo_stack.count()
    QTest.keyClick(view, Qt.Key.Key_Right)
    QTest.keyClick(view, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert doc.design.nodes[fc].position == (10.0, 200.0)
    assert doc.undo_stack.count() == count + 2
    assert (view.node_item(fc).x(), view.node_item(fc).y()) == (10.0, 200.0)
