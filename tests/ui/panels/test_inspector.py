"""The inspector: fitting editors, validation as you type, two-way binding, names, keys."""

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from netlab.design.catalogue import AUTO, CATALOGUE
from netlab.design.infer import format_shape
from tests.ui.panels.conftest import node_id, show
from ui.panels.editors import (
    INVALID_STYLE,
    AutoParamEditor,
    field_specs,
    make_editor,
    parse_text,
)
from ui.panels.inspector import InspectorPanel

EXPECTED_KIND = {"int": "spin", "bool": "check", "choice": "combo", "optional_bool": "combo",
                 "float": "line", "str": "line", "int_or_tuple": "line", "tuple": "line",
                 "shape": "line", "optional_int": "line", "optional_float": "line",
                 "optional_int_or_tuple": "line"}


def _type(qtbot, line_edit, text):
    line_edit.setFocus()
    line_edit.selectAll()
    qtbot.keyClicks(line_edit, text)


def test_every_parameter_of_every_layer_gets_its_editor(qtbot):
    for name, spec in CATALOGUE.items():
        for p, field in zip(spec.params, field_specs(name)):
            editor = make_editor(field)
            qtbot.addWidget(editor)
            inner = editor.inner if p.auto else editor
            assert isinstance(editor, AutoParamEditor) == p.auto, (name, p.name)
            assert inner.editor_kind == EXPECTED_KIND[p.kind], (name, p.name, p.kind)
            editor.set_value(spec.defaults().get(p.name, p.default))  # every default shows
            assert editor.error is None and inner.error is None, (name, p.name)


def test_inspector_shows_the_selected_node_with_fitting_editors(qtbot, doc):
    panel = show(qtbot, InspectorPanel(doc))
    conv1 = node_id(doc, "conv1")
    doc.set_selection([conv1])
    ed = panel.editors
    assert list(ed) == [p.name for p in CATALOGUE["Conv2d"].params]
    assert isinstance(ed["in_channels"], AutoParamEditor)
    assert ed["in_channels"].inner.spin.value() == 3
    assert ed["out_channels"].editor_kind == "spin" and ed["out_channels"].spin.value() == 6
    assert ed["out_channels"].spin.minimum() == 1  # read off the catalogue's own check
    assert ed["kernel_size"].editor_kind == "line" and ed["kernel_size"].edit.text() == "5"
    assert ed["bias"].box.isChecked()
    assert ed["padding_mode"].combo.currentText() == "zeros"
    assert panel.name_edit.text() == "conv1"
    assert panel.info["shape"].text() == "(N, 6, 28, 28)"
    assert panel.info["params"].text().startswith("456")
    assert panel.info["macs"].text() == f"{doc.costs().nodes[conv1].macs:,}"
    doc.set_selection([])
    assert panel.editors == {} and panel.name_edit is None


def test_a_bad_value_marks_the_field_keeps_the_text_and_leaves_the_model(qtbot, doc):
    panel = show(qtbot, InspectorPanel(doc))
    conv1 = node_id(doc, "conv1")
    doc.set_selection([conv1])
    editor = panel.editors["kernel_size"]
    stack = doc.undo_stack.count()
    _type(qtbot, editor.edit, "0, x")
    assert editor.error == "Conv2d: kernel_size must be a positive int or a pair, got '0, x'"
    assert editor.edit.styleSheet() == INVALID_STYLE and editor.error_label.isVisible()
    assert doc.design.nodes[conv1].params["kernel_size"] == 5
    assert doc.undo_stack.count() == stack
    doc.set_param(conv1, "out_channels", 8)  # another edit re-syncs: the typing stays
    assert editor.edit.text() == "0, x" and editor.error is not None
    assert panel.editors["out_channels"].spin.value() == 8


