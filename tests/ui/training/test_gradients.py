"""GradientsWidget: norm and ratio lines, legend, histograms and heat maps, table, selection,
and redraws coalesced by a timer (only while visible).

The session is a small fake QObject with the TrainingSession's signals; the reports it emits
are real ones, from :class:`netlab.training.stats.TrainingStats` on a tiny compiled design
(with a grouped layer ``stage1.0``) trained for a few steps, alone (as reports without a
``"series"``) or batched the way the worker batches them (:func:`batched`).
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QObject, Qt, Signal

import netlab
from netlab.design.compile import compile as compile_design
from netlab.design.graph import Design
from netlab.design.infer import key_prefixes
from netlab.training.stats import HealthThresholds, TrainingStats
from ui.training.gradients import COLUMNS, PARTS, REDRAW_MS, GradientsWidget
from ui.training.gradients_data import HistogramRows, rebin
from ui.training.gradients_plots import fmt_stat as _fmt
from ui.training.health import HEALTH_COLORS
from ui.training.worker import histogram_series, stats_series


class FakeSession(QObject):
    """The signals of ui.training.session.TrainingSession that the views listen to."""

    runStarted = Signal(dict)
    statsUpdated = Signal(dict)
    stateChanged = Signal(str)
    runFinished = Signal(dict)


def make_design() -> tuple[Design, dict]:
    """Input(4) -> [stage1: fc1, relu] -> fc2 -> Output; returns the design and its ids."""
    d = Design()
    x = d.add_node("Input", name="x", params={"shape": [4]})
    fc1 = d.add_node("Linear", name="fc1", params={"out_features": 8})
    relu = d.add_node("ReLU", name="relu")
    fc2 = d.add_node("Linear", name="fc2", params={"out_features": 3})
    out = d.add_node("Output", name="out")
    for a, b in ((x, fc1), (fc1, relu), (relu, fc2), (fc2, out)):
        d.connect(a.id, b.id)
    for i, n in enumerate((x, fc1, relu, fc2, out)):
        d.move(n.id, (0.0, 90.0 * i))
    grp = d.group([fc1.id, relu.id], "stage1")
    return d, {"x": x.id, "fc1": fc1.id, "relu": relu.id, "fc2": fc2.id, "out": out.id,
               "stage1": grp.id}


def run_stats(design: Design, steps: int = 6, bins: int = 12, run_id: int = 1,
              thresholds: HealthThresholds | None = None, lr: float = 0.5,
              prepare=None, x_scale: float = 1.0) -> tuple[dict, list[dict]]:
    """(runStarted payload, statsUpdated payloads) of a short real run on ``design``."""
    netlab.manual_seed(0)
    model = compile_design(design)
    if prepare is not None:
        prepare(model)
    stats = TrainingStats(model, every=1, histogram_bins=bins, thresholds=thresholds).attach()
    opt = netlab.optim.SGD(model.parameters(), lr=lr)
    rng = np.random.default_rng(0)
    x = netlab.tensor((x_scale * rng.standard_normal((32, 4))).astype(np.float32))
    y = netlab.tensor(rng.integers(0, 3, 32))
    reports = []
    for step in range(steps):
        stats.begin_step(step)
        opt.zero_grad()
        netlab.nn.functional.cross_entropy(model(x), y).backward()
        stats.before_step(step)
        opt.step()
        reports.append({**stats.after_step(step), "run_id": run_id})
    prefixes = key_prefixes(design)
    info = {"run_id": run_id, "design_name": "tiny", "task": "classification",
            "layers": list(stats.layers),
            "parameters": [n for n, _ in model.named_parameters()],
            "node_of_layer": {p[:-1]: nid for nid, p in prefixes.items()},
            "input_shape": (4,), "data_kind": "vector"}
    return info, reports


def batched(reports: list[dict], sizes: list[int], worker_format: bool = True) -> list[dict]:
    """``statsUpdated`` payloads as the worker sends them: per emission the latest report
    plus ``"series"`` (every step since the previous emission) and ``"hist_series"`` (the
    histograms of the reports skipped), over chunks of ``sizes`` consecutive reports.

    ``worker_format``: the worker's own series (steps and edges per row); else the minimal
    form of the payload rules (counts lists and the latest edges only)."""
    out, i = [], 0
    for n in sizes:
        chunk, i = reports[i:i + n], i + n
        last = chunk[-1]
        if worker_format:
            out.append({**last, "series": stats_series(chunk),
                        "hist_series": histogram_series(chunk[:-1])})
            continue
        series = {"step": np.array([r["step"] for r in chunk]), "layers": {
            layer: {key: np.array([np.nan if r["layers"][layer][key] is None
                                   else r["layers"][layer][key] for r in chunk])
                    for key in ("grad_norm", "update_ratio", "weight_norm")}
            for layer in last["layers"]}}
        hist = {name: {kind: [r["parameters"][name][f"{kind}_hist"][0] for r in chunk[:-1]]
                       for kind in ("grad", "weight")}
                for name in last["parameters"]}
        out.append({**last, "series": series, "hist_series": hist})
    return out


def collected_steps(payloads: list[dict]) -> list[int]:
    """Every step the payloads carry: their series' steps, or their own step."""
    steps = []
    for r in payloads:
        series = r.get("series")
        steps += [int(s) for s in series["step"]] if series else [r["step"]]
    return steps


