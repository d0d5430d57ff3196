"""Copy, cut, paste and duplicate: internal edges and groups come along, names stay unique."""

from PySide6.QtCore import QMimeData

from netlab.design.infer import infer
from tests.ui.editor.conftest import group_id, node_id, snap
from ui.editor import clipboard


def _names(doc):
    return [n.name for n in doc.design.nodes.values()]


def test_copy_takes_the_internal_edges_only(doc):
    flat, fc = node_id(doc, "flat"), node_id(doc, "fc")
    clip = doc.copy([flat, fc, "nope"])
    assert [n["name"] for n in clip["nodes"]] == ["flat", "fc"]
    assert clip["edges"] == [{"src": flat, "dst": fc, "dst_port": 0}]  # not relu->flat, fc->y
    assert clip["groups"] == []
    assert doc.undo_stack.count() == 0  # copying is no edit


def test_paste_adds_new_nodes_with_unique_names_edges_and_offset(doc):
    flat, fc = node_id(doc, "flat"), node_id(doc, "fc")
    before_ids = set(doc.design.nodes)
    new = doc.paste(doc.copy([flat, fc]), offset=(100, 10))
    d = doc.design
    assert len(new) == 2 and not set(new) & before_ids
    assert doc.selection == new
    assert [d.nodes[n].name for n in new] == ["flat1", "fc1"]
    assert d.nodes[new[1]].position == (100.0, 370.0)
    assert d.nodes[new[1]].params == d.nodes[fc].params
    assert d.nodes[new[1]].params is not d.nodes[fc].params
    assert [(e.src, e.dst) for e in d.edges.values() if e.dst in new] == [(new[0], new[1])]
    assert doc.undo_stack.count() == 1
    # pasting again numbers on: flat2, fc2 (and conv1 -> conv2 style stems)
    again = doc.paste(doc.copy([flat, fc]))
    assert [d.nodes[n].name for n in again] == ["flat2", "fc2"]
    assert len(set(_names(doc))) == len(_names(doc))


def test_duplicating_a_group_rebuilds_it_around_the_copies(doc):
    g = group_id(doc, "features")
    new = doc.duplicate([g])
    d = doc.design
    assert len(new) == 1 and new[0] in d.groups and new[0] != g
    grp = d.groups[new[0]]
    assert grp.name == "features1" and grp.kind == "sequential"
    assert [d.nodes[m].type for m in grp.members] == ["Conv2d", "ReLU"]
    conv, relu = grp.members
    assert [e.src for e in d.inputs_of(relu)] == [conv]
    assert d.inputs_of(conv) == []  # the edge from x was not internal
    doc.connect(node_id(doc, "x"), conv)
    keys = infer(d).state_dict_keys()
    assert "features1.0.weight" in keys and "features.0.weight" in keys
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert new[0] not in d.groups


def test_nested_groups_paste_inner_first(doc):
    inner = group_id(doc, "features")
    outer = doc.group([inner, node_id(doc, "flat")], "body")
    new = doc.duplicate([outer])
    d = doc.design
    grp = d.groups[new[0]]
    assert grp.name == "body1"
    # names need only be unique at their level: body1.features, body1.flat
    assert [d._name(m) for m in grp.members] == ["features", "flat"]
    assert d.groups[grp.members[0]].members != d.groups[inner].members


def test_cut_is_one_step_and_paste_brings_it_back(doc):
    flat, fc = node_id(doc, "flat"), node_id(doc, "fc")
    before = snap(doc)
    clip = doc.cut([flat, fc])
    assert flat not in doc.design.nodes and fc not in doc.design.nodes
    assert doc.undo_stack.count() == 1 and doc.undo_stack.text(0) == "Cut"
    new = doc.paste(clip, offset=(0, 0))
    assert [doc.design.nodes[n].name for n in new] == ["flat", "fc"]  # the names are free again
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert snap(doc) == before


def test_cut_of_nothing_pushes_nothing(doc):
    clip = doc.cut(["nope"])
    assert clip["nodes"] == [] and doc.undo_stack.count() == 0


def test_unique_name_numbers_the_stem():
    assert clipboard.unique_name("conv", set()) == "conv"
    assert clipboard.unique_name("conv1", {"conv1"}) == "conv2"
    assert clipboard.unique_name("conv1", {"conv1", "conv2"}) == "conv3"
    assert clipboard.unique_name("fc", {"fc"}) == "fc1"


def test_clips_travel_through_mime_data(doc):
    clip = doc.copy([node_id(doc, "fc")])
    mime = clipboard.to_mime(clip)
    assert mime.hasFormat(clipboard.MIME_TYPE)
    assert clipboard.from_mime(mime) == clip
    other = QMimeData()
    other.setText("hello")
    assert clipboard.from_mime(other) is None and clipboard.from_mime(None) is None
    junk = QMimeData()
    junk.setData(clipboard.MIME_TYPE, b"\xff not json")
    assert clipboard.from_mime(junk) is None


def test_pasting_one_clip_again_steps_each_copy_aside(doc):
    fc = node_id(doc, "fc")
    clip = doc.copy([fc])
    first = doc.paste(clip, offset=(10, 20))
    second = doc.paste(clip, offset=(10, 20))
    d = doc.design
    assert d.nodes[first[0]].position == (10.0, 380.0)
    assert d.nodes[second[0]].position == (20.0, 400.0)
    third = doc.paste(doc.copy([node_id(doc, "flat")]), offset=(10, 20))  # another clip
    assert d.nodes[third[0]].position == (10.0, 290.0)
