"""Functional pooling: max and average pools, and the geometry they share.

Every pool works on 2-d planes: 1-d pools are 2-d pools over a height of 1 (so indices, which
are flat ``h * W_in + w`` into each unpadded plane, equal ``w``). Windows are strided views of
the (padded) input, one view per kernel offset, so the Python loop runs over the kernel's
``kh * kw`` offsets and never over pixels. Adaptive pools live in
:mod:`netlab.nn.functional.adaptive_pool`, max unpooling in :mod:`netlab.nn.functional.unpool`.
"""

from __future__ import annotations

import numpy as np

from netlab.autograd.node import Function
from netlab.backend import get_array_module

__all__ = [
    "avg_pool1d", "avg_pool2d", "max_pool1d", "max_pool1d_with_indices", "max_pool2d",
    "max_pool2d_with_indices",
]


# ---------------------------------------------------------------------------------------------
# argument handling and output sizes
# ---------------------------------------------------------------------------------------------
def _pair(v, name: str, what: str, allow_none: bool = False) -> tuple[int, int] | None:
    if v is None and allow_none:
        return None
    if isinstance(v, (tuple, list)):
        if len(v) == 1:
            return int(v[0]), int(v[0])
        if len(v) == 2:
            return int(v[0]), int(v[1])
        if len(v) == 0 and allow_none:
            return None
        raise RuntimeError(f"{name}: {what}")
    return int(v), int(v)


def _single(v, fn: str, arg: str) -> int:
    if isinstance(v, (tuple, list)):
        if len(v) != 1:
            raise RuntimeError(f"{fn}() argument '{arg}' should contain one int (got {len(v)})")
        return int(v[0])
    return int(v)


def pool_output_size(size: int, k: int, p: int, s: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output length (with the ceil-mode correction that keeps the last
    window starting inside the input or the left padding)."""
    out = (size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _checked_out(size: int, k: int, p: int, s: int, d: int, ceil_mode: bool) -> int:
    if s == 0:
        raise RuntimeError("stride should not be zero")
    if p < 0:
        raise RuntimeError(f"pad must be non-negative, but got pad: {p}")
    if p > ((k - 1) * d + 1) // 2:
        raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p}, "
                           f"kernel_size={k} and dilation={d}")
    return pool_output_size(size, k, p, s, d, ceil_mode)


def _shape_checks(shape, k, s, d, p, out, plane_dims=2):
    """PyTorch's pool2d_shape_check (after the output sizes are known)."""
    (kh, kw), (sh, sw), (dh, dw), (ph, pw) = k, s, d, p
    if kw <= 0 or kh <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kH: {kh} kW: {kw}")
    if sw <= 0 or sh <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got dH: {sh} dW: {sw}")
    if dh <= 0 or dw <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilationH: {dh} "
                           f"dilationW: {dw}")
    if kw // 2 < pw or kh // 2 < ph:
        raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but got "
                           f"padW = {pw}, padH = {ph}, kW = {kw}, kH = {kh}")
    if out[0] < 1 or out[1] < 1:
        c = shape[-2] if plane_dims == 1 else shape[-3]
        h = shape[-2] if plane_dims == 2 else 1
        raise RuntimeError(f"Given input size: ({c}x{h}x{shape[-1]}). Calculated output size: "
                           f"({c}x{out[0]}x{out[1]}). Output size is too small")


def _sizes_str(shape) -> str:
    return "[" + ", ".join(str(n) for n in shape) + "]"


def _check_2d_input(shape, prefix=""):
    nd = len(shape)
    ok = (nd == 3 and shape[0] != 0 and shape[1] != 0 and shape[2] != 0) or \
         (nd == 4 and shape[1] != 0 and shape[2] != 0 and shape[3] != 0)
    if not ok:
        raise RuntimeError(f"{prefix}Expected 3D or 4D (batch mode) tensor with optional 0 dim "
                           f"batch size for input, but got:{_sizes_str(shape)}")


