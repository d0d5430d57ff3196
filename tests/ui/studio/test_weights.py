import numpy as np
import pytest

import netlab
from netlab.design.compile import compile as compile_design
from netlab.design.graph import Design
from netlab.design.infer import infer
from netlab.design.io import load_design
from ui.studio.weights import (
    MATCHED,
    MISMATCHED,
    MISSING,
    UNEXPECTED,
    WeightStore,
    add_prefix,
    match_state_dict,
    read_state_dict,
    strip_prefix,
    suggest_prefix,
)

EXAMPLES = "resources/examples"


def lenet():
    return load_design(f"{EXAMPLES}/lenet.json")


def trained_state(design, seed=0):
    """A state_dict of the design with recognisable values (not the initialisation)."""
    rng = np.random.default_rng(seed)
    return {k: rng.standard_normal(v.shape).astype(np.float32)
            for k, v in compile_design(design).state_dict().items()}


def node_id(design, name):
    return next(n.id for n in design.nodes.values() if n.name == name)


@pytest.mark.parametrize("suffix", [".pt", ".safetensors", ".npz"])
def test_read_state_dict_reads_every_format(tmp_path, suffix):
    d = lenet()
    sd = compile_design(d).state_dict()
    path = tmp_path / f"w{suffix}"
    netlab.save(sd, str(path))
    got = read_state_dict(path)
    assert sorted(got) == sorted(sd)  # safetensors sorts its keys
    for k, v in sd.items():
        np.testing.assert_array_equal(got[k], v.numpy())


def test_read_state_dict_finds_a_nested_checkpoint(tmp_path):
    path = tmp_path / "ckpt.pt"
    netlab.save({"epoch": 3, "state_dict": {"fc.weight": netlab.ones(2, 2)}}, str(path))
    assert list(read_state_dict(path)) == ["fc.weight"]


def test_read_state_dict_refuses_bad_files_with_the_file_named(tmp_path):
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a zip at all")
    with pytest.raises(ValueError, match="junk.pt: not a state_dict file"):
        read_state_dict(junk)
    with pytest.raises(ValueError, match="no such file"):
        read_state_dict(tmp_path / "gone.pt")
    plain = tmp_path / "plain.pt"
    netlab.save({"lr": 0.1}, str(plain))
    with pytest.raises(ValueError, match="'lr' is not a named tensor"):
        read_state_dict(plain)


def test_match_marks_nodes_matched_missing_mismatched_and_keys_unexpected():
    d = lenet()
    state = trained_state(d)
    del state["fc1.bias"]
    state["conv2.weight"] = np.zeros((16, 6, 3, 3), np.float32)
    state["head.weight"] = np.zeros((2, 2), np.float32)
    m = match_state_dict(infer(d), state)
    assert m.nodes[node_id(d, "conv1")] == MATCHED
    assert m.nodes[node_id(d, "fc1")] == MISSING
    assert m.nodes[node_id(d, "conv2")] == MISMATCHED
    assert node_id(d, "relu1") not in m.nodes  # no state, nothing to match
    assert m.unexpected == ["head.weight"]
    rows = {k.key: k for k in m.keys}
    assert rows["conv2.weight"].expected == (16, 6, 5, 5)
    assert rows["conv2.weight"].found == (16, 6, 3, 3)
    assert rows["fc1.bias"].status == MISSING and rows["fc1.bias"].found is None
    assert rows["head.weight"].status == UNEXPECTED
    assert (m.count(MATCHED), m.count(MISSING), m.count(MISMATCHED)) == (8, 1, 1)


def test_prefix_helpers_and_suggestion():
    d = lenet()
    state = trained_state(d)
    wrapped = add_prefix(state)
    assert all(k.startswith("module.") for k in wrapped)
    assert add_prefix(wrapped) == wrapped  # never twice
    assert strip_prefix(wrapped).keys() == state.keys()
    inference = infer(d)
    assert suggest_prefix(inference, wrapped) == "strip"
    assert suggest_prefix(inference, state) is None
    d.set_dataparallel(True)
    assert suggest_prefix(infer(d), state) == "add"


def test_loaded_weights_follow_their_node_through_rename_and_grouping():
    d = lenet()
    state = trained_state(d)
    store = WeightStore()
    assert store.load_matching(infer(d), state) == len(state)
    conv1 = node_id(d, "conv1")
    d.rename(conv1, "stem")
    relu1 = node_id(d, "relu1")
    d.group([conv1, relu1], "features")
    d.set_dataparallel(True)
    sd = store.model(d).state_dict()
    np.testing.assert_array_equal(sd["module.features.0.weight"].numpy(), state["conv1.weight"])
    np.testing.assert_array_equal(sd["module.fc3.bias"].numpy(), state["fc3.bias"])


def test_load_matching_skips_wrong_shapes_and_keeps_the_rest_initialised():
    d = lenet()
    state = trained_state(d)
    state["fc3.weight"] = np.zeros((5, 84), np.float32)
    store = WeightStore()
    assert store.load_matching(infer(d), state) == len(state) - 1
    sd = store.model(d).state_dict()
    assert tuple(sd["fc3.weight"].shape) == (10, 84)
    np.testing.assert_array_equal(sd["fc2.weight"].numpy(), state["fc2.weight"])
    # a node edited to another shape after the import falls back to its initialisation
    d.set_param(node_id(d, "fc2"), "out_features", 50)
    d.set_param(node_id(d, "fc3"), "in_features", 50)
    sd = store.model(d).state_dict()
    assert tuple(sd["fc2.weight"].shape) == (50, 120)
    np.testing.assert_array_equal(sd["fc1.weight"].numpy(), state["fc1.weight"])


def test_shared_modules_take_the_tensor_under_both_names():
    d = load_design(f"{EXAMPLES}/cnn_naming_example1.json")
    state = trained_state(d, seed=1)
    store = WeightStore()
    store.load_matching(infer(d), {"conv1.weight": state["conv1.weight"]})
    sd = store.model(d).state_dict()
    np.testing.assert_array_equal(sd["stage1.0.weight"].numpy(), state["conv1.weight"])
    np.testing.assert_array_equal(sd["conv1.weight"].numpy(), state["conv1.weight"])


def test_an_empty_store_compiles_a_fresh_model():
    d = Design()
    x = d.add_node("Input", params={"shape": [3]})
    fc = d.add_node("Linear", name="fc", params={"out_features": 2})
    d.connect(x.id, fc.id)
    store = WeightStore()
    assert len(store) == 0
    assert list(store.model(d).state_dict()) == ["fc.weight", "fc.bias"]
    store.load_matching(infer(d), {"fc.bias": np.ones(2)})
    assert len(store) == 1 and store.model(d).state_dict()["fc.bias"].dtype == netlab.float32
    store.clear()
    assert len(store) == 0
