"""The Qt-free memory of the gradient view: per-layer norms and update ratios over the collected
steps, and per-parameter histograms stacked into heat-map rows.

:class:`netlab.training.stats.TrainingStats` bins every parameter's gradients and weights over
a fixed range ``[-r, r]`` that only ever doubles, so rows of one parameter stack into a heat
map. When the range doubles, the rows kept so far are re-binned once onto the new edges (by
their cumulative counts, exact where the old edges fall on new ones), so every row of a
heat map always shares the latest edges.
"""

from __future__ import annotations

import math

import numpy as np

from ui.training.buffers import GrowableBuffer

__all__ = ["GradientHistory", "HistogramRows", "rebin"]

MAX_ROWS = 512  # heat-map rows kept per parameter and kind; beyond, every other row goes


def _num(value) -> float:
    """A statistic as a float for a log plot: None, zero, negative and NaN/Inf read NaN."""
    if value is None:
        return math.nan
    v = float(value)
    return v if math.isfinite(v) and v > 0 else math.nan


def rebin(counts: np.ndarray, edges: np.ndarray, new_edges: np.ndarray) -> np.ndarray:
    """Counts over ``edges`` redistributed onto ``new_edges`` (which cover them), assuming
    values spread evenly inside each old bin.

    Examples
    --------
    >>> rebin(np.array([1, 3]), np.array([-1.0, 0.0, 1.0]), np.array([-2.0, 0.0, 2.0])).tolist()
    [1.0, 3.0]
    """
    cum = np.concatenate([[0.0], np.cumsum(np.asarray(counts, dtype=np.float64), axis=-1)])
    return np.diff(np.interp(new_edges, edges, cum))


