"""Per-layer activation statistics from forward hooks, for :mod:`netlab.training.stats`.

The hooks stay registered for the whole run but return at once unless the probe is armed, so
a step that collects nothing pays one attribute test per layer. Each armed forward reduces a
layer's output to a handful of numbers right away (nothing keeps the activations alive).
"""

from __future__ import annotations

import math

import numpy as np

from netlab import backend
from netlab.autograd.grad_mode import is_grad_enabled
from netlab.tensor import Tensor
from netlab.training import stats_reduce
from netlab.training.stats_reduce import sum_squares

# Layers whose output is exactly zero wherever the unit is off: a unit (channel or feature)
# that outputs zero for a whole batch is a dead ReLU.
DEAD_UNIT_TYPES = ("ReLU", "ReLU6")
# Layers that only reshape their input: their statistics would repeat the previous layer's.
SKIP_TYPES = ("Flatten", "Unflatten", "Identity")


def leaf_layers(model, root_name: str) -> list[tuple[str, object]]:
    """``(layer name, module)`` for every leaf module worth probing, in registration order."""
    out = []
    for name, module in model.named_modules():
        if module._modules or type(module).__name__ in SKIP_TYPES:
            continue
        out.append((name or root_name, module))
    return out


class ActivationProbe:
    """Forward hooks that summarise each leaf layer's output while ``armed`` is true.

    ``results`` maps a layer name to ``(n, sum, sum of squares, zeros, dead units, units)``;
    the last two are None except for ReLU-family layers.

    Examples
    --------
    >>> import netlab
    >>> relu = netlab.nn.ReLU()
    >>> probe = ActivationProbe([("relu", relu)])
    >>> probe.attach(); probe.armed = True
    >>> _ = relu(netlab.tensor([[-1.0, 2.0], [-3.0, 4.0]]))
    >>> probe.summary()["relu"]["dead_units_fraction"]
    0.5
    """

    def __init__(self, layers: list[tuple[str, object]]):
        self.layers = layers
        self.armed = False
        self.results: dict[str, tuple] = {}
        self._handles = []

    def attach(self) -> None:
        if self._handles:
            return
        for name, module in self.layers:
            dead = type(module).__name__ in DEAD_UNIT_TYPES
            self._handles.append(module.register_forward_hook(self._hook_for(name, dead)))

    def detach(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []
        self.armed = False

    @property
    def attached(self) -> bool:
        return bool(self._handles)

    def _hook_for(self, name: str, dead: bool):
        def hook(module, args, output):
            if not self.armed or not is_grad_enabled():  # validation runs under no_grad
                return None
            if isinstance(output, (tuple, list)):  # e.g. LSTM: (output, (h, c))
                output = next((o for o in output if isinstance(o, Tensor)), None)
            if isinstance(output, Tensor) and output._array.size:
                with np.errstate(all="ignore"):  # overflowing outputs are reported as such
                    self.results[name] = _summarise(output._array, dead)
            return None

        return hook

    def take(self) -> dict[str, tuple]:
        """The results gathered since the last take, and disarm."""
        res, self.results, self.armed = self.results, {}, False
        return res

    def summary(self, results: dict | None = None) -> dict[str, dict]:
        """Per layer: activation_mean, activation_std, activation_zero_fraction and
        dead_units_fraction (None for layers that are not ReLU-like)."""
        res = self.take() if results is None else results
        out = {}
        for name, (n, s, ss, zeros, dead, units) in res.items():
            s, ss = float(s), float(ss)
            mean = s / n
            var = ss / n - mean * mean
            out[name] = {
                "activation_mean": mean,
                "activation_std": math.sqrt(var) if var > 0 else (0.0 if var <= 0 else math.nan),
                "activation_zero_fraction": float(zeros) / n,
                "dead_units_fraction": None if dead is None else float(dead) / units,
            }
        return out


def _summarise(a, dead: bool) -> tuple:
    xp = backend.get_array_module(a)
    f = a.ravel()
    n = f.size
    if xp is np:
        s, ss = float(f.sum()), sum_squares(f)  # pairwise sums: float32 keeps ~7 digits
        mean = s / n
        if ss / n - mean * mean < stats_reduce._CANCEL * ss / n:
            # |mean| ~ rms: one more pass so the std keeps its digits
            ss = n * (float(f.var(dtype=np.float64)) + mean * mean)
    else:
        s, ss = f.sum(), xp.square(f).sum()
    zeros = xp.count_nonzero(f == 0)
    if not dead:
        return n, s, ss, zeros, None, None
    # ReLU-like outputs are >= 0: a unit (channel/feature) is dead when its largest output over
    # the batch (and every position) is 0; reducing the contiguous trailing axes first is fast
    if a.ndim < 2:
        units, peak = 1, a.max()
    else:
        units = a.shape[1]
        peak = a.reshape(a.shape[0], units, -1).max(axis=2).max(axis=0)
    return n, s, ss, zeros, xp.count_nonzero(peak == 0), units