def play(session, widget, info, payloads) -> None:
    """Start the run, send the payloads and draw them (the timer's job, done at once)."""
    session.runStarted.emit(info)
    for r in payloads:
        session.statsUpdated.emit(r)
    widget.refresh()


@pytest.fixture(scope="module")
def tiny():
    design, ids = make_design()
    info, reports = run_stats(design)
    return design, ids, info, reports


@pytest.fixture
def widget(qtbot, tiny):
    session = FakeSession()
    w = GradientsWidget(session)
    qtbot.addWidget(w)
    w.resize(900, 800)
    _, _, info, reports = tiny
    play(session, w, info, reports)
    return w, session


class _Click:
    def button(self):
        return Qt.MouseButton.LeftButton

    def accept(self):
        pass


def test_the_fixture_is_a_grouped_design(tiny):
    _, ids, info, reports = tiny
    assert info["layers"] == ["stage1.0", "stage1.1", "fc2"]
    assert info["node_of_layer"]["stage1.0"] == ids["fc1"]
    assert reports[-1]["parameters"]["stage1.0.weight"]["grad_hist"][0].shape == (12,)


def test_one_norm_line_per_layer_with_the_reports_values(widget, tiny):
    w, _ = widget
    _, _, _, reports = tiny
    assert list(w.norm_curves) == ["stage1.0", "fc2"]  # the ReLU has no parameters
    assert list(w.ratio_curves) == ["stage1.0", "fc2"]
    steps = [r["step"] for r in reports]
    for layer in ("stage1.0", "fc2"):
        x, y = w.norm_curves[layer].getOriginalDataset()
        assert x.tolist() == steps
        np.testing.assert_allclose(y, [r["layers"][layer]["grad_norm"] for r in reports])
        x, y = w.ratio_curves[layer].getOriginalDataset()
        np.testing.assert_allclose(y, [r["layers"][layer]["update_ratio"] for r in reports])
    assert w.norm_plot.getPlotItem().ctrl.logYCheck.isChecked()
    assert w.ratio_plot.getPlotItem().ctrl.logYCheck.isChecked()
    assert [label.text for _, label in w.legend.items] == ["stage1.0", "fc2"]