def test_a_good_value_sets_the_param_and_the_shape_follows(qtbot, doc):
    panel = show(qtbot, InspectorPanel(doc))
    conv1 = node_id(doc, "conv1")
    doc.set_selection([conv1])
    editor = panel.editors["kernel_size"]
    _type(qtbot, editor.edit, "3,3")
    assert editor.error is None and editor.edit.styleSheet() == ""
    assert doc.design.nodes[conv1].params["kernel_size"] == (3, 3)
    assert editor.edit.text() == "3,3"  # the user's spelling stays
    assert doc.undo_stack.count() == 1  # "3," was incomplete, "3" and "3,3" merged
    doc.refresh_now()
    assert doc.inference.nodes[conv1].shape == ("N", 6, 30, 30)
    assert panel.info["shape"].text() == "(N, 6, 30, 30)"
    doc.undo_stack.undo()  # the model writes back into the widget
    assert editor.edit.text() == "5"


def test_spin_check_combo_and_auto_editors_set_params_and_follow_undo(qtbot, doc):
    panel = show(qtbot, InspectorPanel(doc))
    conv1 = node_id(doc, "conv1")
    doc.set_selection([conv1])
    ed = panel.editors
    ed["out_channels"].spin.setValue(12)
    ed["bias"].box.setChecked(False)
    ed["padding_mode"].combo.setCurrentText("reflect")
    params = doc.design.nodes[conv1].params
    assert (params["out_channels"], params["bias"], params["padding_mode"]) == (12, False,
                                                                                "reflect")
    ed["in_channels"].auto_box.setChecked(True)
    assert params["in_channels"] == AUTO and not ed["in_channels"].inner.isEnabled()
    doc.refresh_now()
    assert ed["in_channels"].inner.spin.value() == 3  # what auto stands for
    ed["in_channels"].auto_box.setChecked(False)  # pins the inferred value
    assert params["in_channels"] == 3
    for _ in range(5):
        doc.undo_stack.undo()
    ed = panel.editors  # undoing a first-time parameter restores a snapshot: a new form
    assert ed["out_channels"].spin.value() == 6 and ed["bias"].box.isChecked()
    assert ed["padding_mode"].combo.currentText() == "zeros"
    doc.undo_stack.redo()
    assert ed["out_channels"].spin.value() == 12


def test_float_optional_and_special_node_fields(qtbot, doc):
    panel = show(qtbot, InspectorPanel(doc))
    x, pool = node_id(doc, "x"), node_id(doc, "pool1")
    doc.set_selection([pool])
    assert panel.editors["stride"].edit.placeholderText() == "None"
    _type(qtbot, panel.editors["stride"].edit, "2")
    assert doc.design.nodes[pool].params["stride"] == 2
    qtbot.keyClick(panel.editors["stride"].edit, Qt.Key_Backspace)
    assert doc.design.nodes[pool].params["stride"] is None  # optional: empty is None
    drop = doc.add_node("Dropout")
    _type(qtbot, panel.editors["p"].edit, "1.5")
    assert "probability" in panel.editors["p"].error
    _type(qtbot, panel.editors["p"].edit, "0.25")
    assert doc.design.nodes[drop].params["p"] == 0.25
    doc.set_selection([x])
    assert panel.editors["shape"].edit.text() == "3, 32, 32"
    _type(qtbot, panel.editors["shape"].edit, "3, 0")
    assert "positive" in panel.editors["shape"].error
    _type(qtbot, panel.editors["shape"].edit, "3, 28, 28")
    assert doc.design.nodes[x].params["shape"] == [3, 28, 28]
    assert parse_text("optional_int", " None ") is None and parse_text("tuple", "") is None


def test_rename_is_validated_as_typed_and_applied_on_enter(qtbot, doc):
    panel = show(qtbot, InspectorPanel(doc))
    conv1 = node_id(doc, "conv1")
    doc.set_selection([conv1])
    edit = panel.name_edit
    _type(qtbot, edit, "2conv")
    assert "not a valid Python identifier" in panel.name_error.text()
    assert edit.styleSheet() == INVALID_STYLE
    qtbot.keyClick(edit, Qt.Key_Return)
    assert doc.design.nodes[conv1].name == "conv1" and edit.text() == "2conv"
    _type(qtbot, edit, "conv2")
    assert panel.name_error.text() == ("the name 'conv2' is already used at this level: "
                                       "choose another")
    _type(qtbot, edit, "features")
    assert not panel.name_error.isVisible()
    doc.set_param(conv1, "out_channels", 7)  # another edit meanwhile: the typed name stays
    assert edit.text() == "features" and doc.design.nodes[conv1].name == "conv1"
    qtbot.keyClick(edit, Qt.Key_Return)
    assert doc.design.nodes[conv1].name == "features"
    doc.refresh_now()
    assert panel.keys_table.keys() == ["features.weight", "features.bias"]
    doc.undo_stack.undo()
    assert edit.text() == "conv1"


