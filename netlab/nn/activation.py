"""Activation layers (the functional forms live in netlab.nn.functional)."""

from __future__ import annotations

import warnings

from netlab.creation import empty
from netlab.nn import functional as F
from netlab.nn import init
from netlab.nn.module import Module
from netlab.nn.parameter import Parameter

__all__ = ["Threshold", "ReLU", "RReLU", "Hardtanh", "ReLU6", "Sigmoid", "Hardsigmoid", "Tanh",
           "SiLU", "Mish", "Hardswish", "ELU", "CELU", "SELU", "GELU", "Hardshrink", "LeakyReLU",
           "LogSigmoid", "Softplus", "Softshrink", "PReLU", "Softsign", "Tanhshrink", "Softmin",
           "Softmax", "LogSoftmax"]


def _inplace_str(inplace: bool, lead: str = ", ") -> str:
    return f"{lead}inplace=True" if inplace else ""


class _Inplace(Module):
    """An elementwise activation whose only option is ``inplace``."""

    _fn = None

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return type(self)._fn(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return _inplace_str(self.inplace, "")


class Threshold(Module):
    """``x`` where ``x > threshold``, else ``value``.

    Examples
    --------
    >>> import netlab
    >>> Threshold(0.1, 20.0)(netlab.tensor([0.0, 1.0]))
    tensor([20.,  1.])
    """

    def __init__(self, threshold: float, value: float, inplace: bool = False):
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input):
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}{_inplace_str(self.inplace)}"


class ReLU(_Inplace):
    """``max(0, x)`` elementwise; ``inplace=True`` writes into the input.

    Examples
    --------
    >>> import netlab
    >>> ReLU()(netlab.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """

    _fn = staticmethod(F.relu)


class RReLU(Module):
    """Randomized leaky ReLU: slopes drawn from U(lower, upper) in training, their mean in eval.

    Examples
    --------
    >>> import netlab
    >>> RReLU(0.1, 0.3).eval()(netlab.tensor([-1.0, 2.0]))
    tensor([-0.2000,  2.0000])
    """

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False):
        super().__init__()
        self.lower = lower
        self.upper = upper
        self.inplace = inplace

    def forward(self, input):
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}{_inplace_str(self.inplace)}"


class Hardtanh(Module):
    """``clamp(x, min_val, max_val)``.

    Examples
    --------
    >>> import netlab
    >>> Hardtanh()(netlab.tensor([-2.0, 2.0]))
    tensor([-1.,  1.])
    """

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False,
                 min_value: float | None = None, max_value: float | None = None):
        super().__init__()
        if min_value is not None:
            warnings.warn("keyword argument `min_value` is deprecated and renamed to `min_val`",
                          FutureWarning, stacklevel=2)
            min_val = min_value
        if max_value is not None:
            warnings.warn("keyword argument `max_value` is deprecated and renamed to `max_val`",
                          FutureWarning, stacklevel=2)
            max_val = max_value
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace
        if self.max_val <= self.min_val:
            raise AssertionError(f"max_val ({self.max_val}) must be greater than min_val "
                                 f"({self.min_val})")

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace_str(self.inplace)}"


