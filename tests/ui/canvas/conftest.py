"""Canvas fixtures: a Document over an example design and a shown CanvasView."""

from pathlib import Path

import pytest

from netlab.design.io import load_design
from ui.canvas.view import CanvasView
from ui.editor.document import Document

EXAMPLES = Path(__file__).resolve().parents[3] / "resources" / "examples"


def make_view(qtbot, design, size=(900, 700)) -> CanvasView:
    doc = Document(design, debounce_ms=10)
    doc.refresh_now()
    view = CanvasView(doc)
    qtbot.addWidget(view)
    view.resize(*size)
    view.show()
    qtbot.waitExposed(view)
    return view


def by_name(design, name: str) -> str:
    return next(i for i, n in list(design.nodes.items()) + list(design.groups.items())
                if n.name == name)


@pytest.fixture
def lenet(qtbot) -> CanvasView:
    return make_view(qtbot, load_design(EXAMPLES / "lenet.json"))


@pytest.fixture
def residual(qtbot) -> CanvasView:
    return make_view(qtbot, load_design(EXAMPLES / "residual_block.json"))
