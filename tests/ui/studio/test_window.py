import sys
import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QDockWidget, QMessageBox

from netlab.design.io import load_design, save_design, to_dict
from tests.ui.studio.conftest import node_id, snap
from ui.__main__ import main
from ui.studio import export_dialog, main_window
from ui.studio.actions import MENUS, SPECS
from ui.studio.main_window import MainWindow

SHORTCUTS = {  # the issue's shortcuts, and the rest of the menus'
    "undo": ["Ctrl+Z"], "redo": ["Ctrl+Shift+Z", "Ctrl+Y"], "delete": ["Del"],
    "copy": ["Ctrl+C"], "cut": ["Ctrl+X"], "paste": ["Ctrl+V"], "duplicate": ["Ctrl+D"],
    "select_all": ["Ctrl+A"], "fit": ["F"], "save": ["Ctrl+S"], "open": ["Ctrl+O"],
    "new": ["Ctrl+N"], "save_as": ["Ctrl+Shift+S"], "quit": ["Ctrl+Q"],
    "zoom_in": ["Ctrl+=", "Ctrl++"], "zoom_out": ["Ctrl+-"], "group": ["Ctrl+G"],
    "export_state": ["Ctrl+E"], "import_state": ["Ctrl+I"], "rename": ["F2"],
    "find_layer": ["Ctrl+F"],
}


def menu_texts(menu) -> list:
    return [a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()]


def test_every_menu_entry_exists_with_its_shortcut(make_window):
    w = make_window()
    for key, want in SHORTCUTS.items():
        got = [s.toString() for s in w.action[key].shortcuts()]
        assert all(s in got for s in want), (key, got)
    assert set(w.action) == {s.key for s in SPECS} | {"undo", "redo"}
    for title, entries in MENUS:
        menu = w.menus[title.replace("&", "")]
        texts = menu_texts(menu)
        for key in entries:
            if key != "-" and not key.startswith("@"):
                assert w.action[key].text().replace("&", "") in texts, (title, key)
    assert "New from Example" in menu_texts(w.menus["File"])
    assert "Open Recent" in menu_texts(w.menus["File"])
    examples = menu_texts(w.examples_menu)
    assert "lenet" in examples and "digits_cnn" in examples
    docks = [a.text() for a in w.menus["View"].actions() if a.menu() is not None][0]
    assert docks == "&Panels"
    assert {d.windowTitle() for d in w.findChildren(QDockWidget)} == {
        "Palette", "Inspector", "Summary", "Problems", "Training"}
    # editing keys act on the canvas only: typing in a field never deletes a node
    assert w.action["delete"].shortcutContext() == Qt.ShortcutContext.WidgetWithChildrenShortcut
    assert w.action["delete"] in w.canvas.actions()


def test_title_shows_the_file_name_and_a_modified_marker(make_window, tmp_path):
    w = make_window()
    assert w.windowTitle() == "untitled — NetLab Studio"
    w.document.set_param(node_id(w, "fc1"), "out_features", 100)
    assert w.windowTitle() == "untitled* — NetLab Studio"
    w.action["undo"].trigger()
    assert w.windowTitle() == "untitled — NetLab Studio"
    w.document.rename(node_id(w, "fc1"), "dense")
    path = tmp_path / "net.json"
    assert w.document.save(path)
    assert w.windowTitle() == "net.json — NetLab Studio"
    w.document.rename(node_id(w, "dense"), "fc")
    assert w.windowTitle() == "net.json* — NetLab Studio"


def test_new_open_and_quit_ask_before_losing_changes(make_window, boxes, monkeypatch,
                                                     tmp_path):
    w = make_window()
    other = tmp_path / "other.json"
    save_design(load_design("resources/examples/digits_mlp.json"), other)
    monkeypatch.setattr(export_dialog, "ask_open_path", lambda *a: other)
    w.document.rename(node_id(w, "fc1"), "dense")
    edited = snap(w)
    boxes.answer = QMessageBox.StandardButton.Cancel
    for key in ("new", "open"):
        w.action[key].trigger()
        assert snap(w) == edited, key  # cancelled: nothing lost
    assert not w.close() and w.isVisible()
    assert [b[0] for b in boxes] == ["question"] * 3
    assert "unsaved changes" in boxes[0][2]
    boxes.answer = QMessageBox.StandardButton.Discard
    w.action["open"].trigger()
    assert w.document.path == other and not w.document.modified
    assert "fc1" in {n.name for n in w.document.design.nodes.values()}
    w.action["new"].trigger()  # unmodified: no question
    assert len(boxes.of("question")) == 4 and not w.document.design.nodes
    w.document.add_node("Input")
    boxes.answer = QMessageBox.StandardButton.Save  # Save on an untitled design: Save As
    saved = tmp_path / "kept.json"
    monkeypatch.setattr(export_dialog, "ask_save_path", lambda *a: saved)
    assert w.close()
    assert [n.type for n in load_design(saved).nodes.values()] == ["Input"]


