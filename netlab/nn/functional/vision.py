"""Functional vision helpers: pixel_shuffle/pixel_unshuffle and interpolate/upsample.

Resampling is separable: along each spatial axis the output is a fixed linear map of the input
(one tap for nearest, two for linear), so the forward gathers taps with ``take`` (same
arithmetic order as PyTorch) and the backward multiplies by the transposed dense map.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from netlab.autograd.node import Function
from netlab.backend import get_array_module
from netlab.nn.functional.adaptive_pool import adaptive_avg_pool1d, adaptive_avg_pool2d

__all__ = ["interpolate", "pixel_shuffle", "pixel_unshuffle", "upsample", "upsample_bilinear",
           "upsample_nearest"]


# ---------------------------------------------------------------------------------------------
# pixel shuffle
# ---------------------------------------------------------------------------------------------
def _shuffle(x, r):
    *batch, c, h, w = x.shape
    oc = c // (r * r)
    nb = len(batch)
    y = x.reshape(*batch, oc, r, r, h, w)
    perm = list(range(nb)) + [nb, nb + 3, nb + 1, nb + 4, nb + 2]
    return y.transpose(perm).reshape(*batch, oc, h * r, w * r)


def _unshuffle(x, r):
    *batch, c, h, w = x.shape
    nb = len(batch)
    y = x.reshape(*batch, c, h // r, r, w // r, r)
    perm = list(range(nb)) + [nb, nb + 2, nb + 4, nb + 1, nb + 3]
    return y.transpose(perm).reshape(*batch, c * r * r, h // r, w // r)


class PixelShuffle(Function):
    def __init__(self, r):
        self.r = r

    def forward(self, x):
        return get_array_module(x).ascontiguousarray(_shuffle(x, self.r))

    def backward(self, g):
        return PixelUnshuffle(self.r)(g)


class PixelUnshuffle(Function):
    def __init__(self, r):
        self.r = r

    def forward(self, x):
        return get_array_module(x).ascontiguousarray(_unshuffle(x, self.r))

    def backward(self, g):
        return PixelShuffle(self.r)(g)


def pixel_shuffle(input, upscale_factor: int):
    """Rearranges ``(*, C*r*r, H, W)`` into ``(*, C, H*r, W*r)``.

    Examples
    --------
    >>> import netlab
    >>> pixel_shuffle(netlab.ones(1, 8, 3, 3), 2).shape
    netlab.Size([1, 2, 6, 6])
    """
    shape = tuple(input.shape)
    r = int(upscale_factor)
    if len(shape) < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got "
                           f"input with {len(shape)} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    if shape[-3] % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)="
                           f"{shape[-3]} is not divisible by {r * r}")
    return PixelShuffle(r)(input)


def pixel_unshuffle(input, downscale_factor: int):
    """Rearranges ``(*, C, H*r, W*r)`` into ``(*, C*r*r, H, W)`` (inverse of pixel_shuffle).

    Examples
    --------
    >>> import netlab
    >>> pixel_unshuffle(netlab.ones(1, 2, 6, 6), 2).shape
    netlab.Size([1, 8, 3, 3])
    """
    shape = tuple(input.shape)
    r = int(downscale_factor)
    if len(shape) < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but "
                           f"got input with {len(shape)} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    if shape[-2] % r:
        raise RuntimeError(f"pixel_unshuffle expects height to be divisible by downscale_factor, "
                           f"but input.size(-2)={shape[-2]} is not divisible by {r}")
    if shape[-1] % r:
        raise RuntimeError(f"pixel_unshuffle expects width to be divisible by downscale_factor, "
                           f"but input.size(-1)={shape[-1]} is not divisible by {r}")
    return PixelUnshuffle(r)(input)


# ---------------------------------------------------------------------------------------------
# interpolate
# ---------------------------------------------------------------------------------------------
def _axis_taps(n_in: int, n_out: int, scale, mode: str, align_corners: bool, dtype):
    """Per-axis taps ``[(index, weight or None), ...]`` following PyTorch's index rules."""
    o = np.arange(n_out)
    if mode in ("nearest", "nearest-exact"):
        if mode == "nearest" and n_out == n_in:
            return [(o, None)]
        if mode == "nearest" and n_out == 2 * n_in:
            return [(o >> 1, None)]
        # float32 arithmetic, as PyTorch's nearest_idx (floorf of a float product)
        sc = np.float32(1.0 / scale) if scale is not None and scale > 0 else \
            np.float32(n_in) / np.float32(n_out)
        if mode == "nearest":
            src = np.floor(o.astype(np.float32) * sc)
        else:
            src = np.floor((o + 0.5).astype(np.float64) * np.float64(sc)).astype(np.float32)
        return [(np.minimum(src.astype(np.int64), n_in - 1), None)]
    if n_out == n_in:
        return [(o, None)]
    op = np.dtype(dtype).type  # PyTorch computes the source index in the input's float type
    if align_corners:
        ratio = op(n_in - 1) / op(n_out - 1) if n_out > 1 else op(0)
        real = ratio * o.astype(dtype)
    else:
        ratio = op(1.0 / scale) if scale is not None and scale > 0 else op(n_in) / op(n_out)
        real = ratio * (o.astype(dtype) + op(0.5)) - op(0.5)
        real = np.maximum(real, op(0))
    i0 = np.minimum(np.floor(real).astype(np.int64), n_in - 1)
    l1 = np.clip(real - i0.astype(dtype), op(0), op(1)).astype(dtype)
    i1 = i0 + (i0 < n_in - 1)
    l0 = (op(1) - l1).astype(dtype)
    return [(i0, l0), (i1, l1)]