def _check_1d_input(shape, fn):
    nd = len(shape)
    if nd not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {nd}-dimensional tensor for "
                           f"argument #1 'self' (while checking arguments for {fn})")
    if any(n == 0 for n in shape[-2:]):
        raise RuntimeError(f"{fn}: Expected 2D or 3D (batch mode) tensor with optional 0 dim "
                           f"batch size for input, but got:{_sizes_str(shape)}")


def _to4d(shape, one_d: bool) -> tuple[int, int, int, int]:
    if one_d:
        return (shape[0] if len(shape) == 3 else 1, shape[-2], 1, shape[-1])
    return (shape[0] if len(shape) == 4 else 1, shape[-3], shape[-2], shape[-1])


class _Geom:
    """One pooling geometry: (N, C, H, W) input, kernel/stride/padding/dilation, output size.

    ``in_shape``/``out_shape`` are the caller's shapes (1-d and unbatched forms included).
    """

    def __init__(self, in_shape, shape4, k, s, p, d, out, out_shape):
        self.in_shape, self.out_shape = tuple(in_shape), tuple(out_shape)
        self.n, self.c, self.h, self.w = shape4
        (self.kh, self.kw), (self.sh, self.sw) = k, s
        (self.ph, self.pw), (self.dh, self.dw) = p, d
        self.oh, self.ow = out
        self.hp = max(self.ph + self.h, (self.oh - 1) * self.sh + (self.kh - 1) * self.dh + 1)
        self.wp = max(self.pw + self.w, (self.ow - 1) * self.sw + (self.kw - 1) * self.dw + 1)
        self.padded = (self.ph or self.pw or self.hp > self.h or self.wp > self.w)
        # windows of different outputs share no cell: plain writes instead of accumulation
        self.disjoint = (self.sh >= (self.kh - 1) * self.dh + 1 and
                         self.sw >= (self.kw - 1) * self.dw + 1)

    def pad(self, xp, x4, fill):
        if not self.padded:
            return x4
        out = xp.full((self.n, self.c, self.hp, self.wp), fill, dtype=x4.dtype)
        out[:, :, self.ph:self.ph + self.h, self.pw:self.pw + self.w] = x4
        return out

    def crop(self, xp, g4):
        if self.padded:
            g4 = g4[:, :, self.ph:self.ph + self.h, self.pw:self.pw + self.w]
        return xp.ascontiguousarray(g4).reshape(self.in_shape)

    def hslice(self, i):
        return slice(i * self.dh, i * self.dh + (self.oh - 1) * self.sh + 1, self.sh)

    def wslice(self, j):
        return slice(j * self.dw, j * self.dw + (self.ow - 1) * self.sw + 1, self.sw)

    def offsets(self):
        for i in range(self.kh):
            for j in range(self.kw):
                yield i * self.kw + j, self.hslice(i), self.wslice(j)

    def zeros_padded(self, xp, dtype):
        return xp.zeros((self.n, self.c, self.hp, self.wp), dtype=dtype)


def _masked_add(xp, dst, src, mask):
    if xp is np:
        np.add(dst, src, out=dst, where=mask)
    else:
        dst += xp.where(mask, src, 0)


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


# ---------------------------------------------------------------------------------------------
# max pooling
# ---------------------------------------------------------------------------------------------
def _arg_dtype(xp, kk):
    return xp.int16 if kk < 2 ** 15 else xp.int64


