"""Functional convolutions: conv1d, conv2d, conv_transpose1d, conv_transpose2d.

Three primitives share one ``ConvGeometry`` (see ``_im2col``): ``Convolution`` (x -> y),
``ConvolutionTranspose`` (y -> x, the adjoint) and ``ConvolutionWeight`` (x, y -> weight).
Each one's backward is written with the other two, so gradients of any order exist:
conv's input gradient is the transposed conv of the output gradient, and vice versa.
"""

from __future__ import annotations

from netlab.autograd.node import Function
from netlab.nn.functional import _im2col
from netlab.nn.functional._im2col import ConvGeometry, full_out_size

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d"]


def _bias_view(b, nd: int):
    return b.reshape((-1,) + (1,) * nd)


def _bias_grad(g):
    return g.sum((0,) + tuple(range(2, g.dim())))


class Convolution(Function):
    """``y = conv(x, w) + b``; weight (out, in/groups, k...)."""

    _backward_name = "ConvolutionBackward0"

    def __init__(self, geom: ConvGeometry):
        self.geom = geom

    def forward(self, x, w, b=None):
        self.save_for_backward(x, w)
        y = _im2col.conv_forward(x, w, self.geom)
        if b is not None:
            y += _bias_view(b, self.geom.nd)
        return y

    def backward(self, g):
        x, w = self.saved_tensors
        ng = self.needs_input_grad
        gx = ConvolutionTranspose(self.geom)(g, w) if ng[0] else None
        gw = ConvolutionWeight(self.geom)(x, g) if ng[1] else None
        if len(ng) == 2:
            return gx, gw
        return gx, gw, (_bias_grad(g) if ng[2] else None)


class ConvolutionTranspose(Function):
    """``x = conv_transpose(y, w) + b``, the adjoint of ``Convolution`` with the same geometry;
    weight (in, out/groups, k...) as PyTorch's transposed layout."""

    _backward_name = "ConvolutionBackward0"

    def __init__(self, geom: ConvGeometry):
        self.geom = geom

    def forward(self, y, w, b=None):
        self.save_for_backward(y, w)
        x = _im2col.conv_adjoint(y, w, self.geom)
        if b is not None:
            x += _bias_view(b, self.geom.nd)
        return x

    def backward(self, g):
        y, w = self.saved_tensors
        ng = self.needs_input_grad
        gy = Convolution(self.geom)(g, w) if ng[0] else None
        gw = ConvolutionWeight(self.geom)(g, y) if ng[1] else None
        if len(ng) == 2:
            return gy, gw
        return gy, gw, (_bias_grad(g) if ng[2] else None)


class ConvolutionWeight(Function):
    """The weight gradient of ``Convolution`` as a function of (x, y): bilinear, so its own
    gradients are a transposed conv (for x) and a conv (for y) with the incoming weight."""

    _backward_name = "ConvolutionBackwardBackward0"

    def __init__(self, geom: ConvGeometry):
        self.geom = geom

    def forward(self, x, y):
        self.save_for_backward(x, y)
        c = x.shape[1] // self.geom.groups
        kshape = (y.shape[1], c) + self.geom.kernel[2 - self.geom.nd:]
        return _im2col.conv_weight(x, y, self.geom, kshape)

    def backward(self, gw):
        x, y = self.saved_tensors
        ng = self.needs_input_grad
        gx = ConvolutionTranspose(self.geom)(y, gw) if ng[0] else None
        gy = Convolution(self.geom)(x, gw) if ng[1] else None
        return gx, gy


# argument checks -----------------------------------------------------------------------------
def _tuple(name: str, value, nd: int, weight_nd: int) -> tuple:
    if not isinstance(value, (tuple, list)) and hasattr(value, "__index__"):
        return (int(value),) * nd
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value * nd
    if len(value) != nd:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of "
                           f"{weight_nd} values to match the convolution dimensions, but got "
                           f"{name}={list(value)}")
    return value


def _sizes(vals) -> str:
    return " x ".join(str(v) for v in vals)


