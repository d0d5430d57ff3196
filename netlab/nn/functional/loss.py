"""Functional losses, with ``reduction`` and the legacy ``size_average``/``reduce`` arguments.

Cross entropy is one fused primitive (log_softmax + NLL: one pass, no log(0)); NLL and BCE are
primitives too (BCE for PyTorch's clamped log and its gradient at 0 and 1). The others are
composites of differentiable ops.
"""
# ruff: noqa: A002 - PyTorch's parameter name ``input``

from __future__ import annotations

import warnings

import numpy as np

from netlab._factory import CPP_NAMES
from netlab.autograd.grad_mode import is_grad_enabled
from netlab.autograd.node import Function
from netlab.backend import get_array_module
from netlab.nn.functional.smooth_activation import logsigmoid
from netlab.nn.functional.softmax import LogSoftmax, Softmax, _log_softmax_raw
from netlab.ops._util import broadcast_shapes, promote
from netlab.ops.binary import where
from netlab.tensor import Tensor

__all__ = ["legacy_reduction", "reduce_loss", "mse_loss", "l1_loss", "smooth_l1_loss",
           "huber_loss", "nll_loss", "cross_entropy", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "kl_div", "cosine_embedding_loss"]


def legacy_reduction(size_average, reduce, emit_warning: bool = True) -> str:
    """Map the deprecated ``size_average``/``reduce`` pair to a ``reduction`` string, as
    PyTorch does (``reduce=False`` -> 'none'; else ``size_average`` -> 'mean' or 'sum').
    """
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = ("mean" if size_average else "sum") if reduce else "none"
    if emit_warning:
        warnings.warn(f"size_average and reduce args will be deprecated, please use "
                      f"reduction='{ret}' instead.", UserWarning, stacklevel=3)
    return ret


def _reduction(size_average, reduce, reduction: str) -> str:
    """The effective reduction, validated like PyTorch's ``_Reduction.get_enum``."""
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' "
                      "instead.", UserWarning, stacklevel=3)
        return "mean"
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def reduce_loss(loss: Tensor, reduction: str) -> Tensor:
    """Apply ``reduction`` ('mean', 'sum' or 'none') to elementwise losses."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _warn_size(input: Tensor, target: Tensor) -> None:
    if target.shape != input.shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input "
                      f"size ({input.shape}). This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", UserWarning,
                      stacklevel=3)


def _weighted(loss: Tensor, weight, input: Tensor, reduction: str) -> Tensor:
    """PyTorch 2.13's per-element ``weight`` of mse/l1: mean divides by ``weight.sum()``."""
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.sum() / weight.sum()
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', "
                     "'sum'.")


# regression losses ----------------------------------------------------------------------------

def mse_loss(input, target, size_average=None, reduce=None, reduction: str = "mean",
             weight=None) -> Tensor:
    """Squared error between ``input`` and ``target`` (broadcast with a warning, as PyTorch).

    Examples
    --------
    >>> import netlab
    >>> mse_loss(netlab.zeros(2), netlab.tensor([1.0, 3.0]))
    tensor(5.)
    """
    _warn_size(input, target)
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    diff = input - target
    if weight is not None:
        return _weighted(diff * diff, weight, input, reduction)
    return reduce_loss(diff * diff, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean",
            weight=None) -> Tensor:
    """Absolute error between ``input`` and ``target``.

    Examples
    --------
    >>> import netlab
    >>> l1_loss(netlab.zeros(2), netlab.tensor([1.0, -3.0]))
    tensor(2.)
    """
    _warn_size(input, target)
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    if weight is not None:
        return _weighted((input - target).abs(), weight, input, reduction)
    return reduce_loss((input - target).abs(), reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """``0.5 d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (``d = input - target``).

    Examples
    --------
    >>> import netlab
    >>> smooth_l1_loss(netlab.zeros(2), netlab.tensor([0.5, 3.0]), reduction="sum")
    tensor(2.6250)
    """
    _warn_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    d = input - target
    ad = d.abs()
    if beta == 0.0:
        return reduce_loss(ad, reduction)
    return reduce_loss(where(ad < beta, d * d * (0.5 / beta), ad - 0.5 * beta), reduction)


def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0,
               weight=None) -> Tensor:
    """``0.5 d**2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``.

    Examples
    --------
    >>> import netlab
    >>> huber_loss(netlab.zeros(2), netlab.tensor([0.5, 3.0]), reduction="sum", delta=2.0)
    tensor(4.1250)
    """
    _warn_size(input, target)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    d = input - target
    ad = d.abs()
    loss = where(ad < delta, d * d * 0.5, (ad - 0.5 * delta) * delta)
    if weight is not None:
        if weight.shape != input.shape:
            raise ValueError("Weights and input must have the same size.")
        loss = loss * weight
        if reduction not in ("none", "mean", "sum"):
            raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', "
                             "'mean', 'sum'.")
    return reduce_loss(loss, _reduction(None, None, reduction))