def _max_and_arg(xp, geom: _Geom, x4, need_arg: bool):
    """Window max and the scan-order position of the winner (ties: first; NaN wins: last)."""
    xpad = geom.pad(xp, x4, _lowest(x4.dtype))
    views = [(o, xpad[:, :, a, b]) for o, a, b in geom.offsets()]
    y = views[0][1].copy()
    for _, v in views[1:]:
        xp.maximum(y, v, out=y)
    if not need_arg:
        return y, None
    arg = xp.zeros(y.shape, dtype=_arg_dtype(xp, len(views)))
    low = y.min() if y.size else 0
    exact = y.dtype.kind == "f" and not bool(low > -np.inf)
    exact = exact or (y.dtype.kind != "f" and geom.padded and low == _lowest(y.dtype))
    if not exact:
        tmp = xp.empty_like(arg)
        for o, v in reversed(views):  # reversed: the first equal position wins
            # arg = o where v == y: arithmetic, as masked writes branch badly on random data
            xp.subtract(o, arg, out=tmp)
            xp.multiply(tmp, v == y, out=tmp)
            arg += tmp
        return y, arg
    # NaN or -inf present: PyTorch's scan, `(val > max) || isnan(val)` over in-bound cells,
    # starting from the first in-bound cell
    hs = np.arange(geom.oh) * geom.sh - geom.ph
    ws = np.arange(geom.ow) * geom.sw - geom.pw
    valid = []
    for o, _a, _b in geom.offsets():
        i, j = divmod(o, geom.kw)
        vh = (hs + i * geom.dh >= 0) & (hs + i * geom.dh < geom.h)
        vw = (ws + j * geom.dw >= 0) & (ws + j * geom.dw < geom.w)
        valid.append(xp.asarray(vh[:, None] & vw[None, :]))
    for o in reversed(range(len(views))):
        xp.copyto(arg, o, where=valid[o])
    cur = xp.full(y.shape, _lowest(y.dtype), dtype=y.dtype)
    for o, v in views:
        m = valid[o] & ((v > cur) | (v != v))
        xp.copyto(cur, v, where=m)
        xp.copyto(arg, o, where=m)
    return y, arg


def _flat_indices(xp, geom: _Geom, arg):
    i, j = xp.divmod(arg.astype(xp.int64), geom.kw)
    hs = xp.arange(geom.oh, dtype=xp.int64) * geom.sh - geom.ph
    ws = xp.arange(geom.ow, dtype=xp.int64) * geom.sw - geom.pw
    return (hs[:, None] + i * geom.dh) * geom.w + ws[None, :] + j * geom.dw


class MaxPool2DWithIndices(Function):
    """Max over each window; backward routes the gradient to the saved winner."""

    def __init__(self, geom: _Geom, return_indices: bool):
        self.geom = geom
        self.return_indices = return_indices

    def forward(self, x):
        xp = get_array_module(x)
        g = self.geom
        need_arg = self.return_indices or bool(self.needs_input_grad)
        y, arg = _max_and_arg(xp, g, x.reshape(g.n, g.c, g.h, g.w), need_arg)
        self.arg = arg
        y = y.reshape(g.out_shape)
        if self.return_indices:
            return y, _flat_indices(xp, g, arg).reshape(g.out_shape)
        return y

    def backward(self, gy, gi=None):
        return _MaxPoolScatter(self.geom, self.arg)(gy)


class _MaxPoolScatter(Function):
    """The adjoint of "pick the winner of each window": adds each output grad into its winner."""

    _backward_name = "MaxPool2DWithIndicesBackwardBackward0"

    def __init__(self, geom, arg):
        self.geom, self.arg = geom, arg

    def forward(self, gy):
        xp = get_array_module(gy)
        geom = self.geom
        g4 = gy.reshape(geom.n, geom.c, geom.oh, geom.ow)
        gpad = geom.zeros_padded(xp, gy.dtype)
        # g * mask is much faster than masked writes, but 0 * inf would leak NaN
        fast = bool(xp.isfinite(g4.sum()))
        for o, a, b in geom.offsets():
            view = gpad[:, :, a, b]
            if not fast:
                _masked_add(xp, view, g4, self.arg == o)
            elif geom.disjoint:
                xp.multiply(g4, self.arg == o, out=view)
            else:
                view += g4 * (self.arg == o)
        return geom.crop(xp, gpad)

    def backward(self, gg):
        return _MaxPoolGather(self.geom, self.arg)(gg)


