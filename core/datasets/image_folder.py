"""A folder of image files with one subfolder per class, decoded with Pillow.

    photos/
        cat/   a.jpg  b.png  more/c.webp
        dog/   d.bmp  e.gif
    x, y, class_names = load_image_folder("photos", input_shape=(3, 32, 32))
    # class_names == ["cat", "dog"]; y == [0, 0, 0, 1, 1]

Every file is decoded (PNG 8 and 16 bit, JPEG, BMP, GIF, WebP, TIFF, ...) and
fitted to the network's input with :func:`core.images.fit_to_input`. A file
that cannot be read stops the loading with a DataError naming it: nothing is
skipped silently. Before decoding, the pixel count is read from the file's
header, and images larger than ``max_pixels`` are refused, so a small file
that unpacks to a gigantic image (a "decompression bomb") never fills the memory.
"""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import DataError, LayerLabError
from ..images import fit_to_input, input_image_shape, normalize

#: Images with more pixels than this are refused before decoding.
MAX_PIXELS = 50_000_000

#: Refuse folders whose fitted images would take more memory than this (float64).
MAX_DATA_BYTES = 2 * 1024 ** 3

#: Files the operating system leaves in folders; never taken for images.
IGNORED_FILES = {"Thumbs.db", "desktop.ini"}


class ImageFolderData(NamedTuple):
    """What :func:`load_image_folder` returns.

    * ``x`` — float64 of shape (n, *input_shape), values in ``value_range``
    * ``y`` — int64 of shape (n,): the index of each sample's class in ``class_names``
    * ``class_names`` — the subfolder names, sorted; ``class_names[k]`` is class k
    """
    x: np.ndarray
    y: np.ndarray
    class_names: list[str]


def _pil_to_array(img: Image.Image) -> np.ndarray:
    """A decoded Pillow image as an array :func:`fit_to_input` takes.

    Modes "L", "LA", "RGB", "RGBA" → uint8 (H, W[, C]); 16-bit gray → uint16
    (H, W); 32-bit integer gray → uint16 when its values fit, else rescaled
    from its own min … max; float gray → as is when inside [0, 1], else
    rescaled from its own min … max."""
    if img.mode == "I":
        a = np.asarray(img)
        if a.min() >= 0 and a.max() <= 65535:
            return a.astype(np.uint16)
        return normalize(a)
    if img.mode == "F":
        a = np.asarray(img, dtype=np.float64)
        if not np.isfinite(a).all():
            raise DataError("the image holds NaN or infinite values")
        return a if a.min() >= 0 and a.max() <= 1 else normalize(a)
    return np.asarray(img)


def _common_mode(img: Image.Image) -> str:
    """The mode to convert to before reducing: one of L, LA, RGB, RGBA, I, F."""
    if img.mode in ("L", "LA", "RGB", "RGBA", "I", "F"):
        return img.mode
    if img.mode.startswith("I;16") or img.mode == "I":
        return "I"
    if img.mode == "1":
        return "L"
    if img.mode in ("P", "PA"):
        return "RGBA" if img.mode == "PA" or "transparency" in img.info else "RGB"
    return "RGB"                   # CMYK, YCbCr, LAB, HSV, RGBX, ...


