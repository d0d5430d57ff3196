"""Data sets for training: built-in generators, the bundled digits and file importers.

>>> from netlab.datasets import load
>>> data = load("digits", val_split=0.2, seed=0)
>>> data.summary().split(";")[0]
'digits: classification, 10 classes'

`load` returns a `Data` (train/validation arrays, task, class names, provenance);
`builtin_datasets` lists the built-in names; every problem with a source or an option raises
`DatasetError` (a ValueError) naming the file, the line or entry and the problem.
"""

from .data import Data, DatasetError
from .loading import builtin_datasets, load

__all__ = ["Data", "DatasetError", "builtin_datasets", "load"]
