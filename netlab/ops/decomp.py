"""Matrix functions built on LAPACK (through ``xp.linalg``): inverse, det, slogdet, svd.

All work on batches of matrices (the last two dims). Gradients follow PyTorch's formulas and are
written with differentiable ops (double backward works for inverse, det and slogdet at
invertible matrices, and for svd where singular values are distinct). One deliberate difference:
at an exactly singular matrix the gradient of ``det`` is the true cofactor matrix, where
PyTorch 2.13 returns zeros (pytorch/pytorch#104675).
"""
# ruff: noqa: A002 - PyTorch's parameter name (input)

from __future__ import annotations

from collections import namedtuple

import numpy as np

from netlab.autograd.grad_mode import is_grad_enabled
from netlab.autograd.node import Function
from netlab.backend import get_array_module
from netlab.ops.linalg import Matmul, _type_name
from netlab.ops.matrix import diag_embed
from netlab.tensor import Tensor

__all__ = ["inverse", "det", "logdet", "slogdet", "svd"]


class LinAlgError(RuntimeError):
    """Raised when a matrix function is undefined for its input (e.g. a singular matrix)."""


slogdet_result = namedtuple("slogdet", ["sign", "logabsdet"])
svd_result = namedtuple("svd", ["U", "S", "V"])
linalg_svd_result = namedtuple("linalg_svd", ["U", "S", "Vh"])


def _check_square(input, fn: str) -> None:
    a = input._array
    if a.ndim < 2:
        raise RuntimeError(f"{fn}: The input tensor A must have at least 2 dimensions.")
    _check_float(a, fn)
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{fn}: A must be batches of square matrices, but they are "
                           f"{a.shape[-2]} by {a.shape[-1]} matrices")


def _check_float(a, fn: str) -> None:
    if a.dtype.kind != "f":
        raise RuntimeError(f"{fn}: Expected a floating point or complex tensor as input. Got "
                           f"{_type_name(a)}")
    if a.dtype == np.float16:
        raise RuntimeError(f"{fn}: Low precision dtypes not supported. Got Half")


def _first_zero_pivot(m) -> int:
    """1-based index of the first zero pivot of an LU factorisation with partial pivoting,
    as LAPACK's getrf reports it (0 when there is none)."""
    a = np.array(m, dtype=np.float64)
    n = a.shape[0]
    for j in range(n):
        p = j + int(np.argmax(np.abs(a[j:, j])))
        if a[p, j] == 0:
            return j + 1
        a[[j, p]] = a[[p, j]]
        a[j + 1:, j] /= a[j, j]
        a[j + 1:, j + 1:] -= np.outer(a[j + 1:, j], a[j, j + 1:])
    return 0


def _singular_error(a, fn: str):
    from netlab.backend import to_numpy

    host = to_numpy(a)
    flat = host.reshape(-1, *host.shape[-2:])
    where, pivot = 0, host.shape[-1]
    for b, m in enumerate(flat):
        z = _first_zero_pivot(m)
        if z:
            where, pivot = b, z
            break
    batch = f"(Batch element {where}): " if host.ndim > 2 else ""
    return LinAlgError(f"{fn}: {batch}The diagonal element {pivot} is zero, the inversion could "
                       "not be completed because the input matrix is singular.")


class LinalgInvEx(Function):
    def forward(self, a):
        xp = get_array_module(a)
        try:
            y = xp.linalg.inv(a)
        except np.linalg.LinAlgError:
            raise _singular_error(a, "linalg.inv") from None
        self.save_for_backward(y)
        return y

    def backward(self, g):
        (y,) = self.saved_tensors
        # d(A^-1) = -A^-1 dA A^-1, so dA = -A^-T g A^-T (the flags transpose without copies)
        return -Matmul(False, True, "BmmBackward0")(Matmul(True, False, "BmmBackward0")(y, g), y)


