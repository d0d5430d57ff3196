"""Functional Dropout: dropout, dropout2d.

Masks are drawn from netlab's default generator (``netlab.manual_seed`` makes them
reproducible) on the host and moved to the input's device, like every netlab random draw.
"""

from __future__ import annotations

import warnings

from netlab import backend
from netlab.autograd.node import Function
from netlab.random import default_generator
from netlab.tensor import Tensor

__all__ = ["dropout", "dropout2d"]


class NativeDropout(Function):
    """``x * mask`` with a fixed mask already scaled by ``1/(1-p)``."""

    def __init__(self, mask):
        self.mask = mask

    def forward(self, x):
        return x * self.mask

    def backward(self, g):
        return g * Tensor._make(self.mask)


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _mask(input: Tensor, shape, p: float):
    """Keep-mask of ``shape`` (broadcastable to the input): 0 or ``1/(1-p)``, input's dtype."""
    keep = default_generator._np.random(shape, dtype="float32") >= p
    dt = input._array.dtype
    scaled = keep.astype(dt) * dt.type(1.0 / (1.0 - p))
    return backend.to_device(scaled, input.device)


def _apply(input: Tensor, p: float, inplace: bool, shape, fused: bool):
    if p == 1.0:
        zero = input._array.dtype.type(0)
        return input.mul_(zero) if inplace else input * zero
    mask = _mask(input, shape, p)
    if inplace:
        return input.mul_(Tensor._make(mask))
    if fused and mask.shape == tuple(input.shape):
        return NativeDropout(mask)(input)
    return input * Tensor._make(mask)


def dropout(input: Tensor, p: float = 0.5, training: bool = True,
            inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1/(1-p)`` (only when
    ``training``; otherwise return ``input``).

    Examples
    --------
    >>> import netlab
    >>> dropout(netlab.ones(4), 0.5, training=False).tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    _check_p(p)
    if not training or p == 0.0 or input.numel() == 0:
        return input
    return _apply(input, p, inplace, tuple(input.shape), True)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels ``input[n, c]`` with probability ``p`` and scale the rest by
    ``1/(1-p)``. As in PyTorch, a 3-D input is read as ``(N, C, L)`` (with a warning).

    Examples
    --------
    >>> import netlab
    >>> y = dropout2d(netlab.ones(2, 3, 4, 4), 0.5)
    >>> bool(((y.sum((2, 3)) == 0) | (y.sum((2, 3)) == 32)).all())
    True
    """
    _check_p(p)
    dim = input.dim()
    if dim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {dim}-D input to dropout2d, which is deprecated "
                      "and will result in an error in a future release. To retain the behavior "
                      "and silence this warning, please use dropout instead. Note that "
                      "dropout2d exists to provide channel-wise dropout on inputs with 2 "
                      "spatial dimensions, a channel dimension, and an optional batch "
                      "dimension (i.e. 3D or 4D inputs).", stacklevel=2)
    if dim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim. This behavior will change "
                      "in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise "
                      "dropout behavior, please switch to using dropout1d instead.",
                      stacklevel=2)
    if not training or p == 0.0 or input.numel() == 0:
        return input
    if dim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    shape = tuple(input.shape[:2]) + (1,) * (dim - 2)
    return _apply(input, p, inplace, shape, False)
