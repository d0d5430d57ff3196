"""DataParallel, its building blocks (scatter, replicate, parallel_apply, gather) and the
DistributedDataParallel name.

Both wrappers keep the wrapped module under the attribute ``module``, so state_dict keys (and
``_metadata`` entries) gain the ``module.`` prefix exactly as in PyTorch.

``DataParallel`` follows ``torch.nn.DataParallel``: with several devices, ``forward`` splits
each input tensor into ``len(device_ids)`` chunks along ``dim`` (``Tensor.chunk``'s rule, so a
small batch gives fewer chunks and fewer replicas), copies every other argument to each replica,
replicates the module onto the devices, runs each replica on its chunk and concatenates the
outputs along ``dim`` on ``output_device``. The replicas' parameters are differentiable copies
of the original ones (``Tensor.to``, or a view on the source device), so ``backward`` sums the
replicas' gradients into the original parameters, as PyTorch's Broadcast/ReduceAddCoalesced do.

netlab extension: ``device_ids`` may name CPU devices (``device_ids=["cpu", "cpu"]``), which
runs the whole scatter/replicate/gather path on the CPU. PyTorch refuses CPU devices here; netlab
accepts them so that the multi-device code is exercised (and tested) on machines without several
GPUs. With CUDA devices the same code moves chunks and replicas with ``Tensor.to(device)``.
Replicas run one after the other in the calling thread (cupy launches are asynchronous, so the
GPUs still overlap); PyTorch uses one thread per replica.
"""

from __future__ import annotations

import contextlib
import warnings

from netlab import backend
from netlab.autograd.grad_mode import is_grad_enabled
from netlab.nn.module import Module
from netlab.tensor import Tensor

# Only the wrapper is star-exported: netlab.nn star-imports this module, and torch.nn has no
# scatter/gather/replicate names (they live in torch.nn.parallel, as here).
__all__ = ["DataParallel"]


def _device_id(d):
    """``device_ids`` entry as PyTorch stores it: an int for CUDA; netlab keeps CPU devices as
    ``device('cpu')`` (its CPU extension; -1 is PyTorch's index for the CPU)."""
    if isinstance(d, bool):
        raise TypeError(f"Expected a device or an int, but got: {d!r}")
    if isinstance(d, int):
        if d == -1:
            return backend.CPU
        if d < 0:
            raise ValueError(f"Expected a non-negative device index, but got: {d}")
        return d
    d = backend.as_device(d)
    if d.type == "cpu":
        return backend.CPU
    return d.index or 0


def _as_device(d) -> backend.device:
    """A ``device_ids`` entry (int, string or device) as a device object."""
    d = _device_id(d)
    return d if isinstance(d, backend.device) else backend.device("cuda", d)


def _to_device(obj, dev):
    """Move the tensors in (nested tuples, lists and dicts of) ``obj`` to ``dev``."""
    if isinstance(obj, Tensor):
        return obj.to(dev)
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(_to_device(o, dev) for o in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_device(o, dev) for o in obj)
    if isinstance(obj, dict):
        return type(obj)((k, _to_device(v, dev)) for k, v in obj.items())
    return obj


def _is_namedtuple(obj) -> bool:
    return isinstance(obj, tuple) and hasattr(obj, "_asdict") and hasattr(obj, "_fields")


