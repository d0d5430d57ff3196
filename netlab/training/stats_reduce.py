"""Cheap reductions behind :mod:`netlab.training.stats`: moments of many arrays at once.

A training step of a small model lasts a fraction of a millisecond, so the cost of statistics
is mostly the number of array calls, not the arithmetic. Small host arrays are therefore
copied into one float64 buffer and reduced together with ``reduceat`` (six calls for any number
of parameters); large arrays, and device (cupy) arrays, are reduced one by one in their own
dtype, where memory bandwidth and not call overhead is what counts. Both paths give the same
numbers: tests force each one.
"""

from __future__ import annotations

import math

import numpy as np

from netlab import backend

# Host arrays up to this many elements go through the shared buffer. Above it one pass per
# statistic over the array itself is cheaper than copying it to float64 and making several
# passes there. Measured inside a training loop (caches cold from forward/backward): the
# digits MLP's 8192-weight layer costs 15 us less per step buffered; LeNet's 48000-weight
# layer is 2x cheaper on its own.
FLAT_MAX = 1 << 14

# Rows of the matrix that ``Reducer.moments`` returns.
SUM, SUMSQ, ZEROS, MAXABS = range(4)

# A float32 sum of squares loses the variance when it is tiny next to mean^2; below this
# ratio the variance of a big array is recomputed in a second, float64 pass.
_CANCEL = 1e-3


class _Layout:
    """Where each small array sits in the shared buffer, for one list of array sizes."""

    def __init__(self, sizes: list[int], flags: tuple[bool, ...], dtype=np.float64):
        self.flat = [i for i, f in enumerate(flags) if f]
        self.big = [i for i, f in enumerate(flags) if not f]
        self.all_flat = not self.big
        ends = np.cumsum([sizes[i] for i in self.flat], dtype=np.intp)
        self.starts = np.concatenate(([0], ends[:-1])).astype(np.intp)
        self.buf = np.empty((4, int(ends[-1]) if self.flat else 0), dtype)


class Reducer:
    """Per-array sum, sum of squares, zero count and max |x|, for many arrays at once.

    One instance keeps its buffers between calls (one per distinct list of sizes), so that a
    training loop allocates nothing on its statistics steps. ``flat_max`` (default
    ``FLAT_MAX``) is the size up to which host arrays share the float64 buffer.

    Examples
    --------
    >>> import numpy as np
    >>> m = Reducer().moments([np.array([3.0, -4.0, 0.0], np.float32)])
    >>> m[:, 0].tolist()  # sum, sum of squares, zeros, max |x|
    [-1.0, 25.0, 1.0, 4.0]
    """

    def __init__(self, flat_max: int | None = None):
        self.flat_max = FLAT_MAX if flat_max is None else flat_max
        self._layouts: dict[tuple, _Layout] = {}

    def layout(self, arrays: list, dtype=np.float64) -> _Layout:
        limit = self.flat_max
        flags = tuple(0 < a.size <= limit and type(a) is np.ndarray for a in arrays)
        key = (tuple(a.size for a in arrays), flags, dtype)
        lay = self._layouts.get(key)
        if lay is None:
            lay = self._layouts[key] = _Layout(list(key[0]), flags, dtype)
        return lay

    def moments(self, arrays: list) -> np.ndarray:
        """A float64 (4, k) matrix: rows SUM, SUMSQ, ZEROS, MAXABS of k arrays.

        NaN or Inf in an array shows as a non-finite MAXABS (max and abs keep NaN). For arrays
        reduced in float32 whose variance would drown in rounding, SUMSQ is corrected from a
        float64 variance, so that ``SUMSQ/n - (SUM/n)**2`` is the variance to float precision.
        """
        lay = self.layout(arrays)
        out = np.empty((4, len(arrays)))
        if lay.flat:
            buf, starts = lay.buf, lay.starts
            np.concatenate([arrays[i].ravel() for i in lay.flat], out=buf[0])
            np.multiply(buf[0], buf[0], out=buf[1])
            np.equal(buf[0], 0, out=buf[2])
            np.abs(buf[0], out=buf[3])
            if lay.all_flat:
                np.add.reduceat(buf[:3], starts, axis=1, out=out[:3])
                np.maximum.reduceat(buf[3], starts, out=out[3])
            else:
                part = np.empty((4, len(lay.flat)))
                np.add.reduceat(buf[:3], starts, axis=1, out=part[:3])
                np.maximum.reduceat(buf[3], starts, out=part[3])
                out[:, lay.flat] = part
        for i in lay.big:
            out[:, i] = _moments_one(arrays[i])
        return out


