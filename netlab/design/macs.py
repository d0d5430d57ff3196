"""Multiply-accumulate counts of the catalogue's layers, for one forward pass of a whole batch.

The formulas count the multiplications of the layer's main work, as torchinfo and ptflops do:

- Linear: ``rows * in_features * out_features`` (``rows``: all leading dims multiplied);
  Bilinear: ``rows * in1 * in2 * out``.
- Conv: ``output elements * in_channels / groups * prod(kernel)``; transposed conv:
  ``input elements * out_channels / groups * prod(kernel)``.
- Pooling: ``output elements * prod(kernel)`` (each window element is one add or compare);
  adaptive pooling and unpooling: ``input elements``.
- Normalization: ``input elements`` (one scale per element; the affine adds as many again).
- Activation, Loss: ``input elements``; Dropout, Shape, Embedding, nearest upsampling: 0;
  other upsampling modes: ``output elements``.
- RNN/LSTM/GRU: ``rows * sum over layers and directions of gates * hidden * (in + h)``
  (+ ``hidden * proj_size`` with projections), rows = steps * batch; cells the same for one
  step. MultiheadAttention: input and output projections ``rows * E * (E + kdim + vdim + E)``
  plus ``2 * N * L * S * E`` for the scores and the weighted sum, with ``S = L`` (self-attention).
  TransformerEncoderLayer: its attention plus ``2 * rows * d_model * dim_feedforward``.

Examples
--------
>>> macs("Linear", "Linear", {"in_features": 10, "out_features": 5, "bias": True}, (4, 10),
...      (4, 5))
200
"""

from __future__ import annotations

import math

_GATES = {"RNN": 1, "RNNCell": 1, "LSTM": 4, "LSTMCell": 4, "GRU": 3, "GRUCell": 3}


def _rows(shape: tuple) -> int:
    return math.prod(shape[:-1]) if shape else 1


def _ntuple(v, n: int) -> tuple:
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


def _recurrent(name: str, p: dict, shape: tuple) -> int:
    gates, h = _GATES[name], p["hidden_size"]
    rows = _rows(shape)
    if name.endswith("Cell"):
        return rows * gates * h * (p["input_size"] + h)
    proj = p.get("proj_size", 0) or 0
    real = proj if proj > 0 else h
    dirs = 2 if p["bidirectional"] else 1
    total = 0
    for layer in range(p["num_layers"]):
        in_size = p["input_size"] if layer == 0 else real * dirs
        total += dirs * (gates * h * (in_size + real) + h * proj)
    return rows * total


def _attention(e: int, kdim: int, vdim: int, shape: tuple, batch_first: bool) -> int:
    rows = _rows(shape)
    if len(shape) == 3:
        length = shape[1] if batch_first else shape[0]
        n = shape[0] if batch_first else shape[1]
    else:
        length, n = shape[0], 1
    return rows * e * (e + kdim + vdim + e) + 2 * n * length * length * e


def macs(type_name: str, category: str, p: dict, in_shape: tuple, out_shape: tuple) -> int:
    """Multiply-accumulates of ``type_name`` with parameters ``p`` (resolved) for one forward of
    an ``in_shape`` batch producing ``out_shape`` (see the module docstring for the formulas)."""
    n_in, n_out = math.prod(in_shape), math.prod(out_shape)
    if type_name == "Linear":
        return _rows(in_shape) * p["in_features"] * p["out_features"]
    if type_name == "Bilinear":
        return _rows(in_shape) * p["in1_features"] * p["in2_features"] * p["out_features"]
    if category == "Convolution":
        nd = 1 if type_name.endswith("1d") else 2
        k = math.prod(_ntuple(p["kernel_size"], nd))
        if "Transpose" in type_name:
            return n_in * p["out_channels"] // p["groups"] * k
        return n_out * p["in_channels"] // p["groups"] * k
    if category == "Pooling":
        if "kernel_size" in p and "Unpool" not in type_name:
            nd = 1 if type_name.endswith("1d") else 2
            return n_out * math.prod(_ntuple(p["kernel_size"], nd))
        return n_in
    if category == "Recurrent":
        return _recurrent(type_name, p, in_shape)
    if type_name == "MultiheadAttention":
        e = p["embed_dim"]
        return _attention(e, p["kdim"] or e, p["vdim"] or e, in_shape, p["batch_first"])
    if type_name == "TransformerEncoderLayer":
        d = p["d_model"]
        ff = 2 * _rows(in_shape) * d * p["dim_feedforward"]
        return _attention(d, d, d, in_shape, p["batch_first"]) + ff + 2 * n_in
    if category in ("Normalization", "Activation", "Loss"):
        return n_in
    if type_name.startswith("Upsampl"):
        mode = p.get("mode", "bilinear" if "Bilinear" in type_name else "nearest")
        return 0 if mode.startswith("nearest") else n_out
    return 0  # Dropout, Shape, Embedding: no arithmetic worth counting
