"""Project files: a network, its weights, the optimizer and its state, and
anything else the app wants to keep (dataset choice, breakpoints, curves), in
one file that is safe to share.

    save_project("xor.llproj", net, opt, dataset={"name": "xor", "seed": 0})
    project = load_project("xor.llproj")
    project.network, project.optimizer, project.extra["dataset"]

Format (schema version 1; described in full in docs/project-format.md): a zip
archive holding

* ``project.json`` — ``{"format": "layerlab-project", "schema_version": 1,
  "network": net.spec(), "weights": [...], "optimizer": opt.spec() | null,
  "optimizer_state": ..., "extra": {...}}``
* ``arrays.npz`` — every array, referenced from the JSON as ``{"$array": "a7"}``.

Inside the JSON a tuple is written ``{"$tuple": [...]}`` and a dict whose keys
are not all plain strings ``{"$items": [[key, value], ...]}`` (the optimizer
keys its state by ``(layer_index, parameter_name)``).

Safety: loading never executes code from the file — JSON and ``.npz`` read with
``allow_pickle=False`` only, and layers and optimizers are rebuilt by name from
the engine's own registries. Saving is atomic: the archive is written to a
temporary file next to the target, then renamed over it, so a crash while saving
leaves the previous file as it was. A damaged, truncated or foreign file raises
:class:`~core.errors.DataError`; a file from a newer LayerLab says so.
"""
from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import DataError, LayerLabError
from .network import Network

FORMAT_NAME = "layerlab-project"
#: the schema this version writes; older files are migrated on load
SCHEMA_VERSION = 1
#: ``MIGRATIONS[v]`` turns a version-``v`` ``project.json`` dict into version ``v + 1``
MIGRATIONS: dict[int, Callable[[dict], dict]] = {}

_JSON_NAME = "project.json"
_ARRAYS_NAME = "arrays.npz"


@dataclass
class Project:
    """What :func:`load_project` returns."""
    network: Network
    optimizer: object | None = None
    #: the keyword arguments given to :func:`save_project`, arrays included
    extra: dict = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION


# --- saving ------------------------------------------------------------------
def save_project(path, net: Network, optimizer=None, **extra) -> Path:
    """Write ``net`` (architecture and weights), ``optimizer`` (settings and
    state) and ``extra`` (JSON-like values: numbers, strings, lists, dicts,
    numpy arrays) to ``path``, atomically. Returns the path written.

    Raises :class:`~core.errors.DataError` if a value in ``extra`` cannot be
    stored (e.g. an arbitrary object) or the file cannot be written."""
    path = Path(path)
    arrays: dict[str, np.ndarray] = {}
    doc = {
        "format": FORMAT_NAME,
        "schema_version": SCHEMA_VERSION,
        "network": net.spec(),
        "weights": _encode(net.get_weights(), arrays, "weights"),
        "optimizer": None if optimizer is None else optimizer.spec(),
        "optimizer_state": None if optimizer is None else _encode(optimizer.get_state(), arrays, "optimizer_state"),
        "extra": _encode(extra, arrays, "extra"),
    }
    text = json.dumps(doc, indent=1)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    _write_atomically(path, [(_JSON_NAME, text.encode("utf-8")), (_ARRAYS_NAME, buffer.getvalue())])
    return path


