"""Images in and out of the app: QImage ↔ numpy arrays through Qt's image reader.

Reading (``read_image``) accepts every format Qt's plugins decode — PNG (8 and
16 bit), JPEG, BMP, GIF, WebP, TIFF, ... — and returns floats in [0, 1]:

* ``(H, W)`` for a grayscale picture, ``(H, W, 3)`` for a colour one
  (an alpha channel is dropped);
* 16-bit PNGs keep their 65 536 levels.

The size is read from the file header *before* anything is decoded: a picture
with more than ``MAX_PIXELS`` pixels is decoded directly at a smaller size when
its format can do that (JPEG), decoded then shrunk when the full picture fits
in Qt's allocation limit (256 MB by default), and refused otherwise, so a 20 000 × 20 000
image never fills the memory. Every failure raises
:class:`~core.errors.DataError` with a message for the user, and nothing the
caller had loaded is touched.

Writing (``array_to_qimage``, ``save_array_png``) maps a 2-D array onto 8-bit
gray between its minimum and maximum (or the limits given).
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QMimeData, QSize
from PySide6.QtGui import QImage, QImageReader

from core.errors import DataError

#: pictures with more pixels than this are downscaled while decoding, or refused
#: (2048² pixels as float32 RGB take 48 MB)
MAX_PIXELS = 2048 * 2048

#: file-dialog filter for every format Qt reads
IMAGE_FILE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp *.tif *.tiff *.pgm *.ppm);;All files (*)"


@dataclass(frozen=True)
class LoadedImage:
    """A decoded picture: ``pixels`` in [0, 1], (H, W) or (H, W, 3), float32."""
    pixels: np.ndarray
    source: str            # file name, or "clipboard"
    original_size: tuple[int, int]   # (width, height) stored in the file
    note: str = ""         # e.g. why the picture was downscaled

    @property
    def description(self) -> str:
        h, w = self.pixels.shape[:2]
        kind = "colour" if self.pixels.ndim == 3 else "grayscale"
        text = f"{os.path.basename(self.source) or self.source}: {w} × {h} {kind}"
        return f"{text} ({self.note})" if self.note else text


def read_image(path: str, max_pixels: int = MAX_PIXELS) -> LoadedImage:
    """Decode the image file at ``path``, at most ``max_pixels`` pixels (a larger
    picture is shrunk, keeping its aspect ratio); raises DataError if it cannot be used."""
    name = os.path.basename(path) or path
    if os.path.isdir(path):
        raise DataError(f"{name} is a folder, not an image file. Choose one image file "
                        f"(use Data → Image folder for a whole folder).")
    if not os.path.isfile(path):
        raise DataError(f"The file {path} does not exist.")
    if os.path.getsize(path) == 0:
        raise DataError(f"{name} is empty (0 bytes).")
    reader = QImageReader(path)
    reader.setDecideFormatFromContent(True)
    if not reader.canRead():
        raise DataError(f"{name} is not an image Qt can read ({reader.errorString()}). "
                        f"Use PNG, JPEG, BMP, GIF, WebP or TIFF.")
    size = reader.size()
    note = ""
    if size.isValid() and size.width() * size.height() > max_pixels:
        # JPEG decodes straight to a smaller size; other formats decode in full
        # first, which must fit in Qt's allocation limit.
        native = bytes(reader.format().data()) in (b"jpeg", b"jpg")
        full_mb = size.width() * size.height() * 8 / 2**20     # up to 16-bit RGBA
        limit_mb = QImageReader.allocationLimit()
        if not native and full_mb > limit_mb:
            raise DataError(
                f"{name} is {size.width()} × {size.height()} pixels: decoding it would need about "
                f"{full_mb:,.0f} MB, more than the {limit_mb} MB allowed. Shrink it in an image editor "
                f"first, or save it as JPEG (which is read directly at a smaller size).")
        reader.setScaledSize(_fit_within(size, max_pixels))
        note = f"downscaled from {size.width()} × {size.height()} while reading"
    image = reader.read()
    if image.isNull():
        raise DataError(f"{name} could not be decoded: {reader.errorString()}. "
                        f"The file may be truncated or damaged.")
    original = (size.width(), size.height()) if size.isValid() else (image.width(), image.height())
    return LoadedImage(qimage_to_array(image), path, original, note)


def _fit_within(size: QSize, max_pixels: int) -> QSize:
    """``size`` shrunk, keeping its aspect ratio, to at most ``max_pixels`` pixels."""
    factor = (max_pixels / (size.width() * size.height())) ** 0.5
    return QSize(max(1, int(size.width() * factor)), max(1, int(size.height() * factor)))


def qimage_to_array(image: QImage) -> np.ndarray:
    """Pixels of ``image`` as float32 in [0, 1]: (H, W) if gray, else (H, W, 3)."""
    if image.isNull():
        raise DataError("The image is empty.")
    deep = image.depth() == 64 or image.format() == QImage.Format.Format_Grayscale16
    gray = image.isGrayscale()
    if gray:
        fmt, dtype, channels = ((QImage.Format.Format_Grayscale16, np.uint16, 1) if deep
                                else (QImage.Format.Format_Grayscale8, np.uint8, 1))
    else:
        fmt, dtype, channels = ((QImage.Format.Format_RGBX64, np.uint16, 4) if deep
                                else (QImage.Format.Format_RGB888, np.uint8, 3))
    converted = image.convertToFormat(fmt)
    h, w = converted.height(), converted.width()
    itemsize = np.dtype(dtype).itemsize
    rows = np.frombuffer(converted.constBits(), dtype=np.uint8).reshape(h, converted.bytesPerLine())
    pixels = rows[:, :w * channels * itemsize].copy().view(dtype).reshape(h, w, channels)
    scale = float(np.iinfo(dtype).max)
    pixels = pixels.astype(np.float32) / scale
    return pixels[:, :, 0] if channels == 1 else pixels[:, :, :3].copy()


def array_to_qimage(array, lo: float | None = None, hi: float | None = None) -> QImage:
    """A (H, W) array as an 8-bit gray QImage, ``lo`` black and ``hi`` white
    (default: the array's minimum and maximum; a constant array is mid-gray)."""
    a = np.asarray(array, dtype=np.float64)
    if a.ndim != 2 or a.size == 0:
        raise DataError(f"Only a non-empty 2-D array can be saved as a picture, got shape {a.shape}.")
    lo = float(np.nanmin(a)) if lo is None else lo
    hi = float(np.nanmax(a)) if hi is None else hi
    scaled = np.full(a.shape, 0.5) if hi <= lo else (a - lo) / (hi - lo)
    gray = np.ascontiguousarray(np.clip(np.nan_to_num(scaled), 0, 1) * 255 + 0.5, dtype=np.uint8)
    h, w = gray.shape
    return QImage(gray.data, w, h, w, QImage.Format.Format_Grayscale8).copy()


def save_array_png(array, path: str, scale: int = 1) -> None:
    """Save a (H, W) array as a gray PNG, each cell ``scale`` × ``scale`` pixels."""
    image = array_to_qimage(array)
    if scale > 1:
        image = image.scaled(image.width() * scale, image.height() * scale)
    if not image.save(path, "PNG"):
        raise DataError(f"Could not write {path}: check the folder exists and is writable.")


def image_paths(mime: QMimeData) -> list[str]:
    """Local file paths carried by a drag or a paste (possibly empty)."""
    if not mime.hasUrls():
        return []
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]


