"""The layer catalogue: every layer type of :mod:`netlab.nn`, described for the designer.

Everything here is read off ``netlab.nn`` itself (one source of truth): parameter names and
defaults come from each class's ``__init__`` signature, output shapes from the layer's own
``output_shape`` where it has one, and state_dict entries from building the layer and reading
its ``state_dict()``. The small tables below only add what a signature cannot say: the palette
category, the allowed values of string enums, one-line helps, which parameters can be inferred
from the incoming shape, and palette *starting values* for required arguments (these are what a
freshly dropped node shows, not PyTorch defaults; PyTorch has none for them).
"""

from __future__ import annotations

import difflib
import functools
import inspect
import operator
from dataclasses import dataclass, field

import netlab.nn as nn
from netlab.design import macs as _macs
from netlab.design._coerce import COERCE
from netlab.nn.conv import _ConvNd
from netlab.nn.module import Module

REQUIRED = inspect.Parameter.empty
"""Default of a parameter that the constructor requires."""

AUTO = "auto"
"""Value of an inferable parameter that is filled from the incoming shape."""

CATEGORIES = ("Linear", "Convolution", "Pooling", "Normalization", "Activation", "Dropout",
              "Recurrent", "Attention", "Shape", "Loss")

# palette category by the netlab.nn file that defines the class, then per-class exceptions
_CATEGORY_BY_FILE = {
    "linear": "Linear", "sparse": "Linear", "conv": "Convolution", "pooling": "Pooling",
    "normalization": "Normalization", "activation": "Activation", "dropout": "Dropout",
    "recurrent": "Recurrent", "attention": "Attention", "flatten": "Shape", "vision": "Shape",
    "loss": "Loss",
}
_CATEGORY_OVERRIDES = {"Identity": "Shape"}

# containers, wrappers and bases: not layers a palette offers
_EXCLUDED = {"Module", "Sequential", "ModuleList", "ModuleDict", "ParameterList",
             "ParameterDict", "DataParallel", "DistributedDataParallel", "RNNBase",
             "RNNCellBase", "NonDynamicallyQuantizableLinear"}

# constructor arguments that are not design parameters: placement, tensors, legacy aliases
_SKIPPED = {"self", "device", "dtype", "size_average", "reduce", "_weight", "_freeze",
            "weight", "pos_weight", "min_value", "max_value"}

_CHOICES = {
    "padding_mode": ("zeros", "reflect", "replicate", "circular"),
    "nonlinearity": ("tanh", "relu"),
    "approximate": ("none", "tanh"),
    "reduction": ("none", "mean", "sum"),
    "activation": ("relu", "gelu"),
}
_UPSAMPLE_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "area")

_INT_OR_TUPLE = {"kernel_size", "stride", "padding", "dilation", "output_padding",
                 "output_size"}
_SHAPES = {"normalized_shape", "unflattened_size"}
_OPTIONAL_BOOL = {"align_corners", "recompute_scale_factor"}
_OPTIONAL_FLOAT = {"max_norm", "scale_factor", "momentum"}
# inferable from the incoming shape, as the lazy layers do
_AUTO = {"in_features", "in1_features", "in_channels", "num_features", "num_channels",
         "input_size", "normalized_shape"}

