"""``netlab.Tensor``: an n-dimensional array on numpy or cupy that records autograd history."""

from __future__ import annotations

import weakref

import numpy as np

from netlab import backend
from netlab.autograd.grad_mode import is_grad_enabled
from netlab.dtypes import TYPE_NAMES, as_dtype, from_numpy_dtype, get_default_dtype


class Size(tuple):
    """A tensor's shape: a tuple that prints like ``netlab.Size([2, 3])``."""

    def __repr__(self):
        return f"netlab.Size({list(self)})"

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, item):
        r = tuple.__getitem__(self, item)
        return Size(r) if isinstance(item, slice) else r

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))


class _VersionCounter:
    """Counts in-place writes; shared by a tensor and all of its views."""

    __slots__ = ("value",)

    def __init__(self):
        self.value = 0


class Tensor:
    """A multi-dimensional array with autograd, following ``torch.Tensor``.

    Create tensors with :func:`netlab.tensor`, :func:`netlab.zeros`, :func:`netlab.randn` and
    friends; ``Tensor(data)`` builds a float tensor and ``Tensor(2, 3)`` an uninitialised one.

    Examples
    --------
    >>> import netlab
    >>> x = netlab.tensor([1.0, 2.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4.])
    """

    __slots__ = ("_array", "_requires_grad", "grad_fn", "_output_nr", "_version_counter",
                 "_base", "_grad", "_leaf_hooks", "_grad_acc", "__dict__", "__weakref__")
    __array_priority__ = 1000  # numpy scalars and arrays defer to our operators

    def __init__(self, *args, device=None, dtype=None):
        dt = as_dtype(dtype) if dtype is not None else get_default_dtype()
        dev = backend.as_device(device)
        xp = backend.xp_for(dev)
        if not args:
            arr = xp.empty((0,), dtype=dt.np)
        elif len(args) == 1 and isinstance(args[0], Size):
            arr = xp.empty(tuple(args[0]), dtype=dt.np)
        elif all(isinstance(a, int) and not isinstance(a, bool) for a in args):
            arr = xp.empty(args, dtype=dt.np)
        elif len(args) == 1 and isinstance(args[0], (list, tuple, np.ndarray, Tensor)):
            data = args[0]
            arr = data._array if isinstance(data, Tensor) else np.asarray(data, dtype=dt.np)
            arr = backend.to_device(arr, dev)
        else:
            raise TypeError(f"new(): data must be a sequence (got {type(args[0]).__name__})")
        self._init(arr)

    def _init(self, arr, requires_grad=False, grad_fn=None, output_nr=0, counter=None):
        self._array = arr
        self._requires_grad = requires_grad
        self.grad_fn = grad_fn
        self._output_nr = output_nr
        self._version_counter = counter if counter is not None else _VersionCounter()
        self._base = None
        self._grad = None
        self._leaf_hooks = None
        self._grad_acc = None

    @staticmethod
    def _make(array, requires_grad=False, grad_fn=None, output_nr=0, counter=None,
              view_of=None) -> Tensor:
        """Wrap an array without copying (the fast internal constructor)."""
        if isinstance(array, np.generic):
            array = np.asarray(array)
        t = object.__new__(Tensor)
        t._array = array
        t._requires_grad = requires_grad
        t.grad_fn = grad_fn
        t._output_nr = output_nr
        if view_of is not None:
            t._version_counter = view_of._version_counter
            t._base = view_of if view_of._base is None else view_of._base
        else:
            t._version_counter = counter if counter is not None else _VersionCounter()
            t._base = None
        t._grad = None
        t._leaf_hooks = None
        t._grad_acc = None
        return t

    @staticmethod
    def _zeros(shape, np_dtype, dev) -> Tensor:
        return Tensor._make(backend.xp_for(dev).zeros(shape, dtype=np_dtype))

    def _set_history(self, node, output_nr):
        self._requires_grad = True
        self.grad_fn = node
        self._output_nr = output_nr

    # basic properties ----------------------------------------------------------
    @property
    def shape(self) -> Size:
        return Size(self._array.shape)

    def size(self, dim: int | None = None):
        if dim is None:
            return Size(self._array.shape)
        return self._array.shape[_wrap_dim(dim, self._array.ndim)]

    @property
    def dtype(self):
        return from_numpy_dtype(self._array.dtype)

    @property
    def device(self) -> backend.device:
        return backend.device_of(self._array)

    @property
    def is_cuda(self) -> bool:
        return backend.is_cupy_array(self._array)

    @property
    def is_cpu(self) -> bool:
        return not backend.is_cupy_array(self._array)

    @property
    def ndim(self) -> int:
        return self._array.ndim

    def dim(self) -> int:
        return self._array.ndim

    ndimension = dim

    def numel(self) -> int:
        return int(self._array.size)

    nelement = numel

    def element_size(self) -> int:
        return self._array.itemsize

    @property
    def itemsize(self) -> int:
        return self._array.itemsize

    @property
    def nbytes(self) -> int:
        return int(self._array.nbytes)

    def is_floating_point(self) -> bool:
        return self._array.dtype.kind == "f"

    def is_complex(self) -> bool:
        return False

    def stride(self, dim: int | None = None):
        st = tuple(s // self._array.itemsize for s in self._array.strides)
        return st if dim is None else st[_wrap_dim(dim, self._array.ndim)]

    def data_ptr(self) -> int:
        if backend.is_cupy_array(self._array):
            return int(self._array.data.ptr)
        return int(self._array.__array_interface__["data"][0])

    def get_device(self) -> int:
        d = self.device
        return -1 if d.type == "cpu" else (d.index or 0)

    @property
    def _version(self) -> int:
        return self._version_counter.value

    def _bump(self):
        self._version_counter.value += 1

    # autograd state ------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool):
        if self.grad_fn is not None:
            if value:
                return
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you "
                               "want to use a computed variable in a subgraph that doesn't require "
                               "differentiation use var_no_grad = var.detach().")
        if value and self._array.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def grad(self):
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of "
                                f"type {type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError(f"assigned grad has data of a different size: expected "
                                   f"{list(self.shape)}, got {list(value.shape)}")
            if value._array.dtype != self._array.dtype:
                raise RuntimeError("assigned grad has data of a different type")
        self._grad = value

    @property
    def data(self) -> Tensor:
        """The same storage without autograd history (and without version tracking)."""
        return Tensor._make(self._array)

    @data.setter
    def data(self, value: Tensor):
        self._array = value._array if isinstance(value, Tensor) else value

    @property
    def retains_grad(self) -> bool:
        node = self.grad_fn
        return node is not None and self._output_nr in node.__dict__.get("_retain_grad", {})

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None:
            return
        self.grad_fn.__dict__.setdefault("_retain_grad", {})[self._output_nr] = weakref.ref(self)

    def _retain(self, g: Tensor):
        if is_grad_enabled():  # create_graph: keep the graph of the gradient
            self._grad = g if self._grad is None else self._grad + g
        elif self._grad is None:
            self._grad = Tensor._make(g._array.copy())
        else:
            self._grad._array += g._array

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor
        replaces the gradient. Returns a handle with ``remove()``.
        """
        from netlab.utils.hooks import RemovableHandle

        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if self._leaf_hooks is None:
                self._leaf_hooks = {}
            hooks = self._leaf_hooks
        else:
            hooks = self.grad_fn.__dict__.setdefault("_tensor_hooks", {}).setdefault(
                self._output_nr, {})
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def _grad_accumulator(self):
        from netlab.autograd.node import AccumulateGrad

        acc = self._grad_acc() if self._grad_acc is not None else None
        if acc is None:
            acc = AccumulateGrad(self)
            self._grad_acc = weakref.ref(acc)
        return acc

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate the gradient of this tensor into the ``.grad`` of the graph's leaves."""
        from netlab.autograd import backward

        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self) -> Tensor:
        """A view of the same data that is cut off from the graph (shares the version counter)."""
        out = Tensor._make(self._array, counter=self._version_counter)
        out._base = self._base
        return out

    def detach_(self) -> Tensor:
        if self._base is not None and self._base.requires_grad:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self._requires_grad = False
        return self

    # conversion to Python / numpy --------------------------------------------------
    def item(self):
        if self._array.size != 1:
            raise RuntimeError(f"a Tensor with {self._array.size} elements cannot be converted "
                               "to Scalar")
        return self._array.reshape(()).item() if self.is_cpu else self._array.item()

    def tolist(self):
        return backend.to_numpy(self._array).tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The tensor's data as a numpy array sharing memory (CPU tensors only)."""
        if backend.is_cupy_array(self._array):
            if force:
                return backend.to_numpy(self._array)
            raise TypeError("can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() "
                            "to copy the tensor to host memory first.")
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        return self._array

    def __array__(self, dtype=None, copy=None):
        arr = self.numpy(force=False) if not self._requires_grad else self._array
        if backend.is_cupy_array(arr):
            raise TypeError("can't convert cuda tensor to numpy; use .cpu() first")
        return arr if dtype is None else arr.astype(dtype)

    def __len__(self):
        if self._array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._array.shape[0]

    def __iter__(self):
        if self._array.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._array.shape[0]))

    def _scalar_check(self, what):
        if self._array.size != 1:
            raise RuntimeError(f"{what} of Tensor with more than one value is ambiguous")

    def __bool__(self):
        self._scalar_check("Boolean value")
        return bool(self.item())

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._array.dtype.kind not in "iub" or self._array.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __complex__(self):
        return complex(self.item())

    __hash__ = object.__hash__

    def __repr__(self):
        from netlab._formatting import tensor_repr

        return tensor_repr(self)

    def __format__(self, spec):
        if self._array.ndim == 0:
            return format(self.item(), spec)
        return object.__format__(self, spec)

    # pickling / copying ----------------------------------------------------------
    def __reduce_ex__(self, protocol):
        return (_rebuild, (backend.to_numpy(self._array), str(self.device), self._requires_grad))

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support "
                               "the deepcopy protocol at the moment.")
        if id(self) in memo:
            return memo[id(self)]
        new = type(self).__new__(type(self))
        Tensor._init(new, self._array.copy(), self._requires_grad)
        if self._grad is not None:
            new._grad = Tensor._make(self._grad._array.copy())
        new.__dict__.update({k: v for k, v in self.__dict__.items()})
        memo[id(self)] = new
        return new

    def type(self, dtype=None, non_blocking=False):
        """With no argument the type string (``'netlab.FloatTensor'``); else a cast."""
        if dtype is None:
            name = TYPE_NAMES[self.dtype]
            return f"netlab.cuda.{name}" if self.is_cuda else f"netlab.{name}"
        if isinstance(dtype, str) and dtype.endswith("Tensor"):
            short = dtype.rsplit(".", 1)[-1]
            dtype = next(d for d, n in TYPE_NAMES.items() if n == short)
        return self.to(as_dtype(dtype))


def _rebuild(array, dev, requires_grad):
    t = Tensor._make(backend.to_device(array, backend.device(dev)))
    t._requires_grad = requires_grad
    return t


def _wrap_dim(dim: int, ndim: int) -> int:
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim % n


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def _bind():
    from netlab.autograd import node

    node.Tensor = Tensor
    node._make = Tensor._make


_bind()
