"""MNIST-style IDX files: an images file and its labels file, gzip-compressed or not.

The format (http://yann.lecun.com/exdb/mnist/): two zero bytes, a type code (0x08 unsigned
byte, 0x09 signed byte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64), the number of
dimensions, each dimension as a big-endian uint32, then the values in C order, big-endian.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

from .data import DatasetError
from .importers import check_options, make_targets, open_maybe_gzip

__all__ = ["read_idx", "read_idx_array", "write_idx"]

OPTIONS = ("labels_file", "task")
TYPES = {0x08: np.dtype("u1"), 0x09: np.dtype("i1"), 0x0B: np.dtype(">i2"),
         0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def read_idx_array(path: Path) -> np.ndarray:
    """One IDX file as a numpy array (native byte order), checking its header and length.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "l-idx1-ubyte"
    >>> write_idx(p, np.array([3, 1, 4], np.uint8))
    >>> read_idx_array(p).tolist()
    [3, 1, 4]
    """
    try:
        with open_maybe_gzip(path) as f:
            raw = f.read()
    except (OSError, EOFError) as exc:
        raise DatasetError(f"{path.name}: cannot read the file ({exc}; a truncated .gz?)") \
            from exc
    if len(raw) < 4 or raw[:2] != b"\0\0" or raw[2] not in TYPES:
        raise DatasetError(f"{path.name}: not an IDX file (it starts with {raw[:4].hex(' ')}, "
                           f"expected 00 00, a type code 08/09/0b/0c/0d/0e and a dimension "
                           f"count)")
    dtype, ndim = TYPES[raw[2]], raw[3]
    head = 4 + 4 * ndim
    if ndim == 0 or len(raw) < head:
        raise DatasetError(f"{path.name}: the IDX header is cut short ({len(raw)} bytes, "
                           f"{ndim} dimensions need {head})")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    entry = math.prod(shape[1:]) * dtype.itemsize
    need = shape[0] * entry
    have = len(raw) - head
    if have < need:
        index = have // entry if entry else 0
        raise DatasetError(f"{path.name}: entry {index} of {shape[0]} is incomplete: the "
                           f"header says {' x '.join(map(str, shape))} values ({need} bytes) "
                           f"but the file ends after {have} data bytes (truncated download?)")
    if have > need:
        raise DatasetError(f"{path.name}: {have - need} bytes follow the "
                           f"{' x '.join(map(str, shape))} values the header describes")
    arr = np.frombuffer(raw, dtype=dtype, count=math.prod(shape), offset=head)
    return arr.reshape(shape).astype(dtype.newbyteorder("="))


def write_idx(path: Path, array: np.ndarray) -> None:
    """Write an array as an IDX file (gzip-compressed when the name ends in .gz).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x-idx3-ubyte.gz"
    >>> write_idx(p, np.zeros((2, 3, 3), np.uint8))
    >>> read_idx_array(p).shape
    (2, 3, 3)
    """
    import gzip

    array = np.asarray(array)
    code = next((c for c, t in TYPES.items() if t.kind == array.dtype.kind
                 and t.itemsize == array.dtype.itemsize), None)
    if code is None:
        raise ValueError(f"IDX files cannot hold {array.dtype} values")
    body = bytes([0, 0, code, array.ndim]) + b"".join(
        int(s).to_bytes(4, "big") for s in array.shape) + array.astype(TYPES[code]).tobytes()
    data = gzip.compress(body, mtime=0) if str(path).endswith(".gz") else body
    Path(path).write_bytes(data)


def read_idx(path: Path, options: dict):
    """Read an IDX images file and its labels file into samples and classes.

    The labels file is ``labels_file=`` or found beside the images by the standard names
    (``train-images-idx3-ubyte[.gz]`` -> ``train-labels-idx1-ubyte[.gz]``). Images
    (n, h, w) become float32 (n, 1, h, w), channels first as PyTorch takes them; unsigned
    bytes are divided by 255 to [0, 1]. Labels are classes unless ``task="regression"``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> write_idx(d / "train-images-idx3-ubyte", np.full((2, 4, 4), 255, np.uint8))
    >>> write_idx(d / "train-labels-idx1-ubyte", np.array([0, 1], np.uint8))
    >>> x, y, task, classes, info = read_idx(d / "train-images-idx3-ubyte", {})
    >>> x.shape, float(x.max()), y.tolist(), classes
    ((2, 1, 4, 4), 1.0, [0, 1], ['0', '1'])
    """
    check_options(path, options, OPTIONS, "IDX files")
    images = read_idx_array(path)
    if images.ndim == 1:
        raise DatasetError(f"{path.name}: a one-dimensional IDX file holds labels; load the "
                           f"images file and give this one as labels_file=")
    labels_path = _labels_path(path, options.get("labels_file"))
    labels = read_idx_array(labels_path)
    if labels.ndim != 1:
        raise DatasetError(f"{labels_path.name}: a labels file has one dimension, got shape "
                           f"{labels.shape}")
    if len(labels) != len(images):
        raise DatasetError(f"{labels_path.name}: {len(labels)} labels for the {len(images)} "
                           f"images of {path.name}")
    x = images.astype(np.float32)
    if images.dtype == np.uint8:
        x /= np.float32(255.0)
    if x.ndim == 3:
        x = x[:, None]
    where = f"{labels_path.name}"
    y, task, classes = make_targets(where, labels, options.get("task"),
                                    labels_hint=labels.dtype.kind in "iu")
    info = {"format": "idx", "labels_file": str(labels_path),
            "pixel_scale": "byte/255" if images.dtype == np.uint8 else "none"}
    return x, y, task, classes, info


def _labels_path(path: Path, given) -> Path:
    if given is not None:
        labels = Path(given).expanduser()
        if not labels.is_absolute() and not labels.exists():
            labels = path.parent / labels
        if not labels.exists():
            raise DatasetError(f"{path.name}: labels_file {str(given)!r} does not exist")
        return labels
    stem = path.name[:-3] if path.name.endswith(".gz") else path.name
    guess = re.sub(r"idx\d", "idx1", stem.replace("images", "labels").replace("Images",
                                                                               "Labels"))
    tried = []
    for name in (guess, guess + ".gz"):
        candidate = path.parent / name
        tried.append(name)
        if name != stem and candidate.exists():
            return candidate
    raise DatasetError(f"{path.name}: no labels file beside it (looked for "
                       f"{' and '.join(tried)}); pass labels_file=")
