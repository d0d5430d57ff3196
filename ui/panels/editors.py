"""One editor widget per layer parameter, validated as the user types.

A :class:`FieldSpec` says how to edit a parameter and how to check a value: for catalogue
layers it wraps the :class:`~netlab.design.catalogue.ParamSpec` and checks with the layer's own
``LayerSpec.validate`` (so the inspector agrees with inference); the special nodes (Input,
Concat, Reshape, Permute) get hand-written fields with the rules inference applies.

Every editor emits ``committed(name, value)`` with the coerced value as soon as what is typed
is valid; invalid text turns the field red, shows the message under it, keeps the text and
sends nothing. :meth:`ParamEditor.set_value` writes a model value with signals blocked.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from netlab.design.catalogue import AUTO, REQUIRED, LayerSpec, layer_spec
from netlab.design.graph import SPECIAL
from netlab.design.infer import INPUT_DTYPES

INVALID_STYLE = "background-color: #ffebee; border: 1px solid #e53935; border-radius: 2px;"
_INT_LIMIT = 2 ** 31 - 1


@dataclass(frozen=True)
class FieldSpec:
    """How to edit one parameter: ``kind`` is a ParamSpec kind; ``check(value)`` returns the
    coerced value or raises ``ValueError`` with the message to show."""

    name: str
    kind: str
    default: object
    help: str
    check: Callable
    choices: tuple = ()
    auto: bool = False


def _catalogue_check(spec: LayerSpec, name: str) -> Callable:
    base = spec.defaults()  # other parameters at valid values: only ``name`` is judged

    def check(value):
        return spec.validate({**base, name: value})[name]
    return check


def _positive_list(what: str, allow_minus_one: bool = False) -> Callable:
    def check(value):
        if isinstance(value, int) and not isinstance(value, bool):
            value = [value]
        ok = isinstance(value, (list, tuple)) and bool(value) and all(
            isinstance(s, int) and not isinstance(s, bool) and (s > 0 or (
                allow_minus_one and s == -1)) for s in value)
        if not ok or list(value).count(-1) > 1:
            raise ValueError(what)
        return list(value)
    return check


def _permutation(value):
    what = "dims must order every dimension once, batch included, e.g. 0, 2, 1"
    if not isinstance(value, (list, tuple)) or not all(
            isinstance(d, int) and not isinstance(d, bool) for d in value):
        raise ValueError(what)
    if sorted(value) != list(range(len(value))):
        raise ValueError(what)
    return list(value)


def _int_check(what: str) -> Callable:
    def check(value):
        if isinstance(value, str):
            try:
                value = int(value.strip())
            except ValueError:
                raise ValueError(what) from None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(what)
        return value
    return check


def _choice_check(name: str, choices: tuple) -> Callable:
    def check(value):
        if value not in choices:
            raise ValueError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
        return value
    return check


_SPECIAL_FIELDS = {
    "Input": (
        FieldSpec("shape", "shape", [1], "size of one sample, without the batch dimension",
                  _positive_list("shape must be positive sizes without the batch dimension, "
                                 "e.g. 3, 32, 32")),
        FieldSpec("dtype", "choice", "float32", "element type (int64: class or token ids)",
                  _choice_check("dtype", INPUT_DTYPES), INPUT_DTYPES),
    ),
    "Concat": (FieldSpec("dim", "int", 1, "dimension to concatenate along",
                         _int_check("dim must be an int")),),
    "Reshape": (FieldSpec("shape", "shape", [-1], "new shape of one sample (one size may "
                          "be -1)", _positive_list("shape must be positive sizes, one of them "
                                                   "may be -1, e.g. 16, 5, 5", True)),),
    "Permute": (FieldSpec("dims", "tuple", [0], "new order of all dimensions, batch included",
                          _permutation),),
}


def field_specs(type_name: str) -> tuple[FieldSpec, ...]:
    """The editable parameters of a node type (empty for Output, Add, Multiply; ``KeyError``
    for a type the catalogue does not know).

    Examples
    --------
    >>> [f.name for f in field_specs("Dropout")]
    ['p', 'inplace']
    """
    if type_name in SPECIAL:
        return _SPECIAL_FIELDS.get(type_name, ())
    spec = layer_spec(type_name)
    start = spec.defaults()
    return tuple(FieldSpec(p.name, p.kind, start.get(p.name, p.default), p.help,
                           _catalogue_check(spec, p.name), p.choices, p.auto)
                 for p in spec.params)


def parse_text(kind: str, text: str):
    """What a typed text means for a parameter of ``kind`` (checked afterwards): numbers and
    tuples as Python literals (``3, 3`` is a pair), empty as None, anything else as a string.

    Examples
    --------
    >>> parse_text("int_or_tuple", "3, 3"), parse_text("int_or_tuple", "same")
    ((3, 3), 'same')
    """
    if kind == "str":
        return text
    text = text.strip()
    if not text:
        return None
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text


def format_value(value) -> str:
    """A parameter value as the user types it (``3, 3`` for a pair, empty for None)."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(format_value(v) for v in value) + ("," if len(value) == 1 else "")
    return str(value)


