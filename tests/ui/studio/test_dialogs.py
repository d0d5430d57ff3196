import numpy as np
from PySide6.QtWidgets import QMessageBox, QWidget

from netlab.design.compile import compile as compile_design
from netlab.design.infer import infer
from netlab.design.io import load_design
from ui.studio import export_dialog
from ui.studio.export_dialog import ExportDialog, preview_keys
from ui.studio.guarded import describe, guarded
from ui.studio.import_dialog import ImportDialog
from ui.studio.weights import MATCHED, MISMATCHED, MISSING, add_prefix


def lenet():
    return load_design("resources/examples/lenet.json")


def node_id(design, name):
    return next(n.id for n in design.nodes.values() if n.name == name)


def state_of(design):
    return {k: v.numpy() for k, v in compile_design(design).state_dict().items()}


def tree_rows(tree):
    rows = {}
    for i in range(tree.topLevelItemCount()):
        top = tree.topLevelItem(i)
        rows[top.text(0)] = (top.text(1), [top.child(j).text(0) for j in range(top.childCount())])
    return rows


def test_import_dialog_lists_each_node_and_the_unexpected_keys(qtbot):
    d = lenet()
    state = state_of(d)
    del state["fc1.bias"]
    state["conv2.weight"] = np.zeros((1, 1), np.float32)
    state["extra.weight"] = np.zeros(3, np.float32)
    dialog = ImportDialog(d, infer(d), state, "w.pt")
    qtbot.addWidget(dialog)
    rows = tree_rows(dialog.tree)
    assert rows["conv1 (Conv2d)"] == (MATCHED, ["conv1.weight", "conv1.bias"])
    assert rows["fc1 (Linear)"][0] == MISSING
    assert rows["conv2 (Conv2d)"][0] == MISMATCHED
    assert rows["Unexpected keys (1)"][1] == ["extra.weight"]
    assert dialog.node_status(node_id(d, "fc3")) == MATCHED
    assert dialog.node_status(node_id(d, "relu1")) is None
    assert "8 matched, 1 missing, 1 mismatched, 1 unexpected" in dialog.summary_label.text()
    assert dialog.load_button.isEnabled()


def test_import_dialog_prefix_buttons_rematch(qtbot):
    d = lenet()
    wrapped = add_prefix(state_of(d))
    dialog = ImportDialog(d, infer(d), wrapped)
    qtbot.addWidget(dialog)
    assert dialog.match.count(MATCHED) == 0
    assert not dialog.load_button.isEnabled()
    assert "Stripping the module. prefix would match more keys" in dialog.summary_label.text()
    assert not dialog.add_button.isEnabled() and dialog.strip_button.isEnabled()
    dialog.strip_button.click()
    assert dialog.match.count(MATCHED) == 10 and not dialog.match.unexpected
    assert dialog.load_button.isEnabled() and dialog.add_button.isEnabled()
    assert all(not k.startswith("module.") for k in dialog.state)
    dialog.add_button.click()
    assert dialog.match.count(MATCHED) == 0


def test_export_dialog_previews_keys_and_follows_the_format(qtbot, tmp_path, monkeypatch):
    d = lenet()
    dialog = ExportDialog(d, infer(d), str(tmp_path / "lenet.pt"))
    qtbot.addWidget(dialog)
    keys = [dialog.keys_list.item(i).text() for i in range(dialog.keys_list.count())]
    assert keys == infer(d).state_dict_keys()
    dialog.prefix_combo.setCurrentIndex(1)  # with module.
    assert dialog.keys_list.item(0).text() == "module.conv1.weight"
    dialog.format_combo.setCurrentIndex(1)
    choice = dialog.choice()
    assert choice.path == tmp_path / "lenet.safetensors"
    assert (choice.format, choice.module_prefix) == ("safetensors", True)
    monkeypatch.setattr(export_dialog, "ask_save_path", lambda *a: tmp_path / "w.npz")
    dialog._on_browse_clicked()
    assert dialog.choice().format == "npz" and dialog.choice().path.name == "w.npz"
    monkeypatch.setattr(export_dialog, "ask_save_path", lambda *a: tmp_path / "w.pth")
    dialog._on_browse_clicked()
    assert dialog.choice().format == "pt" and dialog.choice().path.name == "w.pth"
    dialog.path_edit.setText("")
    dialog.accept()
    assert dialog.result() == 0 and "Choose a file" in dialog.info_label.text()


def test_preview_keys_strips_the_models_own_prefix():
    d = lenet()
    d.set_dataparallel(True)
    inference = infer(d)
    assert preview_keys(inference, d, None)[0] == "module.conv1.weight"
    assert preview_keys(inference, d, False)[0] == "conv1.weight"


class _Slots(QWidget):
    calls = 0

    @guarded("Try")
    def _on_fail_triggered(self):
        raise ValueError("bad.json: not valid JSON")

    @guarded("Try")
    def _on_bug_triggered(self):
        raise RuntimeError("boom")

    @guarded("Try")
    def _on_count_triggered(self):
        self.calls += 1
        return self.calls


def test_guarded_slots_show_errors_and_drop_signal_arguments(qtbot, monkeypatch, capsys):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: shown.append(a[1:3]))
    w = _Slots()
    qtbot.addWidget(w)
    assert w._on_fail_triggered() is None
    assert shown == [("Try", "bad.json: not valid JSON")]
    assert capsys.readouterr().err == ""  # a user's mistake: no traceback
    w._on_bug_triggered()
    assert shown[-1] == ("Try", "RuntimeError: boom")
    assert "RuntimeError: boom" in capsys.readouterr().err  # a bug: traceback for reports
    assert w._on_count_triggered(True) == 1  # triggered(checked) passes an argument
    assert describe(KeyError("x")) == "'x'"


def test_the_excepthook_shows_escaped_errors(qtbot, monkeypatch, capsys):
    import sys

    from ui.studio.guarded import install_excepthook

    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: shown.append(a[1:3]))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    w = QWidget()
    qtbot.addWidget(w)
    hook = install_excepthook(w)
    assert sys.excepthook is hook
    try:
        raise ZeroDivisionError("division by zero")
    except ZeroDivisionError as e:
        hook(type(e), e, e.__traceback__)
    ((title, text),) = shown
    assert title == "Unexpected error" and text.startswith("ZeroDivisionError: division by zero")
    assert "Traceback" in capsys.readouterr().err
    hook(KeyboardInterrupt, KeyboardInterrupt(), None)
    assert len(shown) == 1
