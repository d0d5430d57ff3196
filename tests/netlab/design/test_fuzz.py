"""Random designs (hypothesis): inference agrees with the compiled module's forward and
state_dict, and random edit sequences never raise anything but DesignError out of the model,
while inference never raises at all."""

import importlib.util

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import netlab
from netlab.design.compile import compile  # noqa: A004
from netlab.design.export import pytorch_code
from netlab.design.graph import Design, DesignError
from netlab.design.infer import infer, key_prefixes

_SETTINGS = settings(max_examples=40, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow])
_BATCH = 2


def _image_layer(draw, shape):
    c, h, w = shape
    kind = draw(st.sampled_from(["conv", "conv", "bn", "act", "pool", "drop", "gn", "permute"]))
    if kind == "conv":
        p = draw(st.integers(0, 1))
        k = draw(st.integers(1, min(3, h + 2 * p, w + 2 * p)))
        s = draw(st.integers(1, 2))
        out = draw(st.integers(1, 6))
        params = {"in_channels": draw(st.sampled_from(["auto", c])), "out_channels": out,
                  "kernel_size": k, "stride": s, "padding": p, "bias": draw(st.booleans())}
        return "Conv2d", params, (out, (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1)
    if kind == "bn":
        return "BatchNorm2d", {"num_features": draw(st.sampled_from(["auto", c]))}, shape
    if kind == "gn":
        return "GroupNorm", {"num_groups": 1, "num_channels": "auto"}, shape
    if kind == "pool" and h >= 2 and w >= 2:
        t = draw(st.sampled_from(["MaxPool2d", "AvgPool2d"]))
        return t, {"kernel_size": 2}, (c, h // 2, w // 2)
    if kind == "permute":
        return "Permute", {"dims": [0, 1, 3, 2]}, (c, w, h)
    if kind == "drop":
        return "Dropout", {"p": draw(st.sampled_from([0.0, 0.5]))}, shape
    return draw(st.sampled_from(["ReLU", "Tanh", "GELU", "LeakyReLU", "Sigmoid"])), {}, shape


def _vector_layer(draw, shape):
    (f,) = shape
    kind = draw(st.sampled_from(["linear", "linear", "bn", "ln", "act", "drop", "reshape"]))
    if kind == "linear":
        out = draw(st.integers(1, 8))
        params = {"in_features": draw(st.sampled_from(["auto", f])), "out_features": out,
                  "bias": draw(st.booleans())}
        return "Linear", params, (out,)
    if kind == "bn":
        return "BatchNorm1d", {"num_features": draw(st.sampled_from(["auto", f]))}, shape
    if kind == "ln":
        return "LayerNorm", {"normalized_shape": "auto"}, shape
    if kind == "reshape":
        return "Reshape", {"shape": [-1]}, shape
    if kind == "drop":
        return "Dropout", {"p": 0.5}, shape
    t = draw(st.sampled_from(["ReLU", "Tanh", "Softmax", "ELU"]))
    return t, ({"dim": -1} if t == "Softmax" else {}), shape


def _layer(draw, shape):
    if len(shape) == 3 and draw(st.integers(0, 7)) == 0:
        return "Flatten", {}, (shape[0] * shape[1] * shape[2],)
    return (_image_layer if len(shape) == 3 else _vector_layer)(draw, shape)


def _same_shape_layer(draw, shape):
    """A layer that keeps ``shape`` (for the branches of Add and Multiply)."""
    if len(shape) == 3:
        if draw(st.booleans()):
            return "Conv2d", {"in_channels": "auto", "out_channels": shape[0],
                              "kernel_size": 3, "padding": 1}, shape
        return "BatchNorm2d", {"num_features": "auto"}, shape
    if draw(st.booleans()):
        return "Linear", {"in_features": "auto", "out_features": shape[0]}, shape
    return "ReLU", {}, shape


def _channel_layer(draw, shape):
    """A layer that changes only dim 1 (for the branches of Concat)."""
    n = draw(st.integers(1, 5))
    if len(shape) == 3:
        return "Conv2d", {"in_channels": "auto", "out_channels": n, "kernel_size": 1}, \
            (n,) + shape[1:]
    return "Linear", {"in_features": "auto", "out_features": n}, (n,)


@st.composite
def designs(draw):
    d = Design()
    if draw(st.booleans()):
        shape = (draw(st.integers(1, 4)), draw(st.integers(3, 8)), draw(st.integers(3, 8)))
    else:
        shape = (draw(st.integers(1, 8)),)
    prev = d.add_node("Input", name="x", params={"shape": list(shape)})
    items = []  # what the groups below may hold: layers, shape ops and merges

    def add(t, params, after):
        n = d.add_node(t, params=params)
        d.connect(after.id, n.id)
        items.append(n)
        return n

    for _ in range(draw(st.integers(1, 7))):
        step = draw(st.sampled_from(["layer", "layer", "layer", "residual", "concat"]))
        if step == "layer":
            t, params, shape = _layer(draw, shape)
            prev = add(t, params, prev)
        elif step == "residual":
            t, params, _ = _same_shape_layer(draw, shape)
            branch = add(t, params, prev)
            merge = d.add_node(draw(st.sampled_from(["Add", "Multiply"])))
            d.connect(branch.id, merge.id)
            d.connect(prev.id, merge.id)
            items.append(merge)
            prev = merge
        else:
            t1, p1, s1 = _channel_layer(draw, shape)
            t2, p2, s2 = _channel_layer(draw, shape)
            a, b = add(t1, p1, prev), add(t2, p2, prev)
            merge = d.add_node("Concat", params={"dim": 1})
            d.connect(a.id, merge.id)
            d.connect(b.id, merge.id)
            items.append(merge)
            shape = (s1[0] + s2[0],) + shape[1:]
            prev = merge
    out = d.add_node("Output", name="out")
    d.connect(prev.id, out.id)

    # groups over runs of consecutive top-level items, some wrapped in DataParallel, nested
    for _ in range(draw(st.integers(0, 3))):
        top = [n.id for n in items if d.parent_of(n.id) is None]
        if not top:
            break
        i = draw(st.integers(0, len(top) - 1))
        j = draw(st.integers(i + 1, len(top)))
        g = d.group(top[i:j], f"g{len(d.groups)}")
        g.indexed = draw(st.booleans())
        if draw(st.booleans()):
            d.group([g.id], f"dp{len(d.groups)}", kind="dataparallel")
    if d.groups and draw(st.booleans()):
        tops = [gid for gid in d.groups if d.parent_of(gid) is None]
        d.group(tops[:2], f"outer{len(d.groups)}")
    # reference groups: a second name for some of those modules (shared, not copied)
    for _ in range(draw(st.integers(0, 2))):
        pool = [n.id for n in items] + list(d.groups)
        members = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True))
        if draw(st.booleans()):
            d.reference_group(members[:1], f"ref{len(d.groups)}", kind="dataparallel")
        else:
            d.reference_group(members, f"ref{len(d.groups)}", indexed=draw(st.booleans()))
    d.set_dataparallel(draw(st.booleans()))
    if not any(g.refs for g in d.groups.values()) and draw(st.booleans()):
        d.set_root_sequential(True)  # keys 0., 1., ...: kept where the design is one path
        if infer(d).errors:
            d.set_root_sequential(False)
    return d, shape


