import warnings

import numpy as np
import pytest

import netlab
from netlab import backend
from tests.netlab.parity import dtype_name, same, same_error, torch

CUDA = backend.cuda_is_available()
needs_cuda = pytest.mark.skipif(not CUDA, reason="no CUDA device")


# --- tensor(): dtype inference --------------------------------------------------------------

DATA = [
    3, 2.5, True, [], [[], []], [1, 2, 3], [1.0, 2], [True, False], [True, 2], [[1, 2], (3, 4)],
    (1.5, 2.5), range(4), np.float64(1.5), np.int32(3), np.bool_(True), [np.float64(1.5)],
    [np.float32(1.5), 2.0], [np.int32(3)], [np.uint8(1), 300], [np.float16(1)],
    np.arange(6, dtype=np.int32).reshape(2, 3), np.array(3.0), np.ones(2, np.float16),
    np.array([True, False]), [[[1.0], [2.0]], [[3.0], [4.0]]], [1e-3, -1e8], [2 ** 40, -5],
]


@pytest.mark.parametrize("data", DATA, ids=[repr(d)[:30] for d in DATA])
def test_tensor_infers_dtype_like_torch(data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = torch.tensor(data)
    same(netlab.tensor(data), want)


def test_tensor_from_tensors_and_arrays_in_lists():
    same(netlab.tensor([netlab.tensor(1), 2.5]), torch.tensor([torch.tensor(1), 2.5]))
    arrs = [np.array([1, 2], np.int32), np.array([3, 4], np.int32)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(netlab.tensor(arrs), torch.tensor(arrs))
    t = netlab.tensor([[netlab.tensor(1.0), netlab.tensor(2.0)]])
    assert t.shape == (1, 2) and t.dtype is netlab.float32


@pytest.mark.parametrize("data,dtype", [
    ([1.7, -1.7], "int64"), (1.5, "int64"), ([1, 2], "float64"), ([0, 2], "bool"),
    (np.arange(3), "float16"), ([1.5], "uint8"), ([[1, 2]], "int32"),
])
def test_tensor_with_dtype(data, dtype):
    same(netlab.tensor(data, dtype=getattr(netlab, dtype)),
         torch.tensor(data, dtype=getattr(torch, dtype)))


@pytest.mark.parametrize("make", [
    lambda m: m.tensor([[1, 2], [3]]),
    lambda m: m.tensor([[[1, 2], [3, 4]], [[1, 2], [3]]]),
    lambda m: m.tensor([[1, 2], 3]),
    lambda m: m.tensor(["a"]),
    lambda m: m.tensor(None),
    lambda m: m.tensor([None]),
    lambda m: m.tensor({1: 2}),
    lambda m: m.tensor(2 ** 70),
    lambda m: m.tensor([1, 2 ** 70]),
    lambda m: m.tensor([float("nan")], dtype=m.int64),
])
def test_tensor_errors_match_torch(make):
    same_error(lambda: make(netlab), lambda: make(torch), prefix=True)


def test_tensor_copies_and_keeps_device_and_grad_flag():
    a = np.array([1.0, 2.0])
    t = netlab.tensor(a, requires_grad=True)
    a[0] = 9
    assert t.tolist() == [1.0, 2.0] and t.requires_grad and t.is_leaf
    src = netlab.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match="sourceTensor.detach"):
        c = netlab.tensor(src)
    assert not c.requires_grad and c.grad_fn is None
    c.add_(1)
    assert src.tolist() == [1.0, 2.0]
    assert netlab.tensor([1.0], device="cpu").device == netlab.device("cpu")
    assert netlab.tensor([1.0], device=netlab.device("cpu")).device.type == "cpu"


# --- sharing memory ----------------------------------------------------------------------------

def test_from_numpy_shares_memory_both_ways():
    a = np.arange(4, dtype=np.float32)
    t = netlab.from_numpy(a)
    assert t.dtype is netlab.float32
    a[0] = 10
    assert t.tolist()[0] == 10
    t.add_(1)
    np.testing.assert_array_equal(a, [11, 2, 3, 4])
    t.fill_(7)
    assert a.tolist() == [7, 7, 7, 7]
    assert t.numpy() is a
    for npdt in (np.float64, np.float16, np.int64, np.int32, np.int16, np.int8, np.uint8, np.bool_):
        assert dtype_name(netlab.from_numpy(np.zeros(2, npdt)).dtype) == dtype_name(
            torch.from_numpy(np.zeros(2, npdt)).dtype)


def test_from_numpy_errors():
    same_error(lambda: netlab.from_numpy([1]), lambda: torch.from_numpy([1]))
    big = np.ones(2, dtype=">f4")
    same_error(lambda: netlab.from_numpy(big), lambda: torch.from_numpy(big))
    with pytest.raises(TypeError, match="can't convert np.ndarray"):
        netlab.from_numpy(np.array(["a"]))


def test_as_tensor_and_asarray_share_when_possible():
    a = np.zeros(3)
    t = netlab.as_tensor(a)
    a[1] = 5
    assert t.tolist() == [0, 5, 0] and t.dtype is netlab.float64
    c = netlab.as_tensor(a, dtype=netlab.float32)  # a dtype change copies
    a[2] = 1
    assert c.tolist() == [0, 5, 0] and c.dtype is netlab.float32
    x = netlab.ones(2)
    assert netlab.as_tensor(x) is x
    same(netlab.as_tensor([1, 2], dtype=netlab.float64),
         torch.as_tensor([1, 2], dtype=torch.float64))
    s = netlab.asarray(a)
    a[0] = 3
    assert s.tolist()[0] == 3
    cp = netlab.asarray(a, copy=True)
    a[0] = 4
    assert cp.tolist()[0] == 3
    same(netlab.asarray([1.5, 2]), torch.asarray([1.5, 2]))
    same_error(lambda: netlab.asarray(np.ones(2), dtype=netlab.float32, copy=False),
               lambda: torch.asarray(np.ones(2), dtype=torch.float32, copy=False))
    same_error(lambda: netlab.asarray([1, 2], copy=False),
               lambda: torch.asarray([1, 2], copy=False))
    w = netlab.ones(2, requires_grad=True)
    assert netlab.asarray(w) is w
    assert not netlab.asarray(w, requires_grad=False).requires_grad


def test_tensor_constructor():
    t = netlab.Tensor([1, 2])
    assert t.dtype is netlab.float32 and t.tolist() == [1.0, 2.0]
    assert netlab.Tensor(2, 3).shape == (2, 3)
    assert netlab.Tensor(np.array([1, 2])).dtype is netlab.float32
    assert netlab.Tensor((2, 3)).tolist() == [2.0, 3.0]
    assert netlab.Tensor([[1.5]], dtype=netlab.float64).dtype is netlab.float64


# --- filled factories --------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["zeros", "ones", "empty"])
@pytest.mark.parametrize("args,kwargs", [
    ((2, 3), {}), (((2, 3),), {}), (([2, 3],), {}), ((), {"size": (4,)}), (((),), {}),
    ((0, 3), {}), ((np.int64(2),), {}), ((2,), {"dtype": "float64"}), ((2,), {"dtype": "int32"}),
    ((1, 2), {"dtype": "bool"}), ((3,), {"device": "cpu"}), ((2, 2), {"requires_grad": True}),
])
def test_filled_factories(name, args, kwargs):
    nk, tk = dict(kwargs), dict(kwargs)
    if "dtype" in kwargs:
        nk["dtype"], tk["dtype"] = getattr(netlab, kwargs["dtype"]), getattr(torch, kwargs["dtype"])
    got, want = getattr(netlab, name)(*args, **nk), getattr(torch, name)(*args, **tk)
    assert got.shape == tuple(want.shape) and dtype_name(got.dtype) == dtype_name(want.dtype)
    assert got.requires_grad == want.requires_grad and got.is_leaf
    if name != "empty":
        same(got.detach(), want.detach())


def test_factories_accept_size_objects_and_devices():
    x = netlab.zeros(2, 3)
    assert netlab.ones(x.shape).shape == (2, 3)
    assert netlab.zeros(netlab.Size([4])).shape == (4,)
    assert netlab.empty(2, device=netlab.device("cpu")).device == "cpu"
    assert netlab.zeros(netlab.tensor(3)).shape == (3,)


@pytest.mark.parametrize("make", [
    lambda m: m.zeros(-1, 2), lambda m: m.empty(-1), lambda m: m.ones(-1),
    lambda m: m.zeros(2.0), lambda m: m.zeros((2, 3.0)), lambda m: m.zeros(None),
    lambda m: m.full(2, 3.0), lambda m: m.full((-1,), 1.0), lambda m: m.eye(-1),
    lambda m: m.eye(2.0),
    lambda m: m.zeros(2, dtype=m.float32, out=m.empty(3, dtype=m.int64)),
])
def test_factory_errors_match_torch(make):
    same_error(lambda: make(netlab), lambda: make(torch), prefix=True)


def test_integer_tensors_cannot_require_grad():
    for make in (lambda: netlab.tensor([1], requires_grad=True),
                 lambda: netlab.zeros(2, dtype=netlab.int64, requires_grad=True),
                 lambda: netlab.arange(3, requires_grad=True)):
        with pytest.raises(RuntimeError, match="floating point .*can require gradients"):
            make()


@pytest.mark.parametrize("value,dtype", [
    (3.5, None), (7, None), (True, None), (np.float64(3.0), None), (1.5, "int64"), (2, "float64"),
])
def test_full_dtype_follows_value(value, dtype):
    kw = {} if dtype is None else {"dtype": dtype}
    same(netlab.full((2, 2), value, **{k: getattr(netlab, v) for k, v in kw.items()}),
         torch.full((2, 2), value, **{k: getattr(torch, v) for k, v in kw.items()}))
    same(netlab.full([], value), torch.full([], value))


def test_full_with_tensor_value():
    same(netlab.full((2,), netlab.tensor(3.0)), torch.full((2,), torch.tensor(3.0)))
    same(netlab.full((2,), netlab.tensor(3)), torch.full((2,), torch.tensor(3)))


@pytest.mark.parametrize("name", ["zeros", "ones", "empty"])
def test_out_argument(name):
    for out_dtype in ("int64", "float64"):
        out = netlab.empty(5, dtype=getattr(netlab, out_dtype))
        v = out._version
        res = getattr(netlab, name)(2, 3, out=out)
        assert res is out and out.shape == (2, 3) and out.dtype is getattr(netlab, out_dtype)
        assert out._version == v + 1
        if name != "empty":
            assert out.tolist() == getattr(torch, name)(2, 3).tolist()


# --- *_like and new_* ----------------------------------------------------------------------

@pytest.mark.parametrize("src_dtype", ["float32", "float64", "int32", "bool"])
def test_like_factories(src_dtype):
    src_n = netlab.ones(2, 3, dtype=getattr(netlab, src_dtype))
    src_t = torch.ones(2, 3, dtype=getattr(torch, src_dtype))
    same(netlab.zeros_like(src_n), torch.zeros_like(src_t))
    same(netlab.ones_like(src_n), torch.ones_like(src_t))
    same(netlab.full_like(src_n, 2.7), torch.full_like(src_t, 2.7))
    same(netlab.zeros_like(src_n, dtype=netlab.float64),
         torch.zeros_like(src_t, dtype=torch.float64))
    same(netlab.full_like(src_n, 2, dtype=netlab.int64),
         torch.full_like(src_t, 2, dtype=torch.int64))
    e = netlab.empty_like(src_n)
    assert e.shape == (2, 3) and e.dtype is src_n.dtype
    g = netlab.ones_like(netlab.ones(2, requires_grad=True))
    assert not g.requires_grad
    assert netlab.zeros_like(netlab.ones(2), requires_grad=True).requires_grad
    assert netlab.zeros_like(src_n, device="cpu").device == "cpu"


def test_new_methods_inherit_dtype_and_device():
    for dt in ("int32", "float64", "int64"):
        n, t = netlab.ones(2, dtype=getattr(netlab, dt)), torch.ones(2, dtype=getattr(torch, dt))
        same(n.new_tensor([1, 2]), t.new_tensor([1, 2]))
        same(n.new_tensor(3.5), t.new_tensor(3.5))
        same(n.new_tensor(np.array([1, 2])), t.new_tensor(np.array([1, 2])))
        same(n.new_zeros(2, 3), t.new_zeros(2, 3))
        same(n.new_zeros((2, 3)), t.new_zeros((2, 3)))
        same(n.new_ones((2,)), t.new_ones((2,)))
        same(n.new_full((2,), 2.5), t.new_full((2,), 2.5))
        same(n.new_full([2], True), t.new_full([2], True))
        assert n.new_empty(0).shape == (0,) and n.new_empty(2, 2).dtype is n.dtype
        same(n.new_zeros(2, dtype=netlab.float16), t.new_zeros(2, dtype=torch.float16))
    w = netlab.ones(2)
    r = w.new_tensor([1.0, 2.0], requires_grad=True)
    assert r.requires_grad and r.is_leaf
    src = netlab.ones(2, requires_grad=True)
    with pytest.warns(UserWarning):
        c = w.new_tensor(src)
    assert not c.requires_grad


# --- CUDA ---------------------------------------------------------------------------------

@needs_cuda
def test_factories_on_cuda():
    for dev in ("cuda", "cuda:0", netlab.device("cuda")):
        for t in (netlab.zeros(2, 3, device=dev), netlab.ones(2, device=dev),
                  netlab.full((2,), 3, device=dev), netlab.eye(3, device=dev),
                  netlab.arange(5, device=dev), netlab.linspace(0, 1, 4, device=dev),
                  netlab.logspace(0, 1, 4, device=dev), netlab.tensor([1, 2], device=dev),
                  netlab.empty(3, device=dev)):
            assert t.is_cuda and t.device == netlab.device("cuda:0")
    x = netlab.ones(2, 2, device="cuda", dtype=netlab.float64)
    for t in (x.new_zeros(3), x.new_tensor([1, 2]), x.new_full((2,), 1), netlab.zeros_like(x),
              netlab.full_like(x, 2)):
        assert t.is_cuda and t.dtype is netlab.float64
    assert netlab.tensor(x).is_cuda
    assert netlab.zeros_like(x, device="cpu").is_cpu
    x.fill_(netlab.tensor(3.0))
    assert x.cpu().tolist() == [[3.0, 3.0], [3.0, 3.0]]
    assert netlab.arange(4.0, device="cuda").cpu().tolist() == [0.0, 1.0, 2.0, 3.0]