def _prepare(fname: str, input, weight, bias, stride, dilation, groups, nd: int, transposed):
    """Common checks of PyTorch's convolution; returns (input4, unbatched, stride, dilation)."""
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                           f"{fname}, but got input of size: {list(input.shape)}")
    wd = weight.dim() - 2
    stride = _tuple("stride", stride, nd, wd)
    dilation = _tuple("dilation", dilation, nd, wd)
    if weight.dim() != nd + 2:
        raise RuntimeError(f"expected stride to be a single integer value or a list of {wd} "
                           f"values to match the convolution dimensions, but got "
                           f"stride={list(stride)}")
    unbatched = input.dim() == nd + 1
    if unbatched:
        input = input.unsqueeze(0)
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    kernel = tuple(weight.shape[2:])
    if any(k <= 0 for k in kernel):
        names = ("kernel_height", "kernel_width")[2 - nd:] if nd <= 2 else ()
        raise RuntimeError("kernel size should be greater than zero, but got " +
                           " ".join(f"{n}: {k}" for n, k in zip(names, kernel)))
    wshape = list(weight.shape)
    if weight.shape[0] < 1:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least 1 at dimension "
                           f"0, but got weight of size {wshape} instead")
    if weight.shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size [{wshape}] instead")
    want = weight.shape[0] if transposed else weight.shape[1] * groups
    if input.shape[1] != want:
        head = "transposed=1" if transposed else f"groups={groups}"
        raise RuntimeError(f"Given {head}, weight of size {wshape}, expected "
                           f"input{list(input.shape)} to have {want} channels, but got "
                           f"{input.shape[1]} channels instead")
    nout = weight.shape[1] * groups if transposed else weight.shape[0]
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != nout):
        head = "transposed=1, " if transposed else ""
        raise RuntimeError(f"Given {head}weight of size {wshape}, expected bias to be "
                           f"1-dimensional with {nout} elements, but got bias of size "
                           f"{list(bias.shape)} instead")
    if input.dtype != weight.dtype:
        if transposed:
            raise RuntimeError(f"expected scalar type {_scalar(weight)} but found "
                               f"{_scalar(input)}")
        raise RuntimeError(f"Input type ({input.type()}) and weight type ({weight.type()}) "
                           "should be the same or input should be a MKLDNN tensor and weight is "
                           "a dense tensor")
    if bias is not None and bias.dtype != input.dtype and not transposed:
        raise RuntimeError(f"Input type ({_ctype(input)}) and bias type ({_ctype(bias)}) should "
                           "be the same")
    return input, unbatched, stride, dilation


def _scalar(t) -> str:
    return t.type().split(".")[-1].replace("Tensor", "")


def _ctype(t) -> str:
    return str(t.dtype).split(".")[-1].replace("float32", "float").replace("float64", "double")


