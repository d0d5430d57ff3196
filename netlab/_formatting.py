"""``repr`` of tensors in PyTorch's layout, and ``netlab.set_printoptions``.

The layout rules follow ``torch/_tensor_str.py``: one formatter per tensor chooses integer,
fixed-point or scientific notation from the finite non-zero values and pads every element to
one width; rows wrap at ``linewidth``; tensors above ``threshold`` elements print only
``edgeitems`` rows and columns at each edge with ``...`` between.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math

import numpy as np

from netlab import backend
from netlab.dtypes import bool_, get_default_dtype, int64

__all__ = ["set_printoptions", "get_printoptions", "printoptions"]


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = _PrintOptions()

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}


def set_printoptions(precision: int | None = None, threshold: float | None = None,
                     edgeitems: int | None = None, linewidth: int | None = None,
                     profile: str | None = None, sci_mode: bool | None = None) -> None:
    """Set how tensors print (the options of ``torch.set_printoptions``).

    ``profile`` is one of ``"default"``, ``"short"``, ``"full"``; explicit options override
    it. ``sci_mode=None`` (the default) lets each tensor choose scientific notation.

    Examples
    --------
    >>> import netlab
    >>> netlab.set_printoptions(precision=2)
    >>> netlab.tensor([1.12345])
    tensor([1.12])
    >>> netlab.set_printoptions(profile="default")
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"unknown print profile {profile!r}; expected one of "
                             f"{sorted(_PROFILES)}")
        for key, value in _PROFILES[profile].items():
            setattr(PRINT_OPTS, key, value)
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    # as in PyTorch, sci_mode is reset to automatic unless given
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict:
    """The current print options, as keyword arguments for :func:`set_printoptions`."""
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Temporarily change the print options (same keywords as :func:`set_printoptions`).

    Examples
    --------
    >>> import netlab
    >>> with netlab.printoptions(precision=1):
    ...     print(netlab.tensor([0.25]))
    tensor([0.2])
    """
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


class _Formatter:
    """Chooses one notation and width for all elements of a tensor (or of its summary)."""

    def __init__(self, arr: np.ndarray):
        self.floating = arr.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        if arr.size == 0:
            return
        flat = arr.reshape(-1)
        if not self.floating:
            if arr.dtype.kind == "b":
                self.max_width = 4 if bool(flat.all()) else 5
            else:  # the longest decimal is at one end of the range
                self.max_width = max(len(str(flat.min())), len(str(flat.max())))
            return
        vals = flat[np.isfinite(flat) & (flat != 0)]
        if vals.size == 0:
            return
        absv = np.abs(vals).astype(np.float64)
        vmin, vmax = float(absv.min()), float(absv.max())
        self.int_mode = bool(np.all(vals == np.ceil(vals)))
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = vmax / vmin > 1000.0 or vmax > 1.0e8 or vmin < 1.0e-4
        else:
            self.sci_mode = bool(PRINT_OPTS.sci_mode)
        p = PRINT_OPTS.precision
        pylist = vals.tolist()
        if self.sci_mode:
            width = max(len(f"{v:.{p}e}") for v in pylist)
        elif self.int_mode:  # the trailing "." of "3." is one more character
            width = max(len(f"{v:.0f}") for v in pylist) + 1
        else:
            width = max(len(f"{v:.{p}f}") for v in pylist)
        self.max_width = max(self.max_width, width)

    def format(self, value) -> str:
        if self.floating:
            p = PRINT_OPTS.precision
            if self.sci_mode:
                s = f"{value:{self.max_width}.{p}e}"
            elif self.int_mode:
                s = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    s += "."
            else:
                s = f"{value:.{p}f}"
        else:
            s = f"{value}"
        return s.rjust(self.max_width)


def _edges(arr, edge: int, cut: list[bool]):
    """Keep only the first and last ``edge`` entries along every axis flagged in ``cut``."""
    xp = backend.get_array_module(arr)
    for axis, c in enumerate(cut):
        if c:
            n = arr.shape[axis]
            idx = xp.asarray(list(range(edge)) + list(range(n - edge, n)), dtype=np.int64)
            arr = xp.take(arr, idx, axis=axis)
    return arr


def _vector_str(data: np.ndarray, cut: bool, indent: int, summarize: bool, fmt: _Formatter,
                edge: int) -> str:
    element_length = fmt.max_width + 2  # ", " between elements
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / element_length))
    if summarize and not edge:
        items = ["..."]
    elif summarize and cut:
        items = ([fmt.format(v) for v in data[:edge].tolist()] + [" ..."]
                 + [fmt.format(v) for v in data[edge:].tolist()])
    else:
        items = [fmt.format(v) for v in data.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(data: np.ndarray, cut: list[bool], axis: int, indent: int, summarize: bool,
                fmt: _Formatter, edge: int) -> str:
    nd = data.ndim
    if nd == 0:
        return fmt.format(data.item())
    if nd == 1:
        return _vector_str(data, cut[axis], indent, summarize, fmt, edge)

    def row(i):
        return _nested_str(data[i], cut, axis + 1, indent + 1, summarize, fmt, edge)

    if summarize and cut[axis]:
        rows = [row(i) for i in range(edge)] + ["..."] + [row(i) for i in range(edge, 2 * edge)]
    else:
        rows = [row(i) for i in range(data.shape[0])]
    return "[" + ("," + "\n" * (nd - 1) + " " * (indent + 1)).join(rows) + "]"


def _tensor_str(arr, indent: int) -> str:
    """The bracketed body of a non-empty tensor; ``arr`` is a numpy or cupy array."""
    if arr.size == 0:
        return "[]"
    summarize = arr.size > PRINT_OPTS.threshold
    edge = PRINT_OPTS.edgeitems
    if summarize:
        cut = [n > 2 * edge for n in arr.shape]
        # gather the edges first so that a large cupy array never crosses to the host whole
        data = backend.to_numpy(_edges(arr, edge, cut))
        if edge == 0 and arr.ndim == 1:  # PyTorch measures all values here (x[-0:] is x)
            fmt = _Formatter(backend.to_numpy(arr))
        else:
            fmt = _Formatter(data)
    else:
        cut = [False] * arr.ndim
        data = backend.to_numpy(arr)
        fmt = _Formatter(data)
    return _nested_str(data, cut, 0, indent, summarize, fmt, edge)


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    parts = [text]
    # PyTorch's measure of the last line (two more than its length when there is one line)
    last_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def tensor_repr(t) -> str:
    """``repr(t)`` as PyTorch prints it, with ``netlab.`` in place of ``torch.``."""
    name = type(t).__name__
    prefix = "tensor(" if name in ("Tensor", "Parameter") else f"{name}("
    indent = len(prefix)
    arr = t._array
    dt = t.dtype
    suffixes = []
    if backend.is_cupy_array(arr):
        suffixes.append(f"device='{t.device}'")
    if arr.size == 0:
        if arr.ndim != 1:
            suffixes.append(f"size={tuple(arr.shape)}")
        # an empty tensor shows no values to tell its dtype by, so any non-default one is named
        if dt is not get_default_dtype():
            suffixes.append(f"dtype={dt!r}")
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={tuple(arr.shape)}")
        if dt not in (get_default_dtype(), int64, bool_):
            suffixes.append(f"dtype={dt!r}")
        body = _tensor_str(arr, indent)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