def _dense(taps, n_in: int, n_out: int) -> np.ndarray:
    m = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    for idx, w in taps:
        np.add.at(m, (rows, idx), 1.0 if w is None else w.astype(np.float64))
    return m


def _apply_taps(xp, x, taps, axis):
    out = None
    for idx, w in taps:
        v = xp.take(x, xp.asarray(idx), axis=axis)
        if w is not None:
            shape = [1] * x.ndim
            shape[axis] = -1
            v *= xp.asarray(w).reshape(shape)
        out = v if out is None else xp.add(out, v, out=out)
    return out


class _Resample(Function):
    """``y = M_h x M_w^T`` on the trailing spatial axes, computed by gathering taps."""

    def __init__(self, taps, sizes, name):
        self.taps, self.sizes, self._backward_name = taps, sizes, name

    def forward(self, x):
        xp = get_array_module(x)
        y = x
        nd = len(self.taps)
        for k, taps in enumerate(self.taps):
            y = _apply_taps(xp, y, taps, x.ndim - nd + k)
        return y if y is not x else y.copy()

    def backward(self, g):
        return _ResampleAdjoint(self.taps, self.sizes, self._backward_name)(g)


class _ResampleAdjoint(Function):
    """``g -> M_h^T g M_w``: the gradient of :class:`_Resample` (dense maps, BLAS)."""

    def __init__(self, taps, sizes, name):
        self.taps, self.sizes = taps, sizes
        self._backward_name = name.replace("Backward0", "BackwardBackward0")
        self._name = name

    def forward(self, g):
        xp = get_array_module(g)
        nd = len(self.taps)
        if nd == 1:
            n_in, n_out = self.sizes[0]
            m = xp.asarray(_dense(self.taps[0], n_in, n_out).astype(g.dtype))
            return xp.matmul(g, m)
        (hi, ho), (wi, wo) = self.sizes
        mh = xp.asarray(_dense(self.taps[0], hi, ho).T.astype(g.dtype))
        mw = xp.asarray(_dense(self.taps[1], wi, wo).astype(g.dtype))
        return xp.matmul(mh, xp.matmul(g, mw))

    def backward(self, gg):
        return _Resample(self.taps, self.sizes, self._name)(gg)


_MODES = "nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact"
_NEEDS = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}


def _output_sizes(in_sizes, size, scale_factor, mode, recompute_scale_factor):
    """PyTorch's F.interpolate argument rules: (output sizes, scales handed to the kernel)."""
    dim = len(in_sizes)
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    scales = None
    output_size = None
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    f"Input and output must have the same number of spatial dimensions, but got "
                    f"input with spatial dimensions of {list(in_sizes)} and output size of {size}."
                    f" Please provide input tensor in (N, C, d1, d2, ...,dK) format and output "
                    f"size in (o1, o2, ...,oK) format.")
            output_size = [int(v) for v in size]
        else:
            output_size = [int(size)] * dim
    elif scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(
                    f"Input and scale_factor must have the same number of spatial dimensions, but "
                    f"got input with spatial dimensions of {list(in_sizes)} and scale_factor of "
                    f"shape {scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) "
                    f"format and scale_factor in (s1, s2, ...,sK) format.")
            scales = [float(v) for v in scale_factor]
        else:
            scales = [float(scale_factor)] * dim
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and output_size is None:
        recompute_scale_factor = True
    if recompute_scale_factor:
        output_size = [math.floor(float(in_sizes[i] * scales[i])) for i in range(dim)]
        scales = None
    if output_size is None:
        output_size = [math.floor(in_sizes[i] * scales[i]) for i in range(dim)]
    return output_size, scales


