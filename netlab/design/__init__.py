"""``netlab.design``: the GUI-free design model of NetLab Studio.

The layer catalogue (every layer type of :mod:`netlab.nn` with its parameters, shape rule,
state_dict entries and cost), the design graph, live shape inference and compilation.
"""

from netlab.design.catalogue import CATALOGUE, LayerSpec, ParamSpec, layer_spec

__all__ = ["CATALOGUE", "LayerSpec", "ParamSpec", "layer_spec"]
