"""Costs of a design: parameter counts against torch, MACs against the formulas, memory by
hand for each optimizer."""

import pytest

from netlab.design.costs import OPTIMIZER_STATES, costs
from netlab.design.graph import Design
from tests.netlab.design.test_infer import _lenet_design
from tests.netlab.parity import torch


class _TorchLeNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = torch.nn.Conv2d(3, 6, 5), torch.nn.Conv2d(6, 16, 5)
        self.fc1 = torch.nn.Linear(400, 120)
        self.fc2, self.fc3 = torch.nn.Linear(120, 84), torch.nn.Linear(84, 10)


def test_lenet_params_equal_torch_and_macs_follow_the_formulas():
    d, nodes = _lenet_design()
    c = costs(d, batch_size=8)
    want = sum(p.numel() for p in _TorchLeNet().parameters())
    assert want == 62006
    assert c.total.total_params == c.total.trainable_params == 62006
    assert c.nodes[nodes["conv1"].id].total_params == 3 * 6 * 25 + 6
    assert c.nodes[nodes["relu1"].id].total_params == 0
    # Conv2d: output elements * in_channels / groups * kernel area, for the whole batch
    assert c.nodes[nodes["conv1"].id].macs == 8 * (6 * 28 * 28) * 3 * 25
    assert c.nodes[nodes["conv2"].id].macs == 8 * (16 * 10 * 10) * 6 * 25
    # Linear: rows * in * out
    assert c.nodes[nodes["fc1"].id].macs == 8 * 400 * 120
    assert c.nodes[nodes["fc3"].id].macs == 8 * 84 * 10
    # pooling: output elements * window; ReLU: input elements; Flatten: none
    assert c.nodes[nodes["pool1"].id].macs == 8 * 6 * 14 * 14 * 4
    assert c.nodes[nodes["relu1"].id].macs == 8 * 6 * 28 * 28
    assert c.nodes[nodes["flatten"].id].macs == 0
    conv_lin = 8 * (6 * 28 * 28 * 75 + 16 * 10 * 10 * 150 + 400 * 120 + 120 * 84 + 84 * 10)
    others = 8 * (6 * 28 * 28 + 6 * 14 * 14 * 4 + 16 * 10 * 10 + 16 * 5 * 5 * 4 + 120 + 84)
    assert c.total.macs == conv_lin + others
    assert not c.incomplete


def test_lenet_memory_per_optimizer():
    d, nodes = _lenet_design()
    for opt, states in [("sgd", 0), ("sgd_momentum", 1), ("adam", 2), ("AdamW", 2),
                        ("rmsprop", 1), ("rmsprop_centered", 2), ("adagrad", 1)]:
        c = costs(d, batch_size=2, optimizer=opt)
        assert c.total.param_bytes == c.total.grad_bytes == 62006 * 4
        assert c.total.optimizer_bytes == states * 62006 * 4, opt
        assert OPTIMIZER_STATES[opt.lower()] == states
    c = costs(d, batch_size=5, dtype_bytes=2)
    conv1 = c.nodes[nodes["conv1"].id]
    assert conv1.activation_bytes == 5 * 6 * 28 * 28 * 2
    assert conv1.param_bytes == 456 * 2 and conv1.optimizer_bytes == 0
    # the input batch is an activation; the Output node only aliases its input
    x = next(n for n in d.nodes.values() if n.type == "Input")
    out = next(n for n in d.nodes.values() if n.type == "Output")
    assert c.nodes[x.id].activation_bytes == 5 * 3 * 32 * 32 * 2
    assert c.nodes[out.id].activation_bytes == 0
    elements = (3 * 32 * 32 + 2 * 6 * 28 * 28 + 6 * 14 * 14 + 2 * 16 * 10 * 10 + 2 * 16 * 5 * 5
                + 2 * 120 + 2 * 84 + 10)  # Flatten's output counted with pool2's size
    assert c.total.activation_bytes == 5 * elements * 2
    assert c.total.memory_bytes == c.total.activation_bytes + c.total.state_bytes


def test_small_conv_net_buffers_are_not_parameters():
    d = Design()
    x = d.add_node("Input", params={"shape": [1, 8, 8]})
    conv = d.add_node("Conv2d", params={"in_channels": "auto", "out_channels": 4,
                                        "kernel_size": 3, "groups": 1, "bias": False})
    bn = d.add_node("BatchNorm2d", params={"num_features": "auto"})
    flat = d.add_node("Flatten")
    fc = d.add_node("Linear", params={"in_features": "auto", "out_features": 3})
    for a, b in [(x, conv), (conv, bn), (bn, flat), (flat, fc)]:
        d.connect(a.id, b.id)
    ref = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, bias=False), torch.nn.BatchNorm2d(4),
                              torch.nn.Flatten(), torch.nn.Linear(144, 3))
    c = costs(d, batch_size=3, optimizer="sgd_momentum")
    assert c.total.total_params == sum(p.numel() for p in ref.parameters()) == 36 + 8 + 435
    b = c.nodes[bn.id]
    assert b.total_params == 8
    assert b.buffer_bytes == 4 * 4 + 4 * 4 + 8  # running mean, var (float32) + int64 counter
    assert b.macs == 3 * 4 * 6 * 6
    assert c.nodes[conv.id].macs == 3 * 4 * 6 * 6 * 1 * 9
    assert c.nodes[fc.id].macs == 3 * 144 * 3
    assert c.total.optimizer_bytes == c.total.grad_bytes == (36 + 8 + 435) * 4


def test_grouped_conv_and_merges():
    d = Design()
    x = d.add_node("Input", params={"shape": [4, 6, 6]})
    conv = d.add_node("Conv2d", params={"in_channels": 4, "out_channels": 8, "kernel_size": 3,
                                        "padding": 1, "groups": 2})
    conv2 = d.add_node("Conv2d", params={"in_channels": 4, "out_channels": 8,
                                         "kernel_size": 1})
    add = d.add_node("Add")
    cat = d.add_node("Concat", params={"dim": 1})
    for a, b in [(x, conv), (x, conv2), (conv, add), (conv2, add), (add, cat), (conv, cat)]:
        d.connect(a.id, b.id)
    c = costs(d, batch_size=2)
    assert c.nodes[conv.id].total_params == 8 * 2 * 9 + 8
    assert c.nodes[conv.id].macs == 2 * 8 * 6 * 6 * (4 // 2) * 9
    assert c.nodes[add.id].macs == 2 * 8 * 6 * 6  # one add per output element
    assert c.nodes[cat.id].macs == 0
    assert c.nodes[cat.id].activation_bytes == 2 * 16 * 6 * 6 * 4


def test_nodes_without_shapes_are_left_out_and_bad_arguments_rejected():
    d, nodes = _lenet_design()
    d.remove_node(nodes["flatten"].id)
    d.connect(nodes["pool2"].id, nodes["fc1"].id)
    c = costs(d, batch_size=2)
    assert nodes["fc1"].id in c.incomplete and nodes["fc2"].id in c.incomplete
    assert c.nodes[nodes["fc2"].id].macs is None
    assert c.nodes[nodes["fc2"].id].total_params == 120 * 84 + 84  # keys still known
    assert c.nodes[nodes["conv1"].id].macs == 2 * 6 * 28 * 28 * 75
    with pytest.raises(ValueError, match="unknown optimizer 'lbfgs'"):
        costs(d, optimizer="lbfgs")
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        costs(d, batch_size=0)
    with pytest.raises(ValueError, match="dtype_bytes"):
        costs(d, dtype_bytes=True)
