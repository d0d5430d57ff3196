"""Raw-array kernels of convolution: im2col windows, col2im scatter and the weight gradient.

Every kernel works on 4-D arrays (N, C, H, W); 1-d convolutions arrive with H = 1. A
``ConvGeometry`` describes one convolution from the side of the forward conv: ``in_size`` is
the spatial size of its input x, ``out_size`` that of its output y (which may be smaller than
the largest size the padding allows: a transposed conv with ``output_padding >= stride`` uses
only part of it). The three kernels are the three faces of the same bilinear map:

- ``conv_forward(x, w)``    x-side -> y-side  (the convolution)
- ``conv_adjoint(y, w)``    y-side -> x-side  (transposed convolution = input gradient)
- ``conv_weight(x, y)``     -> weight shape   (weight gradient)

Windows are ``as_strided`` views of the zero-padded input, copied once into a contiguous
``cols`` block and multiplied with the weight by a batched matmul (one BLAS call per sample and
group). The batch is cut into blocks so that ``cols`` stays below ``_COLS_BYTES``: a block that
fits in the CPU cache makes the GEMM read it from cache (measured 15-20% faster than one big
block on LeNet-sized layers) and bounds the transient memory of big layers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from netlab.backend import get_array_module

_COLS_BYTES = 2 * 2 ** 20
_GPU_COLS_BYTES = 256 * 2 ** 20  # on a GPU, few big launches beat cache-sized blocks


@dataclass(frozen=True)
class ConvGeometry:
    """The shape rules of one convolution, all per spatial dim as (H, W) pairs."""

    kernel: tuple
    stride: tuple
    pads: tuple  # ((top, bottom), (left, right)): zero padding of x before windowing
    dilation: tuple
    groups: int
    in_size: tuple  # spatial size of x
    out_size: tuple  # spatial size of y
    nd: int  # 1 or 2: how many spatial dims the caller's arrays have

    def padded(self) -> tuple:
        return tuple(n + lo + hi for n, (lo, hi) in zip(self.in_size, self.pads))


def full_out_size(size: int, k: int, s: int, lo: int, hi: int, d: int) -> int:
    """Output length of a convolution: ``(L + lo + hi - d (k - 1) - 1) // s + 1``."""
    return (size + lo + hi - d * (k - 1) - 1) // s + 1


def _as4d(a):
    return a[:, :, None] if a.ndim == 3 else a


def _back(a, nd: int):
    return a[:, :, 0] if nd == 1 else a


def _pad(xp, x, g: ConvGeometry):
    (pt, pb), (pl, pr) = g.pads
    if not (pt or pb or pl or pr):
        return x
    n, c, h, w = x.shape
    out = xp.zeros((n, c, h + pt + pb, w + pl + pr), dtype=x.dtype)
    out[:, :, pt:pt + h, pl:pl + w] = x
    return out


def _windows(xp, xpad, g: ConvGeometry):
    """View (N, C, kh, kw, Ho, Wo) of the padded input: element [n, c, i, j, y, x] is
    ``xpad[n, c, y*sh + i*dh, x*sw + j*dw]``."""
    sn, sc, sh_, sw_ = xpad.strides
    (kh, kw), (sh, sw), (dh, dw) = g.kernel, g.stride, g.dilation
    ho, wo = g.out_size
    shape = (xpad.shape[0], xpad.shape[1], kh, kw, ho, wo)
    strides = (sn, sc, dh * sh_, dw * sw_, sh * sh_, sw * sw_)
    return xp.lib.stride_tricks.as_strided(xpad, shape, strides)