def test_legend_click_hides_and_shows_a_layer(widget):
    w, _ = widget
    sample = next(s for s, label in w.legend.items if label.text == "fc2")
    sample.mouseClickEvent(_Click())  # what a click on the legend's line sample does
    assert not w.norm_curves["fc2"].isVisible() and not w.ratio_curves["fc2"].isVisible()
    assert not w.layer_visible("fc2") and w.layer_visible("stage1.0")
    assert w.norm_curves["stage1.0"].isVisible()
    sample.mouseClickEvent(_Click())
    assert w.norm_curves["fc2"].isVisible() and w.ratio_curves["fc2"].isVisible()
    assert w.layer_visible("fc2")


def test_hidden_layers_stay_hidden_on_the_next_run(widget, tiny):
    w, session = widget
    _, _, info, reports = tiny
    w.set_layer_visible("stage1.0", False)
    session.runStarted.emit({**info, "run_id": 2})
    session.statsUpdated.emit({**reports[0], "run_id": 2})
    assert not w.norm_curves["stage1.0"].isVisible()
    assert not w.ratio_curves["stage1.0"].isVisible()


def test_selected_layer_histograms_bar_and_heat_map(widget, tiny):
    w, _ = widget
    _, _, _, reports = tiny
    assert w.select_layer("fc2")
    assert w.selected_layer == "fc2"
    assert [w.param_combo.itemText(i) for i in range(w.param_combo.count())] == [
        "fc2.weight", "fc2.bias"]
    assert w.selected_parameter == "fc2.weight"  # weights first
    for kind in ("grad", "weight"):
        counts, edges = reports[-1]["parameters"]["fc2.weight"][f"{kind}_hist"]
        bars = w.bars[kind].opts
        np.testing.assert_array_equal(bars["height"], counts)
        np.testing.assert_allclose(bars["x0"], edges[:-1])
        np.testing.assert_allclose(bars["x1"], edges[1:])
        # heat map: one row per collected step, each row that step's counts over the latest
        # edges (earlier rows re-binned when the range doubled)
        stacked = np.stack([rebin(*r["parameters"]["fc2.weight"][f"{kind}_hist"], edges)
                            for r in reports])
        image = w.heats[kind].image
        assert image.shape == (len(reports), len(counts))
        np.testing.assert_allclose(np.expm1(image), stacked, atol=1e-9)
        np.testing.assert_allclose(np.expm1(image[-1]), counts, atol=1e-9)
        rect = w.heats[kind].mapRectToParent(w.heats[kind].boundingRect())
        assert rect.left() == pytest.approx(edges[0]) and rect.right() == pytest.approx(edges[-1])
        assert rect.top() == pytest.approx(reports[0]["step"])  # rows go up the step axis
        assert rect.bottom() >= reports[-1]["step"]
    w.param_combo.setCurrentText("fc2.bias")
    counts, _ = reports[-1]["parameters"]["fc2.bias"]["grad_hist"]
    np.testing.assert_array_equal(w.bars["grad"].opts["height"], counts)


def test_histogram_rows_regrid_when_the_range_doubles_and_thin_out():
    rows = HistogramRows(max_rows=4)
    rows.add(0, [1, 2, 3, 4], np.linspace(-1, 1, 5))
    rows.add(1, [0, 1, 1, 0], np.linspace(-2, 2, 5))  # range doubled: row 0 re-binned
    assert rows.counts().tolist() == [[0, 3, 7, 0], [0, 1, 1, 0]]
    for step in range(2, 6):
        rows.add(step, [step, 0, 0, 0], np.linspace(-2, 2, 5))
    # full at 4 rows: every other row dropped, then every 2nd histogram kept
    assert rows.steps.tolist() == [0, 2, 4]
    assert rows.latest.tolist() == [5, 0, 0, 0] and rows.stride == 2
    assert len(rows) <= 4


