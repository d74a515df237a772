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


def _needs_qt_plugin(ext, writer=True):
    """Skip (saying so) when this Qt build has no plugin to read — or, to make the test file, write — ``ext``."""
    from PySide6.QtGui import QImageReader, QImageWriter
    kinds = [(QImageReader, "read")] + ([(QImageWriter, "write")] if writer else [])
    for cls, verb in kinds:
        if ext.encode() not in [bytes(f) for f in cls.supportedImageFormats()]:
            pytest.skip(f"this Qt build cannot {verb} .{ext} files (no image-format plugin)")


@pytest.mark.parametrize("ext", ["jpg", "bmp", "webp", "tif", "png"])
def test_colour_formats_read_as_h_w_3(tmp_path, ext):
    _needs_qt_plugin(ext)
    image = QImage(33, 21, QImage.Format.Format_RGB32)
    image.fill(0xFF3366)
    assert image.save(str(tmp_path / f"c.{ext}"))
    pixels = read_image(str(tmp_path / f"c.{ext}")).pixels
    assert pixels.shape == (21, 33, 3)
    np.testing.assert_allclose(pixels[10, 10], [1.0, 0.2, 0.4], atol=0.02)


def test_gif_is_read(tmp_path):
    _needs_qt_plugin("gif", writer=False)
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
    with pytest.raises(DataError, match="20000 × 20000 pixels: decoding it would need about 3,052 MB"):
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


# --- dropping pictures onto the inspector --------------------------------------------------