class ReLU6(Hardtanh):
    """``min(max(0, x), 6)``.

    Examples
    --------
    >>> import netlab
    >>> ReLU6()(netlab.tensor([-1.0, 7.0]))
    tensor([0., 6.])
    """

    def __init__(self, inplace: bool = False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return _inplace_str(self.inplace, "")


class Sigmoid(Module):
    """``1 / (1 + exp(-x))``."""

    def forward(self, input):
        return input.sigmoid()


class Tanh(Module):
    """Hyperbolic tangent."""

    def forward(self, input):
        return input.tanh()


class Hardsigmoid(_Inplace):
    """``relu6(x + 3) / 6`` (no extra_repr, as PyTorch).

    Examples
    --------
    >>> import netlab
    >>> Hardsigmoid()(netlab.tensor([0.0]))
    tensor([0.5000])
    """

    _fn = staticmethod(F.hardsigmoid)

    def extra_repr(self) -> str:
        return ""


class Hardswish(_Inplace):
    """``x * relu6(x + 3) / 6`` (no extra_repr, as PyTorch).

    Examples
    --------
    >>> import netlab
    >>> Hardswish()(netlab.tensor([4.0]))
    tensor([4.])
    """

    _fn = staticmethod(F.hardswish)

    def extra_repr(self) -> str:
        return ""


class SiLU(_Inplace):
    """``x * sigmoid(x)``.

    Examples
    --------
    >>> import netlab
    >>> SiLU()(netlab.tensor([0.0]))
    tensor([0.])
    """

    _fn = staticmethod(F.silu)


class Mish(_Inplace):
    """``x * tanh(softplus(x))``.

    Examples
    --------
    >>> import netlab
    >>> Mish()(netlab.tensor([0.0]))
    tensor([0.])
    """

    _fn = staticmethod(F.mish)


class SELU(_Inplace):
    """Scaled ELU with the self-normalising constants.

    Examples
    --------
    >>> import netlab
    >>> SELU()(netlab.tensor([0.0]))
    tensor([0.])
    """

    _fn = staticmethod(F.selu)


class ELU(Module):
    """``x`` for ``x > 0``, else ``alpha * (exp(x) - 1)``.

    Examples
    --------
    >>> import netlab
    >>> ELU()(netlab.tensor([1.0]))
    tensor([1.])
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input):
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}{_inplace_str(self.inplace)}"


class CELU(ELU):
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``.

    Examples
    --------
    >>> import netlab
    >>> CELU()(netlab.tensor([1.0]))
    tensor([1.])
    """

    def forward(self, input):
        return F.celu(input, self.alpha, self.inplace)


class GELU(Module):
    """``x * Phi(x)``; ``approximate='tanh'`` uses the tanh approximation.

    Examples
    --------
    >>> import netlab
    >>> GELU()(netlab.tensor([0.0]))
    tensor([0.])
    """

    def __init__(self, approximate: str = "none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Hardshrink(Module):
    """``x`` where ``|x| > lambd``, else 0.

    Examples
    --------
    >>> import netlab
    >>> Hardshrink()(netlab.tensor([0.2, 1.0]))
    tensor([0., 1.])
    """

    def __init__(self, lambd: float = 0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        return F.hardshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Softshrink(Hardshrink):
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0.

    Examples
    --------
    >>> import netlab
    >>> Softshrink()(netlab.tensor([1.0]))
    tensor([0.5000])
    """

    def forward(self, input):
        return F.softshrink(input, self.lambd)


class LeakyReLU(Module):
    """``x`` for ``x > 0``, else ``negative_slope * x``.

    Examples
    --------
    >>> import netlab
    >>> LeakyReLU(0.1)(netlab.tensor([-1.0]))
    tensor([-0.1000])
    """

    def __init__(self, negative_slope: float = 1e-2, inplace: bool = False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}{_inplace_str(self.inplace)}"


class LogSigmoid(Module):
    """``log(sigmoid(x))``, stable for large ``|x|``.

    Examples
    --------
    >>> import netlab
    >>> LogSigmoid()(netlab.tensor([-100.0]))
    tensor([-100.])
    """

    def forward(self, input):
        return F.logsigmoid(input)


class Softplus(Module):
    """``log(1 + exp(beta * x)) / beta``, linear where ``beta * x > threshold``.

    Examples
    --------
    >>> import netlab
    >>> Softplus()(netlab.tensor([0.0]))
    tensor([0.6931])
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class PReLU(Module):
    """Leaky ReLU with a learnable slope ``weight`` (one shared, or one per channel on dim 1),
    initialised to ``init``.

    Examples
    --------
    >>> import netlab
    >>> PReLU()(netlab.tensor([-1.0, 2.0]))
    tensor([-0.2500,  2.0000], grad_fn=<PreluBackward0>)
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None):
        self.num_parameters = num_parameters
        super().__init__()
        self.init = init
        self.weight = Parameter(empty(num_parameters, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.constant_(self.weight, self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class Softsign(Module):
    """``x / (1 + |x|)``.

    Examples
    --------
    >>> import netlab
    >>> Softsign()(netlab.tensor([1.0]))
    tensor([0.5000])
    """

    def forward(self, input):
        return F.softsign(input)


class Tanhshrink(Module):
    """``x - tanh(x)``.

    Examples
    --------
    >>> import netlab
    >>> Tanhshrink()(netlab.tensor([0.0]))
    tensor([0.])
    """

    def forward(self, input):
        return F.tanhshrink(input)


class _SoftmaxBase(Module):
    _fn = None

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return type(self)._fn(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax(_SoftmaxBase):
    """``exp(x) / sum(exp(x))`` along ``dim`` (``dim=None``: PyTorch's legacy choice, with
    its warning).

    Examples
    --------
    >>> import netlab
    >>> Softmax(dim=0)(netlab.tensor([0.0, 0.0]))
    tensor([0.5000, 0.5000])
    """

    _fn = staticmethod(F.softmax)


class LogSoftmax(_SoftmaxBase):
    """``log(softmax(x))`` along ``dim``, computed stably.

    Examples
    --------
    >>> import netlab
    >>> LogSoftmax(dim=0)(netlab.tensor([0.0, 0.0]))
    tensor([-0.6931, -0.6931])
    """

    _fn = staticmethod(F.log_softmax)


class Softmin(_SoftmaxBase):
    """``softmax(-x)`` along ``dim``.

    Examples
    --------
    >>> import netlab
    >>> Softmin(dim=0)(netlab.tensor([0.0, 0.0]))
    tensor([0.5000, 0.5000])
    """

    _fn = staticmethod(F.softmin)
