"""The bundled 8x8 handwritten digits (UCI optical digits, as scikit-learn ships them).

resources/data/digits.npz holds x: uint8 (1797, 8, 8) with pixel counts 0..16 and y: uint8
(1797,); resources/data/README.md gives its provenance and licence, and make_digits.py
regenerates it. The arrays are checked against a sha256 on load so a damaged file is reported
rather than trained on.
"""

from __future__ import annotations

import hashlib
import io
from importlib import resources

import numpy as np

from .data import DatasetError

__all__ = ["DIGITS_SHA256", "digits", "read_digits"]

# sha256(x.tobytes() + y.tobytes()); the same constant as resources/data/make_digits.py
DIGITS_SHA256 = "87ff0c9e40dc7e2c0e34e7257799c2e3f3aec1a016363bb11cad869ec428a826"
_cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}


def read_digits() -> tuple[np.ndarray, np.ndarray]:
    """The raw bundled arrays: x uint8 (1797, 8, 8) in 0..16 and y uint8 (1797,).

    Examples
    --------
    >>> x, y = read_digits()
    >>> x.shape, int(x.max()), int(y.max())
    ((1797, 8, 8), 16, 9)
    """
    if "arrays" not in _cache:
        entry = resources.files("resources").joinpath("data", "digits.npz")
        name = "resources/data/digits.npz"
        try:
            raw = entry.read_bytes()
            with np.load(io.BytesIO(raw), allow_pickle=False) as f:
                x, y = f["x"], f["y"]
        except (OSError, KeyError, ValueError) as exc:
            raise DatasetError(f"{name}: cannot read the bundled digits ({exc}); regenerate "
                               f"it with resources/data/make_digits.py") from exc
        digest = hashlib.sha256(x.astype(np.uint8).tobytes() + y.astype(np.uint8).tobytes())
        if digest.hexdigest() != DIGITS_SHA256:
            raise DatasetError(f"{name}: the arrays' sha256 differs from the expected one "
                               f"(the file is damaged); regenerate it with "
                               f"resources/data/make_digits.py")
        x.setflags(write=False)
        y.setflags(write=False)
        _cache["arrays"] = (x, y)
    return _cache["arrays"]


def digits(rng=None):
    """The digits as 64 features in [0, 1] (pixel counts / 16), 10 classes "0".."9".

    Dividing by 16 keeps the data's own range meaning (0 = no ink, 1 = a full 4x4 block);
    the `scale` option of `load` applies on top of that.
    """
    x, y = read_digits()
    feats = x.reshape(len(x), 64).astype(np.float32) / np.float32(16.0)
    info = {"source": "resources/data/digits.npz", "sha256": DIGITS_SHA256,
            "provenance": "UCI Optical Recognition of Handwritten Digits (Alpaydin & Kaynak, "
                          "1998), the 1797-image test set shipped by scikit-learn",
            "licence": "CC BY 4.0 (UCI); scikit-learn's copy BSD-3-Clause",
            "pixel_scale": "count/16"}
    return feats, y.astype(np.int64), "classification", [str(k) for k in range(10)], info
