"""New/Open/Save, recent files, autosave and recovery."""

import json
from pathlib import Path

from PySide6.QtCore import QSettings

from netlab.design.io import load_design, to_dict
from tests.ui.editor.conftest import node_id, sample_design, snap
from ui.editor import files
from ui.editor.document import Document


def _signals(doc):
    seen = {"modified": [], "path": [], "message": [], "replaced": 0}
    doc.modifiedChanged.connect(seen["modified"].append)
    doc.pathChanged.connect(seen["path"].append)
    doc.message.connect(seen["message"].append)

    def replaced():
        seen["replaced"] += 1

    doc.designReplaced.connect(replaced)
    return seen


def test_save_then_open_gives_the_same_model_and_a_clean_document(doc, tmp_path):
    seen = _signals(doc)
    doc.set_param(node_id(doc, "fc"), "out_features", 7)
    assert doc.modified and seen["modified"] == [True]
    path = tmp_path / "net.json"
    assert doc.save(path)
    assert not doc.modified and seen["modified"] == [True, False]
    assert doc.path == path and seen["path"] == [path]
    assert to_dict(load_design(path)) == to_dict(doc.design)
    saved = snap(doc)
    doc.add_node("ReLU")
    assert doc.save()  # to the current file: no path change
    assert seen["path"] == [path]
    other = Document(debounce_ms=10)
    other_seen = _signals(other)
    assert other.open(str(path))
    assert snap(other) != saved and snap(other) == snap(doc)
    assert other.path == path and other_seen["path"] == [path]
    assert other_seen["replaced"] == 1 and not other.modified
    assert other.undo_stack.count() == 0
    assert [n.name for n in other.design.nodes.values()][:2] == ["x", "conv"]


def test_open_clears_undo_selection_and_view_state(doc, tmp_path):
    path = tmp_path / "a.json"
    doc.save(path)
    doc.add_node("ReLU")
    doc.set_group_collapsed(next(iter(doc.design.groups)), True)
    assert doc.open(path)
    assert doc.undo_stack.count() == 0 and doc.selection == [] and doc.collapsed == set()
    assert not doc.modified


