"""Regenerate resources/data/digits.npz, the bundled 8x8 handwritten digits, from scikit-learn.

Usage (scikit-learn is needed only here, never by NetLab itself)::

    pip install scikit-learn
    python resources/data/make_digits.py            # from sklearn.datasets.load_digits
    python resources/data/make_digits.py --csv PATH # from sklearn's digits.csv.gz, e.g. taken
                                                    # out of a scikit-learn wheel (a zip file)

The file holds x: uint8 (1797, 8, 8), pixel counts 0..16, and y: uint8 (1797,), the digit. The
script checks a sha256 over the arrays' bytes (not the file's: zip entries carry timestamps), the
same value `netlab.datasets.digits` checks when it loads the file.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE / "digits.npz"
# sha256(x.tobytes() + y.tobytes()) of the 1797 images of UCI's optdigits test set, as
# scikit-learn 1.x ships them.
SHA256 = "87ff0c9e40dc7e2c0e34e7257799c2e3f3aec1a016363bb11cad869ec428a826"
CLASS_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def arrays_sha256(x: np.ndarray, y: np.ndarray) -> str:
    """The checksum of the arrays' contents (uint8, C order)."""
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(x, dtype=np.uint8).tobytes())
    h.update(np.ascontiguousarray(y, dtype=np.uint8).tobytes())
    return h.hexdigest()


def from_sklearn() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits  # only this script needs scikit-learn

    bunch = load_digits()
    return bunch.images, bunch.target


def from_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    # scikit-learn's digits.csv.gz: one image per line, 64 pixel values then the digit
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as f:
        table = np.loadtxt(f, delimiter=",")
    return table[:, :-1].reshape(-1, 8, 8), table[:, -1]


def check(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The arrays as uint8 after checking shapes, ranges, class counts and the checksum."""
    if x.shape != (1797, 8, 8) or y.shape != (1797,):
        raise SystemExit(f"unexpected shapes {x.shape}, {y.shape}")
    if x.min() < 0 or x.max() > 16 or np.any(x != np.round(x)):
        raise SystemExit("pixel values must be integers 0..16")
    x, y = x.astype(np.uint8), y.astype(np.uint8)
    counts = np.bincount(y, minlength=10).tolist()
    if counts != CLASS_COUNTS:
        raise SystemExit(f"class counts {counts} differ from {CLASS_COUNTS}")
    digest = arrays_sha256(x, y)
    if digest != SHA256:
        raise SystemExit(f"sha256 {digest} differs from the expected {SHA256}")
    return x, y


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, help="scikit-learn's digits.csv.gz instead of "
                        "importing scikit-learn")
    parser.add_argument("--out", type=Path, default=OUT, help="where to write (default: "
                        "beside this script)")
    args = parser.parse_args(argv)
    x, y = from_csv(args.csv) if args.csv else from_sklearn()
    x, y = check(np.asarray(x), np.asarray(y))
    np.savez_compressed(args.out, x=x, y=y)
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes), sha256 of arrays {SHA256}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
