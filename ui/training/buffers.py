"""Growable numpy buffers for live curves, and a vectorised exponential moving average.

A live curve gains a few points ~10 times a second for as long as a run lasts. Appending to a
Python list and converting on every redraw costs O(n) per update; these buffers keep one numpy
array per column, double its capacity when full (amortised O(1) per point) and hand out views
of the filled part, which ``PlotDataItem.setData`` draws without a copy.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

__all__ = ["GrowableBuffer", "ema", "ema_continue"]

_BLOCK = 256  # EMA block length: a (B x B) weight matrix per block, no per-point Python loop


class GrowableBuffer:
    """Named float64 columns of equal length that grow by appending chunks.

    Parameters
    ----------
    columns:
        The column names, e.g. ``("step", "loss")``.
    capacity:
        The initial capacity; it doubles whenever an append would overflow it.

    Examples
    --------
    >>> buf = GrowableBuffer(("step", "loss"), capacity=2)
    >>> buf.append(step=[1, 2, 3], loss=[0.9, 0.7, 0.6])
    >>> len(buf), buf["loss"].tolist()
    (3, [0.9, 0.7, 0.6])
    """

    def __init__(self, columns: Sequence[str], capacity: int = 1024):
        if not columns:
            raise ValueError("GrowableBuffer: give at least one column name")
        self.columns = tuple(columns)
        self._data = {c: np.empty(max(int(capacity), 1)) for c in self.columns}
        self._n = 0

    def __len__(self) -> int:
        return self._n

    @property
    def capacity(self) -> int:
        return len(self._data[self.columns[0]])

    def __getitem__(self, column: str) -> np.ndarray:
        """A read-only view of the filled part of ``column`` (valid until the next append)."""
        view = self._data[column][:self._n]
        view.flags.writeable = False
        return view

    def append(self, **values) -> None:
        """Append one chunk: every column as an array (or scalar) of the same length; a column
        given as None is filled with NaN (e.g. no accuracy for regression)."""
        unknown = sorted(set(values) - set(self.columns))
        if unknown:
            raise KeyError(f"GrowableBuffer.append: unknown column(s) {', '.join(unknown)}; "
                           f"the columns are {', '.join(self.columns)}")
        arrays = {c: None if values.get(c) is None else np.atleast_1d(
            np.asarray(values[c], dtype=np.float64)).ravel() for c in self.columns}
        lengths = {len(a) for a in arrays.values() if a is not None}
        if len(lengths) > 1:
            raise ValueError(f"GrowableBuffer.append: the columns have different lengths "
                             f"{sorted(lengths)}; give one value per point in every column")
        k = lengths.pop() if lengths else 0
        if k == 0:
            return
        self._reserve(self._n + k)
        for c, a in arrays.items():
            self._data[c][self._n:self._n + k] = np.nan if a is None else a
        self._n += k

    def clear(self) -> None:
        self._n = 0

    def _reserve(self, n: int) -> None:
        cap = self.capacity
        if n <= cap:
            return
        while cap < n:
            cap *= 2
        for c, old in self._data.items():
            new = np.empty(cap)
            new[:self._n] = old[:self._n]
            self._data[c] = new


def ema_continue(values: np.ndarray, weight: float, state: tuple[float, int] = (0.0, 0)
                 ) -> tuple[np.ndarray, tuple[float, int]]:
    """The debiased exponential moving average of ``values`` continuing from ``state``.

    ``s_t = weight * s_{t-1} + (1 - weight) * x_t`` from ``s_0 = 0``, reported as
    ``s_t / (1 - weight ** t)`` (TensorBoard's smoothing: the first points are not pulled
    towards zero). NaN/Inf points are skipped: they keep the previous average and read NaN.
    ``state`` is ``(s, t)`` after the points seen so far; the new state is returned with the
    smoothed chunk, so a live curve smooths only its new points.

    Examples
    --------
    >>> out, state = ema_continue(np.array([1.0, 3.0]), 0.5)
    >>> np.round(out, 6).tolist(), state
    ([1.0, 2.333333], (1.75, 2))
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    w = float(weight)
    if not 0.0 <= w < 1.0:
        raise ValueError(f"ema: the smoothing weight must be in [0, 1), got {weight!r}")
    s, t = float(state[0]), int(state[1])
    out = np.full(x.shape, np.nan)
    finite = np.isfinite(x)
    xf = x[finite]
    if not len(xf):
        return out, (s, t)
    raw = np.empty(len(xf))
    b = min(_BLOCK, len(xf))
    weights, carry = _ema_weights(w)
    weights, carry = weights[:b, :b], carry[:b]
    n_full = len(xf) // b
    if n_full:  # all full blocks at once: one matrix product, then the carries block by block
        local = (1.0 - w) * (xf[:n_full * b].reshape(n_full, b) @ weights.T)
        for i in range(n_full):  # a loop over blocks of points, not points
            local[i] += carry * s
            s = float(local[i, -1])
        raw[:n_full * b] = local.ravel()
    rest = len(xf) - n_full * b
    if rest:
        part = carry[:rest] * s + (1.0 - w) * (weights[:rest, :rest] @ xf[n_full * b:])
        raw[n_full * b:] = part
        s = float(part[-1])
    steps = t + 1 + np.arange(len(xf))
    with np.errstate(divide="ignore", invalid="ignore"):
        debias = 1.0 - w ** steps
    out[finite] = raw / debias
    return out, (s, t + len(xf))


@lru_cache(maxsize=8)
def _ema_weights(w: float) -> tuple[np.ndarray, np.ndarray]:
    """``(W, carry)`` for blocks of up to ``_BLOCK`` points, made once per weight (a live
    curve smooths ~10 small chunks a second): ``W[i, j] = w^(i-j)`` for ``j <= i`` (else 0)
    so ``s_i = w^(i+1) s + (1-w) sum_j W[i, j] x_j``, and ``carry[i] = w^(i+1)``. A shorter
    block uses the top-left corner: both depend on ``i - j`` and ``i`` only."""
    k = np.arange(_BLOCK)
    expo = k[:, None] - k[None, :]
    weights = np.where(expo >= 0, w ** np.maximum(expo, 0), 0.0)
    weights.flags.writeable = False
    carry = w ** (k + 1)
    carry.flags.writeable = False
    return weights, carry


def ema(values: np.ndarray, weight: float) -> np.ndarray:
    """The debiased exponential moving average of a whole series (see :func:`ema_continue`).

    Examples
    --------
    >>> np.round(ema(np.array([2.0, 2.0, 2.0]), 0.9), 12).tolist()
    [2.0, 2.0, 2.0]
    """
    return ema_continue(values, weight)[0]
