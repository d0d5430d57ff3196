"""Graph nodes: the backward half of every differentiable op.

A ``Function`` is one primitive: ``forward`` works on raw arrays, ``backward`` right under it
works on Tensors (so that backward itself can be differentiated, for ``create_graph``).
Calling a Function instance runs forward and, when a gradient is needed, records the instance
itself as the ``grad_fn`` of its outputs.
"""

from __future__ import annotations

import itertools

import numpy as np

from netlab.autograd.grad_mode import is_grad_enabled
from netlab.backend import device_of

_sequence = itertools.count()
Tensor = None  # bound by netlab.tensor at import (node.py is imported before it exists)
_make = None


class Node:
    """A node of the backward graph (``tensor.grad_fn``)."""

    _backward_name: str | None = None
    next_functions: tuple = ()
    _seq = 0  # creation order: among ready nodes the newest runs first

    def name(self) -> str:
        return self._backward_name or f"{type(self).__name__}Backward0"

    def __repr__(self):
        return f"<{self.name()} object at {id(self):#x}>"

    def register_hook(self, hook):
        """``hook(grad_inputs, grad_outputs)`` runs after this node's backward."""
        from netlab.utils.hooks import RemovableHandle

        hooks = self.__dict__.setdefault("_post_hooks", {})
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def register_prehook(self, hook):
        """``hook(grad_outputs)`` runs before this node's backward and may replace them."""
        from netlab.utils.hooks import RemovableHandle

        hooks = self.__dict__.setdefault("_pre_node_hooks", {})
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def _release(self):
        """Free what was saved for backward (after a backward without ``retain_graph``)."""


class SavedTensor:
    """What a node keeps for backward: a tensor plus the version it had when saved."""

    __slots__ = ("tensor", "array", "counter", "version", "node", "output_nr", "requires_grad")

    def __init__(self, tensor=None, array=None, counter=None, node=None, output_nr=0,
                 requires_grad=False):
        self.tensor = tensor  # inputs and constants: the Tensor itself
        self.array = array  # outputs: only the array, to avoid a node <-> output cycle
        self.counter = counter if tensor is None else tensor._version_counter
        self.version = self.counter.value
        self.node = node
        self.output_nr = output_nr
        self.requires_grad = requires_grad

    def unpack(self, owner: Node):
        from netlab.tensor import Tensor

        if self.counter.value != self.version:
            t = self.tensor
            arr = self.array if t is None else t._array
            from netlab.dtypes import TYPE_NAMES, from_numpy_dtype

            kind = TYPE_NAMES[from_numpy_dtype(arr.dtype)]
            src = owner if t is None else t.grad_fn
            nr = self.output_nr if t is None else t._output_nr
            where = "" if src is None else f", which is output {nr} of {src.name()},"
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: [netlab.{kind} {list(arr.shape)}]{where} is at version "
                f"{self.counter.value}; expected version {self.version} instead. Hint: the "
                "operation that failed was simply the one that saved it; look for an in-place "
                "operation (a method ending in '_', or x[...] = ...) on that tensor after it "
                "was used.")
        if self.tensor is not None:
            return self.tensor
        return Tensor._make(self.array, self.requires_grad, owner if self.requires_grad else None,
                            self.output_nr, self.counter)


