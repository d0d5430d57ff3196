"""``repr`` of tensors in PyTorch's layout."""

from __future__ import annotations

import numpy as np

from netlab import backend
from netlab.dtypes import get_default_dtype


def tensor_repr(t) -> str:
    arr = backend.to_numpy(t._array)
    body = np.array2string(arr, separator=", ", prefix="tensor(", threshold=1000, edgeitems=3,
                           precision=4, suppress_small=False)
    extras = []
    if t.is_cuda:
        extras.append(f"device='{t.device}'")
    dt = t.dtype
    if dt not in (get_default_dtype(),) and dt.name not in ("int64", "bool"):
        extras.append(f"dtype={dt!r}")
    if arr.size == 0:
        extras.append(f"size={tuple(arr.shape)}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + e for e in extras) + ")"
