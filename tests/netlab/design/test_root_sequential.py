"""A model that is one ``nn.Sequential`` (the seeds' ``torch.nn.Sequential(Linear(3, 1),
Flatten(0, 1))``): keys indexed 0, 1, 2 ..., as compile, exported code and torch agree."""

import numpy as np
import pytest

import netlab
from netlab.design.compile import compile as compile_design
from netlab.design.export import export_state_dict, pytorch_code
from netlab.design.graph import Design, DesignError
from netlab.design.infer import infer
from netlab.design.io import load_design, save_design, to_dict
from netlab.nn import Sequential
from tests.netlab.parity import torch


def _chain(*layers, root=True):
    d = Design()
    prev = d.add_node("Input", name="x", params={"shape": [3]})
    nodes = []
    for kind, params in layers:
        n = d.add_node(kind, params=params)
        d.connect(prev.id, n.id)
        prev = n
        nodes.append(n)
    d.set_root_sequential(root)
    return d, nodes


def test_seed_polynomial_model_keys_and_values_match_torch(tmp_path):
    d, _ = _chain(("Linear", {"in_features": 3, "out_features": 1}),
                  ("Flatten", {"start_dim": 0, "end_dim": 1}))
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    assert infer(d).state_dict_keys() == list(tmodel.state_dict()) == ["0.weight", "0.bias"]
    model = compile_design(d)
    assert type(model) is Sequential and list(model.state_dict()) == ["0.weight", "0.bias"]
    export_state_dict(d, tmp_path / "w.pt", model=model)
    tmodel.load_state_dict(torch.load(tmp_path / "w.pt"), strict=True)
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_allclose(model(netlab.from_numpy(x)).detach().numpy(),
                               tmodel(torch.from_numpy(x)).detach().numpy(), rtol=1e-6)


@pytest.mark.parametrize("dataparallel", [False, True])
def test_groups_and_wraps_inside_a_sequential_model(dataparallel, tmp_path):
    """Only modules take an index; nested groups and DataParallel keep their own levels, and
    the exported nn.Sequential subclass loads the weights strictly."""
    d, (fc1, relu, fc2, fc3) = _chain(("Linear", {"in_features": 3, "out_features": 4}),
                                      ("ReLU", {}),
                                      ("Linear", {"in_features": 4, "out_features": 4}),
                                      ("Linear", {"in_features": 4, "out_features": 2}))
    d.group([relu.id, fc2.id], "block")
    d.group([fc3.id], "head", kind="dataparallel")
    d.set_dataparallel(dataparallel)
    pre = "module." if dataparallel else ""
    want = [f"{pre}{k}" for k in ("0.weight", "0.bias", "1.1.weight", "1.1.bias",
                                  "2.module.weight", "2.module.bias")]
    assert infer(d).state_dict_keys() == want
    model = compile_design(d)
    assert list(model.state_dict()) == want
    export_state_dict(d, tmp_path / "w.pt", model=model)
    ns = {}
    exec(compile(pytorch_code(d), "net.py", "exec"), ns)
    tmodel = ns["build_model"]()
    assert isinstance(tmodel.module if dataparallel else tmodel, torch.nn.Sequential)
    tmodel.load_state_dict(torch.load(tmp_path / "w.pt"), strict=True)
    x = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_allclose(model(netlab.from_numpy(x)).detach().numpy(),
                               tmodel(torch.from_numpy(x)).detach().numpy(), rtol=1e-5,
                               atol=1e-6)


def test_a_sequential_model_runs_one_path_and_says_so_on_the_node():
    d, (fc, relu) = _chain(("Linear", {"in_features": 3, "out_features": 3}), ("ReLU", {}))
    add = d.add_node("Add", name="skip")
    d.connect(fc.id, add.id)
    d.connect(relu.id, add.id)
    errors = infer(d).errors
    assert "Add is code in forward" in errors[add.id] and "nn.Sequential" in errors[add.id]
    assert "branches paths" in errors[fc.id]
    with pytest.raises(DesignError, match="error"):
        compile_design(d)
    d.set_root_sequential(False)
    assert not infer(d).errors and infer(d).state_dict_keys() == ["linear.weight",
                                                                   "linear.bias"]


def test_reference_groups_and_a_sequential_model_exclude_each_other():
    d, (fc,) = _chain(("Linear", {"in_features": 3, "out_features": 3}))
    with pytest.raises(DesignError, match="cannot hold a second name"):
        d.reference_group([fc.id], "again")
    d.set_root_sequential(False)
    d.reference_group([fc.id], "again")
    with pytest.raises(DesignError, match="reference group"):
        d.set_root_sequential(True)
    assert not d.root_sequential


def test_toggle_emits_only_real_changes_and_survives_a_file(tmp_path):
    d, _ = _chain(("Linear", {"in_features": 3, "out_features": 1}), root=False)
    events = []
    d.subscribe(lambda event, **kw: events.append((event, kw)))
    d.set_root_sequential(True)
    d.set_root_sequential(True)
    assert events == [("root_sequential_changed", {"on": True})]
    save_design(d, tmp_path / "d.json")
    back = load_design(tmp_path / "d.json")
    assert back.root_sequential and to_dict(back) == to_dict(d)
    assert infer(back).state_dict_keys() == ["0.weight", "0.bias"]


def test_a_group_out_of_path_order_is_marked_not_compiled_wrong():
    """nn.Sequential runs children in registration order, so a group listing its layers out
    of the graph's order (or skipping one) would silently compute something else."""
    d, (fc1, fc2, fc3) = _chain(*[("Linear", {"in_features": 3, "out_features": 3})] * 3)
    d.group([fc3.id, fc1.id], "outer")
    errors = infer(d).errors
    assert list(errors) == [fc3.id] and "order they are registered" in errors[fc3.id]
    with pytest.raises(DesignError):
        compile_design(d)
    d.set_root_sequential(False)  # a named model runs the graph, whatever the grouping
    assert not infer(d).errors
