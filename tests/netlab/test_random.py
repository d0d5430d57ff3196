import numpy as np
import pytest

import netlab
from netlab import backend
from tests.netlab.parity import same_error, torch

CUDA = backend.cuda_is_available()
needs_cuda = pytest.mark.skipif(not CUDA, reason="no CUDA device")


def draw_all(device="cpu", generator=None):
    """One value list per sampler, drawn in a fixed order."""
    g = {"generator": generator}
    p = netlab.tensor([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]], device=device)
    outs = [
        netlab.rand(3, 2, device=device, **g),
        netlab.randn(4, device=device, **g),
        netlab.randn(2, dtype=netlab.float64, device=device, **g),
        netlab.randint(0, 100, (5,), device=device, **g),
        netlab.randint(7, (2, 2), device=device, **g),
        netlab.randperm(6, device=device, **g),
        netlab.normal(0.0, 2.0, (3,), device=device, **g),
        netlab.normal(netlab.zeros(3, device=device), netlab.ones(3, device=device), **g),
        netlab.bernoulli(netlab.full((6,), 0.5, device=device), **g),
        netlab.multinomial(p, 2, **g),
        netlab.multinomial(p, 5, replacement=True, **g),
        netlab.empty(4, device=device).uniform_(-1, 1, **g),
        netlab.empty(4, device=device).normal_(1, 2, **g),
        netlab.empty(4, device=device).bernoulli_(0.3, **g),
        netlab.empty(4, dtype=netlab.int64, device=device).random_(10, **g),
        netlab.empty(4, device=device).exponential_(**g),
        netlab.rand_like(netlab.zeros(2, device=device), **g),
        netlab.randn_like(netlab.zeros(2, device=device), **g),
        netlab.randint_like(netlab.zeros(2, device=device), 3, 9, **g),
    ]
    return [o.cpu().tolist() for o in outs]


def test_manual_seed_makes_runs_reproducible():
    netlab.manual_seed(1234)
    a = draw_all()
    netlab.manual_seed(1234)
    b = draw_all()
    assert a == b
    netlab.manual_seed(1235)
    c = draw_all()
    assert all(x != y for x, y in zip(a, c) if len(np.ravel(x)) > 3)
    assert netlab.initial_seed() == 1235


def test_generators_are_independent_of_the_default():
    g = netlab.Generator().manual_seed(7)
    netlab.manual_seed(0)
    ref = netlab.rand(5).tolist()
    netlab.manual_seed(0)
    a = draw_all(generator=g)
    assert netlab.rand(5).tolist() == ref  # the default generator was not touched
    assert draw_all(generator=g.manual_seed(7)) == a
    assert netlab.Generator().initial_seed() == torch.Generator().initial_seed()
    assert netlab.Generator().device == netlab.device("cpu")


def test_state_round_trip_and_fork_rng():
    netlab.manual_seed(3)
    netlab.rand(3)
    state = netlab.get_rng_state()
    assert state.dtype is netlab.uint8 and state.ndim == 1
    a = draw_all()
    netlab.set_rng_state(state)
    assert draw_all() == a
    assert netlab.initial_seed() == 3
    g = netlab.Generator()
    st = g.get_state()
    x = netlab.randn(10, generator=g).tolist()
    assert g.set_state(st) is g and netlab.randn(10, generator=g).tolist() == x
    with netlab.random.fork_rng():
        inner = netlab.rand(4).tolist()
    assert netlab.rand(4).tolist() == inner
    # an odd number of 32-bit draws leaves a buffered half word in the state
    netlab.randint(0, 5, (1,), dtype=netlab.int32)
    s2 = netlab.get_rng_state()
    y = netlab.rand(3).tolist()
    netlab.set_rng_state(s2)
    assert netlab.rand(3).tolist() == y


def test_seed_and_seed_values():
    s = netlab.seed()
    assert isinstance(s, int) and netlab.initial_seed() == s
    assert netlab.manual_seed(-1).initial_seed() == torch.manual_seed(-1).initial_seed()
    assert netlab.manual_seed(1.5).initial_seed() == 1
    assert isinstance(netlab.manual_seed(2), netlab.Generator)
    same_error(lambda: netlab.manual_seed(2 ** 64), lambda: torch.manual_seed(2 ** 64))
    same_error(lambda: netlab.manual_seed(-2 ** 63 - 1), lambda: torch.manual_seed(-2 ** 63 - 1))
    same_error(lambda: netlab.set_rng_state(netlab.zeros(3)),
               lambda: torch.set_rng_state(torch.zeros(3)))
    same_error(lambda: netlab.set_rng_state([1]), lambda: torch.set_rng_state([1]))
    with pytest.raises(RuntimeError, match="RNG state size to be 3"):
        netlab.set_rng_state(netlab.zeros(3, dtype=netlab.uint8))
    torch.manual_seed(0)


