"""Pooling layers: max/avg pools, max unpooling and adaptive pools.

Each layer also answers ``output_shape(input_shape)`` without running, using the same size rule
as the functional forms (``pool_output_size``), so the designer and the engine share one truth.
"""

from __future__ import annotations

from netlab.nn import functional as F
from netlab.nn.functional.pooling import pool_output_size
from netlab.nn.module import Module

__all__ = [
    "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d",
    "AvgPool1d", "AvgPool2d", "MaxPool1d", "MaxPool2d", "MaxUnpool1d", "MaxUnpool2d",
]


def _tuple(v, n: int) -> tuple:
    if isinstance(v, (tuple, list)):
        return tuple(v) if len(v) == n else tuple(v) * n if len(v) == 1 else tuple(v)
    return (v,) * n


def _spatial(name: str, input_shape, nd: int) -> tuple:
    shape = tuple(int(v) for v in input_shape)
    if len(shape) not in (nd + 1, nd + 2):
        want = "(N, C, L) or (C, L)" if nd == 1 else "(N, C, H, W) or (C, H, W)"
        raise ValueError(f"{name} expects an input of shape {want}, got {shape}")
    if any(v <= 0 for v in shape[-(nd + 1):]) or any(v < 0 for v in shape):
        raise ValueError(f"{name} needs non-empty channel and spatial sizes, got {shape}")
    return shape


def _pool_shape(name, input_shape, nd, k, s, p, d, ceil_mode):
    """Output shape of a max/avg pool, with ValueErrors that say what cannot work."""
    shape = _spatial(name, input_shape, nd)
    k, s, p, d = _tuple(k, nd), _tuple(s, nd), _tuple(p, nd), _tuple(d, nd)
    if len(k) != nd or len(s) != nd or len(p) != nd or len(d) != nd:
        raise ValueError(f"{name} takes {nd}-element kernel_size/stride/padding/dilation")
    out = []
    for i in range(nd):
        size = shape[len(shape) - nd + i]
        if k[i] <= 0 or s[i] <= 0 or d[i] <= 0:
            raise ValueError(f"{name}: kernel size, stride and dilation must be positive, got "
                             f"kernel_size={k[i]}, stride={s[i]}, dilation={d[i]}")
        if p[i] < 0 or p[i] > k[i] // 2:
            raise ValueError(f"{name}: padding {p[i]} must be between 0 and half the kernel "
                             f"size {k[i]}")
        o = pool_output_size(size, k[i], p[i], s[i], d[i], ceil_mode)
        if o < 1:
            raise ValueError(f"{name}: kernel size {d[i] * (k[i] - 1) + 1} is larger than the "
                             f"padded input {size + 2 * p[i]}")
        out.append(o)
    return shape[:len(shape) - nd] + tuple(out)


class _MaxPoolNd(Module):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1,
                 return_indices: bool = False, ceil_mode: bool = False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")

    def output_shape(self, input_shape: tuple) -> tuple:
        return _pool_shape(type(self).__name__, input_shape, self._nd, self.kernel_size,
                           self.stride, self.padding, self.dilation, self.ceil_mode)


class MaxPool1d(_MaxPoolNd):
    """1-d max pooling over ``(N, C, L)`` or ``(C, L)``; ``stride`` defaults to the kernel.

    Examples
    --------
    >>> import netlab
    >>> MaxPool1d(2)(netlab.tensor([[[1., 3., 2., 0.]]])).tolist()
    [[[3.0, 2.0]]]
    """

    _nd = 1

    def forward(self, input):
        return F.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class MaxPool2d(_MaxPoolNd):
    """2-d max pooling over ``(N, C, H, W)`` or ``(C, H, W)``.

    ``return_indices`` also returns the flat ``h * W + w`` position of each maximum in its
    input plane (what :class:`MaxUnpool2d` takes).

    Examples
    --------
    >>> import netlab
    >>> MaxPool2d(2)(netlab.ones(1, 3, 5, 5)).shape
    netlab.Size([1, 3, 2, 2])
    """

    _nd = 2

    def forward(self, input):
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class _MaxUnpoolNd(Module):
    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        nd = self._nd
        self.kernel_size = _tuple(kernel_size, nd)
        self.stride = _tuple(stride if stride is not None else kernel_size, nd)
        self.padding = _tuple(padding, nd)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def output_shape(self, input_shape: tuple) -> tuple:
        """The default output shape (``forward`` without ``output_size``)."""
        shape = _spatial(type(self).__name__, input_shape, self._nd)
        nd = self._nd
        out = tuple((shape[len(shape) - nd + i] - 1) * self.stride[i] - 2 * self.padding[i] +
                    self.kernel_size[i] for i in range(nd))
        if any(v <= 0 for v in out):
            raise ValueError(f"{type(self).__name__}: the output size {out} is not positive")
        return shape[:len(shape) - nd] + out