class _Raw:
    """A saved value that is not an array (None or a Python scalar)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def unpack(self, owner):
        return self.value


_FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you "
    "call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
    "through the graph a second time or if you need to access saved tensors after calling "
    "backward.")


class Function(Node):
    """Base of netlab's built-in primitives.

    Subclasses implement ``forward(self, *arrays)`` returning an array (or a tuple of arrays)
    and ``backward(self, *grad_outputs)`` returning one gradient Tensor (or ``None``) per input.
    Non-Tensor inputs (Python scalars, index arrays) pass through to ``forward`` unchanged and
    get no gradient. Set ``is_view = True`` for ops whose output shares memory with input 0.
    """

    is_view = False
    _saved = None
    _freed = False
    needs_input_grad: tuple = ()

    def __call__(self, *inputs):
        _T = Tensor
        arrays = []
        needs = []
        record = False
        for x in inputs:
            if isinstance(x, _T):
                arrays.append(x._array)
                rg = x._requires_grad
                needs.append(rg)
                record = record or rg
            else:
                arrays.append(x)
                needs.append(False)
        view_of = inputs[0] if self.is_view else None
        if not (record and is_grad_enabled()):
            ys = self.forward(*arrays)
            if type(ys) is not tuple:
                return _make(ys, False, None, 0, None, view_of)
            return tuple(_make(y, False, None, 0, None, view_of) for y in ys)

        self.needs_input_grad = tuple(needs)
        self._inputs_for_saving = inputs
        ys = self.forward(*arrays)
        self.next_functions = tuple(_edge(x) for x in inputs)
        self._seq = next(_sequence)
        single = type(ys) is not tuple
        if single:
            ys = (ys,)
        else:
            self._num_outputs = len(ys)
            self._output_meta = [(y.shape, y.dtype, device_of(y)) if y.dtype.kind == "f"
                                 else None for y in ys]
        outs = tuple(_make(y, y.dtype.kind == "f", self if y.dtype.kind == "f" else None, i,
                           None, view_of) for i, y in enumerate(ys))
        if self._saved:
            self._resolve_saved(ys, outs)
        self._inputs_for_saving = None
        return outs[0] if single else outs

    def forward(self, *arrays):
        raise NotImplementedError

    def backward(self, *grad_outputs):
        raise NotImplementedError(f"{self.name()} is not differentiable")

    # saving ------------------------------------------------------------------
    def save_for_backward(self, *arrays):
        """Keep arrays for backward: inputs and outputs are recognised and version-checked."""
        if self.needs_input_grad:
            self._saved = arrays

    def _resolve_saved(self, ys, outs):
        from netlab.tensor import Tensor

        inputs = self._inputs_for_saving
        saved = []
        for a in self._saved:
            entry = None
            if a is None:
                entry = _Raw(a)
            else:
                for x in inputs:
                    if isinstance(x, Tensor) and x._array is a:
                        entry = SavedTensor(tensor=x)
                        break
            if entry is None:
                for i, y in enumerate(ys):
                    if y is a:  # also numpy scalars, which 0-d ops return
                        o = outs[i]
                        entry = SavedTensor(array=o._array, counter=o._version_counter, node=self,
                                            output_nr=i, requires_grad=o.requires_grad)
                        break
            if entry is None:
                if isinstance(a, Tensor):
                    entry = SavedTensor(tensor=a)
                elif isinstance(a, (bool, int, float)) and not isinstance(a, np.generic):
                    entry = _Raw(a)  # a Python scalar: nothing to version-check
                else:
                    entry = SavedTensor(tensor=Tensor._make(a))
            saved.append(entry)
        self._saved = saved

    @property
    def saved_tensors(self) -> tuple:
        if self._freed:
            raise RuntimeError(_FREED_MSG)
        if self._saved is None:
            return ()
        return tuple(s.unpack(self) for s in self._saved)

    def _release(self):
        if self._saved:
            self._saved = None
            self._freed = True

    def _run_backward(self, grads):
        if self._freed:
            raise RuntimeError(_FREED_MSG)
        res = self.backward(*grads)
        return res if isinstance(res, tuple) else (res,)


def _edge(x):
    if not isinstance(x, Tensor) or not x._requires_grad:
        return None
    if x.grad_fn is not None:
        return (x.grad_fn, x._output_nr)
    return (x._grad_accumulator(), 0)


class AccumulateGrad(Node):
    """The sink for a leaf tensor: adds the incoming gradient into ``leaf.grad``."""

    _backward_name = "AccumulateGrad"

    def __init__(self, leaf):
        self.variable = leaf
        self._seq = next(_sequence)

    def _run_backward(self, grads):
        from netlab.tensor import Tensor

        leaf = self.variable
        g = grads[0]
        if g is None:
            return ()
        create_graph = is_grad_enabled()  # the engine runs backward in create_graph mode
        if leaf._grad is None:
            # copied: one gradient array may be handed to several leaves (e.g. by add)
            leaf._grad = g if create_graph else Tensor._make(g._array.copy())
        elif create_graph:
            leaf._grad = leaf._grad + g
        else:
            acc = leaf._grad._array
            acc += g._array
            leaf._grad._version_counter.value += 1
        return ()