# --- shapes and dtypes follow PyTorch --------------------------------------------------------

FACTORIES = [
    lambda m: m.rand(2, 3), lambda m: m.rand((2, 3)), lambda m: m.rand([4]),
    lambda m: m.rand(size=(2,)), lambda m: m.rand(()), lambda m: m.rand(2, dtype=m.float64),
    lambda m: m.rand(3, dtype=m.float16), lambda m: m.randn(2, 2), lambda m: m.randn(0, 3),
    lambda m: m.randn(2, dtype=m.float64), lambda m: m.rand(2, 2, requires_grad=True),
    lambda m: m.randint(5, (3,)), lambda m: m.randint(2, 5, (2, 2)),
    lambda m: m.randint(low=0, high=5, size=(2,)), lambda m: m.randint(high=5, size=(2,)),
    lambda m: m.randint(5, size=(2,)), lambda m: m.randint(0, 5, (2,), dtype=m.float32),
    lambda m: m.randint(0, 255, (2,), dtype=m.uint8), lambda m: m.randint(0, 2, (3,), dtype=m.bool),
    lambda m: m.randperm(5), lambda m: m.randperm(0), lambda m: m.randperm(3, dtype=m.float32),
    lambda m: m.normal(0.0, 1.0, (2, 3)), lambda m: m.normal(2, 3, (2,)),
    lambda m: m.normal(0, 1, (2,), dtype=m.float64), lambda m: m.normal(m.zeros(2), 1.0),
    lambda m: m.normal(0.0, m.ones(2, dtype=m.float64)),
    lambda m: m.normal(m.zeros(2, 1), m.ones(3)),
    lambda m: m.normal(m.zeros(2), m.ones(2, dtype=m.float64)),
    lambda m: m.normal(m.zeros(2, dtype=m.float16), 1.0), lambda m: m.normal(mean=m.zeros(2)),
    lambda m: m.bernoulli(m.zeros(2, 3, dtype=m.float64)), lambda m: m.bernoulli(m.zeros(2), 0.5),
    lambda m: m.bernoulli(m.ones(2, dtype=m.int64), 0.5),
    lambda m: m.multinomial(m.ones(4), 2), lambda m: m.multinomial(m.ones(3, 4), 3, True),
    lambda m: m.multinomial(m.ones(0, 3), 1), lambda m: m.rand_like(m.zeros(2, dtype=m.float64)),
    lambda m: m.randn_like(m.zeros(3)), lambda m: m.randint_like(m.zeros(3), 5),
    lambda m: m.randint_like(m.zeros(3, dtype=m.int32), 2, 5),
    lambda m: m.empty(0).uniform_(), lambda m: m.empty(2, dtype=m.int64).bernoulli_(0.5),
    lambda m: m.empty(3, dtype=m.bool).random_(), lambda m: m.empty(3, dtype=m.float16).random_(),
    lambda m: m.empty(2, dtype=m.int64).geometric_(0.5),
]


@pytest.mark.parametrize("make", FACTORIES)
def test_shapes_dtypes_and_flags_match_torch(make):
    got, want = make(netlab), make(torch)
    assert tuple(got.shape) == tuple(want.shape)
    assert str(got.dtype).split(".")[1] == str(want.dtype).split(".")[1]
    assert got.requires_grad == want.requires_grad


