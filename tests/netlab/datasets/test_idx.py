"""MNIST-style IDX files, plain and gzip, with the labels file found or given, and damage."""

import gzip
import json

import numpy as np
import pytest

from netlab.datasets import DatasetError, load
from netlab.datasets.idx import read_idx_array, write_idx


def mnist_like(folder, prefix="train", gz=False, n=12):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, 5, 4), dtype=np.uint8)
    labels = (np.arange(n) % 10).astype(np.uint8)
    suffix = ".gz" if gz else ""
    write_idx(folder / f"{prefix}-images-idx3-ubyte{suffix}", images)
    write_idx(folder / f"{prefix}-labels-idx1-ubyte{suffix}", labels)
    return folder / f"{prefix}-images-idx3-ubyte{suffix}", images, labels


@pytest.mark.parametrize("gz", [False, True])
def test_images_with_labels_found_beside(tmp_path, gz):
    path, images, labels = mnist_like(tmp_path, gz=gz)
    if gz:
        assert path.read_bytes()[:2] == b"\x1f\x8b"
    data = load(str(path), val_split=0)
    assert data.x_train.shape == (12, 1, 5, 4) and data.x_train.dtype == np.float32
    np.testing.assert_allclose(data.x_train[:, 0] * 255, images, atol=1e-4)
    assert data.y_train.tolist() == labels.tolist() and data.classes == [str(k) for k in
                                                                         range(10)]
    assert data.info["labels_file"].endswith("train-labels-idx1-ubyte" + (".gz" if gz else ""))
    assert json.loads(json.dumps(data.info))["format"] == "idx"


def test_labels_file_option_and_other_dtypes(tmp_path):
    x = np.arange(12, dtype=np.float32).reshape(3, 4) / 7
    write_idx(tmp_path / "feats.idx", x)
    write_idx(tmp_path / "mine.idx", np.array([2, 0, 1], np.int32))
    data = load(str(tmp_path / "feats.idx"), labels_file="mine.idx", val_split=0)
    np.testing.assert_array_equal(data.x_train, x)
    assert data.y_train.tolist() == [2, 0, 1]
    assert read_idx_array(tmp_path / "mine.idx").dtype == np.int32


def test_gzip_images_with_plain_labels(tmp_path):
    path, images, labels = mnist_like(tmp_path, prefix="t10k", gz=True)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").rename(tmp_path / "t10k-labels-idx1-ubyte")
    raw = gzip.decompress((tmp_path / "t10k-labels-idx1-ubyte").read_bytes())
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(raw)
    assert load(str(path), val_split=0).y_train.tolist() == labels.tolist()


def test_truncated_images_name_the_entry(tmp_path):
    path, _, _ = mnist_like(tmp_path)
    raw = path.read_bytes()
    path.write_bytes(raw[:16 + 7 * 20 + 9])  # 7 whole images and part of the 8th
    with pytest.raises(DatasetError) as err:
        load(str(path))
    assert str(err.value).startswith("train-images-idx3-ubyte: entry 7 of 12 is incomplete: "
                                     "the header says 12 x 5 x 4 values (240 bytes)")


def test_truncated_gzip_and_bad_magic(tmp_path):
    path, _, _ = mnist_like(tmp_path, gz=True)
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(DatasetError, match="train-images-idx3-ubyte.gz: cannot read the file"):
        load(str(path))
    bad = tmp_path / "x-idx3-ubyte"
    bad.write_bytes(b"\x01\x02\x08\x03" + bytes(20))
    with pytest.raises(DatasetError, match="x-idx3-ubyte: not an IDX file .it starts with "
                                           "01 02 08 03"):
        load(str(bad))


def test_missing_or_mismatched_labels(tmp_path):
    path, _, _ = mnist_like(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte").unlink()
    with pytest.raises(DatasetError, match="train-images-idx3-ubyte: no labels file beside it "
                                           r"\(looked for train-labels-idx1-ubyte and "
                                           r"train-labels-idx1-ubyte.gz\); pass labels_file="):
        load(str(path))
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(5, np.uint8))
    with pytest.raises(DatasetError, match="train-labels-idx1-ubyte: 5 labels for the 12 "
                                           "images of train-images-idx3-ubyte"):
        load(str(path))
    with pytest.raises(DatasetError, match="a one-dimensional IDX file holds labels"):
        load(str(tmp_path / "train-labels-idx1-ubyte"))


def test_format_found_by_content_and_unknown_files(tmp_path):
    write_idx(tmp_path / "mystery.bin", np.ones((3, 2, 2), np.uint8))
    write_idx(tmp_path / "answers.bin", np.array([1, 0, 1], np.uint8))
    data = load(str(tmp_path / "mystery.bin"), labels_file=str(tmp_path / "answers.bin"),
                val_split=0)
    assert data.info["format"] == "idx" and data.input_shape == (1, 2, 2)
    (tmp_path / "blob.bin").write_bytes(bytes(range(200, 256)))
    with pytest.raises(DatasetError, match="blob.bin: unknown data file format"):
        load(str(tmp_path / "blob.bin"))
