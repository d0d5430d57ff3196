import warnings

import numpy as np
import pytest

import netlab
from netlab import backend
from tests.netlab.parity import assert_close, torch

CUDA = backend.cuda_is_available()
needs_cuda = pytest.mark.skipif(not CUDA, reason="no CUDA device")


def dtype_name(d) -> str:
    return str(d).split(".")[1]


def same(nl, th, rtol=1e-6, atol=0.0):
    """Same shape, dtype and values (floats to ``rtol``)."""
    assert tuple(nl.shape) == tuple(th.shape)
    assert dtype_name(nl.dtype) == dtype_name(th.dtype)
    assert_close(nl.cpu(), th, rtol=rtol, atol=atol, check_dtype=False)


def same_error(nl_fn, th_fn, prefix=False):
    """netlab raises the exception PyTorch raises, with PyTorch's message."""
    with pytest.raises(Exception) as th_err:
        th_fn()
    with pytest.raises(type(th_err.value)) as nl_err:
        nl_fn()
    want = str(th_err.value).replace("torch.", "netlab.")
    got = str(nl_err.value)
    if prefix:
        assert got and want.startswith(got), f"{got!r} is not a prefix of {want!r}"
    else:
        assert got == want


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


def test_out_argument_of_ranges():
    out = netlab.empty(0)
    assert netlab.arange(4, out=out) is out and out.tolist() == [0, 1, 2, 3]
    assert out.dtype is netlab.float32
    netlab.linspace(0, 1, 3, out=out)
    assert out.tolist() == [0, 0.5, 1]
    netlab.eye(2, out=out)
    assert out.tolist() == [[1, 0], [0, 1]]
    netlab.full((2,), 4.0, out=out)
    assert out.tolist() == [4, 4]


@pytest.mark.parametrize("args,kwargs", [
    ((3,), {}), ((2, 3), {}), ((3, 2), {}), ((0,), {}), ((1,), {}), ((2,), {"dtype": "int32"}),
    ((2,), {"dtype": "bool"}), ((3,), {"dtype": "float64", "requires_grad": True}),
])
def test_eye(args, kwargs):
    nk = {k: getattr(netlab, v) if k == "dtype" else v for k, v in kwargs.items()}
    tk = {k: getattr(torch, v) if k == "dtype" else v for k, v in kwargs.items()}
    got, want = netlab.eye(*args, **nk), torch.eye(*args, **tk)
    same(got.detach(), want.detach())
    assert got.requires_grad == want.requires_grad


# --- ranges -------------------------------------------------------------------------------

ARANGE = [
    (5,), (0,), (2, 7), (10, 0, -3), (0, 1, 0.1), (0.5, 3), (0, 10, 2.5), (1, 2.5, 0.5),
    (-3.2, 7.9, 0.37), (5, 5), (1e6, 1e6 + 10, 1.5), (0, 1, 1 / 3), (-1, -10, -0.7),
    (True, 3), (np.float32(3),), (np.int64(4),),
]


@pytest.mark.parametrize("args", ARANGE, ids=[repr(a) for a in ARANGE])
@pytest.mark.parametrize("dtype", [None, "float64", "int64", "int32", "float16", "uint8"])
def test_arange_matches_torch(args, dtype):
    nk = {} if dtype is None else {"dtype": getattr(netlab, dtype)}
    tk = {} if dtype is None else {"dtype": getattr(torch, dtype)}
    if dtype == "uint8" and min(float(a) for a in args) < 0:
        return
    try:
        want = torch.arange(*args, **tk)
    except Exception:
        same_error(lambda: netlab.arange(*args, **nk), lambda: torch.arange(*args, **tk))
        return
    rtol = 1e-3 if dtype == "float16" else 1e-6
    same(netlab.arange(*args, **nk), want, rtol=rtol, atol=1e-6)


def test_arange_tensor_args_and_errors():
    same(netlab.arange(netlab.tensor(3)), torch.arange(torch.tensor(3)))
    same(netlab.arange(netlab.tensor(1.5), 4), torch.arange(torch.tensor(1.5), 4))
    for make in (lambda m: m.arange(0, 5, 0), lambda m: m.arange(5, 0),
                 lambda m: m.arange(0, float("inf")),
                 lambda m: m.arange(0, 2.5, 0.5, dtype=m.int64),
                 lambda m: m.arange(10, dtype=m.bool)):
        same_error(lambda: make(netlab), lambda: make(torch))  # noqa: B023 - called at once
    x = netlab.arange(3.0, requires_grad=True)
    assert x.requires_grad and x.is_leaf


