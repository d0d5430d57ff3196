"""What kind of samples a data set holds, and ``ResultsProbe``: the live results payloads
(regression predictions, confusion matrix, misclassified images, decision boundary).

No widgets here: the worker thread calls :meth:`ResultsProbe.compute` between batches and
the payload (plain numpy/Python) goes to the GUI in a queued signal.
"""

from __future__ import annotations

import math

import numpy as np

from netlab.training.evaluate import MAX_PREDICTION_VALUES, predicted_classes, true_classes

__all__ = ["ResultsProbe", "data_kind", "image_shape", "GRID", "MAX_MISCLASSIFIED"]

GRID = 60  # decision boundary grid: GRID x GRID points
MAX_MISCLASSIFIED = 16
_CHUNK = 512


def image_shape(data) -> tuple | None:
    """The shape to show one sample as an image, ``(H, W)`` or ``(C, H, W)``, or None when the
    samples are not images (pixel data from image files, IDX or the digits; 3-D samples).

    Examples
    --------
    >>> from netlab.datasets import load
    >>> image_shape(load("digits"))
    (8, 8)
    """
    native = tuple(data.info.get("input_shape") or data.input_shape)
    original = tuple(data.x_train.shape[1:])
    shape = native if len(native) >= len(original) else original
    if len(shape) == 3 and shape[0] in (1, 3, 4):
        return shape[1:] if shape[0] == 1 else shape
    if "pixel_scale" not in data.info and data.name != "images":
        return None
    if len(shape) == 2:
        return shape
    if len(shape) == 1:
        side = math.isqrt(shape[0])
        return (side, side) if side * side == shape[0] else None
    return None


def data_kind(data) -> str:
    """``"image" | "points2d" | "vector" | "sequence"`` for the previews and results.

    Examples
    --------
    >>> from netlab.datasets import load
    >>> data_kind(load("moons")), data_kind(load("digits")), data_kind(load("sin"))
    ('points2d', 'image', 'vector')
    """
    if image_shape(data) is not None:
        return "image"
    per_sample = math.prod(data.x_train.shape[1:])
    if data.info.get("tokens") or data.x_train.ndim == 3:
        return "sequence"
    if per_sample == 2:
        return "points2d"
    return "vector"


def _even(n: int, keep: int) -> np.ndarray:
    return np.unique(np.linspace(0, n - 1, min(n, keep)).round().astype(np.int64))


