"""Document edits: one undo command each, exact undo/redo, refusals, merging, wiring."""

import pytest

from tests.ui.editor.conftest import edge_id, group_id, node_id, sample_design, snap
from ui.editor import commands
from ui.editor.document import Document, default_params

# every user edit, as (name, call on a Document built from conftest.sample_design)
EDITS = [
    ("add", lambda d: d.add_node("ReLU", (200, 0))),
    ("add_named_params", lambda d: d.add_node("Linear", (9, 9), {"out_features": 3}, "head")),
    ("add_after", lambda d: d.add_node("Dropout", after=node_id(d, "fc"))),
    ("add_splice", lambda d: d.add_node("BatchNorm2d", splice_edge=edge_id(d, "conv", "relu"))),
    ("remove_node", lambda d: d.remove_items([node_id(d, "flat")])),
    ("remove_group", lambda d: d.remove_items([group_id(d, "features")])),
    ("remove_edge", lambda d: d.remove_items([edge_id(d, "fc", "y")])),
    ("remove_mixed", lambda d: d.remove_items([node_id(d, "fc"), edge_id(d, "x", "conv")])),
    ("connect", lambda d: (d.disconnect(edge_id(d, "fc", "y")), d.undo_stack.clear(),
                           d.connect(node_id(d, "flat"), node_id(d, "y")))),
    ("disconnect", lambda d: d.disconnect(edge_id(d, "flat", "fc"))),
    ("move", lambda d: d.move_nodes({node_id(d, "x"): (5, 5), node_id(d, "fc"): (7, 7)})),
    ("set_param", lambda d: d.set_param(node_id(d, "fc"), "out_features", 5)),
    ("set_new_param", lambda d: d.set_param(node_id(d, "fc"), "bias", False)),
    ("rename_node", lambda d: d.rename(node_id(d, "fc"), "head")),
    ("rename_group", lambda d: d.rename(group_id(d, "features"), "stem")),
    ("group", lambda d: d.group([node_id(d, "fc"), node_id(d, "flat")], "classifier")),
    ("group_default_name", lambda d: d.group([node_id(d, "flat")])),
    ("wrap_dataparallel", lambda d: d.group([group_id(d, "features")], kind="dataparallel")),
    ("ungroup", lambda d: d.ungroup(group_id(d, "features"))),
    ("dataparallel", lambda d: d.set_dataparallel(True)),
    ("root_sequential", lambda d: d.set_root_sequential(True)),
    ("paste", lambda d: d.paste(d.copy([node_id(d, "fc"), node_id(d, "flat")]))),
    ("duplicate", lambda d: d.duplicate([group_id(d, "features")])),
    ("cut", lambda d: d.cut([node_id(d, "flat"), node_id(d, "fc")])),
]


C = commands
COMMAND_OF = {
    "add": C.AddNodeCommand, "add_named_params": C.AddNodeCommand,
    "add_after": C.AddNodeCommand, "add_splice": C.AddNodeCommand,
    "remove_node": C.RemoveItemsCommand, "remove_group": C.RemoveItemsCommand,
    "remove_edge": C.RemoveItemsCommand, "remove_mixed": C.RemoveItemsCommand,
    "connect": C.ConnectCommand, "disconnect": C.DisconnectCommand,
    "move": C.MoveNodesCommand, "set_param": C.SetParamCommand,
    "set_new_param": C.SetParamCommand, "rename_node": C.RenameCommand,
    "rename_group": C.RenameCommand, "group": C.GroupCommand,
    "group_default_name": C.GroupCommand, "wrap_dataparallel": C.GroupCommand,
    "ungroup": C.UngroupCommand, "dataparallel": C.SetDataParallelCommand,
    "root_sequential": C.SetRootSequentialCommand, "paste": C.PasteCommand,
    "duplicate": C.PasteCommand, "cut": C.CutCommand,
}


@pytest.mark.parametrize("name, edit", EDITS, ids=[e[0] for e in EDITS])
def test_each_edit_pushes_one_command_and_undo_redo_is_exact(doc, name, edit):
    before = snap(doc)
    edit(doc)
    if name == "connect":  # its setup (a disconnect) was cleared from the stack
        before = None
    assert doc.undo_stack.count() == 1
    assert type(doc.undo_stack.command(0)) is COMMAND_OF[name]
    assert doc.modified
    after = snap(doc)
    assert after != before
    doc.undo_stack.undo()
    if before is not None:
        assert snap(doc) == before
    assert not doc.modified
    doc.undo_stack.redo()
    assert snap(doc) == after
    doc.undo_stack.undo()
    doc.undo_stack.redo()
    assert snap(doc) == after