_HELP = {
    "in_features": "size of each input sample (last dim)",
    "in1_features": "size of each first-input sample",
    "in2_features": "size of each second-input sample",
    "out_features": "size of each output sample",
    "in_channels": "channels of the input",
    "out_channels": "channels produced by the convolution",
    "kernel_size": "size of the sliding window",
    "stride": "step of the sliding window",
    "padding": "implicit padding added on both sides",
    "output_padding": "extra size added to one side of the output",
    "dilation": "spacing between kernel elements",
    "groups": "blocked connections from input to output channels",
    "bias": "learn an additive bias",
    "padding_mode": "how the padding is filled",
    "p": "probability of an element being zeroed",
    "inplace": "overwrite the input instead of allocating",
    "eps": "added to the variance for numerical stability",
    "momentum": "weight of the newest batch in the running statistics (None: cumulative)",
    "affine": "learn a per-channel scale and shift",
    "elementwise_affine": "learn an elementwise scale and shift",
    "track_running_stats": "keep running mean and variance for evaluation",
    "num_features": "channels of the input (C of (N, C, ...))",
    "num_channels": "channels of the input",
    "num_groups": "groups the channels are split into",
    "normalized_shape": "trailing dimensions to normalise over",
    "input_size": "features of each time step",
    "hidden_size": "features of the hidden state",
    "num_layers": "stacked recurrent layers",
    "batch_first": "input and output are (N, L, H) instead of (L, N, H)",
    "bidirectional": "run a second layer backwards in time",
    "dropout": "dropout probability between layers / on attention weights",
    "proj_size": "project the hidden state to this size (0: off)",
    "nonlinearity": "activation of the recurrence",
    "embed_dim": "model dimension",
    "num_heads": "parallel attention heads (must divide embed_dim)",
    "add_bias_kv": "add learnable biases to key and value sequences",
    "add_zero_attn": "add a zero batch to key and value sequences",
    "kdim": "features of the keys (None: embed_dim)",
    "vdim": "features of the values (None: embed_dim)",
    "d_model": "model dimension",
    "nhead": "attention heads",
    "dim_feedforward": "hidden size of the feed-forward block",
    "activation": "activation of the feed-forward block",
    "layer_norm_eps": "eps of the layer norms",
    "norm_first": "normalise before (not after) each block",
    "num_embeddings": "size of the vocabulary",
    "embedding_dim": "size of each embedding vector",
    "padding_idx": "index whose vector stays zero and gets no gradient",
    "max_norm": "renormalise looked-up vectors to at most this norm",
    "norm_type": "p of the p-norm for max_norm",
    "scale_grad_by_freq": "scale gradients by inverse word frequency",
    "sparse": "sparse gradient of the weight",
    "output_size": "target output size (None keeps that input size)",
    "return_indices": "also return the positions of the maxima",
    "ceil_mode": "round the output size up instead of down",
    "count_include_pad": "count the zero padding in the average",
    "divisor_override": "divide by this instead of the window size",
    "reduction": "how per-element losses are combined",
    "ignore_index": "target value that is ignored",
    "label_smoothing": "amount of smoothing of the target (0: none)",
    "log_target": "the target is given as log-probabilities",
    "margin": "margin for dissimilar pairs",
    "beta": "threshold between the squared and absolute regimes",
    "delta": "threshold between the squared and absolute regimes",
    "start_dim": "first dimension to flatten",
    "end_dim": "last dimension to flatten",
    "dim": "dimension the operation acts on",
    "unflattened_size": "new shape of the unflattened dimension",
    "upscale_factor": "factor to increase spatial resolution by",
    "downscale_factor": "factor to decrease spatial resolution by",
    "size": "output spatial size",
    "scale_factor": "multiplier of the spatial size",
    "mode": "interpolation algorithm",
    "align_corners": "align the corner pixels of input and output",
    "recompute_scale_factor": "recompute the scale from the rounded output size",
    "negative_slope": "slope for negative inputs",
    "alpha": "scale of the negative part",
    "lambd": "shrinkage threshold",
    "threshold": "threshold value",
    "value": "value substituted below the threshold",
    "min_val": "lower clamp value",
    "max_val": "upper clamp value",
    "lower": "lower bound of the random slope",
    "upper": "upper bound of the random slope",
    "approximate": "'tanh' uses the tanh approximation",
    "num_parameters": "learnable slopes: 1 or the number of channels",
    "init": "initial slope",
}

