"""The summary: rows, keys and totals as netlab.design computes them; preview and toggles."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from netlab.design.costs import costs
from netlab.design.export import summary
from netlab.design.infer import infer
from netlab.design.io import load_design, to_dict
from tests.ui.panels.conftest import show
from ui.editor.document import Document
from ui.editor.files import example_path
from ui.panels.formatting import format_bytes, format_count
from ui.panels.summary import LAYER_COLUMNS, SummaryPanel


@pytest.mark.parametrize("example", ["lenet", "cnn_naming_example1", "cnn_naming_example2"])
def test_rows_keys_and_totals_match_export_infer_and_costs(qtbot, example):
    doc = Document(load_design(example_path(example)), debounce_ms=0)
    panel = show(qtbot, SummaryPanel(doc))
    d = doc.design
    text = summary(d).splitlines()[3:3 + len(d.nodes)]
    rows = panel.rows()
    assert len(rows) == panel.table.model().rowCount() == len(d.nodes)
    for row, line in zip(rows, text):
        layer, type_, shape, params, _, keys = row
        assert line.startswith(f"{layer} ({type_})"), (row, line)
        assert line.split() [-len(keys.split()):] == keys.split() or keys == "-"
        assert f" {shape} " in line and f" {params} " in line
    for r, row in enumerate(rows):
        model = panel.table.model()
        assert tuple(model.index(r, c).data() for c in range(len(LAYER_COLUMNS))) == row
    inf = infer(d)
    assert panel.keys_table.keys() == inf.state_dict_keys()
    panel.batch_spin.setValue(4)
    panel.optimizer_combo.setCurrentIndex(panel.optimizer_combo.findData("adam"))
    total = costs(d, 4, "adam").total
    totals = panel.totals.text()
    assert f"<b>Params</b> {format_count(total.total_params)} " in totals
    assert f"<b>MACs</b> {format_count(total.macs)}" in totals
    assert f"<b>Memory</b> {format_bytes(total.memory_bytes)} " in totals
    assert f"optimizer {format_bytes(total.optimizer_bytes)}" in totals
    assert f"<b>Keys</b> {len(inf.state_dict_keys())}" in totals
    macs = {r[0].strip(): r[4] for r in rows}
    fc1 = next(n for n in d.nodes.values() if n.name == "fc1")
    assert costs(d, 1).nodes[fc1.id].macs == int(macs[[k for k in macs
                                                       if k.endswith("fc1")][0]]
                                                  .replace(",", ""))


def test_dataparallel_preview_shows_module_keys_without_changing_the_design(qtbot, doc):
    panel = show(qtbot, SummaryPanel(doc))
    before = to_dict(doc.design)
    keys = panel.keys_table.keys()
    panel.preview_box.setChecked(True)
    assert panel.keys_table.keys() == ["module." + k for k in keys]
    assert panel.rows()[1][0] == "module.conv1" and panel.rows()[0][0] == "x"
    assert to_dict(doc.design) == before and doc.undo_stack.count() == 0
    panel.tabs.setCurrentWidget(panel.keys_table)
    panel.copy_button.click()
    text = QGuiApplication.clipboard().text().splitlines()
    assert text[0] == "Key\tShape\tDtype\tKind"
    assert text[1] == "module.conv1.weight\t(6, 3, 5, 5)\tfloat32\tparameter"
    panel.tabs.setCurrentWidget(panel.table)
    panel.copy_button.click()
    assert QGuiApplication.clipboard().text().splitlines()[2].startswith("module.conv1\tConv2d")
    panel.preview_box.setChecked(False)
    assert panel.keys_table.keys() == keys


def test_model_toggles_go_through_the_document(qtbot, doc):
    panel = show(qtbot, SummaryPanel(doc))
    qtbot.mouseClick(panel.dataparallel_box, Qt.LeftButton)
    assert doc.design.dataparallel and doc.undo_stack.count() == 1
    doc.refresh_now()
    assert panel.keys_table.keys()[0] == "module.conv1.weight"
    assert not panel.preview_box.isEnabled()  # already wrapped
    doc.undo_stack.undo()
    assert not panel.dataparallel_box.isChecked()
    doc.refresh_now()
    assert panel.keys_table.keys()[0] == "conv1.weight"
    qtbot.mouseClick(panel.sequential_box, Qt.LeftButton)
    assert doc.design.root_sequential
    doc.refresh_now()
    assert panel.keys_table.keys()[:2] == ["0.weight", "0.bias"]
    doc.undo_stack.undo()
    assert not panel.sequential_box.isChecked()


def test_a_refused_toggle_leaves_the_box_as_the_model_is(qtbot):
    doc = Document(load_design(example_path("cnn_naming_example1")), debounce_ms=0)
    panel = show(qtbot, SummaryPanel(doc))
    messages = []
    doc.message.connect(messages.append)
    panel.sequential_box.setChecked(True)  # a reference group cannot be in a Sequential
    assert not doc.design.root_sequential and not panel.sequential_box.isChecked()
    assert "reference group" in messages[0]


def test_hidden_panel_catches_up_when_shown(qtbot, doc):
    panel = SummaryPanel(doc)
    qtbot.addWidget(panel)
    doc.set_param(next(n.id for n in doc.design.nodes.values() if n.name == "fc3"),
                  "out_features", 5)
    doc.refresh_now()
    assert panel.rows()[-2][2] == "(N, 10)"  # hidden: not rebuilt yet
    panel.show()
    assert panel.rows()[-2][2] == "(N, 5)"
