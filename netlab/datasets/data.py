"""The `Data` container every data source returns, and the options shared by all of them.

A source (a built-in generator or a file importer) produces the whole sample set as numpy arrays
plus its task and class names; `finish` then applies the user's options in a fixed order: the
split into train and validation (a seeded permutation), the scaling (statistics from the train
part only, so no validation information leaks into training) and the label encoding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

__all__ = ["Data", "DatasetError", "finish"]

TASKS = ("classification", "regression")
SCALES = (None, "standard", "minmax")
LABELS = ("index", "onehot")
# The split permutation has its own stream, apart from the generators' streams, so that the
# same seed gives the same split whichever source produced the samples.
_SPLIT_STREAM = 0x5B11


class DatasetError(ValueError):
    """A data source or option the user gave cannot be used; the message names the file (or
    data set), the line or entry, and the problem.

    Examples
    --------
    >>> raise DatasetError("iris.csv, line 7: 3 values, expected 5 as on line 1")
    Traceback (most recent call last):
    ...
    netlab.datasets.data.DatasetError: iris.csv, line 7: 3 values, expected 5 as on line 1
    """


@dataclass
class Data:
    """A data set split into train and validation parts, ready for a training loop.

    Attributes
    ----------
    name : str
        "digits", "moons", ... or the file name it came from.
    x_train, x_val : np.ndarray
        float32 samples of shape (n, *input_shape) (int64 for token data); `x_val` is None
        when the validation split is 0.
    y_train, y_val : np.ndarray
        Classification: int64 class indices (n,), or float32 one-hot (n, C) with
        labels="onehot". Regression: float32 (n,) for one target, (n, k) for k targets.
    task : str
        "classification" or "regression".
    classes : list of str or None
        Class names of a classification task, index i naming class i.
    info : dict
        Provenance and the options used (plain JSON-able values).
    scaler : dict or None
        {"kind", "shift", "scale"} when scaling was applied: ``x_scaled = (x - shift) / scale``
        with per-feature arrays from the train part; `apply_scale` uses it for new inputs.

    Examples
    --------
    >>> from netlab.datasets import load
    >>> data = load("digits", seed=0)
    >>> data.x_train.shape, data.num_classes
    ((1438, 64), 10)
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray | None
    y_val: np.ndarray | None
    task: str
    classes: list[str] | None
    info: dict = field(default_factory=dict)
    scaler: dict | None = None

    @property
    def input_shape(self) -> tuple:
        """One sample's shape, ``x_train.shape[1:]``."""
        return tuple(self.x_train.shape[1:])

    @property
    def num_classes(self) -> int | None:
        """The number of classes of a classification task, else None."""
        return len(self.classes) if self.classes is not None else None

    @property
    def n_train(self) -> int:
        """The number of training samples."""
        return int(self.x_train.shape[0])

    @property
    def n_val(self) -> int:
        """The number of validation samples (0 without a validation part)."""
        return 0 if self.x_val is None else int(self.x_val.shape[0])

    def as_input(self, shape) -> Data:
        """The same data with every sample reshaped to `shape`, e.g. digits (64,) <-> (1, 8, 8).

        Parameters
        ----------
        shape : sequence of int
            One sample's shape as the model's input takes it (no batch dimension).

        Returns
        -------
        Data
            `self` when the shape already matches, else a copy sharing the arrays' memory.

        Raises
        ------
        DatasetError
            When the number of values per sample differs.

        Examples
        --------
        >>> from netlab.datasets import load
        >>> load("digits").as_input((1, 8, 8)).input_shape
        (1, 8, 8)
        """
        shape = tuple(int(s) for s in shape)
        if shape == self.input_shape:
            return self
        want, have = math.prod(shape), math.prod(self.input_shape)
        if want != have:
            raise DatasetError(
                f"the design's input takes {shape} = {want} values per sample; {self.name} "
                f"has {self.input_shape} = {have}: change the design's Input shape or choose "
                f"a data set with {want} values per sample")
        x_val = None if self.x_val is None else self.x_val.reshape(-1, *shape)
        info = dict(self.info, input_shape=list(shape))
        return replace(self, x_train=self.x_train.reshape(-1, *shape), x_val=x_val, info=info)

    def apply_scale(self, x: np.ndarray) -> np.ndarray:
        """Scale new samples the way the training samples were scaled (identity without).

        Examples
        --------
        >>> from netlab.datasets import load
        >>> data = load("moons", scale="standard")
        >>> data.apply_scale(np.zeros((1, 2), np.float32)).shape
        (1, 2)
        """
        x = np.asarray(x, dtype=np.float32)
        if self.scaler is None:
            return x
        shift = self.scaler["shift"].reshape(-1)
        scale = self.scaler["scale"].reshape(-1)
        flat = x.reshape(x.shape[0], -1)
        return ((flat - shift) / scale).astype(np.float32).reshape(x.shape)

    def class_counts(self, part: str = "train") -> list[int] | None:
        """Samples per class in the "train" or "val" part (classification only)."""
        if self.classes is None:
            return None
        y = self.y_train if part == "train" else self.y_val
        if y is None:
            return [0] * len(self.classes)
        idx = y.argmax(axis=1) if y.ndim == 2 else y
        return np.bincount(idx, minlength=len(self.classes)).tolist()

    def summary(self) -> str:
        """One paragraph: sizes, sample shape and dtype, task, class counts.

        Examples
        --------
        >>> from netlab.datasets import load
        >>> load("xor", n_samples=100).summary().split(";")[0]
        'xor: classification, 2 classes'
        """
        if self.task == "classification":
            head = f"{self.name}: classification, {self.num_classes} classes"
        else:
            k = 1 if self.y_train.ndim == 1 else self.y_train.shape[1]
            head = f"{self.name}: regression, {k} target{'s' if k != 1 else ''}"
        parts = [head, f"{self.n_train} train + {self.n_val} validation samples of shape "
                       f"{self.input_shape} ({self.x_train.dtype})"]
        if self.classes is not None:
            counts = self.class_counts("train")
            shown = ", ".join(f"{c}: {k}" for c, k in zip(self.classes[:20], counts[:20]))
            more = f", ... ({len(self.classes) - 20} more)" if len(self.classes) > 20 else ""
            parts.append(f"train samples per class {shown}{more}")
        if self.scaler is not None:
            parts.append(f"scaled ({self.scaler['kind']}) with train statistics")
        return "; ".join(parts) + "."


