"""Checking and coercing layer parameter values (what an inspector or a design file sends).

Each coercer takes the :class:`~netlab.design.catalogue.ParamSpec`, the value and the layer's
number of spatial dims (``None`` when it has none) and returns the coerced value, or raises
``ValueError`` whose message completes "<param> must be ...".
"""

from __future__ import annotations

import math
import numbers

# value ranges by parameter name (PyTorch's constructors check few of these themselves)
_POSITIVE = {"in_features", "out_features", "in1_features", "in2_features", "in_channels",
             "out_channels", "kernel_size", "stride", "dilation", "groups", "num_features",
             "num_channels", "num_groups", "hidden_size", "input_size", "num_layers",
             "embed_dim", "num_heads", "num_embeddings", "embedding_dim", "upscale_factor",
             "downscale_factor", "d_model", "nhead", "dim_feedforward", "num_parameters",
             "kdim", "vdim", "divisor_override"}
_NON_NEGATIVE = {"padding", "output_padding", "proj_size"}
_PROBABILITY = {"p", "dropout"}


def _as_int(v, what: str, low: int | None):
    if isinstance(v, str):
        v = v.strip()
        try:
            v = int(v)
        except ValueError:
            raise ValueError(what) from None
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise ValueError(what)
    if not float(v).is_integer() or (low is not None and v < low):
        raise ValueError(what)
    return int(v)


def _low(name: str):
    return 1 if name in _POSITIVE else 0 if name in _NON_NEGATIVE else None


def _adj(name: str) -> str:
    return {1: "a positive int", 0: "a non-negative int", None: "an int"}[_low(name)]


def _c_int(p, v, nd):
    return _as_int(v, _adj(p.name), _low(p.name))


def _c_float(p, v, nd):
    if isinstance(v, str):
        try:
            v = float(v)
        except ValueError:
            raise ValueError("a number") from None
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise ValueError("a number")
    v = float(v)
    if p.name in _PROBABILITY and not 0 <= v <= 1:
        raise ValueError("a probability in [0, 1]")
    if p.name in ("eps", "layer_norm_eps") and not v > 0:
        raise ValueError("a positive number")
    if not math.isfinite(v) and p.name not in ("max_val", "min_val", "threshold"):
        raise ValueError("a finite number")
    return v


def _c_bool(p, v, nd):
    if isinstance(v, str) and v.strip().lower() in ("true", "false"):
        return v.strip().lower() == "true"
    if not isinstance(v, bool):
        raise ValueError("True or False")
    return v


def _c_str(p, v, nd):
    if not isinstance(v, str):
        raise ValueError("a string")
    return v


def _c_choice(p, v, nd):
    if v not in p.choices:
        raise ValueError("one of " + ", ".join(repr(c) for c in p.choices))
    return v


def _c_int_or_tuple(p, v, nd):
    n = nd or 0  # 0: a layer of any dimensionality (Upsample's size)
    tup = {0: "a tuple", 1: "a 1-tuple", 2: "a pair"}.get(n, f"a {n}-tuple")
    what = f"{_adj(p.name)} or {tup}"
    if p.choices and isinstance(v, str) and v in p.choices:
        return v
    if p.choices:
        what += " or " + " or ".join(repr(c) for c in p.choices)
    none_ok = p.name == "output_size" or p.kind.startswith("optional")
    if v is None and p.kind.startswith("optional"):
        return None
    if isinstance(v, (list, tuple)):
        if len(v) != n and not (n == 0 and 1 <= len(v) <= 3):
            raise ValueError(what)
        return tuple(None if (x is None and none_ok) else _as_int(x, what, _low(p.name))
                     for x in v)
    return _as_int(v, what, _low(p.name))


def _c_shape(p, v, nd):
    what = "a positive int or a tuple of positive ints"
    if p.name == "unflattened_size":
        what = "a tuple of positive ints (one may be -1)"
        if not isinstance(v, (list, tuple)) or not v:
            raise ValueError(what)
        out = tuple(_as_int(x, what, -1) for x in v)
        if 0 in out or out.count(-1) > 1:
            raise ValueError(what)
        return out
    if isinstance(v, (list, tuple)):
        if not v:
            raise ValueError(what)
        return tuple(_as_int(x, what, 1) for x in v)
    return (_as_int(v, what, 1),)


def _c_tuple(p, v, nd):
    if not isinstance(v, (list, tuple)):
        raise ValueError("a tuple")
    return tuple(v)


def _optional(inner):
    def coerce(p, v, nd):
        if v is None or (isinstance(v, str) and v.strip().lower() == "none"):
            return None
        return inner(p, v, nd)
    return coerce


COERCE = {  # ParamSpec.kind -> its coercer
    "int": _c_int, "float": _c_float, "bool": _c_bool, "str": _c_str, "choice": _c_choice,
    "int_or_tuple": _c_int_or_tuple, "shape": _c_shape, "tuple": _c_tuple,
    "optional_int": _optional(_c_int), "optional_float": _optional(_c_float),
    "optional_bool": _optional(_c_bool), "optional_int_or_tuple": _optional(_c_int_or_tuple),
}
