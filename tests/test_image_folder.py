"""core.datasets.image_folder: decoding every format, class folders, and refusing bad files."""
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from core.datasets import load_image_folder, read_image
from core.errors import ConfigError, DataError, ShapeError


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_header_only(path, width, height):
    """A tiny PNG file that announces width × height pixels (and holds almost none)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr)
                     + _chunk(b"IDAT", zlib.compress(b"")) + _chunk(b"IEND", b""))


@pytest.fixture
def folder(tmp_path):
    """Two classes: 'dark' (black images) and 'light' (white ones), in every format."""
    (tmp_path / "light").mkdir()
    (tmp_path / "dark" / "more").mkdir(parents=True)
    Image.new("L", (30, 20), 0).save(tmp_path / "dark" / "a.png")
    Image.new("RGB", (64, 48), (0, 0, 0)).save(tmp_path / "dark" / "b.jpg")
    Image.new("RGB", (10, 10), (0, 0, 0)).save(tmp_path / "dark" / "more" / "c.bmp")
    Image.new("P", (12, 16), 0).save(tmp_path / "dark" / "d.gif")
    Image.fromarray(np.full((9, 9), 65535, np.uint16)).save(tmp_path / "light" / "e.png")  # 16-bit
    Image.new("RGB", (40, 40), (255, 255, 255)).save(tmp_path / "light" / "f.webp", lossless=True)
    Image.new("RGB", (7, 5), (255, 255, 255)).save(tmp_path / "light" / "g.tif")
    Image.new("RGBA", (8, 8), (0, 0, 0, 0)).save(tmp_path / "light" / "h.png")   # transparent → white
    (tmp_path / "light" / ".DS_Store").write_bytes(b"\x00junk")
    (tmp_path / "README.txt").write_text("files beside the class folders are not samples")
    return tmp_path


def test_loads_every_format_into_the_input_shape(folder):
    calls = []
    x, y, class_names = load_image_folder(folder, (1, 16, 16), progress=lambda d, t: calls.append((d, t)))
    assert class_names == ["dark", "light"]
    assert x.shape == (8, 1, 16, 16) and x.dtype == np.float64
    assert y.tolist() == [0, 0, 0, 0, 1, 1, 1, 1]
    np.testing.assert_allclose(x[y == 0], 0.0, atol=0.02)       # JPEG may be off by a level or two
    np.testing.assert_allclose(x[y == 1], 1.0, atol=1e-12)
    assert calls[-1] == (8, 8) and len(calls) == 8


def test_colour_input_and_value_range(folder):
    data = load_image_folder(folder, (3, 8, 8), mode="stretch", value_range=(-1, 1))
    assert data.x.shape == (8, 3, 8, 8)
    assert data.x.min() >= -1 and data.x.max() == 1


def test_flat_input(folder):
    assert load_image_folder(folder, (64,)).x.shape == (8, 64)


def test_unreadable_file_is_named(folder):
    (folder / "dark" / "notes.txt").write_text("not a picture")
    with pytest.raises(DataError, match=r"notes.txt is not an image file"):
        load_image_folder(folder, (1, 8, 8))


def test_truncated_image_is_named(folder):
    good = (folder / "dark" / "a.png")
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (50, 50), dtype=np.uint8)).save(good)
    good.write_bytes(good.read_bytes()[:200])
    with pytest.raises(DataError, match=r"a.png .*damaged"):
        load_image_folder(folder, (1, 8, 8))


def test_decompression_bombs_are_refused_from_the_header(tmp_path):
    _png_header_only(tmp_path / "big.png", 10_000, 6_000)          # 60 megapixels: over our limit
    with pytest.raises(DataError, match=r"10000×6000 = 60,000,000 pixels"):
        read_image(tmp_path / "big.png")
    _png_header_only(tmp_path / "bomb.png", 100_000, 100_000)      # over Pillow's own limit
    with pytest.raises(DataError, match="too large"):
        read_image(tmp_path / "bomb.png")
    Image.new("L", (20, 20)).save(tmp_path / "small.png")
    with pytest.raises(DataError, match="more than the 100 allowed"):
        read_image(tmp_path / "small.png", max_pixels=100)


def test_large_images_are_reduced_while_decoding_with_the_same_result(tmp_path):
    rng = np.random.default_rng(0)
    big = np.kron(rng.integers(0, 256, (8, 8)), np.ones((100, 100))).astype(np.uint8)   # 800×800 blocks
    Image.fromarray(big).save(tmp_path / "big.png")
    reduced = read_image(tmp_path / "big.png", min_size=(8, 8))
    assert reduced.shape == (16, 16)                                 # 800 // (2·8) = 50
    np.testing.assert_array_equal(reduced, big[::50, ::50])


def test_exif_orientation_is_applied(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6                                                 # "rotate 90° clockwise to view"
    Image.new("RGB", (20, 10)).save(tmp_path / "photo.jpg", exif=exif)
    assert read_image(tmp_path / "photo.jpg").shape == (20, 10, 3)


def test_16_bit_png_keeps_its_depth(tmp_path):
    Image.fromarray(np.array([[0, 1000, 65535]], np.uint16)).save(tmp_path / "deep.png")
    a = read_image(tmp_path / "deep.png")
    assert a.dtype == np.uint16 and a.tolist() == [[0, 1000, 65535]]


def test_folder_layout_errors(tmp_path):
    with pytest.raises(DataError, match="not a folder"):
        load_image_folder(tmp_path / "missing", (1, 8, 8))
    Image.new("L", (4, 4)).save(tmp_path / "loose.png")
    with pytest.raises(DataError, match="no subfolders"):
        load_image_folder(tmp_path, (1, 8, 8))
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="'empty' .* holds no files"):
        load_image_folder(tmp_path, (1, 8, 8))


def test_bad_settings_fail_before_reading(folder):
    with pytest.raises(ShapeError):
        load_image_folder(folder, (2, 8, 8))
    with pytest.raises(ConfigError):
        load_image_folder(folder, (1, 8, 8), mode="zoom")


def test_missing_file():
    with pytest.raises(DataError, match="There is no file"):
        read_image("/nonexistent/picture.png")


def test_folders_too_large_for_memory_are_refused_before_decoding(folder, monkeypatch):
    import core.datasets.image_folder as image_folder
    monkeypatch.setattr(image_folder, "MAX_DATA_BYTES", 8 * 3 * 32 * 32 * 7)    # room for 7 of the 8 images
    with pytest.raises(DataError, match="holds 8 files; fitted to \\(3, 32, 32\\)"):
        load_image_folder(folder, (3, 32, 32))
    assert len(load_image_folder(folder, (3, 16, 16)).x) == 8


@pytest.mark.parametrize("make, name, shape, dtype", [
    (lambda: Image.new("1", (5, 4), 1), "bits.png", (4, 5), np.uint8),
    (lambda: Image.new("CMYK", (5, 4)), "print.jpg", (4, 5, 3), np.uint8),
    (lambda: Image.new("LA", (5, 4), (10, 128)), "gray_alpha.png", (4, 5, 2), np.uint8),
    (lambda: Image.fromarray(np.full((4, 5), 40000, np.uint16)), "deep.tif", (4, 5), np.uint16),
    (lambda: Image.fromarray(np.linspace(0, 8, 20, dtype=np.float32).reshape(4, 5)), "float.tif",
     (4, 5), np.float64),
])
def test_pillow_modes_become_arrays_fit_to_input_takes(tmp_path, make, name, shape, dtype):
    make().save(tmp_path / name)
    a = read_image(tmp_path / name)
    assert a.shape == shape and a.dtype == dtype
    if dtype == np.float64:
        assert a.min() == 0.0 and a.max() == 1.0        # a float image outside [0, 1] is rescaled


def test_palette_transparency_keeps_an_alpha_channel(tmp_path):
    img = Image.new("P", (4, 4), 0)
    img.info["transparency"] = 0
    img.save(tmp_path / "clear.png")
    assert read_image(tmp_path / "clear.png").shape == (4, 4, 4)
