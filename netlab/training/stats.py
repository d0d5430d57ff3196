"""Gradient, weight and activation statistics of a model during training, with health flags.

The trainer calls :meth:`TrainingStats.before_step` after ``backward()`` and
:meth:`TrainingStats.after_step` after ``optimizer.step()``; on every ``every``-th step the
latter returns a report of plain Python/numpy data (safe to hand to another thread):

``{"step", "parameters": {"fc1.weight": {...}}, "layers": {"fc1": {...}}, "health":
{"fc1": "healthy"|"vanishing"|"exploding"|"dead"|"nonfinite"}, "flags": [messages]}``

Statistics are reduced where the arrays live (numpy or cupy) and only a few numbers per
parameter come back; on steps that collect nothing the cost is a modulo and, with
activations, one flag test per layer in the forward hooks.
"""

from __future__ import annotations

import math

import numpy as np

from netlab import backend
from netlab.training.stats_activations import ActivationProbe, leaf_layers
from netlab.training.stats_health import HealthMonitor, HealthThresholds
from netlab.training.stats_reduce import MAXABS, DiffSquares, Reducer
from netlab.training.stats_report import NO_GRADS, ReportBuilder

__all__ = ["TrainingStats", "HealthThresholds"]

_NO_ACTS = dict.fromkeys(("activation_mean", "activation_std", "activation_zero_fraction",
                          "dead_units_fraction"))