ERRORS = [
    lambda m: m.rand(2, dtype=m.int64), lambda m: m.randn(2, dtype=m.int64),
    lambda m: m.rand(-1), lambda m: m.randn(2, -1), lambda m: m.randint(5, 3),
    lambda m: m.randint(3, 3, (2,)), lambda m: m.randint(0, 300, (2,), dtype=m.uint8),
    lambda m: m.randint(-1, 3, (2,), dtype=m.uint8), lambda m: m.randint(0, 3, (2,), dtype=m.bool),
    lambda m: m.randperm(-1),
    lambda m: m.normal(m.zeros(2, dtype=m.int64), 1.0), lambda m: m.normal(0.0, -1.0, (2,)),
    lambda m: m.normal(m.zeros(2), -1.0), lambda m: m.normal(m.zeros(2), -m.ones(2)),
    lambda m: m.normal(m.zeros(3), m.ones(2)),
    lambda m: m.bernoulli(m.tensor([0, 1])), lambda m: m.bernoulli(m.tensor([2.0, 1.0])),
    lambda m: m.multinomial(m.tensor([-1.0, 1.0]), 1), lambda m: m.multinomial(m.zeros(2), 1),
    lambda m: m.multinomial(m.ones(2), 0), lambda m: m.multinomial(m.ones(2), 3),
    lambda m: m.multinomial(m.ones(2, 2, 2), 1), lambda m: m.multinomial(m.tensor([1, 1]), 1),
    lambda m: m.multinomial(m.tensor([float("nan"), 1.0]), 1),
    lambda m: m.multinomial(m.tensor([[1.0, 0.0], [0.0, 0.0]]), 1),
    lambda m: m.rand_like(m.ones(2, dtype=m.int64)),
    lambda m: m.empty(3).uniform_(2, 1), lambda m: m.empty(3, dtype=m.int64).uniform_(),
    lambda m: m.empty(3).normal_(0, -1), lambda m: m.empty(3, dtype=m.int64).normal_(),
    lambda m: m.empty(3, dtype=m.int64).random_(5, 5),
    lambda m: m.empty(3, dtype=m.uint8).random_(-1, 3),
    lambda m: m.empty(3, dtype=m.int8).random_(0, 200), lambda m: m.empty(3).bernoulli_(1.5),
    lambda m: m.empty(3).bernoulli_(m.tensor([2.0, 0, 0])),
    lambda m: m.empty(3).exponential_(-1), lambda m: m.empty(3, dtype=m.int64).exponential_(),
    lambda m: m.empty(2).log_normal_(1, 0), lambda m: m.empty(2, dtype=m.int64).log_normal_(),
    lambda m: m.empty(2).geometric_(0), lambda m: m.empty(2, dtype=m.int64).cauchy_(),
    lambda m: m.ones(2, requires_grad=True).uniform_(),
    lambda m: m.ones(2, requires_grad=True).normal_(),
]


@pytest.mark.parametrize("make", ERRORS)
def test_errors_match_torch(make):
    same_error(lambda: make(netlab), lambda: make(torch), prefix=True)


# --- distributions -------------------------------------------------------------------------

N = 200_000


def test_uniform_samples():
    netlab.manual_seed(0)
    for dt in (netlab.float32, netlab.float64, netlab.float16):
        x = netlab.rand(N, dtype=dt).numpy().astype(np.float64)
        assert x.min() >= 0 and x.max() < 1
        assert abs(x.mean() - 0.5) < 0.005 and abs(x.var() - 1 / 12) < 0.003
    y = netlab.empty(N).uniform_(-2, 3).numpy()
    assert y.min() >= -2 and y.max() < 3 and abs(y.mean() - 0.5) < 0.03


def test_normal_samples():
    netlab.manual_seed(0)
    for dt in (netlab.float32, netlab.float64):
        x = netlab.randn(N, dtype=dt).numpy()
        assert abs(x.mean()) < 0.01 and abs(x.std() - 1) < 0.01
    y = netlab.empty(N, dtype=netlab.float64).normal_(3, 0.5).numpy()
    assert abs(y.mean() - 3) < 0.01 and abs(y.std() - 0.5) < 0.01
    z = netlab.normal(2.0, 4.0, (N,)).numpy()
    assert abs(z.mean() - 2) < 0.05 and abs(z.std() - 4) < 0.05
    means = netlab.tensor([[-5.0], [5.0]])
    stds = netlab.tensor([0.1, 1.0, 2.0])
    w = np.stack([netlab.normal(means, stds).numpy() for _ in range(4000)])
    np.testing.assert_allclose(w.mean(0), [[-5] * 3, [5] * 3], atol=0.1)
    np.testing.assert_allclose(w.std(0), [[0.1, 1, 2]] * 2, rtol=0.05)


def test_integer_samplers():
    netlab.manual_seed(0)
    x = netlab.randint(-3, 4, (N,)).numpy()
    assert x.min() == -3 and x.max() == 3
    np.testing.assert_allclose(np.bincount(x + 3) / N, 1 / 7, atol=0.005)
    p = netlab.randperm(100).numpy()
    assert sorted(p.tolist()) == list(range(100)) and p.dtype == np.int64
    r = netlab.empty(N, dtype=netlab.int64).random_(5).numpy()
    assert set(np.unique(r).tolist()) == {0, 1, 2, 3, 4}
    r = netlab.empty(N).random_(-3, 2).numpy()
    assert set(np.unique(r).tolist()) == {-3, -2, -1, 0, 1}
    r = netlab.empty(N, dtype=netlab.uint8).random_().numpy()
    assert r.min() == 0 and r.max() == 255
    r = netlab.empty(N, dtype=netlab.int8).random_(100, None).numpy()
    assert r.min() == 100 and r.max() == 127
    r = netlab.empty(1000).random_().numpy()
    assert r.min() >= 0 and r.max() <= 2 ** 24 and np.all(r == np.round(r)) and r.max() > 2 ** 20
    b = netlab.empty(1000, dtype=netlab.bool).random_().numpy()
    assert b.any() and not b.all()


