"""MultiheadAttention, scaled_dot_product_attention and TransformerEncoderLayer vs PyTorch."""

import math

import numpy as np
import pytest

import netlab
import netlab.nn as nn
import netlab.nn.functional as F
from tests.netlab.parity import assert_close, check_op, gradcheck, gradgradcheck, same_error

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(11)


def rand(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


def copy_weights(tm, nm):
    sd = {k: netlab.from_numpy(v.detach().numpy().copy()) for k, v in tm.state_dict().items()}
    nm.load_state_dict(sd, strict=True)
    assert list(nm.state_dict()) == list(tm.state_dict())


def conv(v, lib):
    if isinstance(v, np.ndarray):
        return torch.from_numpy(v.copy()) if lib == "torch" else netlab.from_numpy(v.copy())
    return v


def run_both(tm, nm, arrays, extra, same_qkv=False):
    """Forward both with the same inputs, backprop a random upstream, compare everything."""
    ts = [torch.from_numpy(a.copy()).requires_grad_() for a in arrays]
    ns = [netlab.from_numpy(a.copy()).requires_grad_() for a in arrays]
    t_args = [ts[0]] * 3 if same_qkv else ts
    n_args = [ns[0]] * 3 if same_qkv else ns
    t_out = tm(*t_args, **{k: conv(v, "torch") for k, v in extra.items()})
    n_out = nm(*n_args, **{k: conv(v, "netlab") for k, v in extra.items()})
    t_out = t_out if isinstance(t_out, tuple) else (t_out,)
    n_out = n_out if isinstance(n_out, tuple) else (n_out,)
    t_loss, n_loss = 0, 0
    for a, b in zip(n_out, t_out):
        assert (a is None) == (b is None)
        if b is None:
            continue
        assert_close(a, b, 1e-5, 1e-5)
        if b.requires_grad:
            up = rand(*b.shape)
            t_loss = t_loss + (b * torch.from_numpy(up)).sum()
            n_loss = n_loss + (a * netlab.from_numpy(up)).sum()
    t_loss.backward()
    n_loss.backward()
    for a, b in zip(ns, ts):
        assert_close(a.grad, b.grad, 1e-5, 1e-5, msg="input grad")
    for (k, p), q in zip(nm.named_parameters(), tm.parameters()):
        assert_close(p.grad, q.grad, 1e-4, 1e-5, msg=f"grad of {k}")  # sums over L*N rows
    return n_out


MHA_CASES = [
    {},
    {"batch_first": True},
    {"kdim": 5, "vdim": 6},
    {"add_bias_kv": True, "add_zero_attn": True},
    {"bias": False, "batch_first": True},
    {"dropout": 0.3},  # compared in eval
]
L, S, N, E, H = 3, 4, 2, 8, 2
KPM = np.zeros((N, S), dtype=bool)
KPM[0, -1] = True
MASKS = [
    {},
    {"key_padding_mask": KPM},
    {"attn_mask": rand(L, S), "average_attn_weights": False},
    {"attn_mask": RNG.random((L, S)) > 0.7, "need_weights": False},
    {"attn_mask": rand(N * H, L, S), "key_padding_mask": rand(N, S)},
]


@pytest.mark.parametrize("kw", MHA_CASES)
@pytest.mark.parametrize("mask", range(len(MASKS)))
def test_mha_parity(kw, mask):
    torch.manual_seed(0)
    tm = torch.nn.MultiheadAttention(E, H, **kw)
    nm = nn.MultiheadAttention(E, H, **kw)
    copy_weights(tm, nm)
    if kw.get("dropout"):
        tm.eval()
        nm.eval()
    bf = kw.get("batch_first", False)
    kd, vd = kw.get("kdim", E), kw.get("vdim", E)
    shapes = [(L, E), (S, kd), (S, vd)]
    arrays = [rand(*((N, n, d) if bf else (n, N, d))) for n, d in shapes]
    out = run_both(tm, nm, arrays, MASKS[mask])
    assert nm.output_shape(arrays[0].shape) == tuple(out[0].shape)


@pytest.mark.parametrize("kw", [{}, {"batch_first": True}, {"add_bias_kv": True}])
def test_mha_self_attention_and_train_mode(kw):
    torch.manual_seed(1)
    tm = torch.nn.MultiheadAttention(E, H, **kw)
    nm = nn.MultiheadAttention(E, H, **kw)
    copy_weights(tm, nm)
    x = rand(N, L, E) if kw.get("batch_first") else rand(L, N, E)
    for training in (True, False):
        tm.train(training)
        nm.train(training)
        tm.zero_grad()
        nm.zero_grad()
        run_both(tm, nm, [x], {"key_padding_mask": KPM[:, :L]}, same_qkv=True)


@pytest.mark.parametrize("extra", [{}, {"attn_mask": RNG.random((L, L)) > 0.5},
                                   {"key_padding_mask": np.array([False, True, False])},
                                   {"attn_mask": rand(H, L, L), "average_attn_weights": False}])
def test_mha_unbatched(extra):
    torch.manual_seed(2)
    tm = torch.nn.MultiheadAttention(E, H, batch_first=True)
    nm = nn.MultiheadAttention(E, H, batch_first=True)
    copy_weights(tm, nm)
    if "attn_mask" in extra and extra["attn_mask"].dtype == bool:
        extra["attn_mask"][:, 0] = False  # no fully masked row
    run_both(tm, nm, [rand(L, E), rand(L, E), rand(L, E)], extra)


def test_mha_fully_masked_rows():
    torch.manual_seed(3)
    tm = torch.nn.MultiheadAttention(E, H)
    nm = nn.MultiheadAttention(E, H)
    copy_weights(tm, nm)
    x = rand(S, N, E)
    kpm = np.zeros((N, S), dtype=bool)
    kpm[0] = True
    for need in (True, False):  # NaN with weights (softmax of all -inf), zeros without
        t = tm(*[torch.from_numpy(x)] * 3, key_padding_mask=torch.from_numpy(kpm),
               need_weights=need)
        n = nm(*[netlab.from_numpy(x)] * 3, key_padding_mask=netlab.from_numpy(kpm),
               need_weights=need)
        assert_close(n[0], t[0])
        if need:
            assert_close(n[1], t[1])


def test_mha_dropout_in_training():
    nm = nn.MultiheadAttention(E, H, dropout=0.5)
    x = netlab.from_numpy(rand(L, N, E))
    netlab.manual_seed(0)
    a, wa = nm(x, x, x)
    netlab.manual_seed(0)
    b, wb = nm(x, x, x)
    c, _ = nm(x, x, x)
    assert np.array_equal(a.detach().numpy(), b.detach().numpy())
    assert not np.allclose(a.detach().numpy(), c.detach().numpy())
    w = nm(x, x, x, average_attn_weights=False)[1].detach().numpy()
    nm.eval()
    p = nm(x, x, x, average_attn_weights=False)[1].detach().numpy()
    assert np.allclose(p.sum(-1), 1)
    # each returned weight is dropped (0) or kept and scaled by 1/(1-p) = 2
    assert (w == 0).any() and (w != 0).any()
    assert np.allclose(np.where(w == 0, 0, 2 * p), w, rtol=1e-5, atol=1e-7)


def test_mha_keys_repr_init():
    for kw in ({}, {"kdim": 3, "vdim": 5, "add_bias_kv": True}, {"bias": False}):
        tm = torch.nn.MultiheadAttention(E, H, **kw)
        nm = nn.MultiheadAttention(E, H, **kw)
        assert [(k, tuple(v.shape)) for k, v in nm.state_dict().items()] == \
            [(k, tuple(v.shape)) for k, v in tm.state_dict().items()]
        assert repr(nm) == repr(tm)
    m = nn.MultiheadAttention(64, 4)
    bound = math.sqrt(6 / (64 + 192))
    w = m.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert not m.in_proj_bias.detach().numpy().any()
    assert not m.out_proj.bias.detach().numpy().any()
    assert np.abs(m.out_proj.weight.detach().numpy()).max() <= 1 / 8


def test_mha_errors():
    same_error(lambda: nn.MultiheadAttention(8, 3), lambda: torch.nn.MultiheadAttention(8, 3))
    same_error(lambda: nn.MultiheadAttention(0, 2), lambda: torch.nn.MultiheadAttention(0, 2))
    nm, tm = nn.MultiheadAttention(E, H), torch.nn.MultiheadAttention(E, H)
    x, tx = netlab.randn(L, N, E), torch.randn(L, N, E)
    with pytest.raises(RuntimeError, match="2D attn_mask"):
        nm(x, x, x, attn_mask=netlab.zeros(2, 2))
    with pytest.raises(RuntimeError, match="2D attn_mask"):
        tm(tx, tx, tx, attn_mask=torch.zeros(2, 2))
    same_error(lambda: nm(x, x, x, is_causal=True), lambda: tm(tx, tx, tx, is_causal=True))
    with pytest.raises(AssertionError):
        nm(netlab.randn(1, L, N, E), x, x)
    with pytest.raises(ValueError, match="embedding dimension"):
        nm.output_shape((L, N, E + 1))


SDPA_CASES = [
    ((2, 3, 4), (2, 5, 4), (2, 5, 6), {}),
    ((2, 2, 3, 4), (2, 2, 3, 4), (2, 2, 3, 4), {"is_causal": True}),
    ((2, 3, 4), (2, 5, 4), (2, 5, 4), {"attn_mask": "bool"}),
    ((1, 2, 3, 4), (1, 2, 5, 4), (1, 2, 5, 4), {"attn_mask": "float", "scale": 0.3}),
    ((3, 4), (5, 4), (5, 2), {"attn_mask": "bool_row"}),  # a fully masked row gives zeros
]


@pytest.mark.parametrize("qs,ks,vs,kw", SDPA_CASES)
def test_sdpa_parity(qs, ks, vs, kw):
    kw = dict(kw)
    mask = kw.pop("attn_mask", None)
    Lq, Sk = qs[-2], ks[-2]
    if mask == "bool":
        m = RNG.random((Lq, Sk)) > 0.4
        m[:, 0] = True
    elif mask == "bool_row":
        m = RNG.random((Lq, Sk)) > 0.4
        m[:, 0] = True
        m[1] = False
    elif mask == "float":
        m = rand(Lq, Sk)
    else:
        m = None

    def nl(q, k, v):
        return F.scaled_dot_product_attention(q, k, v, None if m is None else
                                              netlab.from_numpy(m), **kw)

    def th(q, k, v):
        return TF.scaled_dot_product_attention(q, k, v, None if m is None else
                                               torch.from_numpy(m), **kw)

    check_op(nl, th, rand(*qs), rand(*ks), rand(*vs))
    check_op(nl, th, rand(*qs, dtype=np.float64), rand(*ks, dtype=np.float64),
             rand(*vs, dtype=np.float64))


def test_sdpa_gradcheck_and_gradgradcheck():
    m = netlab.from_numpy(rand(3, 4, dtype=np.float64))

    def fn(q, k, v):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=m)

    args = (rand(2, 3, 2, dtype=np.float64), rand(2, 4, 2, dtype=np.float64),
            rand(2, 4, 3, dtype=np.float64))
    assert gradcheck(fn, *args)
    assert gradgradcheck(fn, *args)