def inverse(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The inverse of a square matrix (or of each in a batch); raises ``LinAlgError`` when
    one is singular.

    Examples
    --------
    >>> import netlab
    >>> netlab.inverse(netlab.tensor([[2., 0.], [0., 4.]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]])
    """
    _check_square(input, "linalg.inv")
    res = LinalgInvEx()(input)
    if out is not None:
        from netlab.ops._util import write_out

        return write_out(out, res)
    return res


class Cofactor(Function):
    """The cofactor matrix ``det(A) A^-T`` through the SVD, valid for singular ``A`` too.

    Only used as the gradient of ``det`` at singular matrices, where ``det(A) A^-T`` is 0 * inf.
    Its own derivative is not implemented: it would go through the SVD's, which is undefined
    for the repeated zero singular values such matrices often have."""

    def forward(self, a):
        xp = get_array_module(a)
        u, s, vh = xp.linalg.svd(a)
        k = s.shape[-1]
        eye = xp.eye(k, dtype=bool)
        # prod_{j != i} s_j for every i, without dividing by a zero s_i
        others = xp.prod(xp.where(eye, 1, s[..., None, :]), axis=-1)
        sign = xp.linalg.det(u) * xp.linalg.det(vh)
        return (u * (sign[..., None, None] * others[..., None, :])) @ vh

    def backward(self, g):
        raise RuntimeError("netlab: double backward of det at a singular matrix is not "
                           "supported")


class LinalgDet(Function):
    def forward(self, a):
        xp = get_array_module(a)
        y = xp.asarray(xp.linalg.det(a))
        self.save_for_backward(a, y)
        return y

    def backward(self, g):
        a, y = self.saved_tensors
        xp = get_array_module(y._array)
        g = g.reshape(g.shape + (1, 1))
        if a._array.size and bool(xp.any(y._array == 0)):
            return g * Cofactor()(a)
        # d det(A) = det(A) tr(A^-1 dA): the cofactor matrix det(A) A^-T
        return (g * y.reshape(y.shape + (1, 1))) * inverse(a).mT


def det(input: Tensor) -> Tensor:
    """The determinant of a square matrix (or of each in a batch); 0 for singular ones.

    Examples
    --------
    >>> import netlab
    >>> netlab.det(netlab.tensor([[2., 1.], [1., 2.]]))
    tensor(3.)
    """
    _check_square(input, "linalg.det")
    return LinalgDet()(input)


class LinalgSlogdet(Function):
    def forward(self, a):
        xp = get_array_module(a)
        sign, logabs = xp.linalg.slogdet(a)
        self.save_for_backward(a)
        return xp.asarray(sign), xp.asarray(logabs)

    def backward(self, g_sign, g_logabs):
        (a,) = self.saved_tensors
        # d log|det A| = tr(A^-1 dA); the sign is piecewise constant
        return g_logabs.reshape(g_logabs.shape + (1, 1)) * inverse(a).mT


def slogdet(input: Tensor) -> tuple:
    """``(sign, logabsdet)`` of the determinant, stable where ``det`` over/underflows.

    Examples
    --------
    >>> import netlab
    >>> netlab.slogdet(netlab.tensor([[-2., 0.], [0., 3.]]))
    slogdet(sign=tensor(-1.), logabsdet=tensor(1.7918))
    """
    _check_square(input, "linalg.slogdet")
    return slogdet_result(*LinalgSlogdet()(input))


def logdet(input: Tensor) -> Tensor:
    """``log(det(input))``: nan for a negative determinant, -inf for a zero one.

    Examples
    --------
    >>> import netlab
    >>> netlab.logdet(netlab.tensor([[2., 0.], [0., 3.]]))
    tensor(1.7918)
    """
    _check_square(input, "logdet")
    sign, logabs = LinalgSlogdet()(input)
    # log(sign) is 0, nan or -inf: added as a constant, the gradient is slogdet's
    xp = get_array_module(sign._array)
    with np.errstate(all="ignore"):
        shift = xp.log(sign._array)
    return logabs + Tensor._make(shift)


class LinalgSvd(Function):
    def __init__(self, full_matrices: bool, compute_uv: bool = True):
        self.full_matrices, self.compute_uv = full_matrices, compute_uv

    def forward(self, a):
        xp = get_array_module(a)
        m, n = a.shape[-2:]
        if not self.compute_uv:  # only used when no gradient is needed (see svdvals)
            return xp.linalg.svd(a, compute_uv=False) if a.size else \
                xp.zeros(a.shape[:-2] + (min(m, n),), a.dtype)
        u, s, vh = self._factors(a, xp, self.full_matrices)
        self.save_for_backward(u, s, vh)
        return u, s, vh

    @staticmethod
    def _factors(a, xp, fm):
        if a.size:
            return xp.linalg.svd(a, full_matrices=fm)
        # LAPACK refuses empty matrices; PyTorch returns identities for the free factor
        m, n = a.shape[-2:]
        k, batch = min(m, n), a.shape[:-2]
        cu, rv = (m, n) if fm else (k, k)
        u = xp.broadcast_to(xp.eye(m, cu, dtype=a.dtype), batch + (m, cu)).copy()
        vh = xp.broadcast_to(xp.eye(rv, n, dtype=a.dtype), batch + (rv, n)).copy()
        return u, xp.zeros(batch + (k,), a.dtype), vh

    def backward(self, *grads):
        u, s, vh = self.saved_tensors
        gu, gs, gvh = grads
        # materialised zero gradients (an unused output) count as absent, as in PyTorch
        gu = None if _is_absent(gu) else gu
        gvh = None if _is_absent(gvh) else gvh
        gs = None if _is_absent(gs) else gs
        if self.full_matrices:
            # only the first k columns of U (rows of Vh) are determined by A
            k = s.shape[-1]
            u, vh = u.narrow(-1, 0, k), vh.narrow(-2, 0, k)
            gu = None if gu is None else gu.narrow(-1, 0, k)
            gvh = None if gvh is None else gvh.narrow(-2, 0, k)
        return _svd_backward(gu, gs, gvh, u, s, vh)


def _is_absent(g) -> bool:
    return not g._requires_grad and not bool(get_array_module(g._array).any(g._array))


def _svd_backward(gu, gs, gvh, u, s, vh):
    """PyTorch's real SVD gradient (A = U diag(S) Vh, reduced), with Tensor ops."""
    m, n = u.shape[-2], vh.shape[-1]
    if gu is None and gvh is None:
        if gs is None:
            return None
        return (u * gs.unsqueeze(-2)).matmul(vh)
    sr, sc = s.unsqueeze(-2), s.unsqueeze(-1)  # S as a row / a column
    s2 = s * s
    xp = get_array_module(s._array)
    eye = Tensor._make(xp.eye(s.shape[-1], dtype=s._array.dtype))
    # E_jk = s_k^2 - s_j^2 off the diagonal, 1 on it (where the skew terms below are 0)
    e = s2.unsqueeze(-2) - s2.unsqueeze(-1) + eye
    if gu is not None:
        uhgu = Matmul(True, False, "BmmBackward0")(u, gu)
        uhgu = uhgu - uhgu.mT
    if gvh is not None:
        vhgv = Matmul(False, True, "BmmBackward0")(vh, gvh)
        vhgv = vhgv - vhgv.mT
    if gu is not None and gvh is not None:
        ga = (uhgu * sr + sc * vhgv) / e
    elif gu is not None:
        ga = (uhgu / e) * sr
    else:
        ga = sc * (vhgv / e)
    if gs is not None:
        ga = ga + diag_embed(gs)
    if m > n and gu is not None:
        ga = u.matmul(ga)
        gusinv = gu / sr
        ga = ga + gusinv - u.matmul(Matmul(True, False, "BmmBackward0")(u, gusinv))
        return ga.matmul(vh)
    if m < n and gvh is not None:
        ga = ga.matmul(vh)
        gvsinv = gvh / sc
        ga = ga + gvsinv - Matmul(False, True, "BmmBackward0")(gvsinv, vh).matmul(vh)
        return u.matmul(ga)
    return u.matmul(ga).matmul(vh)


def linalg_svd(A: Tensor, full_matrices: bool = True) -> tuple:
    """``(U, S, Vh)`` with ``A = U @ diag(S) @ Vh`` (``netlab.linalg.svd``).

    Singular vectors are unique only up to sign (and rotation within repeated singular
    values); their gradients are well defined for gauge-invariant losses, as in PyTorch.

    Examples
    --------
    >>> import netlab
    >>> netlab.linalg.svd(netlab.eye(2) * 3).S
    tensor([3., 3.])
    """
    if A._array.ndim < 2:
        raise RuntimeError("linalg.svd: The input tensor A must have at least 2 dimensions.")
    _check_float(A._array, "linalg.svd")
    return linalg_svd_result(*LinalgSvd(full_matrices)(A))


def svdvals(A: Tensor) -> Tensor:
    """The singular values of ``A`` (descending), differentiable without U and V.

    Examples
    --------
    >>> import netlab
    >>> netlab.linalg.svdvals(netlab.eye(2) * 3)
    tensor([3., 3.])
    """
    if A._array.ndim < 2:
        raise RuntimeError("linalg.svd: The input tensor A must have at least 2 dimensions.")
    _check_float(A._array, "linalg.svd")
    if A._requires_grad and is_grad_enabled():
        # U and Vh are outputs of the same node, so the gradient u diag(gS) vh is itself
        # differentiable (double backward)
        return LinalgSvd(False)(A)[1]
    return LinalgSvd(False, compute_uv=False)(A)


def svd(input: Tensor, some: bool = True, compute_uv: bool = True) -> tuple:
    """``(U, S, V)`` with ``input = U @ diag(S) @ V.mT`` (the older ``torch.svd``).

    ``some=True`` gives the reduced factors. With ``compute_uv=False`` U and V are zeros.

    Examples
    --------
    >>> import netlab
    >>> netlab.svd(netlab.eye(2) * 3).S
    tensor([3., 3.])
    """
    if not compute_uv:
        s = svdvals(input)
        m, n = input._array.shape[-2:]
        batch = input._array.shape[:-2]
        xp = get_array_module(input._array)
        zu = xp.zeros(batch + ((m, m) if not some else (m, min(m, n))), input._array.dtype)
        zv = xp.zeros(batch + ((n, n) if not some else (n, min(m, n))), input._array.dtype)
        return svd_result(Tensor._make(zu), s, Tensor._make(zv))
    u, s, vh = linalg_svd(input, full_matrices=not some)
    return svd_result(u, s, vh.mT)


def _slogdet_method(self):
    return slogdet(self)


Tensor.inverse, Tensor.det, Tensor.logdet, Tensor.slogdet = inverse, det, logdet, _slogdet_method
Tensor.svd = svd