def test_layer_table_shows_the_latest_numbers(widget, tiny):
    w, _ = widget
    _, _, _, reports = tiny
    last = reports[-1]
    assert w.table.rowCount() == 3
    assert [w.table.horizontalHeaderItem(c).text() for c in range(len(COLUMNS))] == list(COLUMNS)
    for r, layer in enumerate(["stage1.0", "stage1.1", "fc2"]):
        st = last["layers"][layer]
        cells = [w.table.item(r, c).text() for c in range(len(COLUMNS))]
        assert cells == [layer, _fmt(st["grad_norm"]), _fmt(st["update_ratio"]),
                         _fmt(st["weight_norm"]), _fmt(st["dead_units_fraction"], True),
                         "healthy"]
    assert w.table.item(0, 1).text() == f"{last['layers']['stage1.0']['grad_norm']:.3g}"
    assert w.table.item(0, 4).text() == "–"  # a Linear has no dead-unit fraction
    assert w.table.item(1, 4).text().endswith("%")  # the ReLU has one


def test_select_layer_sets_combo_table_and_signal(widget, qtbot):
    w, _ = widget
    with qtbot.waitSignal(w.layerSelected) as sig:
        assert w.select_layer("stage1.0")
    assert sig.args == ["stage1.0"]
    assert w.layer_combo.currentText() == "stage1.0"
    assert w.table.selectedItems()[0].text() == "stage1.0"
    assert w.selected_parameter == "stage1.0.weight"
    # a layer without parameters: its row is highlighted, the histograms stay
    assert w.select_layer("stage1.1")
    assert w.table.selectedItems()[0].text() == "stage1.1"
    assert w.selected_layer == "stage1.0"
    assert not w.select_layer("nope")
    # the combo and a table click select too
    w.layer_combo.setCurrentText("fc2")
    assert w.table.selectedItems()[0].text() == "fc2"
    w._on_table_cell_clicked(0, 3)
    assert w.selected_layer == "stage1.0"


def test_a_new_run_starts_over_and_ignores_late_reports(widget, tiny):
    w, session = widget
    _, _, info, reports = tiny
    session.runStarted.emit({**info, "run_id": 7})
    assert len(w.history) == 0
    assert w.norm_curves["fc2"].getOriginalDataset()[0] is None or \
        len(w.norm_curves["fc2"].getOriginalDataset()[0]) == 0
    session.statsUpdated.emit(reports[-1])  # run 1's: late, dropped
    assert len(w.history) == 0
    session.statsUpdated.emit({**reports[0], "run_id": 7})
    assert len(w.history) == 1
    w.refresh()
    assert w.heats["grad"].image.shape[0] == 1


def test_without_histogram_bins_the_view_says_how_to_get_them(qtbot):
    design, _ = make_design()
    info, reports = run_stats(design, steps=2, bins=0)
    session = FakeSession()
    w = GradientsWidget(session)
    qtbot.addWidget(w)
    play(session, w, info, reports)
    assert "histogram bins" in w.status.text()
    assert len(w.bars["grad"].opts["height"]) == 0
    assert len(w.norm_curves["fc2"].getOriginalDataset()[1]) == 2
    session.runStarted.emit({**info, "run_id": 2, "config": {"stats_every": 0}})
    assert "statistics are off" in w.status.text()


def test_nonfinite_and_unhealthy_values_read_as_gaps_and_flags(qtbot, tiny):
    design, _, _, _ = tiny
    info, reports = run_stats(design, steps=3, thresholds=HealthThresholds(exploding=1e-9))
    session = FakeSession()
    w = GradientsWidget(session)
    qtbot.addWidget(w)
    session.runStarted.emit(info)
    bad = {**reports[-1], "step": 3,
           "layers": {**reports[-1]["layers"],
                      "fc2": {**reports[-1]["layers"]["fc2"], "grad_norm": float("nan")}}}
    for r in reports + [bad]:
        session.statsUpdated.emit(r)
    w.refresh()
    y = w.norm_curves["fc2"].getOriginalDataset()[1]
    assert np.isnan(y[-1]) and np.isfinite(y[:-1]).all()
    assert w.table.item(2, 5).text() == "exploding"
    assert w.table.item(2, 5).background().color().name() == HEALTH_COLORS["exploding"].lower()
    assert "exploding" in w.status.text()
    session.statsUpdated.emit({"run_id": 1, "layers": None, "parameters": 5})  # no raise
    session.statsUpdated.emit({**reports[-1], "step": 9, "series": {"step": [8, 9], "layers": {
        "fc2": {"grad_norm": [1.0]}}}})  # a malformed series: logged, nothing drawn from it
    w.refresh()
    assert w.history.steps[-1] == 3


