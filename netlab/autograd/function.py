"""User-defined differentiable functions: ``netlab.autograd.Function``.

Examples
--------
>>> class Square(Function):
...     @staticmethod
...     def forward(ctx, x):
...         ctx.save_for_backward(x)
...         return x * x
...     @staticmethod
...     def backward(ctx, g):
...         x, = ctx.saved_tensors
...         return 2 * x * g
"""

from __future__ import annotations

import functools

from netlab.autograd.grad_mode import is_grad_enabled, no_grad
from netlab.autograd.node import _FREED_MSG, Node, SavedTensor, _edge, _sequence


class FunctionCtx(Node):
    """The ``ctx`` of a custom Function; it is also the output's ``grad_fn``."""

    _fn_cls = None
    _saved = None
    _freed = False
    materialize_grads = True

    def __init__(self):
        self.needs_input_grad = ()
        self.to_save = ()
        self._non_diff = set()
        self._dirty = ()

    def save_for_backward(self, *tensors):
        self.to_save = tensors

    def mark_non_differentiable(self, *tensors):
        self._non_diff = {id(t) for t in tensors}

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def set_materialize_grads(self, value: bool):
        self.materialize_grads = bool(value)

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(_FREED_MSG)
        if self._saved is None:
            return tuple(self.to_save)
        return tuple(None if s is None else s.unpack(self) for s in self._saved)

    def _release(self):
        if self._saved is not None:
            self._saved = None
            self._freed = True

    def _run_backward(self, grads):
        if self._freed:
            raise RuntimeError(_FREED_MSG)
        res = self._fn_cls.backward(self, *grads)
        if not isinstance(res, tuple):
            res = (res,)
        n = len(self.next_functions)
        if len(res) > n and all(r is None for r in res[n:]):
            res = res[:n]
        if len(res) != n:
            raise RuntimeError(f"function {self.name()} returned an incorrect number of "
                               f"gradients (expected {n}, got {len(res)})")
        from netlab.tensor import Tensor

        for i, (g, shape) in enumerate(zip(res, self._input_shapes)):
            if g is None or shape is None:
                continue
            if not isinstance(g, Tensor):
                raise TypeError(f"function {self.name()} returned a gradient of type "
                                f"{type(g).__name__} at index {i}; expected a Tensor or None")
            if g.shape != shape:
                if g.numel() == _numel(shape):
                    res = res[:i] + (g.reshape(shape),) + res[i + 1:]
                else:
                    raise RuntimeError(
                        f"Function {self.name()} returned an invalid gradient at index {i} - got "
                        f"{list(g.shape)} but expected shape compatible with {list(shape)}")
        return res


def _numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


class Function:
    """Base class for custom autograd operations: static ``forward`` and ``backward``.

    ``forward(ctx, *args)`` computes the outputs from Tensors (no graph is recorded inside);
    ``backward(ctx, *grad_outputs)`` returns one gradient per forward argument.
    Call it through ``MyFunction.apply(*args)``.
    """

    _ctx_cls = None

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        cls._ctx_cls = type(f"{cls.__name__}Backward", (FunctionCtx,),
                            {"_fn_cls": cls, "_backward_name": f"{cls.__name__}Backward"})

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode AD.")

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        from netlab.tensor import Tensor

        if cls._ctx_cls is None:
            raise RuntimeError("Function.apply must be called on a subclass")
        ctx = cls._ctx_cls()
        needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        ctx.needs_input_grad = needs
        record = is_grad_enabled() and any(needs)
        custom_setup = cls.setup_context is not Function.setup_context
        with no_grad():
            if custom_setup:
                out = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, out)
            else:
                out = cls.forward(ctx, *args, **kwargs)
        single = not isinstance(out, tuple)
        outs = (out,) if single else out
        if not record:
            return out
        ctx.next_functions = tuple(_edge(a) for a in args)
        ctx._input_shapes = tuple(a.shape if isinstance(a, Tensor) else None for a in args)
        ctx._seq = next(_sequence)
        dirty = {id(t) for t in ctx._dirty}
        new_outs = []
        meta = []
        for i, o in enumerate(outs):
            if not isinstance(o, Tensor):
                new_outs.append(o)
                meta.append(None)
                continue
            diff = o.dtype.is_floating_point and id(o) not in ctx._non_diff
            if id(o) in dirty:
                t = o  # modified in place: the input itself now comes out of this node
            elif any(o is a for a in args):
                t = Tensor._make(o._array, False, None, 0, o._version_counter, o)
            else:
                t = o
            if diff:
                t._set_history(ctx, i)
            meta.append((o.shape, o._array.dtype, o.device) if diff else None)
            new_outs.append(t)
        ctx._num_outputs = len(outs)
        ctx._output_meta = meta if ctx.materialize_grads else None
        saved = []
        for s in ctx.to_save:
            if s is None:
                saved.append(None)
            elif any(s is o for o in new_outs):
                i = next(k for k, o in enumerate(new_outs) if o is s)
                saved.append(SavedTensor(array=s._array, counter=s._version_counter, node=ctx,
                                         output_nr=i, requires_grad=s.requires_grad))
            else:
                saved.append(SavedTensor(tensor=s))
        ctx._saved = saved
        ctx.to_save = ()
        return new_outs[0] if single else tuple(new_outs)


class InplaceFunction(Function):
    pass


def once_differentiable(fn):
    """Mark a backward as not itself differentiable: it runs without recording a graph."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            return fn(ctx, *args)

    return wrapper