def _moments_one(a) -> list:
    """sum, sum of squares, zero count and max |x| of one array, reduced in its own dtype.

    Sums are numpy's pairwise ones (relative error ~1e-7 in float32). BLAS dot products would
    be 3x faster but accumulate sequentially: 2e-5 off for 80000 equal values.
    """
    if a.size == 0:
        return [0.0, 0.0, 0.0, 0.0]
    xp = backend.get_array_module(a)
    f = a.ravel()
    n = f.size
    if xp is np:
        hi, lo = float(f.max()), float(f.min())
        vals = [float(f.sum()), sum_squares(f), float(np.count_nonzero(f == 0)),
                hi if hi != hi else max(hi, -lo)]
    else:  # one device -> host transfer for the four numbers
        vals = [f.sum(), xp.square(f).sum(), xp.count_nonzero(f == 0),
                xp.maximum(f.max(), -f.min())]
        vals = backend.to_numpy(xp.stack([xp.asarray(v, dtype=xp.float64) for v in vals]))
        vals = [float(v) for v in vals]
    s, ss = vals[0], vals[1]
    mean = s / n
    if math.isfinite(vals[3]) and not ss / n - mean * mean >= _CANCEL * ss / n:
        vals[1] = n * (float(xp.var(f, dtype=xp.float64)) + mean * mean)
    return vals


def sum_squares(a) -> float:
    """Pairwise sum of squares of a host array, as a Python float."""
    return float(np.square(a).sum())


class DiffSquares:
    """Sums of squares of ``after - before`` and of ``before``, per array: parameter updates.

    :meth:`keep` copies the arrays (small ones into one shared buffer, float32 when they all
    are, which halves the memory traffic and keeps the difference of two nearby float32 values
    exact; big ones into per-array buffers of their own dtype, reused from step to step);
    :meth:`diff` returns both sums of squares (pairwise sums), float64.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([3.0, 4.0], np.float32)
    >>> d = DiffSquares(); d.keep([w]); w -= 1.0
    >>> [x.tolist() for x in d.diff([w])]
    [[2.0], [25.0]]
    """

    def __init__(self, flat_max: int | None = None):
        self._reducer = Reducer(flat_max)  # its own buffers: they hold the kept copy
        self._lay: _Layout | None = None
        self._big: dict[int, object] = {}
        self._big_kept: dict[int, object] = {}

    def keep(self, arrays: list) -> None:
        f32 = all(a.dtype == np.float32 for a in arrays)
        lay = self._lay = self._reducer.layout(arrays, np.float32 if f32 else np.float64)
        if lay.flat:
            np.concatenate([arrays[i].ravel() for i in lay.flat], out=lay.buf[0])
        for i in lay.big:
            a = arrays[i]
            buf = self._big.get(i)
            if buf is None or buf.shape != a.shape or buf.dtype != a.dtype or \
                    type(buf) is not type(a):
                self._big[i] = a.copy()
            else:
                backend.get_array_module(a).copyto(buf, a)
        self._big_kept = {i: _sum_squares_any(arrays[i]) for i in lay.big}

    def diff(self, arrays: list) -> tuple[np.ndarray, np.ndarray]:
        """(sum of squared updates, sum of squared kept values) per array."""
        lay, self._lay = self._lay, None  # one diff per keep: the big copies are consumed
        k = len(arrays)
        out = np.zeros((2, k))
        if lay is None:
            return out[0], out[1]
        if lay.flat:
            buf = lay.buf
            np.concatenate([arrays[i].ravel() for i in lay.flat], out=buf[1])
            np.subtract(buf[1], buf[0], out=buf[1])
            np.multiply(buf[:2], buf[:2], out=buf[2:])
            sums = np.add.reduceat(buf[2:], lay.starts, axis=1)
            if lay.all_flat:
                out[0], out[1] = sums[1], sums[0]
            else:
                out[0, lay.flat], out[1, lay.flat] = sums[1], sums[0]
        for i in lay.big:
            before = self._big[i]
            # the kept copy is not needed any more: the difference goes in its place
            backend.get_array_module(before).subtract(arrays[i], before, out=before)
            out[0, i], out[1, i] = float(_sum_squares_any(before)), float(self._big_kept[i])
        return out[0], out[1]


def _sum_squares_any(a):
    """Sum of squares of one array (a 0-d device array for cupy: fetched once, later)."""
    f = a.ravel()
    return backend.get_array_module(a).square(f).sum()
