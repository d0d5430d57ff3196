"""`load`: one entry point for built-in data sets and data files, and `builtin_datasets`."""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np

from .data import Data, DatasetError, finish
from .digits import digits
from .synthetic import GENERATORS

__all__ = ["builtin_datasets", "load"]

_DIGITS_STREAM = 9
_BUILTINS = dict(GENERATORS)
_BUILTINS["digits"] = (digits, _DIGITS_STREAM,
                       "8x8 handwritten digits, 1797 images, 10 classes (UCI, bundled)")
# positive integers / non-negative floats among the generators' options
_COUNTS = ("n_samples", "d_in", "d_out", "degree", "classes")


def builtin_datasets() -> dict[str, str]:
    """Built-in data set names and a one-line description of each (for pickers and the CLI).

    Examples
    --------
    >>> "digits" in builtin_datasets()
    True
    """
    return {name: desc for name, (_, _, desc) in _BUILTINS.items()}


def load(source: str, *, val_split: float = 0.2, shuffle: bool = True, scale=None,
         labels: str = "index", seed: int = 0, **options) -> Data:
    """Load a built-in data set or a data file/folder, split, scaled and encoded.

    Parameters
    ----------
    source : str
        A built-in name (see `builtin_datasets`) or the path of a CSV (.csv/.tsv/.txt, also
        gzipped), .npz, .npy or MNIST-style IDX file, or of an image folder with one
        sub-folder per class.
    val_split : float
        Fraction of samples kept for validation (0: no validation part).
    shuffle : bool
        Split by a permutation seeded with `seed`; False keeps the last `val_split` fraction
        (in file order) for validation.
    scale : None, "standard" or "minmax"
        Per-feature standardisation or [0, 1] scaling with statistics of the train part only,
        applied to both parts.
    labels : "index" or "onehot"
        Class indices (int64) or one-hot rows (float32); classification only.
    seed : int
        Seeds the generators of built-in data and the split.
    **options
        Passed to the source: ``n_samples``, ``noise``, ``classes``, ``degree`` (sin),
        ``d_in``/``d_out`` (regression), ``shape`` (images) for built-ins; ``target``,
        ``task``, ``delimiter``, ``header`` (CSV), ``x``/``y`` (npz), ``target`` (npy),
        ``labels_file`` (IDX), ``size=(h, w)`` and ``mode`` (image folders).

    Returns
    -------
    Data

    Raises
    ------
    DatasetError
        For an unknown source, a bad option or a bad file (naming the file, line or entry and
        the problem).

    Examples
    --------
    >>> data = load("moons", n_samples=200, noise=0.2, val_split=0.25, seed=1)
    >>> data.x_train.shape, data.x_val.shape, data.classes
    ((150, 2), (50, 2), ['0', '1'])
    """
    common = {"val_split": val_split, "shuffle": shuffle, "scale": scale, "labels": labels,
              "seed": seed}
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise DatasetError(f"{source}: seed must be an integer >= 0, got {seed!r}")
    if not isinstance(source, (str, Path)):
        raise DatasetError(f"a data source is a built-in name or a path, got {source!r}")
    key = str(source)
    if key in _BUILTINS:
        return _load_builtin(key, common, options)
    path = Path(source).expanduser()
    if not path.exists():
        raise DatasetError(f"{source}: no such file or folder, and not a built-in data set "
                           f"(built-ins: {', '.join(_BUILTINS)})")
    from .importers import read_source  # the importers (and Pillow) load only when needed

    x, y, task, classes, info = read_source(path, options)
    info = dict(info, source=str(path))
    return finish(path.name, x, y, task, classes, info, **common)


def _load_builtin(name: str, common: dict, options: dict) -> Data:
    fn, stream, _ = _BUILTINS[name]
    accepted = [p for p in inspect.signature(fn).parameters if p != "rng"]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        takes = ", ".join(accepted) if accepted else "no options"
        raise DatasetError(f"{name}: unknown option {', '.join(unknown)} ({name} takes "
                           f"{takes})")
    for opt, value in options.items():
        _check_value(name, opt, value)
    if "shape" in options:
        options = dict(options, shape=tuple(options["shape"]))
    rng = np.random.default_rng([int(common["seed"]), stream])
    x, y, task, classes, info = fn(rng, **options)
    info = dict(info, source=name, options=_jsonable(options))
    return finish(name, x, y, task, classes, info, **common)


def _check_value(name: str, opt: str, value) -> None:
    if opt in _COUNTS:
        low = 2 if opt == "classes" else 1
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise DatasetError(f"{name}: {opt} must be an integer >= {low}, got {value!r}")
    elif opt in ("noise", "factor"):
        if not isinstance(value, (int, float)) or not value >= 0:
            raise DatasetError(f"{name}: {opt} must be a number >= 0, got {value!r}")
    elif opt == "shape":
        ok = isinstance(value, (tuple, list)) and len(value) > 0 and all(
            isinstance(s, (int, np.integer)) and s > 0 for s in value)
        if not ok:
            raise DatasetError(f"{name}: shape must be a tuple of positive integers such as "
                               f"(3, 32, 32), got {value!r}")


def _jsonable(options: dict) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in options.items()}