def test_a_bad_file_is_a_message_and_changes_nothing(doc, tmp_path):
    seen = _signals(doc)
    doc.set_param(node_id(doc, "fc"), "out_features", 7)
    before = snap(doc)
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "netlab-design", "schema": 1, "nodes": [', encoding="utf-8")
    notes = tmp_path / "notes.json"
    notes.write_text(json.dumps({"hello": 1}), encoding="utf-8")
    for path in (bad, notes, tmp_path / "missing.json", tmp_path):
        assert doc.open(path) is False
    assert len(seen["message"]) == 4
    assert "bad.json" in seen["message"][0] and "truncated" in seen["message"][0]
    assert "not a netlab design" in seen["message"][1]
    assert snap(doc) == before and doc.modified and doc.path is None
    assert doc.undo_stack.count() == 1


def test_save_without_a_file_or_into_a_missing_folder_is_a_message(doc, tmp_path):
    seen = _signals(doc)
    doc.add_node("ReLU")
    assert doc.save() is False
    assert "Save As" in seen["message"][0]
    assert doc.save(tmp_path / "no" / "such" / "folder.json") is False
    assert "could not save" in seen["message"][1]
    assert doc.modified and doc.path is None and doc.display_name == "Untitled"
    doc.set_param(node_id(doc, "fc"), "out_features", object())  # JSON cannot hold it
    assert doc.save(tmp_path / "x.json") is False and "parameter value" in seen["message"][2]
    assert not (tmp_path / "x.json").exists() and doc.modified
    doc.undo_stack.undo()
    assert doc.save(tmp_path / "x.json") and doc.display_name == "x.json"


def test_new_blank_and_from_an_example(doc):
    seen = _signals(doc)
    doc.add_node("ReLU")
    assert doc.new("lenet")
    assert doc.path is None and not doc.modified and doc.undo_stack.count() == 0
    assert to_dict(doc.design) == to_dict(load_design(files.example_path("lenet")))
    doc.refresh_now()
    assert doc.inference.errors == {}
    assert doc.new()
    assert doc.design.nodes == {} and seen["replaced"] == 2
    assert doc.new("no_such_example") is False and "no_such_example" in seen["message"][0]


def test_examples_are_listed():
    names = files.example_names()
    assert "lenet" in names and "digits_cnn" in names
    assert files.example_path("lenet").is_file()
    assert files.example_path("nope") is None


def test_recent_files_in_a_temporary_settings_scope(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    recent = files.RecentFiles(settings, limit=3)
    changed = []
    recent.changed.connect(lambda: changed.append(1))
    paths = []
    for name in "abcd":
        p = tmp_path / f"{name}.json"
        p.write_text("{}", encoding="utf-8")
        paths.append(p)
        recent.add(p)
    assert [p.name for p in recent.paths()] == ["d.json", "c.json", "b.json"]
    recent.add(paths[1])  # to the front, no duplicate
    assert [p.name for p in recent.paths()] == ["b.json", "d.json", "c.json"]
    paths[3].unlink()  # gone from disk: not offered
    assert [p.name for p in recent.paths()] == ["b.json", "c.json"]
    # a second reader of the same settings sees them (persisted)
    again = files.RecentFiles(QSettings(str(tmp_path / "settings.ini"),
                                        QSettings.Format.IniFormat))
    assert [p.name for p in again.paths()] == ["b.json", "c.json"]
    recent.remove(paths[1])
    assert [p.name for p in recent.paths()] == ["c.json"]
    recent.clear()
    assert recent.paths() == [] and len(changed) == 7


def test_recent_files_by_organisation_and_track_a_document(qtbot, tmp_path):
    recent = files.RecentFiles(organization="NetLabTestScope", application=tmp_path.name)
    try:
        doc = Document(sample_design(), debounce_ms=10)
        recent.track(doc)
        doc.save(tmp_path / "net.json")
        assert recent.paths() == [(tmp_path / "net.json").resolve()]
    finally:  # leave nothing in the user's settings folder
        recent.clear()
        stored = Path(recent.settings.fileName())
        stored.unlink(missing_ok=True)
        if stored.parent.name == "NetLabTestScope" and not any(stored.parent.iterdir()):
            stored.parent.rmdir()


def test_autosave_writes_the_recovery_file_while_modified(qtbot, tmp_path):
    doc = Document(sample_design(), debounce_ms=10)
    recovery = tmp_path / "state" / "recovery.json"
    saver = files.Autosaver(doc, recovery, interval_ms=20)
    qtbot.wait(60)
    assert not recovery.exists()  # nothing unsaved: nothing written
    doc.set_param(node_id(doc, "fc"), "out_features", 3)
    qtbot.waitUntil(recovery.exists, timeout=2000)
    assert to_dict(load_design(recovery)) == to_dict(doc.design)
    assert files.find_recovery(recovery) == recovery
    doc.save(tmp_path / "net.json")  # saved: the recovery file goes
    assert not recovery.exists() and files.find_recovery(recovery) is None
    doc.add_node("ReLU")
    assert saver.autosave_now()
    saver.stop()
    assert (tmp_path / "state" / "recovery.json.source").read_text() == str(
        tmp_path / "net.json")


def test_recovery_restores_the_unsaved_design(qtbot, tmp_path):
    crashed = Document(sample_design(), debounce_ms=10)
    crashed.save(tmp_path / "net.json")
    recovery = tmp_path / "recovery.json"
    saver = files.Autosaver(crashed, recovery, interval_ms=60_000)
    crashed.add_node("Dropout", after=node_id(crashed, "fc"))
    assert saver.autosave_now()
    saver.stop()
    lost = snap(crashed)
    # the next session finds the file and restores it
    doc = Document(debounce_ms=10)
    files.Autosaver(doc, recovery, interval_ms=60_000).stop()
    assert files.find_recovery(recovery) == recovery
    modified = []
    doc.modifiedChanged.connect(modified.append)
    assert files.recover(doc, recovery)
    assert snap(doc) == lost
    assert doc.modified and modified[-1] is True  # never saved: Save writes it home
    assert doc.path == tmp_path / "net.json"
    assert recovery.exists()  # kept until the recovered design is saved
    doc.save()
    assert not recovery.exists()
    assert to_dict(load_design(tmp_path / "net.json")) == lost


def test_a_damaged_recovery_file_is_a_message_and_removed(qtbot, tmp_path):
    recovery = tmp_path / "recovery.json"
    recovery.write_text("{ not json", encoding="utf-8")
    doc = Document(debounce_ms=10)
    messages = []
    doc.message.connect(messages.append)
    assert files.recover(doc, recovery) is False
    assert "recovery" in messages[0] and not recovery.exists()
    assert doc.design.nodes == {} and not doc.modified
