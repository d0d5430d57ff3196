"""NaN/Inf protection for one training step: cheap checks, a snapshot to undo a bad step,
and (only on the failure path) finding the layer that went bad first."""

from __future__ import annotations

import math

import netlab
from netlab.backend import get_array_module
from netlab.tensor import Tensor

__all__ = ["Snapshot", "all_finite", "diagnose", "first_nonfinite", "first_bad_module", "layer_of",
           "nonfinite_message"]


def all_finite(arrays) -> bool:
    """True when every array is free of NaN/Inf.

    One sum per array and a single host sync: a NaN or Inf anywhere makes the total
    non-finite. A total that overflows from huge finite values is double-checked exactly, so
    the cheap path never reports a false failure.
    """
    total = 0.0
    for a in arrays:
        total = total + a.sum(dtype="float64")
    if math.isfinite(float(total)):
        return True
    return all(bool(get_array_module(a).isfinite(a).all()) for a in arrays)


def first_nonfinite(named_arrays) -> str | None:
    """The name of the first array (in the given order) holding a NaN or Inf, or None."""
    for name, a in named_arrays:
        if a is not None and not bool(get_array_module(a).isfinite(a).all()):
            return name
    return None


def layer_of(parameter: str, root: str) -> str:
    """``"fc1.weight" -> "fc1"``; a parameter of the model itself belongs to ``root``."""
    return parameter.rpartition(".")[0] or root


def first_bad_module(model, forward) -> str | None:
    """Run ``forward()`` once with hooks on every module and return the dotted name of the
    first one (in forward order) whose output holds a NaN or Inf; the model itself is
    reported by its class name. Buffers (e.g. BatchNorm running statistics) and the random
    state are restored afterwards, so the diagnosis changes nothing."""
    found: list[str] = []
    root = type(model).__name__

    def hook_for(name):
        def hook(module, args, output):
            if found:
                return
            outs = output if isinstance(output, (tuple, list)) else (output,)
            arrays = [o._array for o in outs if isinstance(o, Tensor)]
            if arrays and not all(bool(get_array_module(a).isfinite(a).all())
                                  for a in arrays):
                found.append(name or root)
        return hook

    buffers = [(b, b._array.copy()) for b in model.buffers()]
    handles = [m.register_forward_hook(hook_for(name)) for name, m in model.named_modules()]
    try:
        with netlab.no_grad(), netlab.random.fork_rng():
            forward()
    finally:
        for h in handles:
            h.remove()
        for b, saved in buffers:
            b._array[...] = saved
    return found[0] if found else None


def diagnose(model, forward, named_params, where: str, parameter: str | None):
    """``(layer, parameter)`` to blame for a non-finite step (only run on the failure path).

    Bad weights name their parameter's layer. Otherwise the forward is re-run with hooks
    and the first module with a non-finite output is named; when every layer's output is
    finite, the first parameter (registration order) with a non-finite gradient is named,
    and with none of those either, the loss itself is to blame (layer None).
    """
    root = type(model).__name__
    if where == "weights":
        return layer_of(parameter, root), parameter
    layer = first_bad_module(model, forward)
    if layer is None or layer == root:
        parameter = first_nonfinite((name, None if p.grad is None else p.grad._array)
                                    for name, p in named_params)
        if parameter:
            layer = layer_of(parameter, root)
    return layer, parameter


def nonfinite_message(where, layer, parameter, value, step, epoch, batch, lr) -> str:
    """The user's explanation of a non-finite step, with what to try."""
    what = {"loss": f"the loss became {value}",
            "gradient": "a gradient holds NaN/Inf",
            "weights": "the update made a weight NaN/Inf"}[where]
    place = f"first in layer {layer!r}" if layer else \
        "in the loss itself: every layer's output is finite (outputs far too large?)"
    if parameter:
        place += f" (parameter {parameter!r})"
    return (f"step {step} (epoch {epoch}, batch {batch}): {what}, {place}. The step was not "
            f"applied: the weights are those after step {step - 1}. Try a lower learning "
            f"rate (now {lr:g}), scaled inputs or another initialisation.")


class Snapshot:
    """A copy of the parameters, buffers and optimizer state taken before each step, so a
    step that produced NaN/Inf can be undone exactly.

    Why a copy every step: an update like ``w - lr * g`` cannot be inverted exactly in
    floating point, and the weights can overflow even when the gradients are finite. The
    copy goes into buffers allocated once (``copyto``, no allocation), one pass over
    memory the optimizer touches anyway, which is small next to the forward and backward
    passes of a batch.
    """

    def __init__(self, params, buffers, optimizer):
        self.params = list(params)
        self.buffers = list(buffers)
        self.optimizer = optimizer
        self._p = [p._array.copy() for p in self.params]
        self._b = [b._array.copy() for b in self.buffers]
        self._state_bufs: dict = {}
        self._state: dict = {}

    def save(self) -> None:
        for p, buf in zip(self.params, self._p):
            _copy(buf, p._array)
        for b, buf in zip(self.buffers, self._b):
            _copy(buf, b._array)
        saved = {}
        state = self.optimizer.state
        for p in self.params:
            st = state.get(p)
            if not st:
                continue
            entry = {}
            for k, v in st.items():
                if isinstance(v, Tensor):
                    key = (id(p), k)
                    buf = self._state_bufs.get(key)
                    if buf is None or buf.shape != v._array.shape or buf.dtype != v._array.dtype:
                        buf = self._state_bufs[key] = v._array.copy()
                    else:
                        _copy(buf, v._array)
                    entry[k] = buf
                else:
                    entry[k] = _Kept(v)
            saved[p] = entry
        self._state = saved

    def restore(self) -> None:
        for p, buf in zip(self.params, self._p):
            _copy(p._array, buf)
        for b, buf in zip(self.buffers, self._b):
            _copy(b._array, buf)
        state = self.optimizer.state
        for p in self.params:
            entry = self._state.get(p)
            if entry is None:
                state.pop(p, None)  # the failed step created this state: drop it
                continue
            st = state[p]
            for k, v in entry.items():
                if isinstance(v, _Kept):
                    st[k] = v.value
                else:
                    st[k] = Tensor._make(v.copy())


class _Kept:
    """A non-tensor optimizer state value, kept as it was."""

    def __init__(self, value):
        self.value = value


def _copy(dst, src) -> None:
    get_array_module(dst).copyto(dst, src)