def interpolate(input, size=None, scale_factor=None, mode: str = "nearest", align_corners=None,
                recompute_scale_factor=None, antialias: bool = False):
    """Resizes ``(N, C, L)`` or ``(N, C, H, W)`` inputs to ``size`` or by ``scale_factor``.

    Modes: ``nearest`` (PyTorch's index ``floor(i * in / out)``), ``nearest-exact``, ``linear``
    (3-d), ``bilinear`` (4-d; ``align_corners`` True/False) and ``area`` (adaptive average).

    Examples
    --------
    >>> import netlab
    >>> interpolate(netlab.ones(1, 3, 4, 4), scale_factor=2, mode="bilinear").shape
    netlab.Size([1, 3, 8, 8])
    """
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    shape = tuple(input.shape)
    nd = len(shape)
    in_sizes = list(shape[2:])
    if nd < 3 or nd > 5 or mode not in _MODES.split(" | "):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                                  f"{nd}D) for the modes: {_MODES} (got {mode})")
    output_size, scales = _output_sizes(in_sizes, size, scale_factor, mode,
                                        recompute_scale_factor)
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and nd == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes "
                         "and requires a 4-D tensor as input")
    if mode in _NEEDS and _NEEDS[mode] != nd:
        raise NotImplementedError(f"Got {nd}D input, but {mode} mode needs {_NEEDS[mode]}D input")
    if nd == 5 or mode in ("bicubic", "trilinear", "lanczos") or antialias:
        raise NotImplementedError(f"netlab: interpolate mode={mode!r} on a {nd}-d input"
                                  f"{' with antialias' if antialias else ''} is not supported")
    if any(v <= 0 for v in in_sizes + output_size):
        names = ["W"] if nd == 3 else ["H", "W"]
        fmt = ", ".join(f"{n}: {v}" for n, v in zip(names, in_sizes))
        out = ", ".join(f"{n}: {v}" for n, v in zip(names, output_size))
        sep = " and" if nd == 3 else ""  # PyTorch's 1-d and 2-d messages differ by an "and"
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"({fmt}){sep} output ({out})")
    if mode == "area":
        pool = adaptive_avg_pool1d if nd == 3 else adaptive_avg_pool2d
        return pool(input, output_size if nd == 4 else output_size[0])
    dt = input.dtype.np
    if dt.kind != "f" and mode not in ("nearest", "nearest-exact"):
        raise NotImplementedError(f"netlab: interpolate mode={mode!r} needs a floating point "
                                  f"input, got {input.dtype}")
    taps = [_axis_taps(in_sizes[i], output_size[i], None if scales is None else scales[i], mode,
                       bool(align_corners), dt if dt.kind == "f" else np.float32)
            for i in range(nd - 2)]
    kind = {"nearest": "UpsampleNearest", "nearest-exact": "_UpsampleNearestExact",
            "linear": "UpsampleLinear", "bilinear": "UpsampleBilinear"}[mode]
    name = f"{kind}{nd - 2}DBackward0"
    sizes = [(in_sizes[i], output_size[i]) for i in range(nd - 2)]
    return _Resample(taps, sizes, name)(input)


def upsample(input, size=None, scale_factor=None, mode: str = "nearest", align_corners=None):
    """Deprecated alias of :func:`interpolate`.

    Examples
    --------
    >>> import netlab, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     upsample(netlab.ones(1, 1, 2, 2), scale_factor=2).shape
    netlab.Size([1, 1, 4, 4])
    """
    warnings.warn("nn.functional.upsample is deprecated. Use nn.functional.interpolate instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(input, size, scale_factor, mode="nearest")``.

    Examples
    --------
    >>> import netlab, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     upsample_nearest(netlab.ones(1, 1, 2, 2), 3).shape
    netlab.Size([1, 1, 3, 3])
    """
    warnings.warn("nn.functional.upsample_nearest is deprecated. Use nn.functional.interpolate "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode="bilinear", align_corners=True)``.

    Examples
    --------
    >>> import netlab, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     upsample_bilinear(netlab.ones(1, 1, 2, 2), 3).shape
    netlab.Size([1, 1, 3, 3])
    """
    warnings.warn("nn.functional.upsample_bilinear is deprecated. Use nn.functional.interpolate "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)

