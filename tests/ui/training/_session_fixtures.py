"""Tiny designs, a throwaway-settings session and a payload check, for the session, worker
and panel tests (owned with ui/training/session.py)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QSettings

from netlab.tensor import Tensor
from ui.editor.document import Document
from ui.training.session import TrainingSession


def mlp_document(n_in: int = 2, hidden: int = 8, n_out: int = 2, shape=None) -> Document:
    """Input [-> Flatten] -> Linear(hidden) -> ReLU -> Linear(n_out) -> Output; the layers
    are named fc1, relu, fc2."""
    doc = Document(debounce_ms=0)
    x = doc.add_node("Input", params={"shape": list(shape or [n_in])}, name="x")
    if shape is not None and len(shape) > 1:  # images: Flatten first
        x = doc.add_node("Flatten", after=x, name="flatten")
    a = doc.add_node("Linear", after=x, params={"in_features": "auto", "out_features": hidden,
                                                "bias": True}, name="fc1")
    r = doc.add_node("ReLU", after=a, name="relu")
    b = doc.add_node("Linear", after=r, params={"in_features": "auto", "out_features": n_out,
                                                "bias": True}, name="fc2")
    doc.add_node("Output", after=b, name="out")
    doc.refresh_now()
    return doc


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_session(qtbot, settings):
    made = []

    def make(document: Document | None = None) -> TrainingSession:
        session = TrainingSession(document or mlp_document(), settings=settings)
        made.append(session)
        return session

    yield make
    for session in made:  # never leave a training thread behind
        session.shutdown()


def assert_plain(value, where="payload"):
    """Fail when ``value`` holds anything but Python scalars/containers and numpy arrays."""
    if value is None or isinstance(value, (bool, int, float, str, np.ndarray, np.generic)):
        assert not isinstance(value, Tensor)
        return
    if isinstance(value, dict):
        for k, v in value.items():
            assert_plain(v, f"{where}[{k!r}]")
        return
    assert isinstance(value, (list, tuple)), f"{where} is a {type(value).__name__}"
    for i, v in enumerate(value):
        assert_plain(v, f"{where}[{i}]")
