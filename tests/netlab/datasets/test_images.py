"""Image folders (one sub-folder per class): PNG and JPEG, resizing, modes, bad folders."""

import json

import numpy as np
import pytest
from PIL import Image

from netlab.datasets import DatasetError, load


def make_folder(root, sizes=((8, 6),), mode="RGB", fmt="png"):
    colours = {"cat": (255, 0, 0), "dog": (0, 0, 255)}
    for name, colour in colours.items():
        (root / name).mkdir(parents=True)
        for i, size in enumerate(sizes):
            fill = colour if mode == "RGB" else sum(colour) // 3
            Image.new(mode, size, fill).save(root / name / f"{i}.{fmt}")
    return root


def test_png_folder_classes_and_pixels(tmp_path):
    root = make_folder(tmp_path / "pets", sizes=((8, 6), (8, 6), (8, 6)))
    data = load(str(root), val_split=0)
    assert data.name == "pets" and data.classes == ["cat", "dog"]
    assert data.x_train.shape == (6, 3, 6, 8) and data.x_train.dtype == np.float32
    assert data.y_train.tolist() == [0, 0, 0, 1, 1, 1]
    cat = data.x_train[0]
    np.testing.assert_allclose(cat[0], 1.0) and np.testing.assert_allclose(cat[1:], 0.0)
    np.testing.assert_allclose(data.x_train[3, 2], 1.0)
    assert data.info["mode"] == "RGB" and data.info["size"] == [6, 8]
    assert json.loads(json.dumps(data.info))["n_files"] == 6


def test_jpeg_resize_and_grey_mode(tmp_path):
    root = make_folder(tmp_path / "j", sizes=((16, 16), (10, 12)), fmt="jpg")
    data = load(str(root), size=(4, 5), val_split=0)
    assert data.x_train.shape == (4, 3, 4, 5)
    # JPEG is lossy: the red cat stays mostly red
    assert data.x_train[0, 0].mean() > 0.9 and data.x_train[0, 2].mean() < 0.1
    grey = load(str(root), size=(4, 5), mode="L", val_split=0)
    assert grey.x_train.shape == (4, 1, 4, 5)


def test_grey_images_default_to_one_channel(tmp_path):
    root = make_folder(tmp_path / "g", mode="L")
    data = load(str(root), val_split=0)
    assert data.input_shape == (1, 6, 8) and data.info["mode"] == "L"
    np.testing.assert_allclose(data.x_train[0], 85 / 255, atol=1e-6)


def test_empty_folder_and_empty_class(tmp_path):
    (tmp_path / "none").mkdir()
    with pytest.raises(DatasetError, match=r"none: no class sub-folders"):
        load(str(tmp_path / "none"))
    root = make_folder(tmp_path / "some")
    (root / "emu").mkdir()
    with pytest.raises(DatasetError, match=r"some/emu: the class folder 'emu' holds no images"):
        load(str(root))


def test_non_image_file_is_named(tmp_path):
    root = make_folder(tmp_path / "p")
    (root / "dog" / "notes.txt").write_text("not a picture")
    (root / "dog" / ".DS_Store").write_bytes(b"\0\0")  # hidden files are skipped
    with pytest.raises(DatasetError, match=r"p/dog/notes.txt: not a readable image"):
        load(str(root))


def test_truncated_png_and_bad_options(tmp_path):
    root = make_folder(tmp_path / "t", sizes=((30, 30),))
    Image.effect_noise((30, 30), 50).save(root / "cat" / "1.png")
    raw = (root / "cat" / "1.png").read_bytes()
    (root / "cat" / "1.png").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(DatasetError, match=r"t/cat/1.png: not a readable image"):
        load(str(root))
    with pytest.raises(DatasetError, match=r"size must be \(height, width\)"):
        load(str(root), size=32)
    with pytest.raises(DatasetError, match="mode must be 'L'"):
        load(str(root), mode="CMYK")
