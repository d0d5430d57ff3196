"""Functional attention: scaled dot-product attention and the multi-head attention forward.

The core ``softmax(q k^T * scale + mask) v`` is one primitive (:class:`Attention`) whose
backward is written with Tensor ops, so double backward works. Masks are constants (no
gradient flows into an ``attn_mask``).
"""

from __future__ import annotations

import math

import numpy as np

from netlab.autograd.node import Function
from netlab.backend import get_array_module
from netlab.nn.functional.linear import linear
from netlab.ops._util import sum_to
from netlab.tensor import Tensor

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]


class Attention(Function):
    """``(softmax(q k^T * scale + mask) * keep) @ v``; outputs ``(out, weights)`` where
    ``weights`` are the softmax probabilities before dropout.

    ``mask`` is an additive float array (or None), ``keep`` the dropout mask already scaled by
    ``1/(1-p)`` (or None). With ``safe`` a row whose scores are all ``-inf`` gets weights 0
    (PyTorch's scaled_dot_product_attention) instead of NaN (its multi-head attention weights).
    """

    _backward_name = "ScaledDotProductAttentionBackward0"

    def __init__(self, scale: float, safe: bool):
        self.scale = scale
        self.safe = safe

    def forward(self, q, k, v, mask, keep):
        xp = get_array_module(q)
        s = xp.matmul(q, xp.swapaxes(k, -1, -2))
        s *= self.scale
        if mask is not None:
            s = s + mask
        with np.errstate(invalid="ignore"):
            m = s.max(-1, keepdims=True)
            if self.safe:
                m = xp.where(xp.isneginf(m), 0, m)
            p = xp.exp(s - m)
            p /= p.sum(-1, keepdims=True)
        if self.safe:
            p = xp.nan_to_num(p, nan=0.0)
        a = p if keep is None else p * keep
        out = xp.matmul(a, v)
        self.save_for_backward(q, k, v, p, keep)
        return out, p

    def backward(self, g_out, g_p):
        q, k, v, p, keep = self.saved_tensors
        ng = self.needs_input_grad
        a = p if keep is None else p * keep
        gq = gk = gv = None
        if ng[2]:
            gv = sum_to(a.transpose(-1, -2).matmul(g_out), v.shape)
        if ng[0] or ng[1]:
            da = g_out.matmul(v.transpose(-1, -2))
            dp = da if keep is None else da * keep
            dp = dp + g_p
            ds = p * (dp - (dp * p).sum(-1, keepdim=True))
            if ng[0]:
                gq = sum_to(ds.matmul(k) * self.scale, q.shape)
            if ng[1]:
                gk = sum_to(ds.transpose(-1, -2).matmul(q) * self.scale, k.shape)
        return gq, gk, gv, None, None


def _keep_mask(shape, p: float, like: Tensor):
    """Dropout keep-mask scaled by 1/(1-p), drawn from netlab's default generator."""
    import netlab

    xp = get_array_module(like._array)
    if p >= 1:
        return xp.zeros(shape, dtype=like._array.dtype)
    u = netlab.rand(*shape, dtype=like.dtype, device=like.device)._array
    return (u >= p).astype(like._array.dtype) / (1 - p)


def _additive(mask, dtype, xp):
    """A bool mask (True = masked out) or float mask as an additive float array."""
    arr = mask._array if isinstance(mask, Tensor) else mask
    if arr.dtype == np.bool_:
        out = xp.zeros(arr.shape, dtype=dtype)
        out[arr] = -np.inf
        return out
    if arr.dtype.kind != "f":
        raise AssertionError(f"only bool and floating types of masks are supported, got "
                             f"{arr.dtype}")
    return arr.astype(dtype, copy=False)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False):
    """``softmax(q k^T / sqrt(E) + mask) v`` over the last two dimensions.

    A bool ``attn_mask`` marks the pairs that take part (True = attend); a float one is added
    to the scores. ``is_causal`` applies a lower-triangular mask. Rows with no allowed key
    give zeros.

    Examples
    --------
    >>> import netlab
    >>> q = netlab.randn(2, 3, 4)
    >>> scaled_dot_product_attention(q, q, q, is_causal=True).shape
    netlab.Size([2, 3, 4])
    """
    if enable_gqa:
        raise NotImplementedError("netlab: scaled_dot_product_attention(enable_gqa=True) is "
                                  "not supported")
    xp = get_array_module(query._array)
    L, S = query.shape[-2], key.shape[-2]
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set "
                           "when is_causal=True")
    mask = None
    dtype = query._array.dtype
    if is_causal:
        mask = xp.where(xp.tril(xp.ones((L, S), dtype=bool)), 0, -np.inf).astype(dtype)
    elif attn_mask is not None:
        arr = attn_mask._array if isinstance(attn_mask, Tensor) else attn_mask
        mask = _additive(~arr, dtype, xp) if arr.dtype == np.bool_ else _additive(arr, dtype, xp)
    sc = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    keep = None
    if dropout_p > 0:
        shape = tuple(np.broadcast_shapes(query.shape[:-1], key.shape[:-2])) + (S,)
        keep = _keep_mask(shape, dropout_p, query)
    out, _ = Attention(sc, True)(query, key, value, mask, keep)
    return out


