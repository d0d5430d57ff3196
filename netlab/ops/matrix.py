"""Matrix structure: trace, diag, diagonal, diag_embed, triu, tril (+ in place) and cross."""
# ruff: noqa: A002 - PyTorch's parameter name (input)

from __future__ import annotations

import warnings

from netlab.autograd.node import Function
from netlab.backend import get_array_module
from netlab.ops._util import apply_inplace, broadcast_shapes, sum_to, wrap_dim, write_out
from netlab.ops.linalg import _check_device, _type_name
from netlab.tensor import Tensor

__all__ = ["trace", "diag", "diagonal", "diag_embed", "triu", "tril", "cross"]


class Trace(Function):
    def forward(self, a):
        self.shape = a.shape
        xp = get_array_module(a)
        return xp.asarray(xp.trace(a, dtype="int64" if a.dtype.kind in "iu" else None))

    def backward(self, g):
        xp = get_array_module(g._array)
        return g * Tensor._make(xp.eye(*self.shape, dtype=g._array.dtype))


def trace(input: Tensor) -> Tensor:
    """Sum of the main diagonal of a 2-D tensor (integers sum as int64).

    Examples
    --------
    >>> import netlab
    >>> netlab.trace(netlab.eye(3))
    tensor(3.)
    """
    if input._array.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim "
                           f"{input._array.ndim}")
    if input._array.dtype.kind == "b":
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    return Trace()(input)


def _diag_view(a, offset: int, d1: int, d2: int):
    """The (writable) strided view of the ``offset`` diagonal over dims ``d1``, ``d2``,
    moved to the last dim, as ``torch.diagonal``."""
    xp = get_array_module(a)
    n1, n2 = a.shape[d1], a.shape[d2]
    if offset >= 0:
        length = max(0, min(n1, n2 - offset))
        start = (0, offset)
    else:
        length = max(0, min(n1 + offset, n2))
        start = (-offset, 0)
    index = [slice(None)] * a.ndim
    if length:
        index[d1], index[d2] = slice(start[0], None), slice(start[1], None)
    base = a[tuple(index)]
    keep = [i for i in range(a.ndim) if i not in (d1, d2)]
    shape = tuple(a.shape[i] for i in keep) + (length,)
    strides = tuple(a.strides[i] for i in keep) + (a.strides[d1] + a.strides[d2],)
    return xp.lib.stride_tricks.as_strided(base, shape, strides)