class _MaxPoolGather(Function):
    """Reads each window's winner from a tensor shaped like the input (double backward)."""

    def __init__(self, geom, arg):
        self.geom, self.arg = geom, arg

    def forward(self, x):
        xp = get_array_module(x)
        geom = self.geom
        xpad = geom.pad(xp, x.reshape(geom.n, geom.c, geom.h, geom.w), 0)
        y = xp.zeros((geom.n, geom.c, geom.oh, geom.ow), dtype=x.dtype)
        fast = bool(xp.isfinite(x.sum()))
        for o, a, b in geom.offsets():
            if fast:
                y += xpad[:, :, a, b] * (self.arg == o)
            else:
                xp.copyto(y, xpad[:, :, a, b], where=(self.arg == o))
        return y.reshape(geom.out_shape)

    def backward(self, g):
        return _MaxPoolScatter(self.geom, self.arg)(g)


def _max_geom_2d(input, kernel_size, stride, padding, dilation, ceil_mode):
    k = _pair(kernel_size, "max_pool2d", "kernel_size must either be a single int, or a tuple "
              "of two ints")
    s = _pair(stride, "max_pool2d", "stride must either be omitted, a single int, or a tuple of "
              "two ints", allow_none=True) or k
    p = _pair(padding, "max_pool2d", "padding must either be a single int, or a tuple of two ints")
    d = _pair(dilation, "max_pool2d", "dilation must be either a single int, or a tuple of two "
              "ints")
    shape = tuple(input.shape)
    if len(shape) not in (3, 4):
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    out = (_checked_out(shape[-2], k[0], p[0], s[0], d[0], ceil_mode),
           _checked_out(shape[-1], k[1], p[1], s[1], d[1], ceil_mode))
    _shape_checks(shape, k, s, d, p, out)
    _check_2d_input(shape)
    return _Geom(shape, _to4d(shape, False), k, s, p, d, out, shape[:-2] + out)


def _max_geom_1d(input, kernel_size, stride, padding, dilation, ceil_mode):
    fn = "max_pool1d"
    shape = tuple(input.shape)
    if len(shape) not in (2, 3) or (len(shape) == 3 and shape[1] == 0) or \
            (len(shape) == 2 and shape[0] == 0) or (shape and shape[-1] == 0):
        raise RuntimeError(f"{fn}: Expected 2D or 3D (batch mode) tensor with optional 0 dim "
                           f"batch size for input, but got:{_sizes_str(shape)}")

    def one(v, what):
        if isinstance(v, (tuple, list)):
            if len(v) != 1:
                raise RuntimeError(f"{fn}() {what} must be an int, list of ints or tuple of ints "
                                   f"of size 1 but got size {len(v)}")
            return int(v[0])
        return int(v)

    k = one(kernel_size, "kernel_size")
    s = k if stride is None or (isinstance(stride, (tuple, list)) and not stride) else \
        one(stride, "stride")
    p, d = one(padding, "padding"), one(dilation, "dilation")
    if k <= 0:
        raise RuntimeError(f"{fn}() kernel_size must be greater than zero, but got {k}")
    if s <= 0:
        raise RuntimeError(f"{fn}() stride must be greater than zero, but got {s}")
    if p < 0:
        raise RuntimeError(f"{fn}() padding must be non-negative, but got {p}")
    if p > k // 2:
        raise RuntimeError(f"{fn}() padding should be at most half of kernel size, but got "
                           f"padding={p} and kernel_size={k}")
    if d <= 0:
        raise RuntimeError(f"{fn}() dilation must be greater than zero, but got {d}")
    out = _checked_out(shape[-1], k, p, s, d, ceil_mode)
    if out <= 0:
        raise RuntimeError(f"{fn}() Invalid computed output size: {out}")
    return _Geom(shape, _to4d(shape, True), (1, k), (1, s), (0, p), (1, d), (1, out),
                 shape[:-1] + (out,))


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    """2-d max pooling returning ``(output, indices)``; see :func:`max_pool2d`."""
    geom = _max_geom_2d(input, kernel_size, stride, padding, dilation, ceil_mode)
    return MaxPool2DWithIndices(geom, True)(input)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """2-d max pooling over ``(N, C, H, W)`` or ``(C, H, W)``; ``stride`` defaults to the kernel.

    With ``return_indices`` the flat ``h * W + w`` position of each maximum in its input plane
    is returned too (ties: the first in scan order; NaN propagates).

    Examples
    --------
    >>> import netlab
    >>> max_pool2d(netlab.arange(16.).reshape(1, 1, 4, 4), 2).flatten().tolist()
    [5.0, 7.0, 13.0, 15.0]
    """
    geom = _max_geom_2d(input, kernel_size, stride, padding, dilation, ceil_mode)
    return MaxPool2DWithIndices(geom, bool(return_indices))(input)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    """1-d max pooling returning ``(output, indices)``; see :func:`max_pool1d`."""
    _check_1d_input(tuple(input.shape), "max_pool1d")
    geom = _max_geom_1d(input, kernel_size, stride, padding, dilation, ceil_mode)
    return MaxPool2DWithIndices(geom, True)(input)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """1-d max pooling over ``(N, C, L)`` or ``(C, L)``.

    Examples
    --------
    >>> import netlab
    >>> max_pool1d(netlab.tensor([[[1., 3., 2., 0.]]]), 2).tolist()
    [[[3.0, 2.0]]]
    """
    if return_indices:
        _check_1d_input(tuple(input.shape), "max_pool1d")
    geom = _max_geom_1d(input, kernel_size, stride, padding, dilation, ceil_mode)
    return MaxPool2DWithIndices(geom, bool(return_indices))(input)


