"""ResultsWidget: confusion matrix, misclassified images, regression fit and decision boundary
equal the resultsUpdated payloads (from a fake session), drawn coalesced (the latest payload,
at most once per timer interval, none while hidden), ten classes fit a docked height, and a
real short run fills them."""

import numpy as np
import pytest
from PySide6.QtGui import QColor

from netlab.training import TrainConfig
from tests.ui.training import _session_fixtures
from tests.ui.training.test_curves import FakeSession
from ui.training.results import REDRAW_MS, ResultsWidget
from ui.training.results_views import class_lut, image_to_qimage

settings = _session_fixtures.settings  # real sessions: throwaway settings
make_session = _session_fixtures.make_session


@pytest.fixture
def setup(qtbot):
    session = FakeSession()
    widget = ResultsWidget(session)
    qtbot.addWidget(widget)
    widget.resize(900, 500)
    widget.show()
    return session, widget


def emit(session, widget, qtbot, payload):
    """Emit ``payload`` and wait for the widget's coalesced redraw of it."""
    count = widget.redraw_count
    session.resultsUpdated.emit(payload)
    qtbot.waitUntil(lambda: widget.redraw_count > count, timeout=2000)


def started(session, task="classification", classes=("cat", "dog", "fox"), shape=(2,),
            kind="points2d", run_id=1):
    session.runStarted.emit({"run_id": run_id, "task": task, "classes": list(classes or []),
                             "input_shape": shape, "data_kind": kind})


def test_confusion_cells_equal_the_payload(setup, qtbot):
    session, widget = setup
    started(session, kind="vector", shape=(5,))
    assert widget.pages.currentWidget() is widget.empty_page
    conf = np.array([[7, 2, 1], [0, 9, 0], [3, 0, 5]])
    per_class = [0.7, 1.0, 0.625]
    emit(session, widget, qtbot, {"run_id": 1, "step": 40, "task": "classification",
                                 "confusion": conf, "classes": ["cat", "dog", "fox"],
                                 "per_class_accuracy": per_class})
    table = widget.confusion
    assert widget.pages.currentWidget() is widget.classification_page
    assert (table.rowCount(), table.columnCount()) == (3, 4)
    cells = [[int(table.item(i, j).text()) for j in range(3)] for i in range(3)]
    assert cells == conf.tolist()
    assert [table.item(i, 3).text() for i in range(3)] == ["70%", "100%", "62%"]
    assert [table.verticalHeaderItem(i).text() for i in range(3)] == ["cat", "dog", "fox"]
    assert table.horizontalHeaderItem(1).text() == "dog"
    # diagonal cells shade blue, errors red, and a full row is darker than a partial one
    assert table.item(1, 1).background().color().blue() > table.item(1, 1).background(
    ).color().red()
    assert table.item(2, 0).background().color().red() > table.item(2, 0).background(
    ).color().blue()
    assert table.item(1, 1).background().color().lightness() < table.item(0, 0).background(
    ).color().lightness()
    assert "step 40" in widget.header.text() and "accuracy 77.8 % on 27" in widget.header.text()
    assert widget.boundary.isHidden() and widget.misclassified.isHidden()
    # a later update rewrites the same cells in place
    emit(session, widget, qtbot, {"run_id": 1, "step": 80, "task": "classification",
                                 "confusion": np.eye(3, dtype=int) * 4,
                                 "classes": ["cat", "dog", "fox"],
                                 "per_class_accuracy": [1.0, 1.0, None]})
    assert table.item(0, 1).text() == "0" and table.item(2, 2).text() == "4"
    assert table.item(2, 3).text() == "-"
    # results of another (earlier) run are ignored
    session.resultsUpdated.emit({"run_id": 7, "step": 1, "task": "classification",
                                 "confusion": np.ones((3, 3), int), "classes": None,
                                 "per_class_accuracy": None})
    qtbot.wait(2 * REDRAW_MS)
    assert table.item(0, 1).text() == "0" and widget.pending is None


def test_misclassified_grid_shows_each_sample(setup, qtbot):
    session, widget = setup
    started(session, classes=[str(i) for i in range(10)], shape=(1, 8, 8), kind="image")
    rng = np.random.default_rng(0)
    samples = [(rng.random((8, 8)).astype(np.float32), i % 10, (i + 3) % 10)
               for i in range(11)]
    payload = {"run_id": 1, "step": 5, "task": "classification",
               "confusion": np.full((10, 10), 2), "classes": [str(i) for i in range(10)],
               "per_class_accuracy": [0.2] * 10, "misclassified": samples}
    emit(session, widget, qtbot, payload)
    grid = widget.misclassified
    assert not grid.isHidden() and grid.shown_count() == 11
    image, caption = grid.cells[4]
    assert caption.text() == "4 → 7" and not image.pixmap().isNull()
    assert widget.boundary.isHidden()
    emit(session, widget, qtbot, {**payload, "misclassified": samples[:3]})
    assert grid.shown_count() == 3 and grid.empty.isHidden()
    emit(session, widget, qtbot, {**payload, "misclassified": []})
    assert grid.shown_count() == 0 and not grid.empty.isHidden()