def test_edits_refused_by_the_model_emit_a_message_and_push_nothing(doc, qtbot):
    messages = []
    doc.message.connect(messages.append)
    before = snap(doc)
    x, fc, y = node_id(doc, "x"), node_id(doc, "fc"), node_id(doc, "y")
    refused = [
        lambda: doc.connect(y, x),  # into an Input
        lambda: doc.connect(fc, node_id(doc, "conv")),  # a cycle
        lambda: doc.connect(x, fc),  # Linear takes one input, already connected
        lambda: doc.connect(x, "nope"),
        lambda: doc.add_node("NoSuchLayer"),
        lambda: doc.add_node("Input", after=fc),
        lambda: doc.add_node("ReLU", after="nope"),
        lambda: doc.add_node("ReLU", splice_edge="nope"),
        lambda: doc.add_node("ReLU", name="fc"),  # name taken
        lambda: doc.rename(fc, "flat"),
        lambda: doc.rename(fc, "not valid"),
        lambda: doc.rename("nope", "a"),
        lambda: doc.disconnect("nope"),
        lambda: doc.remove_items(["nope"]),
        lambda: doc.group([]),
        lambda: doc.group([x, group_id(doc, "features")], kind="dataparallel"),
        lambda: doc.group([node_id(doc, "conv"), fc]),  # different parents
        lambda: doc.group([fc], name="flat"),
        lambda: doc.ungroup(fc),
        lambda: doc.set_param("nope", "a", 1),
        lambda: doc.move_nodes({"nope": (1, 1)}),
        lambda: doc.paste({"format": "something else"}),
        lambda: doc.paste({"format": "netlab-clip", "nodes": [{"id": "a"}]}),
    ]
    for i, edit in enumerate(refused):
        result = edit()
        assert not result, i
        assert len(messages) == i + 1, i
        assert messages[-1], i
        assert doc.undo_stack.count() == 0, i
        assert snap(doc) == before, i
    assert "cycle" in messages[1]
    assert "already used" in messages[8]


def test_root_sequential_refused_with_a_reference_group(doc):
    doc.design.reference_group([node_id(doc, "fc")], "head")
    messages = []
    doc.message.connect(messages.append)
    assert doc.set_root_sequential(True) is False
    assert "reference group" in messages[0] and doc.undo_stack.count() == 0


def test_repeated_set_param_merges_into_one_command(doc):
    fc = node_id(doc, "fc")
    before = snap(doc)
    for v in (11, 12, 13):
        assert doc.set_param(fc, "out_features", v)
    assert doc.undo_stack.count() == 1
    assert isinstance(doc.undo_stack.command(0), commands.SetParamCommand)
    doc.set_param(fc, "in_features", 128)  # another field: a new command
    doc.set_param(fc, "in_features", 256)  # ... typed back: the command disappears
    assert doc.undo_stack.count() == 1
    doc.set_param(node_id(doc, "flat"), "start_dim", 2)
    assert doc.undo_stack.count() == 2
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert snap(doc) == before
    doc.undo_stack.redo()
    assert doc.design.nodes[fc].params["out_features"] == 13
    assert doc.set_param(fc, "out_features", 13)  # no change: nothing pushed, redo kept
    assert (doc.undo_stack.index(), doc.undo_stack.count()) == (1, 2)


def test_set_param_does_not_merge_into_the_saved_state(doc, tmp_path):
    fc = node_id(doc, "fc")
    doc.set_param(fc, "out_features", 11)
    doc.save(tmp_path / "a.json")
    doc.set_param(fc, "out_features", 12)
    assert doc.undo_stack.count() == 2 and doc.modified
    doc.undo_stack.undo()
    assert not doc.modified and doc.design.nodes[fc].params["out_features"] == 11