def _check_options(name: str, val_split, scale, labels, task: str) -> None:
    if not isinstance(val_split, (int, float)) or not 0 <= val_split < 1:
        raise DatasetError(f"{name}: val_split must be a fraction in [0, 1), got {val_split!r}")
    if scale not in SCALES:
        raise DatasetError(f"{name}: scale must be None, 'standard' or 'minmax', got {scale!r}")
    if labels not in LABELS:
        raise DatasetError(f"{name}: labels must be 'index' or 'onehot', got {labels!r}")
    if labels == "onehot" and task != "classification":
        raise DatasetError(f"{name}: labels='onehot' needs a classification data set; "
                           f"{name} is {task}")


def split_indices(n: int, val_split: float, shuffle: bool, seed: int):
    """Train and validation indices, each in source order: the validation part is a seeded
    random subset, or the last `val_split` fraction when not shuffled."""
    n_val = int(round(n * val_split))
    if val_split > 0 and n >= 2:
        n_val = min(max(n_val, 1), n - 1)
    if not shuffle:
        return np.arange(n - n_val), np.arange(n - n_val, n)
    order = np.random.default_rng([seed, _SPLIT_STREAM]).permutation(n)
    # Both parts keep the source's sample order (a regression's predictions plot along x);
    # the training loop shuffles each epoch anyway.
    return np.sort(order[:n - n_val]), np.sort(order[n - n_val:])


def _fit_scaler(kind: str, x: np.ndarray) -> dict:
    flat = x.reshape(x.shape[0], -1).astype(np.float64)
    if kind == "standard":
        shift, scale = flat.mean(axis=0), flat.std(axis=0)
    else:
        shift = flat.min(axis=0)
        scale = flat.max(axis=0) - shift
    # A constant feature (e.g. a digits border pixel) keeps its offset removed but is not
    # divided by zero.
    scale = np.where(scale > 0, scale, 1.0)
    return {"kind": kind, "shift": shift.astype(np.float32), "scale": scale.astype(np.float32)}


