"""``pad`` (``torch.nn.functional.pad``): constant, reflect, replicate and circular modes.

The non-constant modes are a gather along each padded dim through an index map (output
position -> input position); their gradient adds every output position back into the input
position it was read from, so borders accumulate.
"""

from __future__ import annotations

import numpy as np

from netlab import backend
from netlab.autograd.node import Function
from netlab.backend import get_array_module
from netlab.tensor import Tensor

__all__ = ["pad"]


def _key(dim: int, item) -> tuple:
    return (slice(None),) * dim + (item, Ellipsis)


class ConstantPad(Function):
    """Pad (or, for negative widths, crop) with a constant; ``pads`` holds one
    ``(before, after)`` pair per dim.
    """

    _backward_name = "ConstantPadNdBackward0"

    def __init__(self, pads, value=0):
        self.pads, self.value = pads, value

    def forward(self, a):
        xp = get_array_module(a)
        out_shape = tuple(n + b + e for n, (b, e) in zip(a.shape, self.pads))
        out = xp.full(out_shape, self.value, dtype=a.dtype)
        src, dst = [], []
        for n, (b, e) in zip(a.shape, self.pads):
            lo, hi = max(-b, 0), n - max(-e, 0)
            src.append(slice(lo, max(lo, hi)))
            dst.append(slice(max(b, 0), max(b, 0) + max(hi - lo, 0)))
        out[tuple(dst)] = a[tuple(src)]
        return out

    def backward(self, g):
        # the adjoint crops what was padded and zero-pads what was cropped
        return ConstantPad(tuple((-b, -e) for b, e in self.pads))(g)


def _longest_run(m) -> tuple:
    """``(j0, j1)``: the longest stretch where ``m`` steps up by one."""
    best, start = (0, 0), 0
    for j in range(1, len(m) + 1):
        if j == len(m) or m[j] != m[j - 1] + 1:
            if j - start > best[1] - best[0]:
                best = (start, j)
            start = j
    return best


class IndexPad(Function):
    """``out = a`` gathered along each dim ``d`` of ``maps`` at positions ``maps[d]``."""

    def __init__(self, maps, name):
        self.maps = maps
        self._backward_name = name

    def forward(self, a):
        self.src = a.shape
        xp = get_array_module(a)
        for d, m in self.maps.items():
            a = xp.take(a, backend.to_device(m, backend.device_of(a)), axis=d)
        return a

    def backward(self, g):
        return IndexPadAdjoint(self.src, self.maps)(g)


class IndexPadAdjoint(Function):
    """The adjoint of :class:`IndexPad`: each output position is added back to its source."""

    def __init__(self, shape, maps):
        self.shape, self.maps = shape, maps

    def forward(self, g):
        xp = get_array_module(g)
        for d, m in self.maps.items():
            shape = list(g.shape)
            shape[d] = self.shape[d]
            out = xp.zeros(shape, dtype=g.dtype)
            mm = m.tolist()
            # the interior is one slice copy; only the few border positions loop
            j0, j1 = _longest_run(mm)
            if j1 > j0:
                out[_key(d, slice(mm[j0], mm[j0] + j1 - j0))] = g[_key(d, slice(j0, j1))]
            for j in [*range(j0), *range(j1, len(mm))]:
                out[_key(d, mm[j])] += g[_key(d, j)]
            g = out
        return g

    def backward(self, gg):
        return IndexPad(self.maps, "IndexPadBackward0")(gg)


_LETTERS = "WHD"


def _index_map(mode, n, before, after, dim, shape):
    if mode == "circular":
        base = max(-before, 0)
        m = n - base - max(-after, 0)  # circular crops first, then wraps what is left
        lp, rp = max(before, 0), max(after, 0)
        if lp > m or rp > m or m <= 0 and (lp or rp):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        return base + np.arange(-lp, m + rp) % max(m, 1)
    o = np.arange(-before, n + after)
    if mode == "reflect":
        if before >= n or after >= n:
            raise RuntimeError(f"Argument #4: Padding size should be less than the "
                               f"corresponding input dimension, but got: padding ({before}, "
                               f"{after}) at dimension {dim} of input {list(shape)}")
        o = np.abs(o)
        return np.where(o >= n, 2 * (n - 1) - o, o)
    return np.clip(o, 0, n - 1)


def pad(input: Tensor, pad, mode: str = "constant", value=None) -> Tensor:
    """Pad the last ``len(pad) // 2`` dims: ``pad = (left, right, top, bottom, ...)`` starts
    with the last dim. Negative widths crop. Modes: ``'constant'`` (with ``value``, any number
    of dims), ``'reflect'``, ``'replicate'`` and ``'circular'`` (1, 2 or 3 padded dims of a
    batched or unbatched input).

    Examples
    --------
    >>> import netlab
    >>> x = netlab.tensor([[1., 2., 3.]])
    >>> netlab.pad(x, (2, 1), mode="reflect")
    tensor([[3., 2., 1., 2., 3., 2.]])
    """
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    k = len(pad) // 2
    shape = input._array.shape
    nd = len(shape)
    if k > nd:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pad)} and input of dimension "
                           f"{nd}")
    pairs = {nd - 1 - i: (pad[2 * i], pad[2 * i + 1]) for i in range(k)}
    if mode == "constant":
        pads = []
        for d, n in enumerate(shape):
            b, e = pairs.get(d, (0, 0))
            if n + b + e < 0:
                raise RuntimeError(f"The input size {n}, plus negative padding {b} and {e} "
                                   f"resulted in a negative output size, which is invalid. "
                                   f"Check dimension {d} of your input.")
            pads.append((b, e))
        return ConstantPad(tuple(pads), 0 if value is None else value)(input)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if k not in (1, 2, 3) or nd not in (k + 1, k + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {nd}D input tensor.\nSupported "
            "combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    if mode != "circular" and 0 in (shape[1:] if nd == k + 2 else shape):
        raise RuntimeError(f"Expected {k + 1}D or {k + 2}D (batch mode) tensor with possibly 0 "
                           f"batch size and other non-zero dimensions for input, but got: "
                           f"{list(shape)}")
    maps = {}
    for d in sorted(pairs):
        b, e = pairs[d]
        n = shape[d]
        if mode != "circular" and n + b + e <= 0:
            letter = _LETTERS[nd - 1 - d]
            raise RuntimeError(f"input ({letter}: {n}) is too small. Calculated output "
                               f"{letter}: {n + b + e}")
        maps[d] = _index_map(mode, n, b, e, d, shape)
    name = {"reflect": f"ReflectionPad{k}DBackward0", "replicate": f"ReplicationPad{k}DBackward0",
            "circular": "CopySlices"}[mode]
    return IndexPad(maps, name)(input)