LINSPACE = [(0, 1, 5), (0, 10, 5), (3, 7, 1), (0, 1, 0), (-5.5, 5.5, 11), (5.7, -5.7, 5),
            (1e-3, 1e3, 7), (-5, 5, 4), (0.1, 0.2, 100), (2, 2, 3)]


@pytest.mark.parametrize("args", LINSPACE, ids=[repr(a) for a in LINSPACE])
@pytest.mark.parametrize("dtype", [None, "float64", "int64", "int32", "float16"])
def test_linspace_and_logspace_match_torch(args, dtype):
    nk = {} if dtype is None else {"dtype": getattr(netlab, dtype)}
    tk = {} if dtype is None else {"dtype": getattr(torch, dtype)}
    rtol = 2e-3 if dtype == "float16" else 1e-6
    same(netlab.linspace(*args, **nk), torch.linspace(*args, **tk), rtol=rtol, atol=1e-6)
    s, e, n = args
    if abs(s) < 5 and abs(e) < 5:
        for base in (10.0, 2.0, 0.5):
            same(netlab.logspace(s, e, n, base=base, **nk),
                 torch.logspace(s, e, n, base=base, **tk), rtol=rtol * 10, atol=1e-6)


def test_linspace_logspace_errors_and_tensor_bounds():
    same(netlab.linspace(netlab.tensor(0.0), netlab.tensor(1.0), 3),
         torch.linspace(torch.tensor(0.0), torch.tensor(1.0), 3))
    same_error(lambda: netlab.linspace(0, 1, -1), lambda: torch.linspace(0, 1, -1))
    same_error(lambda: netlab.linspace(0, 1, 3, dtype=netlab.bool),
               lambda: torch.linspace(0, 1, 3, dtype=torch.bool))
    with pytest.raises(TypeError):
        netlab.linspace(0, 1, 2.0)
    assert netlab.logspace(0, 2, 3, requires_grad=True).requires_grad


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


# --- fill_ / zero_ -------------------------------------------------------------------------

@pytest.mark.parametrize("dtype,value", [
    ("float32", 3), ("int64", 2.7), ("bool", 3), ("float64", -1.5), ("uint8", 7),
])
def test_fill_and_zero(dtype, value):
    n = netlab.ones(2, 2, dtype=getattr(netlab, dtype))
    t = torch.ones(2, 2, dtype=getattr(torch, dtype))
    v = n._version
    assert n.fill_(value) is n
    t.fill_(value)
    same(n, t)
    assert n._version == v + 1
    n.zero_()
    t.zero_()
    same(n, t)
    assert n._version == v + 2
    n.fill_(netlab.tensor(5))
    t.fill_(torch.tensor(5))
    same(n, t)


def test_fill_on_view_writes_base_and_checks():
    base = netlab.zeros(2, 3)
    base.view(6).fill_(2.0)
    assert base.tolist() == [[2.0] * 3] * 2
    same_error(lambda: netlab.zeros(2).fill_(netlab.tensor([1.0])),
               lambda: torch.zeros(2).fill_(torch.tensor([1.0])))
    same_error(lambda: netlab.ones(2, requires_grad=True).fill_(1),
               lambda: torch.ones(2, requires_grad=True).fill_(1))
    with netlab.no_grad():
        w = netlab.ones(2, requires_grad=True)
        w.zero_()
    assert w.tolist() == [0, 0] and w.requires_grad


def test_fill_autograd_matches_torch():
    for value_tensor in (False, True):
        xs = []
        for m in (netlab, torch):
            x = m.ones(3, requires_grad=True)
            v = m.tensor(2.0, requires_grad=True) if value_tensor else 2.0
            y = x * 3
            y.fill_(v)
            name = y.grad_fn.name() if m is netlab else type(y.grad_fn).__name__
            (y * m.tensor([1.0, 2.0, 3.0])).sum().backward()
            xs.append((name, x.grad.tolist(), v.grad.tolist() if value_tensor else None))
        assert xs[0] == xs[1]
    for m in (netlab, torch):
        x = m.ones(2, requires_grad=True)
        y = x * 2
        y.zero_()
        (y + x).sum().backward()
        assert x.grad.tolist() == [1.0, 1.0]
    y = netlab.ones(2, requires_grad=True) * 2
    assert y.zero_().grad_fn.name() == "ZeroBackward0"


def test_fill_with_cross_dtype_value_gradient():
    v = netlab.tensor(2.0, dtype=netlab.float64, requires_grad=True)
    z = netlab.zeros(4)
    z.fill_(v)
    assert z.grad_fn.name() == "FillBackward3"
    z.sum().backward()
    assert v.grad.dtype is netlab.float64 and v.grad.item() == 4.0


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
