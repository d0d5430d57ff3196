"""Tensor basics: properties, conversions, dtypes, devices, numpy interop, pickling."""

import copy
import pickle

import numpy as np
import pytest

import netlab
from tests.netlab.parity import torch


def test_properties_and_size():
    x = netlab.zeros(2, 3, 4)
    assert x.shape == (2, 3, 4) and isinstance(x.shape, netlab.Size)
    assert repr(x.shape) == "netlab.Size([2, 3, 4])"
    assert x.size() == (2, 3, 4) and x.size(-1) == 4 and x.dim() == 3 and x.ndim == 3
    assert x.numel() == 24 and x.element_size() == 4 and x.nbytes == 96
    assert x.stride() == (12, 4, 1) and x.stride(0) == 12
    assert x.device == netlab.device("cpu") and x.is_cpu and not x.is_cuda
    assert x.dtype is netlab.float32 and x.is_floating_point()
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.size(3)


def test_dtype_conversions_match_torch():
    src = np.array([1.7, -2.2, 0.0], dtype=np.float32)
    for name in ("float", "double", "half", "long", "int", "short", "char", "byte", "bool"):
        a = getattr(netlab.from_numpy(src.copy()), name)()
        b = getattr(torch.from_numpy(src.copy()), name)()
        assert a.dtype.name == str(b.dtype).split(".")[1]
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    x = netlab.tensor([1, 2])
    assert x.type() == "netlab.LongTensor"
    assert x.type(netlab.float64).dtype is netlab.float64
    assert x.type("netlab.FloatTensor").dtype is netlab.float32
    assert x.to(netlab.float16).dtype is netlab.float16
    assert x.type_as(netlab.ones(1, dtype=netlab.float64)).dtype is netlab.float64
    assert x.to("cpu") is x and x.to(netlab.int64) is x
    assert x.to(netlab.int64, copy=True) is not x


def test_to_keeps_autograd_and_casts_grad_back():
    x = netlab.tensor([1.0, 2.0], requires_grad=True)
    y = x.double()
    assert y.grad_fn.name() == "ToCopyBackward0"
    (y * y).sum().backward()
    assert x.grad.dtype is netlab.float32
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])


def test_default_dtype():
    assert netlab.get_default_dtype() is netlab.float32
    netlab.set_default_dtype(netlab.float64)
    try:
        assert netlab.tensor([1.0]).dtype is netlab.float64
        assert netlab.zeros(1).dtype is netlab.float64
        assert (netlab.tensor([1]) / 2).dtype is netlab.float64
    finally:
        netlab.set_default_dtype(netlab.float32)
    with pytest.raises(TypeError):
        netlab.set_default_dtype(netlab.int64)


def test_device_objects():
    assert str(netlab.device("cuda:1")) == "cuda:1"
    assert netlab.device("cuda", 1) == netlab.device("cuda:1")
    assert repr(netlab.device("cpu")) == "device(type='cpu')"
    assert netlab.device("cuda:0").index == 0 and netlab.device("cpu").index is None
    with pytest.raises(RuntimeError, match="Expected one of"):
        netlab.device("tpu")


@pytest.mark.skipif(netlab.cuda.is_available(), reason="checks the no-GPU error")
def test_cuda_without_gpu_is_a_clear_error():
    assert not netlab.cuda.is_available() and netlab.cuda.device_count() == 0
    with pytest.raises(RuntimeError, match="CUDA"):
        netlab.ones(2).cuda()
    with pytest.raises(RuntimeError, match="CUDA"):
        netlab.zeros(2, device="cuda")


def test_numpy_interop_shares_memory():
    a = np.arange(6, dtype=np.float32)
    t = netlab.from_numpy(a)
    t.add_(1)
    assert a[0] == 1.0
    a[1] = 100
    assert t[1].item() == 100.0
    assert np.shares_memory(t.numpy(), a)
    with pytest.raises(RuntimeError, match="requires grad"):
        netlab.ones(2, requires_grad=True).numpy()
    assert np.asarray(netlab.ones(2)).tolist() == [1.0, 1.0]


def test_item_tolist_and_python_conversions():
    assert netlab.tensor(3.5).item() == 3.5
    assert isinstance(netlab.tensor(3).item(), int)
    assert netlab.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert float(netlab.tensor([2.5])) == 2.5 and int(netlab.tensor(7)) == 7
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        netlab.ones(2).item()
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(netlab.ones(2))
    assert bool(netlab.tensor([1.0]))
    assert len(netlab.zeros(4, 2)) == 4
    assert [v.item() for v in netlab.tensor([1, 2, 3])] == [1, 2, 3]
    assert f"{netlab.tensor(1.23456):.2f}" == "1.23"


def test_clone_contiguous_copy_():
    x = netlab.tensor([[1.0, 2.0], [3.0, 4.0]])
    c = x.clone()
    c.add_(1)
    assert x[0, 0].item() == 1.0
    t = x.t()
    assert not t.is_contiguous() and t.contiguous().is_contiguous()
    y = netlab.zeros(2, 2)
    y.copy_(netlab.tensor([5, 6]))
    assert y.tolist() == [[5.0, 6.0], [5.0, 6.0]]
    w = netlab.ones(2, requires_grad=True)
    z = netlab.zeros(2)
    z.copy_(w * 3)
    z.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [3.0, 3.0])


def test_pickle_and_deepcopy():
    x = netlab.tensor([1.0, 2.0], requires_grad=True)
    y = pickle.loads(pickle.dumps(x))
    assert y.requires_grad and y.tolist() == [1.0, 2.0]
    z = copy.deepcopy(x)
    z.data.add_(1) if hasattr(z.data, "add_") else None
    assert x.tolist() == [1.0, 2.0]
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(x * 2)


def test_data_attribute_detaches_without_version_tracking():
    w = netlab.ones(2, requires_grad=True)
    d = w.data
    assert not d.requires_grad
    d.mul_(3)
    assert w._version == 0 and w.detach().tolist() == [3.0, 3.0]
