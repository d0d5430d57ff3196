"""Live inference and compile: shapes, state_dict keys (Sequential indices, DataParallel
prefixes), errors with the fix spelled out, and a compiled module that agrees."""

import numpy as np
import pytest

import netlab
from netlab.design.compile import DesignError, compile  # noqa: A004
from netlab.design.graph import Design
from netlab.design.infer import format_shape, infer
from tests.netlab.parity import torch


def _lenet_design():
    d = Design()
    x = d.add_node("Input", name="x", params={"shape": [3, 32, 32]})
    spec = [("Conv2d", "conv1", {"in_channels": 3, "out_channels": 6, "kernel_size": 5}),
            ("ReLU", "relu1", {}), ("MaxPool2d", "pool1", {"kernel_size": 2}),
            ("Conv2d", "conv2", {"in_channels": 6, "out_channels": 16, "kernel_size": 5}),
            ("ReLU", "relu2", {}), ("MaxPool2d", "pool2", {"kernel_size": 2}),
            ("Flatten", "flatten", {}),
            ("Linear", "fc1", {"in_features": 400, "out_features": 120}),
            ("ReLU", "relu3", {}), ("Linear", "fc2", {"in_features": 120, "out_features": 84}),
            ("ReLU", "relu4", {}), ("Linear", "fc3", {"in_features": 84, "out_features": 10})]
    prev = x
    nodes = {}
    for t, name, params in spec:
        n = d.add_node(t, name=name, params=params)
        d.connect(prev.id, n.id)
        nodes[name] = prev = n
    out = d.add_node("Output", name="out")
    d.connect(prev.id, out.id)
    return d, nodes


def test_chain_shapes_keys_and_compile_agree():
    d, nodes = _lenet_design()
    info = infer(d)
    assert not info.errors
    assert format_shape(info.nodes[nodes["conv1"].id].shape) == "(N, 6, 28, 28)"
    assert format_shape(info.nodes[nodes["flatten"].id].shape) == "(N, 400)"
    model = compile(d)
    assert isinstance(model, netlab.nn.Sequential)
    assert info.state_dict_keys() == list(model.state_dict())
    out = model(netlab.randn(2, 3, 32, 32))
    assert tuple(out.shape) == (2, 10)
    fc1 = info.nodes[nodes["fc1"].id]
    assert [(e.key, e.shape, e.kind) for e in fc1.entries] == [
        ("fc1.weight", (120, 400), "parameter"), ("fc1.bias", (120,), "parameter")]


def test_error_names_the_node_and_the_fix_and_others_keep_shapes():
    d, nodes = _lenet_design()
    d.remove_node(nodes["flatten"].id)
    d.connect(nodes["pool2"].id, nodes["fc1"].id)
    info = infer(d)
    assert set(info.errors) == {nodes["fc1"].id}
    assert info.errors[nodes["fc1"].id] == (
        "fc1: Linear(in_features=400) receives a 4-d input of 400 features per sample: "
        "insert Flatten before it")
    assert info.nodes[nodes["pool2"].id].shape == ("N", 16, 5, 5)
    assert info.nodes[nodes["fc2"].id].shape is None  # downstream waits, without an error
    with pytest.raises(DesignError, match="fc1"):
        compile(d)


def test_missing_input_is_reported():
    d = Design()
    fc = d.add_node("Linear", name="fc", params={"in_features": 3, "out_features": 2})
    assert "has no input" in infer(d).errors[fc.id]


def test_groups_and_dataparallel_prefixes_match_torch():
    d = Design()
    x = d.add_node("Input", params={"shape": [3, 8, 8]})
    c1 = d.add_node("Conv2d", name="conv1", params={"in_channels": 3, "out_channels": 4,
                                                     "kernel_size": 3, "padding": 1})
    b1 = d.add_node("BatchNorm2d", name="bn1", params={"num_features": 4})
    c2 = d.add_node("Conv2d", name="conv2", params={"in_channels": 4, "out_channels": 4,
                                                     "kernel_size": 3, "padding": 1})
    b2 = d.add_node("BatchNorm2d", name="bn2", params={"num_features": 4})
    for a, b in [(x, c1), (c1, b1), (b1, c2), (c2, b2)]:
        d.connect(a.id, b.id)
    d.group([c1.id, b1.id], "stage1")
    inner = d.group([c2.id, b2.id], "block")
    d.group([inner.id], "stage2", kind="dataparallel")
    d.set_dataparallel(True)

    class Ref(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.stage1 = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1),
                                              torch.nn.BatchNorm2d(4))
            self.stage2 = torch.nn.DataParallel(torch.nn.Sequential(
                torch.nn.Conv2d(4, 4, 3, padding=1), torch.nn.BatchNorm2d(4)))

    want = list(torch.nn.DataParallel(Ref()).state_dict())
    info = infer(d)
    assert not info.errors
    assert info.state_dict_keys() == want
    assert "module.stage2.module.1.running_var" in want
    model = compile(d)
    assert list(model.state_dict()) == want
    shapes = [tuple(v.shape) for v in model.state_dict().values()]
    assert shapes == [e.shape for i in info.nodes.values() for e in i.entries]
    assert tuple(model(netlab.randn(2, 3, 8, 8)).shape) == (2, 4, 8, 8)


def test_residual_add_and_concat():
    d = Design()
    x = d.add_node("Input", params={"shape": [8]})
    fc = d.add_node("Linear", name="fc", params={"in_features": 8, "out_features": 8})
    add = d.add_node("Add", name="add")
    cat = d.add_node("Concat", name="cat", params={"dim": 1})
    d.connect(x.id, fc.id)
    d.connect(fc.id, add.id)
    d.connect(x.id, add.id)
    d.connect(add.id, cat.id)
    d.connect(x.id, cat.id)
    info = infer(d)
    assert info.nodes[cat.id].shape == ("N", 16)
    model = compile(d)
    xs = np.random.default_rng(0).standard_normal((3, 8)).astype(np.float32)
    out = model(netlab.from_numpy(xs))
    w, b = model.fc.weight.detach().numpy(), model.fc.bias.detach().numpy()
    np.testing.assert_allclose(out.detach().numpy(),
                               np.concatenate([xs @ w.T + b + xs, xs], 1), rtol=1e-5)
    fc2 = d.add_node("Linear", name="fc2", params={"in_features": 8, "out_features": 4})
    d.connect(x.id, fc2.id)
    d.connect(fc2.id, add.id)
    assert "Add receives" in infer(d).errors[add.id]


def test_batch_dimension_is_symbolic_through_flatten_over_batch():
    d = Design()
    x = d.add_node("Input", params={"shape": [3]})
    f = d.add_node("Flatten", params={"start_dim": 0, "end_dim": 1})
    d.connect(x.id, f.id)
    assert infer(d).nodes[f.id].shape == ("3*N",)


def test_input_dtype_is_declared_and_checked():
    d = Design()
    x = d.add_node("Input", params={"shape": [5], "dtype": "int64"})
    emb = d.add_node("Embedding", name="emb", params={"num_embeddings": 10,
                                                      "embedding_dim": 3})
    d.connect(x.id, emb.id)
    info = infer(d)
    assert not info.errors and info.nodes[emb.id].shape == ("N", 5, 3)
    model = compile(d)
    assert tuple(model(netlab.randint(0, 10, (2, 5))).shape) == (2, 5, 3)
    d.set_param(x.id, "dtype", "complex64")
    assert "Input dtype 'complex64' is not one of" in infer(d).errors[x.id]