# ---------------------------------------------------------------------------------------------
# average pooling
# ---------------------------------------------------------------------------------------------
def _avg_divisor(geom: _Geom, count_include_pad, divisor_override):
    """Per-output divisor: PyTorch's pool_size (padding in, ceil overhang out) or the in-image
    count, or the override."""
    if divisor_override is not None:
        return np.full((geom.oh, geom.ow), divisor_override, dtype=np.int64)

    def one(o, s, p, k, size):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, size + p)
        pool = end - start
        count = np.minimum(end, size) - np.maximum(start, 0)
        return pool, count

    ph_, ch = one(geom.oh, geom.sh, geom.ph, geom.kh, geom.h)
    pw_, cw = one(geom.ow, geom.sw, geom.pw, geom.kw, geom.w)
    if count_include_pad:
        return ph_[:, None] * pw_[None, :]
    return ch[:, None] * cw[None, :]


def _window_sum(xp, geom: _Geom, x4, acc_dtype):
    """Box sums, separably: first along W, then along H."""
    xpad = geom.pad(xp, x4, 0)
    rows = None
    for j in range(geom.kw):
        v = xpad[:, :, :, geom.wslice(j)]
        rows = v.astype(acc_dtype, copy=True) if rows is None else xp.add(rows, v, out=rows)
    y = None
    for i in range(geom.kh):
        v = rows[:, :, geom.hslice(i), :]
        y = v.copy() if y is None else xp.add(y, v, out=y)
    return y


def _window_spread(xp, geom: _Geom, g4):
    """The adjoint of :func:`_window_sum`: adds each output value into its whole window."""
    rows = xp.zeros((geom.n, geom.c, geom.hp, geom.ow), dtype=g4.dtype)
    for i in range(geom.kh):
        if geom.sh >= geom.kh:
            rows[:, :, geom.hslice(i), :] = g4
        else:
            rows[:, :, geom.hslice(i), :] += g4
    gpad = geom.zeros_padded(xp, g4.dtype)
    for j in range(geom.kw):
        if geom.sw >= geom.kw:
            gpad[:, :, :, geom.wslice(j)] = rows
        else:
            gpad[:, :, :, geom.wslice(j)] += rows
    return gpad


