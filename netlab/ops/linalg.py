"""Matrix products: mm, matmul and ``@``, bmm, dot, vdot, mv, outer, addmm.

The product primitive is :class:`Matmul`, which multiplies ``op(a) @ op(b)`` where ``op``
optionally swaps the last two dims (a strided view, so BLAS sees a transposed operand and
nothing is copied). Its backward is two more ``Matmul`` nodes with other flags, so gradients
never materialise a transposed copy and double backward comes for free.
"""
# ruff: noqa: A002 - PyTorch's parameter name (input)

from __future__ import annotations

import numpy as np

from netlab.autograd.node import Function
from netlab.dtypes import TYPE_NAMES, from_numpy_dtype
from netlab.ops._util import broadcast_shapes, sum_to, write_out
from netlab.ops.shape import Reshape
from netlab.tensor import Tensor

__all__ = ["mm", "matmul", "bmm", "dot", "vdot", "mv", "outer", "ger", "addmm"]

# C++ spellings used by PyTorch's mm dtype message ("float != double")
_CPP_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
              "int32": "int", "int16": "short int", "int8": "signed char",
              "uint8": "unsigned char", "bool": "bool"}


def _type_name(arr) -> str:
    """``Float``, ``Double``, ``Long``...: PyTorch's scalar-type names."""
    return TYPE_NAMES[from_numpy_dtype(arr.dtype)][:-len("Tensor")]


def _cpp_name(arr) -> str:
    return _CPP_NAMES[from_numpy_dtype(arr.dtype).name]


def _check_tensor(x, fn: str, arg: str):
    if not isinstance(x, Tensor):
        pos = 1 if arg in ("input", "self") else 2
        raise TypeError(f"{fn}(): argument '{arg}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")


def _check_device(a, b):
    if type(a._array) is not type(b._array):
        devs = sorted((str(a.device), str(b.device)), reverse=True)
        raise RuntimeError("Expected all tensors to be on the same device, but found at least two "
                           f"devices, {devs[0]} and {devs[1]}!")


def _check_bool(*arrays):
    if arrays[0].dtype.kind == "b":
        raise NotImplementedError("\"addmm_impl_cpu_\" not implemented for 'Bool'")


def _mT(a):
    return a.swapaxes(-1, -2)


# primitives ------------------------------------------------------------------------------

class Matmul(Function):
    """``op(a) @ op(b)`` with numpy's batch broadcasting; ``op`` transposes when flagged.

    The flags let backward express ``g @ b.T`` and ``a.T @ g`` as views handed to BLAS.
    """

    def __init__(self, ta: bool = False, tb: bool = False, name: str = "MmBackward0"):
        self.ta, self.tb = ta, tb
        self._backward_name = name

    def forward(self, a, b):
        ng = self.needs_input_grad
        if ng:
            self.sa, self.sb = a.shape, b.shape
            self.save_for_backward(a if ng[1] else None, b if ng[0] else None)
        # the @ operator is xp.matmul for numpy and cupy arrays alike
        return (_mT(a) if self.ta else a) @ (_mT(b) if self.tb else b)

    def backward(self, g):
        a, b = self.saved_tensors
        ng, ta, tb, name = self.needs_input_grad, self.ta, self.tb, self._backward_name
        ga = gb = None
        if ng[0]:
            # d op(a) = g @ op(b).T; undo op on a by swapping the product's factors
            ga = Matmul(False, not tb, name)(g, b) if not ta else Matmul(tb, True, name)(b, g)
            if ga._array.shape != self.sa:
                ga = sum_to(ga, self.sa)  # batch dims that were broadcast
        if ng[1]:
            gb = Matmul(not ta, False, name)(a, g) if not tb else Matmul(True, ta, name)(g, a)
            if gb._array.shape != self.sb:
                gb = sum_to(gb, self.sb)
        return ga, gb