def _photo(path, fmt):
    """A synthetic "photo": a colour gradient with a dark disc and a bright bar."""
    h, w = 60, 90
    yy, xx = np.mgrid[0:h, 0:w]
    rgb = np.stack([xx / w, yy / h, 0.5 + 0.5 * np.sin(xx / 9.0)], axis=-1)
    rgb[(yy - 30) ** 2 + (xx - 30) ** 2 < 15 ** 2] = 0.1
    rgb[10:18, 50:85] = 0.95
    a = np.ascontiguousarray((rgb * 255).astype(np.uint8))
    QImage(a.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy().save(str(path), fmt)
    return str(path)


@pytest.fixture
def inspector(qtbot):
    from core.layers.conv import Conv2D
    from core.layers.pooling import MaxPool2D
    from core.network import Network
    from desktop_app.panels.conv_inspector import ConvInspector
    from desktop_app.session import SessionController
    session = SessionController()
    net = Network([Conv2D(4, 3, activation="relu"), MaxPool2D(2), Conv2D(3, 3, activation="tanh")],
                  input_shape=(1, 28, 28))
    session.set_network(net, x=np.zeros((2, 1, 28, 28)), y=np.zeros((2, 3, 11, 11)))
    panel = ConvInspector(session)
    qtbot.addWidget(panel)
    return panel


def _drop(widget, paths):
    """Send a drag-enter and a drop of ``paths`` to ``widget``; True if the drop was accepted."""
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication
    mime = QMimeData()                       # kept referenced until the events are done
    mime.setUrls([QUrl.fromLocalFile(p) for p in paths])
    enter = QDragEnterEvent(QPoint(20, 20), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(20, 20), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(widget, drop)
    return drop.isAccepted()


def _maps(panel):
    return {(i, k): a.copy() for i, row in panel.rows.items() for k, a in row.arrays.items() if k != "kernel"}


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_dropping_a_picture_loads_it_and_updates_every_map(tmp_path, inspector, fmt):
    before = _maps(inspector)
    assert _drop(inspector, [_photo(tmp_path / f"photo.{fmt.lower()}", fmt)])
    assert inspector.source == "image" and inspector.sample.shape == (1, 28, 28)
    after = _maps(inspector)
    assert after.keys() == before.keys() and len(after) == 6      # input; net, out; pool; net, out
    for key in after:
        assert not np.array_equal(after[key], before[key]), key
    # fitted: gray, 28 × 28, padded to keep the 3:2 aspect ratio (top rows are background)
    assert inspector.sample.min() >= 0 and inspector.sample.max() <= 1
    assert np.ptp(inspector.sample[0, 0]) < 1e-6 and np.ptp(inspector.sample[0, 14]) > 0.2


@pytest.mark.parametrize("bad", ["notes.txt", "cut.png", "huge.png", "folder"])
def test_a_bad_drop_shows_an_error_and_keeps_the_previous_picture(qtbot, tmp_path, inspector, bad):
    _drop(inspector, [_photo(tmp_path / "good.png", "PNG")])
    kept = inspector.sample.copy()
    (tmp_path / "notes.txt").write_text("not a picture")
    (tmp_path / "cut.png").write_bytes((tmp_path / "good.png").read_bytes()[:80])
    (tmp_path / "huge.png").write_bytes(_png([(b"IHDR", struct.pack(">IIBBBBB", 20000, 20000, 8, 0, 0, 0, 0)),
                                              (b"IDAT", zlib.compress(bytes(20001))), (b"IEND", b"")]))
    (tmp_path / "folder").mkdir()
    with qtbot.waitSignal(inspector.session.error) as error:
        assert not _drop(inspector, [str(tmp_path / bad)])
    assert bad in error.args[0] and "previous input is kept" in error.args[0]
    assert error.args[0] in inspector.readout.text()
    np.testing.assert_array_equal(inspector.sample, kept)


def test_dropping_several_pictures_pages_through_them(tmp_path, inspector):
    paths = [_photo(tmp_path / "a.png", "PNG"), str(tmp_path / "skip.txt"), _photo(tmp_path / "b.jpg", "JPEG")]
    (tmp_path / "skip.txt").write_text("x")
    _drop(inspector, paths)
    assert len(inspector.images) == 2 and inspector.index.maximum() == 1
    first = inspector.sample.copy()
    inspector.index.setValue(1)
    inspector.refresh()
    assert not np.array_equal(first, inspector.sample)


def test_main_window_takes_drops_and_pastes_for_the_inspector(qtbot, tmp_path):
    from PySide6.QtWidgets import QApplication
    from desktop_app.main_window import MainWindow
    from desktop_app.session import SessionController
    session = SessionController()
    window = MainWindow(session)
    window.remember_layout = False
    qtbot.addWidget(window)
    session.load_template("lenet5")
    inspector = window.conv_inspector
    assert "Open &Image…" in [a.text() for a in window.file_menu.actions()]
    assert _drop(window, [_photo(tmp_path / "p.png", "PNG")])
    assert inspector.source == "image" and inspector.images[0].source.endswith("p.png")
    (tmp_path / "n.txt").write_text("no picture")
    assert not _drop(window, [str(tmp_path / "n.txt")])
    assert "n.txt is not an image" in window.notice.label.text()      # shown where the user looks
    assert inspector.images[0].source.endswith("p.png")
    # paste a picture from the clipboard
    a = np.zeros((10, 20), np.uint8)
    a[:, 10:] = 255
    QApplication.clipboard().setImage(_gray8(a))
    assert inspector.paste_image()
    assert inspector.images[0].source == "clipboard" and inspector.images[0].pixels.shape == (10, 20)
    inspector.refresh()
    assert inspector.sample.shape == (1, 28, 28)


def test_the_fit_choice_pads_crops_or_stretches_and_the_preview_is_the_networks_input(qtbot, tmp_path, inspector):
    from core.images import fit_to_input
    from desktop_app.image_io import read_image
    inspector.show()
    path = _photo(tmp_path / "photo.png", "PNG")                   # 90 × 60: wider than tall
    assert _drop(inspector, [path])
    pixels = read_image(path).pixels
    for mode in ("pad", "crop", "stretch"):
        inspector.fit.setCurrentIndex(inspector.fit.findData(mode))
        inspector.fit.activated.emit(inspector.fit.currentIndex())
        expected = fit_to_input(pixels, (1, 28, 28), mode=mode)
        qtbot.waitUntil(lambda: np.allclose(inspector.sample, expected, atol=1e-6), timeout=2000)
        np.testing.assert_array_equal(inspector.rows[-1].arrays["input"], inspector.sample)   # the preview
    pad, crop = (fit_to_input(pixels, (1, 28, 28), mode=m) for m in ("pad", "crop"))
    assert np.ptp(pad[0, 0]) < 1e-6 and np.ptp(crop[0, 0]) > 0.05    # pad leaves a flat margin, crop fills


def test_file_open_image_loads_the_chosen_files(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog
    from desktop_app.main_window import MainWindow
    from desktop_app.session import SessionController
    monkeypatch.setenv("LAYERLAB_SETTINGS_DIR", str(tmp_path))
    session = SessionController()
    window = MainWindow(session)
    window.remember_layout = False
    qtbot.addWidget(window)
    session.load_template("lenet5")
    chosen = [_photo(tmp_path / "a.png", "PNG"), _photo(tmp_path / "b.jpg", "JPEG")]
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: (chosen, ""))
    action = next(a for a in window.file_menu.actions() if a.text() == "Open &Image…")
    assert action.shortcut().toString() == "Ctrl+I"
    action.trigger()
    inspector = window.conv_inspector
    assert [image.source for image in inspector.images] == chosen
    assert inspector.source == "image"
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([], ""))   # cancelled
    action.trigger()
    assert [image.source for image in inspector.images] == chosen


def test_a_picture_is_scaled_to_the_range_of_the_data_the_network_trains_on(tmp_path, inspector):
    from core.images import fit_to_input
    from desktop_app.image_io import read_image
    session = inspector.session
    x = np.random.default_rng(0).uniform(-1.0, 2.0, size=(5, 1, 28, 28))
    session.set_data(x, np.zeros((5, 3, 11, 11)), "data in [-1, 2]")
    path = _photo(tmp_path / "photo.png", "PNG")
    assert _drop(inspector, [path])
    lo, hi = float(x.min()), float(x.max())
    expected = fit_to_input(read_image(path).pixels, (1, 28, 28), "pad", (lo, hi))
    np.testing.assert_allclose(inspector.sample, expected, atol=1e-6)
    assert inspector.sample.min() < 0 and inspector.sample.max() > 1      # not left in [0, 1]