# palette starting values (required arguments, or a None default that cannot run as is)
_START = {
    "out_features": 64, "in2_features": 16, "out_channels": 16, "kernel_size": 3,
    "hidden_size": 64, "embed_dim": 64, "num_heads": 4, "d_model": 64, "nhead": 4,
    "num_embeddings": 1000, "embedding_dim": 64, "num_groups": 1, "output_size": 1,
    "upscale_factor": 2, "downscale_factor": 2, "threshold": 0.0, "value": 0.0,
    "dim": -1, "unflattened_size": (1, -1),
}
_START_BY_TYPE = {
    "MaxPool1d": {"kernel_size": 2}, "MaxPool2d": {"kernel_size": 2},
    "AvgPool1d": {"kernel_size": 2}, "AvgPool2d": {"kernel_size": 2},
    "MaxUnpool1d": {"kernel_size": 2}, "MaxUnpool2d": {"kernel_size": 2},
    "Upsample": {"scale_factor": 2.0}, "UpsamplingNearest2d": {"scale_factor": 2.0},
    "UpsamplingBilinear2d": {"scale_factor": 2.0}, "Unflatten": {"dim": 1},
}


@dataclass(frozen=True)
class ParamSpec:
    """One constructor argument of a layer, as the inspector edits it."""

    name: str
    kind: str  # int float bool str choice int_or_tuple tuple shape optional_* (int/float/bool)
    default: object = REQUIRED
    choices: tuple = ()
    help: str = ""
    auto: bool = False

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


def _kind_of(name: str, p: inspect.Parameter) -> str:
    d, ann = p.default, str(p.annotation)
    if name in _CHOICES or name == "mode":
        return "choice"
    if name in _SHAPES:
        return "shape"
    if name in _INT_OR_TUPLE:
        return "optional_int_or_tuple" if d is None else "int_or_tuple"
    if name in _OPTIONAL_BOOL:
        return "optional_bool"
    if name in _OPTIONAL_FLOAT or (d is None and "float" in ann):
        return "optional_float"
    if name == "size":
        return "optional_int_or_tuple"
    if d is None:
        return "optional_int"
    if isinstance(d, bool) or ann == "bool":
        return "bool"
    if isinstance(d, float) or ann == "float":
        return "float"
    if isinstance(d, int) or ann == "int":
        return "int"
    if isinstance(d, str) or ann == "str":
        return "str"
    return "tuple" if isinstance(d, tuple) else "float"


def _init_parameters(cls: type) -> list[inspect.Parameter]:
    params = list(inspect.signature(cls.__init__).parameters.values())
    if any(p.kind is p.VAR_POSITIONAL for p in params) and issubclass(cls, nn.RNNBase):
        # RNN/LSTM/GRU forward *args to RNNBase(mode, ...); RNN adds nonlinearity, and
        # proj_size is LSTM's alone
        base = list(inspect.signature(nn.RNNBase.__init__).parameters.values())
        params = [p for p in base if p.name != "mode"]
        if cls is not nn.LSTM:
            params = [p for p in params if p.name != "proj_size"]
        if cls is nn.RNN:
            nl = inspect.Parameter("nonlinearity", inspect.Parameter.KEYWORD_ONLY,
                                   default="tanh", annotation="str")
            params.insert(4, nl)
    keep = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return [p for p in params if p.kind in keep and p.name not in _SKIPPED]


def _param_specs(cls: type) -> tuple[ParamSpec, ...]:
    out = []
    conv = issubclass(cls, _ConvNd)
    transposed = conv and "Transpose" in cls.__name__
    for p in _init_parameters(cls):
        kind = _kind_of(p.name, p)
        choices = _CHOICES.get(p.name, ())
        if p.name == "mode":
            choices = _UPSAMPLE_MODES
        if p.name == "reduction" and cls is nn.KLDivLoss:
            choices = ("none", "batchmean", "sum", "mean")
        if p.name == "padding" and conv and not transposed:
            choices = ("same", "valid")  # strings that a convolution also accepts
        out.append(ParamSpec(p.name, kind, p.default, choices, _HELP.get(p.name, ""),
                             p.name in _AUTO))
    return tuple(out)


def _first_line(cls: type) -> str:
    doc = inspect.getdoc(cls) or ""
    return doc.split("\n\n")[0].replace("\n", " ").strip()