def _concrete(shape):
    return tuple(_BATCH if s == "N" else s for s in shape)


@_SETTINGS
@given(designs())
def test_inferred_shapes_and_keys_match_the_compiled_module(case):
    d, out_shape = case
    info = infer(d)
    assert not info.errors, info.errors
    model = compile(d)
    assert info.state_dict_keys() == list(model.state_dict())
    shapes = [tuple(v.shape) for v in model.state_dict().values()]
    assert shapes == [e.shape for e in info.state_entries()]
    n_params = sum(p.numel() for p in model.parameters())  # shared tensors once
    assert sum(i.n_params for i in info.nodes.values()) == n_params
    if importlib.util.find_spec("torch") is not None:
        ns = {}  # the exported PyTorch code registers the same names, sharing the same way
        exec(pytorch_code(d), ns)
        tmodel = ns["build_model"]()
        assert list(tmodel.state_dict()) == info.state_dict_keys()
        assert sum(p.numel() for p in tmodel.parameters()) == n_params

    seen = {}
    for nid, prefix in key_prefixes(d).items():
        if info.nodes[nid].params:  # a layer: find its module where its keys say it is
            module = model.get_submodule(prefix[:-1])
            module.register_forward_hook(
                lambda m, args, out, nid=nid: seen.__setitem__(nid, tuple(out.shape)))
    x = d.nodes[next(n for n in d.nodes if d.nodes[n].type == "Input")]
    xs = np.random.default_rng(0).standard_normal((_BATCH, *x.params["shape"]))
    y = model(netlab.tensor(xs.astype(np.float32)))
    out = next(n for n in d.nodes.values() if n.type == "Output")
    assert tuple(y.shape) == _concrete(info.nodes[out.id].shape) == (_BATCH,) + out_shape
    assert set(seen) == {n for n, i in info.nodes.items() if i.params}
    for nid, got in seen.items():
        assert got == _concrete(info.nodes[nid].shape), d.nodes[nid]


