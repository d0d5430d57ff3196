"""Shape ops. Views (view, reshape, expand, permute, transpose, squeeze, flatten, narrow,
select, ...) share memory and the version counter with their input, as in PyTorch. Joining and
splitting live in ``join.py``, the copying repeat/tile/flip/roll in ``rearrange.py``.
"""

from __future__ import annotations

import warnings

import numpy as np

from netlab.autograd.node import Function
from netlab.backend import get_array_module
from netlab.dtypes import TYPE_NAMES
from netlab.ops._util import broadcast_shapes as _broadcast_shapes
from netlab.ops._util import check_inplace, sum_to, wrap_dim
from netlab.tensor import Size, Tensor

__all__ = ["reshape", "broadcast_to", "broadcast_tensors", "broadcast_shapes", "permute",
           "transpose", "swapaxes", "swapdims", "t", "adjoint", "movedim", "moveaxis", "squeeze",
           "unsqueeze", "flatten", "unflatten", "ravel", "narrow", "select"]


def shape_args(args) -> tuple:
    """``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` and ``f(Size)`` all give ``(2, 3)``."""
    if len(args) == 1 and not isinstance(args[0], int):
        args = args[0]
    return tuple(int(a) for a in args)


def infer_size(shape, numel: int) -> tuple:
    """Resolve one ``-1`` entry; PyTorch's errors for bad shapes."""
    shape = list(shape)
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for s in shape:
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s}")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{shape}' is invalid for input of size {numel}")
        shape[neg[0]] = numel // known
    elif known != numel:
        raise RuntimeError(f"shape '{shape}' is invalid for input of size {numel}")
    return tuple(shape)


def full_key(dim: int, item) -> tuple:
    """An indexing key applying ``item`` to axis ``dim``; the trailing Ellipsis makes numpy
    return an array view even when every axis is indexed by an integer.
    """
    return (slice(None),) * dim + (item, Ellipsis)


# views ------------------------------------------------------------------------------------

class View(Function):
    is_view = True

    def __init__(self, shape):
        self.shape = shape

    def forward(self, a):
        self.src = a.shape
        v = a.view()
        try:
            v.shape = self.shape
        except AttributeError:
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least one "
                "dimension spans across two contiguous subspaces). Use .reshape(...) "
                "instead.") from None
        return v

    def backward(self, g):
        return g.reshape(self.src)


class Reshape(Function):
    """A reshape that had to copy (the input's strides allow no view)."""

    _backward_name = "UnsafeViewBackward0"

    def __init__(self, shape):
        self.shape = shape

    def forward(self, a):
        self.src = a.shape
        return get_array_module(a).reshape(a, self.shape)

    def backward(self, g):
        return g.reshape(self.src)


class Strided(Function):
    """A basic-indexing view ``a[key]`` (integers, slices, None): select, slice, narrow."""

    is_view = True

    def __init__(self, key, name="SliceBackward0"):
        self.key = key
        self._backward_name = name

    def forward(self, a):
        self.src = a.shape
        return a[self.key]

    def backward(self, g):
        return StridedScatter(self.src, self.key)(g)


class StridedScatter(Function):
    """The adjoint of :class:`Strided`: zeros of the source shape, ``g`` written at ``key``."""

    def __init__(self, shape, key):
        self.shape, self.key = shape, key

    def forward(self, g):
        out = get_array_module(g).zeros(self.shape, dtype=g.dtype)
        out[self.key] = g
        return out

    def backward(self, gg):
        return Strided(self.key)(gg)


class Permute(Function):
    is_view = True

    def __init__(self, dims, name=None):
        self.dims = tuple(dims)
        if name is not None:
            self._backward_name = name

    def forward(self, a):
        return a.transpose(self.dims)

    def backward(self, g):
        return Permute(tuple(int(i) for i in np.argsort(self.dims)))(g)


class Transpose(Function):
    is_view = True

    def __init__(self, d0, d1, name=None):
        self.d0, self.d1 = d0, d1
        if name is not None:
            self._backward_name = name

    def forward(self, a):
        return get_array_module(a).swapaxes(a, self.d0, self.d1)

    def backward(self, g):
        return Transpose(self.d0, self.d1)(g)


class Squeeze(Function):
    is_view = True

    def __init__(self, axes, name="SqueezeBackward0"):
        self.axes = axes
        self._backward_name = name

    def forward(self, a):
        self.src = a.shape
        return get_array_module(a).squeeze(a, axis=self.axes) if self.axes else a.view()

    def backward(self, g):
        return g.reshape(self.src)