def _scale(x: np.ndarray, scaler: dict) -> np.ndarray:
    flat = x.reshape(x.shape[0], -1)
    return ((flat - scaler["shift"]) / scaler["scale"]).astype(np.float32).reshape(x.shape)


def finish(name: str, x: np.ndarray, y: np.ndarray, task: str, classes: list[str] | None,
           info: dict, *, val_split: float = 0.2, shuffle: bool = True, scale=None,
           labels: str = "index", seed: int = 0) -> Data:
    """Split, scale and encode a whole sample set into a `Data` (used by every source).

    Parameters
    ----------
    x : np.ndarray
        All samples, (n, *input_shape); float data becomes float32, integer data stays int64
        only when `info["tokens"]` is true.
    y : np.ndarray
        Class indices 0..C-1 (classification) or float targets (regression), length n.

    Examples
    --------
    >>> x, y = np.zeros((10, 2)), np.arange(10) % 2
    >>> finish("toy", x, y, "classification", ["a", "b"], {}, val_split=0.3).n_val
    3
    """
    _check_options(name, val_split, scale, labels, task)
    if task not in TASKS:
        raise DatasetError(f"{name}: task must be 'classification' or 'regression', "
                           f"got {task!r}")
    if len(x) != len(y):
        raise DatasetError(f"{name}: {len(x)} samples but {len(y)} targets")
    if len(x) == 0:
        raise DatasetError(f"{name}: no samples")
    tokens = bool(info.get("tokens"))
    x = np.ascontiguousarray(x, dtype=np.int64 if tokens else np.float32)
    if task == "classification":
        y = np.asarray(y, dtype=np.int64)
    else:
        y = np.asarray(y, dtype=np.float32)
    train, val = split_indices(len(x), val_split, shuffle, seed)
    x_train, y_train = x[train], y[train]
    x_val, y_val = (x[val], y[val]) if len(val) else (None, None)
    scaler = None
    if scale is not None and not tokens:
        scaler = _fit_scaler(scale, x_train)
        x_train = _scale(x_train, scaler)
        x_val = None if x_val is None else _scale(x_val, scaler)
    if labels == "onehot":
        eye = np.eye(len(classes), dtype=np.float32)
        y_train = eye[y_train]
        y_val = None if y_val is None else eye[y_val]
    info = dict(info, name=name, n_samples=int(len(x)), val_split=float(val_split),
                shuffle=bool(shuffle), scale=scale, labels=labels, seed=int(seed))
    return Data(name=name, x_train=x_train, y_train=y_train, x_val=x_val, y_val=y_val,
                task=task, classes=list(classes) if classes is not None else None,
                info=info, scaler=scaler)


def encode_labels(values: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Class indices and names for raw label values (numbers or strings).

    Non-negative integer labels starting at 0 map to themselves (class "3" is index 3, even
    when a class is absent); any other labels map to their sorted distinct values.

    Examples
    --------
    >>> encode_labels(np.array(["cat", "dog", "cat"]))
    (array([0, 1, 0]), ['cat', 'dog'])
    """
    values = np.asarray(values)
    if values.dtype.kind in "iub" or (values.dtype.kind == "f" and _integral(values)):
        ints = values.astype(np.int64)
        if ints.size and ints.min() == 0:
            return ints, [str(i) for i in range(int(ints.max()) + 1)]
        uniq, idx = np.unique(ints, return_inverse=True)
        return idx.astype(np.int64), [str(int(u)) for u in uniq]
    uniq, idx = np.unique(values.astype(str), return_inverse=True)
    return idx.astype(np.int64), [str(u) for u in uniq]


def _integral(values: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(values)) and np.all(values == np.round(values)))


def guess_task(values: np.ndarray) -> str:
    """"classification" for text labels or few distinct integers, else "regression"."""
    values = np.asarray(values)
    if values.dtype.kind in "USOb":
        return "classification"
    if values.ndim != 1 or not _integral(values):
        return "regression"
    n_unique = len(np.unique(values))
    return "classification" if n_unique <= 20 and 2 * n_unique <= len(values) else "regression"