_JUNK = st.one_of(st.none(), st.booleans(), st.integers(-3, 70), st.floats(allow_nan=True),
                  st.text(max_size=4), st.sampled_from(["auto", "same", "zeros", "none"]),
                  st.lists(st.integers(-2, 5), max_size=4), st.dictionaries(st.text(max_size=2),
                                                                            st.integers()))
_TYPES = ["Input", "Output", "Add", "Concat", "Multiply", "Reshape", "Permute", "Linear",
          "Conv2d", "Conv1d", "BatchNorm2d", "BatchNorm1d", "ReLU", "MaxPool2d", "Flatten",
          "LayerNorm", "LSTM", "Embedding", "Dropout", "Softmax", "NoSuchLayer"]
_PARAMS = ["shape", "dims", "dim", "in_features", "out_features", "in_channels",
           "out_channels", "kernel_size", "stride", "padding", "groups", "bias", "p",
           "num_features", "start_dim", "end_dim", "hidden_size", "nonsense"]
_NAMES = st.one_of(st.sampled_from(["fc", "conv", "x", "block", "0", "class", "a b", ""]),
                   st.text(max_size=5))
_OPS = st.lists(st.tuples(
    st.sampled_from(["add", "add", "remove", "connect", "connect", "disconnect", "set_param",
                     "set_param", "rename", "group", "ungroup", "dataparallel",
                     "reference", "root_sequential"]),
    st.integers(0, 10 ** 6), st.integers(0, 10 ** 6), _JUNK, _NAMES, st.sampled_from(_PARAMS)),
    max_size=30)


def _pick(pool, k):
    return pool[k % len(pool)] if pool else None


def _apply(d, op, a, b, junk, name, param):
    nodes, groups, edges = list(d.nodes), list(d.groups), list(d.edges)
    if op == "add":
        t = _TYPES[a % len(_TYPES)]
        params = {"shape": [3, 8, 8]} if t == "Input" and b % 2 else {}
        d.add_node(t, name=name if b % 3 == 0 else None, params=params)
    elif op == "remove" and nodes:
        d.remove_node(_pick(nodes, a))
    elif op == "connect" and nodes:
        port = b % 3 if isinstance(junk, int) and not isinstance(junk, bool) else None
        d.connect(_pick(nodes, a), _pick(nodes, b), port)
    elif op == "disconnect" and edges:
        d.disconnect(_pick(edges, a))
    elif op == "set_param" and nodes:
        d.set_param(_pick(nodes, a), param, junk)
    elif op == "rename" and (nodes or groups):
        d.rename(_pick(nodes + groups, a), name)
    elif op == "group" and (nodes or groups):
        items = nodes + groups
        start = a % len(items)
        members = items[start:start + 1 + b % 3]
        d.group(members, name, kind="dataparallel" if b % 4 == 0 else "sequential")
    elif op == "ungroup" and groups:
        d.ungroup(_pick(groups, a))
    elif op == "reference" and (nodes or groups):  # a second name for existing modules
        items = nodes + groups
        start = a % len(items)
        members = items[start:start + 1 + b % 3]
        d.reference_group(members, name, kind="dataparallel" if b % 4 == 0 else "sequential")
    elif op == "dataparallel":
        d.set_dataparallel(bool(a % 2))
    elif op == "root_sequential":
        d.set_root_sequential(bool(a % 2))


