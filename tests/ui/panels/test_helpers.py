"""Shared panel helpers: number formats, data-flow order, shared costs, icon colours."""


from ui.canvas.style import category_color as node_color
from ui.icons import PALETTE_CATEGORIES, category_color, category_icon
from ui.panels.formatting import document_costs, format_bytes, format_count
from ui.panels.palette import palette_entries


def test_number_formats():
    assert format_count(1234567) == "1,234,567" and format_count(None) == "-"
    assert [format_bytes(n) for n in (0, 1023, 1024, 1536, 5 * 2 ** 20, 3 * 2 ** 30)] == [
        "0 B", "1023 B", "1.0 KiB", "1.5 KiB", "5.0 MiB", "3.0 GiB"]


def test_costs_are_shared_per_inference(doc):
    first = document_costs(doc, 2, "adam")
    assert document_costs(doc, 2, "adam") is first
    assert first.total == doc.costs(2, "adam").total
    fc3 = next(n.id for n in doc.design.nodes.values() if n.name == "fc3")
    doc.set_param(fc3, "out_features", 5)
    fresh = document_costs(doc, 2, "adam")  # the edit's inference is run first
    assert fresh is not first and fresh.nodes[fc3].total_params == 84 * 5 + 5


def test_icons_match_the_canvas_node_colours(qtbot):
    for entry in palette_entries():
        assert category_color(entry.category) == node_color(entry.type_name), entry
    for cat in PALETTE_CATEGORIES:
        icon = category_icon(cat)
        assert not icon.isNull()
        image = icon.pixmap(32, 32).toImage()
        assert image.pixelColor(16, 2).name() == category_color(cat).name()  # the tile