def read_image(path, max_pixels: int = MAX_PIXELS, min_size=None) -> np.ndarray:
    """Decode one image file (the first frame of an animation or multi-page TIFF).

    Returns (H, W) or (H, W, C) with C = 2, 3 or 4: uint8 for ordinary images,
    uint16 for 16-bit gray, float64 in [0, 1] for float images (see
    :func:`_pil_to_array`). EXIF orientation (photos taken sideways) is applied.

    ``min_size = (h, w)``: the size the image will be fitted to; a much larger
    image is shrunk by an integer factor while decoding (box average, down to
    no less than twice ``min_size``) to save memory and time.

    Raises DataError naming the file if it is missing, is not an image, is
    damaged or has more than ``max_pixels`` pixels (checked from the header,
    before decoding)."""
    path = Path(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(path)              # lazy: reads the header only
    except FileNotFoundError:
        raise DataError(f"There is no file {path}.") from None
    except UnidentifiedImageError:
        raise DataError(f"{path} is not an image file Pillow can read "
                        f"(PNG, JPEG, BMP, GIF, WebP, TIFF, ...).") from None
    except Image.DecompressionBombError:
        raise DataError(f"{path} is too large to open safely (more than {max_pixels:,} pixels).") from None
    except OSError as e:
        raise DataError(f"{path} cannot be read: {e}.") from None
    with img:
        width, height = img.size
        if width * height > max_pixels:
            raise DataError(f"{path} is {width}×{height} = {width * height:,} pixels, more than the "
                            f"{max_pixels:,} allowed; shrink it first.")
        if width == 0 or height == 0:
            raise DataError(f"{path} is an empty image ({width}×{height}).")
        try:
            if min_size is not None:
                img.draft(img.mode, (2 * min_size[1], 2 * min_size[0]))    # JPEG: decode at 1/2…1/8 scale
            img = ImageOps.exif_transpose(img)
            img = img.convert(_common_mode(img))
            if min_size is not None:
                factor = min(img.size[0] // (2 * min_size[1]), img.size[1] // (2 * min_size[0]))
                if factor >= 2:
                    img = img.reduce(factor)
            return _pil_to_array(img)
        except DataError as e:
            raise DataError(f"{path}: {e}.") from None
        except (OSError, ValueError, SyntaxError) as e:     # truncated or corrupt data
            raise DataError(f"{path} is damaged and cannot be decoded: {e}.") from None


def _is_hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def load_image_folder(path, input_shape, mode: str = "pad", value_range=(0.0, 1.0),
                      max_pixels: int = MAX_PIXELS,
                      progress: Callable[[int, int], None] | None = None) -> ImageFolderData:
    """Load a folder with one subfolder per class.

    ``path``: the folder; each subfolder is a class, named by the folder name,
    numbered in sorted name order. Every file inside a class folder (at any
    depth) must be an image; hidden files and folders (name starting with
    ".") and ``Thumbs.db`` / ``desktop.ini`` are ignored, as are files lying
    directly in ``path``. ``input_shape``: the network's input, ``(C, H, W)``
    with C = 1 or 3, or a flat square ``(k·k,)``. ``mode`` and ``value_range``
    are passed to :func:`core.images.fit_to_input`. ``progress(done, total)``
    is called after each file, if given.

    Returns :class:`ImageFolderData` ``(x, y, class_names)``: x float64 (n,
    *input_shape), y int64 (n,), class_names a sorted list of str. Samples are
    ordered by class, then by file path.

    Raises DataError for a missing folder, no class subfolders, an empty class,
    more data than ``MAX_DATA_BYTES`` would hold (checked before decoding), or
    any file that cannot be read (named in the message); ShapeError when
    ``input_shape`` is not an image shape; ConfigError for a bad ``mode`` or ``value_range``.
    """
    folder = Path(path)
    fit_to_input(np.zeros((1, 1)), input_shape, mode, value_range)   # bad settings fail before any file is read
    if not folder.is_dir():
        raise DataError(f"{folder} is not a folder.")
    classes = sorted((d for d in folder.iterdir() if d.is_dir() and not d.name.startswith(".")),
                     key=lambda d: d.name)
    if not classes:
        raise DataError(f"{folder} has no subfolders. Put the images of each class in a subfolder "
                        f"named after the class, e.g. {folder / 'cat'} and {folder / 'dog'}.")
    files = []
    for label, class_dir in enumerate(classes):
        found = sorted(p for p in class_dir.rglob("*")
                       if p.is_file() and not _is_hidden(p, class_dir) and p.name not in IGNORED_FILES)
        if not found:
            raise DataError(f"The class folder {class_dir.name!r} in {folder} holds no files; "
                            f"every class needs at least one image.")
        files += [(p, label) for p in found]
    _, height, width = input_image_shape(input_shape)
    sample_size = int(np.prod(input_shape))
    if len(files) * sample_size * 8 > MAX_DATA_BYTES:
        raise DataError(f"{folder} holds {len(files):,} files; fitted to {tuple(input_shape)} they would take "
                        f"{len(files) * sample_size * 8 / 1024 ** 3:.1f} GiB, more than the "
                        f"{MAX_DATA_BYTES / 1024 ** 3:.0f} GiB allowed. Use a smaller input or fewer images.")
    x = np.empty((len(files), *np.atleast_1d(input_shape).astype(int)))
    for i, (file, _) in enumerate(files):
        image = read_image(file, max_pixels, min_size=(height, width))
        try:
            x[i] = fit_to_input(image, input_shape, mode, value_range)
        except LayerLabError as e:
            raise DataError(f"{file}: {e}") from None
        if progress is not None:
            progress(i + 1, len(files))
    return ImageFolderData(x, np.array([label for _, label in files], dtype=np.int64),
                           [d.name for d in classes])