def _write_atomically(path: Path, members: list[tuple[str, bytes]]) -> None:
    """Write a zip of ``members`` to a temporary file beside ``path``, then rename it over ``path``."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise DataError(f"Cannot save to {path}: the folder {folder} does not exist.")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                for name, data in members:
                    zf.writestr(name, data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except OSError:
            pass
        raise


def _encode(value, arrays: dict, where: str):
    """``value`` as JSON-able data; arrays move to ``arrays`` and are replaced by references."""
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            raise DataError(f"{where}: arrays of Python objects cannot be saved (only numbers, text, booleans).")
        key = f"a{len(arrays)}"
        arrays[key] = value
        return {"$array": key}
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, tuple):
        return {"$tuple": [_encode(v, arrays, where) for v in value]}
    if isinstance(value, list):
        return [_encode(v, arrays, where) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in value):
            return {k: _encode(v, arrays, f"{where}.{k}") for k, v in value.items()}
        return {"$items": [[_encode(k, arrays, where), _encode(v, arrays, f"{where}[{k!r}]")]
                           for k, v in value.items()]}
    raise DataError(f"{where}: a {type(value).__name__} cannot be saved in a project file; "
                    f"use numbers, text, lists, dicts or numpy arrays.")


# --- loading -----------------------------------------------------------------
def load_project(path) -> Project:
    """Read a project written by :func:`save_project`.

    Returns a :class:`Project` with fresh objects (``network``, ``optimizer``
    with its state, ``extra``); nothing already open is touched, so a failed
    load leaves the caller's project as it was. Raises
    :class:`~core.errors.DataError` for a missing, damaged, truncated or
    foreign file, or one written by a newer LayerLab."""
    path = Path(path)
    doc, arrays = _read_archive(path)
    doc = _migrate(doc, path)
    try:
        return _build(doc, arrays)
    except LayerLabError as e:
        raise DataError(f"{path.name} describes a project this LayerLab cannot rebuild: {e}") from None
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as e:
        raise DataError(f"{path.name} is damaged: its contents are inconsistent ({type(e).__name__}: {e}).") from None


def _read_archive(path: Path) -> tuple[dict, dict]:
    if not path.is_file():
        raise DataError(f"There is no project file at {path}.")
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if _JSON_NAME not in names or _ARRAYS_NAME not in names:
                raise DataError(f"{path.name} is a zip archive but not a LayerLab project "
                                f"(it has no {_JSON_NAME} and {_ARRAYS_NAME}).")
            text = zf.read(_JSON_NAME)
            npz = zf.read(_ARRAYS_NAME)
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as e:
        raise DataError(f"{path.name} is not a readable LayerLab project: the file is damaged or "
                        f"truncated, or not a project at all ({e}).") from None
    try:
        doc = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DataError(f"{path.name} is damaged: {_JSON_NAME} is not valid JSON ({e}).") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT_NAME:
        raise DataError(f"{path.name} is not a LayerLab project file.")
    try:
        with np.load(io.BytesIO(npz), allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (ValueError, OSError, zipfile.BadZipFile, EOFError, zlib.error) as e:
        raise DataError(f"{path.name} is damaged: its arrays cannot be read ({e}).") from None
    return doc, arrays


def _migrate(doc: dict, path: Path) -> dict:
    """Bring an older ``project.json`` up to :data:`SCHEMA_VERSION`, one version at a time."""
    version = doc.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise DataError(f"{path.name} is damaged: its schema_version is {version!r}.")
    if version > SCHEMA_VERSION:
        raise DataError(f"{path.name} was saved by a newer LayerLab (project schema {version}; this "
                        f"version reads up to {SCHEMA_VERSION}). Update LayerLab to open it.")
    while version < SCHEMA_VERSION:
        doc = MIGRATIONS[version](doc)
        version += 1
        doc["schema_version"] = version
    return doc


def _build(doc: dict, arrays: dict) -> Project:
    net = Network.from_spec(doc["network"])
    net.set_weights(_decode(doc["weights"], arrays))
    optimizer = None
    if doc.get("optimizer") is not None:
        from .optimizers import optimizer_from_spec
        optimizer = optimizer_from_spec(doc["optimizer"])
        optimizer.set_state(_decode(doc["optimizer_state"], arrays))
    extra = _decode(doc.get("extra", {}), arrays)
    return Project(network=net, optimizer=optimizer, extra=extra, schema_version=doc["schema_version"])


def _decode(value, arrays: dict):
    """Inverse of :func:`_encode`."""
    if isinstance(value, list):
        return [_decode(v, arrays) for v in value]
    if isinstance(value, dict):
        if set(value) == {"$array"}:
            key = value["$array"]
            if key not in arrays:
                raise DataError(f"The project refers to an array {key!r} that is missing from {_ARRAYS_NAME}.")
            return arrays[key]
        if set(value) == {"$tuple"}:
            return tuple(_decode(v, arrays) for v in value["$tuple"])
        if set(value) == {"$items"}:
            return {_decode(k, arrays): _decode(v, arrays) for k, v in value["$items"]}
        return {k: _decode(v, arrays) for k, v in value.items()}
    return value
