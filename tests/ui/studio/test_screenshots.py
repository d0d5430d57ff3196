import importlib.util
from pathlib import Path

from PySide6.QtGui import QImage

SCRIPT = Path(__file__).resolve().parents[3] / "docs" / "make_screenshots.py"


def test_the_screenshot_script_renders_the_window(qapp, tmp_path, boxes):
    spec = importlib.util.spec_from_file_location("make_screenshots", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (path,) = module.render(tmp_path, ["studio_problems.png"])
    image = QImage(str(path))
    assert (image.width(), image.height()) == module.SIZE
    assert all((SCRIPT.parent / name).is_file() for name in module.SHOTS)  # committed
    assert not boxes  # nothing asked "save changes?"
