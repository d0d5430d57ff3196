"""NetLab Studio's main window: the canvas in the middle, the panels docked around it, menus.

The window owns no model state: the :class:`~ui.editor.Document` holds the design, its undo
stack and files; the canvas and panels follow it. Every action slot is ``@guarded``, so a bad
file or a refused edit is shown and the app keeps running.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QWidget,
)

from ui.canvas import CanvasView
from ui.editor import Document
from ui.editor.clipboard import from_mime, to_mime
from ui.editor.files import Autosaver, RecentFiles, example_names
from ui.panels import InspectorPanel, PalettePanel, ProblemsPanel, SummaryPanel
from ui.studio.actions import build_menus, create_actions
from ui.studio.file_slots import APP_NAME, FileSlots
from ui.studio.guarded import guarded
from ui.studio.training_slots import TrainingSlots
from ui.studio.transfer_slots import TransferSlots
from ui.studio.weights import WeightStore


def ask_text(parent: QWidget, title: str, label: str, text: str) -> str | None:
    """A line of text from the user, or None when cancelled (tests replace this)."""
    value, ok = QInputDialog.getText(parent, title, label, text=text)
    return value.strip() if ok and value.strip() else None


class MainWindow(TrainingSlots, FileSlots, TransferSlots, QMainWindow):
    """The Studio: canvas, palette, inspector, summary, problems and training, menus and
    shortcuts (the File slots are in :mod:`ui.studio.file_slots`, Export/Import in
    :mod:`ui.studio.transfer_slots`, Train in :mod:`ui.studio.training_slots`).

    Examples
    --------
    >>> window = MainWindow()  # doctest: +SKIP
    >>> window.document.new(template="lenet"); window.canvas.fit_to_view()  # doctest: +SKIP
    >>> window.show()  # doctest: +SKIP
    """

    def __init__(self, document: Document | None = None, *, recent: RecentFiles | None = None,
                 recovery_path=None, autosave_ms: int = 60_000, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document if document is not None else Document(parent=self)
        # recent files in QSettings and the crash-recovery file (tests pass their own)
        self.recent = recent if recent is not None else RecentFiles(parent=self)
        self.recent.track(self.document)
        self.autosaver = Autosaver(self.document, recovery_path, autosave_ms, parent=self)
        self.canvas = CanvasView(self.document)
        self.setCentralWidget(self.canvas)
        self.palette = PalettePanel(self.document)
        self.inspector = InspectorPanel(self.document)
        self.summary = SummaryPanel(self.document)
        self.problems = ProblemsPanel(self.document)
        self.docks = {
            "palette": self._dock("Palette", self.palette, Qt.DockWidgetArea.LeftDockWidgetArea),
            "inspector": self._dock("Inspector", self.inspector,
                                    Qt.DockWidgetArea.RightDockWidgetArea),
            "summary": self._dock("Summary", self.summary,
                                  Qt.DockWidgetArea.BottomDockWidgetArea),
            "problems": self._dock("Problems", self.problems,
                                   Qt.DockWidgetArea.BottomDockWidgetArea),
        }
        self.tabifyDockWidget(self.docks["summary"], self.docks["problems"])
        # training settings are remembered per design beside the recent files
        self._setup_training(self.recent.settings)
        self.docks["summary"].raise_()
        self.resizeDocks([self.docks["palette"], self.docks["inspector"]], [230, 300],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["summary"]], [190], Qt.Orientation.Vertical)
        self.action = create_actions(self, self.canvas, self.document.undo_stack)
        self.examples_menu = QMenu("New from E&xample", self)
        for stem in example_names():
            act = self.examples_menu.addAction(stem)
            act.triggered.connect(lambda _=False, s=stem: self._new_from_example(s))
        self.recent_menu = QMenu("Open &Recent", self)
        self.recent_menu.aboutToShow.connect(self._on_recent_menu_about_to_show)
        docks_menu = QMenu("&Panels", self)
        for dock in self.docks.values():
            docks_menu.addAction(dock.toggleViewAction())
        self.menus = build_menus(self, self.action, {
            "examples": self.examples_menu, "recent": self.recent_menu, "docks": docks_menu})
        self.stats_label = QLabel()
        self.statusBar().addPermanentWidget(self.stats_label)
        self.action["minimap"].setChecked(self.canvas.minimap_enabled)
        self._connect_document()
        self._sync_toggles()
        self._update_title()
        self._update_stats()
        self._update_enabled()
        self._update_training_actions()
        self._on_problems_count_changed(self.problems.count())
        self.resize(1400, 900)

    # wiring ------------------------------------------------------------------------------
    def _dock(self, title: str, widget: QWidget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{title.lower()}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _connect_document(self) -> None:
        doc = self.document
        doc.modifiedChanged.connect(self._on_document_modified_changed)
        doc.pathChanged.connect(self._on_document_path_changed)
        doc.message.connect(self._on_document_message)
        doc.selectionChanged.connect(self._on_document_selection_changed)
        doc.inferred.connect(self._on_document_inferred)
        doc.modelEvent.connect(self._on_document_model_event)
        doc.designReplaced.connect(self._on_document_design_replaced)
        self.problems.activated.connect(self._on_problems_activated)
        self.problems.countChanged.connect(self._on_problems_count_changed)
        QApplication.clipboard().dataChanged.connect(self._on_clipboard_data_changed)

    def _on_document_modified_changed(self, _modified: bool) -> None:
        self._update_title()

    def _on_document_path_changed(self, _path) -> None:
        self._update_title()

    def _on_document_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 8000)

    def _on_document_selection_changed(self, _ids: list) -> None:
        self._update_enabled()

    def _on_document_inferred(self, *_args) -> None:
        self._update_stats()

    def _on_document_model_event(self, event: str, _payload: dict) -> None:
        if event in ("dataparallel_changed", "root_sequential_changed"):
            self._sync_toggles()

    def _on_document_design_replaced(self) -> None:
        self._sync_toggles()
        self._update_title()
        self._update_enabled()

    def _on_problems_activated(self, node_id: str) -> None:
        self.canvas.center_on(node_id)

    @property
    def weights(self) -> WeightStore:
        """The imported tensors (kept in ``document.weights``, emptied by New and Open) that
        the state_dict export writes."""
        return WeightStore(self.document.weights)

    def _on_problems_count_changed(self, n: int) -> None:
        self.docks["problems"].setWindowTitle(f"Problems ({n})" if n else "Problems")

    def _sync_toggles(self) -> None:
        design = self.document.design
        for key, on in (("model_dp", design.dataparallel),
                        ("model_seq", design.root_sequential)):
            action: QAction = self.action[key]
            action.blockSignals(True)  # reflecting the model is not a user edit
            action.setChecked(on)
            action.blockSignals(False)

    def _update_title(self) -> None:
        path = self.document.path
        name = Path(path).name if path else "untitled"
        self.setWindowTitle(f"{name}{'*' if self.document.modified else ''} — {APP_NAME}")

    def _update_stats(self) -> None:
        info = self.document.inference
        n_params = sum(i.n_params for i in info.nodes.values())
        errors = len(info.errors)
        text = f"{len(self.document.design.nodes)} nodes · {n_params:,} parameters"
        if errors:
            text += f" · {errors} problem{'s' if errors > 1 else ''}"
        self.stats_label.setText(text)

    def _selected_groups(self) -> list:
        return [i for i in self.document.selection if i in self.document.design.groups]

    def _update_enabled(self) -> None:
        sel = self.document.selection
        groups = self._selected_groups()
        for key in ("cut", "copy", "duplicate", "delete", "group", "wrap_dp"):
            self.action[key].setEnabled(bool(sel))
        self.action["paste"].setEnabled(self.clipboard is not None)
        for key in ("ungroup", "collapse", "expand"):
            self.action[key].setEnabled(bool(groups))

    # Edit --------------------------------------------------------------------------------
    @property
    def clipboard(self) -> dict | None:
        """The nodes on the system clipboard (copied here or in another Studio), or None."""
        return from_mime(QApplication.clipboard().mimeData())

    def _put_on_clipboard(self, clip: dict) -> None:
        if clip["nodes"]:
            QApplication.clipboard().setMimeData(to_mime(clip))

    @guarded("Cut")
    def _on_cut_triggered(self) -> None:
        self._put_on_clipboard(self.document.cut(self.document.selection))

    @guarded("Copy")
    def _on_copy_triggered(self) -> None:
        self._put_on_clipboard(self.document.copy(self.document.selection))

    @guarded("Paste")
    def _on_paste_triggered(self) -> None:
        clip = self.clipboard
        if clip is not None:
            self.document.paste(clip)

    def _on_clipboard_data_changed(self) -> None:
        self._update_enabled()

    @guarded("Duplicate")
    def _on_duplicate_triggered(self) -> None:
        self.document.duplicate(self.document.selection)

    @guarded("Delete")
    def _on_delete_triggered(self) -> None:
        self.canvas.delete_selection()  # nodes, groups (members stay) and edges

    @guarded("Select all")
    def _on_select_all_triggered(self) -> None:
        design = self.document.design
        self.document.set_selection(list(design.nodes) + list(design.groups))

    @guarded("Rename")
    def _on_rename_triggered(self) -> None:
        edit = self.inspector.name_edit
        if edit is not None:
            self.docks["inspector"].show()
            self.docks["inspector"].raise_()
            edit.setFocus()
            edit.selectAll()

    @guarded("Find layer")
    def _on_find_layer_triggered(self) -> None:
        self.docks["palette"].show()
        self.docks["palette"].raise_()
        self.palette.search.setFocus()
        self.palette.search.selectAll()

    @guarded("Group")
    def _on_group_triggered(self) -> None:
        ids = list(self.document.selection)
        if not ids:
            return
        name = ask_text(self, "Group as Sequential", "Name of the nn.Sequential:",
                        self._free_name("block"))
        if name is not None:
            self.document.group(ids, name=name)

    @guarded("Wrap in DataParallel")
    def _on_wrap_dp_triggered(self) -> None:
        ids = list(self.document.selection)
        if ids:  # named after what it wraps, as torch code does
            self.document.group(ids, kind="dataparallel")

    def _free_name(self, base: str) -> str:
        design = self.document.design
        taken = {n.name for n in design.nodes.values()} | {g.name for g in
                                                           design.groups.values()}
        i = 1
        while f"{base}{i}" in taken:
            i += 1
        return f"{base}{i}"

    @guarded("Ungroup")
    def _on_ungroup_triggered(self) -> None:
        for gid in self._selected_groups():
            self.document.ungroup(gid)

    @guarded("Collapse group")
    def _on_collapse_triggered(self) -> None:
        for gid in self._selected_groups():
            self.document.set_group_collapsed(gid, True)

    @guarded("Expand group")
    def _on_expand_triggered(self) -> None:
        for gid in self._selected_groups():
            self.document.set_group_collapsed(gid, False)

    # View --------------------------------------------------------------------------------
    @guarded("Fit")
    def _on_fit_triggered(self) -> None:
        self.canvas.fit_to_view()

    @guarded("Zoom")
    def _on_zoom_in_triggered(self) -> None:
        self.canvas.zoom_by(1.25)

    @guarded("Zoom")
    def _on_zoom_out_triggered(self) -> None:
        self.canvas.zoom_by(0.8)

    @guarded("Auto layout")
    def _on_auto_layout_triggered(self) -> None:
        self.canvas.auto_layout()

    @guarded("Snap to grid")
    def _on_snap_toggled(self, checked: bool) -> None:
        self.canvas.set_snap(checked)

    @guarded("Minimap")
    def _on_minimap_toggled(self, checked: bool) -> None:
        self.canvas.set_minimap_visible(checked)

    # Model -------------------------------------------------------------------------------
    @guarded("DataParallel")
    def _on_model_dp_toggled(self, checked: bool) -> None:
        self.document.set_dataparallel(checked)
        self._sync_toggles()

    @guarded("nn.Sequential")
    def _on_model_seq_toggled(self, checked: bool) -> None:
        self.document.set_root_sequential(checked)
        self._sync_toggles()

    def _on_about_triggered(self) -> None:
        QMessageBox.about(self, APP_NAME, f"<b>{APP_NAME}</b><p>Design neural networks "
                          "visually, see their shapes and state_dict keys live, and take them "
                          "into PyTorch.</p>")