def _chunk_sizes(n: int, chunks: int) -> list[int]:
    # Tensor.chunk's rule (at::chunk): pieces of ceil(n / chunks), the last one shorter, so
    # 5 over 3 gives 2, 2, 1 and 4 over 3 gives 2, 2; an empty dim gives `chunks` empty pieces.
    if n == 0:
        return [0] * chunks
    size = -(-n // chunks)
    return [size] * (n // size) + ([n % size] if n % size else [])


def _scatter_tensor(t: Tensor, devices, dim: int):
    from netlab.ops._util import wrap_dim
    from netlab.ops.join import split

    if t.dim() == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, t.dim())
    pieces = split(t, _chunk_sizes(t.shape[d], len(devices)), d)
    # split gives views and `to` is differentiable, so the input's gradient is gathered back
    return tuple(p.to(dev) for p, dev in zip(pieces, devices))


def scatter(inputs, target_gpus, dim: int = 0):
    """Split the tensors in ``inputs`` into chunks along ``dim``, one per device.

    Tensors are chunked (``Tensor.chunk``'s rule) and moved to ``target_gpus`` (device indices,
    or CPU devices, a netlab extension); tuples, lists, dicts and namedtuples are scattered
    element-wise; other objects are repeated for every device. The result has one entry per
    chunk, so fewer than ``len(target_gpus)`` when the batch is small.

    Examples
    --------
    >>> import netlab
    >>> [c.tolist() for c in scatter(netlab.arange(5), ["cpu"] * 3)]
    [[0, 1], [2, 3], [4]]
    """
    devices = [_as_device(d) for d in target_gpus]

    def scatter_map(obj):
        if isinstance(obj, Tensor):
            return _scatter_tensor(obj, devices, dim)
        if _is_namedtuple(obj):
            return [type(obj)(*args) for args in zip(*map(scatter_map, obj))]
        if isinstance(obj, tuple) and len(obj) > 0:
            return list(zip(*map(scatter_map, obj)))
        if isinstance(obj, list) and len(obj) > 0:
            return [list(i) for i in zip(*map(scatter_map, obj))]
        if isinstance(obj, dict) and len(obj) > 0:
            return [type(obj)(i) for i in zip(*map(scatter_map, obj.items()))]
        return [obj for _ in devices]

    return scatter_map(inputs)


def scatter_kwargs(inputs, kwargs, target_gpus, dim: int = 0):
    """``scatter`` for positional and keyword arguments: returns a tuple of argument tuples and
    a tuple of keyword dicts, one each per chunk (the missing side is padded with empties).

    Examples
    --------
    >>> import netlab
    >>> args, kws = scatter_kwargs((netlab.ones(3, 2),), {"scale": 2.0}, ["cpu"] * 2)
    >>> [a[0].shape[0] for a in args], kws
    ([2, 1], ({'scale': 2.0}, {'scale': 2.0}))
    """
    scattered_inputs = scatter(inputs, target_gpus, dim) if inputs else []
    scattered_kwargs = scatter(kwargs, target_gpus, dim) if kwargs else []
    if scattered_inputs and scattered_kwargs and len(scattered_inputs) != len(scattered_kwargs):
        # PyTorch fails here too (an assertion in parallel_apply); padding would run a replica
        # without some of its arguments
        raise ValueError(f"the positional arguments were scattered into "
                         f"{len(scattered_inputs)} chunks but the keyword arguments into "
                         f"{len(scattered_kwargs)}; give every batched tensor the same size "
                         f"along dim {dim}")
    if len(scattered_inputs) < len(scattered_kwargs):
        scattered_inputs.extend(() for _ in range(len(scattered_kwargs) - len(scattered_inputs)))
    elif len(scattered_kwargs) < len(scattered_inputs):
        scattered_kwargs.extend({} for _ in range(len(scattered_inputs) - len(scattered_kwargs)))
    return tuple(scattered_inputs), tuple(scattered_kwargs)


def _broadcast(t: Tensor, dev, detach: bool) -> Tensor:
    """A copy of ``t`` on ``dev`` whose gradient flows back to ``t``."""
    if detach:
        return t.detach().to(dev)
    out = t.to(dev)
    # on its own device `to` returns `t` itself: use a view so that every replica holds a
    # non-leaf tensor, as PyTorch's Broadcast outputs are
    return t.view_as(t) if out is t else out


def _replicate_module(module: Module, tensors: dict, memo: dict) -> Module:
    key = id(module)
    if key in memo:  # a submodule used twice stays one module in the replica
        return memo[key]
    replica = type(module).__new__(type(module))
    state = dict(module.__dict__)  # hooks, flags and plain attributes are shared, as in PyTorch
    # the copies go straight into _parameters (bypassing the Parameter checks of
    # register_parameter) so that code that reads _parameters or parameters() sees them
    state["_parameters"] = {k: None if p is None else tensors[id(p)]
                            for k, p in module._parameters.items()}
    state["_buffers"] = {k: None if b is None else tensors[id(b)]
                         for k, b in module._buffers.items()}
    state["_modules"] = {}
    state["_is_replica"] = True
    object.__setattr__(replica, "__dict__", state)
    memo[key] = replica
    for name, child in module._modules.items():
        state["_modules"][name] = (None if child is None
                                   else _replicate_module(child, tensors, memo))
    return replica


def replicate(network: Module, devices, detach: bool = False) -> list:
    """Shallow copies of ``network``, one per device, whose parameters are differentiable
    copies of the originals (so gradients reach ``network``'s parameters).

    Buffers that require grad are copied like parameters. Other buffers are detached copies,
    except on the first replica, which shares the original buffers when it is on their device:
    as in PyTorch, in-place updates (BatchNorm's running statistics, ``num_batches_tracked``)
    made by the first replica are kept and those made by the others are discarded.

    Examples
    --------
    >>> import netlab.nn as nn
    >>> lin = nn.Linear(2, 1)
    >>> r = replicate(lin, ["cpu", "cpu"])
    >>> len(r), r[1].weight.grad_fn is not None, lin.weight.grad_fn is None
    (2, True, True)
    """
    devices = [_as_device(d) for d in devices]
    if not devices:
        return []
    params = list(network.parameters())
    buffers = list(network.buffers())
    replicas = []
    for j, dev in enumerate(devices):
        tensors = {id(p): _broadcast(p, dev, detach) for p in params}
        for b in buffers:
            if b.requires_grad and not detach:
                tensors[id(b)] = _broadcast(b, dev, False)
            elif j == 0 and b.device == dev:
                tensors[id(b)] = b
            else:
                tensors[id(b)] = b.detach().to(dev, copy=True)
        replicas.append(_replicate_module(network, tensors, {}))
    return replicas


def _first_device(obj):
    if isinstance(obj, Tensor):
        return obj.device
    if isinstance(obj, (list, tuple)):
        for o in obj:
            d = _first_device(o)
            if d is not None:
                return d
    if isinstance(obj, dict):
        return _first_device(list(obj.values()))
    return None


def parallel_apply(modules, inputs, kwargs_tup=None, devices=None) -> list:
    """Run ``modules[i](*inputs[i], **kwargs_tup[i])`` for every ``i`` and return the outputs.

    Each call runs with ``devices[i]`` current (by default the device of the first tensor in
    ``inputs[i]``). netlab runs the calls one after the other; an exception gains a note that
    names the replica and its device.

    Examples
    --------
    >>> import netlab, netlab.nn as nn
    >>> outs = parallel_apply([nn.Identity(), nn.Identity()], [(netlab.ones(1),), (2.0,)])
    >>> outs[1]
    2.0
    """
    if len(modules) != len(inputs):
        raise ValueError(f"The number of modules {len(modules)} is not equal to the number of "
                         f"inputs {len(inputs)}")
    kwargs_tup = tuple(kwargs_tup) if kwargs_tup is not None else ({},) * len(modules)
    if len(kwargs_tup) != len(modules):
        raise ValueError(f"The number of modules {len(modules)} is not equal to the number of "
                         f"keyword argument dicts {len(kwargs_tup)}")
    if devices is None:
        devices = [_first_device(inp) for inp in inputs]
    elif len(devices) != len(modules):
        raise ValueError(f"The number of modules {len(modules)} is not equal to the number of "
                         f"devices {len(devices)}")
    outputs = []
    for i, (module, inp, kw, dev) in enumerate(zip(modules, inputs, kwargs_tup, devices)):
        if not isinstance(inp, (list, tuple)):
            inp = (inp,)
        dev = backend.CPU if dev is None else _as_device(dev)
        try:
            with backend.device_context(dev):
                outputs.append(module(*inp, **kw))
        except Exception as e:
            e.add_note(f"Caught {type(e).__name__} in replica {i} on device {dev}.")
            raise
    return outputs


def _gather_tensors(outputs, target, dim: int):
    from netlab.ops.join import cat

    moved = [t.to(target) for t in outputs]
    if dim == 0 and all(t.dim() == 0 for t in moved):
        warnings.warn("Was asked to gather along dimension 0, but all input tensors were "
                      "scalars; will instead unsqueeze and return a vector.", stacklevel=4)
        moved = [t.view(1) for t in moved]
    return cat(moved, dim)


def gather(outputs, target_device, dim: int = 0):
    """Concatenate the replicas' outputs along ``dim`` on ``target_device``.

    Tensors are concatenated; dicts, namedtuples, tuples and lists are gathered element-wise;
    ``None`` stays ``None``. Scalar (0-d) outputs are stacked into a vector with a warning.

    Examples
    --------
    >>> import netlab
    >>> gather([netlab.ones(2), netlab.zeros(1)], "cpu").tolist()
    [1.0, 1.0, 0.0]
    """
    target = _as_device(target_device)

    def gather_map(outs):
        out = outs[0]
        if isinstance(out, Tensor):
            return _gather_tensors(outs, target, dim)
        if out is None:
            return None
        if isinstance(out, dict):
            if not all(len(out) == len(d) for d in outs):
                raise ValueError("All dicts must have the same number of keys")
            return type(out)((k, gather_map([d[k] for d in outs])) for k in out)
        if _is_namedtuple(out):
            return type(out)._make(map(gather_map, zip(*outs, strict=True)))
        return type(out)(map(gather_map, zip(*outs, strict=True)))

    return gather_map(outputs)


def data_parallel(module, inputs, device_ids=None, output_device=None, dim: int = 0,
                  module_kwargs=None):
    """The functional form of ``DataParallel``: ``module(*inputs, **module_kwargs)`` split
    across ``device_ids`` (the module must be on ``device_ids[0]``).

    Examples
    --------
    >>> import netlab, netlab.nn as nn
    >>> data_parallel(nn.Identity(), netlab.arange(3), ["cpu", "cpu"]).tolist()
    [0, 1, 2]
    """
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    if device_ids is None:
        device_ids = list(range(backend.cuda_device_count()))
    if not device_ids:
        return module(*inputs, **(module_kwargs or {}))
    devices = [_as_device(d) for d in device_ids]
    output_device = devices[0] if output_device is None else _as_device(output_device)
    src = devices[0]
    for t in (*module.parameters(), *module.buffers()):
        if t.device != src:
            raise RuntimeError(f"module must have its parameters and buffers on device {src} "
                               f"(device_ids[0]) but found one of them on device: {t.device}")
    inputs, module_kwargs = scatter_kwargs(inputs, module_kwargs, devices, dim)
    if not inputs and not module_kwargs:
        inputs, module_kwargs = ((),), ({},)
    devices = devices[:len(inputs)]
    replicas = replicate(module, devices, not is_grad_enabled())
    outputs = parallel_apply(replicas, inputs, module_kwargs, devices)
    return gather(outputs, output_device, dim)


class DataParallel(Module):
    """Wrap ``module`` for data-parallel training; its keys gain the ``module.`` prefix.

    With several devices, ``forward`` splits the batch: input tensors are chunked along ``dim``
    (``Tensor.chunk``'s rule), the module is replicated onto ``device_ids`` (one replica per
    chunk), each replica runs on its chunk and the outputs are concatenated along ``dim`` on
    ``output_device`` (tuples, lists, dicts and namedtuples element-wise). Gradients reach the
    original module's parameters. BatchNorm in training mode normalises each chunk with its own
    statistics, and only the first replica's running-statistics update is kept (it shares the
    original buffers), as in PyTorch.

    ``device_ids`` defaults to all CUDA devices that cupy sees; without CUDA it is ``[]`` and
    the module runs as it is, as PyTorch does on a CPU-only machine. With one device the module
    runs there as it is (inputs moved to it, output moved to ``output_device``). The module is
    moved to ``device_ids[0]``. netlab extension: CPU entries (``device_ids=["cpu", "cpu"]``) run
    the same scatter/replicate/gather path on the CPU; such entries are kept as ``device('cpu')``
    while CUDA entries are ints, as in PyTorch.

    Examples
    --------
    >>> import netlab, netlab.nn as nn
    >>> dp = DataParallel(nn.Linear(2, 1), device_ids=["cpu", "cpu"])
    >>> list(dp.state_dict()), dp(netlab.ones(3, 2)).shape
    (['module.weight', 'module.bias'], netlab.Size([3, 1]))
    """

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0):
        super().__init__()
        self.module = module
        self.dim = dim
        ids = None if device_ids is None else [_device_id(d) for d in device_ids]
        wants_cuda = ids is None or any(isinstance(d, int) for d in ids)
        if wants_cuda and not backend.cuda_is_available():
            if ids is None or all(isinstance(d, int) for d in ids):
                # PyTorch on a machine without GPUs: no devices, the module runs as it is
                self.device_ids = []
                self.output_device = None
                return
            raise RuntimeError(f"device_ids mixes CPU and CUDA devices ({list(device_ids)}) but "
                               f"netlab sees no CUDA device")
        if ids is None:
            ids = list(range(backend.cuda_device_count()))
        if not ids:
            raise RuntimeError("no available devices were found")
        self.device_ids = ids
        self.output_device = _device_id(output_device if output_device is not None else ids[0])
        self.src_device_obj = _as_device(ids[0])
        self.module.to(self.src_device_obj)

    def forward(self, *inputs, **kwargs):
        if not self.device_ids:
            return self.module(*inputs, **kwargs)
        devices = [_as_device(d) for d in self.device_ids]
        src = devices[0]
        for t in (*self.module.parameters(), *self.module.buffers()):
            if t.device != src:
                raise RuntimeError(f"module must have its parameters and buffers on device "
                                   f"{src} (device_ids[0]) but found one of them on device: "
                                   f"{t.device}")
        if len(devices) == 1:
            out = self.module(*_to_device(inputs, src), **_to_device(kwargs, src))
            out_dev = _as_device(self.output_device)
            return out if out_dev == src else _to_device(out, out_dev)
        inputs, module_kwargs = self.scatter(inputs, kwargs, devices)
        # a forward without arguments runs once, on the first device
        if not inputs and not module_kwargs:
            inputs, module_kwargs = ((),), ({},)
        replicas = self.replicate(self.module, devices[:len(inputs)])
        outputs = self.parallel_apply(replicas, inputs, module_kwargs)
        return self.gather(outputs, self.output_device)

    def replicate(self, module, device_ids):
        return replicate(module, device_ids, not is_grad_enabled())

    def scatter(self, inputs, kwargs, device_ids):
        return scatter_kwargs(inputs, kwargs, device_ids, dim=self.dim)

    def parallel_apply(self, replicas, inputs, kwargs):
        return parallel_apply(replicas, inputs, kwargs, self.device_ids[:len(replicas)])

    def gather(self, outputs, output_device):
        return gather(outputs, output_device, dim=self.dim)


class DistributedDataParallel(Module):
    """The ``DistributedDataParallel`` wrapper for naming: keys gain ``module.``, and
    ``forward`` runs the wrapped module in this process.

    netlab has no process groups, so nothing is synchronised between processes: it stands
    in for PyTorch's class so that models and checkpoints keep PyTorch's key names.

    Examples
    --------
    >>> import netlab.nn as nn
    >>> list(DistributedDataParallel(nn.Linear(2, 1)).state_dict())
    ['module.weight', 'module.bias']
    """

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0,
                 broadcast_buffers: bool = True, process_group=None, bucket_cap_mb=None,
                 find_unused_parameters: bool = False, check_reduction: bool = False,
                 gradient_as_bucket_view: bool = False, static_graph: bool = False, **kwargs):
        super().__init__()
        self.module = module
        self.device_ids = list(device_ids) if device_ids is not None else None
        self.output_device = output_device
        self.dim = dim
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)

    @contextlib.contextmanager
    def no_sync(self):
        """Gradient synchronisation is off inside; netlab never synchronises, so a no-op."""
        yield