class MaxUnpool1d(_MaxUnpoolNd):
    """Inverse of :class:`MaxPool1d` given its indices.

    Examples
    --------
    >>> import netlab
    >>> y, i = MaxPool1d(2, return_indices=True)(netlab.tensor([[[1., 3., 2., 0.]]]))
    >>> MaxUnpool1d(2)(y, i).tolist()
    [[[0.0, 3.0, 2.0, 0.0]]]
    """

    _nd = 1

    def forward(self, input, indices, output_size=None):
        return F.max_unpool1d(input, indices, self.kernel_size, self.stride, self.padding,
                              output_size)


class MaxUnpool2d(_MaxUnpoolNd):
    """Inverse of :class:`MaxPool2d`: each value goes to its index in a zero plane of size
    ``(H_in - 1) * stride - 2 * padding + kernel_size`` (or ``output_size``).

    Examples
    --------
    >>> import netlab
    >>> y, i = MaxPool2d(2, return_indices=True)(netlab.ones(1, 1, 4, 4))
    >>> MaxUnpool2d(2)(y, i).shape
    netlab.Size([1, 1, 4, 4])
    """

    _nd = 2

    def forward(self, input, indices, output_size=None):
        return F.max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding,
                              output_size)


class AvgPool1d(Module):
    """1-d average pooling over ``(N, C, L)`` or ``(C, L)``.

    Examples
    --------
    >>> import netlab
    >>> AvgPool1d(2)(netlab.tensor([[[1., 3., 2., 0.]]])).tolist()
    [[[2.0, 1.0]]]
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True):
        super().__init__()
        self.kernel_size = _tuple(kernel_size, 1)
        self.stride = _tuple(stride if stride is not None else kernel_size, 1)
        self.padding = _tuple(padding, 1)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input):
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def output_shape(self, input_shape: tuple) -> tuple:
        return _pool_shape("AvgPool1d", input_shape, 1, self.kernel_size, self.stride,
                           self.padding, 1, self.ceil_mode)


class AvgPool2d(Module):
    """2-d average pooling over ``(N, C, H, W)`` or ``(C, H, W)``.

    The divisor is the window clipped to the padded input (``count_include_pad=True``), the
    in-image cell count (``False``), or ``divisor_override``.

    Examples
    --------
    >>> import netlab
    >>> AvgPool2d(2)(netlab.ones(1, 3, 4, 4)).shape
    netlab.Size([1, 3, 2, 2])
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input):
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def output_shape(self, input_shape: tuple) -> tuple:
        return _pool_shape("AvgPool2d", input_shape, 2, self.kernel_size, self.stride,
                           self.padding, 1, self.ceil_mode)


class _AdaptivePoolNd(Module):
    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"

    def output_shape(self, input_shape: tuple) -> tuple:
        nd = self._nd
        shape = _spatial(type(self).__name__, input_shape, nd)
        o = _tuple(self.output_size, nd)
        if len(o) != nd:
            raise ValueError(f"{type(self).__name__}: output_size must have {nd} elements, "
                             f"got {self.output_size}")
        spatial = shape[len(shape) - nd:]
        o = tuple(spatial[i] if v is None else int(v) for i, v in enumerate(o))
        if any(v < 0 for v in o):
            raise ValueError(f"{type(self).__name__}: output_size {o} has a negative size")
        return shape[:len(shape) - nd] + o


class AdaptiveAvgPool1d(_AdaptivePoolNd):
    """Averages over ``output_size`` bins ``[floor(i*L/o), ceil((i+1)*L/o))``.

    Examples
    --------
    >>> import netlab
    >>> AdaptiveAvgPool1d(2)(netlab.tensor([[[1., 2., 3.]]])).tolist()
    [[[1.5, 2.5]]]
    """

    _nd = 1

    def forward(self, input):
        return F.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveAvgPool2d(_AdaptivePoolNd):
    """Averages over adaptive bins; ``None`` in ``output_size`` keeps that input size.

    Examples
    --------
    >>> import netlab
    >>> AdaptiveAvgPool2d((1, None))(netlab.ones(2, 3, 5, 7)).shape
    netlab.Size([2, 3, 1, 7])
    """

    _nd = 2

    def forward(self, input):
        return F.adaptive_avg_pool2d(input, self.output_size)


class _AdaptiveMaxPoolNd(_AdaptivePoolNd):
    def __init__(self, output_size, return_indices: bool = False):
        super().__init__(output_size)
        self.return_indices = return_indices


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max over adaptive bins (see :class:`AdaptiveAvgPool1d`).

    Examples
    --------
    >>> import netlab
    >>> AdaptiveMaxPool1d(2)(netlab.tensor([[[1., 3., 2.]]])).tolist()
    [[[3.0, 3.0]]]
    """

    _nd = 1

    def forward(self, input):
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max over adaptive bins; ``return_indices`` gives flat ``h * W + w`` positions.

    Examples
    --------
    >>> import netlab
    >>> AdaptiveMaxPool2d(2)(netlab.ones(1, 3, 5, 5)).shape
    netlab.Size([1, 3, 2, 2])
    """

    _nd = 2

    def forward(self, input):
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)
