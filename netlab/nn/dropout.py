"""Dropout layers: Dropout, Dropout2d."""

from __future__ import annotations

from netlab.nn.functional.dropout import dropout, dropout2d
from netlab.nn.module import Module
from netlab.tensor import Tensor

__all__ = ["Dropout", "Dropout2d"]


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """During training, zero each element with probability ``p`` and scale the kept ones by
    ``1/(1-p)``; the identity in eval mode.

    Examples
    --------
    >>> import netlab
    >>> Dropout(0.5).eval()(netlab.ones(3)).tolist()
    [1.0, 1.0, 1.0]
    """

    def forward(self, input: Tensor) -> Tensor:
        return dropout(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """During training, zero whole channels of ``(N, C, H, W)`` input with probability ``p``
    and scale the kept ones by ``1/(1-p)``.

    Examples
    --------
    >>> import netlab
    >>> Dropout2d(0.5)(netlab.ones(2, 3, 4, 4)).shape
    netlab.Size([2, 3, 4, 4])
    """

    def forward(self, input: Tensor) -> Tensor:
        return dropout2d(input, self.p, self.training, self.inplace)
