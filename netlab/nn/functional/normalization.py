"""Functional normalisation: batch_norm, instance_norm, layer_norm, group_norm, normalize.

All four statistics-based norms share one primitive, :class:`Normalize`: standardise over some
axes of a (possibly regrouped) view of the input with the biased variance, then apply a
per-channel or elementwise affine, forward and backward in one node.
"""

from __future__ import annotations

from netlab.autograd.grad_mode import is_grad_enabled
from netlab.autograd.node import Function
from netlab.backend import get_array_module
from netlab.ops.arith import div
from netlab.tensor import Tensor

__all__ = ["batch_norm", "instance_norm", "layer_norm", "group_norm", "normalize"]


class Normalize(Function):
    """``(x - mean) / sqrt(var + eps) * w + b`` with the statistics taken over ``axes`` of
    ``x.reshape(stat_shape)``; ``w``/``b`` broadcast as ``w.reshape(w_shape)``.

    With ``stats=(mean, var)`` (raw arrays shaped for ``stat_shape``) the given statistics
    are used instead, as BatchNorm does in eval mode. The batch statistics of the last
    forward stay on ``self.mean`` / ``self.var`` (biased) for running-stat updates.
    The backward is fused on raw arrays for speed (one node instead of ~15); under
    ``create_graph`` it is written in Tensor ops of ``x`` instead, so it differentiates again.
    """

    def __init__(self, stat_shape, axes, w_shape, eps, stats=None, name="NativeBatchNorm",
                 per_channel=False):
        self.per_channel = per_channel  # BatchNorm: stats over all but dim 1 (fast path)
        self.stat_shape = tuple(stat_shape)
        self.axes = tuple(axes)
        self.w_shape = tuple(w_shape)
        self.eps = eps
        self.stats = stats
        self._backward_name = name + "Backward0"

    def forward(self, x, w=None, b=None):
        if self.per_channel:
            return self._forward_bn(x, w, b)
        xp = get_array_module(x)
        xs = _acc(x).reshape(self.stat_shape)
        if self.stats is None:
            mean = xs.mean(self.axes, keepdims=True)
            xc = xs - mean
            var = xp.mean(xc * xc, self.axes, keepdims=True)
        else:
            mean, var = self.stats
            xc = xs - mean
        invstd = (1.0 / xp.sqrt(var + self.eps)).astype(xc.dtype, copy=False)
        self.mean, self.var, self._invstd = mean, var, invstd
        y = xc
        y *= invstd
        y = y.reshape(x.shape)
        if w is not None:
            y *= w.reshape(self.w_shape)
        if b is not None:
            y += b.reshape(self.w_shape)
            self.b_shape = b.shape
        self.save_for_backward(x, w)
        return y.astype(x.dtype, copy=False)

    def _forward_bn(self, x, w, b):
        # (N, C, K) view: per-channel sums as a contiguous row sum (pairwise, accurate) then
        # over N, and dot products as batched BLAS dots, avoiding (x - mean)**2 temporaries
        xp = get_array_module(x)
        x3 = _acc(x).reshape(x.shape[0], x.shape[1], _prod(x.shape[2:]))
        c = x.shape[1]
        if self.stats is None:
            n = max(x3.shape[0] * x3.shape[2], 1)  # an empty batch gives an empty output
            mean = _csum(x3) / n
            xc = x3 - mean[:, None]
            var = _cdot(xc, xc) / n
        else:
            mean, var = (s.reshape(c) for s in self.stats)
            xc = x3 - mean[:, None]
        invstd = (1.0 / xp.sqrt(var + self.eps)).astype(xc.dtype, copy=False)
        self.mean, self.var, self._invstd = mean, var, invstd
        xc *= (invstd if w is None else invstd * w)[:, None]
        if b is not None:
            xc += b[:, None]
            self.b_shape = b.shape
        self.save_for_backward(x, w)
        return xc.reshape(x.shape).astype(x.dtype, copy=False)

    def _backward_bn(self, g, x, w):
        ng = self.needs_input_grad
        x3 = _acc(x._array).reshape(x.shape[0], x.shape[1], _prod(x.shape[2:]))
        g3 = _acc(g._array).reshape(x3.shape)
        xhat = x3 - self.mean[:, None]
        xhat *= self._invstd[:, None]
        gw = _cdot(g3, xhat)
        gb = _csum(g3)
        gx = None
        if ng[0]:
            scale = self._invstd if w is None else self._invstd * w._array
            if self.stats is None:
                n = max(x3.shape[0] * x3.shape[2], 1)
                gx = xhat
                gx *= (-gw / n)[:, None]
                gx += g3
                gx -= (gb / n)[:, None]
                gx *= scale[:, None]
            else:
                gx = g3 * scale[:, None]
            gx = Tensor._make(gx.reshape(x.shape).astype(x._array.dtype, copy=False))
        pdt = x._array.dtype if w is None else w._array.dtype
        grads = [gx, Tensor._make(gw.astype(pdt, copy=False)) if len(ng) > 1 and ng[1] else None,
                 Tensor._make(gb.astype(pdt, copy=False)) if len(ng) > 2 and ng[2] else None]
        return tuple(grads[:len(ng)])

    def backward(self, g):
        x, w = self.saved_tensors
        ng = self.needs_input_grad
        grad_mode = is_grad_enabled()
        if self.per_channel and not grad_mode:
            return self._backward_bn(g, x, w)
        # the composite path wants statistics that broadcast against the stat_shape view
        stat_mean, stat_invstd = self.mean, self._invstd
        if self.per_channel:
            stat_mean = stat_mean.reshape(self.w_shape)
            stat_invstd = stat_invstd.reshape(self.w_shape)
        if grad_mode:
            # create_graph: express the gradient in Tensor ops of x so it differentiates again
            xs = x.reshape(self.stat_shape)
            if self.stats is None:
                mean = xs.mean(self.axes, keepdim=True)
                xc = xs - mean
                invstd = ((xc * xc).mean(self.axes, keepdim=True) + self.eps).rsqrt()
            else:
                invstd = Tensor._make(stat_invstd)
                xc = xs - Tensor._make(stat_mean.astype(x._array.dtype, copy=False))
            xhat = xc * invstd
        else:
            invstd = Tensor._make(stat_invstd)
            xs = x.detach().reshape(self.stat_shape)
            xhat = Tensor._make((xs._array - stat_mean) * stat_invstd)
        gx = gw = gb = None
        if ng[0]:
            gxh = g if w is None else g * w.reshape(self.w_shape)
            gxh = gxh.reshape(self.stat_shape)
            if self.stats is None:
                n = 1
                for a in self.axes:
                    n *= self.stat_shape[a]
                s1 = gxh.sum(self.axes, keepdim=True)
                s2 = (gxh * xhat).sum(self.axes, keepdim=True)
                gx = (gxh - (s1 + xhat * s2) / n) * invstd
            else:
                gx = gxh * invstd
            gx = gx.reshape(x.shape)
        wg = len(ng) > 1 and ng[1]
        bg = len(ng) > 2 and ng[2]
        if wg or bg:
            lead = g.dim() - len(self.w_shape)
            red = tuple(i for i in range(g.dim()) if i < lead
                        or self.w_shape[i - lead] == 1 and g.shape[i] != 1)
            if wg:
                gw = g * xhat.reshape(x.shape)
                gw = (gw.sum(red) if red else gw).reshape(w.shape)
            if bg:
                gb = (g.sum(red) if red else g).reshape(self.b_shape)
        # half-precision inputs: statistics were float32, gradients go back in input dtypes
        gx = gx if gx is None or gx.dtype == x.dtype else gx.to(x.dtype)
        gw = gw if gw is None or gw.dtype == w.dtype else gw.to(w.dtype)
        return (gx, gw, gb)[:len(ng)]


