"""Export a design: PyTorch source code, a summary table, and state_dict files."""

from __future__ import annotations

import inspect

from netlab.design.graph import INPUT, OUTPUT, SPECIAL, Design
from netlab.design.infer import format_shape, infer, top_level_order


def _ctor(design: Design, nid: str, params: dict) -> str:
    """``nn.Conv2d(3, 6, kernel_size=5)``-style constructor call with non-default arguments."""
    from netlab.design.catalogue import layer_spec

    node = design.nodes[nid]
    spec = layer_spec(node.type)
    sig = inspect.signature(spec.cls.__init__)
    args = []
    for name, p in sig.parameters.items():
        if name == "self" or name not in params:
            continue
        value = params[name]
        if p.default is not inspect.Parameter.empty and value == p.default:
            continue
        if isinstance(value, list):
            value = tuple(value)
        args.append(f"{name}={value!r}")
    return f"nn.{node.type}({', '.join(args)})"


def _module_expr(design: Design, item_id: str, params: dict, paths: dict) -> str | None:
    if item_id in design.nodes:
        if design.nodes[item_id].type in SPECIAL:
            return None
        return _ctor(design, item_id, params[item_id])
    grp = design.groups[item_id]
    if grp.refs:  # the same modules again: the attributes that hold them, defined above
        kids = [(design._name(m), paths[m] if _builds_module(design, m) else None)
                for m in grp.members]
    else:
        kids = [(design._name(m), _module_expr(design, m, params, paths))
                for m in grp.members]
    kids = [(n, e) for n, e in kids if e is not None]
    if grp.kind == "dataparallel":  # wrapping no layer, it builds no module (as in compile)
        return f"nn.DataParallel({kids[0][1]})" if kids else None
    if grp.indexed:
        return "nn.Sequential(" + ", ".join(e for _, e in kids) + ")"
    return "nn.Sequential(OrderedDict([" + ", ".join(f"({n!r}, {e})" for n, e in kids) + "]))"


def _builds_module(design: Design, item_id: str) -> bool:
    """As compile: a layer or a Sequential (even an empty one, which still takes an index in
    its parent) is a module; a DataParallel is one when what it wraps is."""
    if item_id in design.nodes:
        return design.nodes[item_id].type not in SPECIAL
    grp = design.groups[item_id]
    return grp.kind != "dataparallel" or any(_builds_module(design, m) for m in grp.members)


def _access_paths(design: Design) -> dict:
    """Python expression reaching each layer node's and group's module from ``self``, at its
    own place (not through a reference group)."""
    paths = {}

    def walk(item_id, expr):
        paths[item_id] = expr
        if item_id in design.nodes:
            return
        grp = design.groups[item_id]
        if grp.refs:
            return
        if grp.kind == "dataparallel":
            for m in grp.members:
                walk(m, expr + ".module")
            return
        layer_kids = [m for m in grp.members if _builds_module(design, m)]
        for i, m in enumerate(layer_kids):
            walk(m, f"{expr}[{i}]" if grp.indexed else f"{expr}.{design._name(m)}")

    i = 0
    for item in top_level_order(design):
        walk(item, f"self[{i}]" if design.root_sequential else f"self.{design._name(item)}")
        i += _builds_module(design, item)
    return paths


def pytorch_code(design: Design, class_name: str = "Net") -> str:
    """Readable PyTorch source of an ``nn.Module`` that builds the same network (same
    state_dict keys, so the exported ``.pt`` loads with ``strict=True``)."""
    info = infer(design)
    if info.errors:
        raise ValueError(f"fix the design's errors first: {next(iter(info.errors.values()))}")
    params = {nid: i.params for nid, i in info.nodes.items()}
    lines = ["import torch", "import torch.nn as nn", "from collections import OrderedDict", "",
             "", f"class {class_name}(nn.Module):", "    def __init__(self):",
             "        super().__init__()"]
    paths = _access_paths(design)
    if design.root_sequential:
        return _sequential_code(design, class_name, params, paths)
    for item in top_level_order(design):
        expr = _module_expr(design, item, params, paths)
        if expr is not None:
            lines.append(f"        self.{design._name(item)} = {expr}")
    order = design.topological_order()
    inputs = [n for n in order if design.nodes[n].type == INPUT]
    var = {n: design.nodes[n].name for n in order}
    lines += ["", f"    def forward(self, {', '.join(var[n] for n in inputs)}):"]
    outputs = [n for n in order if design.nodes[n].type == OUTPUT] or \
        [n for n in order if not design.outputs_of(n)]
    for nid in order:
        node = design.nodes[nid]
        srcs = [var[e.src] for e in design.inputs_of(nid)]
        if node.type == INPUT:
            continue
        if node.type == OUTPUT:
            var[nid] = srcs[0]
            continue
        if node.type == "Add":
            rhs = " + ".join(srcs)
        elif node.type == "Multiply":
            rhs = " * ".join(srcs)
        elif node.type == "Concat":
            rhs = f"torch.cat([{', '.join(srcs)}], dim={node.params.get('dim', 1)})"
        elif node.type == "Reshape":
            shape = ", ".join(str(s) for s in node.params.get("shape", [-1]))
            rhs = f"{srcs[0]}.reshape({srcs[0]}.shape[0], {shape})"
        elif node.type == "Permute":
            rhs = f"{srcs[0]}.permute({', '.join(str(d) for d in node.params['dims'])})"
        else:
            rhs = f"{paths[nid]}({srcs[0]})"
        lines.append(f"        {var[nid]} = {rhs}")
    ret = ", ".join(var[n] for n in outputs)
    lines += [f"        return {ret}", "", ""]
    return "\n".join(lines + _build_model_lines(design, class_name))


