"""Reading data files: pick the importer for a path, check its options, turn targets into
class indices or regression values.

Every importer returns ``(x, y, task, classes, info)`` for `data.finish` and reports problems as
`DatasetError` naming the file, the line or entry, and the problem.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from .data import DatasetError, encode_labels, guess_task

__all__ = ["read_source", "open_maybe_gzip", "check_options", "make_targets"]

GZIP_MAGIC = b"\x1f\x8b"
_CSV_SUFFIXES = {".csv", ".tsv", ".txt", ".data"}
_IDX_TYPES = {0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E}


def read_source(path: Path, options: dict):
    """Read a data file or image folder into ``(x, y, task, classes, info)``.

    The format follows the suffix (.csv/.tsv/.txt, .npz, .npy, IDX names such as
    ``train-images-idx3-ubyte``, each optionally ``.gz``) or, failing that, the file's first
    bytes; a folder is read as an image folder.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("a,b,label\\n1,2,x\\n3,4,y\\n")
    >>> x, y, task, classes, info = read_source(p, {})
    >>> x.shape, task, classes
    ((2, 2), 'classification', ['x', 'y'])
    """
    if path.is_dir():
        from .images import read_image_folder

        return read_image_folder(path, options)
    kind = detect_format(path)
    if kind == "csv":
        from .csvfile import read_csv

        return read_csv(path, options)
    if kind in ("npz", "npy"):
        from .arrays import read_npy, read_npz

        return (read_npz if kind == "npz" else read_npy)(path, options)
    if kind == "idx":
        from .idx import read_idx

        return read_idx(path, options)
    raise DatasetError(f"{path}: unknown data file format; NetLab reads CSV (.csv, .tsv, "
                       f".txt), .npz, .npy, MNIST-style IDX files and image folders")


def detect_format(path: Path) -> str | None:
    """"csv", "npz", "npy", "idx" or None, from the name, else from the first bytes."""
    name = path.name.lower()
    base = name[:-3] if name.endswith(".gz") else name
    suffix = Path(base).suffix
    if suffix in _CSV_SUFFIXES:
        return "csv"
    if suffix in (".npz", ".npy"):
        return suffix[1:]
    if "idx" in base or "ubyte" in base:
        return "idx"
    try:
        with open_maybe_gzip(path) as f:
            head = f.read(512)
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read the file ({exc})") from exc
    if head.startswith(b"PK"):
        return "npz"
    if head.startswith(b"\x93NUMPY"):
        return "npy"
    if len(head) >= 4 and head[:2] == b"\0\0" and head[2] in _IDX_TYPES:
        return "idx"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "csv" if any(d in text for d in ",;\t") else None


def open_maybe_gzip(path: Path):
    """The file opened for binary reading, decompressed when it is gzip data."""
    with open(path, "rb") as f:
        magic = f.read(2)
    return gzip.open(path, "rb") if magic == GZIP_MAGIC else open(path, "rb")


def check_options(path: Path, options: dict, accepted: tuple[str, ...], kind: str) -> None:
    """Reject options the importer does not take, naming the ones it does."""
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise DatasetError(f"{path.name}: unknown option {', '.join(unknown)} for {kind} "
                           f"(options: {', '.join(accepted)})")
    task = options.get("task")
    if task not in (None, "classification", "regression"):
        raise DatasetError(f"{path.name}: task must be 'classification' or 'regression', "
                           f"got {task!r}")


def make_targets(where: str, values: np.ndarray, task: str | None, *, labels_hint=False):
    """``(y, task, classes)`` from raw target values.

    `task` None guesses: text or few distinct integers -> classification; `labels_hint` (an
    integer-typed label array) makes integers classification whatever their number.
    """
    values = np.asarray(values)
    if task is None:
        if labels_hint and values.ndim == 1:
            task = "classification"
        else:
            task = guess_task(values) if values.ndim == 1 else "regression"
    if task == "classification":
        if values.ndim != 1:
            raise DatasetError(f"{where}: a classification target is one column of labels, "
                               f"got shape {values.shape}")
        if values.dtype.kind == "f" and not np.all(np.isfinite(values)):
            bad = int(np.flatnonzero(~np.isfinite(values))[0])
            raise DatasetError(f"{where}: target of entry {bad} is {values[bad]}, not a class")
        y, classes = encode_labels(values)
        return y, task, classes
    if values.dtype.kind not in "iufb":
        numeric = to_float(values)
        if numeric is None:
            bad = first_non_number(values.reshape(-1))
            raise DatasetError(f"{where}: a regression target must be numeric; entry {bad} is "
                               f"{str(values.reshape(-1)[bad])!r} (use task='classification' for "
                               f"labels)")
        values = numeric
    return values.astype(np.float32), task, None


def to_float(values: np.ndarray) -> np.ndarray | None:
    """Text values as float64, or None when one of them is not a number."""
    try:
        return np.asarray(values).astype(np.float64)
    except ValueError:
        return None


def first_non_number(values) -> int:
    """The index of the first text value that does not parse as a number."""
    for i, v in enumerate(values):
        try:
            float(v)
        except ValueError:
            return i
    return -1