# classification: NLL and cross entropy ------------------------------------------------------

def _class_axis(x) -> int:
    return 0 if x.ndim == 1 else 1


def _check_class_target(input: Tensor, target: Tensor, weight, n_classes: int) -> None:
    """PyTorch's shape, dtype and weight checks for class-index targets, in its order."""
    nd = input.dim()
    if nd < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {nd})")
    if nd <= 2:
        if target.dim() > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if nd == 1 and target.dim() == 1 and target.shape[0] != 1:
            raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: "
                             f"{target.shape[0]}")
        if nd == 2 and (target.dim() != 1 or target.shape[0] != input.shape[0]):
            n_t = target.shape[0] if target.dim() else 1
            raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target "
                             f"batch_size ({n_t}).")
    else:
        want = [input.shape[0]] + list(input.shape[2:])
        if list(target.shape) != want:
            raise RuntimeError(f"Expected target size {want}, got {list(target.shape)}")
    dt = target._array.dtype
    if dt != np.int64 and dt != np.uint8:
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{CPP_NAMES[dt.name]}")
    if weight is not None:
        if weight.numel() != n_classes or weight.dim() != 1:
            raise RuntimeError(f"weight tensor should be defined either for all {n_classes} "
                               f"classes or no classes but got weight tensor of shape: "
                               f"{list(weight.shape)}")
        if weight._array.dtype != input._array.dtype:
            raise RuntimeError(f"expected scalar type {CPP_NAMES[input.dtype.name]} but found "
                               f"{CPP_NAMES[weight.dtype.name]}")


def _class_terms(x, target, weight, ignore_index: int):
    """Target indices made safe, the not-ignored mask and each position's class weight."""
    xp = get_array_module(x)
    ca = _class_axis(x)
    n_classes = x.shape[ca]
    t = target.astype(np.int64, copy=False)
    if x.ndim == 1:
        t = t.reshape(())
    valid = t != ignore_index
    bad = valid & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise IndexError(f"Target {int(t[bad].reshape(-1)[0])} is out of bounds.")
    t_safe = xp.where(valid, t, 0)
    if weight is None:
        w_t = valid.astype(x.dtype)
    else:
        w_t = xp.where(valid, weight[t_safe], xp.zeros((), dtype=x.dtype)).astype(x.dtype)
    return t_safe, valid, w_t


def _one_hot(x, t_safe, ca: int):
    """A boolean array shaped like ``x``: True at each position's target class."""
    xp = get_array_module(x)
    classes = xp.arange(x.shape[ca]).reshape(_wshape(x, ca))
    return classes == xp.expand_dims(t_safe, ca)


def _wshape(x, ca: int) -> tuple:
    return tuple(-1 if i == ca else 1 for i in range(x.ndim))


class NllLoss(Function):
    """``-w[y] * x[y]`` per position; mean divides by the summed weight of kept targets."""

    def __init__(self, reduction: str, ignore_index: int):
        self.reduction, self.ignore_index = reduction, ignore_index

    def forward(self, x, target, weight=None):
        xp = get_array_module(x)
        ca = _class_axis(x)
        t_safe, valid, w_t = _class_terms(x, target, weight, self.ignore_index)
        picked = xp.take_along_axis(x, xp.expand_dims(t_safe, ca), axis=ca).squeeze(ca)
        loss = -w_t * picked
        denom = w_t.sum()
        if self.needs_input_grad:
            scaled = -w_t
            if self.reduction == "mean":
                with np.errstate(all="ignore"):
                    scaled = xp.where(valid, -w_t / denom, 0).astype(x.dtype)
            coef = _one_hot(x, t_safe, ca) * xp.expand_dims(scaled, ca)
            self.coef, self.ca = coef.astype(x.dtype, copy=False), ca
        with np.errstate(all="ignore"):
            if self.reduction == "mean":
                return xp.asarray(loss.sum() / denom, dtype=x.dtype)
            if self.reduction == "sum":
                return xp.asarray(loss.sum(), dtype=x.dtype)
        return np.asarray(loss) if isinstance(loss, np.generic) else loss

    def _release(self):
        self._freed, self.coef = True, None  # the coefficients are what backward needs

    def backward(self, g):
        gb = g.unsqueeze(self.ca) if self.reduction == "none" else g
        return (gb * Tensor._make(self.coef), None, None)[:len(self.needs_input_grad)]


