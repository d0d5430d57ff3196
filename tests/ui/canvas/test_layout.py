"""The layered auto layout, without Qt: layers follow the data, cards never overlap."""

import random
import subprocess
import sys
from pathlib import Path

import pytest

from netlab.design import Design
from netlab.design.io import load_design
from ui.canvas.layout import GRID, NODE_H, NODE_W, layered_layout

EXAMPLES = Path(__file__).resolve().parents[3] / "resources" / "examples"


def overlaps(pos: dict, w=NODE_W, h=NODE_H) -> list:
    items = list(pos.items())
    out = []
    for i, (a, (ax, ay)) in enumerate(items):
        for b, (bx, by) in items[i + 1:]:
            if ax < bx + w and bx < ax + w and ay < by + h and by < ay + h:
                out.append((a, b))
    return out


def random_dag(seed: int, n: int) -> Design:
    rng = random.Random(seed)
    d = Design()
    ids = [d.add_node("Input", params={"shape": [4]}).id]
    for _ in range(1, n):
        t = "Add" if rng.random() < 0.2 else "ReLU"
        nid = d.add_node(t).id
        srcs = rng.sample(ids, min(len(ids), 2 if t == "Add" else 1))
        for s in srcs:
            d.connect(s, nid)
        ids.append(nid)
    for nid in ids:  # everything piled on one spot, as a fresh paste might be
        d.move(nid, (0.0, 0.0))
    return d


def test_a_chain_is_one_straight_column_top_down():
    d = load_design(EXAMPLES / "lenet.json")
    pos = layered_layout(d, origin=(0, 0))
    order = d.topological_order()
    assert {pos[n][0] for n in order} == {0.0}
    ys = [pos[n][1] for n in order]
    assert ys == sorted(ys) and len(set(ys)) == len(ys)
    assert not overlaps(pos)


def test_every_edge_points_down_and_merges_sit_under_their_inputs():
    d = load_design(EXAMPLES / "residual_block.json")
    pos = layered_layout(d)
    for e in d.edges.values():
        assert pos[e.dst][1] > pos[e.src][1]
    assert not overlaps(pos)


@pytest.mark.parametrize("seed", range(6))
def test_random_graphs_get_no_overlaps_and_grid_positions(seed):
    d = random_dag(seed, 40)
    pos = layered_layout(d)
    assert set(pos) == set(d.nodes)
    assert not overlaps(pos)
    for e in d.edges.values():
        assert pos[e.dst][1] > pos[e.src][1]
    for x, y in pos.values():
        assert x % GRID == 0 and y % GRID == 0


def test_branches_sit_side_by_side_and_the_layout_is_deterministic():
    d = Design()
    x = d.add_node("Input", params={"shape": [8]})
    a, b = d.add_node("ReLU"), d.add_node("Tanh")
    m = d.add_node("Add")
    for s, t in [(x, a), (x, b), (a, m), (b, m)]:
        d.connect(s.id, t.id)
    pos = layered_layout(d, origin=(100, 50))
    assert pos[a.id][1] == pos[b.id][1] and abs(pos[a.id][0] - pos[b.id][0]) >= NODE_W
    # the merge is centred under its two inputs, the input above them
    assert pos[m.id][0] == pytest.approx((pos[a.id][0] + pos[b.id][0]) / 2, abs=GRID)
    assert min(p[0] for p in pos.values()) == 100 and pos[x.id][1] == 50
    assert layered_layout(d, origin=(100, 50)) == pos


def test_empty_design_and_disconnected_nodes():
    assert layered_layout(Design()) == {}
    d = Design()
    for _ in range(5):
        d.add_node("ReLU")
    pos = layered_layout(d, origin=(0, 0))
    assert len(pos) == 5 and not overlaps(pos)


def test_the_layout_module_does_not_import_qt():
    code = ("import sys; import ui.canvas.layout; "
            "assert not any(m.startswith('PySide6') for m in sys.modules), 'Qt imported'")
    root = Path(__file__).resolve().parents[3]
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True)


def test_group_frames_get_room_between_layers():
    d = load_design(EXAMPLES / "cnn_naming_example2.json")
    pos = layered_layout(d, origin=(0, 0))
    y = {n.name: pos[i][1] for i, n in d.nodes.items()}
    plain = y["fc1"] - y["flatten"]  # no frame starts or ends here
    # two nested frames (stage2 around stage1) start at conv1 and end at bn1
    assert y["conv1"] - y["x"] > plain
    assert y["conv2"] - y["bn1"] > plain
    assert y["bn1"] - y["conv1"] == plain
