"""Shape ops: view, reshape, expand and friends. Views share memory with their input."""

from __future__ import annotations

from netlab.autograd.node import Function
from netlab.backend import get_array_module
from netlab.ops._util import sum_to
from netlab.tensor import Size, Tensor

__all__ = ["reshape", "broadcast_to"]


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


def view(self, *shape):
    """The same data with another shape, without copying; fails like PyTorch when the
    tensor's strides do not allow it (use ``reshape``). ``view(dtype)`` is not supported.
    """
    shape = infer_size(shape_args(shape), self._array.size)
    return View(shape)(self)


def reshape(input, *shape):
    """A view when the strides allow one, otherwise a copy."""
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


class Expand(Function):
    is_view = True

    def __init__(self, shape):
        self.shape = shape

    def forward(self, a):
        self.src = a.shape
        return get_array_module(a).broadcast_to(a, self.shape)

    def backward(self, g):
        return sum_to(g, self.src)


def expand(self, *sizes):
    """A broadcast view (no copy); ``-1`` keeps a size."""
    sizes = shape_args(sizes)
    shape = self._array.shape
    if len(sizes) < len(shape):
        raise RuntimeError(f"expand(netlab.FloatTensor{{{list(shape)}}}, size={list(sizes)}): the "
                           "number of sizes provided ({len(sizes)}) must be greater or equal to "
                           f"the number of dimensions in the tensor ({len(shape)})")
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


Tensor.view = view
Tensor.reshape = reshape
Tensor.view_as = view_as
Tensor.reshape_as = reshape_as
Tensor.expand = expand
Tensor.expand_as = expand_as
Tensor.broadcast_to = broadcast_to
_ = Size
