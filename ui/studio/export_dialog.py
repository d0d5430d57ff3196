"""Export dialogs and the file writers behind the Export menu.

The state_dict export asks for a file, a format (.pt, .safetensors, .npz) and what to do with
DataParallel's ``module.`` prefix, and previews the keys the file will hold. The other exports
(PyTorch code, summary text, graph image) only need a file name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from netlab.design.export import export_state_dict, pytorch_code, summary
from netlab.design.graph import Design
from netlab.design.infer import Inference

FORMATS = (("PyTorch (.pt)", ".pt"), ("safetensors (.safetensors)", ".safetensors"),
           ("NumPy (.npz)", ".npz"))
# (label, export_state_dict's module_prefix)
PREFIXES = (("as the design has it", None), ("with the module. prefix (DataParallel)", True),
            ("without the module. prefix", False))


@dataclass
class StateDictExport:
    """What the user chose: where, which format, and the ``module.`` prefix (None: keep)."""

    path: Path
    format: str  # "pt", "safetensors" or "npz"
    module_prefix: bool | None


def ask_save_path(parent: QWidget | None, title: str, name_filter: str,
                  suggested: str = "") -> Path | None:
    """A file name from a save dialog, or None when cancelled (tests replace this)."""
    path, _ = QFileDialog.getSaveFileName(parent, title, suggested, name_filter)
    return Path(path) if path else None


def ask_open_path(parent: QWidget | None, title: str, name_filter: str) -> Path | None:
    """A file name from an open dialog, or None when cancelled (tests replace this)."""
    path, _ = QFileDialog.getOpenFileName(parent, title, "", name_filter)
    return Path(path) if path else None


def preview_keys(inference: Inference, design: Design, module_prefix: bool | None) -> list:
    """The keys an export with ``module_prefix`` writes, in state_dict order.

    Examples
    --------
    >>> from netlab.design.graph import Design
    >>> from netlab.design.infer import infer
    >>> d = Design()
    >>> fc = d.add_node("Linear", name="fc", params={"in_features": 2, "out_features": 1})
    >>> preview_keys(infer(d), d, True)
    ['module.fc.weight', 'module.fc.bias']
    """
    keys = inference.state_dict_keys()
    if module_prefix is True and not design.dataparallel:
        return ["module." + k for k in keys]
    if module_prefix is False and design.dataparallel:
        return [k[len("module."):] if k.startswith("module.") else k for k in keys]
    return keys


class ExportDialog(QDialog):
    """Choose the file, format and ``module.`` prefix of a state_dict export.

    Examples
    --------
    >>> dialog = ExportDialog(design, inference, suggested="lenet.pt")  # doctest: +SKIP
    >>> if dialog.exec(): export = dialog.choice()  # doctest: +SKIP
    """

    def __init__(self, design: Design, inference: Inference, suggested: str = "model.pt",
                 n_imported: int = 0, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Export state_dict")
        self._design, self._inference = design, inference
        self.path_edit = QLineEdit(suggested)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._on_browse_clicked)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        self.format_combo = QComboBox()
        for label, suffix in FORMATS:
            self.format_combo.addItem(label, suffix)
        self.prefix_combo = QComboBox()
        for label, value in PREFIXES:
            self.prefix_combo.addItem(label, value)
        self.keys_list = QListWidget()
        weights = (f"{n_imported} imported tensor(s) are written; the rest are freshly "
                   "initialised." if n_imported else "Weights are freshly initialised "
                   "(import a state_dict first to export trained ones).")
        self.info_label = QLabel(weights)
        self.info_label.setWordWrap(True)
        form = QFormLayout()
        form.addRow("File", row)
        form.addRow("Format", self.format_combo)
        form.addRow("module. prefix", self.prefix_combo)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Keys in the file:"))
        layout.addWidget(self.keys_list, 1)
        layout.addWidget(self.info_label)
        layout.addWidget(self.buttons)
        self._select_format_of(suggested)
        self.format_combo.currentIndexChanged.connect(self._on_format_changed)
        self.path_edit.textEdited.connect(self._on_path_edited)
        self.prefix_combo.currentIndexChanged.connect(self._on_prefix_changed)
        self._on_prefix_changed()
        self.resize(520, 480)

    def choice(self) -> StateDictExport:
        """The export the dialog describes now."""
        return StateDictExport(Path(self.path_edit.text().strip()),
                               self.format_combo.currentData().lstrip("."),
                               self.prefix_combo.currentData())

    def accept(self) -> None:
        if not self.path_edit.text().strip():
            self.info_label.setText("Choose a file to export to.")
            return
        super().accept()

    def _select_format_of(self, path: str) -> None:
        suffix = _format_of(path)
        for i, (_, s) in enumerate(FORMATS):
            if s == suffix:
                self.format_combo.setCurrentIndex(i)

    def _on_browse_clicked(self) -> None:
        name_filter = ";;".join(f"{label} (*{s})" for label, s in FORMATS)
        path = ask_save_path(self, "Export state_dict", name_filter, self.path_edit.text())
        if path is not None:
            self.path_edit.setText(str(path))
            self._select_format_of(str(path))

    def _on_path_edited(self, text: str) -> None:
        self._select_format_of(text)

    def _on_format_changed(self) -> None:
        text = self.path_edit.text().strip()
        suffix = self.format_combo.currentData()
        if text and _format_of(text) != suffix:  # keep the name, change the extension
            self.path_edit.setText(str(Path(text).with_suffix(suffix)))

    def _on_prefix_changed(self) -> None:
        self.keys_list.clear()
        self.keys_list.addItems(preview_keys(self._inference, self._design,
                                             self.prefix_combo.currentData()))


def _format_of(path: str) -> str:
    """The format suffix a file name asks for (``.pth`` is PyTorch's ``.pt`` too)."""
    suffix = Path(path).suffix.lower()
    return ".pt" if suffix == ".pth" else suffix


def write_state_dict(design: Design, choice: StateDictExport, model=None) -> None:
    """Write the state_dict ``choice`` describes (``model``: one holding imported weights)."""
    export_state_dict(design, choice.path, module_prefix=choice.module_prefix, model=model,
                      format=choice.format)


def write_code(design: Design, path: Path) -> None:
    """Write the design's PyTorch source (a Net module and build_model()) to ``path``."""
    Path(path).write_text(pytorch_code(design), encoding="utf-8")


def write_summary(design: Design, path: Path) -> None:
    """Write the design's summary table as text to ``path``."""
    Path(path).write_text(summary(design) + "\n", encoding="utf-8")
