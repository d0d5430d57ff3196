"""Shared plumbing for ops: argument coercion, dtype promotion, broadcasting, in-place."""

from __future__ import annotations

import numpy as np

from netlab import backend
from netlab.autograd.grad_mode import is_grad_enabled
from netlab.dtypes import as_dtype, get_default_dtype, result_type
from netlab.tensor import Tensor


def as_tensor_arg(x, like: Tensor | None = None) -> Tensor:
    """A Tensor for an op argument (numpy arrays, lists and scalars are wrapped)."""
    if isinstance(x, Tensor):
        return x
    arr = np.asarray(x)
    if arr.dtype.kind == "f" and not isinstance(x, np.ndarray):
        arr = arr.astype(get_default_dtype().np)
    if like is not None and like.is_cuda:
        arr = backend.to_device(arr, like.device)
    return Tensor._make(arr)


def is_scalar(x) -> bool:
    return isinstance(x, (int, float, bool, np.number, np.bool_))


def cast(t: Tensor, np_dtype) -> Tensor:
    """``t`` in another dtype, differentiably (ToCopyBackward0)."""
    if t._array.dtype == np_dtype:
        return t
    from netlab.ops.conversion import ToCopy

    return ToCopy(np_dtype, None)(t)


def promote(*operands):
    """Operands brought to their common PyTorch result dtype.

    Tensors are cast as needed; Python scalars stay scalars (numpy treats them as weak, like
    PyTorch does); numpy arrays and lists become Tensors first.
    """
    # numpy scalars count as Python scalars (weak), as in PyTorch
    ops = [o if isinstance(o, Tensor) else o.item() if isinstance(o, (np.generic))
           else o if is_scalar(o) else as_tensor_arg(o) for o in operands]
    dt = result_type(*ops).np
    out = []
    cuda = None
    for o in ops:
        if isinstance(o, Tensor):
            if o.is_cuda:
                cuda = o.device
            if o._array.dtype != dt:
                o = cast(o, dt)
        out.append(o)
    if cuda is not None:
        for i, o in enumerate(out):
            if isinstance(o, Tensor) and not o.is_cuda:
                if o._array.ndim:
                    raise RuntimeError(
                        f"Expected all tensors to be on the same device, but found at least two "
                        f"devices, {cuda} and cpu!")
                out[i] = o.to(cuda)
    return out


def promote2(a, b):
    """Fast path of :func:`promote` for the common binary cases."""
    if isinstance(a, Tensor):
        ad = a._array.dtype
        if isinstance(b, Tensor):
            if ad is b._array.dtype and type(a._array) is type(b._array):
                return a, b
        elif (type(b) is float or type(b) is int) and ad.kind == "f":
            return a, b  # a Python number never changes a float tensor's dtype
    return promote(a, b)


def sum_to(g: Tensor, shape) -> Tensor:
    """Sum a broadcast gradient back down to ``shape``."""
    gshape = g._array.shape
    if gshape == tuple(shape):
        return g
    lead = len(gshape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and gshape[i + lead] != 1)
    from netlab.ops.reduction import sum_

    if axes:
        g = sum_(g, axes, keepdim=True)
    if lead:
        g = g.reshape(shape)
    elif g._array.shape != tuple(shape):
        g = g.reshape(shape)
    return g


def broadcast_shapes(*shapes):
    """The broadcast shape, or PyTorch's error naming the mismatching sizes."""
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for s in shapes:
        for i, n in enumerate(s):
            j = ndim - len(s) + i
            if out[j] == 1:
                out[j] = n
            elif n != 1 and n != out[j]:
                raise RuntimeError(
                    f"The size of tensor a ({out[j]}) must match the size of tensor b ({n}) at "
                    f"non-singleton dimension {i}")
    return tuple(out)


def check_broadcast(*arrays):
    """Raise PyTorch's message when numpy would refuse to broadcast."""
    broadcast_shapes(*[np.shape(a) for a in arrays])


def wrap_dim(dim: int, ndim: int) -> int:
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim % n


def wrap_dims(dim, ndim: int) -> tuple:
    """``dim`` (int, tuple or None for all) as a sorted tuple of non-negative axes."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, int):
        return (wrap_dim(dim, ndim),)
    dims = tuple(wrap_dim(d, ndim) for d in dim)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"dim {dims} appears multiple times in the list of dims")
    return tuple(sorted(dims))


def check_inplace(t: Tensor) -> None:
    if is_grad_enabled() and t._requires_grad:
        if t.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                               "operation.")
        base = t._base
        if base is not None and base._requires_grad and base.grad_fn is None:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                               "in-place operation.")


def apply_inplace(t: Tensor, fn, *others, ufunc: str | None = None) -> Tensor:
    """Run ``fn(t, *others)`` and write the result into ``t``'s memory.

    Without autograd the ufunc (when given) writes straight into ``t``. With autograd the
    result is computed out of place, copied in, and ``t`` takes the new node as its history;
    a saved copy of the old value keeps the graph correct.
    """
    check_inplace(t)
    record = is_grad_enabled() and (t._requires_grad or any(
        isinstance(o, Tensor) and o._requires_grad for o in others))
    if not record:
        args = [o._array if isinstance(o, Tensor) else o for o in others]
        if ufunc is not None:
            xp = backend.get_array_module(t._array)
            try:
                getattr(xp, ufunc)(t._array, *args, out=t._array)
            except TypeError as e:  # numpy refuses an unsafe cast, as PyTorch does
                raise RuntimeError(f"result type can't be cast to the desired output type "
                                   f"{t.dtype}: {e}") from None
        else:
            res = fn(Tensor._make(t._array), *others)
            _write(t, res._array)
        t._version_counter.value += 1
        return t
    old = Tensor._make(t._array.copy(), t._requires_grad, t.grad_fn, t._output_nr)
    res = fn(old, *others)
    _write(t, res._array)
    t._version_counter.value += 1
    if res.grad_fn is None:
        return t
    if t._base is not None:
        from netlab.ops._views import rebase_view_history

        rebase_view_history(t, res)
    else:
        t._set_history(res.grad_fn, res._output_nr)
    return t


def _write(t: Tensor, arr) -> None:
    if arr.dtype != t._array.dtype and not np.can_cast(arr.dtype, t._array.dtype, "same_kind"):
        raise RuntimeError(f"result type {as_dtype(arr.dtype).name.capitalize()} can't be cast "
                           f"to the desired output type {t.dtype.name.capitalize()}")
    if arr.shape != t._array.shape:
        try:
            bshape = np.broadcast_shapes(arr.shape, t._array.shape)
        except ValueError:
            bshape = None
        if bshape != t._array.shape:
            raise RuntimeError(f"output with shape {list(t._array.shape)} doesn't match the "
                               f"broadcast shape {list(arr.shape)}")
    t._array[...] = arr


def write_out(out: Tensor, res: Tensor) -> Tensor:
    """Implements ``out=``: resize-and-copy the result into ``out`` (no autograd, as PyTorch)."""
    if out._requires_grad and is_grad_enabled():
        raise RuntimeError("out=... arguments don't support automatic differentiation, but one "
                           "of the arguments requires grad.")
    if out._array.shape != res._array.shape:
        out._array = backend.get_array_module(res._array).empty_like(res._array,
                                                                     dtype=out._array.dtype)
    out._array[...] = res._array
    out._version_counter.value += 1
    return out
