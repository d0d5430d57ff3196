import numpy as np
import pytest

import netlab
from netlab import backend
from tests.netlab.parity import torch

RNG = np.random.default_rng(7)


def rn(*shape, dtype=np.float32, scale=1.0):
    return (RNG.standard_normal(shape) * scale).astype(dtype)


def torch_repr(x) -> str:
    return repr(x).replace("torch.", "netlab.")


CASES = {
    "ints-as-floats": np.array([1.0, 2.0], np.float32),
    "fixed": np.array([1.5, 2.25], np.float32),
    "sci-range": np.array([1e-5, 1e5], np.float32),
    "sci-small": np.array([1e-5, 3e-5], np.float32),
    "sci-large": np.array([1e10, 1.0], np.float32),
    "sci-ratio": np.array([0.1, 1000.0]),
    "ratio-edge": np.array([100.0, 0.1]),
    "int64": np.array([1, 2, 3]),
    "int64-neg-wide": np.array([-1234567, 8, 0]),
    "int32": np.array([1, -2], np.int32),
    "int16": np.array([[300, -2]], np.int16),
    "int8": np.array([-128, 127], np.int8),
    "uint8": np.arange(12, dtype=np.uint8).reshape(3, 4),
    "bool": np.array([True, False]),
    "bool-all-true": np.array([[True, True]]),
    "0d-float": np.array(3.0, np.float32),
    "0d-frac": np.array(-2.5, np.float32),
    "0d-sci": np.array(1e-5, np.float32),
    "0d-int": np.array(7),
    "0d-bool": np.array(True),
    "0d-float64": np.array(0.1),
    "0d-nan": np.array(np.nan, np.float32),
    "empty-1d": np.zeros(0, np.float32),
    "empty-2d": np.zeros((0, 3), np.float32),
    "empty-int": np.zeros(0, np.int64),
    "empty-float64": np.zeros((2, 0)),
    "empty-bool": np.zeros((0,), np.bool_),
    "nan-inf": np.array([np.nan, np.inf, -np.inf, 1.0], np.float32),
    "nan-frac": np.array([np.nan, 1.25, -np.inf], np.float32),
    "nan-zero": np.array([np.nan, 0.0], np.float32),
    "all-zero": np.zeros((2, 2), np.float32),
    "neg-zero": np.array([-0.0, 0.0], np.float32),
    "float64": np.array([1.5, 2.5]),
    "float64-big": np.array([123456789.0, 1.0]),
    "float64-extreme": np.array([1e-300, 1e300]),
    "float16": np.array([0.1, 2.0, -3.5], np.float16),
    "float16-4d": np.ones((1, 1, 1, 1), np.float16),
    "wrap-1d": np.arange(30, dtype=np.float32) / 7,
    "wrap-int": np.arange(50) * 1001,
    "wrap-2d": rn(5, 30),
    "wrap-3d": rn(2, 2, 25),
    "3d": rn(2, 3, 4),
    "3d-sci": rn(3, 4, 5, scale=1e6),
    "4d": rn(2, 1, 2, 3),
    "mixed-sign": np.linspace(-1, 1, 50).reshape(5, 10),
    "summary-1d": np.arange(2000, dtype=np.float32),
    "summary-1d-1001": rn(1001),
    "summary-2d": rn(100, 100),
    "summary-2d-narrow": rn(1001, 2),
    "summary-3d": rn(20, 20, 20),
    "summary-3d-sci": rn(12, 10, 10, scale=1e-6),
    "summary-bool": RNG.random((2, 3, 1001)) > 0.5,
    "summary-int": np.arange(5000).reshape(50, 100),
    "summary-mixed-dims": rn(4, 300),
    "big-ints-float": np.array([1e7, 2e7], np.float32),
    "precision-carry": np.array([9.99996, 0.5], np.float32),
}


@pytest.mark.parametrize("name", list(CASES))
def test_repr_matches_torch(name):
    a = CASES[name]
    assert repr(netlab.from_numpy(a)) == torch_repr(torch.from_numpy(a))
    assert str(netlab.from_numpy(a)) == str(torch.from_numpy(a)).replace("torch.", "netlab.")