def test_a_bad_file_is_a_message_and_the_window_keeps_its_design(make_window, boxes,
                                                                 monkeypatch, tmp_path):
    w = make_window()
    before = snap(w)
    bad = tmp_path / "broken.json"
    bad.write_text('{"format": "netlab-design", "schema": 1, "nodes": [', encoding="utf-8")
    monkeypatch.setattr(export_dialog, "ask_open_path", lambda *a: bad)
    w.action["open"].trigger()
    (kind, title, text), = boxes
    assert (kind, title) == ("warning", "Open") and "broken.json" in text
    assert "truncated" in text
    assert snap(w) == before and w.isVisible() and w.document.path is None
    monkeypatch.setattr(export_dialog, "ask_open_path", lambda *a: tmp_path / "gone.json")
    w.action["open"].trigger()
    assert len(boxes) == 2 and "gone.json" in boxes[-1][2]
    # a weights file that is no state_dict: shown too
    monkeypatch.setattr(export_dialog, "ask_open_path", lambda *a: bad)
    w.action["import_state"].trigger()
    assert boxes[-1][1] == "Import state_dict" and "broken.json" in boxes[-1][2]
    assert w.isVisible() and snap(w) == before


def test_a_failing_slot_is_shown_not_raised(make_window, boxes, monkeypatch, capsys):
    w = make_window()

    def broken(*args):
        raise RuntimeError("layout exploded")

    monkeypatch.setattr(w.canvas, "auto_layout", broken)
    w.action["auto_layout"].trigger()
    assert boxes[-1] == ("warning", "Auto layout", "RuntimeError: layout exploded")
    assert "layout exploded" in w.statusBar().currentMessage()
    assert "Traceback" in capsys.readouterr().err


def test_recent_files_menu_lists_saved_and_opened_designs(make_window, tmp_path, boxes):
    w = make_window()
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    w.document.save(a)
    w.document.save(b)
    w.recent_menu.aboutToShow.emit()
    entries = [act.text() for act in w.recent_menu.actions()]
    assert entries == [str(b.resolve()), str(a.resolve())]
    w.document.rename(node_id(w, "fc1"), "dense")
    w.recent_menu.actions()[1].trigger()
    assert w.document.path == a and len(boxes.of("question")) == 1


def test_recovery_is_offered_at_start(make_window, tmp_path, boxes):
    w = make_window()
    w.document.rename(node_id(w, "fc1"), "dense")
    assert w.autosaver.autosave_now()
    crashed = snap(w)
    # a new session finds the file: Yes restores the unsaved design, modified
    boxes.answer = QMessageBox.StandardButton.Yes
    again = make_window(template=None)
    assert again.offer_recovery()
    assert snap(again)["nodes"] == crashed["nodes"] and again.document.modified
    assert "did not close normally" in boxes.of("question")[-1][2]
    # No forgets it
    boxes.answer = QMessageBox.StandardButton.No
    third = make_window(template=None)
    assert not third.offer_recovery() and not third.document.design.nodes
    assert not (tmp_path / "recovery.json").exists()
    assert not make_window(template=None).offer_recovery()  # nothing left to offer


def test_problems_count_in_the_dock_title_and_status_bar(make_window):
    w = make_window()
    assert w.docks["problems"].windowTitle() == "Problems"
    assert w.stats_label.text() == "14 nodes · 62,006 parameters"
    w.document.set_param(node_id(w, "fc1"), "in_features", 7)
    w.document.refresh_now()
    assert w.docks["problems"].windowTitle() == "Problems (1)"
    assert w.stats_label.text().endswith("· 1 problem")


def test_edit_actions_follow_the_selection(make_window):
    w = make_window()
    assert not w.action["copy"].isEnabled() and not w.action["ungroup"].isEnabled()
    assert not w.action["paste"].isEnabled()
    conv1, relu1 = node_id(w, "conv1"), node_id(w, "relu1")
    w.document.set_selection([conv1, relu1])
    assert w.action["copy"].isEnabled() and not w.action["ungroup"].isEnabled()
    w.action["copy"].trigger()
    assert w.action["paste"].isEnabled()
    w.document.group([conv1, relu1], name="features")
    assert w.action["ungroup"].isEnabled() and w.action["collapse"].isEnabled()


