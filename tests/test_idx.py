"""core.datasets.idx: IDX round trips, MNIST folders and the errors for broken files."""
import gzip

import numpy as np
import pytest

from core.datasets import load_idx, load_mnist_folder, save_idx
from core.datasets.idx import MNIST_FILES
from core.errors import DataError


@pytest.mark.parametrize("dtype", ["u1", "i1", "i2", "i4", "f4", "f8"])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_round_trip(tmp_path, dtype, suffix):
    array = (np.arange(24) - 5).reshape(2, 3, 4).astype(dtype)
    path = tmp_path / f"a-idx3-ubyte{suffix}"
    save_idx(path, array)
    back = load_idx(path)
    assert back.dtype == np.dtype(dtype) and back.shape == (2, 3, 4)
    np.testing.assert_array_equal(back, array)


def test_header_is_big_endian_with_the_mnist_magic_number(tmp_path):
    save_idx(tmp_path / "images", np.zeros((3, 28, 28), np.uint8))
    raw = (tmp_path / "images").read_bytes()
    assert raw[:4] == bytes.fromhex("00000803")
    assert raw[4:16] == bytes.fromhex("00000003 0000001c 0000001c")
    assert len(raw) == 16 + 3 * 28 * 28


def test_gzip_is_recognised_by_content_not_name(tmp_path):
    save_idx(tmp_path / "labels.gz", np.array([1, 2, 3], np.uint8))
    (tmp_path / "labels.gz").rename(tmp_path / "labels")
    assert load_idx(tmp_path / "labels").tolist() == [1, 2, 3]


def test_wrong_magic_number(tmp_path):
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    with pytest.raises(DataError, match=r"photo.png is not an IDX file: it starts with 0x89504E47"):
        load_idx(tmp_path / "photo.png")


def test_truncated_data(tmp_path):
    save_idx(tmp_path / "x", np.zeros((10, 4, 4), np.uint8))
    raw = (tmp_path / "x").read_bytes()
    (tmp_path / "x").write_bytes(raw[:-5])
    with pytest.raises(DataError, match=r"x is truncated: .* needs 160 bytes but only 155"):
        load_idx(tmp_path / "x")
    (tmp_path / "y").write_bytes(raw[:6])
    with pytest.raises(DataError, match="truncated"):
        load_idx(tmp_path / "y")


def test_truncated_gzip_stream(tmp_path):
    data = gzip.compress(bytes.fromhex("00000801 00001000") + bytes(4096))
    (tmp_path / "labels.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="labels.gz"):
        load_idx(tmp_path / "labels.gz")


def test_extra_bytes_and_absurd_sizes_are_refused(tmp_path):
    save_idx(tmp_path / "x", np.zeros(4, np.uint8))
    (tmp_path / "x").write_bytes((tmp_path / "x").read_bytes() + b"\x00")
    with pytest.raises(DataError, match="more bytes than its header"):
        load_idx(tmp_path / "x")
    (tmp_path / "huge").write_bytes(bytes.fromhex("00000803 ffffffff ffffffff 00000010"))
    with pytest.raises(DataError, match="corrupt"):
        load_idx(tmp_path / "huge")


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="There is no file"):
        load_idx(tmp_path / "nothing")


def test_save_refuses_unsupported_dtypes(tmp_path):
    with pytest.raises(DataError, match="uint8"):
        save_idx(tmp_path / "x", np.zeros(3, np.uint64))


def _mnist_folder(folder, n_train=6, n_test=4, gz=False):
    rng = np.random.default_rng(0)
    arrays = {"x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
              "y_train": rng.integers(0, 10, n_train, dtype=np.uint8),
              "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
              "y_test": rng.integers(0, 10, n_test, dtype=np.uint8)}
    for key, name in MNIST_FILES.items():
        save_idx(folder / (name + (".gz" if gz else "")), arrays[key])
    return arrays


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_folder(tmp_path, gz):
    arrays = _mnist_folder(tmp_path, gz=gz)
    data = load_mnist_folder(tmp_path)
    assert data.x_train.shape == (6, 1, 28, 28) and data.x_train.dtype == np.float32
    assert data.x_test.shape == (4, 1, 28, 28)
    np.testing.assert_allclose(data.x_train[:, 0], arrays["x_train"] / 255, rtol=1e-6)
    assert data.y_test.dtype == np.int64 and data.y_test.tolist() == arrays["y_test"].tolist()
    x_train, y_train, x_test, y_test = data                 # unpacks like a tuple
    assert len(x_train) == len(y_train)


def test_mnist_folder_names_the_missing_file(tmp_path):
    _mnist_folder(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(DataError, match="lacks t10k-labels-idx1-ubyte"):
        load_mnist_folder(tmp_path)


def test_mnist_folder_checks_kinds_and_counts(tmp_path):
    _mnist_folder(tmp_path, n_train=6)
    save_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(5, np.uint8))
    with pytest.raises(DataError, match="6 images but 5 labels"):
        load_mnist_folder(tmp_path)
    save_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros((6, 28, 28), np.uint8))
    with pytest.raises(DataError, match="should hold labels"):
        load_mnist_folder(tmp_path)


def test_mnist_folder_must_be_a_folder(tmp_path):
    with pytest.raises(DataError, match="not a folder"):
        load_mnist_folder(tmp_path / "missing")
