"""Convolution layers: Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d."""

from __future__ import annotations

import math

from netlab.creation import empty
from netlab.nn import init
from netlab.nn.functional.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d
from netlab.nn.module import Module
from netlab.nn.parameter import Parameter
from netlab.ops.pad import pad

__all__ = ["Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d"]

_PADDING_MODES = {"zeros", "reflect", "replicate", "circular"}


def _ntuple(value, n: int) -> tuple:
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,) * n


class _ConvNd(Module):
    """Shared constructor, init, shape rule and repr of the convolution layers."""

    _nd = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride, padding,
                 dilation, transposed: bool, output_padding, groups: int, bias: bool,
                 padding_mode: str, device=None, dtype=None):
        super().__init__()
        n = self._nd
        kernel_size, stride = _ntuple(kernel_size, n), _ntuple(stride, n)
        dilation, output_padding = _ntuple(dilation, n), _ntuple(output_padding, n)
        if not isinstance(padding, str):
            padding = _ntuple(padding, n)
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if isinstance(padding, str):
            if padding not in {"same", "valid"}:
                raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                                 f"{ {'valid', 'same'} }")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {_PADDING_MODES}, but got "
                             f"padding_mode='{padding_mode}'")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.transposed = transposed
        self.output_padding = output_padding
        self.groups = groups
        self.padding_mode = padding_mode
        # F.pad's (last dim first) form of the padding, for the non-zero padding modes
        rev = [0, 0] * n
        for i, (k, d) in enumerate(zip(kernel_size, dilation)):
            j = 2 * (n - 1 - i)
            if padding == "same":
                total = d * (k - 1)
                rev[j], rev[j + 1] = total // 2, total - total // 2
            elif not isinstance(padding, str):
                rev[j] = rev[j + 1] = padding[i]
        self._reversed_padding_repeated_twice = rev
        shape = ((in_channels, out_channels // groups) if transposed else
                 (out_channels, in_channels // groups)) + kernel_size
        self.weight = Parameter(empty(shape, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # a=sqrt(5) gives the bound 1/sqrt(fan_in), fan_in = weight.size(1) * prod(kernel):
        # in/groups*k for a conv, out/groups*k for a transposed conv (its transposed layout)
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        n = self._nd
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def __setstate__(self, state):
        super().__setstate__(state)
        if not hasattr(self, "padding_mode"):
            self.padding_mode = "zeros"

    # shape rule ------------------------------------------------------------------------------
    def _check_input_shape(self, input_shape) -> tuple:
        n = self._nd
        shape = tuple(int(s) for s in input_shape)
        if len(shape) not in (n + 1, n + 2):
            raise ValueError(f"{type(self).__name__} expects a {n + 1}-d (unbatched) or "
                             f"{n + 2}-d (batched) input, got shape {shape}")
        channels = shape[-n - 1]
        if channels != self.in_channels:
            raise ValueError(f"{type(self).__name__}(in_channels={self.in_channels}) receives "
                             f"{channels} channels: set in_channels={channels}")
        return shape

    def output_shape(self, input_shape: tuple) -> tuple:
        """The output shape for an input of ``input_shape`` (batch first, or unbatched),
        computed without running the layer.

        Examples
        --------
        >>> Conv2d(3, 6, 5).output_shape((64, 3, 32, 32))
        (64, 6, 28, 28)
        """
        shape = self._check_input_shape(input_shape)
        n = self._nd
        spatial = shape[-n:]
        if self.padding == "same":
            total = [d * (k - 1) for k, d in zip(self.kernel_size, self.dilation)]
        elif self.padding == "valid":
            total = [0] * n
        else:
            total = [2 * p for p in self.padding]
        out = []
        for size, k, s, d, t in zip(spatial, self.kernel_size, self.stride, self.dilation, total):
            eff = d * (k - 1) + 1
            if size + t < eff:
                raise ValueError(f"kernel size {eff} is larger than the padded input {size + t}")
            out.append((size + t - eff) // s + 1)
        return shape[:-n - 1] + (self.out_channels,) + tuple(out)


class _ConvForward(_ConvNd):
    _fn = staticmethod(conv2d)

    def _conv_forward(self, input, weight, bias):
        if self.padding_mode != "zeros":
            padded = pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return self._fn(padded, weight, bias, self.stride, 0, self.dilation, self.groups)
        return self._fn(input, weight, bias, self.stride, self.padding, self.dilation,
                        self.groups)

    def forward(self, input):
        return self._conv_forward(input, self.weight, self.bias)


class Conv1d(_ConvForward):
    """1-d convolution over (N, C_in, L) or (C_in, L); weight (out, in/groups, k).

    Examples
    --------
    >>> import netlab
    >>> Conv1d(3, 4, 3, padding="same")(netlab.ones(2, 3, 10)).shape
    netlab.Size([2, 4, 10])
    """

    _nd = 1
    _fn = staticmethod(conv1d)

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         False, 0, groups, bias, padding_mode, device, dtype)


class Conv2d(_ConvForward):
    """2-d convolution over (N, C_in, H, W) or (C_in, H, W); weight (out, in/groups, kH, kW),
    default init U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = in/groups * kH * kW.

    Examples
    --------
    >>> import netlab
    >>> Conv2d(3, 6, 5)(netlab.ones(64, 3, 32, 32)).shape
    netlab.Size([64, 6, 28, 28])
    """

    _nd = 2
    _fn = staticmethod(conv2d)

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         False, 0, groups, bias, padding_mode, device, dtype)


class _ConvTransposeNd(_ConvNd):
    _fn = staticmethod(conv_transpose2d)

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, output_padding,
                 groups, bias, dilation, padding_mode, device, dtype):
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         True, output_padding, groups, bias, padding_mode, device, dtype)

    def _output_padding(self, input, output_size) -> tuple:
        n = self._nd
        if output_size is None:
            return self.output_padding
        has_batch = input.dim() == n + 2
        lead = 2 if has_batch else 1
        if len(output_size) == lead + n:
            output_size = output_size[lead:]
        if len(output_size) != n:
            raise ValueError(f"ConvTranspose{n}D: for {input.dim()}D input, output_size must "
                             f"have {n} or {lead + n} elements (got {len(output_size)})")
        sizes = input.shape[lead:]
        mins = [(sizes[d] - 1) * self.stride[d] - 2 * self.padding[d] +
                self.dilation[d] * (self.kernel_size[d] - 1) + 1 for d in range(n)]
        maxs = [mins[d] + self.stride[d] - 1 for d in range(n)]
        if any(not lo <= s <= hi for s, lo, hi in zip(output_size, mins, maxs)):
            raise ValueError(f"requested an output size of {output_size}, but valid sizes range "
                             f"from {mins} to {maxs} (for an input of {sizes})")
        return tuple(s - lo for s, lo in zip(output_size, mins))

    def forward(self, input, output_size=None):
        if self.padding_mode != "zeros":
            raise ValueError(f"Only `zeros` padding mode is supported for {type(self).__name__}")
        output_padding = self._output_padding(input, output_size)
        return self._fn(input, self.weight, self.bias, self.stride, self.padding,
                        output_padding, self.groups, self.dilation)

    def output_shape(self, input_shape: tuple, output_size=None) -> tuple:
        """The output shape for ``input_shape`` (batch first, or unbatched), without running.

        Examples
        --------
        >>> ConvTranspose2d(4, 2, 3, stride=2).output_shape((1, 4, 5, 5))
        (1, 2, 11, 11)
        """
        shape = self._check_input_shape(input_shape)
        n = self._nd
        if output_size is not None:
            out = tuple(int(s) for s in output_size)[-n:]
            return shape[:-n - 1] + (self.out_channels,) + out
        if any(op >= s and op >= d for op, s, d in zip(self.output_padding, self.stride,
                                                        self.dilation)):
            raise ValueError(f"output_padding {self.output_padding} must be smaller than either "
                             f"stride {self.stride} or dilation {self.dilation}")
        out = []
        for size, k, s, d, p, op in zip(shape[-n:], self.kernel_size, self.stride, self.dilation,
                                        self.padding, self.output_padding):
            o = (size - 1) * s - 2 * p + d * (k - 1) + op + 1
            if o < 0:  # 0 gives an empty output, as in PyTorch
                raise ValueError(f"output size {o} is too small for the input size {size}: the "
                                 f"padding {p} crops more than the layer produces")
            out.append(o)
        return shape[:-n - 1] + (self.out_channels,) + tuple(out)


class ConvTranspose1d(_ConvTransposeNd):
    """1-d transposed convolution; weight (in, out/groups, k).

    Examples
    --------
    >>> import netlab
    >>> ConvTranspose1d(4, 2, 3, stride=2)(netlab.ones(1, 4, 5)).shape
    netlab.Size([1, 2, 11])
    """

    _nd = 1
    _fn = staticmethod(conv_transpose1d)

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                 padding_mode: str = "zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, output_padding,
                         groups, bias, dilation, padding_mode, device, dtype)


class ConvTranspose2d(_ConvTransposeNd):
    """2-d transposed convolution (the input gradient of Conv2d); weight
    (in, out/groups, kH, kW), default init bound 1/sqrt(out/groups * kH * kW);
    ``H_out = (H-1)s - 2p + d(k-1) + output_padding + 1``.

    Examples
    --------
    >>> import netlab
    >>> ConvTranspose2d(4, 2, 3, stride=2, output_padding=1)(netlab.ones(1, 4, 5, 5)).shape
    netlab.Size([1, 2, 12, 12])
    """

    _nd = 2
    _fn = staticmethod(conv_transpose2d)

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                 padding_mode: str = "zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, output_padding,
                         groups, bias, dilation, padding_mode, device, dtype)