def test_image_to_qimage_stretches_gray_and_colour_images():
    gray = image_to_qimage(np.array([[0.0, 1.0], [2.0, 4.0]]))
    assert [QColor(gray.pixel(x, y)).red() for y in range(2) for x in range(2)] == \
        [0, 64, 128, 255]
    rgb = np.zeros((3, 4, 5))
    rgb[0] = 1.0  # red everywhere: CxHxW
    img = image_to_qimage(rgb)
    assert img.size().toTuple() == (5, 4)
    assert QColor(img.pixel(2, 1)).getRgb()[:3] == (255, 0, 0)
    with pytest.raises(ValueError, match="HxW or CxHxW"):
        image_to_qimage(np.zeros(5))


def test_regression_curves_equal_target_and_prediction(setup, qtbot):
    session, widget = setup
    started(session, task="regression", classes=None, shape=(1,), kind="vector")
    x = np.linspace(-3, 3, 50)
    target, prediction = np.sin(x), 0.8 * np.sin(x) + 0.05
    emit(session, widget, qtbot, {"run_id": 1, "step": 9, "task": "regression", "x": x,
                                 "target": target, "prediction": prediction})
    view = widget.regression
    assert widget.pages.currentWidget() is view
    tx, ty = view.targets.getData()
    np.testing.assert_array_equal(tx, x)
    np.testing.assert_array_equal(ty, target)
    px, py = view.prediction.getData()
    np.testing.assert_array_equal(px, x)
    np.testing.assert_array_equal(py, prediction)
    assert view.prediction.opts["symbol"] is None  # one input: the fit drawn as a line
    np.testing.assert_array_equal(view.parity.getData()[0], target)
    mse = np.mean((target - prediction) ** 2)
    assert f"mean squared error {mse:.4g}" in widget.header.text()
    # several input features: x is only the first one, so predictions are points
    started(session, task="regression", classes=None, shape=(3,), kind="vector", run_id=2)
    shuffled = np.random.default_rng(1).permutation(50)
    emit(session, widget, qtbot, {"run_id": 2, "step": 3, "task": "regression",
                                 "x": x[shuffled], "target": target[shuffled],
                                 "prediction": prediction[shuffled]})
    assert view.prediction.opts["symbol"] == "o"
    np.testing.assert_array_equal(view.prediction.getData()[1], prediction[shuffled])


def test_decision_boundary_image_equals_the_class_grid(setup, qtbot):
    session, widget = setup
    started(session, classes=["a", "b", "c"])
    gx, gy = np.linspace(-1, 2, 12), np.linspace(0, 1, 8)
    xx, yy = np.meshgrid(gx, gy, indexing="ij")  # (gx, gy), as the worker makes it
    probs = (xx > 0.5).astype(np.int64) + (yy > 0.5)
    confidence = np.full(xx.shape, 0.9)
    points = np.array([[0.0, 0.2], [1.5, 0.9], [1.0, 0.1]])
    labels = np.array([0, 2, 1])
    payload = {"run_id": 1, "step": 12, "task": "classification",
               "confusion": np.eye(3, dtype=int), "classes": ["a", "b", "c"],
               "per_class_accuracy": [1.0, 1.0, 1.0],
               "boundary": {"xx": xx, "yy": yy, "probs": probs, "confidence": confidence,
                            "points": points, "labels": labels}}
    emit(session, widget, qtbot, payload)
    plot = widget.boundary
    assert not plot.isHidden() and widget.misclassified.isHidden()
    np.testing.assert_array_equal(plot.class_image.image, probs)
    rect = plot.class_image.mapRectToParent(plot.class_image.boundingRect())
    dx, dy = 3 / 11, 1 / 7
    np.testing.assert_allclose([rect.left(), rect.right(), rect.top(), rect.bottom()],
                               [-1 - dx / 2, 2 + dx / 2, -dy / 2, 1 + dy / 2])
    plot.class_image.render()  # the drawn pixel of each cell is its class's colour
    lut = class_lut(3)
    for i, j in [(0, 0), (11, 0), (0, 7), (11, 7), (6, 3)]:
        rgb = QColor(plot.class_image.qimage.pixel(i, j)).getRgb()[:3]
        assert rgb == tuple(lut[probs[i, j]]), (i, j)
    for k, scatter in enumerate(plot.scatters):
        x, y = scatter.getData()
        np.testing.assert_array_equal(np.stack([x, y], 1), points[labels == k])
    # a grid given y first (meshgrid's default "xy" indexing) is drawn the same way
    emit(session, widget, qtbot, {**payload, "boundary": {**payload["boundary"],
                                 "xx": xx.T, "yy": yy.T, "probs": probs.T,
                                 "confidence": confidence.T}})
    np.testing.assert_array_equal(plot.class_image.image, probs)


