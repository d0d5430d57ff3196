"""The inspector: name, parameters, shape, counts and state_dict keys of the selection.

It binds both ways: edits go to the Document (``rename``, ``set_param``), and the model's
events and each inference write back into the widgets with their signals blocked, so that a
write never loops back as an edit. A value being typed is checked at every keystroke (see
:mod:`ui.panels.editors`): valid values reach the model at once (the Document merges the
keystrokes into one undo command and debounces inference), invalid ones stay in the red field.
"""

from __future__ import annotations

import keyword

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from netlab.design.infer import format_shape
from ui.icons import category_icon
from ui.panels.editors import INVALID_STYLE, AutoParamEditor, field_specs, make_editor
from ui.panels.formatting import document_costs, format_bytes, format_count
from ui.panels.keys_table import KeysTableWidget
from ui.panels.palette import help_html, palette_entries

_CATEGORY = {e.type_name: e.category for e in palette_entries()}
_HELP = {e.type_name: e.help for e in palette_entries()}
_GROUP_HELP = {
    "sequential": "``nn.Sequential``: runs its members in order; their keys are numbered "
                  "under its name (``name.0.weight``).",
    "dataparallel": "``nn.DataParallel``: wraps one module; its keys gain ``module.`` "
                    "(``name.module.weight``).",
}


def name_problem(design, item_id: str, text: str) -> str | None:
    """Why ``text`` cannot name item ``item_id`` (None when it can), as the model would say.

    Examples
    --------
    >>> name_problem(design, "n1", "2fast")  # doctest: +SKIP
    "'2fast' is not a valid Python identifier (letters, digits and _, not starting with a digit)"
    """
    if not text.isidentifier() or keyword.iskeyword(text):
        return (f"'{text}' is not a valid Python identifier (letters, digits and _, "
                "not starting with a digit)")
    if text in design.siblings(item_id, design.parent_of(item_id)):
        return f"the name '{text}' is already used at this level: choose another"
    return None


def group_nodes(design, group_id: str) -> list[str]:
    """Node ids inside a group, nested groups included, in member order."""
    out: list[str] = []

    def walk(item, depth):
        if item in design.nodes:
            if item not in out:
                out.append(item)
        elif item in design.groups and depth <= len(design.groups):
            for m in design.groups[item].members:
                walk(m, depth + 1)
    walk(group_id, 0)
    return out


def group_entries(design, inference, group_id: str) -> list:
    """The state_dict entries under a group's name (a reference group's second names)."""
    name = design.groups[group_id].name
    out = []
    for nid in group_nodes(design, group_id):
        info = inference.nodes.get(nid)
        if info is None or not info.prefixes:
            continue
        n = len(info.entries) // len(info.prefixes)
        for k, prefix in enumerate(info.prefixes):
            if name in prefix.split("."):
                out.extend(info.entries[k * n:(k + 1) * n])
                break
        else:
            out.extend(info.own_entries)
    return out