def _acc(a):
    """Half-precision arrays computed in float32 (PyTorch's accumulate type), others as is."""
    return a.astype("float32") if a.dtype.kind == "f" and a.dtype.itemsize < 4 else a


def _prod(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def _csum(a3):
    """Per-channel sum of an (N, C, K) array."""
    return a3.sum(2).sum(0)


def _cdot(a3, b3):
    """Per-channel dot product of two (N, C, K) arrays."""
    xp = get_array_module(a3)
    return xp.matmul(a3[:, :, None, :], b3[:, :, :, None]).reshape(a3.shape[:2]).sum(0)


def _normalize(x, stat_shape, axes, w_shape, eps, weight, bias, stats=None,
               name="NativeBatchNorm", per_channel=False):
    fn = Normalize(stat_shape, axes, w_shape, eps, stats, name, per_channel)
    if bias is None:
        out = fn(x, weight) if weight is not None else fn(x)
    else:
        out = fn(x, weight, bias)
    return out, fn


def _update_running(buf, value, momentum):
    """``buf = (1 - m) * buf + m * value`` in place (in float32 for half-precision buffers)."""
    xp = get_array_module(buf._array)
    arr = buf._array
    acc = _acc(arr)
    new = acc * (1 - momentum) + xp.asarray(value, dtype=acc.dtype) * momentum
    arr[...] = new
    buf._version_counter.value += 1


def _verify_batch_size(size):
    n = size[0]
    for s in size[2:]:
        n *= s
    if n == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input "
                         f"size {size}")