class TrainingStats:
    """Collects per-parameter and per-layer statistics every ``every`` steps.

    Parameters
    ----------
    model : the Module being trained.
    every : collect on steps where ``step % every == 0``.
    histogram_bins : 0 for none; else gradient and weight histograms with this many equal-width
        bins over ``[-r, r]``, ``r`` fixed per parameter at its first collection and doubled
        whenever values fall outside, so histograms over time stack into a heat map.
    activations : per-layer output statistics via forward hooks (after :meth:`attach`).
    thresholds : when layers count as vanishing, exploding or dead.

    Per parameter: ``layer``, ``grad_norm``, ``grad_mean``, ``grad_std`` (population, ddof=0),
    ``grad_max_abs``, ``grad_zero_fraction`` (None when the parameter has no gradient),
    ``weight_norm`` (of the weights the gradient was taken at), ``update_ratio``
    (``||w_after - w_before|| / ||w_before||``, None when ``w_before`` is zero) and, with bins,
    ``grad_hist`` / ``weight_hist`` as ``(counts, edges)`` numpy arrays. Per layer: the same
    numbers over the layer's parameters (norms are square roots of summed squares; None for
    layers without parameters) plus ``activation_mean``, ``activation_std``,
    ``activation_zero_fraction`` and ``dead_units_fraction`` (ReLU-like layers: the fraction
    of units, i.e. channels or features, that output zero for the whole batch).

    Layers are modules named by their dotted path (``block.conv1``; parameters of the model
    itself go under the model's class name), in registration order; activations come from
    leaf modules, except reshaping ones (Flatten, Unflatten, Identity). Step protocol:
    optionally :meth:`begin_step` before the forward pass (arms the hooks for exactly that
    step), :meth:`before_step` after backward, :meth:`after_step` after the optimizer step.

    Examples
    --------
    >>> import netlab
    >>> model = netlab.nn.Sequential(netlab.nn.Linear(3, 2))
    >>> stats = TrainingStats(model, every=1).attach()
    >>> opt = netlab.optim.SGD(model.parameters(), lr=0.1)
    >>> model(netlab.ones(4, 3)).sum().backward()
    >>> stats.before_step(0); opt.step()
    >>> report = stats.after_step(0)
    >>> sorted(report["parameters"]), report["health"]
    (['0.bias', '0.weight'], {'0': 'healthy'})
    """

    def __init__(self, model, *, every: int = 1, histogram_bins: int = 0,
                 activations: bool = True, thresholds: HealthThresholds | None = None):
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"TrainingStats(every={every!r}): collect every k steps needs an "
                             f"integer k >= 1 (leave statistics off instead of every=0)")
        if isinstance(histogram_bins, bool) or not isinstance(histogram_bins, int) \
                or histogram_bins < 0:
            raise ValueError(f"TrainingStats(histogram_bins={histogram_bins!r}) must be an "
                             f"integer >= 0 (0: no histograms)")
        self.model = model
        self.every = every
        self.histogram_bins = histogram_bins
        self.thresholds = thresholds or HealthThresholds()
        root = type(model).__name__
        self._names, self._params, self._layer_of = [], [], []
        for name, p in model.named_parameters():
            self._names.append(name)
            self._params.append(p)
            self._layer_of.append(name.rpartition(".")[0] or root)
        self._builder = ReportBuilder(self._names, self._layer_of,
                                      [p._array.size for p in self._params])
        probed = leaf_layers(model, root) if activations else []
        self._probe = ActivationProbe(probed)
        # layer order: registration order of the modules that own parameters or are probed
        owners = set(self._layer_of) | {name for name, _ in probed}
        self.layers = [n or root for n, _ in model.named_modules() if (n or root) in owners]
        self._reducer = Reducer()
        self._weights = DiffSquares()
        self._health = HealthMonitor(self.thresholds)
        self._ranges: dict[tuple[str, str], float] = {}
        self._pending = None
        self._finite = None

    # hooks --------------------------------------------------------------------------------
    def attach(self) -> TrainingStats:
        """Register the activation hooks (no-op without ``activations``); returns self."""
        self._probe.attach()
        self._probe.armed = True  # the first forward may be a collected step of any number
        return self

    def detach(self) -> None:
        """Remove every hook this object registered; gradient statistics keep working."""
        self._probe.detach()

    def __enter__(self):
        return self.attach()

    def __exit__(self, *exc):
        self.detach()

    # the step protocol ----------------------------------------------------------------------
    def wants(self, step: int) -> bool:
        """True when ``step`` is one whose statistics are collected."""
        return step % self.every == 0

    def begin_step(self, step: int) -> None:
        """Optional, before the forward pass: arm the activation hooks exactly for ``step``.

        Without it the hooks arm themselves for ``step + 1`` in :meth:`after_step`, which is
        right whenever steps are numbered consecutively.
        """
        self._probe.results = {}
        self._probe.armed = self._probe.attached and self.wants(step)

    def before_step(self, step: int) -> None:
        """After backward, before ``optimizer.step()``: read gradients and keep the weights."""
        self._finite = None
        self._pending = None
        if step % self.every:
            self._probe.take()
            return
        params = self._params
        present = [i for i, p in enumerate(params) if p.grad is not None]
        garrs = [params[i].grad._array for i in present]
        with np.errstate(all="ignore"):  # huge or NaN gradients are reported, not warned about
            moments = self._reducer.moments(garrs)
        worst = float(moments[MAXABS].max()) if present else 0.0
        self._finite = worst - worst == 0.0  # False for NaN and Inf
        warrs = [p._array for p in params]
        self._weights.keep(warrs)
        hists = self._histograms(present, garrs, moments, warrs) if self.histogram_bins else None
        self._pending = (step, present, moments, self._probe.take(), hists)

    def after_step(self, step: int) -> dict | None:
        """After ``optimizer.step()``: the report for ``step``, or None if it collects none."""
        pending, self._pending = self._pending, None
        self._probe.armed = bool(self._probe._handles) and (step + 1) % self.every == 0
        if pending is None or pending[0] != step:
            return None
        _, present, moments, acts, hists = pending
        with np.errstate(all="ignore"):
            upd, kept = self._weights.diff([p._array for p in self._params])
            return self._report(step, present, moments, upd, kept, acts, hists)

    def grads_finite(self) -> bool | None:
        """Whether this step's gradients are all finite, if this step collected them."""
        return self._finite

    # report ----------------------------------------------------------------------------------
    def _report(self, step, present, moments, upd, kept, acts, hists) -> dict:
        params, layer_grads, bad = self._builder.build(present, moments, upd, kept)
        if hists is not None:
            for name, (grad_hist, weight_hist) in zip(self._names, hists):
                params[name]["grad_hist"], params[name]["weight_hist"] = grad_hist, weight_hist
        act = self._probe.summary(acts)
        layers = {}
        for name in self.layers:
            entry = layers[name] = layer_grads.get(name) or {**NO_GRADS, "weight_norm": None,
                                                             "update_ratio": None}
            entry.update(act.get(name) or _NO_ACTS)
        health, flags = self._health.update(layers, bad)
        return {"step": step, "parameters": params, "layers": layers, "health": health,
                "flags": flags}

    # histograms --------------------------------------------------------------------------
    def _histograms(self, present, garrs, moments, warrs) -> list:
        out = [(None, None)] * len(warrs)
        gmax = dict(zip(present, moments[MAXABS].tolist()))
        for i, w in enumerate(warrs):
            name = self._names[i]
            g = None
            if i in gmax:
                g = self._hist(name, "grad", garrs[present.index(i)], gmax[i])
            xp = backend.get_array_module(w)
            wmax = float(xp.abs(w).max()) if w.size else 0.0
            out[i] = (g, self._hist(name, "weight", w, wmax))
        return out

    def _hist(self, name: str, kind: str, a, max_abs: float):
        """``(counts, edges)`` over this parameter's fixed range, doubled to fit ``max_abs``."""
        key = (name, kind)
        r = self._ranges.get(key)
        if math.isfinite(max_abs):
            if r is None:
                r = max_abs if max_abs > 0 else 1e-12
            elif max_abs > r:
                r *= 2.0 ** math.ceil(math.log2(max_abs / r))
            self._ranges[key] = r
        elif r is None:
            r = 1.0  # all values NaN/Inf: histogram them against a placeholder range
        xp = backend.get_array_module(a)
        counts, _ = xp.histogram(a.ravel(), bins=self.histogram_bins, range=(-r, r))
        # float64 edges whatever the array's dtype, so rows of every parameter compare
        return (backend.to_numpy(counts).astype(np.int64),
                np.linspace(-r, r, self.histogram_bins + 1))
