"""``netlab.linalg``: the ``torch.linalg`` namespace (what netlab implements of it).

Examples
--------
>>> import netlab
>>> netlab.linalg.det(netlab.eye(3) * 2)
tensor(8.)
"""
# ruff: noqa: A002 - PyTorch's parameter name (input)

from __future__ import annotations

from netlab.ops._util import write_out
from netlab.ops.decomp import LinAlgError, linalg_svd, slogdet, svdvals
from netlab.ops.decomp import det as _det
from netlab.ops.decomp import inverse as _inverse
from netlab.ops.linalg import matmul as _matmul
from netlab.ops.matrix import _linalg_cross
from netlab.ops.matrix import diagonal as _diagonal
from netlab.tensor import Tensor

__all__ = ["LinAlgError", "inv", "det", "slogdet", "svd", "svdvals", "matmul", "cross",
           "diagonal"]


def inv(A: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The inverse of a square matrix, or of each one in a batch.

    Examples
    --------
    >>> import netlab
    >>> netlab.linalg.inv(netlab.eye(2) * 2)
    tensor([[0.5000, 0.0000],
            [0.0000, 0.5000]])
    """
    return _inverse(A, out=out)


def det(A: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The determinant of a square matrix, or of each one in a batch.

    Examples
    --------
    >>> import netlab
    >>> netlab.linalg.det(netlab.eye(2) * 2)
    tensor(4.)
    """
    res = _det(A)
    return res if out is None else write_out(out, res)


def svd(A: Tensor, full_matrices: bool = True, *, driver=None) -> tuple:
    """``(U, S, Vh)`` with ``A = U @ diag(S) @ Vh``; ``driver`` is accepted and ignored.

    Examples
    --------
    >>> import netlab
    >>> netlab.linalg.svd(netlab.ones(3, 2), full_matrices=False).U.shape
    netlab.Size([3, 2])
    """
    return linalg_svd(A, full_matrices)


def matmul(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Alias of :func:`netlab.matmul`.

    Examples
    --------
    >>> import netlab
    >>> netlab.linalg.matmul(netlab.ones(2, 3), netlab.ones(3)).shape
    netlab.Size([2])
    """
    return _matmul(input, other, out=out)


def cross(input: Tensor, other: Tensor, *, dim: int = -1, out: Tensor | None = None) -> Tensor:
    """Cross product of 3-vectors along ``dim`` (the last by default); inputs broadcast.

    Examples
    --------
    >>> import netlab
    >>> netlab.linalg.cross(netlab.tensor([1., 0., 0.]), netlab.tensor([0., 1., 0.]))
    tensor([0., 0., 1.])
    """
    res = _linalg_cross(input, other, dim)
    return res if out is None else write_out(out, res)


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """The diagonals of a batch of matrices (a view), over the last two dims by default.

    Examples
    --------
    >>> import netlab
    >>> netlab.linalg.diagonal(netlab.eye(2).expand(3, 2, 2)).shape
    netlab.Size([3, 2])
    """
    return _diagonal(A, offset, dim1, dim2)
