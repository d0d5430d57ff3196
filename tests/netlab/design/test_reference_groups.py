"""Reference groups: one module registered under two names, as ``self.stage1 =
nn.Sequential(self.conv1, self.bn1)`` or ``self.stage2 = nn.DataParallel(self.stage1)`` do.

The state_dict lists a shared module's tensors under every name (torch does), the parameter
counts hold them once (``model.parameters()`` deduplicates), and inference, compile and the
exported PyTorch code agree on every key."""

import numpy as np
import pytest

import netlab
from netlab.design.compile import compile as compile_design
from netlab.design.costs import costs
from netlab.design.export import pytorch_code, summary
from netlab.design.graph import Design, DesignError
from netlab.design.infer import infer, key_prefixes
from netlab.design.io import DesignFileError, from_dict, to_dict


def _mlp(dataparallel=False):
    """x -> fc1 -> relu -> fc2 -> out, fc1 and relu in a Sequential ``block``."""
    d = Design()
    x = d.add_node("Input", name="x", params={"shape": [4]})
    fc1 = d.add_node("Linear", name="fc1", params={"in_features": 4, "out_features": 3})
    relu = d.add_node("ReLU", name="relu")
    fc2 = d.add_node("Linear", name="fc2", params={"in_features": 3, "out_features": 2})
    out = d.add_node("Output", name="out")
    for a, b in [(x, fc1), (fc1, relu), (relu, fc2), (fc2, out)]:
        d.connect(a.id, b.id)
    block = d.group([fc1.id, relu.id], "block")
    d.set_dataparallel(dataparallel)
    return d, {n.name: n.id for n in d.nodes.values()} | {"block": block.id}


def _torch_model(design):
    ns = {}
    exec(compile(pytorch_code(design), "net.py", "exec"), ns)
    return ns["build_model"]()


