"""core.datasets.tabular and .splits: CSV files with a header, a target column and numeric
features; then train/validation/test splits and standardisation."""
import numpy as np
import pytest

from core.datasets import Standardizer, load_csv, standardize, train_val_test_split
from core.errors import ConfigError, DataError, InputError, ShapeError


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


IRIS = """sepal_length,sepal_width,species
5.1,3.5,setosa
7.0,3.2,versicolor

6.3,3.3,virginica
4.9,3.0,setosa
"""


def test_string_classes_become_sorted_indices(tmp_path):
    data = load_csv(write(tmp_path, IRIS), target="species")
    assert data.x.shape == (4, 2) and data.x.dtype == np.float64
    np.testing.assert_array_equal(data.x[1], [7.0, 3.2])
    assert data.class_names == ["setosa", "versicolor", "virginica"]
    assert data.y.dtype == np.int64 and data.y.tolist() == [0, 1, 2, 0]
    assert data.feature_names == ["sepal_length", "sepal_width"] and data.target_name == "species"


def test_numeric_target_is_regression_by_default(tmp_path):
    path = write(tmp_path, "y;x1;x2\n1.5;0;1\n-2;3;4\n")
    data = load_csv(path, target="y")                       # the delimiter ';' is guessed
    assert data.y.shape == (2, 1) and data.y[:, 0].tolist() == [1.5, -2.0]
    assert data.class_names is None and data.feature_names == ["x1", "x2"]


def test_target_by_index_and_numeric_classes(tmp_path):
    path = write(tmp_path, "a,b,label\n1,2,10\n3,4,2\n5,6,10\n")
    data = load_csv(path, target=2, classes=True)
    assert data.class_names == ["2", "10"]                  # numeric labels sorted as numbers
    assert data.y.tolist() == [1, 0, 1]
    assert load_csv(path).target_name == "label"            # default: the last column
    assert load_csv(path, target=0).feature_names == ["b", "label"]


def test_bad_rows_are_listed_by_line_number(tmp_path):
    text = "a,b,c\n1,2,x\n1,oops,y\n3,4\n,5,z\n1,2,\n" + "1,nan,q\n" * 3
    with pytest.raises(DataError) as info:
        load_csv(write(tmp_path, text), target="c")
    message = str(info.value)
    assert "7 bad rows (and 2 more)" in message
    assert "line 3: column 'b': 'oops' is not a number" in message
    assert "line 4: 2 fields instead of 3" in message
    assert "line 5: column 'a': empty field" in message
    assert "line 6: the target 'c' is empty" in message
    assert "line 7: column 'b': 'nan' is not a finite number" in message
    assert "line 8" not in message


def test_text_target_cannot_be_regressed(tmp_path):
    with pytest.raises(DataError, match="classes=True"):
        load_csv(write(tmp_path, IRIS), target="species", classes=False)


def test_unknown_target_column(tmp_path):
    path = write(tmp_path, IRIS)
    with pytest.raises(DataError, match="no column 'colour'; its columns are sepal_length"):
        load_csv(path, target="colour")
    with pytest.raises(DataError, match="no column 3"):
        load_csv(path, target=3)


@pytest.mark.parametrize("text, words", [
    ("", "empty"),
    ("a,b\n", "no data rows"),
    ("only\n1\n2\n", "single column"),
])
def test_files_without_data(tmp_path, text, words):
    with pytest.raises(DataError, match=words):
        load_csv(write(tmp_path, text))


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(DataError, match="There is no file"):
        load_csv(tmp_path / "nothing.csv")
    (tmp_path / "image.csv").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(DataError, match="not a UTF-8 text file"):
        load_csv(tmp_path / "image.csv")


def test_byte_order_mark_and_tabs(tmp_path):
    path = tmp_path / "excel.tsv"
    path.write_bytes("x\tlabel\n1\tyes\n2\tno\n".encode("utf-8-sig"))
    data = load_csv(path, target="label")
    assert data.feature_names == ["x"] and data.class_names == ["no", "yes"]


# --- splits and standardisation (the next steps after loading a table) -----------------

def test_split_sizes_are_seeded_disjoint_and_ordered():
    x = np.arange(100).reshape(50, 2)
    y = np.arange(50)
    parts = train_val_test_split(x, y, val=0.2, test=0.1, seed=3)
    assert (len(parts.y_train), len(parts.y_val), len(parts.y_test)) == (35, 10, 5)
    everything = np.concatenate([parts.y_train, parts.y_val, parts.y_test])
    assert sorted(everything.tolist()) == list(range(50))
    np.testing.assert_array_equal(parts.x_val[:, 0], 2 * parts.y_val)     # rows stay with their targets
    assert np.all(np.diff(parts.y_train) > 0)                             # original order inside a part
    again = train_val_test_split(x, y, val=0.2, test=0.1, seed=3)
    other = train_val_test_split(x, y, val=0.2, test=0.1, seed=4)
    np.testing.assert_array_equal(parts.y_test, again.y_test)
    assert not np.array_equal(parts.y_test, other.y_test)


def test_split_small_sets_and_empty_parts():
    parts = train_val_test_split(np.zeros((5, 1)), np.zeros(5), val=0.05, test=0.0)
    assert (len(parts.x_train), len(parts.x_val), len(parts.x_test)) == (4, 1, 0)
    assert parts.x_test.shape == (0, 1)


@pytest.mark.parametrize("kwargs, error", [
    (dict(val=0.5, test=0.5), ConfigError), (dict(val=1.0), ConfigError), (dict(test=-0.1), ConfigError),
])
def test_split_refuses_bad_fractions(kwargs, error):
    with pytest.raises(error):
        train_val_test_split(np.zeros((10, 2)), np.zeros(10), **kwargs)


def test_split_refuses_mismatched_lengths():
    with pytest.raises(ShapeError, match="one row per sample"):
        train_val_test_split(np.zeros((10, 2)), np.zeros(9))


def test_standardize_uses_training_statistics_only():
    train = np.array([[0.0, 10.0, 5.0], [2.0, 30.0, 5.0]])
    test = np.array([[4.0, 20.0, 7.0]])
    z_train, z_test = standardize(train, test)
    np.testing.assert_allclose(z_train, [[-1, -1, 0], [1, 1, 0]])          # constant column → 0
    np.testing.assert_allclose(z_test, [[3, 0, 2]])
    scaler = Standardizer.fit(train)
    np.testing.assert_allclose(scaler.inverse(scaler.transform(test)), test)


def test_standardize_images_per_channel():
    rng = np.random.default_rng(0)
    images = rng.normal([1.0, -3.0], [2.0, 0.5], (40, 6, 6, 2)).transpose(0, 3, 1, 2)   # (N, 2, 6, 6)
    scaler = Standardizer.fit(images)
    assert scaler.mean.shape == (2, 1, 1)
    (z,) = standardize(images)
    np.testing.assert_allclose(z.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(z.std(axis=(0, 2, 3)), 1)


def test_standardize_errors():
    scaler = Standardizer.fit(np.zeros((4, 3)))
    with pytest.raises(ShapeError, match="do not fit"):
        scaler.transform(np.zeros((2, 5)))
    with pytest.raises(InputError, match="NaN"):
        standardize(np.array([[1.0], [np.nan]]))
    with pytest.raises(InputError, match="empty"):
        Standardizer.fit(np.zeros((0, 3)))
