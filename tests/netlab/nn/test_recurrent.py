"""RNN, LSTM, GRU and their cells against PyTorch (weights copied through state_dict)."""

import math
import warnings

import numpy as np
import pytest

import netlab
import netlab.nn as nn
from netlab.nn.functional import recurrent as R
from tests.netlab.parity import assert_close, gradcheck, same_error

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)


def rand(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


def make_pair(name, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's projection / dropout-with-one-layer notes
        tm = getattr(torch.nn, name)(*args, **kwargs)
        nm = getattr(nn, name)(*args, **kwargs)
    sd = {k: netlab.from_numpy(v.detach().numpy().copy()) for k, v in tm.state_dict().items()}
    nm.load_state_dict(sd, strict=True)
    assert list(nm.state_dict()) == list(tm.state_dict())
    return tm, nm


def as_pair(a):
    return torch.from_numpy(a.copy()).requires_grad_(), netlab.from_numpy(a.copy()).requires_grad_()


def flat(out):
    """(output, h) or (output, (h, c)) -> list of tensors."""
    res = [out[0]]
    res += list(out[1]) if isinstance(out[1], tuple) else [out[1]]
    return res


def compare(tm, nm, t_in, n_in, t_leaves, n_leaves, tol=(1e-5, 1e-6)):
    """Same outputs; then same gradients of leaves and parameters for a random upstream."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_out = flat(tm(*t_in))
    n_out = flat(nm(*n_in))
    for i, (a, b) in enumerate(zip(n_out, t_out)):
        assert_close(a, b, *tol, msg=f"output {i}")
    t_loss, n_loss = 0, 0
    for a, b in zip(n_out, t_out):
        up = rand(*b.shape)
        t_loss = t_loss + (b * torch.from_numpy(up)).sum()
        n_loss = n_loss + (a * netlab.from_numpy(up)).sum()
    t_loss.backward()
    n_loss.backward()
    for i, (a, b) in enumerate(zip(n_leaves, t_leaves)):
        assert_close(a.grad, b.grad, 1e-5, 1e-5, msg=f"grad of input {i}")
    for (k, p), q in zip(nm.named_parameters(), tm.parameters()):
        assert_close(p.grad, q.grad, 1e-5, 1e-5, msg=f"grad of {k}")


LAYER_CASES = [
    ("RNN", {}),
    ("RNN", {"nonlinearity": "relu", "num_layers": 2}),
    ("RNN", {"bias": False, "batch_first": True, "bidirectional": True}),
    ("LSTM", {}),
    ("LSTM", {"batch_first": True}),
    ("LSTM", {"num_layers": 2, "bidirectional": True}),
    ("LSTM", {"num_layers": 2, "dropout": 0.5, "bias": False}),
    ("LSTM", {"proj_size": 3, "num_layers": 2, "bidirectional": True, "batch_first": True}),
    ("GRU", {}),
    ("GRU", {"num_layers": 2, "bidirectional": True, "batch_first": True}),
    ("GRU", {"bias": False, "dropout": 0.3, "num_layers": 3}),
]


@pytest.mark.parametrize("name,kw", LAYER_CASES)
@pytest.mark.parametrize("states", [False, True])
@pytest.mark.parametrize("batched", [True, False])
def test_layer_parity(name, kw, states, batched):
    tm, nm = make_pair(name, 4, 5, **kw)
    if kw.get("dropout"):
        tm.eval()
        nm.eval()  # dropout between layers is random in training; eval is deterministic
    T, B = 6, 3
    bf = kw.get("batch_first", False)
    shape = ((B, T, 4) if bf else (T, B, 4)) if batched else (T, 4)
    tx, nx = as_pair(rand(*shape))
    t_in, n_in, t_leaves, n_leaves = [tx], [nx], [tx], [nx]
    if states:
        dirs = 2 if kw.get("bidirectional") else 1
        L = kw.get("num_layers", 1)
        hsize = kw.get("proj_size") or 5
        hs = (L * dirs, B, hsize) if batched else (L * dirs, hsize)
        th, nh = as_pair(rand(*hs))
        t_leaves.append(th)
        n_leaves.append(nh)
        if name == "LSTM":
            tc, nc = as_pair(rand(*(hs[:-1] + (5,))))
            t_leaves.append(tc)
            n_leaves.append(nc)
            t_in.append((th, tc))
            n_in.append((nh, nc))
        else:
            t_in.append(th)
            n_in.append(nh)
    compare(tm, nm, t_in, n_in, t_leaves, n_leaves)
    assert nm.output_shape(shape) == tuple(flat(nm(*n_in))[0].shape)


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_train_and_eval_agree_without_dropout(name):
    tm, nm = make_pair(name, 3, 4, num_layers=2)
    x = rand(5, 2, 3)
    for mode in (True, False):
        tm.train(mode)
        nm.train(mode)
        tx, nx = as_pair(x)
        compare(tm, nm, [tx], [nx], [tx], [nx])


def test_dropout_between_layers_in_training():
    nm = nn.LSTM(3, 4, num_layers=2, dropout=0.5)
    x = netlab.from_numpy(rand(5, 2, 3))
    netlab.manual_seed(0)
    a = nm(x)[0]
    netlab.manual_seed(0)
    b = nm(x)[0]
    c = nm(x)[0]
    nm.eval()
    e = nm(x)[0]
    assert np.array_equal(a.detach().numpy(), b.detach().numpy())  # seeded: reproducible
    assert not np.allclose(a.detach().numpy(), c.detach().numpy())
    assert not np.allclose(a.detach().numpy(), e.detach().numpy())
    one = nn.LSTM(3, 4, num_layers=1, dropout=0.0)
    one.load_state_dict({k: v for k, v in nm.state_dict().items() if "l1" not in k})
    # the last layer never gets dropout: a 1-layer model with dropout trains deterministically
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        one_d = nn.LSTM(3, 4, dropout=0.5)
    one_d.load_state_dict(one.state_dict())
    assert np.allclose(one_d(x)[0].detach().numpy(), one(x)[0].detach().numpy())


CELL_CASES = [
    ("RNNCell", {}),
    ("RNNCell", {"nonlinearity": "relu", "bias": False}),
    ("LSTMCell", {}),
    ("LSTMCell", {"bias": False}),
    ("GRUCell", {}),
    ("GRUCell", {"bias": False}),
]


@pytest.mark.parametrize("name,kw", CELL_CASES)
@pytest.mark.parametrize("states", [False, True])
@pytest.mark.parametrize("batched", [True, False])
def test_cell_parity(name, kw, states, batched):
    tm, nm = make_pair(name, 4, 5, **kw)
    tx, nx = as_pair(rand(3, 4) if batched else rand(4))
    t_in, n_in, t_leaves, n_leaves = [tx], [nx], [tx], [nx]
    if states:
        hs = (3, 5) if batched else (5,)
        th, nh = as_pair(rand(*hs))
        t_leaves.append(th)
        n_leaves.append(nh)
        if name == "LSTMCell":
            tc, nc = as_pair(rand(*hs))
            t_leaves.append(tc)
            n_leaves.append(nc)
            t_in.append((th, tc))
            n_in.append((nh, nc))
        else:
            t_in.append(th)
            n_in.append(nh)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_out = tm(*t_in)
    n_out = nm(*n_in)
    t_out = list(t_out) if isinstance(t_out, tuple) else [t_out]
    n_out = list(n_out) if isinstance(n_out, tuple) else [n_out]
    t_loss, n_loss = 0, 0
    for a, b in zip(n_out, t_out):
        assert_close(a, b)
        up = rand(*b.shape)
        t_loss = t_loss + (b * torch.from_numpy(up)).sum()
        n_loss = n_loss + (a * netlab.from_numpy(up)).sum()
    t_loss.backward()
    n_loss.backward()
    for a, b in zip(n_leaves, t_leaves):
        assert_close(a.grad, b.grad, 1e-5, 1e-5)
    for p, q in zip(nm.parameters(), tm.parameters()):
        assert_close(p.grad, q.grad, 1e-5, 1e-5)
    assert nm.output_shape(tuple(nx.shape)) == tuple(n_out[0].shape)


@pytest.mark.parametrize("name,kw", [("LSTM", {"num_layers": 2, "bidirectional": True,
                                               "proj_size": 2}),
                                     ("GRU", {"bidirectional": True, "batch_first": True}),
                                     ("RNN", {"nonlinearity": "relu", "bias": False}),
                                     ("RNN", {"num_layers": 2}),
                                     ("LSTMCell", {}), ("GRUCell", {}), ("RNNCell", {})])
def test_keys_repr_and_init(name, kw):
    tm, nm = make_pair(name, 3, 4, **kw)
    assert [(k, tuple(v.shape)) for k, v in nm.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in tm.state_dict().items()]
    assert repr(nm) == repr(tm)
    fresh = getattr(nn, name)(3, 40, **kw)
    bound = 1 / math.sqrt(40)
    for p in fresh.parameters():
        a = np.abs(p.detach().numpy())
        assert a.max() <= bound and a.max() > 0.8 * bound


def _seq_fn(kind, reverse, proj=False):
    """A float64 function of every input of one recurrence, for gradcheck."""
    def fn(x, h0, *rest):
        if kind == "LSTM":
            c0, w_ih, w_hh, b_ih, b_hh, *w_hr = rest
            xg = R.input_gates(x, w_ih)
            return R.LSTMSequence(reverse)(xg, h0, c0, w_hh, b_ih, b_hh,
                                           w_hr[0] if proj else None)
        w_ih, w_hh, b_ih, b_hh = rest
        xg = R.input_gates(x, w_ih)
        if kind == "GRU":
            return R.GRUSequence(reverse)(xg, h0, w_hh, b_ih, b_hh)
        return R.RNNSequence(kind == "relu", reverse)(xg, h0, w_hh, b_ih, b_hh)
    return fn


@pytest.mark.parametrize("kind,reverse,proj", [("LSTM", False, False), ("LSTM", True, False),
                                               ("LSTM", False, True), ("GRU", False, False),
                                               ("GRU", True, False), ("tanh", True, False),
                                               ("relu", False, False)])
def test_gradcheck(kind, reverse, proj):
    T, B, I, H = 3, 2, 2, 3
    G = {"LSTM": 4, "GRU": 3}.get(kind, 1) * H
    P = 2 if proj else H
    args = [rand(T, B, I, dtype=np.float64), rand(B, P, dtype=np.float64)]
    if kind == "LSTM":
        args.append(rand(B, H, dtype=np.float64))
    args += [rand(G, I, dtype=np.float64), rand(G, P, dtype=np.float64),
             rand(G, dtype=np.float64), rand(G, dtype=np.float64)]
    if proj:
        args.append(rand(P, H, dtype=np.float64))
    if kind == "relu":
        args[0] = args[0] + 0.5  # keep pre-activations away from the kink
    assert gradcheck(_seq_fn(kind, reverse, proj), *args)


def test_empty_batch_and_float64():
    tm, nm = make_pair("GRU", 3, 4, num_layers=2)
    tm.double()
    nm.double()
    tx, nx = as_pair(rand(5, 2, 3, dtype=np.float64))
    compare(tm, nm, [tx], [nx], [tx], [nx], tol=(1e-10, 1e-12))
    out, h = nm(netlab.zeros(5, 0, 3, dtype=netlab.float64))
    assert tuple(out.shape) == (5, 0, 4) and tuple(h.shape) == (2, 0, 4)


def test_double_backward_is_refused():
    m = nn.LSTM(2, 3)
    x = netlab.randn(4, 1, 2, requires_grad=True)
    (g,) = netlab.autograd.grad(m(x)[0].sum(), x, create_graph=True)
    assert g.shape == x.shape
    with pytest.raises(RuntimeError, match="double backward"):
        netlab.autograd.grad((g * g).sum(), x)


def test_errors():
    x = netlab.randn(5, 2, 3)
    tx = torch.randn(5, 2, 3)
    same_error(lambda: nn.LSTM(4, 5)(x), lambda: torch.nn.LSTM(4, 5)(tx))
    same_error(lambda: nn.GRU(3, 5)(netlab.randn(1, 5, 2, 3)),
               lambda: torch.nn.GRU(3, 5)(torch.randn(1, 5, 2, 3)))
    same_error(lambda: nn.RNN(3, 5)(netlab.randn(1, 5, 2, 3)),
               lambda: torch.nn.RNN(3, 5)(torch.randn(1, 5, 2, 3)))
    same_error(lambda: nn.RNN(3, 5)(x, netlab.zeros(2, 2, 5)),
               lambda: torch.nn.RNN(3, 5)(tx, torch.zeros(2, 2, 5)))
    same_error(lambda: nn.RNN(3, 5)(x, netlab.zeros(2, 5)),
               lambda: torch.nn.RNN(3, 5)(tx, torch.zeros(2, 5)))
    same_error(lambda: nn.LSTM(3, 5)(x, (netlab.zeros(1, 2, 5), netlab.zeros(1, 3, 5))),
               lambda: torch.nn.LSTM(3, 5)(tx, (torch.zeros(1, 2, 5), torch.zeros(1, 3, 5))))
    same_error(lambda: nn.LSTM(3, 5)(x, (netlab.zeros(2, 2, 5), netlab.zeros(1, 2, 5))),
               lambda: torch.nn.LSTM(3, 5)(tx, (torch.zeros(2, 2, 5), torch.zeros(1, 2, 5))))
    same_error(lambda: nn.LSTM(3, 5)(x, (netlab.zeros(1, 5), netlab.zeros(1, 5))),
               lambda: torch.nn.LSTM(3, 5)(tx, (torch.zeros(1, 5), torch.zeros(1, 5))))
    same_error(lambda: nn.LSTM(3, 5)(x.double()), lambda: torch.nn.LSTM(3, 5)(tx.double()))
    same_error(lambda: nn.LSTMCell(3, 5)(x), lambda: torch.nn.LSTMCell(3, 5)(tx))
    same_error(lambda: nn.GRUCell(3, 5)(x[0], x), lambda: torch.nn.GRUCell(3, 5)(tx[0], tx))
    for kw in ({"dropout": 1.5}, {"num_layers": 0}, {"proj_size": 5}, {"proj_size": -1},
               {"bias": 1}):
        same_error(lambda kw=kw: nn.LSTM(3, 5, **kw), lambda kw=kw: torch.nn.LSTM(3, 5, **kw))
    same_error(lambda: nn.GRU(3, 5, proj_size=2), lambda: torch.nn.GRU(3, 5, proj_size=2))
    same_error(lambda: nn.RNN(3, 5, nonlinearity="gelu"),
               lambda: torch.nn.RNN(3, 5, nonlinearity="gelu"))
    same_error(lambda: nn.RNN(3, 0), lambda: torch.nn.RNN(3, 0))
    with pytest.raises(ValueError, match="input_size"):
        nn.LSTM(3, 5).output_shape((5, 2, 4))
    with pytest.raises(ValueError, match="2D or 3D"):
        nn.GRU(3, 5).output_shape((3,))
    with pytest.raises(ValueError, match="input_size"):
        nn.LSTMCell(3, 5).output_shape((2, 4))