@dataclass(frozen=True)
class LayerSpec:
    """A layer type of the catalogue: its parameters, shape rule, state and cost.

    Examples
    --------
    >>> spec = layer_spec("Conv2d")
    >>> params = spec.resolve_auto(spec.defaults(), (8, 3, 32, 32))
    >>> spec.output_shape(params, (8, 3, 32, 32))
    (8, 16, 30, 30)
    """

    type_name: str
    cls: type
    category: str
    help: str
    params: tuple[ParamSpec, ...]
    _by_name: dict = field(default=None, repr=False, compare=False)
    _dims: int | None = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "_by_name", {p.name: p for p in self.params})
        object.__setattr__(self, "_dims", getattr(self.cls, "_nd", None))

    def param(self, name: str) -> ParamSpec:
        return self._by_name[name]

    # parameters ----------------------------------------------------------------------------
    def defaults(self) -> dict:
        """Starting parameters of a new node: PyTorch's defaults, ``'auto'`` for inferable
        arguments, and palette starting values for the other required ones."""
        start = {**_START, **_START_BY_TYPE.get(self.type_name, {})}
        out = {}
        for p in self.params:
            if p.auto:
                out[p.name] = AUTO
            elif p.name in start and (p.required or p.default is None):
                out[p.name] = start[p.name]
            elif not p.required:
                out[p.name] = p.default
        return out

    def validate(self, params: dict) -> dict:
        """A coerced copy of ``params`` with PyTorch's defaults filled in; ``'auto'`` stays for
        inferable parameters. Raises ``ValueError`` naming the offending parameter."""
        try:
            key = (self.type_name, _typed_key(params))
            hit = _VALIDATED.get(key)
        except TypeError:  # an unhashable value: nothing to memoise on
            return self._validate(params)
        if hit is None:
            if len(_VALIDATED) > 4096:
                _VALIDATED.clear()
            hit = _VALIDATED[key] = self._validate(params)
        return dict(hit)

    def _validate(self, params: dict) -> dict:
        unknown = [k for k in params if k not in self._by_name]
        if unknown:
            known = ", ".join(self._by_name) or "none"
            raise ValueError(f"{self.type_name}: unknown parameter {unknown[0]!r} "
                             f"(parameters: {known})")
        out = {}
        for p in self.params:
            if p.name in params:
                v = params[p.name]
                auto = p.auto and isinstance(v, str) and v == AUTO
                out[p.name] = v if auto else self._coerce(p, v)
            elif p.auto:
                out[p.name] = AUTO
            elif p.required:
                raise ValueError(f"{self.type_name}: {p.name} is required")
            else:
                out[p.name] = p.default
        return out

    def _coerce(self, p: ParamSpec, v):
        try:
            return COERCE[p.kind](p, v, self._dims)
        except (TypeError, ValueError) as e:
            raise ValueError(f"{self.type_name}: {p.name} must be {e.args[0]}, got {v!r}") from None

    def resolve_auto(self, params: dict, input_shape: tuple) -> dict:
        """Validated ``params`` whose inferable arguments (``'auto'`` or missing) are taken from
        ``input_shape``: features from the last dim, channels from the channel dim."""
        out = self.validate(params)
        for p in self.params:
            if p.auto and out[p.name] == AUTO:
                out[p.name] = self._infer(p.name, input_shape)
        return out

    def _infer(self, name: str, shape: tuple):
        shape = self._concrete(shape)
        if not shape:
            raise ValueError(f"{self.type_name}: cannot infer {name} from a 0-d input")
        if name == "normalized_shape":
            return (int(shape[-1]),)
        if name in ("in_features", "in1_features", "input_size"):
            return int(shape[-1])
        # channels: the dim before the spatial ones of a conv (batched or not), else dim 1
        nd = self._dims
        if self.type_name == "InstanceNorm2d":
            nd = 2
        dim = len(shape) - nd - 1 if nd is not None else 1
        if not 0 <= dim < len(shape):
            raise ValueError(f"{self.type_name}: cannot infer {name} from input shape {shape}")
        return int(shape[dim])

    def _unresolved(self, params: dict) -> None:
        for k, v in params.items():
            if v == AUTO and self._by_name[k].auto:
                raise ValueError(f"{self.type_name}: {k} is 'auto' and there is no input shape "
                                 "to infer it from")

    # building --------------------------------------------------------------------------------
    def build(self, params: dict) -> Module:
        """Validate ``params`` and construct the layer (``ValueError`` on a bad combination)."""
        full = self.validate(params)
        self._unresolved(full)
        return self._construct(self.cls, full)

    def _construct(self, cls: type, full: dict) -> Module:
        try:
            return cls(**full)
        except (ValueError, TypeError, AssertionError, RuntimeError, ArithmeticError,
                IndexError, MemoryError) as e:
            msg = e.args[0] if e.args else type(e).__name__
            raise ValueError(f"{self.type_name}: {msg}") from None

    def output_shape(self, params: dict, input_shape: tuple) -> tuple:
        """Output shape for ``input_shape``: the layer's own ``output_shape`` where it has one,
        else the rules below (most layers keep the shape)."""
        full = self.resolve_auto(params, input_shape)
        shape = self._concrete(input_shape)
        module = _shape_module(self.type_name, tuple(full.items()))
        try:
            if hasattr(module, "output_shape"):
                return tuple(int(s) for s in module.output_shape(shape))
            return _SHAPE_RULES.get(self.category, _same)(self, module, shape)
        except (ValueError, TypeError, IndexError, ArithmeticError, RuntimeError) as e:
            msg = e.args[0] if e.args else type(e).__name__
            if not str(msg).startswith(self.type_name):
                msg = f"{self.type_name}: {msg}"
            raise ValueError(msg) from None

    def state_entries(self, params: dict) -> list[tuple[str, tuple, str, str]]:
        """``(key, shape, dtype name, 'parameter' | 'buffer')`` for each state_dict entry, in
        state_dict order (read off a built layer; cached per parameter set)."""
        full = self.validate(params)
        self._unresolved(full)
        return list(_entries(self.type_name, tuple(full.items())))

    def macs(self, params: dict, input_shape: tuple, output_shape: tuple) -> int:
        """Multiply-accumulates of one forward on ``input_shape`` (formulas in
        :mod:`netlab.design.macs`)."""
        full = self.resolve_auto(params, input_shape)
        return int(_macs.macs(self.type_name, self.category, full,
                              self._concrete(input_shape), self._concrete(output_shape)))

    def _concrete(self, shape) -> tuple:
        try:
            return tuple(operator.index(s) for s in shape)
        except TypeError:
            raise ValueError(f"{self.type_name}: a shape must hold whole numbers, got "
                             f"{tuple(shape)}") from None


