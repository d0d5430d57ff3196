"""DataParallel and the DistributedDataParallel name.

Both wrap a module under the attribute ``module``, so state_dict keys (and ``_metadata``
entries) gain the ``module.`` prefix exactly as in PyTorch. netlab runs the wrapped module on
one device: splitting a batch across several GPUs is not implemented (there is no multi-GPU
machine to test it on), so with several CUDA devices the module runs on ``device_ids[0]``.
"""

from __future__ import annotations

import contextlib

from netlab import backend
from netlab.nn.module import Module
from netlab.tensor import Tensor

__all__ = ["DataParallel"]


def _device_index(d) -> int:
    if isinstance(d, int):
        return d
    d = backend.as_device(d)
    if d.type != "cuda":
        raise ValueError(f"Expected a cuda device, but got: {d}")
    return d.index or 0


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


class DataParallel(Module):
    """Wrap ``module`` for data-parallel training; its keys gain the ``module.`` prefix.

    Without CUDA (netlab sees no GPU through cupy) it runs ``module`` as it is, as PyTorch does
    on a CPU-only machine, and ``device_ids`` is ``[]``. With CUDA the module is moved to
    ``device_ids[0]`` (all visible GPUs by default) and the inputs are moved there before
    ``forward``; the output is moved to ``output_device``. netlab does not split the batch
    across several GPUs: it runs everything on ``device_ids[0]``.

    Examples
    --------
    >>> import netlab.nn as nn
    >>> list(DataParallel(nn.Linear(2, 1)).state_dict())
    ['module.weight', 'module.bias']
    """

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0):
        super().__init__()
        self.module = module
        self.dim = dim
        if not backend.cuda_is_available():
            self.device_ids = []
            self.output_device = None
            return
        if device_ids is None:
            device_ids = list(range(backend.cuda_device_count()))
        if not device_ids:
            raise RuntimeError("no available devices were found")
        self.device_ids = [_device_index(d) for d in device_ids]
        self.output_device = _device_index(output_device if output_device is not None
                                           else self.device_ids[0])
        self.src_device_obj = backend.device("cuda", self.device_ids[0])
        self.module.to(self.src_device_obj)

    def forward(self, *inputs, **kwargs):
        if not self.device_ids:
            return self.module(*inputs, **kwargs)
        src = self.src_device_obj
        for t in (*self.module.parameters(), *self.module.buffers()):
            if t.device != src:
                raise RuntimeError(f"module must have its parameters and buffers on device "
                                   f"{src} (device_ids[0]) but found one of them on device: "
                                   f"{t.device}")
        out = self.module(*_to_device(inputs, src), **_to_device(kwargs, src))
        if self.output_device != self.device_ids[0]:
            out = _to_device(out, backend.device("cuda", self.output_device))
        return out


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
