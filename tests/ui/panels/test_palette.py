"""The palette: every layer by category, search, tooltips, drag data, double-click to add."""

from PySide6.QtCore import Qt

from netlab.design.catalogue import CATALOGUE, CATEGORIES
from tests.ui.panels.conftest import node_id, show
from ui.icons import PALETTE_CATEGORIES
from ui.panels.palette import MIME_LAYER, PalettePanel, help_html

ISSUE_CATEGORIES = ("Linear", "Convolution", "Pooling", "Normalization", "Activation",
                    "Dropout", "Recurrent", "Attention", "Shape", "Merge", "Containers", "Loss")


def test_every_catalogue_type_and_special_is_listed_under_its_category(qtbot, doc):
    panel = show(qtbot, PalettePanel(doc))
    cats = panel.categories()
    assert list(cats) == [c for c in PALETTE_CATEGORIES if c in cats]
    assert set(ISSUE_CATEGORIES) | set(CATEGORIES) <= set(cats)
    for name, spec in CATALOGUE.items():
        assert name in cats[spec.category], name
    assert cats["Input / Output"] == ["Input", "Output"]
    assert cats["Merge"] == ["Add", "Concat", "Multiply"]
    assert {"Reshape", "Permute"} <= set(cats["Shape"])
    assert cats["Containers"] == ["DataParallel", "Sequential"]
    listed = [t for types in cats.values() for t in types]
    assert len(listed) == len(CATALOGUE) + 9 == len(set(listed))
    for cat in cats:  # every category heading and entry has its icon
        assert not panel._categories[cat].icon(0).isNull()


def test_search_filters_by_name_and_category(qtbot, doc):
    panel = show(qtbot, PalettePanel(doc))
    panel.set_filter("CONV")
    visible = panel.visible_types()
    assert "Conv2d" in visible and "ConvTranspose1d" in visible
    assert all("conv" in t.lower() or CATALOGUE[t].category == "Convolution" for t in visible)
    assert panel._categories["Activation"].isHidden()
    panel.set_filter("merge")
    assert panel.visible_types() == ["Add", "Concat", "Multiply"]
    panel.set_filter("no such layer")
    assert panel.visible_types() == []
    panel.set_filter("")
    assert len(panel.visible_types()) == len(CATALOGUE) + 9


def test_tooltip_is_the_catalogue_help(qtbot, doc):
    panel = show(qtbot, PalettePanel(doc))
    for name, spec in CATALOGUE.items():
        assert panel.item(name).toolTip(0) == help_html(spec.help)
    assert "y = x A^T + b" in panel.item("Linear").toolTip(0)
    assert help_html("a ``b < c``") == "<p>a <code>b &lt; c</code></p>"


def test_drag_carries_the_type_name_as_layer_mime_data(qtbot, doc):
    panel = show(qtbot, PalettePanel(doc))
    tree = panel.tree
    assert tree.mimeTypes() == [MIME_LAYER]
    data = tree.mimeData([panel.item("Conv2d")])
    assert bytes(data.data(MIME_LAYER)) == b"Conv2d" and data.text() == "Conv2d"
    assert bytes(tree.mimeData([panel.item("Add")]).data(MIME_LAYER)) == b"Add"
    assert panel.item("Conv2d").flags() & Qt.ItemIsDragEnabled
    # containers act on the selection: no node to drop
    assert not panel.item("Sequential").flags() & Qt.ItemIsDragEnabled
    assert not panel._categories["Linear"].flags() & Qt.ItemIsDragEnabled


def test_start_drag_copies_the_current_entry(qtbot, doc, monkeypatch):
    panel = show(qtbot, PalettePanel(doc))
    started = []

    class FakeDrag:
        def __init__(self, source):
            self.source = source

        def setMimeData(self, data):
            self.data = data

        def setPixmap(self, pixmap):
            self.pixmap = pixmap

        def exec(self, actions, default):
            started.append((bytes(self.data.data(MIME_LAYER)), actions, default))
            return Qt.CopyAction

    monkeypatch.setattr("ui.panels.palette.QDrag", FakeDrag)
    panel.tree.setCurrentItem(panel.item("MaxPool2d"))
    panel.tree.startDrag(Qt.CopyAction | Qt.MoveAction)
    assert started == [(b"MaxPool2d", Qt.CopyAction, Qt.CopyAction)]
    assert panel.item("MaxPool2d").parent() is not None  # the entry stays in the palette
    panel.tree.setCurrentItem(panel.item("Sequential"))
    panel.tree.startDrag(Qt.CopyAction)
    assert len(started) == 1  # containers are not dragged


def _double_click(qtbot, panel, type_name):
    tree = panel.tree
    item = panel.item(type_name)
    tree.scrollToItem(item)
    pos = tree.visualItemRect(item).center()
    qtbot.mouseClick(tree.viewport(), Qt.LeftButton, pos=pos)  # a double-click's first press
    qtbot.mouseDClick(tree.viewport(), Qt.LeftButton, pos=pos)


def test_double_click_adds_after_the_selected_node(qtbot, doc):
    panel = show(qtbot, PalettePanel(doc))
    conv1, relu1 = node_id(doc, "conv1"), node_id(doc, "relu1")
    doc.set_selection([conv1])
    before = set(doc.design.nodes)
    _double_click(qtbot, panel, "BatchNorm2d")
    (new,) = set(doc.design.nodes) - before
    d = doc.design
    assert d.nodes[new].type == "BatchNorm2d"
    assert [e.src for e in d.inputs_of(new)] == [conv1]
    assert [e.dst for e in d.outputs_of(new)] == [relu1]
    assert doc.selection == [new]
    doc.refresh_now()
    assert doc.inference.nodes[new].error is None
    assert doc.inference.nodes[new].shape == ("N", 6, 28, 28)
    doc.undo_stack.undo()
    assert set(doc.design.nodes) == before


def test_double_click_without_selection_adds_below_and_return_adds_first_match(qtbot, doc):
    panel = show(qtbot, PalettePanel(doc))
    lowest = max(n.position[1] for n in doc.design.nodes.values())
    before = set(doc.design.nodes)
    _double_click(qtbot, panel, "Dropout")
    (new,) = set(doc.design.nodes) - before
    assert doc.design.nodes[new].position[1] == lowest + 90
    assert not doc.design.inputs_of(new)
    panel.set_filter("gelu")
    doc.set_selection([new])
    qtbot.keyClick(panel.search, Qt.Key_Return)
    gelu = doc.selection[0]
    assert doc.design.nodes[gelu].type == "GELU"
    assert [e.src for e in doc.design.inputs_of(gelu)] == [new]


def test_containers_group_the_selection_or_say_what_to_do(qtbot, doc):
    panel = show(qtbot, PalettePanel(doc))
    messages = []
    doc.message.connect(messages.append)
    assert panel.activate("Sequential") is None and "select" in messages[0]
    conv1, relu1 = node_id(doc, "conv1"), node_id(doc, "relu1")
    doc.set_selection([conv1, relu1])
    _double_click(qtbot, panel, "Sequential")
    (gid,) = doc.design.groups
    assert doc.design.groups[gid].members == [conv1, relu1]
    doc.refresh_now()
    assert doc.inference.state_dict_keys()[:2] == [f"{doc.design.groups[gid].name}.0.weight",
                                                   f"{doc.design.groups[gid].name}.0.bias"]
    panel.activate("DataParallel")
    assert doc.design.groups[doc.selection[0]].kind == "dataparallel"
