"""Loading pictures: desktop_app.image_io (Qt's reader, size checks before decoding) and drops onto the inspector."""
import struct
import zlib

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QUrl
from PySide6.QtGui import QImage

from core.errors import DataError
from desktop_app.image_io import MAX_PIXELS, array_to_qimage, image_from_mime, image_paths, read_image


@pytest.fixture(autouse=True)
def _app(qapp):
    return qapp


def _gray8(a):
    a = np.ascontiguousarray(a, dtype=np.uint8)
    return QImage(a.data, a.shape[1], a.shape[0], a.shape[1], QImage.Format.Format_Grayscale8).copy()


def _png(chunks):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunk(k, b) for k, b in chunks)


def test_8_bit_gray_png_reads_as_h_w_floats(tmp_path):
    a = (np.arange(10 * 12).reshape(10, 12) * 2) % 256
    _gray8(a).save(str(tmp_path / "g.png"))
    loaded = read_image(str(tmp_path / "g.png"))
    assert loaded.pixels.shape == (10, 12) and loaded.pixels.dtype == np.float32
    np.testing.assert_allclose(loaded.pixels * 255, a, atol=1e-3)
    assert loaded.original_size == (12, 10)


def test_16_bit_png_keeps_all_levels(tmp_path):
    a = np.ascontiguousarray((np.arange(7 * 30).reshape(7, 30) * 301) % 65536, dtype=np.uint16)
    QImage(a.data, 30, 7, 60, QImage.Format.Format_Grayscale16).copy().save(str(tmp_path / "g16.png"))
    pixels = read_image(str(tmp_path / "g16.png")).pixels
    np.testing.assert_allclose(pixels * 65535, a, atol=0.02)
    assert len(np.unique(pixels)) > 200      # more levels than 8 bits could hold


@pytest.mark.parametrize("ext", ["jpg", "bmp", "webp", "tif", "png"])
def test_colour_formats_read_as_h_w_3(tmp_path, ext):
    image = QImage(33, 21, QImage.Format.Format_RGB32)
    image.fill(0xFF3366)
    assert image.save(str(tmp_path / f"c.{ext}"))
    pixels = read_image(str(tmp_path / f"c.{ext}")).pixels
    assert pixels.shape == (21, 33, 3)
    np.testing.assert_allclose(pixels[10, 10], [1.0, 0.2, 0.4], atol=0.02)


def test_gif_is_read(tmp_path):
    from PIL import Image   # Qt reads GIF but cannot write it
    Image.fromarray(np.full((5, 6), 200, np.uint8)).save(tmp_path / "a.gif")
    np.testing.assert_allclose(read_image(str(tmp_path / "a.gif")).pixels, 200 / 255, atol=1e-6)


def test_unusable_files_raise_data_error_with_a_reason(tmp_path):
    (tmp_path / "notes.txt").write_text("hello, not a picture")
    (tmp_path / "empty.png").write_bytes(b"")
    good = tmp_path / "good.png"
    _gray8(np.zeros((40, 40))).save(str(good))
    (tmp_path / "cut.png").write_bytes(good.read_bytes()[:60])
    for name, reason in (("notes.txt", "not an image"), ("empty.png", "empty"),
                         ("cut.png", "truncated"), ("missing.png", "does not exist"), ("", "folder")):
        with pytest.raises(DataError, match=reason):
            read_image(str(tmp_path / name))


def test_a_20000_square_png_is_refused_from_its_header_alone(tmp_path):
    # a header claiming 20000 × 20000 and one row of data: decoding would need 400 MB
    header_only = _png([(b"IHDR", struct.pack(">IIBBBBB", 20000, 20000, 8, 0, 0, 0, 0)),
                        (b"IDAT", zlib.compress(bytes(20001))), (b"IEND", b"")])
    (tmp_path / "huge.png").write_bytes(header_only)
    with pytest.raises(DataError, match="20000 × 20000 pixels, too large"):
        read_image(str(tmp_path / "huge.png"))


def test_a_large_jpeg_is_downscaled_while_decoding(tmp_path):
    small = QImage(16, 16, QImage.Format.Format_RGB32)
    small.fill(0x808080)
    small.save(str(tmp_path / "s.jpg"))
    data = bytearray((tmp_path / "s.jpg").read_bytes())
    sof = data.find(b"\xff\xc0")                       # start-of-frame: height, width at +5
    data[sof + 5:sof + 9] = struct.pack(">HH", 6000, 6000)
    (tmp_path / "big.jpg").write_bytes(bytes(data))
    loaded = read_image(str(tmp_path / "big.jpg"))
    h, w = loaded.pixels.shape[:2]
    assert h * w <= MAX_PIXELS and h == w
    assert loaded.original_size == (6000, 6000) and "downscaled from 6000 × 6000" in loaded.note


def test_mime_with_file_urls_and_with_a_picture(tmp_path):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "a.png")), QUrl("https://example.com/b.png")])
    assert image_paths(mime) == [str(tmp_path / "a.png")]
    assert image_from_mime(mime) is None
    mime.setImageData(_gray8(np.full((3, 4), 255)))
    assert image_from_mime(mime).pixels.shape == (3, 4)


def test_array_to_qimage_maps_min_to_black_and_max_to_white():
    image = array_to_qimage(np.array([[-2.0, 0.0], [1.0, 2.0]]))
    assert (image.pixelColor(0, 0).value(), image.pixelColor(1, 1).value()) == (0, 255)
    with pytest.raises(DataError, match="2-D"):
        array_to_qimage(np.zeros((2, 2, 2)))
