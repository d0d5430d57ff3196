"""CSV import: header detection, target choice, classification or regression, bad lines."""

import gzip
import json

import numpy as np
import pytest

from netlab.datasets import DatasetError, load


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


IRIS = """sepal_length,sepal_width,species
5.1,3.5,setosa
4.9,3.0,setosa
7.0,3.2,versicolor
6.4,3.2,versicolor
6.3,3.3,virginica
5.8,2.7,virginica
"""


def test_header_text_target_is_classification(tmp_path):
    data = load(str(write(tmp_path, IRIS)), val_split=0)
    assert data.name == "data.csv" and data.task == "classification"
    assert data.classes == ["setosa", "versicolor", "virginica"]
    assert data.x_train.shape == (6, 2) and data.x_train.dtype == np.float32
    np.testing.assert_array_equal(data.x_train[0], np.float32([5.1, 3.5]))
    assert data.y_train.tolist() == [0, 0, 1, 1, 2, 2]
    assert data.info["header"] is True and data.info["target"] == ["species"]
    assert json.loads(json.dumps(data.info))["format"] == "csv"


def test_no_header_detected_and_integer_labels(tmp_path):
    rows = "\n".join(f"{i * 0.5},{i % 3},{i % 2}" for i in range(10))
    data = load(str(write(tmp_path, rows)), val_split=0)
    assert data.info["header"] is False and data.n_train == 10
    assert data.task == "classification" and data.classes == ["0", "1"]
    assert data.x_train[:, 0].tolist() == [i * 0.5 for i in range(10)]


def test_header_with_numeric_only_columns(tmp_path):
    text = "a,b,y\n" + "\n".join(f"{i},{2 * i},{i * 0.25}" for i in range(8))
    data = load(str(write(tmp_path, text)), val_split=0)
    assert data.info["header"] is True and data.info["columns"] == ["a", "b", "y"]
    assert data.task == "regression" and data.y_train.dtype == np.float32
    np.testing.assert_allclose(data.y_train, np.arange(8) * 0.25)


def test_target_by_name_index_and_task_override(tmp_path):
    path = write(tmp_path, "x,label,z\n" + "\n".join(f"{i},{i % 2},{i * 3}" for i in range(10)))
    by_name = load(str(path), target="label", val_split=0)
    by_index = load(str(path), target=1, val_split=0)
    assert by_name.task == "classification" and by_name.classes == ["0", "1"]
    np.testing.assert_array_equal(by_name.x_train, by_index.x_train)
    np.testing.assert_array_equal(by_name.x_train[:, 1], np.arange(10) * 3)
    forced = load(str(path), target="label", task="regression", val_split=0)
    assert forced.task == "regression" and forced.y_train.dtype == np.float32
    # few distinct integers in the default (last) column would be classes; here 10 distinct
    assert load(str(path), val_split=0).task == "regression"
    several = load(str(path), target=["label", "z"], val_split=0)
    assert several.task == "regression" and several.y_train.shape == (10, 2)


def test_semicolon_tab_gzip_comments_and_blank_lines(tmp_path):
    text = "# measured 2024\nf1;f2;t\n\n1;2;a\n3;4;b\n5;6;a\n"
    data = load(str(write(tmp_path, text)), val_split=0)
    assert data.x_train.tolist() == [[1, 2], [3, 4], [5, 6]] and data.classes == ["a", "b"]
    tsv = load(str(write(tmp_path, text.replace(";", "\t"), "d.tsv")), val_split=0)
    np.testing.assert_array_equal(tsv.x_train, data.x_train)
    gz = tmp_path / "d.csv.gz"
    gz.write_bytes(gzip.compress(text.encode()))
    np.testing.assert_array_equal(load(str(gz), val_split=0).x_train, data.x_train)


def test_ragged_line_names_file_and_line(tmp_path):
    path = write(tmp_path, "a,b,c\n1,2,3\n4,5,6\n7,8\n")
    with pytest.raises(DatasetError) as err:
        load(str(path))
    assert str(err.value) == "data.csv, line 4: 2 values, expected 3 as on the header"


def test_text_in_a_feature_column(tmp_path):
    path = write(tmp_path, "a,b,c\n1,2,x\n4,oops,y\n")
    with pytest.raises(DatasetError, match=r"data.csv, line 3, column 'b': 'oops' is not a "
                                           r"number"):
        load(str(path))
    empty = write(tmp_path, "1,2,0\n3,,1\n", "empty.csv")
    with pytest.raises(DatasetError, match=r"empty.csv, line 2, column '1': an empty value"):
        load(str(empty))
    nan = write(tmp_path, "1,2,0\n3,nan,1\n", "nan.csv")
    with pytest.raises(DatasetError, match=r"nan.csv, line 2, column '1': 'nan' is not a "
                                           r"finite number"):
        load(str(nan))


def test_regression_on_text_and_bad_target(tmp_path):
    path = write(tmp_path, IRIS)
    with pytest.raises(DatasetError, match=r"data.csv, line 2, column 'species': 'setosa' is "
                                           r"not a number \(a regression target must be"):
        load(str(path), task="regression")
    with pytest.raises(DatasetError, match=r"no column named 'petal' \(columns: sepal_length"):
        load(str(path), target="petal")
    with pytest.raises(DatasetError, match="target column 7 does not exist"):
        load(str(path), target=7)
    with pytest.raises(DatasetError, match="unknown option sep for CSV files"):
        load(str(path), sep=";")


def test_empty_and_header_only_files(tmp_path):
    with pytest.raises(DatasetError, match="blank.csv: the file has no data lines"):
        load(str(write(tmp_path, "\n\n", "blank.csv")))
    with pytest.raises(DatasetError, match="head.csv: no data lines"):
        load(str(write(tmp_path, "a,b,c\n", "head.csv")))
    with pytest.raises(DatasetError, match=r"latin.csv, line 2: not UTF-8"):
        (tmp_path / "latin.csv").write_bytes(b"a,b\n1,\xe9\n")
        load(str(tmp_path / "latin.csv"))


def test_fast_and_line_by_line_readers_agree(tmp_path, monkeypatch):
    from netlab.datasets import csvfile

    text = "# notes\n\nid,\"a, b\",y\n" + "\n".join(f"{i},{i / 7:.6f},{i % 3}" for i in
                                                        range(30)) + "\n"
    path = write(tmp_path, text)
    assert csvfile._fast_table(text, ",", 3, 3).shape == (30, 3)  # header on line 3
    fast = load(str(path), val_split=0)
    monkeypatch.setattr(csvfile, "_fast_table", lambda *a: None)
    slow = load(str(path), val_split=0)
    assert fast.info["columns"] == slow.info["columns"] == ["id", "a, b", "y"]
    np.testing.assert_array_equal(fast.x_train, slow.x_train)
    np.testing.assert_array_equal(fast.y_train, slow.y_train)
    assert fast.classes == slow.classes == ["0", "1", "2"] and fast.n_train == 30
