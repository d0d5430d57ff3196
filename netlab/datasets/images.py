"""Image folders: one sub-folder per class holding PNG/JPEG files, read with Pillow."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .data import DatasetError
from .importers import check_options

__all__ = ["read_image_folder"]

OPTIONS = ("size", "mode")
_GRAY_MODES = {"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F"}


def read_image_folder(path: Path, options: dict):
    """Read ``root/<class>/<image>`` files into (n, C, H, W) float32 pixels in [0, 1].

    Sub-folders in sorted order are the classes (their names the class names). Options:
    ``size=(h, w)`` (default the first image's size; every image is resized to it, bilinear),
    ``mode`` "L" (grey, C=1) or "RGB" (C=3); default "L" when every image is grey, else "RGB".
    Files starting with "." are skipped; any other file must be an image Pillow can read.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from PIL import Image
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("cat", "dog"):
    ...     (root / name).mkdir()
    ...     Image.new("RGB", (6, 4), "red").save(root / name / "a.png")
    >>> x, y, task, classes, info = read_image_folder(root, {"size": (2, 3)})
    >>> x.shape, y.tolist(), classes
    ((2, 3, 2, 3), [0, 1], ['cat', 'dog'])
    """
    check_options(path, options, OPTIONS, "image folders")
    from PIL import Image, UnidentifiedImageError  # only image folders need Pillow

    mode = options.get("mode")
    if mode not in (None, "L", "RGB"):
        raise DatasetError(f"{path.name}: mode must be 'L' (grey) or 'RGB', got {mode!r}")
    size = options.get("size")
    if size is not None:
        ok = isinstance(size, (tuple, list)) and len(size) == 2 and all(
            isinstance(s, (int, np.integer)) and s > 0 for s in size)
        if not ok:
            raise DatasetError(f"{path.name}: size must be (height, width), e.g. (32, 32), "
                               f"got {size!r}")
    classes = sorted(p.name for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not classes:
        raise DatasetError(f"{path}: no class sub-folders; put the images of each class in a "
                           f"sub-folder named after the class")
    images, labels, files = [], [], []
    for k, name in enumerate(classes):
        entries = sorted(p for p in (path / name).iterdir() if not p.name.startswith("."))
        if not entries:
            raise DatasetError(f"{path / name}: the class folder {name!r} holds no images")
        for entry in entries:
            if entry.is_dir():
                raise DatasetError(f"{entry}: a folder inside the class folder {name!r}; "
                                   f"images belong directly in the class folders")
            try:
                with Image.open(entry) as img:
                    img.load()
                    images.append(img.copy())
            except (UnidentifiedImageError, OSError, ValueError) as exc:
                raise DatasetError(f"{entry}: not a readable image ({exc}); a class folder "
                                   f"holds PNG or JPEG files only") from exc
            labels.append(k)
            files.append(f"{name}/{entry.name}")
    if mode is None:
        mode = "L" if all(img.mode in _GRAY_MODES for img in images) else "RGB"
    if size is None:
        size = (images[0].height, images[0].width)
    h, w = int(size[0]), int(size[1])
    channels = 1 if mode == "L" else 3
    x = np.empty((len(images), channels, h, w), np.float32)
    for i, img in enumerate(images):
        img = _convert(img, mode)
        if img.size != (w, h):
            img = img.resize((w, h), Image.Resampling.BILINEAR)
        pixels = np.asarray(img, dtype=np.float32)
        x[i] = pixels[None] if channels == 1 else pixels.transpose(2, 0, 1)
    x /= np.float32(255.0)
    info = {"format": "image folder", "size": [h, w], "mode": mode, "n_files": len(files),
            "pixel_scale": "byte/255"}
    return x, np.asarray(labels, np.int64), "classification", classes, info


def _convert(img, mode: str):
    # 16-bit and float grey images would saturate in a plain convert("L"): rescale first
    if img.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        arr = np.asarray(img, dtype=np.float64)
        top = 65535.0 if img.mode.startswith("I;16") or arr.max() > 255 else 255.0
        from PIL import Image

        img = Image.fromarray(np.clip(arr / top * 255.0, 0, 255).astype(np.uint8), "L")
    return img.convert(mode)