class Unsqueeze(Function):
    is_view = True

    def __init__(self, dim, name=None):
        self.dim = dim
        if name is not None:
            self._backward_name = name

    def forward(self, a):
        return get_array_module(a).expand_dims(a, self.dim)

    def backward(self, g):
        return Squeeze((self.dim,), "SqueezeBackward1")(g)


class Expand(Function):
    is_view = True

    def __init__(self, shape):
        self.shape = shape

    def forward(self, a):
        self.src = a.shape
        return get_array_module(a).broadcast_to(a, self.shape)

    def backward(self, g):
        return sum_to(g, self.src)


# view / reshape / expand ------------------------------------------------------------------

def view(self, *shape):
    """The same data with another shape, without copying; fails like PyTorch when the
    tensor's strides do not allow it (use ``reshape``). ``view(dtype)`` is not supported.
    """
    shape = infer_size(shape_args(shape), self._array.size)
    return View(shape)(self)


def reshape(input, *shape):
    """A view when the strides allow one, otherwise a copy.

    Examples
    --------
    >>> import netlab
    >>> netlab.arange(6).reshape(2, -1).shape
    netlab.Size([2, 3])
    """
    shape = infer_size(shape_args(shape), input._array.size)
    if shape == input._array.shape:
        return View(shape)(input)
    try:
        return View(shape)(input)
    except RuntimeError:
        return Reshape(shape)(input)


def view_as(self, other):
    return view(self, other.shape)


def reshape_as(self, other):
    return reshape(self, other.shape)


def expand(self, *sizes):
    """A broadcast view (no copy); ``-1`` keeps a size."""
    sizes = shape_args(sizes)
    shape = self._array.shape
    if len(sizes) < len(shape):
        raise RuntimeError(f"expand(netlab.{TYPE_NAMES[self.dtype]}{{{list(shape)}}}, "
                           f"size={list(sizes)}): the number of sizes provided ({len(sizes)}) "
                           "must be greater or equal to the number of dimensions in the tensor "
                           f"({len(shape)})")
    lead = len(sizes) - len(shape)
    out = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
            out.append(s)
            continue
        cur = shape[i - lead]
        if s == -1:
            s = cur
        elif cur != 1 and s != cur:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing "
                               f"size ({cur}) at non-singleton dimension {i}.  Target sizes: "
                               f"{list(sizes)}.  Tensor sizes: {list(shape)}")
        out.append(s)
    out = tuple(out)
    if out == shape:
        return View(shape)(self)
    return Expand(out)(self)


def expand_as(self, other):
    return expand(self, other.shape)


def broadcast_to(input, size):
    return expand(input, size)


def broadcast_shapes(*shapes) -> Size:
    """The shape that all ``shapes`` broadcast to."""
    return Size(_broadcast_shapes(*[(s,) if isinstance(s, int) else tuple(s) for s in shapes]))