# batched reports ("series") and coalesced redraws -----------------------------------------


@pytest.fixture(scope="module")
def longer():
    design, _ = make_design()
    return run_stats(design, steps=12, bins=10)


def test_series_put_every_collected_step_on_the_lines(qtbot, longer):
    info, reports = longer
    payloads = batched(reports, [1, 5, 2, 4])  # 4 emissions carrying 12 steps
    session = FakeSession()
    w = GradientsWidget(session)
    qtbot.addWidget(w)
    play(session, w, info, payloads)
    steps = [r["step"] for r in reports]
    assert collected_steps(payloads) == steps
    for layer in ("stage1.0", "fc2"):
        x, y = w.norm_curves[layer].getOriginalDataset()
        assert x.tolist() == steps
        np.testing.assert_allclose(y, [r["layers"][layer]["grad_norm"] for r in reports])
        _, y = w.ratio_curves[layer].getOriginalDataset()
        np.testing.assert_allclose(y, [r["layers"][layer]["update_ratio"] for r in reports])
    # the table shows the latest report of the last emission
    assert w.table.item(2, 1).text() == _fmt(reports[-1]["layers"]["fc2"]["grad_norm"])
    # a repeated emission (same steps) adds nothing; one without a series adds its step
    session.statsUpdated.emit(payloads[-1])
    session.statsUpdated.emit({**reports[-1], "step": 20})
    w.refresh()
    assert w.norm_curves["fc2"].getOriginalDataset()[0].tolist() == steps + [20]


def test_series_values_that_are_none_or_not_positive_read_as_gaps(qtbot, longer):
    info, reports = longer
    payload = batched(reports[:3], [3])[0]
    payload["series"]["layers"]["fc2"]["grad_norm"] = np.array([0.5, np.nan, 0.0])
    payload["series"]["layers"]["stage1.0"]["update_ratio"] = None
    session = FakeSession()
    w = GradientsWidget(session)
    qtbot.addWidget(w)
    play(session, w, info, [payload])
    y = w.norm_curves["fc2"].getOriginalDataset()[1]
    assert y[0] == 0.5 and np.isnan(y[1:]).all()
    assert np.isnan(w.ratio_curves["stage1.0"].getOriginalDataset()[1]).all()


@pytest.mark.parametrize("worker_format", [True, False])
def test_hist_series_give_the_heat_map_a_row_per_collected_step(qtbot, longer, worker_format):
    info, reports = longer
    session = FakeSession()
    w = GradientsWidget(session)
    qtbot.addWidget(w)
    play(session, w, info, batched(reports, [4, 8], worker_format))
    w.select_layer("fc2")
    for kind in ("grad", "weight"):
        rows = w.history.histograms("fc2.weight", kind)
        assert rows.steps.tolist() == [r["step"] for r in reports]
        counts, edges = reports[-1]["parameters"]["fc2.weight"][f"{kind}_hist"]
        image = w.heats[kind].image
        assert image.shape == (len(reports), len(counts))
        np.testing.assert_allclose(np.expm1(image[-1]), counts, atol=1e-9)
        for row, r in zip(np.expm1(image), reports):
            c, e = r["parameters"]["fc2.weight"][f"{kind}_hist"]
            # every row: that step's counts over the latest edges (exact with the worker's
            # edges per row; the minimal form assumes the latest edges for the skipped rows)
            if worker_format or np.array_equal(e, edges):
                np.testing.assert_allclose(row, rebin(c, e, edges), atol=1e-9)
    # without hist_series: one row per emission
    w2 = GradientsWidget(session)
    qtbot.addWidget(w2)
    play(session, w2, info, [{k: v for k, v in p.items() if k != "hist_series"}
                             for p in batched(reports, [4, 8])])
    assert w2.history.histograms("fc2.weight", "grad").steps.tolist() == [3, 11]