# shapes and state of built layers ----------------------------------------------------------
@functools.lru_cache(maxsize=64)
def _lean_class(cls: type) -> type:
    """``cls`` without weight initialisation: shapes and keys are all we read from it."""
    def skip(self):
        return None
    attrs = {"reset_parameters": skip, "_reset_parameters": skip, "__module__": cls.__module__}
    return type(cls.__name__, (cls,), attrs)


_VALIDATED: dict = {}  # validate() results (inference re-validates each node several times)


def _typed_key(params: dict) -> tuple:
    # types in the key, because True == 1 == 1.0 hash alike but do not validate alike
    def typed(v):
        if isinstance(v, (tuple, list)):
            return type(v), tuple(typed(x) for x in v)
        return type(v), v
    return tuple((k, typed(v)) for k, v in params.items())


@functools.lru_cache(maxsize=256)  # bounded: a few layers (TransformerEncoderLayer) init weights
def _shape_module(type_name: str, frozen: tuple) -> Module:
    spec = CATALOGUE[type_name]
    return spec._construct(_lean_class(spec.cls), dict(frozen))


@functools.lru_cache(maxsize=1024)
def _entries(type_name: str, frozen: tuple) -> tuple:
    module = _shape_module(type_name, frozen)
    params = {k for k, _ in module.named_parameters()}
    out = []
    for key, t in module.state_dict().items():
        dtype = str(t.dtype).rsplit(".", 1)[-1]
        out.append((key, tuple(t.shape), dtype, "parameter" if key in params else "buffer"))
    return tuple(out)


def _same(spec, module, shape):
    return shape