def _diag_dims(ndim: int, dim1: int, dim2: int):
    d1, d2 = wrap_dim(dim1, ndim), wrap_dim(dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return d1, d2


class Diagonal(Function):
    """The diagonal as a view (DiagonalBackward0); the copying variant backs ``diag``."""

    is_view = True

    def __init__(self, offset, d1, d2):
        self.offset, self.d1, self.d2 = offset, d1, d2

    def forward(self, a):
        self.shape = a.shape
        return _diag_view(a, self.offset, self.d1, self.d2)

    def backward(self, g):
        return DiagScatter(self.shape, self.offset, self.d1, self.d2)(g)


class DiagonalCopy(Diagonal):
    is_view = False
    _backward_name = "DiagonalBackward0_copy"

    def forward(self, a):
        return super().forward(a).copy()


class DiagScatter(Function):
    """A zero tensor of ``shape`` with ``input`` written on a diagonal (diag_embed)."""

    _backward_name = "DiagEmbedBackward0"

    def __init__(self, shape, offset, d1, d2):
        self.shape, self.offset, self.d1, self.d2 = shape, offset, d1, d2

    def forward(self, a):
        out = get_array_module(a).zeros(self.shape, dtype=a.dtype)
        _diag_view(out, self.offset, self.d1, self.d2)[...] = a
        return out

    def backward(self, g):
        return DiagonalCopy(self.offset, self.d1, self.d2)(g)


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A view of the diagonal over ``dim1`` and ``dim2``, appended as the last dim.

    Examples
    --------
    >>> import netlab
    >>> netlab.diagonal(netlab.eye(3) * 2)
    tensor([2., 2., 2.])
    """
    d1, d2 = _diag_dims(input._array.ndim, dim1, dim2)
    return Diagonal(offset, d1, d2)(input)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Tensors whose diagonals (over ``dim1``, ``dim2``) are the last dim of ``input``.

    Examples
    --------
    >>> import netlab
    >>> netlab.diag_embed(netlab.ones(2, 3)).shape
    netlab.Size([2, 3, 3])
    """
    shape = input._array.shape
    ndim = len(shape) + 1
    d1, d2 = _diag_dims(ndim, dim1, dim2)  # a 0-d input fails here, as in PyTorch
    n = shape[-1] + abs(offset)
    batch = iter(shape[:-1])
    out = tuple(n if i in (d1, d2) else next(batch) for i in range(ndim))
    return DiagScatter(out, offset, d1, d2)(input)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A 1-D tensor's square diagonal matrix, or a 2-D tensor's diagonal (a copy).

    Examples
    --------
    >>> import netlab
    >>> netlab.diag(netlab.tensor([1., 2.]))
    tensor([[1., 0.],
            [0., 2.]])
    """
    nd = input._array.ndim
    if nd == 1:
        n = input._array.shape[0] + abs(diagonal)
        return DiagScatter((n, n), diagonal, 0, 1)(input)
    if nd == 2:
        return DiagonalCopy(diagonal, 0, 1)(input)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {nd}D")


class Triu(Function):
    def __init__(self, k, lower=False):
        self.k, self.lower = k, lower
        self._backward_name = "TrilBackward0" if lower else "TriuBackward0"

    def forward(self, a):
        xp = get_array_module(a)
        return xp.tril(a, self.k) if self.lower else xp.triu(a, self.k)

    def backward(self, g):
        return Triu(self.k, self.lower)(g)


def _tri(input, diagonal, lower):
    if input._array.ndim < 2:
        raise RuntimeError(f"{'tril' if lower else 'triu'}: input tensor must have at least 2 "
                           "dimensions")
    return Triu(diagonal, lower)(input)


def triu(input: Tensor, diagonal: int = 0, *, out: Tensor | None = None) -> Tensor:
    """The upper triangle of the last two dims (``diagonal`` > 0 moves it up), rest zero.

    Examples
    --------
    >>> import netlab
    >>> netlab.triu(netlab.ones(2, 2))
    tensor([[1., 1.],
            [0., 1.]])
    """
    res = _tri(input, diagonal, False)
    return res if out is None else write_out(out, res)


def tril(input: Tensor, diagonal: int = 0, *, out: Tensor | None = None) -> Tensor:
    """The lower triangle of the last two dims (``diagonal`` > 0 moves it up), rest zero.

    Examples
    --------
    >>> import netlab
    >>> netlab.tril(netlab.ones(2, 2))
    tensor([[1., 0.],
            [1., 1.]])
    """
    res = _tri(input, diagonal, True)
    return res if out is None else write_out(out, res)


def _triu_(self, diagonal=0):
    return apply_inplace(self, lambda t: _tri(t, diagonal, False))


def _tril_(self, diagonal=0):
    return apply_inplace(self, lambda t: _tri(t, diagonal, True))


class Cross(Function):
    _backward_name = "LinalgCrossBackward0"

    def __init__(self, dim):
        self.dim = dim

    def forward(self, a, b):
        ng = self.needs_input_grad
        if ng:
            self.sa, self.sb = a.shape, b.shape
            self.save_for_backward(a if ng[1] else None, b if ng[0] else None)
        return get_array_module(a).cross(a, b, axis=self.dim)

    def backward(self, g):
        a, b = self.saved_tensors
        ng = self.needs_input_grad
        # g . (a x b) = a . (b x g) = b . (g x a)
        ga = sum_to(Cross(self.dim)(b, g), self.sa) if ng[0] else None
        gb = sum_to(Cross(self.dim)(g, a), self.sb) if ng[1] else None
        return ga, gb


def cross(input: Tensor, other: Tensor, dim: int | None = None, *,
          out: Tensor | None = None) -> Tensor:
    """Cross product of 3-vectors along ``dim`` (inputs broadcast, dtypes must match).

    ``dim=None`` picks the first dim of size 3 and warns, as ``torch.cross`` does;
    ``netlab.linalg.cross`` defaults to the last dim.

    Examples
    --------
    >>> import netlab
    >>> netlab.cross(netlab.tensor([1., 0., 0.]), netlab.tensor([0., 1., 0.]), dim=0)
    tensor([0., 0., 1.])
    """
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease "
                      "either pass the dim explicitly or simply use torch.linalg.cross.\nThe "
                      "default value of dim will change to agree with that of linalg.cross in a "
                      "future release.", UserWarning, stacklevel=2)
        shape = broadcast_shapes(input._array.shape, other._array.shape)
        dim = next((i for i, s in enumerate(shape) if s == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    res = _linalg_cross(input, other, dim)
    return res if out is None else write_out(out, res)


def _linalg_cross(input, other, dim=-1):
    a, b = input._array, other._array
    if a.ndim != b.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    d = wrap_dim(dim, a.ndim)
    if a.shape[d] != 3 or b.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{a.shape[d]} and {b.shape[d]}")
    broadcast_shapes(a.shape, b.shape)
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {_type_name(a)} but found {_type_name(b)}")
    if type(a) is not type(b):
        _check_device(input, other)
    return Cross(d)(input, other)


def _cross_method(self, other, dim=None):
    return cross(self, other, dim)


Tensor.trace, Tensor.diag, Tensor.diagonal, Tensor.diag_embed = trace, diag, diagonal, diag_embed
Tensor.triu, Tensor.tril, Tensor.triu_, Tensor.tril_ = triu, tril, _triu_, _tril_
Tensor.cross = _cross_method
