"""Design files: round trip, atomic writes, and errors that name the problem and place."""

import json

import pytest

from netlab.design.graph import Design
from netlab.design.io import DesignFileError, load_design, save_design, to_dict


def _design():
    d = Design()
    x = d.add_node("Input", params={"shape": [3, 8, 8]}, position=(1.0, 2.0))
    c = d.add_node("Conv2d", name="conv", params={"in_channels": 3, "out_channels": 4,
                                                  "kernel_size": 3})
    r = d.add_node("ReLU")
    d.connect(x.id, c.id)
    d.connect(c.id, r.id)
    d.group([c.id, r.id], "stage1")
    d.set_dataparallel(True)
    return d


def test_round_trip_keeps_everything(tmp_path):
    d = _design()
    p = tmp_path / "net.json"
    save_design(d, p)
    back = load_design(p)
    assert to_dict(back) == to_dict(d)
    n = back.add_node("Linear")  # ids continue without clashing
    assert n.id not in d.nodes


def test_save_is_atomic_and_keeps_the_old_file_on_failure(tmp_path, monkeypatch):
    p = tmp_path / "net.json"
    save_design(_design(), p)
    before = p.read_text()
    d = _design()
    d.nodes[next(iter(d.nodes))].params["bad"] = object()  # not JSON-serialisable
    with pytest.raises(TypeError):
        save_design(d, p)
    assert p.read_text() == before
    assert [f.name for f in tmp_path.iterdir()] == ["net.json"]


@pytest.mark.parametrize("text,match", [
    ('{"format": "netlab-design", "schema": 1, "nodes": [', "truncated"),
    ("[1, 2]", "top level must be an object"),
    ('{"format": "other"}', "not a netlab design"),
    ('{"format": "netlab-design", "schema": 99, "nodes": []}', "newer netlab"),
    ('{"format": "netlab-design", "schema": 1, "nodes": [{"id": "n1", "name": "a"}]}',
     r"nodes\[0\]: missing 'type'"),
    ('{"format": "netlab-design", "schema": 1, "nodes": [], "edges": '
     '[{"id": "e1", "src": "n1", "dst": "n2"}]}', r"edges\[0\]: unknown node 'n1'"),
])
def test_bad_files_name_the_problem_and_place(tmp_path, text, match):
    p = tmp_path / "bad.json"
    p.write_text(text)
    with pytest.raises(DesignFileError, match=match) as e:
        load_design(p)
    assert "bad.json" in str(e.value)


def test_unknown_types_and_bad_values_load_as_marked_nodes(tmp_path):
    from netlab.design.infer import infer

    data = to_dict(_design())
    data["nodes"][1]["params"]["kernel_size"] = -3
    data["nodes"][2]["type"] = "Conv9d"
    data["edges"][1]["src"] = data["nodes"][0]["id"]  # fed by the input, not the bad conv
    p = tmp_path / "net.json"
    p.write_text(json.dumps(data))
    d = load_design(p)
    errors = infer(d).errors
    ids = [n["id"] for n in data["nodes"]]
    assert "kernel_size" in errors[ids[1]]
    assert "Conv9d" in errors[ids[2]]
