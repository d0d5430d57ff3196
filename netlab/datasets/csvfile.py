"""CSV import: delimiter and header detection, the target column by name or index, features
that must be numbers, and line-exact messages for bad lines."""

from __future__ import annotations

import csv
import io
import warnings
from pathlib import Path

import numpy as np

from .data import DatasetError
from .importers import check_options, make_targets, open_maybe_gzip, to_float

__all__ = ["read_csv"]

OPTIONS = ("target", "task", "delimiter", "header")


def read_csv(path: Path, options: dict):
    """Read a CSV (or TSV) table: one sample per line, the target in one or more columns.

    Options: ``target`` (column name or index, or a list of them for several regression
    targets; default the last column), ``task`` ("classification" or "regression"; default:
    classification for text or few distinct integer targets), ``delimiter`` (default: guessed
    from the first line among , ; tab), ``header`` (True/False; default: guessed, a first line
    with text where the second has numbers).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "r.csv"
    >>> _ = p.write_text("x1;x2;y\\n0.5;1;2.5\\n1.5;2;3.25\\n")
    >>> x, y, task, classes, info = read_csv(p, {"target": "y"})
    >>> x.tolist(), y.tolist(), task
    ([[0.5, 1.0], [1.5, 2.0]], [2.5, 3.25], 'regression')
    """
    check_options(path, options, OPTIONS, "CSV files")
    text = _read_text(path)
    delimiter = options.get("delimiter")
    if delimiter is None:
        delimiter = "\t" if ".tsv" in path.name.lower() else _guess_delimiter(text)
    head, head_lines = _rows(path, text, delimiter, limit=2)
    header = options.get("header")
    if header is None:
        header = _has_header(head)
    names = [c.strip() for c in head[0]] if header else [str(j) for j in range(len(head[0]))]
    width = len(names)
    if width < 2:
        raise DatasetError(f"{path.name}, line {head_lines[0]}: one column only; a data file "
                           f"needs feature columns and a target column (another delimiter=?)")
    targets = _target_columns(path, options.get("target", -1), names)
    features = [j for j in range(width) if j not in targets]
    task = options.get("task")
    if len(targets) > 1 and task == "classification":
        raise DatasetError(f"{path.name}: a classification target is one column; got "
                           f"{len(targets)} target columns")
    table = _fast_table(text, delimiter, head_lines[0] if header else 0, width)
    if table is not None:
        if not len(table):
            raise DatasetError(f"{path.name}: no data lines (only a header)")
        x = table[:, features]
        raw_y = table[:, targets[0]] if len(targets) == 1 else table[:, targets]
    else:
        x, raw_y = _slow_table(path, text, delimiter, header, names, features, targets, task)
    where = f"{path.name}, target column {names[targets[0]]!r}"
    y, task, classes = make_targets(where, raw_y, task or ("regression" if len(targets) > 1
                                                           else None))
    info = {"format": "csv", "header": bool(header), "columns": names,
            "target": [names[j] for j in targets], "delimiter": delimiter}
    return x, y, task, classes, info