def nll_loss(input, target, weight=None, size_average=None, ignore_index: int = -100,
             reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of class ``target`` under log-probabilities ``input`` (class
    dim 1, or 0 for an unbatched ``(C,)`` input); ``weight`` rescales classes, targets equal to
    ``ignore_index`` count 0 and mean divides by the summed weights of the others.

    Examples
    --------
    >>> import netlab
    >>> nll_loss(netlab.tensor([[-1.0, -2.0]]), netlab.tensor([1]))
    tensor(2.)
    """
    reduction = _reduction(size_average, reduce, reduction)
    n_classes = input.shape[1] if input.dim() >= 2 else (input.shape[0] if input.dim() else 0)
    _check_class_target(input, target, weight, n_classes)
    fn = NllLoss(reduction, ignore_index)
    return fn(input, target) if weight is None else fn(input, target, weight)


class CrossEntropy(Function):
    """log_softmax + NLL fused: one stable pass forward, ``p * A - a`` backward.

    Per position the loss is ``-sum_c a_c log p_c`` with coefficients ``a`` built from the
    target (index or probabilities), class weights and label smoothing; its gradient is
    ``p * sum(a) - a``.
    """

    _backward_name = "CrossEntropyLossBackward0"

    def __init__(self, reduction: str, ignore_index: int, smoothing: float, prob: bool):
        self.reduction, self.ignore_index = reduction, ignore_index
        self.eps, self.prob = smoothing, prob

    def forward(self, x, target, weight=None):
        xp = get_array_module(x)
        ca = _class_axis(x)
        n_classes = x.shape[ca]
        eps = self.eps
        logp = _log_softmax_raw(x, ca)
        wb = None if weight is None else weight.reshape(_wshape(x, ca))
        self.ca = ca
        if self.prob:
            a = target * (1 - eps) + eps / n_classes if eps else target
            if wb is not None:
                a = a * wb
            loss = -(a * logp).sum(axis=ca)
            denom = x.size / n_classes if n_classes else 0
            self.valid = None
        else:
            t_safe, valid, w_t = _class_terms(x, target, weight, self.ignore_index)
            idx = xp.expand_dims(t_safe, ca)
            loss = -w_t * xp.take_along_axis(logp, idx, axis=ca).squeeze(ca)
            if eps:
                smooth = -(logp if wb is None else logp * wb).sum(axis=ca) * valid
                loss = loss * (1 - eps) + smooth * (eps / n_classes)
            denom = w_t.sum()
            if self.needs_input_grad:
                a = _one_hot(x, t_safe, ca) * xp.expand_dims(w_t * (1 - eps), ca)
                a = a.astype(x.dtype, copy=False)
                if eps:
                    a += (xp.ones_like(x) if wb is None else wb) * (eps / n_classes) \
                        * xp.expand_dims(valid, ca)
            self.valid = valid
        if self.needs_input_grad:
            self.save_for_backward(x, target if self.prob else None)
            self.logp, self.a, self.denom = logp, a, denom
            self.wb = wb
        with np.errstate(all="ignore"):
            if self.reduction == "mean":
                return xp.asarray(loss.sum() / denom, dtype=loss.dtype)
            if self.reduction == "sum":
                return xp.asarray(loss.sum(), dtype=loss.dtype)
        return np.asarray(loss) if isinstance(loss, np.generic) else loss

    def _release(self):
        super()._release()
        self._freed, self.logp, self.a = True, None, None

    def _scaled(self, g: Tensor, d: Tensor) -> Tensor:
        """Upstream gradient times ``d`` (per position), with the mean's division folded in."""
        if self.reduction == "none":
            return g.unsqueeze(self.ca) * d
        if self.reduction == "mean":
            with np.errstate(all="ignore"):
                d = d * (1.0 / self.denom if self.denom else np.inf)
            if not self.denom and self.valid is not None:  # all ignored: zeros, as PyTorch
                d = where(Tensor._make(get_array_module(self.a).expand_dims(self.valid,
                                                                            self.ca)), d, 0.0)
        return g * d

    def backward(self, g):
        x, target = self.saved_tensors
        ng = self.needs_input_grad
        xp = get_array_module(self.logp)
        ca, eps = self.ca, self.eps
        n_classes = self.logp.shape[ca]
        gx = gt = None
        if is_grad_enabled():  # create_graph: differentiable in x (and a soft target)
            p = Softmax(ca)(x)
            if self.prob:
                a = target * (1 - eps) + eps / n_classes if eps else target
                if self.wb is not None:
                    a = a * Tensor._make(self.wb)
            else:
                a = Tensor._make(self.a)
            if ng[0]:
                gx = self._scaled(g, p * a.sum(ca, keepdim=True) - a)
            if self.prob and ng[1]:
                w = (1 - eps) if self.wb is None else Tensor._make(self.wb * (1 - eps))
                gt = self._scaled(g, -(LogSoftmax(ca)(x) * w))
        else:  # one fused array expression per input
            a = self.a
            if ng[0]:
                with np.errstate(all="ignore"):
                    d = xp.exp(self.logp) * a.sum(axis=ca, keepdims=True) - a
                gx = self._scaled(g, Tensor._make(d))
            if self.prob and ng[1]:
                w = (1 - eps) if self.wb is None else self.wb * (1 - eps)
                gt = self._scaled(g, Tensor._make(-(self.logp * w)))
        return (gx, gt, None)[:len(ng)]


def cross_entropy(input, target, weight=None, size_average=None, ignore_index: int = -100,
                  reduce=None, reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross entropy between logits ``input`` (class dim 1, or 0 for ``(C,)``) and class
    indices or class probabilities ``target``.

    ``weight`` rescales classes; index targets equal to ``ignore_index`` count 0; with index
    targets mean divides by the summed weights of the kept targets (all ignored gives nan),
    with probability targets by the number of positions. ``label_smoothing`` mixes the
    target with the uniform distribution.

    Examples
    --------
    >>> import netlab
    >>> cross_entropy(netlab.tensor([[0.0, 0.0]]), netlab.tensor([1]))
    tensor(0.6931)
    """
    reduction = _reduction(size_average, reduce, reduction)
    nd = input.dim()
    n_classes = input.shape[1] if nd >= 2 else (input.shape[0] if nd else 0)
    if target.shape == input.shape:
        if target._array.dtype.kind != "f":
            raise RuntimeError(f"Expected floating point type for target with class "
                               f"probabilities, got {CPP_NAMES[target.dtype.name]}")
        prob = True
    else:
        prob = False
        _check_class_target(input, target, weight, n_classes)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if prob:
        if nd < 1:
            raise ValueError(f"Expected 1 or more dimensions (got {nd})")
        input, target = promote(input, target)
        if weight is not None and weight.numel() != n_classes:
            raise RuntimeError(f"weight tensor should be defined either for all {n_classes} "
                               f"classes or no classes but got weight tensor of shape: "
                               f"{list(weight.shape)}")
    elif input._array.dtype.kind != "f":
        raise NotImplementedError(f"\"log_softmax_lastdim_kernel_impl\" not implemented for "
                                  f"'{CPP_NAMES[input.dtype.name]}'")
    fn = CrossEntropy(reduction, ignore_index, float(label_smoothing), prob)
    return fn(input, target) if weight is None else fn(input, target, weight)


# binary cross entropy -------------------------------------------------------------------------

_BCE_EPS = float(np.float32(1e-12))  # PyTorch's EPSILON is a float constant, also for double


class BinaryCrossEntropy(Function):
    """``-w (t log x + (1 - t) log(1 - x))`` with each log clamped at -100, as PyTorch."""

    def __init__(self, reduction: str):
        self.reduction = reduction

    def forward(self, x, t, w=None):
        xp = get_array_module(x)
        self.save_for_backward(x, t, w)
        with np.errstate(divide="ignore"):
            lx = xp.maximum(xp.log(x), -100)
            l1x = xp.maximum(xp.log1p(-x), -100)
        loss = -(t * lx + (1 - t) * l1x)
        if w is not None:
            loss = loss * w
        loss = loss.astype(x.dtype, copy=False)
        if self.reduction == "mean":
            return xp.asarray(loss.mean() if loss.size else xp.nan, dtype=x.dtype)
        if self.reduction == "sum":
            return xp.asarray(loss.sum(), dtype=x.dtype)
        return np.asarray(loss) if isinstance(loss, np.generic) else loss

    def backward(self, g):
        x, t, w = self.saved_tensors
        ng = self.needs_input_grad
        if self.reduction == "mean":
            g = g / max(x.numel(), 1)
        gx = gt = None
        if ng[0]:
            # PyTorch's gradient: finite (+-1e12) at 0 and 1, where the clamped log is flat
            gx = g * (x - t) / ((1 - x) * x).clamp(min=_BCE_EPS)
            if w is not None:
                gx = gx * w
        if len(ng) > 1 and ng[1]:
            with np.errstate(divide="ignore"):
                gt = g * ((-x).log1p() - x.log())
            if w is not None:
                gt = gt * w
        return (gx, gt, None)[:len(ng)]


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    """Binary cross entropy between probabilities ``input`` and ``target``; the logs are
    clamped at -100, so BCE(0, target 1) = 100.

    Examples
    --------
    >>> import netlab
    >>> binary_cross_entropy(netlab.tensor([0.0]), netlab.tensor([1.0]))
    tensor(100.)
    """
    reduction = _reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input "
                         f"size ({input.shape}) is deprecated. Please ensure they have the same "
                         "size.")
    a = input._array
    if not bool(((a >= 0) & (a <= 1)).all()):
        raise RuntimeError("all elements of input should be between 0 and 1")
    fn = BinaryCrossEntropy(reduction)
    if weight is None:
        return fn(input, target)
    broadcast_shapes(tuple(target.shape), tuple(weight.shape))
    return fn(input, target, weight.expand(target.shape))


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction: str = "mean", pos_weight=None) -> Tensor:
    """``sigmoid`` + binary cross entropy in one stable expression:
    ``(1 - t) x - (1 + (pos_weight - 1) t) logsigmoid(x)``, times ``weight``.

    Examples
    --------
    >>> import netlab
    >>> binary_cross_entropy_with_logits(netlab.tensor([0.0]), netlab.tensor([1.0]))
    tensor(0.6931)
    """
    reduction = _reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})")
    ls = logsigmoid(input)
    if pos_weight is not None:
        ls = ls * ((pos_weight - 1) * target + 1)
    loss = (1 - target) * input - ls
    if weight is not None:
        loss = loss * weight
    return reduce_loss(loss, reduction)


# divergences and embeddings -------------------------------------------------------------------

def kl_div(input, target, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """Pointwise KL divergence ``target * (log(target) - input)`` (``input``: log-probabilities;
    ``log_target``: ``target`` in log space too). ``'batchmean'`` divides the sum by the batch
    size (the mathematical KL); ``'mean'`` averages over all elements, with PyTorch's warning.

    Examples
    --------
    >>> import netlab
    >>> kl_div(netlab.tensor([[-1.0, -1.0]]), netlab.tensor([[0.5, 0.5]]), reduction="batchmean")
    tensor(0.3069)
    """
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", UserWarning, stacklevel=2)
    red = "sum" if reduction == "batchmean" else _reduction(None, None, reduction)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        # xlogy(t, t): 0 where t == 0 (log(1) there keeps the gradient finite too)
        safe = where(target == 0, 1.0, target)
        loss = target * safe.log() - target * input
    out = reduce_loss(loss, red)
    if reduction == "batchmean" and input.dim() != 0:
        out = out / input.shape[0]
    return out


def cosine_embedding_loss(input1, input2, target, margin: float = 0.0, size_average=None,
                          reduce=None, reduction: str = "mean") -> Tensor:
    """``1 - cos(x1, x2)`` where ``target == 1``, ``max(0, cos - margin)`` where ``-1``.

    Examples
    --------
    >>> import netlab
    >>> cosine_embedding_loss(netlab.tensor([[1.0, 0.0]]), netlab.tensor([[0.0, 1.0]]),
    ...                       netlab.tensor([1]))
    tensor(1.)
    """
    reduction = _reduction(size_average, reduce, reduction)
    td = target.dim()
    if td not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if td == 1 and not (input1.dim() == 2 and input2.dim() == 2):
        raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with "
                           f"sizes {list(input1.shape)} and {list(input2.shape)}.")
    if td == 0 and not (input1.dim() == 1 and input2.dim() == 1):
        raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with "
                           f"sizes {list(input1.shape)} and {list(input2.shape)}.")
    eps = 1e-12
    prod = (input1 * input2).sum(td)
    mag1 = (input1 * input1).sum(td) + eps
    mag2 = (input2 * input2).sum(td) + eps
    cos = prod / (mag1 * mag2).sqrt()
    pos = where(target == 1, 1 - cos, 0.0)
    neg = where(target == -1, (cos - margin).clamp(min=0), 0.0)
    return reduce_loss(pos + neg, reduction)
