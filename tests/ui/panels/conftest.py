"""A Document on the LeNet example (inference undelayed) and helpers for the panel tests."""

import pytest

from netlab.design.io import load_design
from ui.editor.document import Document
from ui.editor.files import example_path


@pytest.fixture
def doc(qtbot):
    """LeNet (x, conv1, relu1, pool1, conv2, ..., fc3, out) in a Document."""
    return Document(load_design(example_path("lenet")), debounce_ms=0)


def node_id(doc, name: str) -> str:
    return next(n.id for n in doc.design.nodes.values() if n.name == name)


def show(qtbot, widget):
    qtbot.addWidget(widget)
    widget.resize(420, 700)
    widget.show()
    return widget