def _channel_shape(x):
    return (1, x.shape[1]) + (1,) * (x.dim() - 2)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalisation over the channel dimension 1 of ``(N, C, *)``.

    Training normalises with the biased batch variance and updates the running stats in
    place (``running_var`` with the unbiased variance); otherwise the running stats are used.

    Examples
    --------
    >>> import netlab
    >>> x = netlab.randn(4, 3)
    >>> batch_norm(x, None, None, training=True).mean(0).abs().max().item() < 1e-6
    True
    """
    if input.dim() < 2:
        raise ValueError(f"Expected 2D or higher input for batch_norm (got {input.dim()}D "
                         "input)")
    c = input.shape[1]
    axes = (0,) + tuple(range(2, input.dim()))
    shape = tuple(input.shape)
    wsh = _channel_shape(input)
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t.numel()}")
    if training:
        _verify_batch_size(input.shape)
        out, fn = _normalize(input, shape, axes, wsh, eps, weight, bias, per_channel=True)
        n = input.numel() // max(c, 1)
        if n == 0:  # an empty batch leaves the running statistics alone, as in PyTorch
            return out
        if running_mean is not None:
            _update_running(running_mean, fn.mean.reshape(c), momentum)
        if running_var is not None:
            _update_running(running_var, fn.var.reshape(c) * (n / (n - 1)), momentum)
        return out
    for name, t in (("running_mean", running_mean), ("running_var", running_var)):
        if t is None:
            raise RuntimeError(f"{name} must be defined in evaluation mode")
    dt = _acc(input._array[:0]).dtype
    stats = (running_mean._array.reshape(wsh).astype(dt, copy=False),
             running_var._array.reshape(wsh).astype(dt, copy=False))
    out, _ = _normalize(input, shape, axes, wsh, eps, weight, bias, stats, per_channel=True)
    return out


def instance_norm(input: Tensor, running_mean: Tensor | None = None,
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel of each sample over its spatial dimensions.

    Examples
    --------
    >>> import netlab
    >>> instance_norm(netlab.randn(2, 3, 4, 4)).shape
    netlab.Size([2, 3, 4, 4])
    """
    if input.dim() < 3:
        raise ValueError(f"Expected 3D or higher input for instance_norm (got {input.dim()}D "
                         "input)")
    nsp = 1
    for s in input.shape[2:]:
        nsp *= s
    if use_input_stats and nsp == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input "
                         f"size {input.shape}")
    shape = tuple(input.shape)
    axes = tuple(range(2, input.dim()))
    wsh = _channel_shape(input)
    if use_input_stats:
        out, fn = _normalize(input, shape, axes, wsh, eps, weight, bias,
                             name="NativeBatchNorm")
        c = input.shape[1]
        if running_mean is not None:
            _update_running(running_mean, fn.mean.reshape(-1, c).mean(0), momentum)
        if running_var is not None:
            v = fn.var.reshape(-1, c) * (nsp / (nsp - 1))
            _update_running(running_var, v.mean(0), momentum)
        return out
    if running_mean is None or running_var is None:
        raise RuntimeError("Expected running_mean and running_var to be defined when "
                           "use_input_stats is false")
    dt = _acc(input._array[:0]).dtype
    stats = (running_mean._array.reshape(wsh).astype(dt, copy=False),
             running_var._array.reshape(wsh).astype(dt, copy=False))
    out, _ = _normalize(input, shape, axes, wsh, eps, weight, bias, stats)
    return out


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise over the trailing ``normalized_shape`` dimensions (biased variance).

    Examples
    --------
    >>> import netlab
    >>> layer_norm(netlab.randn(2, 5), (5,)).shape
    netlab.Size([2, 5])
    """
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    ns = tuple(int(s) for s in normalized_shape)
    k = len(ns)
    if k == 0 or input.dim() < k or tuple(input.shape[input.dim() - k:]) != ns:
        nsl = list(ns)
        raise RuntimeError(f"Given normalized_shape={nsl}, expected input with shape "
                           f"[*, {', '.join(str(s) for s in ns)}], but got input of size"
                           f"{list(input.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != ns:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but "
                               f"got {name} of shape {list(t.shape)} and normalized_shape = "
                               f"{list(ns)}")
    shape = tuple(input.shape)
    axes = tuple(range(input.dim() - k, input.dim()))
    out, _ = _normalize(input, shape, axes, ns, eps, weight, bias, name="NativeLayerNorm")
    return out


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise each group of ``C / num_groups`` channels of each sample (biased variance),
    then apply a per-channel affine.

    Examples
    --------
    >>> import netlab
    >>> group_norm(netlab.randn(2, 4, 3), 2).shape
    netlab.Size([2, 4, 3])
    """
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{input.dim()}")
    n, c = input.shape[0], input.shape[1]
    if num_groups <= 0 or c % num_groups != 0:
        raise RuntimeError(f"Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(input.shape)} and "
                           f"num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.dim() != 1 or t.numel() != c):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number "
                               f"of channels in input, but got {name} of shape "
                               f"{list(t.shape)} and input of shape {list(input.shape)}")
    rest = c // num_groups * _prod(input.shape[2:])
    out, _ = _normalize(input, (n, num_groups, rest), (2,), _channel_shape(input), eps,
                        weight, bias, name="NativeGroupNorm")
    return out


def normalize(input: Tensor, p: float = 2.0, dim=1, eps: float = 1e-12,
              out: Tensor | None = None) -> Tensor:
    """``input / max(||input||_p, eps)`` along ``dim``.

    Examples
    --------
    >>> import netlab
    >>> normalize(netlab.tensor([[3.0, 4.0]])).tolist()
    [[0.6000000238418579, 0.800000011920929]]
    """
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    if out is None:
        return input / denom
    return div(input, denom, out=out)