def test_range_doublings_inside_one_emission_rebin_the_earlier_rows(qtbot, longer):
    info, reports = longer
    name = "stage1.0.bias"
    grow = [r["parameters"][name]["grad_hist"][1][-1] for r in reports]
    assert len(set(grow)) == 3, "the fixture's gradient range doubles twice"
    session = FakeSession()
    w = GradientsWidget(session)
    qtbot.addWidget(w)
    play(session, w, info, batched(reports, [12]))  # every doubling inside one emission
    rows = w.history.histograms(name, "grad")
    latest = reports[-1]["parameters"][name]["grad_hist"][1]
    np.testing.assert_allclose(rows.edges, latest)
    assert len(rows) == len(reports)
    for row, r in zip(rows.counts(), reports):
        c, e = r["parameters"][name]["grad_hist"]
        assert row.sum() == pytest.approx(c.sum())
        np.testing.assert_allclose(row, rebin(c, e, latest), atol=1e-9)


def test_reports_only_append_and_one_timer_redraws_the_visible_view(qtbot, longer):
    info, reports = longer
    session = FakeSession()
    w = GradientsWidget(session)
    qtbot.addWidget(w)
    w.resize(900, 700)
    w.show()
    qtbot.waitExposed(w)
    session.runStarted.emit(info)
    start = w.redraws
    for r in reports:  # a burst: nothing is drawn from inside the signals
        session.statsUpdated.emit(r)
    assert w.redraws == start and w.pending
    assert len(w.history) == len(reports)
    assert w.norm_curves["fc2"].getOriginalDataset()[0] is None
    qtbot.waitUntil(lambda: not w.pending, timeout=5 * REDRAW_MS)
    qtbot.wait(2 * REDRAW_MS)
    assert w.redraws == start + 1 and not w.pending  # the whole burst in one redraw
    assert len(w.norm_curves["fc2"].getOriginalDataset()[0]) == len(reports)


def test_a_redraw_paints_its_parts_in_separate_turns_of_the_event_loop(qtbot, longer):
    info, reports = longer
    session = FakeSession()
    w = GradientsWidget(session)
    qtbot.addWidget(w)
    w.resize(900, 700)
    w.show()
    qtbot.waitExposed(w)
    ticks, drawn = [0], []
    w.pacer.timer.timeout.connect(lambda: ticks.__setitem__(0, ticks[0] + 1))
    draw = w._draw
    w._draw = lambda part: (drawn.append((part, ticks[0])), draw(part))
    session.runStarted.emit(info)
    for r in batched(reports, [12]):
        session.statsUpdated.emit(r)
    qtbot.waitUntil(lambda: not w.pending, timeout=5 * REDRAW_MS)
    # each part in its own timer call: the window paints (and takes input) between them
    assert drawn == [(part, i) for i, part in enumerate(PARTS)]
    assert w.heats["weight"].image.shape[0] == len(reports)


def test_a_hidden_view_buffers_and_draws_once_when_shown(qtbot, longer):
    info, reports = longer
    session = FakeSession()
    w = GradientsWidget(session)
    qtbot.addWidget(w)
    session.runStarted.emit(info)
    for r in reports:
        session.statsUpdated.emit(r)
    qtbot.wait(2 * REDRAW_MS)  # the timer fired while hidden: no redraw
    assert not w.isVisible() and w.redraws == 0 and w.pending
    w.show()  # showEvent: what came while hidden, drawn once
    qtbot.waitUntil(lambda: not w.pending, timeout=5 * REDRAW_MS)
    assert w.redraws == 1
    assert len(w.norm_curves["fc2"].getOriginalDataset()[0]) == len(reports)
    w.hide()
    w.show()  # nothing new: no second redraw
    qtbot.wait(2 * REDRAW_MS)
    assert w.redraws == 1


