"""The model summary: every layer with its place, shape, parameters and keys, and the totals.

Rows follow :func:`netlab.design.export.summary` (topological order, the hierarchical name
being the node's state_dict prefix); totals come from the Document's cost report for the
chosen batch size and optimizer. "DataParallel preview" shows the names and keys as a
``DataParallel`` wrap would give them (``module.`` first) without touching the design; the two
model toggles do change the design, through the Document (undoable).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from netlab.design.costs import OPTIMIZER_STATES
from netlab.design.graph import SPECIAL
from netlab.design.infer import StateEntry, format_shape
from ui.panels.formatting import (
    copy_text,
    document_costs,
    format_bytes,
    format_count,
)
from ui.panels.keys_table import KEY_COLUMNS, KeysTableWidget, setup_table
from ui.panels.rows_model import RowsModel

LAYER_COLUMNS = ("Layer", "Type", "Output shape", "Params", "MACs", "Keys")
_OPTIMIZER_LABELS = {
    "sgd": "SGD", "sgd_momentum": "SGD + momentum", "adam": "Adam", "adamw": "AdamW",
    "adam_amsgrad": "Adam (AMSGrad)", "adamw_amsgrad": "AdamW (AMSGrad)", "rmsprop": "RMSprop",
    "rmsprop_momentum": "RMSprop + momentum", "rmsprop_centered": "RMSprop, centered",
    "rmsprop_centered_momentum": "RMSprop, centered + momentum", "adagrad": "Adagrad",
}


def summary_rows(design, inference, report, preview: bool = False,
                 order: list | None = None) -> list[tuple]:
    """One ``(layer, type, shape, params, macs, keys)`` text row per node, in topological
    order, as :func:`netlab.design.export.summary` lists them (the layer's state_dict prefix,
    indented by depth; the keys' last parts); ``preview`` adds DataParallel's ``module.``
    where the design has none.

    Examples
    --------
    >>> summary_rows(design, infer(design), costs(design))[0]  # doctest: +SKIP
    ('x', 'Input', '(N, 3, 32, 32)', '-', '0', '-')
    """
    extra = "module." if preview and not design.dataparallel else ""
    root = 1 if design.dataparallel or extra else 0  # the whole-model "module." is no level
    rows = []
    for nid in order if order is not None else design.topological_order():
        node, info = design.nodes[nid], inference.nodes[nid]
        if node.type in SPECIAL:
            path = node.name
        else:
            # the node's own place (as key_prefixes gives it), carried by the inference
            path = extra + (info.prefixes[0] if info.prefixes else node.name + ".")[:-1]
        depth = max(path.count(".") - root, 0)
        shape = "error" if info.error else format_shape(info.shape)
        cost = report.nodes.get(nid)
        macs = "-" if cost is None or cost.macs is None else format_count(cost.macs)
        params = format_count(info.n_params) if info.entries else "-"
        keys = ", ".join(e.key.rsplit(".", 1)[-1] for e in info.own_entries) or "-"
        rows.append(("  " * depth + path, node.type, shape, params, macs, keys))
    return rows


def preview_entries(design, inference, preview: bool) -> list:
    """The state_dict entries in order, with ``module.`` prepended for the preview."""
    entries = inference.state_entries()
    if not preview or design.dataparallel:
        return entries
    return [StateEntry("module." + e.key, e.shape, e.dtype, e.kind) for e in entries]


class SummaryPanel(QWidget):
    """The whole model as a table, its totals and the whole-model toggles.

    Examples
    --------
    >>> panel = SummaryPanel(document)  # doctest: +SKIP
    >>> panel.batch_spin.setValue(32)  # totals for a batch of 32  # doctest: +SKIP
    """

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.batch_spin = QSpinBox(self)
        self.batch_spin.setRange(1, 1 << 20)
        self.batch_spin.setValue(1)
        self.batch_spin.setToolTip("batch size the MACs and memory are counted for")
        self.optimizer_combo = QComboBox(self)
        self.optimizer_combo.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        for name, n in OPTIMIZER_STATES.items():
            self.optimizer_combo.addItem(_OPTIMIZER_LABELS.get(name, name), name)
            self.optimizer_combo.setItemData(
                self.optimizer_combo.count() - 1,
                f"{n} state tensor{'s' if n != 1 else ''} per parameter", Qt.ToolTipRole)
        self.preview_box = QCheckBox("DataParallel preview", self)
        self.preview_box.setToolTip("show names and keys as DataParallel gives them "
                                    "(module. first), without changing the design")
        self.dataparallel_box = QCheckBox("Wrap whole model in DataParallel", self)
        self.sequential_box = QCheckBox("Model as nn.Sequential", self)
        self.sequential_box.setToolTip("top-level modules numbered 0, 1, 2 ... (one path)")
        top = QHBoxLayout()
        top.addWidget(QLabel("Batch size", self))
        top.addWidget(self.batch_spin)
        top.addWidget(QLabel("Optimizer", self))
        top.addWidget(self.optimizer_combo)
        top.addSpacing(12)
        top.addWidget(self.preview_box)
        top.addStretch(1)
        top.addWidget(self.dataparallel_box)
        top.addWidget(self.sequential_box)
        self.copy_button = QPushButton("Copy", self)
        self.copy_button.setToolTip("copy the shown table as tab-separated text")
        top.addWidget(self.copy_button)
        self.table = QTableView(self)
        self.rows_model = RowsModel(LAYER_COLUMNS, self, right=(3, 4), error_column=2)
        self.table.setModel(self.rows_model)
        setup_table(self.table)
        header = self.table.horizontalHeader()
        for c in range(len(LAYER_COLUMNS) - 1):
            header.setSectionResizeMode(c, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(len(LAYER_COLUMNS) - 1, QHeaderView.Stretch)
        self.keys_table = KeysTableWidget(self)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.table, "Layers")
        self.tabs.addTab(self.keys_table, "state_dict")
        self.totals = QLabel(self)
        self.totals.setWordWrap(True)
        self.totals.setTextFormat(Qt.RichText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.totals)
        self._dirty = True
        self._busy = False
        self.copy_button.clicked.connect(self._on_copy_clicked)
        self.batch_spin.valueChanged.connect(self._on_batch_spin_value_changed)
        self.optimizer_combo.currentIndexChanged.connect(self._on_optimizer_combo_changed)
        self.preview_box.toggled.connect(self._on_preview_box_toggled)
        self.dataparallel_box.toggled.connect(self._on_dataparallel_box_toggled)
        self.sequential_box.toggled.connect(self._on_sequential_box_toggled)
        document.inferred.connect(self._on_document_inferred)
        document.designReplaced.connect(self._on_document_design_replaced)
        document.modelEvent.connect(self._on_document_model_event)
        self.refresh()

    # model -> widgets ------------------------------------------------------------------------
    @property
    def optimizer(self) -> str:
        return self.optimizer_combo.currentData()

    def report(self):
        """The cost report the totals show (batch size and optimizer of the controls)."""
        return document_costs(self.document, self.batch_spin.value(), self.optimizer)

    def rows(self) -> list[tuple]:
        """The layer table's rows as text tuples."""
        return self.rows_model.rows()

    def refresh(self) -> None:
        """Rebuild the table and totals from the latest inference."""
        if self._busy:
            return
        self._busy = True
        try:
            self._refresh()
        finally:
            self._busy = False

    def _refresh(self) -> None:
        self._dirty = False
        d = self.document.design
        report = self.report()  # runs a pending inference first
        inference = self.document.inference
        self._sync_toggles()
        preview = self.preview_box.isChecked()
        order = d.topological_order()
        rows = summary_rows(d, inference, report, preview, order)
        errors = [inference.nodes[n].error for n in order]
        self.rows_model.set_rows(rows, errors)
        self.keys_table.set_entries(preview_entries(d, inference, preview))
        self._show_totals(report, inference)

    def _show_totals(self, report, inference) -> None:
        t = report.total
        n_keys = len(inference.state_entries())
        errors = len(inference.errors)
        macs = format_count(t.macs) + (" (some layers have no shape)" if report.incomplete
                                       else "")
        parts = [
            f"<b>Params</b> {format_count(t.total_params)} "
            f"({format_count(t.trainable_params)} trainable)",
            f"<b>MACs</b> {macs}",
            f"<b>Memory</b> {format_bytes(t.memory_bytes)} = params "
            f"{format_bytes(t.param_bytes)} + grads {format_bytes(t.grad_bytes)} + optimizer "
            f"{format_bytes(t.optimizer_bytes)} + buffers {format_bytes(t.buffer_bytes)} + "
            f"activations {format_bytes(t.activation_bytes)}",
            f"<b>Keys</b> {n_keys}",
        ]
        if errors:
            parts.append(f"<span style='color:#c62828'><b>{errors} error"
                         f"{'s' if errors != 1 else ''}</b></span>")
        self.totals.setText(" &nbsp;·&nbsp; ".join(parts))

    def _sync_toggles(self) -> None:
        d = self.document.design
        for box, on in ((self.dataparallel_box, d.dataparallel),
                        (self.sequential_box, d.root_sequential)):
            box.blockSignals(True)
            box.setChecked(on)
            box.blockSignals(False)
        self.preview_box.setEnabled(not d.dataparallel)
        self.preview_box.setToolTip("the model is wrapped already: its keys have module."
                                    if d.dataparallel else
                                    "show names and keys as DataParallel gives them "
                                    "(module. first), without changing the design")

    def table_text(self) -> str:
        """The shown tab's table, with a header line, tab-separated."""
        if self.tabs.currentWidget() is self.keys_table:
            columns, rows = KEY_COLUMNS, self.keys_table.rows()
        else:
            columns, rows = LAYER_COLUMNS, self.rows()
        return "\n".join(["\t".join(columns)] + ["\t".join(r) for r in rows])

    def _on_copy_clicked(self) -> None:
        copy_text(self.table_text())

    # signals ---------------------------------------------------------------------------------
    def _refresh_soon(self) -> None:
        if self.isVisible():
            self.refresh()
        else:  # a hidden tab: catch up when shown
            self._dirty = True

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self._dirty:
            self.refresh()

    def _on_document_inferred(self, inference, nodes, edges) -> None:
        self._refresh_soon()

    def _on_document_design_replaced(self) -> None:
        self._refresh_soon()

    def _on_document_model_event(self, event: str, payload: dict) -> None:
        if event in ("dataparallel_changed", "root_sequential_changed", "restored"):
            self._sync_toggles()

    def _on_batch_spin_value_changed(self, value: int) -> None:
        self.refresh()

    def _on_optimizer_combo_changed(self, index: int) -> None:
        self.refresh()

    def _on_preview_box_toggled(self, on: bool) -> None:
        self.refresh()

    def _on_dataparallel_box_toggled(self, on: bool) -> None:
        self.document.set_dataparallel(on)
        self._sync_toggles()  # a refused edit leaves the box as the model is

    def _on_sequential_box_toggled(self, on: bool) -> None:
        self.document.set_root_sequential(on)
        self._sync_toggles()