def _fast_table(text: str, delimiter: str, skip: int, width: int) -> np.ndarray | None:
    """The whole table parsed by numpy's C reader when every cell is a finite number, else
    None (the slow path then finds and names the bad line)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "input contained no data"
            table = np.loadtxt(io.StringIO(text), dtype=np.float32, delimiter=delimiter,
                               skiprows=skip, comments="#", quotechar='"', ndmin=2)
    except ValueError:
        return None
    if (len(table) and table.shape[1] != width) or not np.all(np.isfinite(table)):
        return None
    return table


def _slow_table(path: Path, text: str, delimiter: str, header: bool, names: list[str],
                features: list[int], targets: list[int], task):
    rows, lines = _rows(path, text, delimiter)
    if header:
        rows, lines = rows[1:], lines[1:]
    if not rows:
        raise DatasetError(f"{path.name}: no data lines (only a header)")
    width = len(names)
    for row, line in zip(rows, lines):
        if len(row) != width:
            first = "the header" if header else f"line {lines[0]}"
            raise DatasetError(f"{path.name}, line {line}: {len(row)} values, expected {width} "
                               f"as on {first}")
    table = np.array(rows, dtype=str)
    x = _numbers(path, table[:, features], [names[j] for j in features], lines)
    raw_y = np.char.strip(table[:, targets])
    if task == "regression" or len(targets) > 1:
        numeric = _numbers(path, raw_y, [names[j] for j in targets], lines, target=True)
    else:
        numeric = to_float(raw_y)
    raw_y = numeric if numeric is not None else raw_y
    return x, raw_y[:, 0] if len(targets) == 1 else raw_y


def _read_text(path: Path) -> str:
    try:
        with open_maybe_gzip(path) as f:
            return f.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = exc.object[:exc.start].count(b"\n") + 1
        raise DatasetError(f"{path.name}, line {line}: not UTF-8 text ({exc.reason})") from exc
    except (OSError, EOFError) as exc:
        raise DatasetError(f"{path.name}: cannot read the file ({exc})") from exc


def _rows(path: Path, text: str, delimiter: str, limit: int | None = None):
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows, lines = [], []
    try:
        for row in reader:
            # blank lines and '#' comments carry no sample
            if not row or all(not c.strip() for c in row) or row[0].lstrip().startswith("#"):
                continue
            rows.append(row)
            lines.append(reader.line_num)
            if limit is not None and len(rows) == limit:
                break
    except csv.Error as exc:
        raise DatasetError(f"{path.name}, line {reader.line_num}: {exc}") from exc
    if not rows:
        raise DatasetError(f"{path.name}: the file has no data lines")
    return rows, lines


def _guess_delimiter(text: str) -> str:
    first = next((ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")), "")
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _has_header(rows) -> bool:
    """A header when a column has text on the first line and a number on the second (or, for
    a single line, any text at all)."""
    first = rows[0]
    if len(rows) == 1:
        return not all(_is_number(c) for c in first)
    second = rows[1]
    return any(not _is_number(a) and _is_number(b) for a, b in zip(first, second))


def _target_columns(path: Path, target, names: list[str]) -> list[int]:
    wanted = target if isinstance(target, (list, tuple)) else [target]
    if not wanted:
        raise DatasetError(f"{path.name}: target= names no column")
    out = []
    for t in wanted:
        if isinstance(t, str) and t in names:
            out.append(names.index(t))
        elif isinstance(t, int) or (isinstance(t, str) and t.lstrip("-").isdigit()):
            j = int(t)
            if not -len(names) <= j < len(names):
                raise DatasetError(f"{path.name}: target column {j} does not exist (the file "
                                   f"has {len(names)} columns)")
            out.append(j % len(names))
        else:
            raise DatasetError(f"{path.name}: no column named {t!r} (columns: "
                               f"{', '.join(names)})")
    if len(out) >= len(names):
        raise DatasetError(f"{path.name}: every column is a target; leave feature columns")
    return out


def _numbers(path: Path, cells: np.ndarray, names: list[str], lines: list[int],
             target: bool = False) -> np.ndarray:
    values = to_float(np.char.strip(cells))
    if values is not None:
        bad = np.argwhere(~np.isfinite(values))
        if len(bad):
            i, j = bad[0]
            raise DatasetError(f"{path.name}, line {lines[i]}, column {names[j]!r}: "
                               f"{cells[i, j].strip()!r} is not a finite number")
        return values.astype(np.float32)
    # find the first bad cell only on the failure path
    for i, row in enumerate(cells):
        for j, cell in enumerate(row):
            if not _is_number(cell):
                what = "an empty value" if not cell.strip() else f"{str(cell)!r} is not a number"
                hint = ("a regression target must be numeric; task='classification' reads "
                        "labels" if target else "feature columns must be numeric; a text "
                        "column can be the target=")
                raise DatasetError(f"{path.name}, line {lines[i]}, column {names[j]!r}: {what} "
                                   f"({hint})")
    raise DatasetError(f"{path.name}: the values cannot be read as numbers")
