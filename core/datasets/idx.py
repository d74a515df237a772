"""IDX files, the format of MNIST and Fashion-MNIST, raw or gzip-compressed.

An IDX file is a header followed by the values, big-endian:

    bytes 0-1   0x00 0x00
    byte  2     element type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
                0x0D float32, 0x0E float64
    byte  3     number of dimensions d
    then        d sizes, each a 4-byte unsigned integer
    then        the values, row-major

The first four bytes read as one number are the "magic number": 0x00000803
for a stack of images (uint8, 3 dimensions: n × rows × columns) and
0x00000801 for labels (uint8, 1 dimension: n).
"""
from __future__ import annotations

import gzip
import math
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..errors import DataError

#: element type byte → big-endian numpy dtype
IDX_TYPES = {0x08: np.dtype("u1"), 0x09: np.dtype("i1"), 0x0B: np.dtype(">i2"),
             0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801
#: Refuse files whose header announces more data than this (a corrupt or hostile header).
MAX_BYTES = 2 ** 30


def _open(path: Path):
    """Open ``path`` for reading, unpacking gzip when the file starts with gzip's 0x1f 0x8b."""
    with open(path, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gzipped else open(path, "rb")


def _read_exactly(f, count: int, path: Path, what: str) -> bytes:
    data = f.read(count)
    if len(data) < count:
        raise DataError(f"{path.name} is truncated: its {what} needs {count:,} bytes but only "
                        f"{len(data):,} are left. Download the file again.")
    return data


def read_idx(path) -> tuple[np.ndarray, int]:
    """Read an IDX file: returns ``(array, magic)``; ``array`` has the file's
    shape and a native-endian dtype, ``magic`` is the header's first 4 bytes
    as a number (0x00000803 for images, 0x00000801 for labels)."""
    path = Path(path)
    try:
        with _open(path) as f:
            header = _read_exactly(f, 4, path, "header")
            magic = int.from_bytes(header, "big")
            if header[:2] != b"\x00\x00" or header[2] not in IDX_TYPES or header[3] == 0:
                raise DataError(f"{path.name} is not an IDX file: it starts with 0x{magic:08X}, but IDX "
                                f"files start with 0x0000, a type byte (0x08 for bytes) and the number of "
                                f"dimensions (MNIST images: 0x00000803, labels: 0x00000801).")
            dtype, ndim = IDX_TYPES[header[2]], header[3]
            shape = tuple(int(d) for d in np.frombuffer(_read_exactly(f, 4 * ndim, path, "sizes"), ">u4"))
            size = math.prod(shape) * dtype.itemsize
            if size > MAX_BYTES:
                raise DataError(f"{path.name} announces an array of shape {shape} ({size:,} bytes), "
                                f"more than the {MAX_BYTES:,} bytes allowed; the header is probably corrupt.")
            data = _read_exactly(f, size, path, f"data of shape {shape}")
            if f.read(1):
                raise DataError(f"{path.name} has more bytes than its header announces (shape {shape}); "
                                f"it is not a valid IDX file.")
    except FileNotFoundError:
        raise DataError(f"There is no file {path}.") from None
    except (OSError, EOFError) as e:        # unreadable, or a damaged / truncated gzip stream
        raise DataError(f"{path.name} cannot be read: {e}. Download the file again.") from None
    return np.frombuffer(data, dtype).astype(dtype.newbyteorder("=")).reshape(shape), magic


def load_idx(path) -> np.ndarray:
    """The array stored in an IDX file (raw or .gz), e.g. MNIST images (n, 28, 28)
    uint8 or labels (n,) uint8. Raises DataError for a missing, truncated or
    non-IDX file."""
    return read_idx(path)[0]


def save_idx(path, array) -> None:
    """Write ``array`` as an IDX file; gzip-compressed when ``path`` ends in ``.gz``.

    The dtype must be one IDX holds: uint8, int8, int16, int32, float32, float64."""
    array = np.asarray(array)
    codes = {dt.newbyteorder("="): code for code, dt in IDX_TYPES.items()}
    if array.dtype.newbyteorder("=") not in codes or array.ndim == 0:
        raise DataError(f"IDX stores arrays of uint8, int8, int16, int32, float32 or float64 with at least "
                        f"one dimension; got {array.dtype} of shape {array.shape}.")
    code = codes[array.dtype.newbyteorder("=")]
    header = bytes([0, 0, code, array.ndim]) + np.array(array.shape, ">u4").tobytes()
    body = array.astype(IDX_TYPES[code]).tobytes()
    path = Path(path)
    with (gzip.open(path, "wb") if path.suffix == ".gz" else open(path, "wb")) as f:
        f.write(header + body)


class MnistData(NamedTuple):
    """The four arrays of an MNIST-style folder.

    ``x_train`` (n, 1, H, W) and ``x_test`` (m, 1, H, W): float32 in [0, 1]
    (float32 keeps the 60,000 MNIST images at 188 MB; the network converts
    each batch to its own dtype); ``y_train`` (n,) and ``y_test`` (m,): int64."""
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


#: The four files of MNIST and Fashion-MNIST, by their official names.
MNIST_FILES = {"x_train": "train-images-idx3-ubyte", "y_train": "train-labels-idx1-ubyte",
               "x_test": "t10k-images-idx3-ubyte", "y_test": "t10k-labels-idx1-ubyte"}


def _find(folder: Path, name: str) -> Path | None:
    """The file for ``name`` in ``folder``: the name itself, with .gz, or with the
    ``train-images.idx3-ubyte`` spelling some mirrors use."""
    dotted = name.replace("-idx", ".idx")
    for candidate in (name, name + ".gz", dotted, dotted + ".gz"):
        if (folder / candidate).is_file():
            return folder / candidate
    return None


def load_mnist_folder(path) -> MnistData:
    """Load a folder holding the four MNIST (or Fashion-MNIST) files, raw or .gz:
    train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
    t10k-labels-idx1-ubyte.

    Returns :class:`MnistData` ``(x_train, y_train, x_test, y_test)``: images
    (n, 1, 28, 28) float32 in [0, 1], labels (n,) int64. Raises DataError
    naming a missing file, a file of the wrong kind (images where labels are
    expected, ...) or image and label counts that differ."""
    folder = Path(path)
    if not folder.is_dir():
        raise DataError(f"{folder} is not a folder.")
    found = {key: _find(folder, name) for key, name in MNIST_FILES.items()}
    missing = [MNIST_FILES[key] for key, p in found.items() if p is None]
    if missing:
        raise DataError(f"{folder} lacks {', '.join(missing)} (raw or .gz). An MNIST folder holds "
                        f"the four files {', '.join(MNIST_FILES.values())}.")
    arrays = {}
    for key, file in found.items():
        array, magic = read_idx(file)
        wanted = IMAGES_MAGIC if key.startswith("x") else LABELS_MAGIC
        if magic != wanted:
            kind = "images (n × rows × columns bytes)" if key.startswith("x") else "labels (n bytes)"
            raise DataError(f"{file.name} should hold {kind}, magic number 0x{wanted:08X}, "
                            f"but its magic number is 0x{magic:08X} (shape {array.shape}).")
        arrays[key] = array
    for part in ("train", "test"):
        n_x, n_y = len(arrays[f"x_{part}"]), len(arrays[f"y_{part}"])
        if n_x != n_y:
            raise DataError(f"The {part} set has {n_x:,} images but {n_y:,} labels; "
                            f"the files do not belong together.")
    return MnistData(x_train=_unit(arrays["x_train"]), y_train=arrays["y_train"].astype(np.int64),
                     x_test=_unit(arrays["x_test"]), y_test=arrays["y_test"].astype(np.int64))


def _unit(images: np.ndarray) -> np.ndarray:
    """uint8 images (n, H, W) → float32 (n, 1, H, W) in [0, 1]."""
    return images[:, None].astype(np.float32) / np.float32(255)