def _norm_shape(spec, module, shape):
    name = spec.type_name
    if name == "LayerNorm":
        ns = tuple(module.normalized_shape)
        if shape[len(shape) - len(ns):] != ns or len(shape) < len(ns):
            raise ValueError(f"LayerNorm: normalized_shape {ns} does not match the last "
                             f"dimensions of the input shape {shape}: set normalized_shape="
                             f"{shape[-len(ns):] if len(shape) >= len(ns) else shape}")
        return shape
    dims = {"BatchNorm1d": (2, 3), "BatchNorm2d": (4,), "InstanceNorm2d": (3, 4)}.get(name)
    if dims is not None and len(shape) not in dims:
        want = " or ".join(f"{d}-d" for d in dims)
        raise ValueError(f"{name} expects a {want} input, got shape {shape}")
    if name == "GroupNorm":
        if len(shape) < 2:
            raise ValueError(f"GroupNorm expects at least a 2-d input, got shape {shape}")
        ch, dim = module.num_channels, 1
    else:
        ch = module.num_features
        dim = len(shape) - 3 if name == "InstanceNorm2d" else 1
    if shape[dim] != ch:
        arg = "num_channels" if name == "GroupNorm" else "num_features"
        raise ValueError(f"{name}({arg}={ch}) receives {shape[dim]} channels: set "
                         f"{arg}={shape[dim]}")
    return shape


def _activation_shape(spec, module, shape):
    dim = getattr(module, "dim", None)
    if dim is not None and not -max(len(shape), 1) <= dim < max(len(shape), 1):
        raise ValueError(f"{spec.type_name}: dim {dim} is out of range for a "
                         f"{len(shape)}-d input")
    n = getattr(module, "num_parameters", 1)
    if spec.type_name == "PReLU" and n != 1:
        ch = shape[1] if len(shape) >= 2 else shape[0] if shape else 1
        if ch != n:
            raise ValueError(f"PReLU(num_parameters={n}) receives {ch} channels: set "
                             f"num_parameters={ch} or 1")
    return shape


def _dropout_shape(spec, module, shape):
    if spec.type_name == "Dropout2d" and len(shape) not in (3, 4):
        raise ValueError(f"Dropout2d expects a 3-d or 4-d input, got shape {shape}")
    return shape


def _attention_shape(spec, module, shape):
    d = module.self_attn.embed_dim  # TransformerEncoderLayer
    if len(shape) not in (2, 3) or shape[-1] != d:
        raise ValueError(f"TransformerEncoderLayer(d_model={d}) expects (L, N, {d}), "
                         f"(N, L, {d}) or (L, {d}) input, got shape {shape}")
    return shape


_SHAPE_RULES = {"Normalization": _norm_shape, "Activation": _activation_shape,
                "Dropout": _dropout_shape, "Attention": _attention_shape}


# the catalogue ---------------------------------------------------------------------------------
def _build_catalogue() -> dict[str, LayerSpec]:
    out = {}
    for name in sorted(dir(nn)):
        cls = getattr(nn, name)
        if (not isinstance(cls, type) or not issubclass(cls, Module) or name in _EXCLUDED
                or name.startswith("_")):
            continue
        family = cls.__module__.rsplit(".", 1)[-1]
        category = _CATEGORY_OVERRIDES.get(name, _CATEGORY_BY_FILE.get(family))
        if category is None:
            raise RuntimeError(f"netlab.design: no palette category for nn.{name} "
                               f"(defined in {cls.__module__})")
        out[name] = LayerSpec(name, cls, category, _first_line(cls), _param_specs(cls))
    return out


CATALOGUE: dict[str, LayerSpec] = _build_catalogue()


def layer_spec(type_name: str) -> LayerSpec:
    """The catalogue entry of ``type_name``; ``KeyError`` suggesting close names otherwise.

    Examples
    --------
    >>> layer_spec("Linear").category
    'Linear'
    """
    try:
        return CATALOGUE[type_name]
    except KeyError:
        pass
    lower = {k.lower(): k for k in CATALOGUE}
    close = difflib.get_close_matches(type_name.lower(), list(lower), n=3, cutoff=0.5)
    hint = (": did you mean " + ", ".join(lower[c] for c in close) + "?") if close else ""
    raise KeyError(f"unknown layer type {type_name!r}{hint}")
