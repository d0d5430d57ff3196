"""``compile(design)``: a netlab Module whose forward follows the graph and whose state_dict
keys are exactly the inferred ones."""

from __future__ import annotations

from collections import OrderedDict

from netlab.design.graph import INPUT, OUTPUT, Design, DesignError
from netlab.design.infer import infer, top_level_order
from netlab.nn.container import Sequential
from netlab.nn.module import Module
from netlab.nn.parallel import DataParallel


class GraphModule(Module):
    """A module that runs a design's nodes in topological order."""

    def __init__(self, design: Design, modules: dict, order: list):
        super().__init__()
        self.__dict__["_plan"] = [(nid, design.nodes[nid].type, dict(design.nodes[nid].params),
                                   [e.src for e in design.inputs_of(nid)]) for nid in order]
        self.__dict__["_node_modules"] = modules  # node id -> submodule (registered in the tree)
        inputs = [nid for nid in order if design.nodes[nid].type == INPUT]
        outputs = [nid for nid in order if design.nodes[nid].type == OUTPUT]
        if not outputs:
            used = {e.src for e in design.edges.values()}
            outputs = [nid for nid in order if nid not in used]
        self.__dict__["_inputs"], self.__dict__["_outputs"] = inputs, outputs

    def forward(self, *xs):
        if len(xs) != len(self._inputs):
            raise TypeError(f"this design takes {len(self._inputs)} input(s), got {len(xs)}")
        values = dict(zip(self._inputs, xs))
        for nid, kind, params, srcs in self._plan:
            if kind == INPUT:
                continue
            args = [values[s] for s in srcs]
            values[nid] = _run_node(kind, params, self._node_modules.get(nid), args)
        outs = [values[o] for o in self._outputs]
        return outs[0] if len(outs) == 1 else tuple(outs)


def _run_node(kind, params, module, args):
    if module is not None:
        return module(args[0])
    if kind == OUTPUT:
        return args[0]
    if kind == "Add":
        out = args[0]
        for a in args[1:]:
            out = out + a
        return out
    if kind == "Multiply":
        out = args[0]
        for a in args[1:]:
            out = out * a
        return out
    if kind == "Concat":
        from netlab import cat

        return cat(args, params.get("dim", 1))
    if kind == "Reshape":
        return args[0].reshape(args[0].shape[0], *params.get("shape", [-1]))
    if kind == "Permute":
        return args[0].permute(*params["dims"])
    raise DesignError(f"cannot run a node of type {kind}")


def compile(design: Design) -> Module:  # noqa: A001 - the issue's name for it
    """Build the netlab Module of ``design``; raises DesignError when a node has an error.

    Examples
    --------
    >>> from netlab.design.graph import Design
    >>> d = Design()
    >>> x = d.add_node("Input", params={"shape": [4]})
    >>> fc = d.add_node("Linear", name="fc", params={"out_features": 2})
    >>> _ = d.connect(x.id, fc.id)
    >>> list(compile(d).state_dict())
    ['fc.weight', 'fc.bias']
    """
    from netlab.design.catalogue import layer_spec

    info = infer(design)
    if info.errors:
        first = next(iter(info.errors.values()))
        raise DesignError(f"the design has {len(info.errors)} error(s); first: {first}")
    node_modules = {nid: layer_spec(design.nodes[nid].type).build(i.params)
                    for nid, i in info.nodes.items() if i.params or _is_layer(design, nid)}

    built: dict = {}  # group id -> its module, so a reference group reuses the same one

    def build(item_id):
        if item_id in design.nodes:
            return node_modules.get(item_id)
        if item_id not in built:
            built[item_id] = _build_group(design.groups[item_id], design, build)
        return built[item_id]

    top = [(design._name(i), build(i)) for i in top_level_order(design)]
    top = [(n, m) for n, m in top if m is not None]
    order = design.topological_order()
    if design.root_sequential:  # inference has checked it is one path
        model: Module = Sequential(*[m for _, m in top])
    elif _is_chain(design, order) and not design.groups:
        model = Sequential(OrderedDict(top))
    else:
        model = GraphModule(design, node_modules, order)
        for name, m in top:
            model.add_module(name, m)
    return DataParallel(model) if design.dataparallel else model


def _build_group(grp, design: Design, build):
    kids = [(design._name(m), build(m)) for m in grp.members]
    kids = [(n, m) for n, m in kids if m is not None]
    if grp.kind == "dataparallel":
        return DataParallel(kids[0][1]) if kids else None
    if grp.indexed:
        return Sequential(*[m for _, m in kids])
    return Sequential(OrderedDict(kids))


def _is_layer(design, nid) -> bool:
    from netlab.design.graph import SPECIAL

    return design.nodes[nid].type not in SPECIAL


def _is_chain(design: Design, order: list) -> bool:
    """One input, one path, no merges: a plain Sequential is the natural module."""
    for nid in order:
        n = design.nodes[nid]
        if len(design.inputs_of(nid)) > 1 or len(design.outputs_of(nid)) > 1:
            return False
        if n.type not in (INPUT, OUTPUT) and not _is_layer(design, nid):
            return False
    return sum(design.nodes[n].type == INPUT for n in order) == 1