@pytest.mark.parametrize("shape", [(2,), (2, 3), (4, 30), ()])
def test_repr_with_autograd_suffixes(shape):
    a = rn(*shape)
    for wrap in (lambda m, x: x, lambda m, x: x * 2, lambda m, x: x.sum(), lambda m, x: x.exp()):
        nx = netlab.tensor(a, requires_grad=True)
        tx = torch.tensor(a, requires_grad=True)
        assert repr(wrap(netlab, nx)) == torch_repr(wrap(torch, tx))
    nd = netlab.tensor(a.astype(np.float64), requires_grad=True)
    td = torch.tensor(a.astype(np.float64), requires_grad=True)
    assert repr(nd * 3) == torch_repr(td * 3)


def test_long_suffixes_wrap_to_a_new_line():
    a = np.arange(1, 10, dtype=np.float64) / 3
    nx, tx = netlab.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    assert repr(nx * 2) == torch_repr(tx * 2)
    assert "\n" in repr(nx * 2).split("]")[-1]


@pytest.fixture
def restore_print_options():
    yield
    netlab.set_printoptions(profile="default")
    torch.set_printoptions(profile="default")


OPTIONS = [
    {"precision": 2}, {"precision": 8}, {"threshold": 5}, {"threshold": 5, "edgeitems": 1},
    {"edgeitems": 0, "threshold": 5}, {"linewidth": 40}, {"linewidth": 200}, {"sci_mode": True},
    {"sci_mode": False}, {"profile": "short"}, {"profile": "full"},
    {"profile": "short", "precision": 6}, {"linewidth": 10},
]


@pytest.mark.parametrize("opts", OPTIONS, ids=[str(o) for o in OPTIONS])
@pytest.mark.parametrize("name", ["fixed", "sci-range", "wrap-2d", "summary-2d", "3d", "int64",
                                  "summary-1d", "0d-frac", "bool", "nan-inf", "empty-2d",
                                  "ints-as-floats", "summary-3d"])
def test_print_options_match_torch(opts, name, restore_print_options):
    netlab.set_printoptions(**opts)
    torch.set_printoptions(**opts)
    a = CASES[name]
    assert repr(netlab.from_numpy(a)) == torch_repr(torch.from_numpy(a))


def test_get_printoptions_and_context_manager(restore_print_options):
    assert netlab.get_printoptions() == torch._tensor_str.get_printoptions()
    with netlab.printoptions(precision=1, sci_mode=False):
        assert repr(netlab.tensor([0.25, 1e-6])) == "tensor([0.2, 0.0])"
        assert netlab.get_printoptions()["precision"] == 1
    assert netlab.get_printoptions()["precision"] == 4
    assert repr(netlab.tensor([0.25])) == "tensor([0.2500])"
    with pytest.raises(ValueError):
        netlab.set_printoptions(profile="nope")


def test_default_dtype_changes_the_suffix():
    try:
        netlab.set_default_dtype(netlab.float64)
        torch.set_default_dtype(torch.float64)
        for a in (np.array([1.5, 2.0]), np.array([1.5, 2.0], np.float32), np.zeros(0),
                  np.zeros(0, np.float32), np.array([1, 2])):
            assert repr(netlab.from_numpy(a)) == torch_repr(torch.from_numpy(a))
        assert repr(netlab.tensor([0.5])) == "tensor([0.5000])"
    finally:
        netlab.set_default_dtype(netlab.float32)
        torch.set_default_dtype(torch.float32)


def test_views_and_non_contiguous_tensors_print_their_values():
    a = rn(4, 6)
    nx, tx = netlab.from_numpy(a), torch.from_numpy(a)
    assert repr(nx.view(6, 4)) == torch_repr(tx.view(6, 4))
    na, ta = netlab.from_numpy(a.T), torch.from_numpy(a).t()
    assert repr(na) == torch_repr(ta)


def test_format_of_0d_tensors():
    x = netlab.tensor(2.5)
    assert f"{x:.2f}" == "2.50"
    assert str(netlab.tensor(3)) == "tensor(3)"


@pytest.mark.skipif(not backend.cuda_is_available(), reason="no CUDA device")
def test_cuda_repr_names_the_device():
    a = CASES["summary-2d"]
    x = netlab.tensor(a, device="cuda")
    want = torch_repr(torch.from_numpy(a))[:-1] + ", device='cuda:0')"
    assert repr(x) == want
    y = netlab.tensor([1.5, 2.0], device="cuda", dtype=netlab.float64, requires_grad=True)
    assert repr(y) == ("tensor([1.5000, 2.0000], device='cuda:0', dtype=netlab.float64, "
                       "requires_grad=True)")
    assert repr(netlab.zeros(0, 3, device="cuda")) == "tensor([], device='cuda:0', size=(0, 3))"