class AvgPool2D(Function):
    """Window mean with PyTorch's divisor rule."""

    def __init__(self, geom: _Geom, divisor):
        self.geom, self.divisor = geom, divisor

    def forward(self, x):
        xp = get_array_module(x)
        g = self.geom
        x4 = x.reshape(g.n, g.c, g.h, g.w)
        div = xp.asarray(self.divisor)
        if x.dtype.kind in "iu":  # C integer division truncates toward zero
            s = _window_sum(xp, g, x4, xp.int64)
            y = (xp.abs(s) // div) * xp.sign(s)
            return y.astype(x.dtype).reshape(g.out_shape)
        y = _window_sum(xp, g, x4, x.dtype)
        y /= div.astype(x.dtype)
        return y.reshape(g.out_shape)

    def backward(self, g):
        return _AvgPoolSpread(self.geom, self.divisor)(g)


class _AvgPoolSpread(Function):
    _backward_name = "AvgPool2DBackwardBackward0"

    def __init__(self, geom: _Geom, divisor):
        self.geom, self.divisor = geom, divisor

    def forward(self, gy):
        xp = get_array_module(gy)
        geom = self.geom
        g4 = gy.reshape(geom.n, geom.c, geom.oh, geom.ow) / xp.asarray(self.divisor).astype(
            gy.dtype)
        return geom.crop(xp, _window_spread(xp, geom, g4))

    def backward(self, gg):
        return AvgPool2D(self.geom, self.divisor)(gg)


def _avg_geom(shape, k, s, p, ceil_mode, one_d):
    d = (1, 1)
    out = (_checked_out(shape[-2], k[0], p[0], s[0], 1, ceil_mode) if not one_d else 1,
           _checked_out(shape[-1], k[1], p[1], s[1], 1, ceil_mode))
    _shape_checks(shape, k, s, d, p, out, plane_dims=1 if one_d else 2)
    if one_d:
        out_shape = shape[:-1] + (out[1],)
    else:
        out_shape = shape[:-2] + out
    return _Geom(shape, _to4d(shape, one_d), k, s, p, d, out, out_shape)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """2-d average pooling over ``(N, C, H, W)`` or ``(C, H, W)``.

    The divisor is the window size clipped to the padded input (``count_include_pad``), the
    number of in-image cells (``count_include_pad=False``) or ``divisor_override``.

    Examples
    --------
    >>> import netlab
    >>> avg_pool2d(netlab.arange(16.).reshape(1, 1, 4, 4), 2).flatten().tolist()
    [2.5, 4.5, 10.5, 12.5]
    """
    k = _pair(kernel_size, "avg_pool2d", "kernel_size must either be a single int, or a tuple "
              "of two ints")
    s = _pair(stride, "avg_pool2d", "stride must either be omitted, a single int, or a tuple of "
              "two ints", allow_none=True) or k
    p = _pair(padding, "avg_pool2d", "padding must either be a single int, or a tuple of two "
              "ints")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    shape = tuple(input.shape)
    if len(shape) < 3:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-max(len(shape), 1)}, {max(len(shape), 1) - 1}], but got -3)")
    geom = _avg_geom(shape, k, s, p, ceil_mode, False)
    _check_2d_input(shape)
    return AvgPool2D(geom, _avg_divisor(geom, count_include_pad, divisor_override))(input)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """1-d average pooling over ``(N, C, L)`` or ``(C, L)`` (see :func:`avg_pool2d`).

    Examples
    --------
    >>> import netlab
    >>> avg_pool1d(netlab.tensor([[[1., 3., 2., 0.]]]), 2).tolist()
    [[[2.0, 1.0]]]
    """
    k = _single(kernel_size, "avg_pool1d", "kernel_size")
    s = k if stride is None else _single(stride, "avg_pool1d", "stride")
    p = _single(padding, "avg_pool1d", "padding")
    shape = tuple(input.shape)
    _check_1d_input(shape, "avg_pool1d")
    geom = _avg_geom(shape, (1, k), (1, s), (0, p), ceil_mode, True)
    return AvgPool2D(geom, _avg_divisor(geom, count_include_pad, None))(input)