def test_mha_functional_gradcheck():
    E2, H2 = 4, 2
    kpm = netlab.from_numpy(np.array([[False, False, True], [False, False, False]]))

    def fn(q, k, v, w_in, b_in, w_out, b_out, bk, bv):
        out, w = F.multi_head_attention_forward(
            q, k, v, E2, H2, w_in, b_in, bk, bv, True, 0.0, w_out, b_out,
            key_padding_mask=kpm, average_attn_weights=False)
        return out, w

    args = [rand(2, 2, E2, dtype=np.float64), rand(3, 2, E2, dtype=np.float64),
            rand(3, 2, E2, dtype=np.float64), rand(3 * E2, E2, dtype=np.float64),
            rand(3 * E2, dtype=np.float64), rand(E2, E2, dtype=np.float64),
            rand(E2, dtype=np.float64), rand(1, 1, E2, dtype=np.float64),
            rand(1, 1, E2, dtype=np.float64)]
    assert gradcheck(fn, *args)


TEL_CASES = [
    {},
    {"batch_first": True, "norm_first": True},
    {"activation": "gelu", "bias": False},
    {"activation": "gelu_module", "layer_norm_eps": 1e-3},
    {"activation": "callable"},
    {"dropout": 0.0},  # also compared in training mode
]


@pytest.mark.parametrize("kw", TEL_CASES)
@pytest.mark.parametrize("masks", [False, True])
def test_transformer_encoder_layer(kw, masks):
    tkw, nkw = dict(kw), dict(kw)
    if kw.get("activation") == "gelu_module":
        tkw["activation"], nkw["activation"] = torch.nn.GELU(), nn.GELU()
    elif kw.get("activation") == "callable":
        tkw["activation"] = lambda x: torch.tanh(x) * 2
        nkw["activation"] = lambda x: netlab.tanh(x) * 2
    torch.manual_seed(4)
    tm = torch.nn.TransformerEncoderLayer(E, H, 16, **tkw)
    nm = nn.TransformerEncoderLayer(E, H, 16, **nkw)
    copy_weights(tm, nm)
    assert repr(nm) == repr(tm)
    bf = kw.get("batch_first", False)
    extra = {}
    if masks:
        kpm = np.zeros((N, L), dtype=bool)
        kpm[1, -1] = True
        src_mask = RNG.random((L, L)) > 0.5
        src_mask[:, 0] = False  # every query keeps key 0: no fully masked row
        extra = {"src_mask": src_mask, "src_key_padding_mask": kpm}
    x = rand(N, L, E) if bf else rand(L, N, E)
    modes = (True, False) if kw.get("dropout") == 0.0 else (False,)
    for training in modes:
        tm.train(training)
        nm.train(training)
        tm.zero_grad()
        nm.zero_grad()
        run_both(tm, nm, [x], extra)


def test_transformer_encoder_layer_errors_and_dropout():
    same_error(lambda: nn.TransformerEncoderLayer(E, H, activation="tanh"),
               lambda: torch.nn.TransformerEncoderLayer(E, H, activation="tanh"))
    layer = nn.TransformerEncoderLayer(E, H, 16, dropout=0.5)
    x = netlab.randn(L, N, E)
    netlab.manual_seed(0)
    a = layer(x)
    netlab.manual_seed(0)
    b = layer(x)
    assert np.array_equal(a.detach().numpy(), b.detach().numpy())
    assert not np.allclose(a.detach().numpy(), layer(x).detach().numpy())
