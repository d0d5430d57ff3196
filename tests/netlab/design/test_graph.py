"""The design document: edits, names, cycles, groups and change events."""

import pytest

from netlab.design.graph import Design, DesignError


def _chain(*types):
    d = Design()
    nodes = [d.add_node(t) for t in types]
    for a, b in zip(nodes, nodes[1:]):
        d.connect(a.id, b.id)
    return d, nodes


def test_names_are_unique_identifiers_per_level():
    d = Design()
    a, b = d.add_node("Linear"), d.add_node("Linear")
    assert (a.name, b.name) == ("linear", "linear1")
    with pytest.raises(DesignError, match="already used"):
        d.rename(b.id, "linear")
    with pytest.raises(DesignError, match="valid Python identifier"):
        d.rename(b.id, "2fc")
    with pytest.raises(DesignError, match="valid Python identifier"):
        d.rename(b.id, "class")
    d.rename(b.id, "fc2")
    assert b.name == "fc2"


def test_cycles_are_rejected_with_a_message():
    d, (a, b, c) = _chain("Linear", "ReLU", "Linear")
    with pytest.raises(DesignError, match="would create a cycle"):
        d.connect(c.id, a.id)
    with pytest.raises(DesignError, match="cycle"):
        d.connect(a.id, a.id)


def test_single_input_ports_and_merges():
    d = Design()
    x, y = d.add_node("Input", params={"shape": [3]}), d.add_node("Input", params={"shape": [3]})
    fc = d.add_node("Linear")
    d.connect(x.id, fc.id)
    with pytest.raises(DesignError, match="takes one input"):
        d.connect(y.id, fc.id)
    add = d.add_node("Add")
    d.connect(x.id, add.id)
    d.connect(y.id, add.id)
    assert [e.dst_port for e in d.inputs_of(add.id)] == [0, 1]
    with pytest.raises(DesignError, match="takes no connections"):
        d.connect(fc.id, x.id)


def test_events_fire_only_on_real_changes():
    d = Design()
    seen = []
    d.subscribe(lambda event, **kw: seen.append(event))
    n = d.add_node("Linear", params={"out_features": 4})
    d.set_param(n.id, "out_features", 4)  # no change
    d.set_param(n.id, "out_features", 5)
    d.rename(n.id, n.name)  # no change
    d.rename(n.id, "fc")
    d.move(n.id, (0.0, 0.0))  # no change
    d.move(n.id, (10.0, 5.0))
    m = d.add_node("ReLU")
    e = d.connect(n.id, m.id)
    d.disconnect(e.id)
    g = d.group([n.id, m.id], "stage1")
    d.set_dataparallel(True)
    d.set_dataparallel(True)
    d.remove_node(m.id)
    assert seen == ["node_added", "param_changed", "renamed", "moved", "node_added",
                    "edge_added", "edge_removed", "grouped", "dataparallel_changed",
                    "node_removed"]
    assert g.members == [n.id]


def test_groups_nest_and_take_their_members_place():
    d, (a, b, c) = _chain("Conv2d", "BatchNorm2d", "ReLU")
    inner = d.group([a.id, b.id], "block")
    outer = d.group([inner.id, c.id], "stage1")
    assert outer.members == [inner.id, c.id] and d.parent_of(inner.id) is outer
    wrap = d.group([inner.id], "dp", kind="dataparallel")
    assert outer.members == [wrap.id, c.id]
    with pytest.raises(DesignError, match="wraps one node"):
        d.group([a.id, b.id], "x", kind="dataparallel")
    d.ungroup(wrap.id)
    assert outer.members == [inner.id, c.id]


def test_topological_order_follows_edges():
    d = Design()
    x = d.add_node("Input", params={"shape": [2]})
    b = d.add_node("Linear")
    a = d.add_node("Linear")
    d.connect(x.id, a.id)
    d.connect(a.id, b.id)
    assert d.topological_order() == [x.id, a.id, b.id]


def test_unknown_ids_and_bad_groups_are_design_errors():
    d, (a, b) = _chain("Linear", "ReLU")
    for call in (lambda: d.remove_node("nope"), lambda: d.rename("nope", "x"),
                 lambda: d.ungroup("nope"), lambda: d.set_param("nope", "p", 1),
                 lambda: d.group(["nope"], "g"), lambda: d.group([a.id, a.id], "g")):
        with pytest.raises(DesignError):
            call()


def test_set_param_distinguishes_true_from_one():
    d, (a,) = _chain("Linear")
    seen = []
    d.subscribe(lambda event, **kw: seen.append(event))
    d.set_param(a.id, "bias", True)
    d.set_param(a.id, "bias", 1)
    assert seen == ["param_changed", "param_changed"] and a.params["bias"] == 1


def test_restore_replaces_the_design_in_place_with_one_event():
    from netlab.design.io import to_dict

    d = Design()
    x = d.add_node("Input", params={"shape": [3]})
    fc = d.add_node("Linear", name="fc", params={"out_features": 2})
    d.connect(x.id, fc.id)
    d.group([fc.id], "head")
    before = to_dict(d)
    d.remove_node(fc.id)
    d.set_dataparallel(True)
    d.set_root_sequential(True)
    events = []
    d.subscribe(lambda event, **kw: events.append(event))
    d.restore(before)
    assert events == ["restored"] and to_dict(d) == before
    ids = {n["id"] for n in before["nodes"]} | {g["id"] for g in before["groups"]}
    assert d.add_node("ReLU").id not in ids  # ids go on without clashing


def test_ungroup_renames_members_whose_name_is_taken_at_the_new_level():
    d = Design()
    a = d.add_node("ReLU", name="relu")
    g = d.group([a.id], "block")
    b = d.add_node("ReLU", name="relu")  # free at the top level while the first is grouped
    events = []
    d.subscribe(lambda event, **kw: events.append(event))
    d.ungroup(g.id)
    assert {d.nodes[a.id].name, d.nodes[b.id].name} == {"relu", "relu1"}
    assert events == ["ungrouped", "renamed"]
