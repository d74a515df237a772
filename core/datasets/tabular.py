"""Tabular data from a CSV file: one header row, numeric feature columns and a target column.

    sepal_length,sepal_width,petal_length,petal_width,species
    5.1,3.5,1.4,0.2,setosa
    ...
    data = load_csv("iris.csv", target="species")
    data.x            # (150, 4) float64
    data.y            # (150,) int64: index into data.class_names
    data.class_names  # ['setosa', 'versicolor', 'virginica']

Nothing is skipped silently: a row with the wrong number of fields, an empty
field or a value that is not a number stops the loading with a DataError
listing the first bad lines by their line number in the file (the header is
line 1). Only completely blank lines are passed over.
"""
from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..errors import DataError

#: How many bad lines a DataError lists.
SHOW_BAD_LINES = 5


class TabularData(NamedTuple):
    """What :func:`load_csv` returns.

    * ``x`` — float64 (n, features): every column but the target, in file order
    * ``y`` — classes: int64 (n,), the index of each row's class in ``class_names``;
      numbers: float64 (n, 1), one target per row as a Dense(1) output expects
    * ``feature_names`` — the header names of the columns of ``x``
    * ``target_name`` — the header name of the target column
    * ``class_names`` — the sorted distinct target values (as text) for classes, else None
    """
    x: np.ndarray
    y: np.ndarray
    feature_names: list[str]
    target_name: str
    class_names: list[str] | None


def _number(text: str) -> float:
    """``text`` as a finite float; raises ValueError with the reason otherwise."""
    if not text.strip():
        raise ValueError("empty field")
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text.strip()!r} is not a finite number")
    return value


def _target_index(header: list[str], target, path: Path) -> int:
    if isinstance(target, (int, np.integer)) and not isinstance(target, bool):
        if not -len(header) <= target < len(header):
            raise DataError(f"{path.name} has {len(header)} columns (0 … {len(header) - 1}); "
                            f"there is no column {target}.")
        return int(target) % len(header)
    names = [h.strip() for h in header]
    if str(target).strip() not in names:
        raise DataError(f"{path.name} has no column {target!r}; its columns are {', '.join(names)}.")
    return names.index(str(target).strip())


def load_csv(path, target=-1, classes: bool | None = None, delimiter: str | None = None) -> TabularData:
    """Load a CSV file with a header row into features and targets.

    ``target``: the target column, by header name or by index (negative counts
    from the end; the default -1 is the last column). ``classes``: True treats
    the target as class labels (its distinct values, sorted, become 0, 1, …),
    False as numbers to regress; None (default) decides by the values: classes
    when any is not a number, numbers otherwise. ``delimiter``: ``","``,
    ``";"``, tab, …; None guesses it from the header line.

    Returns :class:`TabularData` ``(x, y, feature_names, target_name, class_names)``.
    Raises DataError for a missing or empty file, an unknown target column, a
    file without feature columns, and for bad rows: wrong field count, empty
    or non-numeric fields (the first few are listed by line number).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError(f"There is no file {path}.") from None
    except UnicodeDecodeError as e:
        raise DataError(f"{path.name} is not a UTF-8 text file ({e.reason} at byte {e.start}); "
                        f"is it really a CSV file?") from None
    except OSError as e:
        raise DataError(f"{path.name} cannot be read: {e}.") from None
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise DataError(f"{path.name} is empty or its first line is blank; it needs a header row "
                        f"naming the columns.")
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(lines[0], delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","          # a single column has no delimiter to find
    reader = csv.reader(lines, delimiter=delimiter)
    header = next(reader)
    t = _target_index(header, target, path)
    if len(header) < 2:
        raise DataError(f"{path.name} has a single column; it needs at least one feature column "
                        f"besides the target (is the delimiter {delimiter!r} right?).")
    rows, targets, bad = [], [], []
    for fields in reader:
        line = reader.line_num
        if not any(f.strip() for f in fields):
            continue                                  # a blank line
        if len(fields) != len(header):
            bad.append(f"line {line}: {len(fields)} fields instead of {len(header)}")
            continue
        try:
            rows.append([_number(f) for i, f in enumerate(fields) if i != t])
        except ValueError as e:
            column = next(header[i] for i, f in enumerate(fields) if i != t and not _is_number(f))
            bad.append(f"line {line}: column {column!r}: {_reason(e)}")
            continue
        if not fields[t].strip():
            bad.append(f"line {line}: the target {header[t]!r} is empty")
            continue
        targets.append(fields[t].strip())
    if bad:
        more = f" (and {len(bad) - SHOW_BAD_LINES} more)" if len(bad) > SHOW_BAD_LINES else ""
        raise DataError(f"{path.name} has {len(bad)} bad row{'s' if len(bad) > 1 else ''}{more}:\n  "
                        + "\n  ".join(bad[:SHOW_BAD_LINES])
                        + "\nFix or delete these lines; features must be numbers.")
    if not rows:
        raise DataError(f"{path.name} has a header but no data rows.")
    x = np.array(rows, dtype=np.float64)
    y, class_names = _targets(targets, classes, header[t], path)
    return TabularData(x, y, [h.strip() for i, h in enumerate(header) if i != t], header[t].strip(),
                       class_names)


def _is_number(text: str) -> bool:
    try:
        _number(text)
    except ValueError:
        return False
    return True


def _reason(e: ValueError) -> str:
    message = str(e)
    if message.startswith("could not convert string to float: "):
        return f"{message.split(': ', 1)[1]} is not a number"
    return message


def _targets(values: list[str], classes: bool | None, name: str, path: Path):
    """Targets as (y, class_names): class indices, or numbers of shape (n, 1)."""
    numeric = all(_is_number(v) for v in values)
    if classes is None:
        classes = not numeric
    if not classes:
        if not numeric:
            first = next(v for v in values if not _is_number(v))
            raise DataError(f"The target column {name!r} of {path.name} holds {first!r}, which is not a "
                            f"number; load it with classes=True to treat its values as class names.")
        return np.array(values, dtype=np.float64)[:, None], None
    names = sorted(set(values), key=lambda v: (float(v), v) if numeric else (0.0, v))
    index = {v: i for i, v in enumerate(names)}
    return np.array([index[v] for v in values], dtype=np.int64), names
