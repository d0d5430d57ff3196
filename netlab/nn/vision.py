"""PixelShuffle/PixelUnshuffle and Upsample (with its UpsamplingNearest2d/Bilinear2d forms)."""

from __future__ import annotations

from netlab.nn.functional import vision as F
from netlab.nn.module import Module

__all__ = ["PixelShuffle", "PixelUnshuffle", "Upsample", "UpsamplingBilinear2d",
           "UpsamplingNearest2d"]


def _check_chw(name: str, input_shape) -> tuple:
    shape = tuple(int(v) for v in input_shape)
    if len(shape) < 3:
        raise ValueError(f"{name} expects an input of shape (*, C, H, W), got {shape}")
    return shape


class PixelShuffle(Module):
    """Rearranges ``(*, C*r*r, H, W)`` into ``(*, C, H*r, W*r)``.

    Examples
    --------
    >>> import netlab
    >>> PixelShuffle(2)(netlab.ones(1, 8, 3, 3)).shape
    netlab.Size([1, 2, 6, 6])
    """

    def __init__(self, upscale_factor: int):
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input):
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"

    def output_shape(self, input_shape: tuple) -> tuple:
        *batch, c, h, w = _check_chw("PixelShuffle", input_shape)
        r = self.upscale_factor
        if r <= 0 or c % (r * r):
            raise ValueError(f"PixelShuffle({r}): channels {c} are not divisible by "
                             f"upscale_factor**2 = {r * r}")
        return (*batch, c // (r * r), h * r, w * r)


class PixelUnshuffle(Module):
    """Rearranges ``(*, C, H*r, W*r)`` into ``(*, C*r*r, H, W)``.

    Examples
    --------
    >>> import netlab
    >>> PixelUnshuffle(2)(netlab.ones(1, 2, 6, 6)).shape
    netlab.Size([1, 8, 3, 3])
    """

    def __init__(self, downscale_factor: int):
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input):
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"

    def output_shape(self, input_shape: tuple) -> tuple:
        *batch, c, h, w = _check_chw("PixelUnshuffle", input_shape)
        r = self.downscale_factor
        if r <= 0 or h % r or w % r:
            raise ValueError(f"PixelUnshuffle({r}): height {h} and width {w} must be divisible "
                             f"by the downscale factor")
        return (*batch, c * r * r, h // r, w // r)


class Upsample(Module):
    """Resizes with :func:`netlab.nn.functional.interpolate` (``size`` or ``scale_factor``).

    Examples
    --------
    >>> import netlab
    >>> Upsample(scale_factor=2, mode="bilinear")(netlab.ones(1, 3, 4, 4)).shape
    netlab.Size([1, 3, 8, 8])
    """

    def __init__(self, size=None, scale_factor=None, mode: str = "nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input):
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            info = "scale_factor=" + repr(self.scale_factor)
        else:
            info = "size=" + repr(self.size)
        return info + ", mode=" + repr(self.mode)

    def output_shape(self, input_shape: tuple) -> tuple:
        shape = tuple(int(v) for v in input_shape)
        if len(shape) not in (3, 4):
            raise ValueError(f"Upsample expects an input of shape (N, C, L) or (N, C, H, W), "
                             f"got {shape}")
        need = {"linear": 3, "bilinear": 4}.get(self.mode)
        if need is not None and need != len(shape):
            raise ValueError(f"Upsample mode {self.mode!r} needs a {need}-d input, got {shape}")
        spatial = shape[2:]
        try:
            out, _ = F._output_sizes(list(spatial), self.size, self.scale_factor, self.mode,
                                     self.recompute_scale_factor)
        except ValueError as e:
            raise ValueError(f"Upsample: {e}") from None
        if any(v <= 0 for v in out):
            raise ValueError(f"Upsample: output size {tuple(out)} is not positive")
        return shape[:2] + tuple(int(v) for v in out)


class UpsamplingNearest2d(Upsample):
    """Nearest-neighbour 2-d upsampling (``Upsample(mode="nearest")``).

    Examples
    --------
    >>> import netlab
    >>> UpsamplingNearest2d(scale_factor=2)(netlab.ones(1, 1, 2, 2)).shape
    netlab.Size([1, 1, 4, 4])
    """

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Bilinear 2-d upsampling with ``align_corners=True``.

    Examples
    --------
    >>> import netlab
    >>> UpsamplingBilinear2d(size=3)(netlab.ones(1, 1, 2, 2)).shape
    netlab.Size([1, 1, 3, 3])
    """

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)