class Mv(Function):
    """``op(mat) @ vec``; ``op`` transposes when ``trans`` (``vec @ mat`` for 1-D @ 2-D)."""

    def __init__(self, trans: bool = False):
        self.trans = trans

    def forward(self, m, v):
        ng = self.needs_input_grad
        if ng:
            self.save_for_backward(m if ng[1] else None, v if ng[0] else None)
        return v @ m if self.trans else m @ v

    def backward(self, g):
        m, v = self.saved_tensors
        ng = self.needs_input_grad
        gm = gv = None
        if ng[0]:
            gm = g.reshape(-1, 1) * v if not self.trans else v.reshape(-1, 1) * g
        if ng[1]:
            gv = Mv(not self.trans)(m, g)
        return gm, gv


class Dot(Function):
    def __init__(self, name: str = "DotBackward0"):
        self._backward_name = name

    def forward(self, a, b):
        ng = self.needs_input_grad
        if ng:
            self.save_for_backward(a if ng[1] else None, b if ng[0] else None)
        y = a @ b
        return np.asarray(y) if isinstance(y, np.generic) else y

    def backward(self, g):
        a, b = self.saved_tensors
        ng = self.needs_input_grad
        return (g * b if ng[0] else None), (g * a if ng[1] else None)


class Addmm(Function):
    """``beta * input + alpha * (m1 @ m2)`` in one node (as PyTorch's AddmmBackward0)."""

    def __init__(self, beta, alpha):
        self.beta, self.alpha = beta, alpha

    def forward(self, c, m1, m2):
        ng = self.needs_input_grad
        if ng:
            self.sc = c.shape
            self.save_for_backward(m1 if ng[2] else None, m2 if ng[1] else None)
        y = m1 @ m2
        if self.alpha != 1:
            y *= self.alpha
        if self.beta == 0:
            return y  # PyTorch ignores input (even nan) when beta is 0
        y += c if self.beta == 1 else self.beta * c
        return y

    def backward(self, g):
        m1, m2 = self.saved_tensors
        ng = self.needs_input_grad
        gc = g1 = g2 = None
        if ng[0]:
            gc = sum_to(g if self.beta == 1 else g * self.beta, self.sc)
        if ng[1] or ng[2]:
            ga = g if self.alpha == 1 else g * self.alpha
            if ng[1]:
                g1 = Matmul(False, True)(ga, m2)
            if ng[2]:
                g2 = Matmul(True, False)(m1, ga)
        return gc, g1, g2


# functional forms of the products --------------------------------------------------------

