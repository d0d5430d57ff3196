"""numpy files: .npz archives with named input and target arrays, .npy tables."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from .data import DatasetError
from .importers import check_options, make_targets

__all__ = ["read_npy", "read_npz"]

NPZ_OPTIONS = ("x", "y", "task", "tokens")
NPY_OPTIONS = ("target", "task")
# (inputs, targets) names tried in order when x= and y= are not given
PAIRS = (("x", "y"), ("X", "y"), ("X", "Y"), ("data", "target"), ("data", "targets"),
         ("data", "labels"), ("inputs", "targets"), ("features", "labels"),
         ("x_train", "y_train"))
_READ_ERRORS = (OSError, ValueError, EOFError, zipfile.BadZipFile)


def read_npz(path: Path, options: dict):
    """Read a .npz archive: inputs and targets as two named arrays.

    The arrays are found as x/y, X/y, data/target (and a few other usual pairs) or named by
    the options ``x=`` and ``y=``. An archive with a single array is read like a .npy table.
    Integer targets are class labels unless ``task="regression"``; float targets are a
    regression unless they are few distinct integers. An array named ``classes`` gives the
    class names. ``tokens=True`` keeps integer inputs as int64 (token ids for an Embedding).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.npz"
    >>> np.savez(p, data=np.ones((4, 3)), target=np.array([0, 1, 1, 0]))
    >>> x, y, task, classes, info = read_npz(p, {})
    >>> x.shape, task, classes, info["arrays"]
    ((4, 3), 'classification', ['0', '1'], ['data', 'target'])
    """
    check_options(path, options, NPZ_OPTIONS, ".npz files")
    try:
        archive = np.load(path, allow_pickle=False)
    except _READ_ERRORS as exc:
        raise DatasetError(f"{path.name}: not a readable .npz archive ({exc})") from exc
    with archive:
        keys = list(archive.files)
        if not keys:
            raise DatasetError(f"{path.name}: the archive holds no arrays")
        if "x" in options or "y" in options:
            xk, yk = options.get("x", "x"), options.get("y", "y")
        else:
            xk, yk = next(((a, b) for a, b in PAIRS if a in keys and b in keys), (None, None))
        if xk is None:
            if len(keys) == 1:
                table = _array(path, archive, keys[0])
                return _split_table(path, table, -1, options.get("task"),
                                    {"format": "npz", "arrays": keys})
            raise DatasetError(f"{path.name}: cannot tell the inputs from the targets among "
                               f"the arrays {', '.join(keys)}; name them with x= and y= "
                               f"(or save them as x and y)")
        for key, opt in ((xk, "x"), (yk, "y")):
            if key not in keys:
                raise DatasetError(f"{path.name}: no array named {key!r} (the archive holds "
                                   f"{', '.join(keys)}); choose one with {opt}=")
        x, y = _array(path, archive, xk), _array(path, archive, yk)
        names = _array(path, archive, "classes") if "classes" in keys else None
    if x.ndim < 2:
        raise DatasetError(f"{path.name}, array {xk!r}: shape {x.shape}; inputs need a "
                           f"sample axis and at least one feature, e.g. (n, 1)")
    if x.dtype.kind not in "biuf":
        raise DatasetError(f"{path.name}, array {xk!r}: inputs must be numbers, got {x.dtype}")
    if x.dtype.kind == "f" and not np.all(np.isfinite(x)):
        entry = tuple(int(i) for i in np.argwhere(~np.isfinite(x))[0])
        raise DatasetError(f"{path.name}, array {xk!r}, entry {entry}: {x[entry]} is not a "
                           f"finite number")
    if len(x) != len(y):
        raise DatasetError(f"{path.name}: {len(x)} samples in {xk!r} but {len(y)} targets in "
                           f"{yk!r}")
    y = y.reshape(len(y)) if y.ndim == 2 and y.shape[1] == 1 else y
    where = f"{path.name}, array {yk!r}"
    y, task, classes = make_targets(where, y, options.get("task"),
                                    labels_hint=y.dtype.kind in "iub")
    if classes is not None and names is not None and len(names) == len(classes):
        classes = [str(c) for c in names]
    info = {"format": "npz", "arrays": [xk, yk], "tokens": bool(options.get("tokens"))}
    if info["tokens"] and x.dtype.kind not in "iu":
        raise DatasetError(f"{path.name}, array {xk!r}: tokens=True needs integer token ids, "
                           f"got {x.dtype}")
    return x, y, task, classes, info


def read_npy(path: Path, options: dict):
    """Read a .npy table (n, columns): the target is the last column unless ``target=`` (a
    column index, or a list of indices for several regression targets).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.npy"
    >>> np.save(p, np.array([[0.5, 1.5], [1.0, 3.0], [2.0, 6.25]]))
    >>> x, y, task, classes, info = read_npy(p, {})
    >>> x.shape, y.tolist(), task
    ((3, 1), [1.5, 3.0, 6.25], 'regression')
    """
    check_options(path, options, NPY_OPTIONS, ".npy files")
    try:
        table = np.load(path, allow_pickle=False)
    except _READ_ERRORS as exc:
        raise DatasetError(f"{path.name}: not a readable .npy file ({exc})") from exc
    if not isinstance(table, np.ndarray):
        raise DatasetError(f"{path.name}: holds an archive, not one array; name it .npz")
    _check_dtype(path, table, "the array")
    return _split_table(path, table, options.get("target", -1), options.get("task"),
                        {"format": "npy"})


def _array(path: Path, archive, key: str) -> np.ndarray:
    try:
        arr = archive[key]
    except _READ_ERRORS as exc:
        raise DatasetError(f"{path.name}, array {key!r}: cannot be read ({exc})") from exc
    _check_dtype(path, arr, f"array {key!r}")
    return arr


def _check_dtype(path: Path, arr: np.ndarray, what: str) -> None:
    if arr.dtype.kind not in "biufUS":
        raise DatasetError(f"{path.name}, {what}: dtype {arr.dtype} is not numbers or text")


def _split_table(path: Path, table: np.ndarray, target, task, info: dict):
    if table.ndim != 2 or table.shape[1] < 2:
        raise DatasetError(f"{path.name}: a table of shape (samples, columns) with at least "
                           f"two columns is needed, got shape {table.shape}; save inputs and "
                           f"targets as x and y in a .npz instead")
    cols = table.shape[1]
    wanted = list(target) if isinstance(target, (list, tuple)) else [target]
    for t in wanted:
        if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or not -cols <= t < cols:
            raise DatasetError(f"{path.name}: target={t!r} is not a column index of a table "
                               f"with {cols} columns")
    targets = sorted({int(t) % cols for t in wanted})
    if len(targets) == cols:
        raise DatasetError(f"{path.name}: every column is a target; leave feature columns")
    if table.dtype.kind not in "biuf":
        raise DatasetError(f"{path.name}: a table must hold numbers, got {table.dtype}")
    features = [j for j in range(cols) if j not in targets]
    y = table[:, targets[0]] if len(targets) == 1 else table[:, targets]
    if not np.all(np.isfinite(table[:, features])):
        i, j = np.argwhere(~np.isfinite(table[:, features]))[0]
        raise DatasetError(f"{path.name}, row {i}, column {features[j]}: "
                           f"{table[i, features[j]]} is not a finite number")
    where = f"{path.name}, column {targets[0]}"
    y, task, classes = make_targets(where, y, task or ("regression" if len(targets) > 1
                                                       else None),
                                    labels_hint=table.dtype.kind in "iub")
    return table[:, features], y, task, classes, dict(info, target=targets)