def test_a_drag_of_several_nodes_is_one_move_command(doc):
    x, fc = node_id(doc, "x"), node_id(doc, "fc")
    moved = []
    doc.modelEvent.connect(lambda ev, p: moved.append(p["node"].id) if ev == "moved" else None)
    assert doc.move_nodes({x: (10, 20), fc: (30, 40.5)})
    assert doc.undo_stack.count() == 1 and sorted(moved) == sorted([x, fc])
    assert doc.design.nodes[fc].position == (30.0, 40.5)
    assert doc.move_nodes({x: (10, 20)}) is False  # nowhere: nothing pushed
    assert doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert doc.design.nodes[x].position == (0.0, 0.0)
    assert doc.design.nodes[fc].position == (0.0, 360.0)


def test_add_node_after_takes_over_the_outgoing_edges(doc):
    flat, fc = node_id(doc, "flat"), node_id(doc, "fc")
    nid = doc.add_node("Dropout", after=flat)
    d = doc.design
    assert [e.src for e in d.inputs_of(nid)] == [flat]
    assert [e.dst for e in d.outputs_of(flat)] == [nid]
    assert [e.src for e in d.inputs_of(fc)] == [nid]
    assert d.nodes[nid].position == (0.0, 360.0)  # one step below flat
    assert d.nodes[nid].params == default_params("Dropout")
    assert doc.selection == [nid]
    doc.refresh_now()
    assert doc.inference.nodes[fc].error is None
    # an Output only taps the node: fc keeps its input
    out = doc.add_node("Output", after=flat)
    assert sorted(e.dst for e in d.outputs_of(flat)) == sorted([nid, out])


def test_add_node_spliced_into_an_edge_keeps_the_port(doc):
    d = doc.design
    x = node_id(doc, "x")
    add = doc.add_node("Add", (0, 0))
    doc.connect(x, add)
    doc.connect(node_id(doc, "fc"), node_id(doc, "y"))  # refused: y has an input already
    e = doc.connect(node_id(doc, "flat"), add)
    assert d.edges[e].dst_port == 1
    nid = doc.add_node("Identity", splice_edge=e)
    assert e not in d.edges
    assert [(ed.src, ed.dst_port) for ed in d.inputs_of(add)] == [(x, 0), (nid, 1)]
    assert [ed.src for ed in d.inputs_of(nid)] == [node_id(doc, "flat")]
    assert d.nodes[nid].position == (0.0, 135.0)  # halfway between flat and add


def test_remove_items_drops_groups_left_empty_and_the_selection(doc):
    conv, relu, g = node_id(doc, "conv"), node_id(doc, "relu"), group_id(doc, "features")
    doc.set_selection([conv, g])
    seen = []
    doc.selectionChanged.connect(seen.append)
    assert doc.remove_items([conv, relu])
    assert g not in doc.design.groups
    assert doc.selection == [] and seen[-1] == []
    assert doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert g in doc.design.groups and doc.design.groups[g].members == [conv, relu]


def test_group_orders_members_by_data_flow(doc):
    fc, flat = node_id(doc, "fc"), node_id(doc, "flat")
    gid = doc.group([fc, flat], "head")
    assert doc.design.groups[gid].members == [flat, fc]
    assert doc.selection == [gid]
    doc.refresh_now()
    keys = doc.inference.state_dict_keys()
    assert "head.1.weight" in keys and "features.0.weight" in keys
    # DataParallel wrap keeps the member's name by default: features.module.0.weight
    doc.group([group_id(doc, "features")], kind="dataparallel")
    doc.refresh_now()
    assert "features.module.0.weight" in doc.inference.state_dict_keys()
    assert doc.group([node_id(doc, "x")]) is not None  # default name 'block'
    assert "block" in [g.name for g in doc.design.groups.values()]


def test_can_check_connect_explains_without_changing_anything(doc):
    x, fc, y = node_id(doc, "x"), node_id(doc, "fc"), node_id(doc, "y")
    add = doc.add_node("Concat")
    before = snap(doc)
    assert doc.can_check_connect(x, add) is None
    assert doc.can_check_connect(x, add, 3) is None
    assert "input" in doc.can_check_connect(y, x)
    assert "cycle" in doc.can_check_connect(fc, x) or "input" in doc.can_check_connect(fc, x)
    assert "cycle" in doc.can_check_connect(y, fc)
    assert "one input" in doc.can_check_connect(x, fc)
    assert "nodes" in doc.can_check_connect(x, "nope")
    doc.connect(x, add, 0)
    assert "already connected" in doc.can_check_connect(fc, add, 0)
    assert doc.can_check_connect(fc, add) is None  # the next free port
    doc.undo_stack.undo()
    assert snap(doc) == before