def _build_model_lines(design: Design, class_name: str) -> list:
    lines = [f"def build_model():\n    model = {class_name}()"]
    if design.dataparallel:
        lines.append("    model = nn.DataParallel(model)")
    return lines + ["    return model", ""]


def _sequential_code(design: Design, class_name: str, params: dict, paths: dict) -> str:
    """The model as an ``nn.Sequential`` subclass: keys ``0.weight``, ``1.bias``, ..."""
    lines = ["import torch", "import torch.nn as nn", "from collections import OrderedDict", "",
             "", f"class {class_name}(nn.Sequential):", "    def __init__(self):",
             "        super().__init__("]
    for item in top_level_order(design):
        expr = _module_expr(design, item, params, paths)
        if expr is not None:
            lines.append(f"            {expr},")
    return "\n".join(lines + ["        )", "", ""] + _build_model_lines(design, class_name))


def summary(design: Design, batch_size: int | None = None) -> str:
    """A torchinfo-like table: layer (hierarchy), output shape, parameters, state_dict keys."""
    info = infer(design)
    rows = [("Layer (type)", "Output shape", "Params", "Keys")]
    total = 0
    prefixes = {}
    from netlab.design.infer import key_prefixes

    prefixes = key_prefixes(design)
    root = 1 if design.dataparallel else 0  # the whole-model "module." is not a level
    for nid in design.topological_order():
        node = design.nodes[nid]
        i = info.nodes[nid]
        path = prefixes.get(nid, node.name + ".")[:-1]
        if node.type in SPECIAL:
            path = node.name
        depth = path.count(".") - root
        name = "  " * max(depth, 0) + f"{path} ({node.type})"
        shape = format_shape(i.shape) if i.error is None else "error"
        if batch_size is not None and i.shape is not None:
            shape = shape.replace("N", str(batch_size))
        total += i.n_params
        keys = ", ".join(e.key.rsplit(".", 1)[-1] for e in i.own_entries)
        rows.append((name, shape, f"{i.n_params:,}" if i.entries else "-", keys or "-"))
    widths = [max(len(r[c]) for r in rows) for c in range(4)]
    sep = "-" * (sum(widths) + 6)
    out = [sep, "  ".join(r.ljust(w) for r, w in zip(rows[0], widths)), sep]
    out += ["  ".join(r.ljust(w) for r, w in zip(row, widths)) for row in rows[1:]]
    out += [sep, f"Total params: {total:,}"]
    errors = info.errors
    if errors:
        out.append(f"Errors: {len(errors)}")
        out += [f"  - {msg}" for msg in errors.values()]
    return "\n".join(out)


def export_state_dict(design: Design, path, *, module_prefix: bool | None = None,
                      model=None, format: str | None = None) -> None:
    """Save the compiled model's state_dict (``.pt``, ``.safetensors`` or ``.npz`` by
    extension, or ``format``); ``module_prefix`` adds or strips DataParallel's ``module.``."""
    from netlab.design.compile import compile as compile_design
    from netlab.nn.utils.prefix import (
        add_prefix_to_state_dict,
        consume_prefix_in_state_dict_if_present,
    )
    from netlab.serialization import save

    model = model if model is not None else compile_design(design)
    sd = model.state_dict()
    if module_prefix is True and not design.dataparallel:
        add_prefix_to_state_dict(sd, "module.")
    elif module_prefix is False and design.dataparallel:
        consume_prefix_in_state_dict_if_present(sd, "module.")
    save(sd, path, format=format)