def test_the_legend_sits_beside_the_plots_and_shows_every_layer(widget, qtbot):
    w, _ = widget
    w.show()
    qtbot.waitExposed(w)
    legend = w.legend_view.geometry()
    for plot in (w.norm_plot, w.ratio_plot):
        assert not plot.geometry().intersects(legend)
    assert legend.left() >= w.ratio_plot.geometry().right()
    width = w.legend.mapRectToScene(w.legend.boundingRect()).right()
    assert 0 < width <= w.legend_view.width()  # every name fits in its column


def test_behind_another_tab_the_view_draws_when_its_tab_comes_forward(qtbot, longer):
    from PySide6.QtWidgets import QLabel, QScrollArea, QTabWidget

    info, reports = longer
    session = FakeSession()
    w = GradientsWidget(session)
    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    scroll = QScrollArea()  # as the Training dock holds it
    scroll.setWidgetResizable(True)
    scroll.setWidget(w)
    tabs.addTab(QLabel("curves"), "Curves")
    tabs.addTab(scroll, "Gradients")
    tabs.resize(900, 700)
    tabs.show()
    qtbot.waitExposed(tabs)
    session.runStarted.emit(info)
    for r in batched(reports, [6, 6]):
        session.statsUpdated.emit(r)
    qtbot.wait(2 * REDRAW_MS)
    assert w.redraws == 0 and w.pending
    tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: not w.pending, timeout=5 * REDRAW_MS)
    assert w.redraws == 1
    assert len(w.norm_curves["fc2"].getOriginalDataset()[0]) == len(reports)


def test_a_deep_models_legend_flows_into_columns_and_fits(qtbot):
    names = [f"block{i}.fc" for i in range(12)]
    report = {"run_id": 1, "step": 0, "health": dict.fromkeys(names, "healthy"),
              "layers": {n: {"grad_norm": 0.1 * (i + 1), "update_ratio": 1e-3,
                             "weight_norm": 1.0} for i, n in enumerate(names)},
              "parameters": {f"{n}.weight": {"layer": n} for n in names}}
    session = FakeSession()
    w = GradientsWidget(session)
    qtbot.addWidget(w)
    w.resize(1000, 560)
    w.show()
    qtbot.waitExposed(w)
    session.runStarted.emit({"run_id": 1, "layers": names,
                             "parameters": list(report["parameters"])})
    session.statsUpdated.emit(report)
    w.refresh()
    assert [label.text for _, label in w.legend.items] == names
    assert w.legend.columnCount > 1  # twelve rows do not fit beside a ~190 px plot
    box = w.legend.mapRectToScene(w.legend.boundingRect())
    assert box.bottom() <= w.legend_view.height() and box.right() <= w.legend_view.width()
    w.resize(1000, 1400)  # room for one column again
    qtbot.waitUntil(lambda: w.legend.columnCount == 1)
    box = w.legend.mapRectToScene(w.legend.boundingRect())
    assert box.bottom() <= w.legend_view.height()


def test_the_first_report_reuses_the_lines_run_started_built(qtbot, tiny):
    _, _, info, reports = tiny
    session = FakeSession()
    w = GradientsWidget(session)
    qtbot.addWidget(w)
    session.runStarted.emit(info)
    lines = dict(w.norm_curves)
    session.statsUpdated.emit(reports[0])
    assert w.norm_curves == lines  # the same items: no second rebuild
    assert w.selected_parameter == "stage1.0.weight"  # its parameters, from the report
    # a report naming other layers than announced: rebuilt from the report
    session.statsUpdated.emit({**reports[1], "layers": {"fc2": reports[1]["layers"]["fc2"]},
                               "parameters": {"fc2.weight": reports[1]["parameters"]["fc2.weight"]},
                               "health": {"fc2": "healthy"}})
    assert list(w.norm_curves) == ["fc2"]