def test_a_real_moons_run_fills_the_results(qtbot, make_session):
    session = make_session()
    widget = ResultsWidget(session)
    qtbot.addWidget(widget)
    seen = []
    session.resultsUpdated.connect(seen.append)
    with qtbot.waitSignal(session.runFinished, timeout=10_000):
        assert session.start("moons", TrainConfig(epochs=3, batch_size=16, lr=0.1),
                             {"n_samples": 200, "val_split": 0.2})
    widget.show()  # hidden, it kept the latest results: shown, it draws them
    assert widget.pending is None and widget.redraw_count == 1
    last = seen[-1]
    table = widget.confusion
    cells = [[int(table.item(i, j).text()) for j in range(2)] for i in range(2)]
    assert cells == last["confusion"].tolist() and sum(map(sum, cells)) == 40
    np.testing.assert_array_equal(widget.boundary.class_image.image, last["boundary"]["probs"])
    assert not widget.boundary.isHidden()


def confusion_payload(step, c=3, run_id=1):
    conf = np.full((c, c), step)
    return {"run_id": run_id, "step": step, "task": "classification", "confusion": conf,
            "classes": [str(i) for i in range(c)], "per_class_accuracy": [1 / c] * c}


def test_a_burst_of_results_draws_the_latest_once_and_hidden_none(setup, qtbot):
    session, widget = setup
    started(session)
    for step in range(1, 9):
        session.resultsUpdated.emit(confusion_payload(step))
    assert widget.redraw_count == 0 and widget.pending["step"] == 8  # signals only keep it
    qtbot.waitUntil(lambda: widget.redraw_count == 1, timeout=2000)
    assert widget.confusion.item(0, 0).text() == "8" and "step 8" in widget.header.text()
    qtbot.wait(2 * REDRAW_MS)
    assert widget.redraw_count == 1
    widget.hide()
    session.resultsUpdated.emit(confusion_payload(9))
    qtbot.wait(2 * REDRAW_MS)
    assert widget.redraw_count == 1 and widget.confusion.item(0, 0).text() == "8"
    widget.show()
    assert widget.redraw_count == 2 and widget.confusion.item(0, 0).text() == "9"
    # a new run drops the previous run's undrawn results
    widget.hide()
    session.resultsUpdated.emit(confusion_payload(10))
    started(session, run_id=2)
    widget.show()
    assert widget.redraw_count == 2 and widget.pages.currentWidget() is widget.empty_page


def test_ten_classes_fit_a_docked_height_readably(setup, qtbot):
    session, widget = setup
    widget.resize(900, 300)
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]
    started(session, classes=classes, shape=(1, 28, 28), kind="image")
    payload = confusion_payload(5, c=10)
    payload["confusion"] = np.random.default_rng(0).integers(0, 1200, (10, 10))
    payload["classes"] = classes
    rng = np.random.default_rng(1)  # and the most misclassified samples a payload has
    payload["misclassified"] = [(rng.random((28, 28)), i % 10, (i + 1) % 10)
                                for i in range(16)]
    emit(session, widget, qtbot, payload)
    qtbot.wait(50)
    assert widget.minimumSizeHint().height() <= 300  # no scrolling in a docked view
    assert widget.misclassified.shown_count() == 16
    table = widget.confusion
    assert not table.verticalScrollBar().isVisible()
    assert not table.horizontalScrollBar().isVisible()
    text_height = table.fontMetrics().height()
    last = table.rowViewportPosition(9) + table.rowHeight(9)
    assert last <= table.viewport().height()
    assert all(table.rowHeight(i) >= text_height for i in range(10))
    # long names: columns by index (a name each in the tooltip), rows by index and name
    assert table.horizontalHeaderItem(0).text() == "0"
    assert table.horizontalHeaderItem(0).toolTip() == "predicted T-shirt/top"
    assert table.verticalHeaderItem(9).text() == "9 Ankle boot"
    width = table.fontMetrics().horizontalAdvance("1199")
    assert all(table.columnWidth(j) >= width for j in range(10))
