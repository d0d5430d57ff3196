"""Parity harness: run the same op in netlab and in PyTorch (the oracle) and compare.

``check_op(nl_fn, torch_fn, *arrays)`` builds tensors from the same numpy arrays, compares
outputs, then backpropagates the same random upstream gradient and compares every input's
gradient. Float32 uses rtol 1e-5 by default, float64 1e-10.
"""

from __future__ import annotations

import numpy as np
import pytest

import netlab

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(1234)


def randn(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


def to_torch(x, requires_grad=False):
    if isinstance(x, netlab.Tensor):
        x = x.detach().numpy()
    t = torch.from_numpy(np.array(x))
    if requires_grad:
        t.requires_grad_(True)
    return t


def tols(dtype, rtol=None, atol=None):
    if dtype == np.float64:
        return rtol or 1e-10, atol or 1e-12
    if dtype == np.float16:
        return rtol or 1e-2, atol or 1e-3
    return rtol or 1e-5, atol or 1e-6


def assert_close(nl_value, torch_value, rtol=1e-5, atol=1e-6, check_dtype=True, msg=""):
    a = nl_value.detach().numpy() if isinstance(nl_value, netlab.Tensor) else np.asarray(nl_value)
    b = torch_value.detach().numpy() if isinstance(torch_value, torch.Tensor) else \
        np.asarray(torch_value)
    assert a.shape == b.shape, f"{msg} shape {a.shape} != torch {b.shape}"
    if check_dtype:
        assert a.dtype == b.dtype, f"{msg} dtype {a.dtype} != torch {b.dtype}"
    np.testing.assert_allclose(a.astype(np.float64) if a.dtype.kind == "f" else a,
                               b.astype(np.float64) if b.dtype.kind == "f" else b,
                               rtol=rtol, atol=atol, err_msg=msg, equal_nan=True)


def check_op(nl_fn, torch_fn, *arrays, grad=True, rtol=None, atol=None, grad_rtol=None,
             grad_atol=None, check_dtype=True):
    """Compare ``nl_fn(*tensors)`` with ``torch_fn(*tensors)`` in value and gradient.

    Float arrays become tensors that require grad (when ``grad``); other arguments
    (ints, tuples, non-float arrays) are passed as they are, converted to tensors if arrays.
    Returns the netlab output.
    """
    nl_in, th_in = [], []
    for a in arrays:
        if isinstance(a, np.ndarray):
            rg = grad and a.dtype.kind == "f"
            t = netlab.tensor(a)
            if rg:
                t.requires_grad_(True)
            nl_in.append(t)
            th_in.append(to_torch(a, rg))
        else:
            nl_in.append(a)
            th_in.append(a)
    out_nl = nl_fn(*nl_in)
    out_th = torch_fn(*th_in)
    outs_nl = out_nl if isinstance(out_nl, (tuple, list)) else (out_nl,)
    outs_th = out_th if isinstance(out_th, (tuple, list)) else (out_th,)
    dt = next((a.dtype for a in arrays if isinstance(a, np.ndarray) and a.dtype.kind == "f"),
              np.float32)
    r, at = tols(dt, rtol, atol)
    for i, (a, b) in enumerate(zip(outs_nl, outs_th)):
        assert_close(a, b, r, at, check_dtype, msg=f"output {i}")
    if not grad:
        return out_nl
    diff = [(a, b) for a, b in zip(outs_nl, outs_th)
            if isinstance(b, torch.Tensor) and b.requires_grad]
    if not diff:
        return out_nl
    nl_loss, th_loss = 0, 0
    for a, b in diff:
        up = RNG.standard_normal(tuple(b.shape)).astype(b.detach().numpy().dtype)
        nl_loss = nl_loss + (a * netlab.tensor(up)).sum()
        th_loss = th_loss + (b * torch.from_numpy(up)).sum()
    nl_loss.backward()
    th_loss.backward()
    gr, ga = tols(dt, grad_rtol or (None if rtol is None else rtol * 10),
                  grad_atol or (None if atol is None else atol * 10))
    if dt == np.float32:
        gr, ga = max(gr, 1e-5), max(ga, 1e-5)
    for i, (a, b) in enumerate(zip(nl_in, th_in)):
        if isinstance(b, torch.Tensor) and b.requires_grad:
            assert (a.grad is None) == (b.grad is None), f"grad presence differs for input {i}"
            if b.grad is not None:
                assert_close(a.grad, b.grad, gr, ga, msg=f"grad of input {i}")
    return out_nl


def gradcheck(fn, *arrays, eps=1e-6, atol=1e-5, rtol=1e-3):
    """netlab's own float64 finite-difference check on arrays (float ones require grad)."""
    ins = []
    for a in arrays:
        if isinstance(a, np.ndarray) and a.dtype.kind == "f":
            ins.append(netlab.tensor(a.astype(np.float64), requires_grad=True))
        elif isinstance(a, np.ndarray):
            ins.append(netlab.tensor(a))
        else:
            ins.append(a)
    return netlab.autograd.gradcheck(fn, ins, eps=eps, atol=atol, rtol=rtol)


def gradgradcheck(fn, *arrays, eps=1e-6, atol=1e-5, rtol=1e-3):
    ins = []
    for a in arrays:
        if isinstance(a, np.ndarray) and a.dtype.kind == "f":
            ins.append(netlab.tensor(a.astype(np.float64), requires_grad=True))
        elif isinstance(a, np.ndarray):
            ins.append(netlab.tensor(a))
        else:
            ins.append(a)
    return netlab.autograd.gradgradcheck(fn, ins, eps=eps, atol=atol, rtol=rtol)


def dtype_name(d) -> str:
    """``'float32'`` for ``netlab.float32`` and ``torch.float32`` alike."""
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