def test_model_events_are_reemitted_and_restore_replaces_the_design(doc, qtbot):
    events = []
    doc.modelEvent.connect(lambda ev, payload: events.append((ev, payload)))
    nid = doc.add_node("ReLU")
    assert events[0][0] == "node_added" and events[0][1]["node"].id == nid
    with qtbot.waitSignal(doc.designReplaced, timeout=1000):
        doc.undo_stack.undo()
    assert all(ev != "restored" for ev, _ in events)
    doc.set_group_collapsed(group_id(doc, "features"), True)
    assert doc.collapsed == {group_id(doc, "features")}
    doc.ungroup(group_id(doc, "features"))
    assert doc.collapsed == set()  # a dissolved group's view state goes with it
    doc.undo_stack.undo()
    assert doc.collapsed == set() and group_id(doc, "features")


def test_set_group_collapsed_is_view_state_only(doc):
    g = group_id(doc, "features")
    seen = []
    doc.collapsedChanged.connect(lambda gid, c: seen.append((gid, c)))
    doc.set_group_collapsed(g, True)
    doc.set_group_collapsed(g, True)
    doc.set_group_collapsed(g, False)
    doc.set_group_collapsed("nope", True)
    assert seen == [(g, True), (g, False)]
    assert doc.undo_stack.count() == 0 and not doc.modified


def test_selection_signals(doc):
    seen = []
    doc.selectionChanged.connect(seen.append)
    x, g, e = node_id(doc, "x"), group_id(doc, "features"), edge_id(doc, "x", "conv")
    doc.set_selection([x, x, "nope", g])
    doc.set_selection([x, g])  # unchanged: no signal
    doc.set_selection([e])  # an edge stays selectable (the canvas deletes edges)
    doc.set_selection([])
    assert seen == [[x, g], [e], []]
    doc.set_selection([x])
    doc.remove_items([x])
    assert seen[-1] == [] and doc.selection == []


def test_costs_follow_the_current_model(doc):
    fc = node_id(doc, "fc")
    doc.set_param(fc, "out_features", 20)
    report = doc.costs(batch_size=2, optimizer="adam")  # refreshes the pending inference
    assert report.nodes[fc].total_params == 256 * 20 + 20
    assert report.batch_size == 2
    doc.remove_items([fc])
    assert fc not in doc.costs().nodes


def test_a_new_document_is_empty_and_clean(qtbot):
    doc = Document()
    assert doc.design.nodes == {} and doc.path is None and not doc.modified
    assert doc.inference.nodes == {} and doc.selection == []


def test_ungroup_renames_members_whose_names_the_parent_already_uses(doc):
    g = group_id(doc, "features")
    doc.add_node("ReLU", name="relu")  # top level; the group's 'relu' is features.1
    before = snap(doc)
    assert doc.ungroup(g)
    names = sorted(n.name for n in doc.design.nodes.values())
    assert names.count("relu") == 1 and "relu1" in names
    assert doc.undo_stack.count() == 2
    doc.undo_stack.undo()
    assert snap(doc) == before


def test_rename_undo_copes_with_a_file_holding_duplicate_names(qtbot):
    from netlab.design.io import from_dict, to_dict
    data = to_dict(sample_design())
    data["groups"] = []  # relu comes to the top level ...
    data["nodes"][2]["name"] = "flat"  # ... under the name flat already has
    doc = Document(from_dict(data), debounce_ms=10)
    relu = data["nodes"][2]["id"]
    before = snap(doc)
    assert doc.rename(relu, "act")
    after = snap(doc)
    doc.undo_stack.undo()  # the model refuses renaming back to a used name: snapshot
    assert snap(doc) == before
    doc.undo_stack.redo()
    assert snap(doc) == after


def test_close_stops_following_the_design(qtbot):
    design = sample_design()
    doc = Document(design, debounce_ms=10)
    events = []
    doc.modelEvent.connect(lambda ev, p: events.append(ev))
    doc.close()
    design.add_node("ReLU")
    qtbot.wait(30)
    assert events == [] and not doc._live.dirty