def _blocks(xp, n: int, per_sample: int):
    budget = _COLS_BYTES if xp is np else _GPU_COLS_BYTES
    step = max(1, budget // max(per_sample, 1))
    return [slice(i, min(i + step, n)) for i in range(0, n, step)] or [slice(0, 0)]


def _cols(xp, win, groups: int):
    """Contiguous (B, G, K, L) block of windows (K = Cg*kh*kw, L = Ho*Wo)."""
    b, c, kh, kw, ho, wo = win.shape
    return xp.ascontiguousarray(win).reshape(b, groups, c // groups * kh * kw, ho * wo)


def conv_forward(x, w, g: ConvGeometry):
    """y[n, o] = sum over c, i, j of w[o, c, i, j] * xpad[n, c, y*s + i*d, ...]."""
    xp = get_array_module(x)
    x, w = _as4d(x), _as4d(w)
    xpad = _pad(xp, x, g)
    n = x.shape[0]
    o, G = w.shape[0], g.groups
    ho, wo = g.out_size
    w3 = w.reshape(G, o // G, -1)
    y = xp.empty((n, G, o // G, ho * wo), dtype=xp.result_type(x, w))
    k = w3.shape[2]
    for blk in _blocks(xp, n, k * G * ho * wo * x.itemsize):
        cols = _cols(xp, _windows(xp, xpad[blk], g), G)
        y[blk] = xp.matmul(w3, cols)
    return _back(y.reshape(n, o, ho, wo), g.nd)


def conv_adjoint(y, w, g: ConvGeometry):
    """The transposed convolution (adjoint of ``conv_forward`` in x): y-side -> x-side.

    Each window's contribution ``w^T y`` is scattered back with one strided add per kernel
    position (kh*kw adds of whole blocks; no loop over pixels). Channels lead (C, N, H, W)
    while scattering: the adds then read contiguous runs of N*Ho*Wo, about 1.5x faster.
    """
    xp = get_array_module(y)
    y, w = _as4d(y), _as4d(w)
    n = y.shape[0]
    o, cg, kh, kw = w.shape
    G = g.groups
    c = cg * G
    ho, wo = g.out_size
    (sh, sw), (dh, dw) = g.stride, g.dilation
    hp, wp = g.padded()
    w3t = w.reshape(G, o // G, -1).transpose(0, 2, 1)
    xpad = xp.zeros((c, n, hp, wp), dtype=xp.result_type(y, w))
    for blk in _blocks(xp, n, w3t.shape[1] * G * ho * wo * y.itemsize):
        yb = y[blk].reshape(-1, G, o // G, ho * wo).transpose(1, 2, 0, 3)
        yb = xp.ascontiguousarray(yb).reshape(G, o // G, -1)
        cols = xp.matmul(w3t, yb).reshape(c, kh, kw, -1, ho, wo)
        dst = xpad[:, blk]
        for i in range(kh):
            for j in range(kw):
                dst[:, :, i * dh:i * dh + (ho - 1) * sh + 1:sh,
                    j * dw:j * dw + (wo - 1) * sw + 1:sw] += cols[:, i, j]
    (pt, _), (pl, _) = g.pads
    h, wd = g.in_size
    x = xp.ascontiguousarray(xpad[:, :, pt:pt + h, pl:pl + wd].transpose(1, 0, 2, 3))
    return _back(x, g.nd)


def conv_weight(x, y, g: ConvGeometry, kernel_shape: tuple):
    """Weight gradient: gw[o, c, i, j] = sum over n, pixels of y[n, o] * window[n, c, i, j]."""
    xp = get_array_module(x)
    x, y = _as4d(x), _as4d(y)
    xpad = _pad(xp, x, g)
    n, o = y.shape[0], y.shape[1]
    G = g.groups
    ho, wo = g.out_size
    y4 = y.reshape(n, G, o // G, ho * wo)
    k = x.shape[1] // G * g.kernel[0] * g.kernel[1]
    gw = xp.zeros((G, o // G, k), dtype=xp.result_type(x, y))
    for blk in _blocks(xp, n, k * G * ho * wo * x.itemsize):
        cols = _cols(xp, _windows(xp, xpad[blk], g), G)
        gw += xp.matmul(y4[blk], cols.transpose(0, 1, 3, 2)).sum(0)
    return gw.reshape(kernel_shape)