_UNSET = object()


def _same(a, b) -> bool:
    return type(a) is type(b) and a == b


def _message(error: Exception) -> str:
    return error.args[0] if error.args else str(error)


class ParamEditor(QWidget):
    """Base of the editors: a control, and a red message line under it when invalid."""

    committed = Signal(str, object)  # parameter name, coerced value

    editor_kind = "base"

    def __init__(self, field: FieldSpec, parent=None):
        super().__init__(parent)
        self.field = field
        self.error: str | None = None
        self._typed_error = False  # the error is about what the user typed, not the model
        self._model_value = _UNSET
        self.error_label = QLabel(self)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #c62828;")
        self.error_label.hide()
        self._row = QHBoxLayout()
        self._row.setContentsMargins(0, 0, 0, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        layout.addLayout(self._row)
        layout.addWidget(self.error_label)
        self.setToolTip(field.help)

    @property
    def control(self) -> QWidget:
        raise NotImplementedError

    def set_value(self, value) -> None:
        """Show the model's ``value`` (signals blocked; a value the field cannot hold is shown
        as an error, with the model left alone)."""
        raise NotImplementedError

    def _show_error(self, message: str | None, typed: bool = False) -> None:
        self.error = message
        self._typed_error = bool(message) and typed
        self.control.setStyleSheet(INVALID_STYLE if message else "")
        self.error_label.setText(message or "")
        self.error_label.setVisible(bool(message))
        self.control.setToolTip(message or self.field.help)

    def _offer(self, value) -> None:
        """Check a value the user entered: commit it, or show why not."""
        try:
            coerced = self.field.check(value)
        except (ValueError, TypeError) as e:
            self._show_error(_message(e), typed=True)
            return
        self._show_error(None)
        self.committed.emit(self.field.name, coerced)

    def _check_model(self, value) -> None:
        try:
            self.field.check(value)
        except (ValueError, TypeError) as e:
            self._show_error(f"the design holds {value!r}: {_message(e)}")
        else:
            self._show_error(None)


class LineParamEditor(ParamEditor):
    """A line edit for floats, optional values, tuples, shapes and strings."""

    editor_kind = "line"

    def __init__(self, field: FieldSpec, parent=None):
        super().__init__(field, parent)
        self.edit = QLineEdit(self)
        if field.kind.startswith("optional"):
            self.edit.setPlaceholderText("None")
        elif field.kind in ("int_or_tuple", "shape", "tuple"):
            hint = "e.g. 3 or 3, 3" if field.kind == "int_or_tuple" else "e.g. 16, 5, 5"
            if field.choices:
                hint += " or " + " or ".join(field.choices)
            self.edit.setPlaceholderText(hint)
        self._row.addWidget(self.edit)
        self.edit.textEdited.connect(self._on_edit_text_edited)

    @property
    def control(self) -> QWidget:
        return self.edit

    def _on_edit_text_edited(self, text: str) -> None:
        self._offer(parse_text(self.field.kind, text))

    def _means(self, value) -> bool:
        """Whether the current text already says ``value`` (then it is left as typed)."""
        try:
            return self.field.check(parse_text(self.field.kind, self.edit.text())) == \
                self.field.check(value)
        except (ValueError, TypeError):
            return False

    def set_value(self, value) -> None:
        unchanged = self._model_value is not _UNSET and _same(value, self._model_value)
        self._model_value = value
        if unchanged and self._typed_error:
            return  # the user is still typing: keep the (invalid) text
        if not self._typed_error and self._means(value):
            self._show_error(None)
            return  # the user's own spelling ("3,3") of the model value stays
        self.edit.blockSignals(True)
        self.edit.setText(format_value(value))
        self.edit.blockSignals(False)
        self._check_model(value)


class SpinParamEditor(ParamEditor):
    """A spin box for ints, its range read off the catalogue's own check."""

    editor_kind = "spin"

    def __init__(self, field: FieldSpec, parent=None):
        super().__init__(field, parent)
        self.spin = QSpinBox(self)
        self.spin.setRange(self._lowest(), _INT_LIMIT)
        self.spin.setAccelerated(True)
        self._row.addWidget(self.spin)
        self.spin.valueChanged.connect(self._on_spin_value_changed)

    def _lowest(self) -> int:
        for low in (1, 0):
            if self._ok(low) and not self._ok(low - 1):
                return low
        return -_INT_LIMIT

    def _ok(self, value) -> bool:
        try:
            self.field.check(value)
        except (ValueError, TypeError):
            return False
        return True

    @property
    def control(self) -> QWidget:
        return self.spin

    def _on_spin_value_changed(self, value: int) -> None:
        self._offer(value)

    def set_value(self, value) -> None:
        self.spin.blockSignals(True)
        if isinstance(value, int) and not isinstance(value, bool):
            self.spin.setValue(value)
        self.spin.blockSignals(False)
        self._check_model(value)


class CheckParamEditor(ParamEditor):
    """A check box for bools."""

    editor_kind = "check"

    def __init__(self, field: FieldSpec, parent=None):
        super().__init__(field, parent)
        self.box = QCheckBox(self)
        self._row.addWidget(self.box)
        self._row.addStretch(1)
        self.box.toggled.connect(self._on_box_toggled)

    @property
    def control(self) -> QWidget:
        return self.box

    def _on_box_toggled(self, on: bool) -> None:
        self._offer(bool(on))

    def set_value(self, value) -> None:
        self.box.blockSignals(True)
        self.box.setChecked(value is True)
        self.box.blockSignals(False)
        self._check_model(value)


class ChoiceParamEditor(ParamEditor):
    """A combo box for string choices and for optional bools (None, True, False)."""

    editor_kind = "combo"

    def __init__(self, field: FieldSpec, parent=None):
        super().__init__(field, parent)
        if field.kind == "optional_bool":
            self._values = [None, True, False]
        else:
            self._values = list(field.choices)
        self.combo = QComboBox(self)
        self.combo.addItems([str(v) for v in self._values])
        self._row.addWidget(self.combo)
        self.combo.currentIndexChanged.connect(self._on_combo_current_index_changed)

    @property
    def control(self) -> QWidget:
        return self.combo

    def _on_combo_current_index_changed(self, index: int) -> None:
        if 0 <= index < len(self._values):
            self._offer(self._values[index])

    def set_value(self, value) -> None:
        index = next((i for i, v in enumerate(self._values)
                      if v is value or (type(v) is type(value) and v == value)), -1)
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(index)
        self.combo.blockSignals(False)
        self._check_model(value)


class AutoParamEditor(ParamEditor):
    """An 'auto' check box beside an inner editor: checked, the value comes from the incoming
    shape (shown greyed in the inner editor); unchecked, the shown value is pinned."""

    editor_kind = "auto"

    def __init__(self, field: FieldSpec, inner: ParamEditor, parent=None):
        super().__init__(field, parent)
        self.inner = inner
        self.auto_box = QCheckBox("auto", self)
        self.auto_box.setToolTip("infer from the incoming shape")
        self._row.addWidget(self.auto_box)
        self._row.addWidget(inner, 1)
        self._inferred = None
        self.auto_box.toggled.connect(self._on_auto_box_toggled)
        inner.committed.connect(self.committed)

    @property
    def control(self) -> QWidget:
        return self.inner.control

    @property
    def is_auto(self) -> bool:
        return self.auto_box.isChecked()

    @property
    def error(self) -> str | None:
        return self.inner.error

    @error.setter
    def error(self, message: str | None) -> None:
        pass  # the inner editor holds the error

    def set_inferred(self, value) -> None:
        """The value 'auto' stands for now (None while the input shape is unknown)."""
        self._inferred = value
        if self.is_auto:
            self._show_inner(value)

    def _show_inner(self, value) -> None:
        self.inner.set_value(value if value is not None else self.field.default
                             if self.field.default not in (AUTO, REQUIRED) else 1)
        self.inner._show_error(None)  # a greyed stand-in is never "wrong"

    def _on_auto_box_toggled(self, on: bool) -> None:
        self.inner.setEnabled(not on)
        if on:
            self._show_inner(self._inferred)
            self._offer(AUTO)
        elif self._inferred is not None:
            self._offer(self._inferred)
        else:  # nothing inferred yet: pin what the inner editor shows
            self.inner._show_error(None)
            if isinstance(self.inner, LineParamEditor):
                self.inner._on_edit_text_edited(self.inner.edit.text())
            elif isinstance(self.inner, SpinParamEditor):
                self.inner._offer(self.inner.spin.value())

    def set_value(self, value) -> None:
        auto = value == AUTO
        self.auto_box.blockSignals(True)
        self.auto_box.setChecked(auto)
        self.auto_box.blockSignals(False)
        self.inner.setEnabled(not auto)
        if auto:
            self._show_inner(self._inferred)
        else:
            self.inner.set_value(value)  # a bad pinned value is marked by the inner editor


def make_editor(field: FieldSpec, parent=None) -> ParamEditor:
    """The fitting editor for ``field``: spin box (int), check box (bool), combo (choices,
    optional bool), line edit (everything else), inside an 'auto' toggle where inferable.

    Examples
    --------
    >>> make_editor(field_specs("Linear")[1]).editor_kind  # doctest: +SKIP
    'spin'
    """
    kind = field.kind
    if kind == "int":
        editor = SpinParamEditor(field)
    elif kind == "bool":
        editor = CheckParamEditor(field)
    elif kind == "optional_bool" or (kind == "choice" and field.choices):
        editor = ChoiceParamEditor(field)
    else:
        editor = LineParamEditor(field)
    if field.auto:
        return AutoParamEditor(field, editor, parent)
    if parent is not None:
        editor.setParent(parent)
    return editor


__all__ = ["AutoParamEditor", "CheckParamEditor", "ChoiceParamEditor", "FieldSpec",
           "LineParamEditor", "ParamEditor", "SpinParamEditor", "field_specs", "format_value",
           "make_editor", "parse_text"]
