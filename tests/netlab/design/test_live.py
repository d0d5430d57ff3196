"""LiveInference: recomputes on edits, never on moves, and tells its subscribers only when a
shape, a key or an error changed."""

from netlab.design.graph import Design
from netlab.design.live import LiveInference


def _setup():
    d = Design()
    x = d.add_node("Input", params={"shape": [8]})
    fc = d.add_node("Linear", name="fc", params={"in_features": "auto", "out_features": 4})
    d.connect(x.id, fc.id)
    live = LiveInference(d)
    events = []
    live.subscribe(lambda event, **kw: events.append((event, kw)))
    return d, x, fc, live, events


def test_events_only_when_shapes_keys_or_errors_change():
    d, x, fc, live, events = _setup()
    assert live.runs == 1 and live.result.nodes[fc.id].shape == ("N", 4)

    d.move(fc.id, (40.0, 10.0))
    assert live.runs == 1 and events == []  # a move does not even recompute

    d.set_param(fc.id, "out_features", 6)  # shape changes
    assert live.runs == 2 and len(events) == 1
    event, kw = events[0]
    assert event == "shapes_recomputed" and kw["inference"] is live.result
    assert kw["nodes"] == {fc.id} and kw["edges"] == set()
    assert live.result.nodes[fc.id].shape == ("N", 6)

    d.set_param(fc.id, "bias", False)  # a key disappears
    assert len(events) == 2 and events[-1][1]["nodes"] == {fc.id}
    assert live.result.state_dict_keys() == ["fc.weight"]

    relu = d.add_node("ReLU", name="act")  # a new node with an error: has no input
    assert len(events) == 3 and events[-1][1]["nodes"] == {relu.id}
    e = d.connect(fc.id, relu.id)  # the error goes, the shape and an edge come
    assert len(events) == 4 and events[-1][1]["nodes"] == {relu.id}
    assert events[-1][1]["edges"] == {e.id}

    d.rename(relu.id, "relu")  # a layer without state: nothing shown changes
    assert live.runs == 6 and len(events) == 4
    d.rename(fc.id, "head")  # keys change
    assert len(events) == 5 and live.result.state_dict_keys() == ["head.weight"]

    d.set_dataparallel(True)
    assert len(events) == 6 and live.result.state_dict_keys() == ["module.head.weight"]
    g = d.group([fc.id, relu.id], "block")
    assert len(events) == 7 and live.result.state_dict_keys() == ["module.block.0.weight"]
    d.ungroup(g.id)
    assert len(events) == 8


def test_edits_that_change_nothing_shown_recompute_without_an_event():
    d, x, fc, live, events = _setup()
    drop = d.add_node("Dropout", params={"p": 0.5})
    d.connect(fc.id, drop.id)
    n = len(events)
    runs = live.runs
    d.set_param(drop.id, "p", 0.25)
    d.set_param(fc.id, "in_features", 8)  # 'auto' made explicit: same shapes, same keys
    assert live.runs == runs + 2 and len(events) == n


def test_errors_appear_and_clear_with_one_event_each():
    d, x, fc, live, events = _setup()
    d.set_param(fc.id, "in_features", 5)
    assert len(events) == 1 and "in_features" in live.result.errors[fc.id]
    d.set_param(fc.id, "in_features", 5.0)  # equal value: the design emits nothing
    assert len(events) == 1
    d.set_param(fc.id, "in_features", 8)
    assert len(events) == 2 and not live.result.errors


def test_manual_refresh_for_debouncing_and_close():
    d = Design()
    x = d.add_node("Input", params={"shape": [3]})
    live = LiveInference(d, auto=False)
    events = []
    live.subscribe(lambda event, **kw: events.append(kw["nodes"]))
    fc = d.add_node("Linear", params={"out_features": 2})
    d.connect(x.id, fc.id)
    d.set_param(fc.id, "out_features", 3)
    assert live.dirty and live.runs == 1 and events == []
    assert live.refresh() is True
    assert not live.dirty and events == [{fc.id}]
    assert live.result.nodes[fc.id].shape == ("N", 3)
    assert live.refresh() is False and len(events) == 1
    d.remove_node(fc.id)
    live.refresh()
    assert events[-1] == {fc.id} and fc.id not in live.result.nodes
    live.close()
    d.set_param(x.id, "shape", [4])
    assert not live.dirty and live.result.nodes[x.id].shape == ("N", 3)