def test_keyboard_shortcuts_reach_their_actions(make_window, qtbot):
    w = make_window()
    w.activateWindow()
    w.canvas.setFocus()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=2000)
    before = snap(w)
    w.document.set_selection([node_id(w, "fc3")])
    ctrl = Qt.KeyboardModifier.ControlModifier
    qtbot.keyClick(w.canvas, Qt.Key.Key_D, ctrl)  # duplicate
    assert len(w.document.design.nodes) == 15
    qtbot.keyClick(w.canvas, Qt.Key.Key_Z, ctrl)  # undo
    assert snap(w) == before
    qtbot.keyClick(w.canvas, Qt.Key.Key_Y, ctrl)  # redo
    assert len(w.document.design.nodes) == 15
    qtbot.keyClick(w.canvas, Qt.Key.Key_Z, ctrl | Qt.KeyboardModifier.ShiftModifier)
    assert len(w.document.design.nodes) == 15  # nothing left to redo
    qtbot.keyClick(w.canvas, Qt.Key.Key_A, ctrl)
    assert len(w.document.selection) == 15
    # typing in the inspector's name field never deletes the selected node
    w.document.set_selection([node_id(w, "fc1")])
    w.inspector.name_edit.setFocus()
    w.inspector.name_edit.selectAll()
    qtbot.keyClick(w.inspector.name_edit, Qt.Key.Key_Delete)
    assert node_id(w, "fc1") in w.document.design.nodes
    assert w.inspector.name_edit.text() == ""


def test_a_refused_connection_says_why_in_the_status_bar(make_window):
    w = make_window()
    edge = w.document.connect(node_id(w, "relu4"), node_id(w, "conv1"))
    assert edge is None
    assert "cycle" in w.statusBar().currentMessage()


def test_main_opens_the_studio_on_an_example(qapp, monkeypatch, tmp_path, boxes):
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # main() installs its own
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path))
    seen = []
    deadline = time.monotonic() + 10

    def quit_once_shown():
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)
                   and w.isVisible()]
        if windows or time.monotonic() > deadline:
            seen.extend(windows)
            QApplication.instance().exit(3)
        else:
            QTimer.singleShot(20, quit_once_shown)

    QTimer.singleShot(20, quit_once_shown)
    assert main(["netlab-studio"]) == 3
    (w,) = seen
    assert sys.excepthook.__qualname__ == "install_excepthook.<locals>.hook"
    assert {n.name for n in w.document.design.nodes.values()} >= {"conv", "fc"}  # digits CNN
    assert w.document.path is None and not w.document.modified  # the example stays intact
    assert w.windowTitle() == "untitled — NetLab Studio"
    rect = w.canvas.mapToScene(w.canvas.viewport().rect()).boundingRect()
    assert rect.contains(w.canvas.scene().content_rect())  # fitted: the whole network shows
    w.close()
    w.deleteLater()


def test_main_opens_a_file_given_on_the_command_line(qapp, monkeypatch, tmp_path, boxes):
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    path = tmp_path / "mlp.json"
    save_design(load_design("resources/examples/digits_mlp.json"), path)
    seen = []
    QTimer.singleShot(50, lambda: (seen.extend(
        w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)
        and w.isVisible()), QApplication.instance().exit(0)))
    assert main(["netlab-studio", str(path)]) == 0
    (w,) = seen
    assert w.document.path == path
    assert to_dict(w.document.design)["nodes"] == to_dict(load_design(path))["nodes"]
    w.close()
    w.deleteLater()


def test_group_asks_for_a_name(make_window, monkeypatch):
    w = make_window()
    asked = []
    monkeypatch.setattr(main_window, "ask_text",
                        lambda parent, title, label, text: asked.append(text) or None)
    w.document.set_selection([node_id(w, "conv1")])
    w.action["group"].trigger()
    assert asked == ["block1"] and not w.document.design.groups  # cancelled
    assert QKeySequence("Ctrl+G") in w.action["group"].shortcuts()