def broadcast_tensors(*tensors) -> tuple:
    """The tensors expanded (as views) to their common broadcast shape."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = _broadcast_shapes(*[t._array.shape for t in tensors])
    return tuple(t if t._array.shape == shape else expand(t, shape) for t in tensors)


# permutations -----------------------------------------------------------------------------

def permute(input, *dims):
    """A view with the dimensions reordered.

    Examples
    --------
    >>> import netlab
    >>> netlab.zeros(2, 3, 4).permute(2, 0, 1).shape
    netlab.Size([4, 2, 3])
    """
    dims = shape_args(dims)
    nd = input._array.ndim
    if len(dims) != nd:
        raise RuntimeError("permute(sparse_coo): number of dimensions in the tensor input does "
                           "not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {nd} is not equal to len(dims) = {len(dims)}")
    dims = tuple(wrap_dim(d, nd) for d in dims)
    if len(set(dims)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return Permute(dims)(input)


def transpose(input, dim0: int, dim1: int):
    """A view with ``dim0`` and ``dim1`` swapped.

    Examples
    --------
    >>> import netlab
    >>> netlab.zeros(2, 3, 4).transpose(0, 2).shape
    netlab.Size([4, 3, 2])
    """
    nd = input._array.ndim
    if nd == 0:  # PyTorch accepts dims 0/-1 on a 0-d tensor
        wrap_dim(dim0, 0), wrap_dim(dim1, 0)
        return Permute((), "TransposeBackward0")(input)
    return Transpose(wrap_dim(dim0, nd), wrap_dim(dim1, nd))(input)


def swapaxes(input, axis0: int, axis1: int):
    return transpose(input, axis0, axis1)


def swapdims(input, dim0: int, dim1: int):
    return transpose(input, dim0, dim1)


def t(input):
    """Transpose of a tensor with at most 2 dimensions (0-d and 1-d come back as they are).

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([[1, 2, 3]]).t()
    tensor([[1],
            [2],
            [3]])
    """
    nd = input._array.ndim
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    return Permute(tuple(range(nd))[::-1], "TBackward0")(input)


def _T(self):
    nd = self._array.ndim
    if nd == 0:
        warnings.warn("Tensor.T is deprecated on 0-D tensors. This function is the identity in "
                      "these cases.", UserWarning, stacklevel=2)
    elif nd != 2:
        warnings.warn("The use of `x.T` on tensors of dimension other than 2 to reverse their "
                      "shape is deprecated and it will throw an error in a future release. "
                      "Consider `x.mT` to transpose batches of matrices or `x.permute(*range("
                      "x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor.",
                      UserWarning, stacklevel=2)
    return Permute(tuple(range(nd))[::-1])(self)


def _mT(self, what="mT"):
    nd = self._array.ndim
    if nd < 2:
        raise RuntimeError(f"tensor.{what} is only supported on matrices or batches of matrices. "
                           f"Got {nd}-D tensor.")
    return Transpose(nd - 2, nd - 1)(self)


def _H(self):
    nd = self._array.ndim
    if nd != 2:
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {nd}-D "
                           "tensor.")
    return Transpose(0, 1)(self)


def adjoint(input):
    """Conjugate transpose of the last two dims (a plain transpose for real tensors)."""
    return _mT(input, "adjoint()")


def movedim(input, source, destination):
    """Move dims ``source`` to positions ``destination`` (a permuted view).

    Examples
    --------
    >>> import netlab
    >>> netlab.zeros(2, 3, 4).movedim(0, -1).shape
    netlab.Size([3, 4, 2])
    """
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} "
                           f"dims) should contain the same number of dims as destination "
                           f"({list(dst)} dims)")
    nd = input._array.ndim
    s = [wrap_dim(d, nd) for d in src]
    d = [wrap_dim(x, nd) for x in dst]
    if len(set(s)) != len(s):
        raise RuntimeError(f"movedim: repeated dim in `source` ({list(src)})")
    if len(set(d)) != len(d):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({list(dst)})")
    order = [n for n in range(nd) if n not in s]
    for dd, ss in sorted(zip(d, s)):
        order.insert(dd, ss)
    return Permute(order)(input)


moveaxis = movedim


# squeeze / unsqueeze / flatten ------------------------------------------------------------

def _squeeze_axes(input, dim):
    shape = input._array.shape
    nd = len(shape)
    if dim is None:
        return tuple(i for i, s in enumerate(shape) if s == 1), 0
    multi = isinstance(dim, (tuple, list))
    dims = tuple(dim) if multi else (dim,)
    axes = []
    for d in dims:
        d = wrap_dim(d, nd)
        if nd and shape[d] == 1 and d not in axes:
            axes.append(d)
    return tuple(sorted(axes)), 2 if multi else 1


def squeeze(input, dim=None):
    """A view without the size-1 dims (only those in ``dim`` when given: int or tuple).

    Examples
    --------
    >>> import netlab
    >>> netlab.zeros(2, 1, 3).squeeze().shape
    netlab.Size([2, 3])
    """
    axes, variant = _squeeze_axes(input, dim)
    return Squeeze(axes, f"SqueezeBackward{variant}")(input)


def unsqueeze(input, dim: int):
    """A view with a new size-1 dim inserted at ``dim``.

    Examples
    --------
    >>> import netlab
    >>> netlab.zeros(2, 3).unsqueeze(-1).shape
    netlab.Size([2, 3, 1])
    """
    return Unsqueeze(wrap_dim(dim, input._array.ndim + 1))(input)


def _inplace_view(self, op, name):
    """Apply the view op ``op`` to ``self`` itself (``squeeze_``, ``t_``...): same storage,
    new shape, new history, one version bump.
    """
    check_inplace(self)
    alias = Tensor._make(self._array, self._requires_grad, self.grad_fn, self._output_nr,
                         self._version_counter)
    res = op(alias)
    self._array = res._array
    if res.grad_fn is not None:
        res.grad_fn._backward_name = name
        self._set_history(res.grad_fn, res._output_nr)
    self._version_counter.value += 1
    return self


def _squeeze_(self, dim=None):
    _, variant = _squeeze_axes(self, dim)
    return _inplace_view(self, lambda a: squeeze(a, dim), f"SqueezeBackward{variant + 3}")


def _unsqueeze_(self, dim):
    return _inplace_view(self, lambda a: unsqueeze(a, dim), "UnsqueezeBackward1")


def _t_(self):
    return _inplace_view(self, t, "TBackward1")


def _transpose_(self, dim0, dim1):
    return _inplace_view(self, lambda a: transpose(a, dim0, dim1), "TransposeBackward1")


def flatten(input, start_dim: int = 0, end_dim: int = -1):
    """Merge dims ``start_dim..end_dim`` into one (a view when the strides allow it).

    Examples
    --------
    >>> import netlab
    >>> netlab.zeros(2, 3, 4).flatten(1).shape
    netlab.Size([2, 12])
    """
    nd = input._array.ndim
    if nd == 0:
        return reshape(input, 1)
    s, e = wrap_dim(start_dim, nd), wrap_dim(end_dim, nd)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    shape = input._array.shape
    n = 1
    for k in shape[s:e + 1]:
        n *= k
    return reshape(input, shape[:s] + (n,) + shape[e + 1:])


def unflatten(input, dim: int, sizes):
    """Split dim ``dim`` into ``sizes`` (one entry may be -1); always a view.

    Examples
    --------
    >>> import netlab
    >>> netlab.zeros(2, 12).unflatten(1, (3, -1)).shape
    netlab.Size([2, 3, 4])
    """
    shape = input._array.shape
    d = wrap_dim(dim, len(shape))
    sizes = [int(s) for s in sizes]
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    n = shape[d]
    if sizes.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for s in sizes:
        if s != -1:
            known *= s
    if -1 in sizes:
        if known == 0 or n % known:
            raise RuntimeError(f"unflatten: Provided sizes {sizes} don't multiply up to the size "
                               f"of dim {dim} ({n}) in the input tensor")
        sizes[sizes.index(-1)] = n // known
    elif known != n:
        raise RuntimeError(f"unflatten: Provided sizes {sizes} don't multiply up to the size of "
                           f"dim {dim} ({n}) in the input tensor")
    return View(shape[:d] + tuple(sizes) + shape[d + 1:])(input)


def ravel(input):
    """The elements as a 1-D tensor (a view of the contiguous data)."""
    return view(input.contiguous(), -1)


# narrow / select --------------------------------------------------------------------------

def narrow(input, dim: int, start, length: int):
    """The view ``input[..., start:start + length, ...]`` along ``dim``.

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([[1, 2, 3], [4, 5, 6]]).narrow(1, 1, 2)
    tensor([[2, 3],
            [5, 6]])
    """
    nd = input._array.ndim
    if nd == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, nd)
    n = input._array.shape[d]
    start, length = int(start), int(length)
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got "
                         f"{start})")
    if start < 0:
        start += n
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return Strided(full_key(d, slice(start, start + length)), "SliceBackward0")(input)


def select(input, dim: int, index: int):
    """The view ``input[..., index, ...]`` along ``dim`` (that dim removed).

    Examples
    --------
    >>> import netlab
    >>> netlab.tensor([[1, 2, 3], [4, 5, 6]]).select(1, -1)
    tensor([3, 6])
    """
    nd = input._array.ndim
    if nd == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, nd)
    n = input._array.shape[d]
    i = int(index)
    if not -n <= i < n:
        raise IndexError(f"select(): index {i} out of range for tensor of size "
                         f"{list(input._array.shape)} at dimension {d}")
    return Strided(full_key(d, i % n), "SelectBackward0")(input)


Tensor.view = view
Tensor.reshape = reshape
Tensor.view_as = view_as
Tensor.reshape_as = reshape_as
Tensor.expand = expand
Tensor.expand_as = expand_as
Tensor.broadcast_to = broadcast_to
Tensor.permute = permute
Tensor.transpose = transpose
Tensor.swapaxes = swapaxes
Tensor.swapdims = swapdims
Tensor.t = t
Tensor.T = property(_T)
Tensor.mT = property(_mT)
Tensor.mH = property(lambda self: _mT(self, "mH"))
Tensor.H = property(_H)
Tensor.adjoint = adjoint
Tensor.movedim = Tensor.moveaxis = movedim
Tensor.squeeze = squeeze
Tensor.unsqueeze = unsqueeze
Tensor.squeeze_ = _squeeze_
Tensor.unsqueeze_ = _unsqueeze_
Tensor.t_ = _t_
Tensor.transpose_ = Tensor.swapaxes_ = Tensor.swapdims_ = _transpose_
Tensor.flatten = flatten
Tensor.unflatten = unflatten
Tensor.ravel = ravel
Tensor.narrow = narrow
Tensor.select = select
