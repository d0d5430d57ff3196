"""Exports: PyTorch code that rebuilds the design and loads its weights strictly, the summary
table, and state_dict files with and without DataParallel's prefix."""

import numpy as np
import pytest

import netlab
from netlab.design.compile import compile as compile_design
from netlab.design.export import export_state_dict, pytorch_code, summary
from netlab.design.infer import infer
from tests.netlab.design.test_infer import _lenet_design
from tests.netlab.parity import torch


def _residual_design(dataparallel):
    from netlab.design.graph import Design

    d = Design()
    x = d.add_node("Input", name="x", params={"shape": [3, 8, 8]})
    c1 = d.add_node("Conv2d", name="conv1", params={"in_channels": 3, "out_channels": 4,
                                                     "kernel_size": 3, "padding": 1})
    b1 = d.add_node("BatchNorm2d", name="bn1", params={"num_features": 4})
    c2 = d.add_node("Conv2d", name="conv2", params={"in_channels": 4, "out_channels": 4,
                                                     "kernel_size": 3, "padding": 1})
    add = d.add_node("Add", name="add")
    fl = d.add_node("Flatten", name="flat")
    fc = d.add_node("Linear", name="fc", params={"in_features": 256, "out_features": 5})
    for a, b in [(x, c1), (c1, b1), (b1, c2), (c2, add), (b1, add), (add, fl), (fl, fc)]:
        d.connect(a.id, b.id)
    d.group([c1.id, b1.id], "stage1")
    d.group([c2.id], "stage2", kind="dataparallel")
    d.set_dataparallel(dataparallel)
    return d


@pytest.mark.parametrize("make", [lambda: _lenet_design()[0], lambda: _residual_design(False),
                                  lambda: _residual_design(True)])
def test_pytorch_code_loads_the_exported_weights_and_matches(make, tmp_path):
    d = make()
    model = compile_design(d)
    model.eval()
    path = tmp_path / "w.pt"
    export_state_dict(d, path, model=model)
    ns = {}
    exec(compile(pytorch_code(d), "net.py", "exec"), ns)
    tmodel = ns["build_model"]()
    tmodel.eval()
    assert list(tmodel.state_dict()) == infer(d).state_dict_keys()
    res = tmodel.load_state_dict(torch.load(path), strict=True)
    assert not res.missing_keys and not res.unexpected_keys
    shape = [n.params["shape"] for n in d.nodes.values() if n.type == "Input"][0]
    x = np.random.default_rng(0).standard_normal([2] + shape).astype(np.float32)
    np.testing.assert_allclose(model(netlab.from_numpy(x)).detach().numpy(),
                               tmodel(torch.from_numpy(x)).detach().numpy(), rtol=1e-4,
                               atol=1e-5)


def test_state_dict_export_prefix_option(tmp_path):
    d = _residual_design(False)
    export_state_dict(d, tmp_path / "a.pt", module_prefix=True)
    assert all(k.startswith("module.") for k in netlab.load(tmp_path / "a.pt"))
    d = _residual_design(True)
    export_state_dict(d, tmp_path / "b.npz", module_prefix=False)
    assert not any(k.startswith("module.") for k in netlab.load(tmp_path / "b.npz"))


def test_summary_lists_layers_shapes_params_and_totals():
    d, _ = _lenet_design()
    text = summary(d)
    assert "conv1 (Conv2d)" in text and "(N, 6, 28, 28)" in text
    total = sum(p.numel() for p in compile_design(d).parameters())
    assert f"Total params: {total:,}" in text
