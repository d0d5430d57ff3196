"""Functional recurrent pieces: whole-sequence recurrences and the cell functions.

A layer's input projection ``x @ W_ih^T`` is computed for every time step at once
(one matmul, through ``linear``); what is left is the time loop, done by one primitive per
layer and direction (:class:`LSTMSequence`, :class:`GRUSequence`, :class:`RNNSequence`), whose
forward and backward each run the loop over raw arrays. Gate order is PyTorch's: LSTM
``i, f, g, o``; GRU ``r, z, n`` with ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``.
"""

from __future__ import annotations

from netlab.autograd.grad_mode import is_grad_enabled
from netlab.autograd.node import Function
from netlab.backend import get_array_module
from netlab.nn.functional.linear import linear
from netlab.tensor import Tensor

__all__ = ["rnn_tanh_cell", "rnn_relu_cell", "lstm_cell", "gru_cell"]


def _sigmoid_(xp, x):
    """In-place logistic sigmoid via tanh: stable for large |x|, no overflow warnings."""
    x *= 0.5
    xp.tanh(x, out=x)
    x *= 0.5
    x += 0.5
    return x


def _steps(n: int, reverse: bool):
    return range(n - 1, -1, -1) if reverse else range(n)


def _previous(out, h0, reverse: bool):
    """The hidden state each step started from: h0, then the outputs shifted by one step."""
    xp = get_array_module(out)
    prev = xp.empty_like(out)
    if out.shape[0]:
        if reverse:
            prev[-1] = h0
            prev[:-1] = out[1:]
        else:
            prev[0] = h0
            prev[1:] = out[:-1]
    return prev


def _add_biases(xg, b_ih, b_hh):
    """A fresh copy of ``xg`` plus the biases that are given."""
    if b_ih is not None and b_hh is not None:
        return xg + (b_ih + b_hh)
    b = b_ih if b_ih is not None else b_hh
    return xg + b if b is not None else xg.copy()


def _wrap(*arrays):
    return tuple(None if a is None else Tensor._make(a) for a in arrays)


class _OnceOnly(Function):
    """Passes first-order gradients through under ``create_graph``; differentiating them
    again raises (the recurrences' backward is fused, so it has no graph of its own)."""

    def __init__(self, name: str, count: int):
        self.owner = name
        self.count = count

    def forward(self, *args):
        return tuple(args[-self.count:])

    def backward(self, *grads):
        raise RuntimeError(f"{self.owner}: double backward through a recurrent layer is not "
                           "supported (its backward is fused for speed)")


class _Sequence(Function):
    """Base of the recurrences. The backward is fused over raw arrays (why: it runs once per
    time step, and Tensor-op overhead per step would put training beyond 2x PyTorch); it is
    therefore differentiable once only."""

    def __init__(self, reverse: bool = False):
        self.reverse = reverse

    def _grads(self, *arrays):
        if not is_grad_enabled():
            return _wrap(*arrays)
        # create_graph: tie the gradients to the saved inputs so that a second
        # differentiation reaches _OnceOnly and fails loudly instead of returning zeros
        anchors = [t for t in self.saved_tensors
                   if isinstance(t, Tensor) and t.requires_grad]
        present = [a for a in arrays if a is not None]
        if not anchors or not present:
            return _wrap(*arrays)
        outs = iter(_OnceOnly(self.name(), len(present))(*anchors, *present))
        return tuple(None if a is None else next(outs) for a in arrays)


class RNNSequence(_Sequence):
    """Elman recurrence ``h_t = act(xg_t + b_ih + h_{t-1} W_hh^T + b_hh)`` (tanh or relu).

    Inputs ``(xg (T, B, H), h0 (B, H), w_hh, b_ih, b_hh)`` (biases may be None); outputs
    ``(out, h_n)``.
    """

    def __init__(self, relu: bool = False, reverse: bool = False):
        super().__init__(reverse)
        self.relu = relu
        self._backward_name = "RnnReluBackward0" if relu else "RnnTanhBackward0"

    def forward(self, xg, h0, w_hh, b_ih, b_hh):
        xp = get_array_module(xg)
        pre = _add_biases(xg, b_ih, b_hh)
        h = h0
        for t in _steps(xg.shape[0], self.reverse):
            y = pre[t]
            y += h @ w_hh.T
            if self.relu:
                xp.maximum(y, 0, out=y)
            else:
                xp.tanh(y, out=y)
            h = y
        out = pre
        self.save_for_backward(out, h0, w_hh)
        return out, h.copy()

    def backward(self, gout, ghn):
        out, h0, w_hh = (t._array for t in self.saved_tensors)
        gout, dh = gout._array, ghn._array
        deriv = (out > 0).astype(out.dtype) if self.relu else 1 - out * out
        dpre = gout.copy()
        for t in _steps(out.shape[0], not self.reverse):
            d = dpre[t]
            d += dh
            d *= deriv[t]
            dh = d @ w_hh
        flat = dpre.reshape(-1, dpre.shape[-1])
        dw = flat.T @ _previous(out, h0, self.reverse).reshape(-1, out.shape[-1])
        ng = self.needs_input_grad
        db = flat.sum(0) if ng[3] or ng[4] else None
        return self._grads(dpre, dh, dw, db if ng[3] else None, db if ng[4] else None)


