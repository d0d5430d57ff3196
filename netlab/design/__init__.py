"""``netlab.design``: the GUI-free design model of NetLab Studio.

The layer catalogue (every layer type of :mod:`netlab.nn` with its parameters, shape rule,
state_dict entries and cost), the design graph, live shape inference, compilation to a
Module, design files and exports.

Examples
--------
>>> from netlab import design
>>> d = design.Design()
>>> x = d.add_node("Input", params={"shape": [4]})
>>> fc = d.add_node("Linear", name="fc", params={"out_features": 2})
>>> _ = d.connect(x.id, fc.id)
>>> design.infer(d).nodes[fc.id].shape
('N', 2)
"""

from netlab.design.catalogue import CATALOGUE, LayerSpec, ParamSpec, layer_spec
from netlab.design.compile import compile  # noqa: A004 - the issue's name for it
from netlab.design.graph import Design, DesignError, Edge, Group, Node
from netlab.design.infer import Inference, NodeInfo, StateEntry, format_shape, infer
from netlab.design.io import DesignFileError, load_design, save_design
from netlab.design.train_script import training_script

__all__ = ["CATALOGUE", "Design", "DesignError", "DesignFileError", "Edge", "Group",
           "Inference", "LayerSpec", "Node", "NodeInfo", "ParamSpec", "StateEntry", "compile",
           "format_shape", "infer", "layer_spec", "load_design", "save_design",
           "training_script"]