def _padding(padding, kernel, stride, dilation, nd: int, wd: int) -> tuple:
    """Padding as ((lo, hi), ...) per dim; 'same' pads the odd remainder on the right."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nd
        if padding != "same":
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        if any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        pads = []
        for k, d in zip(kernel, dilation):
            total = d * (k - 1)
            pads.append((total // 2, total - total // 2))
        return tuple(pads)
    pads = _tuple("padding", padding, nd, wd)
    if any(p < 0 for p in pads):
        raise RuntimeError("negative padding is not supported")
    return tuple((p, p) for p in pads)


def _geometry(kernel, stride, pads, dilation, groups, in_size, out_size, nd) -> ConvGeometry:
    pad2 = ((0, 0),) * (2 - nd) + tuple(pads)
    one = (1,) * (2 - nd)
    return ConvGeometry(one + tuple(kernel), one + tuple(stride), pad2, one + tuple(dilation),
                        groups, one + tuple(in_size), one + tuple(out_size), nd)


def _conv(fname, input, weight, bias, stride, padding, dilation, groups, nd):
    input, unbatched, stride, dilation = _prepare(fname, input, weight, bias, stride, dilation,
                                                  groups, nd, False)
    kernel = tuple(weight.shape[2:])
    pads = _padding(padding, kernel, stride, dilation, nd, weight.dim() - 2)
    size = tuple(input.shape[2:])
    padded = [n + lo + hi for n, (lo, hi) in zip(size, pads)]
    eff = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    if any(p < e for p, e in zip(padded, eff)):
        raise RuntimeError(f"Calculated padded input size per channel: ({_sizes(padded)}). "
                           f"Kernel size: ({_sizes(eff)}). Kernel size can't be greater than "
                           "actual input size")
    out = tuple(full_out_size(n, k, s, lo, hi, d)
                for n, k, s, (lo, hi), d in zip(size, kernel, stride, pads, dilation))
    fn = Convolution(_geometry(kernel, stride, pads, dilation, groups, size, out, nd))
    y = fn(input, weight) if bias is None else fn(input, weight, bias)
    return y.squeeze(0) if unbatched else y


def _conv_transpose(fname, input, weight, bias, stride, padding, output_padding, groups,
                    dilation, nd):
    if isinstance(padding, str):
        raise TypeError(f"{fname}(): argument 'padding' must be tuple of ints, not str")
    input, unbatched, stride, dilation = _prepare(fname, input, weight, bias, stride, dilation,
                                                  groups, nd, True)
    kernel = tuple(weight.shape[2:])
    wd = weight.dim() - 2
    pads = _tuple("padding", padding, nd, wd)
    if any(p < 0 for p in pads):
        raise RuntimeError("negative padding is not supported")
    opad = _tuple("output_padding", output_padding, nd, wd)
    if any(p < 0 for p in opad):
        raise RuntimeError("negative output_padding is not supported")
    # PyTorch reports transposed 1-d convolutions as 2-d ones of height 1
    two = (lambda t: (1,) * (2 - nd) + tuple(t)) if nd < 2 else tuple
    if any(p >= s and p >= d for p, s, d in zip(opad, stride, dilation)):
        o, s, d = two(opad) if nd == 2 else (0,) + opad, two(stride), two(dilation)
        raise RuntimeError(
            "output padding must be smaller than either stride or dilation, but got "
            f"output_padding_height: {o[0]} output_padding_width: {o[1]} stride_height: {s[0]} "
            f"stride_width: {s[1]} dilation_height: {d[0]} dilation_width: {d[1]}")
    size = tuple(input.shape[2:])
    out = tuple((n - 1) * s - 2 * p + d * (k - 1) + op + 1
                for n, s, p, d, k, op in zip(size, stride, pads, dilation, kernel, opad))
    if any(o < 0 for o in out):  # PyTorch returns an empty result for a size of 0
        raise RuntimeError(f"Given input size per channel: ({_sizes(two(size))}). Calculated "
                           f"output size per channel: ({_sizes(two(out))}). Output size is too "
                           "small")
    # the adjoint of a conv from x (the output here, padded by p on both sides) to y (the input)
    geom = _geometry(kernel, stride, tuple((p, p) for p in pads), dilation, groups, out, size, nd)
    fn = ConvolutionTranspose(geom)
    x = fn(input, weight) if bias is None else fn(input, weight, bias)
    return x.squeeze(0) if unbatched else x


# public functions ----------------------------------------------------------------------------
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-d convolution (cross-correlation) over (N, C_in, L) or unbatched (C_in, L) input.

    ``weight`` is (C_out, C_in/groups, k); ``padding`` is an int, a 1-tuple, 'valid' or 'same'.

    Examples
    --------
    >>> import netlab
    >>> conv1d(netlab.ones(2, 3, 8), netlab.ones(4, 3, 3), padding=1).shape
    netlab.Size([2, 4, 8])
    """
    return _conv("conv1d", input, weight, bias, stride, padding, dilation, groups, 1)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-d convolution (cross-correlation) over (N, C_in, H, W) or unbatched (C_in, H, W).

    ``weight`` is (C_out, C_in/groups, kH, kW); ``padding`` is an int, a pair, 'valid' or
    'same' (which pads the odd remainder of an even kernel on the bottom/right).

    Examples
    --------
    >>> import netlab
    >>> conv2d(netlab.ones(1, 3, 32, 32), netlab.ones(6, 3, 5, 5)).shape
    netlab.Size([1, 6, 28, 28])
    """
    return _conv("conv2d", input, weight, bias, stride, padding, dilation, groups, 2)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """1-d transposed convolution; ``weight`` is (C_in, C_out/groups, k).

    Examples
    --------
    >>> import netlab
    >>> conv_transpose1d(netlab.ones(1, 4, 5), netlab.ones(4, 2, 3), stride=2).shape
    netlab.Size([1, 2, 11])
    """
    return _conv_transpose("conv_transpose1d", input, weight, bias, stride, padding,
                           output_padding, groups, dilation, 1)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """2-d transposed convolution (the input gradient of conv2d); ``weight`` is
    (C_in, C_out/groups, kH, kW) and ``H_out = (H-1)s - 2p + d(k-1) + output_padding + 1``.

    Examples
    --------
    >>> import netlab
    >>> conv_transpose2d(netlab.ones(1, 4, 5, 5), netlab.ones(4, 2, 3, 3), stride=2).shape
    netlab.Size([1, 2, 11, 11])
    """
    return _conv_transpose("conv_transpose2d", input, weight, bias, stride, padding,
                           output_padding, groups, dilation, 2)