class LSTMSequence(_Sequence):
    """LSTM recurrence over precomputed input gates ``xg`` (T, B, 4H), optional projection.

    Inputs ``(xg, h0 (B, P), c0 (B, H), w_hh (4H, P), b_ih, b_hh, w_hr (P, H))`` (biases
    and ``w_hr`` may be None); outputs ``(out (T, B, P), h_n, c_n)``.
    """

    _backward_name = "LstmBackward0"

    def forward(self, xg, h0, c0, w_hh, b_ih, b_hh, w_hr):
        xp = get_array_module(xg)
        T, B, G = xg.shape
        H = G // 4
        # sigmoid(x) = 0.5 tanh(0.5 x) + 0.5: with scale s = 0.5 on i, f, o and 1 on g, all
        # four gates are one tanh of (s * pre) followed by one affine map
        s = xp.full(G, 0.5, dtype=xg.dtype)
        s[2 * H:3 * H] = 1
        shift = 1 - s
        acts = _add_biases(xg, b_ih, b_hh)
        acts *= s
        w_t = (w_hh * s[:, None]).T.copy()
        cs = xp.empty((T, B, H), dtype=xg.dtype)
        tcs = xp.empty((T, B, H), dtype=xg.dtype)
        ms = xp.empty((T, B, H), dtype=xg.dtype) if w_hr is not None else None
        out = xp.empty((T, B, h0.shape[-1]), dtype=xg.dtype)
        h, c_prev = h0, c0
        tmp = xp.empty((B, G), dtype=xg.dtype)
        for t in _steps(T, self.reverse):
            a = acts[t]
            a += xp.matmul(h, w_t, out=tmp)
            xp.tanh(a, out=a)
            a *= s
            a += shift
            c = cs[t]
            xp.multiply(a[:, H:2 * H], c_prev, out=c)
            c += a[:, :H] * a[:, 2 * H:3 * H]
            m = ms[t] if w_hr is not None else out[t]
            xp.tanh(c, out=tcs[t])
            xp.multiply(tcs[t], a[:, 3 * H:], out=m)
            if w_hr is not None:
                xp.matmul(m, w_hr.T, out=out[t])
            h, c_prev = out[t], c
        h_n, c_n = h.copy(), c_prev.copy()
        self.save_for_backward(acts, cs, tcs, ms, out, h0, c0, w_hh, w_hr)
        return out, h_n, c_n

    def backward(self, gout, ghn, gcn):
        saved = self.saved_tensors
        acts, cs, tcs, ms, out, h0, c0, w_hh, w_hr = (None if s is None else s._array
                                                      for s in saved)
        xp = get_array_module(acts)
        T, B, G = acts.shape
        H = G // 4
        a4 = acts.reshape(T, B, 4, H)
        i, f, g, o = a4[:, :, 0], a4[:, :, 1], a4[:, :, 2], a4[:, :, 3]
        # everything that does not depend on the running gradients, for all steps at once:
        # dpre_{i,f,g} = dc * k[:, :, :3], dpre_o = dm * k[:, :, 3], dc += dm * o (1 - tanh^2 c)
        k = acts * (1 - acts)
        k4 = k.reshape(T, B, 4, H)
        k4[:, :, 2] = 1 - g * g
        k4[:, :, 0] *= g
        k4[:, :, 1] *= _previous(cs, c0, self.reverse)
        k4[:, :, 2] *= i
        k4[:, :, 3] *= tcs
        do = 1 - tcs * tcs
        do *= o
        gout, dh, dc = gout._array, ghn._array, gcn._array
        dpre = xp.empty_like(acts)
        d4 = dpre.reshape(T, B, 4, H)
        dhs = xp.empty_like(out) if w_hr is not None else None
        dc = dc.copy()
        tmp = xp.empty_like(dc)
        for t in _steps(T, not self.reverse):
            dh = gout[t] + dh
            if w_hr is not None:
                dhs[t] = dh
                dh = dh @ w_hr
            dc += xp.multiply(dh, do[t], out=tmp)
            xp.multiply(dc[:, None, :], k4[t, :, :3], out=d4[t, :, :3])
            xp.multiply(dh, k4[t, :, 3], out=d4[t, :, 3])
            dc *= f[t]
            dh = dpre[t] @ w_hh
        flat = dpre.reshape(-1, G)
        ng = self.needs_input_grad
        dw = flat.T @ _previous(out, h0, self.reverse).reshape(-1, out.shape[-1]) if ng[3] \
            else None
        db = flat.sum(0) if ng[4] or ng[5] else None
        dwr = None
        if w_hr is not None and ng[6]:
            dwr = dhs.reshape(-1, dhs.shape[-1]).T @ ms.reshape(-1, H)
        return self._grads(dpre, dh, dc, dw, db if ng[4] else None, db if ng[5] else None,
                           dwr)