class InspectorPanel(QWidget):
    """Edit the selected node or group; shows counts and keys of any selection.

    Examples
    --------
    >>> inspector = InspectorPanel(document)  # doctest: +SKIP
    >>> document.set_selection([conv_id])  # the inspector follows  # doctest: +SKIP
    """

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)  # labels wrap instead
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll)
        self.item_id: str | None = None
        self._shown: tuple = ()
        self.editors: dict = {}
        self.info: dict[str, QLabel] = {}
        self.name_edit: QLineEdit | None = None
        self.name_error: QLabel | None = None
        self.keys_table: KeysTableWidget | None = None
        self.title: QLabel | None = None
        self._busy = False
        self._shown_name: str | None = None
        document.selectionChanged.connect(self._on_document_selection_changed)
        document.modelEvent.connect(self._on_document_model_event)
        document.designReplaced.connect(self._on_document_design_replaced)
        document.inferred.connect(self._on_document_inferred)
        self.rebuild()

    # what is shown ---------------------------------------------------------------------------
    def _selection(self) -> list[str]:
        d = self.document.design
        return [i for i in self.document.selection if i in d.nodes or i in d.groups]

    def _signature(self) -> tuple:
        """What the form's layout depends on: rebuilt only when this changes."""
        d = self.document.design
        sel = self._selection()
        if len(sel) == 1:
            item = sel[0]
            kind = d.nodes[item].type if item in d.nodes else "group:" + d.groups[item].kind
            return (item, kind)
        return tuple(sel)

    def rebuild(self) -> None:
        """Recreate the form for the current selection, then fill it."""
        self._busy = True  # an inference run now (for the counts) must not re-enter
        try:
            self.document.refresh_now()
            self._rebuild()
        finally:
            self._busy = False

    def _rebuild(self) -> None:
        self._shown = self._signature()
        sel = self._selection()
        self.item_id = sel[0] if len(sel) == 1 else None
        self.editors, self.info = {}, {}
        self.name_edit = self.name_error = self.keys_table = self.title = None
        self._shown_name: str | None = None
        page = QWidget()
        self._page = QVBoxLayout(page)
        self._page.setContentsMargins(8, 8, 8, 8)
        self._page.setSpacing(8)
        d = self.document.design
        if not sel:
            hint = QLabel("Select a node or group on the canvas to inspect it.", page)
            hint.setWordWrap(True)
            hint.setStyleSheet("color: #757575;")
            self._page.addWidget(hint)
        elif self.item_id in d.nodes:
            self._build_node(page, d.nodes[self.item_id])
        elif self.item_id in d.groups:
            self._build_group(page, d.groups[self.item_id])
        else:
            self._build_header(page, f"{len(sel)} items selected", None, None)
            self._build_counts(page)
            self._build_keys(page)
        self._page.addStretch(1)
        old = self.scroll.takeWidget()
        self.scroll.setWidget(page)
        if old is not None:
            old.deleteLater()
        self.sync()

    def _build_header(self, page, title: str, category: str | None, help_text: str | None):
        row = QHBoxLayout()
        if category is not None:
            icon = QLabel(page)
            icon.setPixmap(category_icon(category).pixmap(24, 24))
            row.addWidget(icon)
        self.title = QLabel(title, page)
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        row.addWidget(self.title, 1)
        self._page.addLayout(row)
        if help_text:
            help_label = QLabel(help_html(help_text), page)
            help_label.setWordWrap(True)
            help_label.setStyleSheet("color: #616161;")
            self._page.addWidget(help_label)

    def _build_name(self, page, form: QFormLayout) -> None:
        self.name_edit = QLineEdit(page)
        self.name_edit.setToolTip("attribute name: the state_dict prefix of this item")
        self.name_error = QLabel(page)
        self.name_error.setWordWrap(True)
        self.name_error.setStyleSheet("color: #c62828;")
        self.name_error.hide()
        box = QVBoxLayout()
        box.setSpacing(1)
        box.addWidget(self.name_edit)
        box.addWidget(self.name_error)
        form.addRow("Name", box)
        self.name_edit.textEdited.connect(self._on_name_edit_text_edited)
        self.name_edit.editingFinished.connect(self._on_name_edit_editing_finished)

    def _build_node(self, page, node) -> None:
        category = _CATEGORY.get(node.type)
        self._build_header(page, node.type, category, _HELP.get(node.type))
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        self._build_name(page, form)
        self._page.addLayout(form)
        try:
            fields = field_specs(node.type)
        except KeyError as e:  # a type this netlab does not know (from a newer file)
            fields = ()
            self._page.addWidget(self._error_label(page, e.args[0]))
        if fields:
            box = QGroupBox("Parameters", page)
            pform = QFormLayout(box)
            pform.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
            for f in fields:
                editor = make_editor(f, box)
                editor.committed.connect(self._on_editor_committed)
                label = QLabel(f.name, box)
                label.setToolTip(f.help)
                pform.addRow(label, editor)
                self.editors[f.name] = editor
            self._page.addWidget(box)
        self._build_counts(page, shape=True)
        self._build_keys(page)

    def _build_group(self, page, group) -> None:
        kind = "Sequential" if group.kind == "sequential" else "DataParallel"
        self._build_header(page, f"{kind} group", "Containers", _GROUP_HELP[group.kind])
        form = QFormLayout()
        self._build_name(page, form)
        self.info["kind"] = QLabel(page)
        self.info["kind"].setWordWrap(True)
        self.info["members"] = QLabel(page)
        self.info["members"].setWordWrap(True)
        form.addRow("Kind", self.info["kind"])
        form.addRow("Members", self.info["members"])
        self._page.addLayout(form)
        self._build_counts(page)
        self._build_keys(page)

    def _error_label(self, page, text: str = "") -> QLabel:
        label = QLabel(text, page)
        label.setWordWrap(True)
        label.setStyleSheet("color: #b71c1c; background: #ffebee; padding: 4px; "
                            "border-radius: 3px;")
        label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        return label

    def _build_counts(self, page, shape: bool = False) -> None:
        box = QGroupBox("Output and cost" if shape else "Combined cost", page)
        form = QFormLayout(box)
        rows = (("shape", "Output shape"),) if shape else ()
        rows += (("params", "Parameters"), ("macs", "MACs / sample"),
                 ("memory", "Memory / sample"))
        tips = {"memory": "training memory for one sample: parameters, gradients and SGD "
                          "state, plus the output activations",
                "macs": "multiply-accumulates of one forward pass of one sample"}
        for key, text in rows:
            self.info[key] = QLabel(box)
            self.info[key].setWordWrap(True)
            self.info[key].setTextInteractionFlags(Qt.TextSelectableByMouse)
            label = QLabel(text, box)
            label.setToolTip(tips.get(key, ""))
            form.addRow(label, self.info[key])
        self.info["error"] = self._error_label(box)
        self.info["error"].hide()
        form.addRow(self.info["error"])
        self._page.addWidget(box)

    def _build_keys(self, page) -> None:
        box = QGroupBox("state_dict", page)
        col = QVBoxLayout(box)
        self.keys_table = KeysTableWidget(box, fit_rows=True)
        copy = QPushButton("Copy keys", box)
        copy.setToolTip("copy every key, one per line (Ctrl+C in the table copies the "
                        "selected rows with shapes and dtypes)")
        copy.clicked.connect(self._on_copy_clicked)
        self.no_keys = QLabel("No parameters or buffers: nothing in the state_dict.", box)
        self.no_keys.setWordWrap(True)
        self.no_keys.setStyleSheet("color: #757575;")
        col.addWidget(self.keys_table)
        col.addWidget(self.no_keys)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(copy)
        col.addLayout(row)
        self.copy_button = copy
        self._page.addWidget(box)

    # model -> widgets ------------------------------------------------------------------------
    def sync(self, inference=None) -> None:
        """Write the model's current values and the latest inference into the widgets."""
        self._sync_values()
        self._sync_inferred(inference if inference is not None else self.document.inference)

    def _sync_values(self) -> None:
        """What the model itself holds: names, parameters, group kind and members (cheap:
        runs at every keystroke's model event, never waits for inference)."""
        d, item = self.document.design, self.item_id
        if item is None:
            return
        name = d.nodes[item].name if item in d.nodes else d.groups[item].name
        if self.name_edit is not None and name != self._shown_name:
            # only a change of the model's name rewrites the field: a name being typed stays
            self._shown_name = name
            self.name_edit.blockSignals(True)
            self.name_edit.setText(name)
            self.name_edit.blockSignals(False)
            self._show_name_error(None)
        if item in d.nodes:
            node = d.nodes[item]
            self.title.setText(f"{node.name}  ·  {node.type}")
            for pname, editor in self.editors.items():
                editor.set_value(node.params.get(pname, editor.field.default))
            return
        grp = d.groups[item]
        kind = "Sequential" if grp.kind == "sequential" else "DataParallel"
        self.title.setText(f"{grp.name}  ·  {kind}")
        ref = " (a second name for modules placed elsewhere)" if grp.refs else ""
        self.info["kind"].setText(f"nn.{kind}{ref}")
        self.info["members"].setText(", ".join(
            d.nodes[m].name if m in d.nodes else d.groups[m].name
            for m in grp.members if m in d.nodes or m in d.groups) or "none")

    def _selected_nodes(self) -> list[str]:
        d, nodes = self.document.design, []
        for i in self._selection():
            for n in ([i] if i in d.nodes else group_nodes(d, i)):
                if n not in nodes:
                    nodes.append(n)
        return nodes

    def _sync_inferred(self, inference) -> None:
        """What inference says: shape, error, 'auto' values, counts and keys."""
        d, item = self.document.design, self.item_id
        nodes = self._selected_nodes()
        if item in d.nodes:
            info = inference.nodes.get(item)
            for pname, editor in self.editors.items():
                if isinstance(editor, AutoParamEditor):
                    editor.set_inferred(info.params.get(pname) if info is not None else None)
            self.info["shape"].setText(format_shape(info.shape) if info is not None else "?")
        if self.info:
            self._sync_counts(nodes, inference)
        if self.keys_table is not None:
            if item in d.groups:
                entries = group_entries(d, inference, item)
            else:
                entries = [e for n in nodes if n in inference.nodes
                           for e in inference.nodes[n].entries]
            self.keys_table.set_entries(entries)
            self.keys_table.setVisible(bool(entries))
            self.no_keys.setVisible(not entries)
            self.copy_button.setEnabled(bool(entries))

    def _sync_counts(self, nodes: list, inference) -> None:
        report = document_costs(self.document)
        costs = [report.nodes[n] for n in nodes if n in report.nodes]
        total = sum(c.total_params for c in costs)
        trainable = sum(c.trainable_params for c in costs)
        macs = [c.macs for c in costs]
        acts = [c.activation_bytes for c in costs]
        state = sum(c.state_bytes for c in costs)
        self.info["params"].setText(f"{format_count(total)}  ({format_count(trainable)} "
                                    "trainable)")
        self.info["macs"].setText(format_count(sum(macs)) if None not in macs else
                                  "- (no shape yet)")
        act = format_bytes(sum(acts)) if None not in acts else "?"
        self.info["memory"].setText(f"{format_bytes(state)} state + {act} activations")
        errors = [inference.nodes[n].error for n in nodes
                  if n in inference.nodes and inference.nodes[n].error]
        self.info["error"].setText("\n".join(errors))
        self.info["error"].setVisible(bool(errors))

    # signals ---------------------------------------------------------------------------------
    def _on_document_selection_changed(self, ids: list) -> None:
        if self._signature() != self._shown:
            self.rebuild()

    def _on_document_design_replaced(self) -> None:
        self.rebuild()

    def _on_document_model_event(self, event: str, payload: dict) -> None:
        if event == "moved":  # positions are not shown here
            return
        if self._signature() != self._shown:
            self.rebuild()
        else:
            self._sync_values()

    def _on_document_inferred(self, inference, nodes, edges) -> None:
        if self._busy:
            return
        if self._signature() != self._shown:
            self.rebuild()
        else:
            self._sync_inferred(inference)

    # widgets -> model ------------------------------------------------------------------------
    def _on_editor_committed(self, name: str, value) -> None:
        if self.item_id in self.document.design.nodes:
            self.document.set_param(self.item_id, name, value)

    def _show_name_error(self, message: str | None) -> None:
        if self.name_edit is None:
            return
        self.name_edit.setStyleSheet(INVALID_STYLE if message else "")
        self.name_error.setText(message or "")
        self.name_error.setVisible(bool(message))

    def _on_name_edit_text_edited(self, text: str) -> None:
        if self.item_id is not None:
            self._show_name_error(name_problem(self.document.design, self.item_id, text))

    def _on_name_edit_editing_finished(self) -> None:
        item, d = self.item_id, self.document.design
        if item is None or self.name_edit is None:
            return
        text = self.name_edit.text()
        current = d.nodes[item].name if item in d.nodes else d.groups[item].name
        if text == current:
            self._show_name_error(None)
            return
        problem = name_problem(d, item, text)
        self._show_name_error(problem)
        if problem is None:
            self.document.rename(item, text)

    def _on_copy_clicked(self) -> None:
        if self.keys_table is not None:
            self.keys_table.copy_keys()