class ResultsProbe:
    """Fixed samples (at most ~2000, evenly spaced, validation part when there is one) and,
    for 2-D classification, a decision-boundary grid; :meth:`compute` runs the model on them.

    Parameters
    ----------
    data : netlab.datasets.Data
        The data as the model takes it (after ``as_input``).
    kind : str
        :func:`data_kind` of the data.
    threshold : float
        Class of a one-column output: ``out > threshold`` (0 for logits, 0.5 for bce).

    Examples
    --------
    >>> import netlab
    >>> from netlab.datasets import load
    >>> data = load("moons", n_samples=100)
    >>> probe = ResultsProbe(data, "points2d")
    >>> model = netlab.nn.Linear(2, 2)
    >>> out = probe.compute(model, netlab.device("cpu"))
    >>> out["confusion"].shape, out["boundary"]["probs"].shape
    ((2, 2), (60, 60))
    """

    def __init__(self, data, kind: str, threshold: float = 0.0, image: tuple | None = None):
        self.task = data.task
        self.kind = kind
        self.threshold = threshold
        self.classes = list(data.classes) if data.classes else None
        x, y = (data.x_val, data.y_val) if data.x_val is not None else (data.x_train,
                                                                          data.y_train)
        per_sample = max(1, int(np.prod(y.shape[1:])) if y.ndim > 1 else 1)
        idx = _even(len(x), max(1, MAX_PREDICTION_VALUES // per_sample))
        self.x, self.y = np.asarray(x[idx]), np.asarray(y[idx])
        self.image = image
        self.order = None
        if self.task == "regression":
            first = self.x.reshape(len(self.x), -1)[:, 0].astype(np.float64)
            self.order = np.argsort(first, kind="stable")
            self.xs = first[self.order]
        self.grid = None
        if self.task == "classification" and kind == "points2d":
            self._make_grid()

    def _make_grid(self) -> None:
        pts = self.x.reshape(len(self.x), 2).astype(np.float64)
        lo, hi = pts.min(0), pts.max(0)
        pad = 0.1 * np.maximum(hi - lo, 1e-6)
        gx = np.linspace(lo[0] - pad[0], hi[0] + pad[0], GRID)
        gy = np.linspace(lo[1] - pad[1], hi[1] + pad[1], GRID)
        xx, yy = np.meshgrid(gx, gy, indexing="ij")
        self.grid = (xx, yy)
        self._grid_x = np.stack([xx.ravel(), yy.ravel()], 1).astype(np.float32).reshape(
            -1, *self.x.shape[1:])

    def _outputs(self, model, device, x: np.ndarray) -> np.ndarray:
        import netlab
        from netlab import backend
        from netlab.tensor import Tensor

        was_training = model.training
        model.eval()
        outs = []
        try:
            with netlab.no_grad():
                for start in range(0, len(x), _CHUNK):
                    xb = backend.to_device(x[start:start + _CHUNK], device)
                    out = model(Tensor._make(xb))
                    outs.append(backend.to_numpy(out._array).astype(np.float64))
        finally:
            model.train(was_training)
        return np.concatenate(outs)

    def compute(self, model, device) -> dict:
        """The results payload: ``task`` and the regression or classification keys.

        Overflow and NaN in the outputs of a diverging model are expected here: numpy's
        warnings about them are silenced, whoever calls."""
        with np.errstate(all="ignore"):
            return self._compute(model, device)

    def _compute(self, model, device) -> dict:
        out = self._outputs(model, device, self.x)
        if self.task == "regression":
            n = len(self.y)
            target = self.y.reshape(n, -1)[:, 0].astype(np.float64)
            pred = out.reshape(n, -1)[:, 0]
            return {"task": "regression", "x": self.xs, "target": target[self.order],
                    "prediction": pred[self.order]}
        return self._classification(model, device, out)

    def _classification(self, model, device, out: np.ndarray) -> dict:
        pred = np.asarray(predicted_classes(out, self.threshold)).reshape(-1)
        true = np.asarray(true_classes(self.y, out.ndim)).reshape(-1)[:len(pred)]
        pred = pred[:len(true)]
        c = max(len(self.classes or ()), out.shape[1] if out.ndim >= 2 and out.shape[1] > 1
                else 2, int(true.max(initial=0)) + 1, int(pred.max(initial=0)) + 1)
        conf = np.bincount(true * c + pred, minlength=c * c).reshape(c, c).astype(np.int64)
        rows = conf.sum(1)
        result = {"task": "classification", "confusion": conf,
                  "classes": self.classes or [str(i) for i in range(c)],
                  "per_class_accuracy": [None if rows[i] == 0 else float(conf[i, i] / rows[i])
                                         for i in range(c)],
                  "accuracy": float((pred == true).mean()) if len(true) else None}
        if self.kind == "image" and self.image is not None and len(pred) == len(self.x):
            wrong = np.flatnonzero(pred != true)[:MAX_MISCLASSIFIED]
            result["misclassified"] = [
                (self.x[i].reshape(self.image).astype(np.float32), int(true[i]), int(pred[i]))
                for i in wrong]
        if self.grid is not None:
            g = self._outputs(model, device, self._grid_x)
            probs = _softmax(g) if g.ndim == 2 and g.shape[1] > 1 else None
            cls = np.asarray(predicted_classes(g, self.threshold)).reshape(GRID, GRID)
            conf_grid = probs.max(1).reshape(GRID, GRID) if probs is not None else \
                _sigmoid_confidence(g.reshape(-1), self.threshold).reshape(GRID, GRID)
            # outputs that overflowed (a diverging run) say nothing: least sure, not NaN
            least = 1.0 / max(2, probs.shape[1] if probs is not None else 2)
            conf_grid = np.nan_to_num(conf_grid, nan=least, posinf=least, neginf=least)
            result["boundary"] = {"xx": self.grid[0], "yy": self.grid[1], "probs": cls,
                                  "confidence": conf_grid,
                                  "points": self.x.reshape(len(self.x), 2).astype(np.float64),
                                  "labels": true.astype(np.int64)}
        return result


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


def _sigmoid_confidence(z: np.ndarray, threshold: float) -> np.ndarray:
    p = z if threshold == 0.5 else 1.0 / (1.0 + np.exp(-z))
    return np.maximum(p, 1.0 - p)