def test_bernoulli_samples():
    netlab.manual_seed(0)
    p = netlab.tensor([0.0, 0.25, 0.9, 1.0], dtype=netlab.float64)
    x = np.stack([netlab.bernoulli(p).numpy() for _ in range(20000)])
    np.testing.assert_allclose(x.mean(0), [0, 0.25, 0.9, 1], atol=0.01)
    assert x.dtype == np.float64
    y = netlab.empty(N, dtype=netlab.int64).bernoulli_(0.3).numpy()
    assert set(np.unique(y).tolist()) == {0, 1} and abs(y.mean() - 0.3) < 0.005
    z = netlab.empty(20000, 3).bernoulli_(netlab.tensor([0.1, 0.5, 1.0])).numpy()
    np.testing.assert_allclose(z.mean(0), [0.1, 0.5, 1.0], atol=0.015)
    assert netlab.zeros(3).bernoulli(0.0).tolist() == [0, 0, 0]


def test_multinomial_samples():
    netlab.manual_seed(0)
    w = netlab.tensor([[1.0, 0.0, 3.0, 4.0], [0.0, 0.0, 0.0, 2.0]])
    s = netlab.multinomial(w, 40000, replacement=True).numpy()
    np.testing.assert_allclose(np.bincount(s[0], minlength=4) / 40000, [0.125, 0, 0.375, 0.5],
                               atol=0.01)
    assert (s[1] == 3).all()
    d = np.stack([netlab.multinomial(w[0], 3).numpy() for _ in range(3000)])
    assert all(len(set(row)) == 3 for row in d.tolist())
    assert not (d == 1).any()
    # the first draw without replacement follows the weights
    np.testing.assert_allclose(np.bincount(d[:, 0], minlength=4) / 3000, [0.125, 0, 0.375, 0.5],
                               atol=0.03)
    one = netlab.multinomial(netlab.tensor([0.0, 1.0, 0.0]), 1)
    assert one.tolist() == [1] and one.dtype is netlab.int64
    assert netlab.tensor([0.2, 0.8]).multinomial(2).shape == (2,)


# --- autograd ------------------------------------------------------------------------------

def test_normal_and_bernoulli_record_zero_gradients():
    for args in [("t", 1.0), (0.0, "t"), ("t", "t")]:
        names, grads = [], []
        for m in (netlab, torch):
            ins = [m.ones(3, requires_grad=True) if a == "t" else a for a in args]
            out = m.normal(*ins)
            names.append(out.grad_fn.name() if m is netlab else type(out.grad_fn).__name__)
            out.sum().backward()
            grads.append([i.grad.tolist() for i in ins if not isinstance(i, float)])
        assert names[0] == names[1] and grads[0] == grads[1]
    p = netlab.full((3,), 0.5, requires_grad=True)
    out = netlab.bernoulli(p)
    assert out.grad_fn.name() == "BernoulliBackward0"
    out.sum().backward()
    assert p.grad.tolist() == [0, 0, 0]
    assert not netlab.rand_like(p).requires_grad
    assert not netlab.multinomial(p, 1).requires_grad


def test_out_argument():
    out = netlab.empty(0, dtype=netlab.float64)
    assert netlab.randn(2, 3, out=out) is out and out.shape == (2, 3)
    assert out.dtype is netlab.float64
    netlab.rand(4, out=out)
    assert out.shape == (4,)
    iout = netlab.empty(0, dtype=netlab.int64)
    netlab.randint(0, 3, (5,), out=iout)
    assert iout.shape == (5,) and iout.numpy().max() < 3
    netlab.randperm(4, out=iout)
    assert sorted(iout.tolist()) == [0, 1, 2, 3]
    fout = netlab.empty(0)
    netlab.normal(netlab.zeros(2), netlab.ones(2), out=fout)
    assert fout.shape == (2,)
    netlab.multinomial(netlab.ones(3), 2, out=iout)
    assert iout.shape == (2,)


def test_randn_uses_float32_fast_path():
    netlab.manual_seed(5)
    a = netlab.randn(1000).numpy()
    b = np.random.Generator(np.random.PCG64(5)).standard_normal(1000, dtype=np.float32)
    np.testing.assert_array_equal(a, b)


# --- CUDA ---------------------------------------------------------------------------------

@needs_cuda
def test_same_seed_same_numbers_on_cpu_and_cuda():
    netlab.manual_seed(11)
    cpu = draw_all("cpu")
    netlab.manual_seed(11)
    gpu = draw_all("cuda")
    assert cpu == gpu
    x = netlab.randn(3, device="cuda")
    assert x.is_cuda and x.device == netlab.device("cuda:0")
    y = netlab.empty(4, device="cuda").uniform_()
    assert y.is_cuda