def mm(input: Tensor, mat2: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Matrix product of two 2-D tensors (no broadcasting, no type promotion).

    Examples
    --------
    >>> import netlab
    >>> netlab.mm(netlab.ones(2, 3), netlab.ones(3, 4)).shape
    netlab.Size([2, 4])
    """
    _check_tensor(input, "mm", "input")
    _check_tensor(mat2, "mm", "mat2")
    a, b = input._array, mat2._array
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    _check_mm(a, b, input, mat2)
    res = Matmul()(input, mat2)
    return res if out is None else write_out(out, res)


def _check_mm(a, b, ta, tb, rows=None):
    if a.dtype != b.dtype:
        raise RuntimeError("expected m1 and m2 to have the same dtype, but got: "
                           f"{_cpp_name(a)} != {_cpp_name(b)}")
    if a.shape[-1] != b.shape[0]:
        r = a.shape[0] if rows is None else rows
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({r}x{a.shape[-1]} and "
                           f"{b.shape[0]}x{b.shape[1]})")
    if type(a) is not type(b):
        _check_device(ta, tb)
    _check_bool(a)


def _check_mv(m, v, tm, tv):
    if m.dtype != v.dtype:
        raise RuntimeError("addmv input tensors must have the same dtype, but got "
                           f"{_type_name(v)}, {_type_name(m)}, and {_type_name(v)}")
    if m.shape[-1] != v.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({m.shape[0]}), mat "
                           f"({m.shape[0]}x{m.shape[1]}), vec ({v.shape[0]})")
    if type(m) is not type(v):
        _check_device(tm, tv)
    _check_bool(m)


def _check_dot(a, b, ta, tb):
    if a.dtype != b.dtype:
        raise RuntimeError("dot : expected both vectors to have same dtype, but found "
                           f"{_type_name(a)} and {_type_name(b)}")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src "
                           f"[{b.shape[0]}] to have the same number of elements, but got "
                           f"{a.shape[0]} and {b.shape[0]} elements respectively")
    if type(a) is not type(b):
        _check_device(ta, tb)
    _check_bool(a)


def _check_batched(a, b, ta, tb, batch, k_a, k_b):
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {_type_name(a)} but found {_type_name(b)}")
    if k_a != k_b:
        n = int(np.prod(batch))
        raise RuntimeError("Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{n}, {k_a}] but got: [{n}, {k_b}].")
    if type(a) is not type(b):
        _check_device(ta, tb)
    _check_bool(a)


def matmul(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Matrix product with NumPy/PyTorch semantics for every rank combination.

    1-D @ 1-D is a dot product, 2-D @ 2-D a matrix product, 1-D operands get a dim added
    (and removed from the result), and batch dims broadcast. Dtypes are not promoted.

    Examples
    --------
    >>> import netlab
    >>> (netlab.ones(5, 2, 3) @ netlab.ones(3, 4)).shape
    netlab.Size([5, 2, 4])
    """
    _check_tensor(input, "matmul", "input")
    _check_tensor(other, "matmul", "other")
    a, b = input._array, other._array
    da, db = a.ndim, b.ndim
    if da == 2 and db == 2:  # the hot path
        _check_mm(a, b, input, other)
        res = Matmul()(input, other)
    elif da == 0 or db == 0:
        raise RuntimeError("both arguments to matmul need to be at least 1D, but they are "
                           f"{da}D and {db}D")
    elif da == 1 and db == 1:
        _check_dot(a, b, input, other)
        res = Dot()(input, other)
    elif db == 1 and da == 2:
        _check_mv(a, b, input, other)
        res = Mv()(input, other)
    elif da == 1 and db == 2:
        _check_mm(a, b, input, other, rows=1)
        res = Mv(trans=True)(other, input)
    elif db <= 2:
        # fold the batch dims of `input` into its rows: one BLAS call instead of a batched
        # loop, and the weight gradient of (N, L, k) @ (k, n) becomes a single mm (as PyTorch)
        k = a.shape[-1]
        lead = a.shape[:-1]
        a2 = input.reshape(a.size // k if k else int(np.prod(lead)), k)
        if db == 2:
            _check_mm(a2._array, b, input, other)
            y = Matmul()(a2, other)
            res = Reshape(lead + (b.shape[1],))(y)
        else:
            _check_mv(a2._array, b, input, other)
            res = Reshape(lead)(Mv()(a2, other))
    else:
        batch = broadcast_shapes(a.shape[:-2], b.shape[:-2])
        if da == 1:
            _check_batched(a, b, input, other, batch, a.shape[0], b.shape[-2])
            y = Matmul(name="BmmBackward0")(input.reshape(1, a.shape[0]), other)
            res = Reshape(y._array.shape[:-2] + y._array.shape[-1:])(y)
        else:
            _check_batched(a, b, input, other, batch, a.shape[-1], b.shape[-2])
            res = Matmul(name="BmmBackward0")(input, other)
    return res if out is None else write_out(out, res)


def bmm(input: Tensor, mat2: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Batched matrix product of ``(b, n, m)`` and ``(b, m, p)`` tensors (no broadcasting).

    Examples
    --------
    >>> import netlab
    >>> netlab.bmm(netlab.ones(4, 2, 3), netlab.ones(4, 3, 5)).shape
    netlab.Size([4, 2, 5])
    """
    _check_tensor(input, "bmm", "input")
    _check_tensor(mat2, "bmm", "mat2")
    a, b = input._array, mat2._array
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {_type_name(a)} but found {_type_name(b)}")
    if b.shape[0] != a.shape[0] or b.shape[1] != a.shape[2]:
        raise RuntimeError("Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
    if type(a) is not type(b):
        _check_device(input, mat2)
    _check_bool(a)
    res = Matmul(name="BmmBackward0")(input, mat2)
    return res if out is None else write_out(out, res)


def _dot(input: Tensor, other: Tensor, op: str, names: tuple, node: str | None,
         out: Tensor | None) -> Tensor:
    _check_tensor(input, op, names[0])
    _check_tensor(other, op, names[1])
    a, b = input._array, other._array
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    _check_dot(a, b, input, other)
    res = Dot(node or "DotBackward0")(input, other)
    return res if out is None else write_out(out, res)


def dot(input: Tensor, tensor: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Inner product of two 1-D tensors of the same dtype.

    Examples
    --------
    >>> import netlab
    >>> netlab.dot(netlab.tensor([2., 3.]), netlab.tensor([2., 1.]))
    tensor(7.)
    """
    return _dot(input, tensor, "dot", ("input", "tensor"), None, out)


def vdot(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``dot`` with the first argument conjugated (the same for real tensors).

    Examples
    --------
    >>> import netlab
    >>> netlab.vdot(netlab.tensor([2., 3.]), netlab.tensor([2., 1.]))
    tensor(7.)
    """
    return _dot(input, other, "vdot", ("input", "other"), "VdotBackward0", out)


def mv(input: Tensor, vec: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Matrix-vector product: ``(n, m) @ (m,) -> (n,)``.

    Examples
    --------
    >>> import netlab
    >>> netlab.mv(netlab.ones(2, 3), netlab.ones(3))
    tensor([3., 3.])
    """
    _check_tensor(input, "mv", "input")
    _check_tensor(vec, "mv", "vec")
    m, v = input._array, vec._array
    if m.ndim != 2 or v.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {m.ndim}, {v.ndim}")
    _check_mv(m, v, input, vec)
    res = Mv()(input, vec)
    return res if out is None else write_out(out, res)


def outer(input: Tensor, vec2: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Outer product of two 1-D tensors (types promote, as for ``*``).

    Examples
    --------
    >>> import netlab
    >>> netlab.outer(netlab.tensor([1., 2.]), netlab.tensor([1., 10.]))
    tensor([[ 1., 10.],
            [ 2., 20.]])
    """
    _check_tensor(input, "outer", "input")
    _check_tensor(vec2, "outer", "vec2")
    if input._array.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument self, but got {input._array.ndim}-D")
    if vec2._array.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument vec2, but got {vec2._array.ndim}-D")
    # as in PyTorch: a broadcast product (MulBackward0), so promotion and grads come from mul
    res = input.reshape(-1, 1) * vec2
    return res if out is None else write_out(out, res)


ger = outer


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1,
          out: Tensor | None = None) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)``; ``input`` broadcasts to the product's shape.

    Examples
    --------
    >>> import netlab
    >>> netlab.addmm(netlab.zeros(3), netlab.ones(2, 4), netlab.ones(4, 3)).shape
    netlab.Size([2, 3])
    """
    _check_tensor(input, "addmm", "input")
    for name, t in (("mat1", mat1), ("mat2", mat2)):
        _check_tensor(t, "addmm", name)
        if t._array.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {t._array.ndim}-D tensor")
    a, b = mat1._array, mat2._array
    _check_mm(a, b, mat1, mat2)
    if input._array.dtype != a.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got "
                           f"{_type_name(input._array)} and {_type_name(b)}")
    try:
        shape = broadcast_shapes(input._array.shape, (a.shape[0], b.shape[1]))
    except RuntimeError:
        shape = None
    if shape != (a.shape[0], b.shape[1]):
        raise RuntimeError(f"The expanded size of the tensor ({b.shape[1]}) must match the "
                           f"existing size ({input._array.shape[-1]}) at non-singleton dimension "
                           f"1.  Target sizes: [{a.shape[0]}, {b.shape[1]}].  Tensor sizes: "
                           f"{list(input._array.shape)}")
    res = Addmm(beta, alpha)(input, mat1, mat2)
    return res if out is None else write_out(out, res)


# Tensor methods --------------------------------------------------------------------------

def _matmul_op(self, other):
    if not isinstance(other, Tensor):
        return NotImplemented
    return matmul(self, other)


def _rmatmul_op(self, other):
    if not isinstance(other, Tensor):
        return NotImplemented
    return matmul(other, self)


Tensor.mm, Tensor.matmul, Tensor.bmm, Tensor.dot, Tensor.vdot = mm, matmul, bmm, dot, vdot
Tensor.mv, Tensor.outer, Tensor.ger, Tensor.addmm = mv, outer, ger, addmm
Tensor.__matmul__ = _matmul_op
Tensor.__rmatmul__ = _rmatmul_op

