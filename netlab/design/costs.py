"""What a design costs: parameters, multiply-accumulates and memory, per node and in total.

Everything is read off an inference (:func:`netlab.design.infer.infer`) for a chosen batch
size, optimizer and element size:

- parameters: the node's ``parameter`` state_dict entries (buffers such as ``running_mean``
  are not parameters); all of them are trainable until the design can freeze layers; a
  module that a reference group registers twice counts once, as ``model.parameters()``;
- multiply-accumulates of one forward pass of the batch (the catalogue's formulas,
  :mod:`netlab.design.macs`); an ``Add`` or ``Multiply`` of k inputs counts ``k - 1``
  operations per output element; inputs, outputs, ``Concat`` and shape ops count none;
- activation memory: the node's output elements for the batch times the element size (an
  ``Output`` node aliases its input and holds nothing of its own);
- parameter, gradient (one per trainable parameter) and optimizer-state memory (per trainable
  parameter: SGD none, momentum one buffer, Adam two, AMSGrad three, RMSprop one plus one
  for momentum and one when centered, Adagrad one), and buffer memory (integer buffers at
  their own size, e.g. BatchNorm's int64 ``num_batches_tracked``).

Nodes without a shape (an error upstream) have ``None`` for MACs and activation memory, and
the totals leave them out.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from netlab.design.graph import MERGES, OUTPUT, SPECIAL, Design
from netlab.design.infer import Inference, infer

OPTIMIZER_STATES = {
    "sgd": 0, "sgd_momentum": 1, "adam": 2, "adamw": 2, "adam_amsgrad": 3, "adamw_amsgrad": 3,
    "rmsprop": 1, "rmsprop_momentum": 2, "rmsprop_centered": 2,
    "rmsprop_centered_momentum": 3, "adagrad": 1,
}
"""Optimizer-state tensors kept per trainable parameter, by optimizer name."""


@dataclass(frozen=True)
class NodeCost:
    """The cost of one node (or, as ``CostReport.total``, of the whole design)."""

    trainable_params: int = 0
    total_params: int = 0
    macs: int | None = 0  # None: the node has no shape to count on
    activation_bytes: int | None = 0
    param_bytes: int = 0
    grad_bytes: int = 0
    optimizer_bytes: int = 0
    buffer_bytes: int = 0

    @property
    def state_bytes(self) -> int:
        """Parameters + gradients + optimizer state + buffers."""
        return self.param_bytes + self.grad_bytes + self.optimizer_bytes + self.buffer_bytes

    @property
    def memory_bytes(self) -> int:
        """State plus activations: the training memory this node accounts for."""
        return self.state_bytes + (self.activation_bytes or 0)


@dataclass(frozen=True)
class CostReport:
    nodes: dict  # node id -> NodeCost
    total: NodeCost
    batch_size: int
    optimizer: str
    dtype_bytes: int

    @property
    def incomplete(self) -> list:
        """Node ids whose MACs or activations could not be counted (no shape)."""
        return [n for n, c in self.nodes.items() if c.macs is None or c.activation_bytes is None]


def costs(design: Design, batch_size: int = 1, optimizer: str = "sgd", dtype_bytes: int = 4,
          inference: Inference | None = None) -> CostReport:
    """Parameter counts, multiply-accumulates and memory of every node of ``design`` and in
    total, for a batch of ``batch_size``, trained with ``optimizer`` (a key of
    :data:`OPTIMIZER_STATES`) in elements of ``dtype_bytes`` bytes. Pass ``inference`` to reuse
    a current :func:`infer` result.

    Examples
    --------
    >>> d = Design()
    >>> x = d.add_node("Input", params={"shape": [10]})
    >>> fc = d.add_node("Linear", params={"out_features": 5})
    >>> _ = d.connect(x.id, fc.id)
    >>> c = costs(d, batch_size=4, optimizer="adam")
    >>> c.nodes[fc.id].total_params, c.nodes[fc.id].macs, c.total.optimizer_bytes
    (55, 200, 440)
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    if isinstance(dtype_bytes, bool) or not isinstance(dtype_bytes, int) or dtype_bytes < 1:
        raise ValueError(f"dtype_bytes must be a positive int, got {dtype_bytes!r}")
    opt = str(optimizer).strip().lower().replace("-", "_").replace(" ", "_")
    if opt not in OPTIMIZER_STATES:
        raise ValueError(f"unknown optimizer {optimizer!r}; choose one of "
                         + ", ".join(OPTIMIZER_STATES))
    n_states = OPTIMIZER_STATES[opt]
    info = inference if inference is not None else infer(design)
    inputs: dict = {}
    for e in sorted(design.edges.values(), key=lambda e: e.dst_port):
        inputs.setdefault(e.dst, []).append(e.src)

    nodes = {}
    for nid, ni in info.nodes.items():
        node = design.nodes[nid]
        own = ni.own_entries  # a module shared under two names holds its tensors once
        params = sum(_numel(e.shape) for e in own if e.kind == "parameter")
        buffers = sum(_numel(e.shape) * _itemsize(e.dtype, dtype_bytes)
                      for e in own if e.kind == "buffer")
        trainable = params  # nothing can be frozen yet
        out = _concrete(ni.shape, batch_size)
        ins = [_concrete(info.nodes[s].shape if s in info.nodes else None, batch_size)
               for s in inputs.get(nid, [])]
        activation = None if out is None else (0 if node.type == OUTPUT
                                               else _numel(out) * dtype_bytes)
        nodes[nid] = NodeCost(
            trainable_params=trainable, total_params=params,
            macs=_macs(node, ni.params, ins, out), activation_bytes=activation,
            param_bytes=params * dtype_bytes, grad_bytes=trainable * dtype_bytes,
            optimizer_bytes=n_states * trainable * dtype_bytes, buffer_bytes=buffers)
    total = NodeCost(**{f.name: sum(getattr(c, f.name) or 0 for c in nodes.values())
                        for f in fields(NodeCost)})
    return CostReport(nodes, total, batch_size, opt, dtype_bytes)


def _numel(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def _itemsize(dtype: str, dtype_bytes: int) -> int:
    """Floating buffers follow the chosen element size; integer ones keep their own."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        return dtype_bytes
    return dtype_bytes if dt.kind in "fc" else dt.itemsize


def _concrete(shape, batch: int):
    """``("N", 6, 28, 28)`` -> ``(batch, 6, 28, 28)``; None when a dim is unknown."""
    if shape is None:
        return None
    out = []
    for s in shape:
        if isinstance(s, int):
            out.append(s)
        elif s == "N":
            out.append(batch)
        elif isinstance(s, str) and s.endswith("*N") and s[:-2].isdigit():
            out.append(int(s[:-2]) * batch)
        else:
            return None
    return tuple(out)


def _macs(node, params: dict, ins: list, out) -> int | None:
    if node.type in SPECIAL:
        if node.type in MERGES and node.type != "Concat":
            return None if out is None else (len(ins) - 1) * _numel(out)
        return 0
    if out is None or not ins or ins[0] is None or not params:
        return None
    from netlab.design.catalogue import layer_spec

    try:
        return layer_spec(node.type).macs(params, ins[0], out)
    except (ValueError, TypeError, KeyError, ArithmeticError):
        return None
