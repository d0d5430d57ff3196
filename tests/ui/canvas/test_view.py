"""The view: auto layout as one undo step, fit, zoom keys, pan, minimap, image export."""

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from netlab.design import Design
from tests.ui.canvas.conftest import make_view
from ui.canvas.minimap import MinimapWidget


def piled_design() -> Design:
    """A branchy design with every node on the same spot."""
    d = Design()
    x = d.add_node("Input", "x", {"shape": [3, 16, 16]})
    stem = d.add_node("Conv2d", "stem", {"in_channels": "auto", "out_channels": 8,
                                         "kernel_size": 3, "padding": 1})
    d.connect(x.id, stem.id)
    ends = []
    for k in range(3):
        a = d.add_node("Conv2d", f"b{k}", {"in_channels": "auto", "out_channels": 4,
                                           "kernel_size": 1})
        r = d.add_node("ReLU", f"r{k}")
        d.connect(stem.id, a.id)
        d.connect(a.id, r.id)
        ends.append(r)
    cat = d.add_node("Concat", "cat", {"dim": 1})
    for r in ends:
        d.connect(r.id, cat.id)
    out = d.add_node("Output", "out")
    d.connect(cat.id, out.id)
    return d


def card_overlaps(scene) -> list:
    items = list(scene.nodes.values())
    return [(a.name, b.name) for i, a in enumerate(items) for b in items[i + 1:]
            if a.card_rect().intersects(b.card_rect())]


def test_auto_layout_removes_overlaps_in_one_undo_step(qtbot):
    view = make_view(qtbot, piled_design())
    doc, scene = view.document, view.scene()
    before = {n: node.position for n, node in doc.design.nodes.items()}
    assert card_overlaps(scene)
    count = doc.undo_stack.count()
    assert view.auto_layout()
    assert doc.undo_stack.count() == count + 1
    assert not card_overlaps(scene)
    for n, node in doc.design.nodes.items():
        assert (scene.node_item(n).x(), scene.node_item(n).y()) == node.position
    doc.undo_stack.undo()
    assert {n: node.position for n, node in doc.design.nodes.items()} == before
    assert card_overlaps(scene)


def test_fit_to_view_shows_everything_and_f_key_fits(lenet):
    lenet.zoom_by(3.0)
    seen = lenet.mapToScene(lenet.viewport().rect()).boundingRect()
    content = lenet.scene().content_rect()
    assert not seen.contains(content)
    lenet.fit_to_view()
    seen = lenet.mapToScene(lenet.viewport().rect()).boundingRect()
    assert seen.contains(content)
    lenet.zoom_by(3.0)
    lenet.setFocus()
    QTest.keyClick(lenet, Qt.Key.Key_F)
    assert lenet.mapToScene(lenet.viewport().rect()).boundingRect().contains(content)


def test_zoom_keys_wheel_limits_and_pan(lenet):
    lenet.zoom_by(1.0 / lenet.zoom())
    lenet.setFocus()
    QTest.keyClick(lenet, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert lenet.zoom() == pytest.approx(1.25)
    QTest.keyClick(lenet, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert lenet.zoom() == pytest.approx(1.0)
    lenet.zoom_by(1000)
    assert lenet.zoom() == pytest.approx(4.0)
    lenet.zoom_by(1e-6)
    assert lenet.zoom() == pytest.approx(0.08)
    lenet.zoom_by(1.0 / lenet.zoom())
    centre = lenet.mapToScene(lenet.viewport().rect().center())
    vp = lenet.viewport()
    p = QPoint(200, 200)
    QTest.mousePress(vp, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, p)
    QTest.mouseMove(vp, p + QPoint(-60, -40))
    QTest.mouseRelease(vp, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier,
                       p + QPoint(-60, -40))
    moved = lenet.mapToScene(lenet.viewport().rect().center()) - centre
    assert moved.x() == pytest.approx(60, abs=2) and moved.y() == pytest.approx(40, abs=2)


def test_minimap_appears_for_a_large_graph_and_click_pans(lenet):
    assert isinstance(lenet.minimap, MinimapWidget)
    lenet.zoom_by(1.0 / lenet.zoom())  # lenet is taller than the view at 100%
    lenet.centerOn(QPointF(100, 0))
    assert lenet.minimap.isVisible()
    target = lenet.minimap.rect().center() + QPoint(0, lenet.minimap.height() // 3)
    want = lenet.minimap.to_scene(QPointF(target))
    QTest.mouseClick(lenet.minimap, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     target)
    now = lenet.mapToScene(lenet.viewport().rect().center())
    assert abs(now.y() - want.y()) < 5
    lenet.fit_to_view()  # everything in view: no need for an overview
    assert not lenet.minimap.isVisible()
    lenet.zoom_by(4.0)
    lenet.set_minimap_visible(False)
    assert not lenet.minimap.isVisible()


def test_export_png_and_svg(lenet, tmp_path):
    lenet.select_ids(["n2"])
    png = lenet.export_image(tmp_path / "graph.png")
    svg = lenet.export_image(tmp_path / "graph.svg")
    assert png.stat().st_size > 1000 and svg.stat().st_size > 1000
    img = QImage(str(png))
    content = lenet.scene().content_rect()
    assert img.width() == pytest.approx(2 * (content.width() + 48), abs=2)
    text = svg.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text and "conv1" in text
    assert lenet.document.selection == ["n2"] and lenet.node_item("n2").isSelected()
    with pytest.raises(ValueError, match=r"\.png or \.svg"):
        lenet.export_image(tmp_path / "graph.bmpx")


def test_wheel_zooms_and_space_drag_pans(lenet):
    lenet.zoom_by(1.0 / lenet.zoom())
    vp = lenet.viewport()
    centre = QPointF(vp.rect().center())
    wheel = QWheelEvent(centre, QPointF(lenet.mapToGlobal(centre.toPoint())), QPoint(0, 0),
                        QPoint(0, 120), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(vp, wheel)
    assert lenet.zoom() == pytest.approx(1.0015 ** 120)
    lenet.zoom_by(1.0 / lenet.zoom())
    lenet.setFocus()
    before = lenet.mapToScene(vp.rect().center())
    QTest.keyPress(lenet, Qt.Key.Key_Space)
    p = QPoint(300, 300)
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, p)
    QTest.mouseMove(vp, p + QPoint(50, 0))
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       p + QPoint(50, 0))
    QTest.keyRelease(lenet, Qt.Key.Key_Space)
    moved = lenet.mapToScene(vp.rect().center()) - before
    assert moved.x() == pytest.approx(-50, abs=2)
    assert lenet.document.selection == []  # a pan is not a rubber band


def test_whole_model_wrappers_show_a_banner(lenet):
    assert lenet.model_banner() == ""
    lenet.document.set_dataparallel(True)
    assert "module." in lenet.model_banner()
    plain = lenet.grab().toImage()
    lenet.document.set_dataparallel(False)
    assert lenet.grab().toImage() != plain


def test_fit_with_a_readable_zoom_shows_the_top_of_a_tall_graph(lenet):
    lenet.fit_to_view()
    small = lenet.zoom()
    assert small < 0.8  # lenet is taller than the 700-pixel view
    lenet.fit_to_view(min_zoom=0.8)
    assert lenet.zoom() == pytest.approx(0.8)
    seen = lenet.mapToScene(lenet.viewport().rect()).boundingRect()
    first = lenet.node_item("n1").card_rect()
    assert seen.contains(first) and first.top() - seen.top() < 60
    assert lenet.minimap.isVisible()