def test_keys_table_matches_inference_and_copies(qtbot, doc):
    panel = show(qtbot, InspectorPanel(doc))
    bn = doc.add_node("BatchNorm2d", after=node_id(doc, "conv1"))
    doc.refresh_now()
    entries = doc.inference.nodes[bn].entries
    table = panel.keys_table
    assert table.keys() == [e.key for e in entries] == [
        "batchnorm2d.weight", "batchnorm2d.bias", "batchnorm2d.running_mean",
        "batchnorm2d.running_var", "batchnorm2d.num_batches_tracked"]
    assert table.rows()[4] == ("batchnorm2d.num_batches_tracked", "()", "int64", "buffer")
    assert table.rows()[0] == ("batchnorm2d.weight", "(6,)", "float32", "parameter")
    table.setFocus()
    table.selectRow(0)
    qtbot.keyClick(table, Qt.Key_C, Qt.ControlModifier)
    assert QGuiApplication.clipboard().text() == "batchnorm2d.weight\t(6,)\tfloat32\tparameter"
    panel.copy_button.click()
    assert QGuiApplication.clipboard().text() == "\n".join(e.key for e in entries)


def test_groups_and_multiple_selections_show_combined_counts(qtbot, doc):
    panel = show(qtbot, InspectorPanel(doc))
    conv1, relu1 = node_id(doc, "conv1"), node_id(doc, "relu1")
    fc1 = node_id(doc, "fc1")
    doc.set_selection([conv1, fc1])
    assert panel.title.text() == "2 items selected"
    assert panel.info["params"].text().startswith(f"{456 + 48120:,}")
    gid = doc.group([conv1, relu1], name="stage1")
    assert panel.item_id == gid and panel.name_edit.text() == "stage1"
    assert panel.info["kind"].text() == "nn.Sequential"
    assert panel.info["members"].text() == "conv1, relu1"
    assert panel.keys_table.keys() == ["stage1.0.weight", "stage1.0.bias"]
    assert panel.info["params"].text().startswith("456")
    _type(qtbot, panel.name_edit, "block")
    qtbot.keyClick(panel.name_edit, Qt.Key_Return)
    doc.refresh_now()
    assert panel.keys_table.keys() == ["block.0.weight", "block.0.bias"]


def test_a_bad_value_from_the_file_is_shown_on_its_field(qtbot, doc):
    panel = show(qtbot, InspectorPanel(doc))
    fc1, conv1 = node_id(doc, "fc1"), node_id(doc, "conv1")
    doc.design.nodes[fc1].params["in_features"] = 0  # as a hand-edited design file may hold
    doc.design.nodes[conv1].params["padding_mode"] = "mirror"
    doc.set_selection([fc1])
    editor = panel.editors["in_features"]
    assert not editor.is_auto and editor.error.startswith("the design holds 0: Linear: "
                                                          "in_features must be a positive int")
    assert editor.inner.spin.styleSheet() == INVALID_STYLE
    editor.inner.spin.setValue(400)  # fixing it clears the mark
    assert editor.error is None and doc.design.nodes[fc1].params["in_features"] == 400
    doc.set_selection([conv1])
    assert "one of 'zeros', 'reflect'" in panel.editors["padding_mode"].error


def test_error_of_the_node_is_shown(qtbot, doc):
    panel = show(qtbot, InspectorPanel(doc))
    fc1 = node_id(doc, "fc1")
    doc.set_selection([fc1])
    panel.editors["in_features"].inner.spin.setValue(7)
    doc.refresh_now()
    assert panel.info["error"].isVisible()
    assert panel.info["error"].text() == doc.inference.nodes[fc1].error
    assert panel.info["shape"].text() == format_shape(None)
