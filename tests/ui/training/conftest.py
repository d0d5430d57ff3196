import pytest

from ui.training import pacing


@pytest.fixture(autouse=True)
def draw_at_the_shortest_interval(monkeypatch):
    """The views redraw every ``REDRAW_MS`` whatever their drawing costs: these tests check
    what they draw, on a shared machine where a redraw may take long; ``test_pacing.py``
    tests the spacing itself with its own pacers."""
    monkeypatch.setattr(pacing, "DRAW_SHARE", 1.0)