def test_view_group_and_clipboard_actions(make_window, monkeypatch):
    w = make_window()
    doc, canvas = w.document, w.canvas
    canvas.fit_to_view()
    zoom = canvas.zoom()
    w.action["zoom_in"].trigger()
    assert canvas.zoom() > zoom
    w.action["zoom_out"].trigger()
    w.action["zoom_out"].trigger()
    assert canvas.zoom() < zoom
    w.action["fit"].trigger()
    assert abs(canvas.zoom() - zoom) < 1e-9
    w.action["snap"].trigger()
    assert canvas.snap
    w.action["minimap"].trigger()
    assert not canvas.minimap_enabled and not canvas.minimap.isVisible()
    w.action["select_all"].trigger()
    assert set(doc.selection) == set(doc.design.nodes)
    # wrap one node in DataParallel: its keys gain module.
    conv1 = node_id(w, "conv1")
    doc.set_selection([conv1])
    w.action["wrap_dp"].trigger()
    (gid,) = doc.design.groups
    assert doc.design.groups[gid].kind == "dataparallel"
    w.document.refresh_now()
    assert w.document.inference.state_dict_keys()[0] == "conv1.module.weight"
    w.action["collapse"].trigger()
    assert gid in doc.collapsed and canvas.group_item(gid).collapsed
    w.action["expand"].trigger()
    assert gid not in doc.collapsed
    w.action["ungroup"].trigger()
    assert not doc.design.groups
    # cut and paste: the node comes back under its name with new ids
    fc3 = node_id(w, "fc3")
    doc.set_selection([fc3])
    w.action["cut"].trigger()
    assert fc3 not in doc.design.nodes
    w.action["paste"].trigger()
    assert "fc3" in {n.name for n in doc.design.nodes.values()}
    assert doc.selection and doc.selection[0] in doc.design.nodes
    # model as nn.Sequential from the Model menu
    w.action["model_seq"].trigger()
    assert doc.design.root_sequential and w.summary.sequential_box.isChecked()
    w.action["undo"].trigger()
    assert not w.action["model_seq"].isChecked()


def test_a_failed_save_is_shown_and_keeps_the_changes(make_window, boxes, monkeypatch,
                                                      tmp_path):
    w = make_window()
    w.document.rename(node_id(w, "fc1"), "dense")
    monkeypatch.setattr(export_dialog, "ask_save_path",
                        lambda *a: tmp_path / "no" / "such" / "dir" / "net.json")
    w.action["save"].trigger()  # untitled: Save asks for a file
    (kind, title, text), = boxes
    assert (kind, title) == ("warning", "Save") and "could not save" in text
    assert w.document.modified and w.windowTitle() == "untitled* — NetLab Studio"
    boxes.answer = QMessageBox.StandardButton.Save
    assert not w.close()  # the save that Quit asked for failed: the window stays


def test_new_from_an_example(make_window, boxes):
    w = make_window(template=None)
    (act,) = [a for a in w.examples_menu.actions() if a.text() == "digits_cnn"]
    act.trigger()
    assert {n.name for n in w.document.design.nodes.values()} >= {"conv", "fc"}
    assert w.document.path is None and not w.document.modified and not boxes
    assert w.canvas.node_item(node_id(w, "conv")) is not None


def test_copy_in_one_window_paste_in_another(make_window):
    a, b = make_window(), make_window(template="digits_mlp")
    a.document.set_selection([node_id(a, "conv1"), node_id(a, "relu1")])
    assert not b.action["paste"].isEnabled()
    a.action["copy"].trigger()
    assert b.action["paste"].isEnabled()  # the system clipboard, shared
    b.action["paste"].trigger()
    names = {n.name for n in b.document.design.nodes.values()}
    assert {"conv1", "relu1"} <= names
    conv1 = node_id(b, "conv1")
    assert [b.document.design.nodes[e.dst].name
            for e in b.document.design.outputs_of(conv1)] == ["relu1"]  # internal edge kept


def test_rename_and_find_layer_focus_their_fields(make_window, qtbot):
    w = make_window()
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=2000)
    w.document.set_selection([node_id(w, "fc1")])
    w.action["rename"].trigger()
    assert QApplication.focusWidget() is w.inspector.name_edit
    assert w.inspector.name_edit.selectedText() == "fc1"
    qtbot.keyClicks(w.inspector.name_edit, "head")
    qtbot.keyClick(w.inspector.name_edit, Qt.Key.Key_Return)
    assert "head" in {n.name for n in w.document.design.nodes.values()}
    w.action["find_layer"].trigger()
    assert QApplication.focusWidget() is w.palette.search
    qtbot.keyClicks(w.palette.search, "logsoftm")
    qtbot.keyClick(w.palette.search, Qt.Key.Key_Return)  # added after the selected node
    softmax = node_id(w, "logsoftmax")
    assert w.document.design.inputs_of(softmax)[0].src == node_id(w, "head")