def image_from_mime(mime: QMimeData) -> LoadedImage | None:
    """The picture itself carried by a paste (a screenshot, a copied image), or None."""
    if not mime.hasImage():
        return None
    image = QImage(mime.imageData())
    if image.isNull():
        return None
    if image.width() * image.height() > MAX_PIXELS:
        image = image.scaled(_fit_within(image.size(), MAX_PIXELS))
    return LoadedImage(qimage_to_array(image), "clipboard", (image.width(), image.height()))


#: file-dialog filter for exporting a kernel or a map
EXPORT_FILE_FILTER = "PNG image (*.png);;CSV table (*.csv);;NumPy array (*.npy)"


def export_array(array, path: str) -> str:
    """Save a kernel or map (H, W) by the file's extension: ``.png`` (gray,
    minimum black, maximum white, each cell at least 8 pixels wide), ``.csv``
    (the numbers, one row per line) or ``.npy`` (the exact array). Returns the path
    written (``.png`` is added when the name has no known extension)."""
    a = np.asarray(array, dtype=np.float64)
    ext = os.path.splitext(path)[1].lower()
    if ext not in (".png", ".csv", ".npy"):
        path, ext = path + ".png", ".png"
    try:
        if ext == ".png":
            save_array_png(a, path, scale=max(1, 8 if max(a.shape) < 64 else 1))
        elif ext == ".csv":
            np.savetxt(path, np.atleast_2d(a), delimiter=",", fmt="%.10g")
        else:
            np.save(path, a)
    except OSError as e:
        raise DataError(f"Could not write {path}: {e.strerror or e}.") from None
    return path