def _agree(design):
    """Inferred keys and shapes = compile(design).state_dict() = the PyTorch code's, the
    outputs match with the same weights, and the parameter counts are torch's."""
    from tests.netlab.parity import torch

    info = infer(design)
    assert info.errors == {}
    model = compile_design(design)
    sd = model.state_dict()
    keys = info.state_dict_keys()
    assert keys == list(sd)
    assert [e.shape for e in info.state_entries()] == [tuple(v.shape) for v in sd.values()]
    tmodel = _torch_model(design)
    assert list(tmodel.state_dict()) == keys
    tmodel.load_state_dict({k: torch.from_numpy(v.detach().numpy().copy())
                            for k, v in sd.items()}, strict=True)
    n = sum(p.numel() for p in tmodel.parameters())
    assert sum(p.numel() for p in model.parameters()) == n
    assert sum(i.n_params for i in info.nodes.values()) == n
    assert costs(design, inference=info).total.total_params == n
    model.eval()
    tmodel.eval()
    x = np.random.default_rng(0).standard_normal((2, 4)).astype("f4")
    np.testing.assert_allclose(model(netlab.from_numpy(x)).detach().numpy(),
                               tmodel(torch.from_numpy(x)).detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    return keys


def test_sequential_of_references_keeps_the_members_in_place():
    d, ids = _mlp()
    events = []
    d.subscribe(lambda event, **kw: events.append(event))
    ref = d.reference_group([ids["fc2"], ids["fc1"]], "again")
    assert ref.refs and events == ["grouped"]
    assert d.parent_of(ids["fc1"]).id == ids["block"]  # still in its own group
    assert d.parent_of(ids["fc2"]) is None
    assert d.parent_of(ref.id) is None
    assert _agree(d) == ["block.0.weight", "block.0.bias", "fc2.weight", "fc2.bias",
                         "again.0.weight", "again.0.bias", "again.1.weight", "again.1.bias"]
    info = infer(d)
    assert info.nodes[ids["fc1"]].prefixes == ("block.0.", "again.1.")
    assert [e.key for e in info.nodes[ids["fc1"]].own_entries] == ["block.0.weight",
                                                                    "block.0.bias"]
    assert info.nodes[ids["fc1"]].n_params == 15
    assert key_prefixes(d)[ids["fc1"]] == "block.0."
    model = compile_design(d)
    assert model.again[1] is model.block[0] and model.again[0] is model.fc2
    assert "self.again = nn.Sequential(self.fc2, self.block[0])" in pytorch_code(d)
    c = costs(d, optimizer="adam")
    assert c.nodes[ids["fc1"]].param_bytes == 15 * 4
    assert c.total.optimizer_bytes == 2 * (15 + 8) * 4
    assert "again" not in summary(d)  # the summary shows each layer at its own place


def test_dataparallel_reference_inside_a_whole_model_dataparallel():
    d, ids = _mlp(dataparallel=True)
    ref = d.reference_group([ids["block"]], "stage2", kind="dataparallel")
    assert _agree(d) == ["module.block.0.weight", "module.block.0.bias",
                         "module.stage2.module.0.weight", "module.stage2.module.0.bias",
                         "module.fc2.weight", "module.fc2.bias"]
    model = compile_design(d).module
    assert model.stage2.module is model.block
    assert "self.stage2 = nn.DataParallel(self.block)" in pytorch_code(d)
    # a reference to a reference, by name, after the one it reuses
    d.reference_group([ref.id, ids["fc2"]], "both", indexed=False)
    keys = _agree(d)
    assert keys[-4:] == ["module.both.stage2.module.0.weight", "module.both.stage2.module.0.bias",
                         "module.both.fc2.weight", "module.both.fc2.bias"]
    assert "nn.Sequential(OrderedDict([('stage2', self.stage2), ('fc2', self.fc2)]))" in \
        pytorch_code(d)


def test_references_to_one_item_keep_their_creation_order():
    d, ids = _mlp()
    d.reference_group([ids["block"]], "r1")
    d.reference_group([ids["fc1"]], "r2")
    assert [k.split(".")[0] for k in _agree(d)[::2]] == ["block", "r1", "r2", "fc2"]


def test_reference_group_errors():
    d, ids = _mlp()
    with pytest.raises(DesignError, match="no node or group 'nope'"):
        d.reference_group(["nope"], "r")
    with pytest.raises(DesignError, match="at least one"):
        d.reference_group([], "r")
    with pytest.raises(DesignError, match="only once"):
        d.reference_group([ids["fc2"], ids["fc2"]], "r")
    with pytest.raises(DesignError, match="DataParallel wraps one"):
        d.reference_group([ids["fc1"], ids["fc2"]], "r", kind="dataparallel")
    with pytest.raises(DesignError, match="unknown group kind"):
        d.reference_group([ids["fc2"]], "r", kind="parallel")
    with pytest.raises(DesignError, match="not a valid Python identifier"):
        d.reference_group([ids["fc2"]], "2r")
    with pytest.raises(DesignError, match="'fc2' is already used"):
        d.reference_group([ids["fc1"]], "fc2")
    ref = d.reference_group([ids["fc2"]], "r")
    with pytest.raises(DesignError, match="'r' is already used"):
        d.add_node("Linear", name="r")
    with pytest.raises(DesignError, match="stays at the top level"):
        d.group([ref.id], "outer")


def test_edits_around_references():
    d, ids = _mlp()
    ref = d.reference_group([ids["block"]], "again")
    d.ungroup(ids["block"])  # the reference now holds the block's members
    assert ref.members == [ids["fc1"], ids["relu"]]
    assert d.parent_of(ids["fc1"]) is None
    assert _agree(d)[:4] == ["fc1.weight", "fc1.bias", "again.0.weight", "again.0.bias"]
    d.remove_node(ids["fc1"])  # gone from its place and from the reference
    assert ref.members == [ids["relu"]]
    d.ungroup(ref.id)  # a reference group's members are elsewhere: nothing moves
    assert ref.id not in d.groups and ids["relu"] in d.nodes
    assert d.parent_of(ids["relu"]) is None
    d.rename(ids["relu"], "act")
    assert [n.name for n in d.nodes.values()] == ["x", "act", "fc2", "out"]


def test_reference_flag_round_trips_and_defaults_to_false():
    d, ids = _mlp(dataparallel=True)
    d.reference_group([ids["block"]], "stage2", kind="dataparallel")
    data = to_dict(d)
    assert [g.get("refs", False) for g in data["groups"]] == [False, True]
    assert "refs" not in data["groups"][0]  # files without references read as before
    back = from_dict(data)
    assert [g.refs for g in back.groups.values()] == [False, True]
    assert infer(back).state_dict_keys() == infer(d).state_dict_keys()
    data["groups"][1]["refs"] = "yes"
    with pytest.raises(DesignFileError, match=r"groups\[1\]\.refs: expected bool"):
        from_dict(data)
