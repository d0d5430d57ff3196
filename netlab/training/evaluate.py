"""Batch order, target shaping, accuracy, evaluation passes and the end-of-run report parts
(confusion matrix, per-class accuracy, regression predictions)."""

from __future__ import annotations

import math

import numpy as np

import netlab
from netlab import backend
from netlab.tensor import Tensor
from netlab.training.losses import CLASS_LOSSES

__all__ = ["batch_order", "confusion_matrix", "count_correct", "match_target"]

MAX_PREDICTION_VALUES = 2000
EVAL_BATCH = 256  # evaluation needs no gradients: bigger batches, fewer Python round trips


def batch_order(n: int, seed: int, epoch: int, shuffle: bool = True) -> np.ndarray:
    """The order in which epoch ``epoch`` (counting from 0) visits ``n`` samples.

    ``np.random.default_rng([seed, epoch]).permutation(n)`` when shuffling, else
    ``arange(n)``; batches are consecutive slices of it, the last one possibly shorter.
    A script that wants the trainer's exact batches (e.g. to compare with PyTorch) calls
    this.

    Examples
    --------
    >>> batch_order(5, seed=0, epoch=0, shuffle=False).tolist()
    [0, 1, 2, 3, 4]
    """
    if not shuffle:
        return np.arange(n)
    return np.random.default_rng([seed, epoch]).permutation(n)


def match_target(out_shape: tuple, y, loss_key: str):
    """Shape targets ``y`` (an array) for the loss: class losses take them as they are;
    integer targets of the binary losses become float (one-hot when the output has one
    column per class); other targets are reshaped to the output's shape when the sizes
    match (e.g. ``(n,)`` targets for an ``(n, 1)`` output)."""
    if loss_key in CLASS_LOSSES:
        return y
    if y.dtype.kind in "iub":
        xp = backend.get_array_module(y)
        if len(out_shape) >= 2 and out_shape[1] > 1 and y.shape == out_shape[:1] + out_shape[2:]:
            y = xp.moveaxis(xp.eye(out_shape[1], dtype=np.float32)[y], -1, 1)
        else:
            y = y.astype(np.float32)
    if y.shape != tuple(out_shape) and y.size == math.prod(out_shape):
        y = y.reshape(out_shape)
    return y


def predicted_classes(out, threshold: float):
    """Class indices from outputs: argmax over dim 1, or ``out > threshold`` for one column."""
    if out.ndim >= 2 and out.shape[1] > 1:
        return out.argmax(1)
    return (out.reshape(out.shape[0], -1) > threshold).astype(np.int64).reshape(
        (out.shape[0],) + out.shape[2:])


def true_classes(y, out_ndim: int):
    """Class indices from targets: index targets as they are, probabilities by argmax."""
    if y.dtype.kind == "f":
        if y.ndim == out_ndim and y.ndim >= 2 and y.shape[1] > 1:
            return y.argmax(1)
        return (y > 0.5).astype(np.int64).reshape((y.shape[0],) + y.shape[2:]) \
            if y.ndim >= 2 else (y > 0.5).astype(np.int64)
    return y


def count_correct(out, y, threshold: float) -> tuple[int, int]:
    """(correct, total) predictions of a batch, on the host."""
    pred = predicted_classes(out, threshold)
    true = true_classes(y, out.ndim)
    if pred.shape != true.shape:
        true = true.reshape(pred.shape)
    return int((pred == true).sum()), int(true.size)


def confusion_matrix(true, pred, num_classes: int) -> np.ndarray:
    """``(C, C)`` int64 counts: row = true class, column = predicted class.

    Examples
    --------
    >>> confusion_matrix(np.array([0, 1, 1]), np.array([0, 0, 1]), 2).tolist()
    [[1, 0], [1, 1]]
    """
    true = np.asarray(true, dtype=np.int64).ravel()
    pred = np.asarray(pred, dtype=np.int64).ravel()
    return np.bincount(true * num_classes + pred,
                       minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def per_class_accuracy(confusion: np.ndarray) -> list:
    """Recall of each class (diagonal / row sum); None for a class with no samples."""
    rows = confusion.sum(axis=1)
    return [None if rows[i] == 0 else float(confusion[i, i] / rows[i])
            for i in range(len(rows))]


def evaluate(model, loss_fn, loss_key: str, x, y, reduction: str, threshold: float | None,
             to_tensor) -> dict:
    """Loss (and accuracy when ``threshold`` is not None) over ``(x, y)`` in eval mode under
    no_grad, with the outputs gathered on the host: ``{loss, accuracy, outputs}``."""
    was_training = model.training
    model.eval()
    n = x.shape[0]
    total = 0.0
    correct = seen = 0
    outputs = []
    try:
        with netlab.no_grad():
            for start in range(0, n, EVAL_BATCH):
                xb, yb = x[start:start + EVAL_BATCH], y[start:start + EVAL_BATCH]
                out = model(to_tensor(xb))
                target = match_target(tuple(out.shape), yb, loss_key)
                value = float(loss_fn(out, to_tensor(target)).item())
                total += value if reduction == "sum" else value * xb.shape[0]
                o = out._array if isinstance(out, Tensor) else out
                if threshold is not None:
                    c, s = count_correct(o, target, threshold)
                    correct, seen = correct + c, seen + s
                outputs.append(backend.to_numpy(o))
    finally:
        model.train(was_training)
    return {"loss": total if reduction == "sum" else total / max(n, 1),
            "accuracy": (correct / seen if seen else None) if threshold is not None else None,
            "outputs": np.concatenate(outputs) if outputs else None}


def classification_report(outputs: np.ndarray, y: np.ndarray, threshold: float,
                          classes) -> dict:
    """Confusion matrix (rows = true class) and per-class accuracy of host outputs."""
    pred = predicted_classes(outputs, threshold)
    true = true_classes(backend.to_numpy(y), outputs.ndim)
    num = max(len(classes or ()), outputs.shape[1] if outputs.ndim >= 2 and
              outputs.shape[1] > 1 else 2, int(true.max()) + 1 if true.size else 0,
              int(pred.max()) + 1 if pred.size else 0)
    conf = confusion_matrix(true, pred.reshape(true.shape), num)
    return {"confusion": conf.tolist(), "per_class_accuracy": per_class_accuracy(conf)}


def regression_predictions(x: np.ndarray, y: np.ndarray, outputs: np.ndarray) -> dict:
    """Targets and predictions of (at most ~2000 values of) evenly spaced samples; with one
    input value per sample, also ``x`` and the samples sorted by it (ready to plot)."""
    x, y = backend.to_numpy(x), backend.to_numpy(y)
    n = y.shape[0]
    pred = outputs.reshape(y.shape) if outputs.size == y.size else outputs
    per_sample = max(1, y[:1].size)
    keep = max(1, min(n, MAX_PREDICTION_VALUES // per_sample))
    idx = np.unique(np.linspace(0, n - 1, keep).round().astype(np.int64)) if n else idx_empty()
    report = {}
    if x[:1].size == 1 and n:
        xs = x.reshape(n)[idx]
        order = np.argsort(xs, kind="stable")
        idx = idx[order]
        report["x"] = xs[order].astype(np.float64).tolist()
    report["target"] = y[idx].astype(np.float64).tolist()
    report["prediction"] = pred[idx].astype(np.float64).tolist()
    return report


def idx_empty() -> np.ndarray:
    return np.zeros(0, dtype=np.int64)