def multi_head_attention_forward(query, key, value, embed_dim_to_check: int, num_heads: int,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v,
                                 add_zero_attn: bool, dropout_p: float, out_proj_weight,
                                 out_proj_bias, training: bool = True, key_padding_mask=None,
                                 need_weights: bool = True, attn_mask=None,
                                 use_separate_proj_weight: bool = False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights: bool = True,
                                 is_causal: bool = False):
    """Multi-head attention on sequence-first inputs ``(L, N, E)`` (or unbatched ``(L, E)``).

    Returns ``(output, weights)``; ``weights`` is None unless ``need_weights``, averaged over
    the heads when ``average_attn_weights``. Bool masks mark positions that are *not*
    allowed (True = ignore), float masks are added to the scores.

    Examples
    --------
    >>> import netlab
    >>> E, H = 4, 2
    >>> x = netlab.randn(3, 1, E)
    >>> out, w = multi_head_attention_forward(
    ...     x, x, x, E, H, netlab.randn(3 * E, E), netlab.zeros(3 * E), None, None, False,
    ...     0.0, netlab.randn(E, E), netlab.zeros(E))
    >>> tuple(out.shape), tuple(w.shape)
    ((3, 1, 4), (1, 3, 3))
    """
    import netlab

    if static_k is not None or static_v is not None:
        raise NotImplementedError("netlab: static_k/static_v are not supported")
    batched = query.dim() == 3
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    xp = get_array_module(query._array)
    dtype = query._array.dtype

    # input projections
    E = embed_dim
    bq = bk = bv = None
    if in_proj_bias is not None:
        bq, bk, bv = in_proj_bias[:E], in_proj_bias[E:2 * E], in_proj_bias[2 * E:]
    if not use_separate_proj_weight:
        if query is key and key is value:
            q, k, v = linear(query, in_proj_weight, in_proj_bias).chunk(3, -1)
        else:
            wq, wk, wv = in_proj_weight[:E], in_proj_weight[E:2 * E], in_proj_weight[2 * E:]
            q, k, v = linear(query, wq, bq), linear(key, wk, bk), linear(value, wv, bv)
    else:
        q = linear(query, q_proj_weight, bq)
        k = linear(key, k_proj_weight, bk)
        v = linear(value, v_proj_weight, bv)

    # masks, as one additive float array broadcastable to (N*H, L, S)
    mask = None
    if attn_mask is not None:
        mask = _additive(attn_mask, dtype, xp)
        if mask.ndim == 2:
            if mask.shape != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is netlab.Size("
                                   f"{list(mask.shape)}), but should be "
                                   f"{(tgt_len, src_len)}.")
            mask = mask[None]
        elif mask.ndim == 3:
            if mask.shape != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is netlab.Size("
                                   f"{list(mask.shape)}), but should be "
                                   f"{(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {mask.ndim} is not supported")
    kpm = None
    if key_padding_mask is not None:
        kpm = _additive(key_padding_mask, dtype, xp)
        if kpm.shape != (bsz, src_len):
            raise AssertionError(f"expecting key_padding_mask shape of {(bsz, src_len)}, but "
                                 f"got netlab.Size({list(kpm.shape)})")

    def pad_masks(mask, kpm):
        if mask is not None:
            mask = xp.concatenate([mask, xp.zeros(mask.shape[:-1] + (1,), dtype)], -1)
        if kpm is not None:
            kpm = xp.concatenate([kpm, xp.zeros((bsz, 1), dtype)], -1)
        return mask, kpm

    if bias_k is not None and bias_v is not None:
        k = netlab.cat([k, bias_k.expand(1, bsz, E)], 0)
        v = netlab.cat([v, bias_v.expand(1, bsz, E)], 0)
        mask, kpm = pad_masks(mask, kpm)
    elif bias_k is not None or bias_v is not None:
        raise AssertionError("bias_k and bias_v must both be given or both be None")

    # heads: (L, N, E) -> (N*H, L, head_dim)
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = k.reshape(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    v = v.reshape(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    if add_zero_attn:
        z = netlab.zeros(bsz * num_heads, 1, head_dim, dtype=q.dtype, device=q.device)
        k = netlab.cat([k, z], 1)
        v = netlab.cat([v, z], 1)
        mask, kpm = pad_masks(mask, kpm)
    S = k.shape[1]
    if kpm is not None:
        kpm = xp.broadcast_to(kpm[:, None, None, :], (bsz, num_heads, 1, S))
        kpm = kpm.reshape(bsz * num_heads, 1, S)
        mask = kpm if mask is None else mask + kpm

    keep = None
    if training and dropout_p > 0:
        keep = _keep_mask((bsz * num_heads, tgt_len, S), dropout_p, q)
    out, p = Attention(1.0 / math.sqrt(head_dim), not need_weights)(q, k, v, mask, keep)
    out = out.transpose(0, 1).reshape(tgt_len * bsz, E)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, E)
    weights = None
    if need_weights:
        weights = p if keep is None else p * Tensor._make(keep)
        weights = weights.reshape(bsz, num_heads, tgt_len, S)
        if average_attn_weights:
            weights = weights.mean(1)
        if not batched:
            weights = weights.squeeze(0)
    if not batched:
        out = out.squeeze(1)
    return out, weights