@_SETTINGS
@given(_OPS)
def test_edit_sequences_raise_only_design_errors_and_inference_never_raises(ops):
    d = Design()
    x = d.add_node("Input", params={"shape": [3, 8, 8]})
    c = d.add_node("Conv2d", params={"out_channels": 4, "kernel_size": 3})
    d.connect(x.id, c.id)
    info = infer(d)
    for op in ops:
        try:
            _apply(d, *op)
        except DesignError:
            pass
        info = infer(d)  # never raises; problems are reported on nodes
        assert set(info.nodes) == set(d.nodes)
        assert set(info.edges) == set(d.edges)
        for msg in info.errors.values():
            assert isinstance(msg, str) and msg
    if not info.errors and any(n.type == "Input" for n in d.nodes.values()):
        assert info.state_dict_keys() == list(compile(d).state_dict())


def test_sequential_indices_count_only_modules_as_compile_builds_them():
    d = Design()
    x = d.add_node("Input", params={"shape": [4]})
    fc = d.add_node("Linear", name="fc", params={"out_features": 4})
    add = d.add_node("Add", name="add")
    fc2 = d.add_node("Linear", name="fc2", params={"out_features": 2})
    for a, b in [(x, fc), (fc, add), (x, add), (add, fc2)]:
        d.connect(a.id, b.id)
    d.group([fc.id, add.id, fc2.id], "block")
    info = infer(d)
    assert info.state_dict_keys() == ["block.0.weight", "block.0.bias", "block.1.weight",
                                      "block.1.bias"]
    assert info.state_dict_keys() == list(compile(d).state_dict())


def test_junk_values_of_special_nodes_are_errors_on_the_node():
    d = Design()
    x = d.add_node("Input", params={"shape": [True, 3]})
    r = d.add_node("Reshape", params={"shape": [-2, -2]})
    p = d.add_node("Permute", params={"dims": [False, True]})
    c = d.add_node("Concat", params={"dim": 1.5})
    y = d.add_node("Input", params={"shape": [4]})
    for a, b in [(y, r), (y, p), (y, c)]:
        d.connect(a.id, b.id)
    errors = infer(d).errors
    assert "Input needs a shape of positive sizes" in errors[x.id]
    assert "Reshape needs a list of positive sizes" in errors[r.id]
    assert "Permute dims" in errors[p.id]
    assert "Concat dim 1.5" in errors[c.id]
    d.set_param(y.id, "shape", {"not": "a shape"})
    assert "Input needs a shape" in infer(d).errors[y.id]


def test_keys_of_explicit_layers_stay_known_behind_an_upstream_error():
    d = Design()
    x = d.add_node("Input", params={"shape": [0]})  # bad: the error sits on the input
    fc = d.add_node("Linear", name="fc", params={"in_features": 3, "out_features": 2})
    auto = d.add_node("Linear", name="auto", params={"out_features": 2})
    d.connect(x.id, fc.id)
    d.connect(fc.id, auto.id)
    info = infer(d)
    assert set(info.errors) == {x.id}
    assert [e.key for e in info.nodes[fc.id].entries] == ["fc.weight", "fc.bias"]
    assert info.nodes[fc.id].shape is None and info.nodes[auto.id].entries == []
