"""The example designs in resources/examples: each loads, infers without errors, compiles to a
module with the inferred keys and shapes, matches its exported PyTorch code, and trains a batch;
the generator script reproduces the committed files byte for byte."""

import importlib
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest

import netlab
import netlab.nn.functional as F
from netlab.design.compile import compile as compile_design
from netlab.design.export import pytorch_code
from netlab.design.graph import INPUT, OUTPUT
from netlab.design.infer import infer
from netlab.design.io import load_design
from tests.netlab.nn.test_seed_cnn_keys import SEED_EXAMPLE_1, SEED_EXAMPLE_2, seed_keys

EXAMPLES = Path(str(files("resources") / "examples"))
BATCH = 4

# the loss each example trains with: MSE for regression outputs, cross-entropy for 10 classes
LOSSES = {
    "two_layer_net": "mse",  # the seed fits random targets with mse_loss
    "polynomial_fit": "mse",
    "lenet": "cross_entropy",
    "cnn_naming_example1": "cross_entropy",
    "cnn_naming_example2": "cross_entropy",
    "digits_mlp": "cross_entropy",
    "digits_cnn": "cross_entropy",
    "residual_block": "mse",
}


def _input_shape(design):
    (node,) = [n for n in design.nodes.values() if n.type == INPUT]
    return tuple(node.params["shape"])


def _output_shape(design, info):
    """The inferred shape of the design's Output node, for the test batch size."""
    (nid,) = [n.id for n in design.nodes.values() if n.type == OUTPUT]
    return tuple(BATCH if s == "N" else s for s in info.nodes[nid].shape)


def test_every_example_file_has_a_loss_entry():
    assert sorted(p.stem for p in EXAMPLES.glob("*.json")) == sorted(LOSSES)


@pytest.mark.parametrize("stem", sorted(LOSSES))
def test_example_infers_compiles_and_trains_a_batch(stem):
    design = load_design(EXAMPLES / f"{stem}.json")
    info = infer(design)
    assert info.errors == {}
    netlab.manual_seed(0)  # the weights too, so the test does not depend on the test order
    model = compile_design(design)
    sd = model.state_dict()
    assert info.state_dict_keys() == list(sd)
    assert [e.shape for e in info.state_entries()] == [tuple(v.shape) for v in sd.values()]

    x = netlab.randn(BATCH, *_input_shape(design))
    out = model(x)
    assert tuple(out.shape) == _output_shape(design, info)
    if LOSSES[stem] == "mse":
        loss = F.mse_loss(out, netlab.randn(*out.shape))
    else:
        assert out.shape[-1] == 10
        loss = F.cross_entropy(out, netlab.randint(0, 10, (BATCH,)))
    before = {k: p.detach().numpy().copy() for k, p in model.named_parameters()}
    opt = netlab.optim.SGD(model.parameters(), lr=0.1)
    opt.zero_grad()
    loss.backward()
    opt.step()
    assert np.isfinite(loss.item())
    for k, p in model.named_parameters():
        grad = p.grad.numpy()
        assert np.isfinite(grad).all(), k
        # a conv bias right before a training-mode BatchNorm has an exactly zero gradient in
        # exact arithmetic (the norm subtracts the mean), so only rounding noise here
        if np.abs(grad).max() > 1e-6:
            assert not np.array_equal(p.detach().numpy(), before[k]), f"{k} did not change"
    assert sum(not np.array_equal(p.detach().numpy(), before[k])
               for k, p in model.named_parameters()) >= len(before) // 2


