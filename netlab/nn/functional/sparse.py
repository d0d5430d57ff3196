"""Functional Embedding: a lookup table indexed by integer tensors."""

from __future__ import annotations

from netlab import backend
from netlab.autograd.grad_mode import no_grad
from netlab.autograd.node import Function
from netlab.backend import get_array_module
from netlab.dtypes import int32, int64
from netlab.tensor import Tensor

__all__ = ["embedding"]


class EmbeddingLookup(Function):
    """``weight[indices]``; the gradient scatters rows back, skipping ``padding_idx`` and
    optionally dividing by each index's frequency in the batch.
    """

    _backward_name = "EmbeddingBackward0"

    def __init__(self, padding_idx: int, scale_grad_by_freq: bool):
        self.padding_idx = padding_idx
        self.scale_grad_by_freq = scale_grad_by_freq

    def forward(self, weight, indices):
        self.indices = indices
        self.num_weights = weight.shape[0]
        return weight[indices]

    def backward(self, g):
        xp = get_array_module(self.indices)
        flat = self.indices.reshape(-1)
        g2 = g.reshape(flat.shape[0], g.shape[-1])
        scale = None
        if self.scale_grad_by_freq:
            counts = xp.bincount(flat, minlength=self.num_weights)
            scale = 1.0 / counts[flat]
        if self.padding_idx >= 0:
            keep = flat != self.padding_idx
            scale = keep if scale is None else scale * keep
        if scale is not None:
            g2 = g2 * Tensor._make(scale.astype(g._array.dtype)[:, None])
        zeros = Tensor._make(xp.zeros((self.num_weights, g.shape[-1]), dtype=g._array.dtype))
        return zeros.index_add(0, Tensor._make(flat), g2), None


def _renorm_(weight: Tensor, indices, max_norm: float, norm_type: float) -> None:
    """Rescale, in place, the rows of ``weight`` used by ``indices`` whose norm exceeds
    ``max_norm`` (PyTorch's ``embedding_renorm_``).
    """
    xp = get_array_module(weight._array)
    rows = xp.unique(indices.reshape(-1))
    with no_grad():
        sel = weight._array[rows]
        norms = (xp.abs(sel) ** norm_type).sum(1) ** (1.0 / norm_type)
        big = norms > max_norm
        if bool(big.any()):
            factor = (max_norm / (norms[big] + 1e-7)).astype(sel.dtype)
            weight._array[rows[big]] = sel[big] * factor[:, None]
            weight._version_counter.value += 1


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Look up rows of ``weight`` at the integer ``input``: output ``input.shape + (D,)``.

    ``padding_idx`` rows get no gradient; ``max_norm`` renormalises the used rows in place.
    ``sparse=True`` is accepted for compatibility; netlab returns a dense gradient.

    Examples
    --------
    >>> import netlab
    >>> embedding(netlab.tensor([[0, 2]]), netlab.eye(3)).tolist()
    [[[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]]
    """
    if input.dtype not in (int64, int32):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the "
                           "following scalar types: Long, Int; but got "
                           f"{input.type()} instead (while checking arguments for embedding)")
    n = weight.shape[0]
    if padding_idx is not None:
        if padding_idx > 0:
            assert padding_idx < n, "Padding_idx must be within num_embeddings"
        elif padding_idx < 0:
            assert padding_idx >= -n, "Padding_idx must be within num_embeddings"
            padding_idx = n + padding_idx
    else:
        padding_idx = -1
    idx = input._array
    if idx.size and (bool((idx < 0).any()) or bool((idx >= n).any())):
        raise IndexError("index out of range in self")
    if weight.dim() != 2:
        raise RuntimeError("'weight' must be 2-D")
    if max_norm is not None:
        _renorm_(weight, idx, max_norm, norm_type)
    idx = backend.to_device(idx, weight.device) if input.device != weight.device else idx
    return EmbeddingLookup(padding_idx, scale_grad_by_freq)(weight, idx)