class HistogramRows:
    """The stacked histograms of one parameter's gradients or weights.

    Rows share the latest edges; at most ``max_rows`` are kept: when full, every other row
    is dropped and from then on only every ``stride``-th new histogram is kept, so a long run
    keeps an evenly thinned picture of its whole history.

    Examples
    --------
    >>> rows = HistogramRows()
    >>> rows.add(0, np.array([1, 2]), np.array([-1.0, 0.0, 1.0]))
    >>> rows.add(5, np.array([0, 4]), np.array([-2.0, 0.0, 2.0]))
    >>> rows.counts().tolist(), rows.steps.tolist()
    ([[1.0, 2.0], [0.0, 4.0]], [0, 5])
    """

    def __init__(self, max_rows: int = MAX_ROWS):
        self.max_rows = max(2, int(max_rows))
        self.edges: np.ndarray | None = None
        self.latest: np.ndarray | None = None  # the newest counts, kept even when thinned out
        self._rows = np.empty((0, 0))
        self._steps: list[int] = []
        self._n = 0
        self.stride, self._seen = 1, 0

    def __len__(self) -> int:
        return self._n

    @property
    def steps(self) -> np.ndarray:
        return np.asarray(self._steps, dtype=np.int64)

    def counts(self) -> np.ndarray:
        """The kept rows, oldest first: shape ``(rows, bins)``, over :attr:`edges`."""
        return self._rows[:self._n]

    def add(self, step: int, counts, edges) -> None:
        counts = np.asarray(counts, dtype=np.float64)
        edges = np.asarray(edges, dtype=np.float64)
        self.latest = counts
        if self.edges is not None and (len(edges) != len(self.edges)
                                       or not np.array_equal(edges, self.edges)):
            self._regrid(edges)
        self.edges = edges
        self._seen += 1
        if (self._seen - 1) % self.stride:
            return
        if self._n == self.max_rows:
            self._rows[:self._n // 2] = self._rows[:self._n:2][:self._n // 2]
            self._steps = self._steps[::2][:self._n // 2]
            self._n //= 2
            self.stride *= 2
        if self._rows.shape[1] != len(counts) or self._n == len(self._rows):
            grown = np.zeros((min(max(2 * len(self._rows), 16), self.max_rows), len(counts)))
            if self._n:
                grown[:self._n] = self._rows[:self._n]
            self._rows = grown
        self._rows[self._n] = counts
        self._steps.append(int(step))
        self._n += 1

    def _regrid(self, edges: np.ndarray) -> None:
        if not self._n:
            return
        if len(edges) == len(self.edges) and edges[0] <= self.edges[0] \
                and edges[-1] >= self.edges[-1]:
            self._rows[:self._n] = np.apply_along_axis(rebin, 1, self._rows[:self._n],
                                                       self.edges, edges)
        else:  # a different bin count or a shrunk range: the old rows no longer compare
            self._n, self._steps = 0, []


class GradientHistory:
    """Everything the gradient view has seen of one run, from ``statsUpdated`` reports.

    Examples
    --------
    >>> h = GradientHistory()
    >>> h.add({"step": 0, "layers": {"fc": {"grad_norm": 0.5, "update_ratio": 0.01}},
    ...        "parameters": {"fc.weight": {"layer": "fc"}}, "health": {"fc": "healthy"}})
    True
    >>> h.grad_layers, h.norms("fc").tolist()
    (['fc'], [0.5])
    """

    def __init__(self):
        self.reset()

    def reset(self, layers=(), parameters=()) -> None:
        """Forget everything; ``layers`` and ``parameters`` (runStarted's) give the order
        to show them in: Qt sorts the keys of dicts that cross a signal."""
        self._order = {name: i for i, name in enumerate(layers)}
        self._param_order = {name: i for i, name in enumerate(parameters)}
        self.layers: list[str] = []  # every layer of the reports, in the reports' order
        self.grad_layers: list[str] = []  # those with parameters
        self.params_of: dict[str, list[str]] = {}  # layer -> its parameter names
        self.latest: dict | None = None
        self._buf: GrowableBuffer | None = None
        self._hists: dict[tuple[str, str], HistogramRows] = {}

    def __len__(self) -> int:
        return 0 if self._buf is None else len(self._buf)

    @property
    def steps(self) -> np.ndarray:
        return np.empty(0) if self._buf is None else self._buf["step"]

    def norms(self, layer: str) -> np.ndarray:
        """The layer's gradient norm per collected step (NaN where none or not positive)."""
        return self._column("norm", layer)

    def ratios(self, layer: str) -> np.ndarray:
        """The layer's update-to-weight ratio per collected step (NaN where none)."""
        return self._column("ratio", layer)

    def histograms(self, param: str, kind: str) -> HistogramRows | None:
        """``kind`` "grad" or "weight": the parameter's stacked histograms, if any came."""
        return self._hists.get((param, kind))

    def _column(self, what: str, layer: str) -> np.ndarray:
        key = f"{what}:{layer}"
        if self._buf is None or key not in self._buf.columns:
            return np.empty(0)
        return self._buf[key]

    def add(self, report: dict) -> bool:
        """Take one report; True when the set of layers changed (the views rebuild)."""
        layers = report.get("layers") or {}
        params = report.get("parameters") or {}
        params_of: dict[str, list[str]] = {}
        porder = self._param_order
        for name, p in sorted(params.items(), key=lambda kv: porder.get(kv[0], len(porder))):
            params_of.setdefault(p.get("layer") or name.rpartition(".")[0], []).append(name)
        names = sorted(layers, key=lambda n: self._order.get(n, len(self._order)))
        grad_layers = [n for n in names if n in params_of]
        changed = names != self.layers or grad_layers != self.grad_layers
        if changed:  # a report of another model: start over rather than mix columns
            self.reset(self._order, self._param_order)
            self.layers, self.grad_layers = names, grad_layers
            cols = ["step"] + [f"{w}:{n}" for n in grad_layers for w in ("norm", "ratio")]
            self._buf = GrowableBuffer(cols, capacity=256)
        self.params_of = params_of
        step = int(report.get("step", len(self)))
        row = {"step": step}
        for n in grad_layers:
            row[f"norm:{n}"] = _num(layers[n].get("grad_norm"))
            row[f"ratio:{n}"] = _num(layers[n].get("update_ratio"))
        self._buf.append(**row)
        for name, p in params.items():
            for kind in ("grad", "weight"):
                hist = p.get(f"{kind}_hist")
                if hist is None or hist[0] is None:
                    continue
                rows = self._hists.get((name, kind))
                if rows is None:
                    rows = self._hists[(name, kind)] = HistogramRows()
                rows.add(step, hist[0], hist[1])
        self.latest = report
        return changed
