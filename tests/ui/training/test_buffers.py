"""GrowableBuffer (doubling capacity, views of the filled part) and the chunked, vectorised EMA."""

import numpy as np
import pytest

from ui.training.buffers import GrowableBuffer, ema, ema_continue


def test_appends_concatenate_and_capacity_doubles():
    buf = GrowableBuffer(("step", "loss"), capacity=4)
    rng = np.random.default_rng(0)
    chunks = [rng.random(k) for k in (3, 1, 5, 0, 40, 2)]
    start = 0
    capacities = []
    for c in chunks:
        buf.append(step=np.arange(start, start + len(c)), loss=c)
        start += len(c)
        capacities.append(buf.capacity)
    assert len(buf) == 51
    np.testing.assert_array_equal(buf["loss"], np.concatenate(chunks))
    np.testing.assert_array_equal(buf["step"], np.arange(51))
    assert capacities == [4, 4, 16, 16, 64, 64]  # doubled, never one point at a time
    view = buf["loss"]
    with pytest.raises(ValueError):
        view[0] = 1.0  # views are read-only: the plot holds them
    buf.append(step=7, loss=0.5)  # scalars are one point
    assert buf["loss"][-1] == 0.5 and len(buf) == 52
    buf.clear()
    assert len(buf) == 0 and buf["step"].shape == (0,)


def test_missing_columns_are_nan_and_bad_chunks_are_refused():
    buf = GrowableBuffer(("step", "loss", "accuracy"))
    buf.append(step=[1, 2], loss=[0.5, 0.4], accuracy=None)
    assert np.isnan(buf["accuracy"]).all() and buf["loss"].tolist() == [0.5, 0.4]
    with pytest.raises(ValueError, match="different lengths"):
        buf.append(step=[3, 4], loss=[0.3])
    with pytest.raises(KeyError, match="unknown column.*lr"):
        buf.append(step=[3], lr=[0.1])
    with pytest.raises(ValueError, match="at least one column"):
        GrowableBuffer(())


def test_ema_in_chunks_equals_the_whole_series_and_the_recurrence():
    rng = np.random.default_rng(1)
    x = rng.normal(size=1000) + np.linspace(3, 0, 1000)
    for w in (0.0, 0.3, 0.6, 0.99):
        s, ref = 0.0, []
        for t, v in enumerate(x, 1):
            s = w * s + (1 - w) * v
            ref.append(s / (1 - w ** t))
        whole = ema(x, w)
        np.testing.assert_allclose(whole, ref, rtol=1e-10, atol=1e-12)
        parts, state = [], (0.0, 0)
        for cut in np.split(x, [7, 300, 301, 777]):  # across the 256-point blocks
            out, state = ema_continue(cut, w, state)
            parts.append(out)
        np.testing.assert_allclose(np.concatenate(parts), whole, rtol=1e-12)
    np.testing.assert_array_equal(ema(x, 0.0), x)  # no smoothing: the raw values
    assert ema(np.array([]), 0.5).shape == (0,)