class GRUSequence(_Sequence):
    """GRU recurrence over precomputed input gates ``xg`` (T, B, 3H).

    Inputs ``(xg, h0 (B, H), w_hh (3H, H), b_ih, b_hh)`` (biases may be None); outputs
    ``(out, h_n)``.
    """

    _backward_name = "GruBackward0"

    def forward(self, xg, h0, w_hh, b_ih, b_hh):
        xp = get_array_module(xg)
        T, B, G = xg.shape
        H = G // 3
        rzn = _add_biases(xg, b_ih, None)  # becomes r, z (sigmoid) and n (tanh) per step
        hn = xp.empty((T, B, H), dtype=xg.dtype)  # W_hn h + b_hn, needed by the r gradient
        out = xp.empty((T, B, H), dtype=xg.dtype)
        h = h0
        for t in _steps(T, self.reverse):
            hg = h @ w_hh.T
            if b_hh is not None:
                hg += b_hh
            a = rzn[t]
            a[:, :2 * H] += hg[:, :2 * H]
            _sigmoid_(xp, a[:, :2 * H])
            hn[t] = hg[:, 2 * H:]
            n = a[:, 2 * H:]
            n += a[:, :H] * hg[:, 2 * H:]
            xp.tanh(n, out=n)
            z = a[:, H:2 * H]
            o = out[t]
            xp.subtract(h, n, out=o)
            o *= z
            o += n
            h = o
        self.save_for_backward(rzn, hn, out, h0, w_hh)
        return out, (h.copy() if T else h0.copy())

    def backward(self, gout, ghn):
        rzn, hn, out, h0, w_hh = (s._array for s in self.saved_tensors)
        xp = get_array_module(rzn)
        T, B, G = rzn.shape
        H = G // 3
        gout, dh = gout._array, ghn._array
        dx = xp.empty_like(rzn)
        dhg = xp.empty_like(rzn)
        prev = _previous(out, h0, self.reverse)
        for t in _steps(T, not self.reverse):
            a = rzn[t]
            r, z, n = a[:, :H], a[:, H:2 * H], a[:, 2 * H:]
            dh = gout[t] + dh
            d, e = dx[t], dhg[t]
            dn = d[:, 2 * H:]
            xp.multiply(dh, 1 - z, out=dn)
            dn *= 1 - n * n
            xp.multiply(dn, hn[t], out=d[:, :H])
            d[:, :H] *= r * (1 - r)
            xp.subtract(prev[t], n, out=d[:, H:2 * H])
            d[:, H:2 * H] *= dh
            d[:, H:2 * H] *= z * (1 - z)
            e[:, :2 * H] = d[:, :2 * H]
            xp.multiply(dn, r, out=e[:, 2 * H:])
            dh = e @ w_hh + dh * z
        flat = dhg.reshape(-1, G)
        ng = self.needs_input_grad
        dw = flat.T @ prev.reshape(-1, H) if ng[2] else None
        dbi = dx.reshape(-1, G).sum(0) if ng[3] else None
        dbh = flat.sum(0) if ng[4] else None
        return self._grads(dx, dh, dw, dbi, dbh)


def input_gates(x, w_ih):
    """``x @ w_ih^T`` for every time step of ``x`` (T, B, I) as one 2-D matmul (the bias is
    added inside the recurrence, together with ``b_hh``)."""
    T, B, _ = x.shape
    return linear(x.reshape(T * B, x.shape[2]), w_ih).reshape(T, B, w_ih.shape[0])


# cells ---------------------------------------------------------------------------------
def _cell_input(input, w_ih):
    return linear(input, w_ih).unsqueeze(0)


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One tanh RNN step on a batch: ``tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)``.

    Examples
    --------
    >>> import netlab
    >>> rnn_tanh_cell(netlab.zeros(1, 3), netlab.zeros(1, 2), netlab.ones(2, 3),
    ...               netlab.ones(2, 2)).shape
    netlab.Size([1, 2])
    """
    out, h = RNNSequence(relu=False)(_cell_input(input, w_ih), hx, w_hh, b_ih, b_hh)
    return h


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One ReLU RNN step on a batch: ``relu(x W_ih^T + b_ih + h W_hh^T + b_hh)``."""
    out, h = RNNSequence(relu=True)(_cell_input(input, w_ih), hx, w_hh, b_ih, b_hh)
    return h


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One LSTM step on a batch; ``hx = (h, c)``; returns ``(h', c')``.

    Examples
    --------
    >>> import netlab
    >>> h, c = lstm_cell(netlab.zeros(1, 3), (netlab.zeros(1, 2), netlab.zeros(1, 2)),
    ...                  netlab.ones(8, 3), netlab.ones(8, 2))
    >>> tuple(h.shape), tuple(c.shape)
    ((1, 2), (1, 2))
    """
    out, h, c = LSTMSequence()(_cell_input(input, w_ih), hx[0], hx[1], w_hh, b_ih, b_hh,
                               None)
    return h, c


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One GRU step on a batch; returns ``h'``."""
    out, h = GRUSequence()(_cell_input(input, w_ih), hx, w_hh, b_ih, b_hh)
    return h
