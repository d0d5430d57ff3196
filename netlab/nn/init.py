"""Parameter initialisation, with PyTorch's names, defaults and distributions."""

from __future__ import annotations

import math
import statistics
import warnings

import numpy as np

from netlab.autograd.grad_mode import no_grad
from netlab.tensor import Tensor


def calculate_gain(nonlinearity: str, param=None) -> float:
    """The recommended gain for a nonlinearity (``relu`` -> sqrt(2), ``tanh`` -> 5/3, ...)."""
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d")
    if nonlinearity in linear or nonlinearity == "sigmoid":
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor):
    if tensor.dim() < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 "
                         "dimensions")
    receptive = 1
    for s in tensor.shape[2:]:
        receptive *= s
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """Fill with U(a, b) in place."""
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """Fill with N(mean, std^2) in place."""
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def constant_(tensor: Tensor, val: float) -> Tensor:
    with no_grad():
        return tensor.fill_(val)


def zeros_(tensor: Tensor) -> Tensor:
    with no_grad():
        return tensor.zero_()


def ones_(tensor: Tensor) -> Tensor:
    with no_grad():
        return tensor.fill_(1.0)


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator=None) -> Tensor:
    """He-uniform: U(-b, b) with b = gain * sqrt(3 / fan). Linear and Conv layers use a=sqrt(5),
    which makes b = 1/sqrt(fan_in).
    """
    if 0 in tensor.shape:
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    bound = math.sqrt(3.0) * calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator=None) -> Tensor:
    if 0 in tensor.shape:
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(fan), generator)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    a = gain * math.sqrt(6.0 / float(fan_in + fan_out))
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), generator)


def _write(tensor: Tensor, array) -> Tensor:
    """Copy a host array into ``tensor`` in place (device and dtype follow ``tensor``)."""
    with no_grad():
        return tensor.copy_(Tensor._make(np.ascontiguousarray(array)).reshape(tensor.shape))


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity matrix (ones on the main diagonal).

    Examples
    --------
    >>> import netlab
    >>> eye_(netlab.empty(2, 3)).tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    """
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _write(tensor, np.eye(*tensor.shape))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a 3-, 4- or 5-D conv weight with the Dirac delta (an identity convolution per
    group).

    Examples
    --------
    >>> import netlab
    >>> dirac_(netlab.empty(2, 2, 3)).sum().item()
    2.0
    """
    dims = tensor.dim()
    if dims not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = tuple(tensor.shape)
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    per_group = sizes[0] // groups
    arr = np.zeros(sizes)
    centre = tuple(s // 2 for s in sizes[2:])
    for g in range(groups):
        for d in range(min(per_group, sizes[1])):
            arr[(g * per_group + d, d) + centre] = 1
    return _write(tensor, arr)


def orthogonal_(tensor: Tensor, gain: float = 1, generator=None) -> Tensor:
    """Fill with a (semi-)orthogonal matrix (dims after the first are flattened): the Q of the
    QR decomposition of a standard normal matrix, sign-corrected so it is uniformly
    distributed, times ``gain``.

    Examples
    --------
    >>> import netlab
    >>> w = orthogonal_(netlab.empty(3, 3))
    >>> bool((w @ w.t() - netlab.eye(3)).abs().max() < 1e-5)
    True
    """
    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    from netlab.random import default_generator

    rng = (default_generator if generator is None else generator)._np
    flat = rng.standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _write(tensor, q * gain)


def _phi(x: float) -> float:
    """The standard normal CDF, accurate in the lower tail."""
    return 0.5 * math.erfc(-x / math.sqrt(2))


def _tail_sample(rng, lo: float, hi: float, n: int):
    """Standard normal draws truncated to ``[lo, hi]`` by inverting the CDF (host floats)."""
    flip = lo > 0  # work in the lower tail, where the CDF keeps its precision
    if flip:
        lo, hi = -hi, -lo
    pl, ph = _phi(lo), _phi(hi)
    if not ph > pl:  # no mass a float can represent: the nearest end of the interval
        z = np.full(n, hi if hi <= 0 else lo)
    else:
        inv = np.vectorize(statistics.NormalDist().inv_cdf, otypes=[np.float64])
        u = rng.uniform(pl, ph, n)
        z = np.clip(inv(np.clip(u, np.nextafter(0, 1), None)), lo, hi)
    return -z if flip else z


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator=None) -> Tensor:
    """Fill with N(mean, std^2) truncated to ``[a, b]`` (out-of-range draws are redrawn, so
    the values follow the truncated distribution exactly).

    Examples
    --------
    >>> import netlab
    >>> w = trunc_normal_(netlab.empty(1000), std=1.0, a=-0.5, b=0.5)
    >>> bool((w.abs() <= 0.5).all())
    True
    """
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The "
                      "distribution of values may be incorrect.", stacklevel=2)
    from netlab.random import default_generator

    rng = (default_generator if generator is None else generator)._np
    n = tensor.numel()
    lo, hi = (a - mean) / std, (b - mean) / std
    accept = _phi(hi) - _phi(lo)
    if accept < 1e-3:  # a thin interval or one far in a tail: invert the CDF instead
        return _write(tensor, np.clip(mean + std * _tail_sample(rng, lo, hi, n), a, b))
    out = np.empty(n)
    filled = 0
    while filled < n:
        want = n - filled
        draw = mean + std * rng.standard_normal(int(want / accept * 1.1) + 16)
        good = draw[(draw >= a) & (draw <= b)][:want]
        out[filled:filled + good.size] = good
        filled += good.size
    return _write(tensor, out)
