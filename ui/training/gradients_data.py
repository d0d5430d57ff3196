"""The Qt-free memory of the gradient view: per-layer norms and update ratios over the collected
steps, and per-parameter histograms stacked into heat-map rows.

The worker emits ``statsUpdated`` a few times a second with the latest report plus, under
``"series"``, every step collected since the previous emission (and under ``"hist_series"``
the histograms of the reports it skipped), so the lines keep every collected step however
fast the training runs. Reports without them add just their own step.

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


def _nums(values, n: int) -> np.ndarray:
    """A series column as floats for a log plot (see :func:`_num`); None reads all NaN."""
    if values is None:
        return np.full(n, math.nan)
    a = np.asarray(values, dtype=np.float64).ravel()
    if len(a) != n:
        raise ValueError(f"statsUpdated series: a column has {len(a)} values for {n} steps")
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(a) & (a > 0), a, math.nan)


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
        self.last_step: int | None = None  # the newest step added, kept or thinned out

    def __len__(self) -> int:
        return self._n

    @property
    def steps(self) -> np.ndarray:
        return np.asarray(self._steps, dtype=np.int64)

    def counts(self) -> np.ndarray:
        """The kept rows, oldest first: shape ``(rows, bins)``, over :attr:`edges`."""
        return self._rows[:self._n]

    def add(self, step: int, counts, edges) -> None:
        """Stack ``counts`` over ``edges`` as step ``step``'s row; a step not newer than the
        last one added is ignored (a series and its report may both carry the latest)."""
        counts = np.asarray(counts, dtype=np.float64)
        edges = np.asarray(edges, dtype=np.float64)
        if len(edges) != len(counts) + 1:
            raise ValueError(f"histogram of step {step}: {len(counts)} counts need "
                             f"{len(counts) + 1} edges, got {len(edges)}")
        if self.last_step is not None and step <= self.last_step:
            return
        self.last_step = int(step)
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
        steps, columns = self._rows(report, step, layers, grad_layers)
        last = self.steps[-1] if len(self) else -math.inf
        keep = steps > last  # a step already drawn (a repeated report) is not drawn twice
        if keep.any():
            self._buf.append(step=steps[keep], **{k: v[keep] for k, v in columns.items()})
        self._add_histograms(report, step, steps, params)
        self.latest = report
        return changed

    def _rows(self, report: dict, step: int, layers: dict, grad_layers: list[str]
              ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """The steps and norm/ratio columns a report adds: its series when it has one."""
        series = report.get("series") or {}
        steps = np.asarray(series.get("step", ()), dtype=np.float64).ravel()
        if not len(steps):  # a report alone: its own step
            cols = {}
            for n in grad_layers:
                cols[f"norm:{n}"] = np.array([_num(layers[n].get("grad_norm"))])
                cols[f"ratio:{n}"] = np.array([_num(layers[n].get("update_ratio"))])
            return np.array([float(step)]), cols
        per_layer = series.get("layers") or {}
        cols = {}
        for n in grad_layers:
            st = per_layer.get(n) or {}
            cols[f"norm:{n}"] = _nums(st.get("grad_norm"), len(steps))
            cols[f"ratio:{n}"] = _nums(st.get("update_ratio"), len(steps))
        return steps, cols

    def _add_histograms(self, report: dict, step: int, steps: np.ndarray, params: dict) -> None:
        """Stack the skipped reports' histograms (``hist_series``), then the report's own."""
        skipped = report.get("hist_series") or {}
        for name, p in params.items():
            for kind in ("grad", "weight"):
                hist = p.get(f"{kind}_hist")
                if hist is None or hist[0] is None:
                    continue
                rows = self._hists.get((name, kind))
                if rows is None:
                    rows = self._hists[(name, kind)] = HistogramRows()
                for s, counts, edges in _skipped_rows(skipped.get(name), kind, steps, hist[1]):
                    rows.add(s, counts, edges)
                rows.add(step, hist[0], hist[1])


def _skipped_rows(entry, kind: str, steps: np.ndarray, latest_edges) -> list[tuple]:
    """``(step, counts, edges)`` of one parameter's skipped histograms of ``kind``, oldest
    first, from its ``hist_series`` entry.

    The entry holds ``kind``: a list of counts (None where a report had none), oldest first,
    and optionally ``"step"`` (their steps; else they are the series' steps before the
    latest, or all of them when the list is as long as the series) and their edges:
    ``"<kind>_edges"`` (one per row, or one for all), else ``"edges"`` (``{kind: edges}``),
    else the latest report's edges of ``kind``.
    """
    if not entry:
        return []
    counts = list(entry.get(kind) or [])
    if not counts:
        return []
    if entry.get("step") is not None:
        own = np.asarray(entry["step"]).ravel()
    else:
        own = steps if len(counts) == len(steps) else steps[:-1]
    n = min(len(own), len(counts))
    if not n:
        return []
    own, counts = own[len(own) - n:], counts[len(counts) - n:]
    shared = entry.get("edges")
    shared = shared.get(kind) if isinstance(shared, dict) else None
    edges = entry.get(f"{kind}_edges")
    if isinstance(edges, (list, tuple)) and len(edges) and all(
            e is None or np.ndim(e) == 1 for e in edges):
        per_row = list(edges)[len(edges) - n:] if len(edges) >= n else [None] * n
    else:  # one edges array for every row (or none given)
        per_row = [edges] * n
    fallback = shared if shared is not None else latest_edges
    return [(int(s), c, e if e is not None else fallback)
            for s, c, e in zip(own, counts, per_row) if c is not None]