@pytest.mark.parametrize("stem", sorted(LOSSES))
def test_example_matches_its_pytorch_code(stem):
    from tests.netlab.parity import torch

    design = load_design(EXAMPLES / f"{stem}.json")
    model = compile_design(design)
    model.eval()
    ns = {}
    exec(compile(pytorch_code(design), f"{stem}.py", "exec"), ns)
    tmodel = ns["build_model"]()
    tmodel.eval()
    sd = {k: torch.from_numpy(v.detach().numpy().copy()) for k, v in model.state_dict().items()}
    tmodel.load_state_dict(sd, strict=True)
    x = np.random.default_rng(0).standard_normal((BATCH,) + _input_shape(design))
    x = x.astype(np.float32)
    np.testing.assert_allclose(model(netlab.from_numpy(x)).detach().numpy(),
                               tmodel(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-4, atol=1e-5)


def test_seed_model_keys():
    """The examples taken from the seeds keep the seeds' state_dict keys."""
    def keys(stem):
        return infer(load_design(EXAMPLES / f"{stem}.json")).state_dict_keys()

    assert keys("two_layer_net") == ["linear1.weight", "linear1.bias", "linear2.weight",
                                     "linear2.bias"]
    assert keys("lenet") == [f"{m}.{p}" for m in ("conv1", "conv2", "fc1", "fc2", "fc3")
                             for p in ("weight", "bias")]
    # torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1)): a Sequential model
    assert keys("polynomial_fit") == ["0.weight", "0.bias"]
    # the lists the naming tutorial (seed 004) prints for its two CNN examples
    assert keys("cnn_naming_example1") == seed_keys(SEED_EXAMPLE_1)
    assert keys("cnn_naming_example2") == seed_keys(SEED_EXAMPLE_2)


@pytest.mark.parametrize("stem,seed", [("cnn_naming_example1", SEED_EXAMPLE_1),
                                       ("cnn_naming_example2", SEED_EXAMPLE_2)])
def test_seed_cnn_examples_share_modules_as_the_seed_does(stem, seed):
    """Both names of a shared module hold the same tensors, in netlab and in the exported
    PyTorch code, and the parameters count once, as ``model.parameters()`` does in torch."""
    from netlab.design.costs import costs
    from tests.netlab.parity import torch  # noqa: F401 - skips where torch is missing

    design = load_design(EXAMPLES / f"{stem}.json")
    model = compile_design(design)
    sd = model.state_dict(keep_vars=True)
    ns = {}
    exec(compile(pytorch_code(design), f"{stem}.py", "exec"), ns)
    tmodel = ns["build_model"]()
    tsd = tmodel.state_dict(keep_vars=True)
    assert list(sd) == list(tsd) == seed_keys(seed)
    pre = "module." if design.dataparallel else ""
    pairs = [("conv1", "stage1.0"), ("bn1", "stage1.1")] if stem.endswith("1") else \
        [("stage1.0", "stage2.module.0"), ("stage1.1", "stage2.module.1")]
    for (a, b), names in zip(pairs, [("weight", "bias"), ("weight", "bias", "running_mean")]):
        for p in names:
            assert sd[f"{pre}{a}.{p}"] is sd[f"{pre}{b}.{p}"]
            assert tsd[f"{pre}{a}.{p}"] is tsd[f"{pre}{b}.{p}"]
    n_torch = sum(p.numel() for p in tmodel.parameters())
    assert n_torch == 81242  # conv1 336 + bn1 24 + conv2 2616 + bn2 48 + fc1 76928 + fc2 1290
    assert sum(p.numel() for p in model.parameters()) == n_torch
    info = infer(design)
    assert sum(i.n_params for i in info.nodes.values()) == n_torch
    assert costs(design, inference=info).total.total_params == n_torch
    # one SGD step changes the shared tensor once, under both of its names
    x = netlab.randn(BATCH, *_input_shape(design))
    F.cross_entropy(model(x), netlab.randint(0, 10, (BATCH,))).backward()
    netlab.optim.SGD(model.parameters(), lr=0.1).step()
    after = model.state_dict()
    a, b = pairs[0]
    np.testing.assert_array_equal(after[f"{pre}{a}.weight"].numpy(),
                                  after[f"{pre}{b}.weight"].numpy())


def test_generator_reproduces_the_committed_files(tmp_path):
    make = importlib.import_module("resources.examples.make_examples")
    written = make.write_examples(tmp_path)
    assert sorted(p.name for p in written) == sorted(p.name for p in EXAMPLES.glob("*.json"))
    for path in written:
        assert path.read_bytes() == (EXAMPLES / path.name).read_bytes(), path.name
