"""The layer catalogue agrees with netlab.nn (shapes, state_dict entries) and with torch."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import netlab
import netlab.nn as nn
from netlab.design import CATALOGUE, LayerSpec, ParamSpec, layer_spec
from netlab.design.catalogue import AUTO, CATEGORIES, REQUIRED

# a plausible input per category, and per type where the category's does not fit
_CATEGORY_INPUT = {
    "Linear": (4, 10), "Convolution": (2, 3, 12, 12), "Pooling": (2, 3, 8, 8),
    "Normalization": (2, 8, 5, 5), "Activation": (2, 8, 5, 5), "Dropout": (2, 8, 5, 5),
    "Recurrent": (5, 3, 10), "Attention": (5, 3, 64), "Shape": (2, 8, 6, 6), "Loss": (4, 10),
}
_TYPE_INPUT = {
    "Conv1d": (2, 3, 16), "ConvTranspose1d": (2, 3, 16), "MaxPool1d": (2, 3, 8),
    "AvgPool1d": (2, 3, 8), "AdaptiveAvgPool1d": (2, 3, 8), "AdaptiveMaxPool1d": (2, 3, 8),
    "MaxUnpool1d": (2, 3, 4), "MaxUnpool2d": (2, 3, 4, 4), "BatchNorm1d": (4, 6),
    "LayerNorm": (4, 6), "RNNCell": (3, 10), "LSTMCell": (3, 10), "GRUCell": (3, 10),
    "Embedding": (4, 7), "Upsample": (2, 3, 4, 4), "UpsamplingNearest2d": (2, 3, 4, 4),
    "UpsamplingBilinear2d": (2, 3, 4, 4),
}


def _input_shape(spec: LayerSpec) -> tuple:
    return _TYPE_INPUT.get(spec.type_name, _CATEGORY_INPUT[spec.category])


def _forward(spec: LayerSpec, module, shape: tuple):
    """Run ``module`` on a random input of ``shape`` (plus whatever else its forward needs)."""
    g = np.random.default_rng(0)
    x = netlab.tensor(g.standard_normal(shape).astype(np.float32))
    name = spec.type_name
    if name == "Embedding":
        return module(netlab.tensor(g.integers(0, module.num_embeddings, shape)))
    if name == "Bilinear":
        x2 = netlab.tensor(g.standard_normal(shape[:-1] + (module.in2_features,))
                           .astype(np.float32))
        return module(x, x2)
    if name == "MultiheadAttention":
        return module(x, x, x)[0]
    if name.startswith("MaxUnpool"):
        nd = len(shape) - 2
        k = module.kernel_size
        big = shape[:2] + tuple(s * k[0] for s in shape[2:])
        pool = (nn.MaxPool1d if nd == 1 else nn.MaxPool2d)(k, return_indices=True)
        y, idx = pool(netlab.tensor(g.standard_normal(big).astype(np.float32)))
        return module(y, idx)
    if spec.category == "Loss":
        if name in ("CrossEntropyLoss", "NLLLoss"):
            return module(x, netlab.tensor(g.integers(0, shape[1], shape[:1])))
        if name == "CosineEmbeddingLoss":
            return module(x, x * 2, netlab.tensor([1, -1, 1, -1][:shape[0]]))
        if name == "BCELoss":
            return module(x.sigmoid(), netlab.tensor(g.random(shape).astype(np.float32)))
        return module(x, netlab.tensor(g.random(shape).astype(np.float32)))
    out = module(x)
    return out[0] if isinstance(out, tuple) else out


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
@pytest.mark.parametrize("type_name", sorted(CATALOGUE))
def test_defaults_build_and_shape_matches_forward(type_name):
    spec = CATALOGUE[type_name]
    shape = _input_shape(spec)
    params = spec.resolve_auto(spec.defaults(), shape)
    assert AUTO not in params.values()
    module = spec.build(params)
    assert type(module) is spec.cls
    module.eval()
    out = _forward(spec, module, shape)
    assert spec.output_shape(params, shape) == tuple(out.shape)
    macs = spec.macs(params, shape, tuple(out.shape))
    assert isinstance(macs, int) and macs >= 0


@pytest.mark.parametrize("type_name", sorted(CATALOGUE))
def test_state_entries_match_built_module(type_name):
    spec = CATALOGUE[type_name]
    params = spec.resolve_auto(spec.defaults(), _input_shape(spec))
    module = spec.build(params)
    names = {k for k, _ in module.named_parameters()}
    expected = [(k, tuple(t.shape), str(t.dtype).rsplit(".", 1)[-1],
                 "parameter" if k in names else "buffer")
                for k, t in module.state_dict().items()]
    assert spec.state_entries(params) == expected


_TORCH_CASES = [
    ("Linear", {"in_features": 7, "out_features": 3}),
    ("Linear", {"in_features": 7, "out_features": 3, "bias": False}),
    ("Conv2d", {"in_channels": 4, "out_channels": 6, "kernel_size": (3, 2), "groups": 2}),
    ("BatchNorm2d", {"num_features": 5}),
    ("BatchNorm2d", {"num_features": 5, "affine": False, "track_running_stats": True}),
    ("LSTM", {"input_size": 4, "hidden_size": 6, "num_layers": 2, "bidirectional": True,
              "proj_size": 3}),
    ("MultiheadAttention", {"embed_dim": 8, "num_heads": 2}),
    ("MultiheadAttention", {"embed_dim": 8, "num_heads": 2, "kdim": 5, "vdim": 3,
                            "add_bias_kv": True}),
    ("LayerNorm", {"normalized_shape": (3, 4)}),
    ("Embedding", {"num_embeddings": 11, "embedding_dim": 5, "padding_idx": 0}),
    ("GRU", {"input_size": 3, "hidden_size": 4, "bias": False}),
    ("ConvTranspose1d", {"in_channels": 2, "out_channels": 4, "kernel_size": 3}),
    ("TransformerEncoderLayer", {"d_model": 8, "nhead": 2, "dim_feedforward": 16}),
]


@pytest.mark.parametrize("type_name,params", _TORCH_CASES)
def test_state_entries_match_torch(type_name, params):
    spec = layer_spec(type_name)
    tmod = getattr(torch.nn, type_name)(**params)
    pnames = {k for k, _ in tmod.named_parameters()}
    expected = [(k, tuple(t.shape), str(t.dtype).rsplit(".", 1)[-1],
                 "parameter" if k in pnames else "buffer")
                for k, t in tmod.state_dict().items()]
    assert spec.state_entries(params) == expected


@pytest.mark.parametrize("type_name", sorted(CATALOGUE))
def test_params_follow_the_torch_signature(type_name):
    """Every design parameter is a torch constructor argument with the same default."""
    import inspect

    spec = CATALOGUE[type_name]
    tsig = inspect.signature(getattr(torch.nn, type_name).__init__).parameters
    for p in spec.params:
        if type_name in ("RNN", "LSTM", "GRU"):
            continue  # torch's signature is (*args, **kwargs) too
        assert p.name in tsig, p.name
        tdef = tsig[p.name].default
        assert (p.default is REQUIRED) == (tdef is inspect.Parameter.empty), p.name
        if not p.required and p.name != "activation":  # torch's default is F.relu itself
            assert p.default == tdef, p.name


def test_categories_cover_every_type():
    assert {s.category for s in CATALOGUE.values()} == set(CATEGORIES)
    for name, spec in CATALOGUE.items():
        assert spec.category in CATEGORIES
        assert spec.help, name
        assert spec.type_name == name and getattr(nn, name) is spec.cls
    assert layer_spec("Identity").category == "Shape"
    assert layer_spec("Embedding").category == "Linear"
    for excluded in ("Module", "Sequential", "DataParallel", "ModuleList", "RNNBase"):
        assert excluded not in CATALOGUE


def test_every_public_layer_is_catalogued():
    from netlab.nn.module import Module

    public = {n for n in dir(nn) if isinstance(getattr(nn, n), type)
              and issubclass(getattr(nn, n), Module) and not n.startswith("_")}
    skipped = {"Module", "Sequential", "ModuleList", "ModuleDict", "ParameterList",
               "ParameterDict", "DataParallel", "DistributedDataParallel", "RNNBase",
               "RNNCellBase", "NonDynamicallyQuantizableLinear"}
    assert public - skipped == set(CATALOGUE)


def test_param_specs():
    conv = layer_spec("Conv2d")
    assert isinstance(conv.param("kernel_size"), ParamSpec)
    assert conv.param("in_channels").auto and not conv.param("out_channels").auto
    assert conv.param("kernel_size").required
    assert conv.param("padding").choices == ("same", "valid")
    assert conv.param("padding_mode").choices == ("zeros", "reflect", "replicate", "circular")
    assert conv.param("stride").default == 1 and conv.param("stride").kind == "int_or_tuple"
    assert conv.param("bias").kind == "bool" and conv.param("bias").help
    assert [p.name for p in layer_spec("Linear").params] == ["in_features", "out_features",
                                                              "bias"]
    assert layer_spec("RNN").param("nonlinearity").choices == ("tanh", "relu")
    assert "proj_size" in layer_spec("LSTM")._by_name
    assert "proj_size" not in layer_spec("GRU")._by_name
    assert layer_spec("GELU").param("approximate").choices == ("none", "tanh")
    assert layer_spec("MSELoss").param("reduction").choices == ("none", "mean", "sum")
    assert "batchmean" in layer_spec("KLDivLoss").param("reduction").choices
    assert layer_spec("Embedding").param("padding_idx").kind == "optional_int"
    assert layer_spec("BatchNorm2d").param("momentum").kind == "optional_float"
    assert layer_spec("LayerNorm").param("normalized_shape").kind == "shape"
    assert not any(p.name in ("device", "dtype", "size_average", "reduce")
                   for s in CATALOGUE.values() for p in s.params)


def test_defaults_are_pytorch_defaults_plus_palette_starts():
    d = layer_spec("Conv2d").defaults()
    assert d == {"in_channels": "auto", "out_channels": 16, "kernel_size": 3, "stride": 1,
                 "padding": 0, "dilation": 1, "groups": 1, "bias": True,
                 "padding_mode": "zeros"}
    assert layer_spec("Linear").defaults() == {"in_features": "auto", "out_features": 64,
                                               "bias": True}
    assert layer_spec("MaxPool2d").defaults()["kernel_size"] == 2
    assert layer_spec("Dropout").defaults() == {"p": 0.5, "inplace": False}


def test_resolve_auto():
    lin = layer_spec("Linear")
    assert lin.resolve_auto({"out_features": 10}, (64, 400))["in_features"] == 400
    assert lin.resolve_auto({"in_features": 7, "out_features": 10}, (64, 400))["in_features"] == 7
    conv = layer_spec("Conv2d")
    assert conv.resolve_auto(conv.defaults(), (3, 28, 28))["in_channels"] == 3  # unbatched
    assert conv.resolve_auto(conv.defaults(), (8, 6, 28, 28))["in_channels"] == 6
    assert layer_spec("LayerNorm").resolve_auto({}, (2, 5, 7))["normalized_shape"] == (7,)
    assert layer_spec("BatchNorm1d").resolve_auto({}, (4, 9, 3))["num_features"] == 9
    assert layer_spec("LSTM").resolve_auto({"hidden_size": 4}, (5, 2, 12))["input_size"] == 12
    with pytest.raises(ValueError, match="in_features is 'auto'"):
        lin.build(lin.defaults())


@pytest.mark.parametrize("type_name,params,pattern", [
    ("Conv2d", {"kernel_size": -1}, r"^Conv2d: kernel_size must be a positive int or a pair, "
                                    r"got -1$"),
    ("Conv2d", {"kernel_size": (3, 3, 3)}, "kernel_size must be a positive int or a pair"),
    ("Conv1d", {"stride": 0}, "Conv1d: stride must be a positive int or a 1-tuple"),
    ("Conv2d", {"padding": "full"}, r"padding must be .* or 'same' or 'valid', got 'full'"),
    ("Linear", {"out_features": 2.5}, "Linear: out_features must be a positive int, got 2.5"),
    ("Linear", {"bias": 1}, "Linear: bias must be True or False, got 1"),
    ("Dropout", {"p": 1.5}, r"Dropout: p must be a probability in \[0, 1\], got 1.5"),
    ("GELU", {"approximate": "fast"}, "GELU: approximate must be one of 'none', 'tanh'"),
    ("MSELoss", {"reduction": "batchmean"}, "MSELoss: reduction must be one of"),
    ("BatchNorm2d", {"eps": 0}, "BatchNorm2d: eps must be a positive number"),
    ("Linear", {"out_feature": 3}, "Linear: unknown parameter 'out_feature'"),
    ("LayerNorm", {"normalized_shape": (0,)}, "LayerNorm: normalized_shape must be"),
])
def test_validate_errors_name_the_parameter(type_name, params, pattern):
    spec = layer_spec(type_name)
    with pytest.raises(ValueError, match=pattern):
        spec.validate({**spec.defaults(), **params})


def test_validate_coerces():
    conv = layer_spec("Conv2d")
    out = conv.validate({**conv.defaults(), "kernel_size": [3, 5], "stride": "2",
                         "bias": "false", "padding": "same"})
    assert out["kernel_size"] == (3, 5) and out["stride"] == 2 and out["bias"] is False
    assert out["padding"] == "same"
    assert layer_spec("Dropout").validate({"p": 1})["p"] == 1.0
    assert layer_spec("Softmax").validate({"dim": None})["dim"] is None
    lin = layer_spec("Linear")
    assert lin.validate({"in_features": 1, "out_features": 2})["in_features"] == 1
    with pytest.raises(ValueError, match="in_features must be a positive int, got True"):
        lin.validate({"in_features": True, "out_features": 2})  # not memoised as 1
    with pytest.raises(ValueError, match="Linear: out_features is required"):
        layer_spec("Linear").validate({"in_features": 3})


def test_build_wraps_constructor_errors():
    conv = layer_spec("Conv2d")
    with pytest.raises(ValueError, match="^Conv2d: in_channels must be divisible by groups"):
        conv.build({"in_channels": 3, "out_channels": 4, "kernel_size": 3, "groups": 2})
    with pytest.raises(ValueError, match="^MultiheadAttention: embed_dim must be divisible"):
        layer_spec("MultiheadAttention").build({"embed_dim": 10, "num_heads": 3})


@pytest.mark.parametrize("type_name,params,shape,pattern", [
    ("Linear", {"in_features": 400, "out_features": 10}, (2, 576), "Linear"),
    ("Conv2d", {"in_channels": 3, "out_channels": 6, "kernel_size": 5}, (2, 1, 28, 28),
     r"Conv2d\(in_channels=3\) receives 1 channels: set in_channels=1"),
    ("Conv2d", {"in_channels": 3, "out_channels": 6, "kernel_size": 5}, (2, 3, 4, 4),
     "kernel size 5 is larger than the padded input 4"),
    ("BatchNorm2d", {"num_features": 6}, (2, 4, 5, 5), r"num_features=6\) receives 4 channels"),
    ("BatchNorm2d", {"num_features": 6}, (2, 6), "BatchNorm2d expects a 4-d input"),
    ("LayerNorm", {"normalized_shape": 5}, (2, 6), "set normalized_shape=\\(6,\\)"),
    ("Flatten", {"start_dim": 5}, (2, 3), "Flatten.*out of range"),
    ("Unflatten", {"dim": 1, "unflattened_size": (4, 4)}, (2, 12), "Unflatten.*multiply to"),
    ("Softmax", {"dim": 3}, (2, 3), "Softmax: dim 3 is out of range"),
    ("MaxPool2d", {"kernel_size": 2}, (2, 3), "MaxPool2d"),
])
def test_output_shape_errors(type_name, params, shape, pattern):
    with pytest.raises(ValueError, match=pattern):
        layer_spec(type_name).output_shape(params, shape)


def test_output_shape_examples():
    assert layer_spec("Conv2d").output_shape(
        {"in_channels": 3, "out_channels": 6, "kernel_size": 5}, (64, 3, 32, 32)) == (64, 6, 28, 28)
    assert layer_spec("Flatten").output_shape({}, (64, 16, 5, 5)) == (64, 400)
    assert layer_spec("Linear").output_shape({"out_features": 120}, (64, 400)) == (64, 120)
    assert layer_spec("CrossEntropyLoss").output_shape({}, (64, 10)) == ()


def test_unknown_type_suggests_close_names():
    with pytest.raises(KeyError, match="did you mean Conv2d"):
        layer_spec("Conv2D")
    with pytest.raises(KeyError, match="Linear"):
        layer_spec("Linaer")
    with pytest.raises(KeyError, match="unknown layer type 'Zzzz'"):
        layer_spec("Zzzz")


def test_macs_formulas():
    lin = layer_spec("Linear")
    assert lin.macs({"in_features": 400, "out_features": 120}, (64, 400), (64, 120)) == \
        64 * 400 * 120
    conv = layer_spec("Conv2d")
    p = {"in_channels": 4, "out_channels": 6, "kernel_size": 5, "groups": 2}
    out = conv.output_shape(p, (2, 4, 32, 32))
    assert conv.macs(p, (2, 4, 32, 32), out) == math.prod(out) * 2 * 25
    lstm = layer_spec("LSTM")
    p = {"input_size": 10, "hidden_size": 20}
    assert lstm.macs(p, (7, 3, 10), (7, 3, 20)) == 21 * 4 * 20 * (10 + 20)
    assert layer_spec("ReLU").macs({}, (2, 3), (2, 3)) == 6
    assert layer_spec("Dropout").macs({}, (2, 3), (2, 3)) == 0


def test_big_layers_are_cheap():
    """state_entries reads shapes without initialising weights (a 100M-parameter Linear)."""
    import time

    t = time.perf_counter()
    entries = layer_spec("Linear").state_entries({"in_features": 25088, "out_features": 4096})
    assert entries[0] == ("weight", (4096, 25088), "float32", "parameter")
    assert time.perf_counter() - t < 0.5


@settings(max_examples=40, deadline=None)
@given(cin=st.integers(1, 4), cout=st.integers(1, 4), k=st.integers(1, 4),
       stride=st.integers(1, 3), pad=st.integers(0, 2), dil=st.integers(1, 2),
       size=st.integers(1, 9), transposed=st.booleans())
def test_conv_output_shape_matches_forward(cin, cout, k, stride, pad, dil, size, transposed):
    name = "ConvTranspose2d" if transposed else "Conv2d"
    spec = layer_spec(name)
    params = {"in_channels": cin, "out_channels": cout, "kernel_size": k, "stride": stride,
              "padding": pad, "dilation": dil}
    shape = (1, cin, size, size + 1)
    try:
        expect = spec.output_shape(params, shape)
    except ValueError:
        tmod = getattr(torch.nn, name)(**params)
        with pytest.raises(RuntimeError):
            tmod(torch.zeros(shape))
        return
    module = spec.build(params)
    assert tuple(module(netlab.zeros(*shape)).shape) == expect


_VALUES = st.one_of(st.integers(-2, 9), st.floats(-2, 3), st.just(float("nan")), st.booleans(),
                    st.none(), st.sampled_from(["auto", "same", "tanh", "mean", "x", "3"]),
                    st.lists(st.integers(-1, 5), max_size=3))


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_fuzzed_params_only_raise_value_error(data):
    """Whatever an inspector sends, the catalogue answers or raises ValueError."""
    spec = CATALOGUE[data.draw(st.sampled_from(sorted(CATALOGUE)))]
    params = spec.defaults()
    for p in data.draw(st.lists(st.sampled_from(spec.params), max_size=3)) if spec.params else []:
        params[p.name] = data.draw(_VALUES)
    shape = _input_shape(spec)
    try:
        resolved = spec.resolve_auto(params, shape)
        spec.output_shape(resolved, shape)
        spec.state_entries(resolved)
    except ValueError as e:
        assert str(e).startswith(spec.type_name), str(e)
