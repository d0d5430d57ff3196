"""Linear layers: Identity, Linear and Bilinear."""

from __future__ import annotations

import math

from netlab.creation import empty
from netlab.nn import init
from netlab.nn.functional.linear import bilinear, linear
from netlab.nn.module import Module
from netlab.nn.parameter import Parameter

__all__ = ["Identity", "Linear", "Bilinear"]


class Identity(Module):
    """Returns its input; any constructor arguments are ignored."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """Applies ``y = x A^T + b``; weight (out_features, in_features), U(-k, k) init with
    k = 1/sqrt(in_features).

    Examples
    --------
    >>> import netlab
    >>> Linear(3, 2)(netlab.ones(4, 3)).shape
    netlab.Size([4, 2])
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None,
                 dtype=None):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(empty((out_features, in_features), device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.in_features
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return linear(input, self.weight, self.bias)

    def output_shape(self, input_shape: tuple) -> tuple:
        """``(*, out_features)`` for an input ``(*, in_features)``."""
        if not input_shape:
            raise ValueError("Linear needs an input with at least one dimension")
        got = input_shape[-1]
        if got != self.in_features:
            if len(input_shape) > 2:  # e.g. a conv output: the per-sample feature count
                per_sample = 1
                for d in input_shape[1:]:
                    per_sample *= d
                if per_sample == self.in_features:
                    raise ValueError(f"Linear(in_features={self.in_features}) receives a "
                                     f"{len(input_shape)}-d input of {per_sample} features per "
                                     "sample: insert Flatten before it")
                raise ValueError(f"Linear(in_features={self.in_features}) receives {per_sample} "
                                 f"features: set in_features={per_sample} or insert Flatten")
            raise ValueError(f"Linear(in_features={self.in_features}) receives {got} features: "
                             f"set in_features={got}")
        return tuple(input_shape[:-1]) + (self.out_features,)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Bilinear(Module):
    """Applies ``y = x1^T A x2 + b``; weight (out_features, in1_features, in2_features), U(-k, k)
    init of weight and bias with k = 1/sqrt(in1_features).

    Examples
    --------
    >>> import netlab
    >>> Bilinear(2, 3, 4)(netlab.ones(5, 2), netlab.ones(5, 3)).shape
    netlab.Size([5, 4])
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True, device=None, dtype=None):
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = Parameter(empty((out_features, in1_features, in2_features), device=device,
                                      dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return bilinear(input1, input2, self.weight, self.bias)

    def output_shape(self, input_shape: tuple, input2_shape: tuple | None = None) -> tuple:
        """``input_shape[:-1] + (out_features,)``; checks both inputs' feature sizes and
        (when ``input2_shape`` is given) that their batch dimensions agree.
        """
        s1 = tuple(int(s) for s in input_shape)
        if not s1 or s1[-1] != self.in1_features:
            raise ValueError(f"input1 must end with in1_features={self.in1_features}, got "
                             f"shape {s1}")
        if input2_shape is not None:
            s2 = tuple(int(s) for s in input2_shape)
            if not s2 or s2[-1] != self.in2_features:
                raise ValueError(f"input2 must end with in2_features={self.in2_features}, got "
                                 f"shape {s2}")
            if s1[:-1] != s2[:-1]:
                raise ValueError(f"input batch dimensions do not match: {s1[:-1]} and "
                                 f"{s2[:-1]}")
        return s1[:-1] + (self.out_features,)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
