"""The main window's actions: one table of text, shortcuts and slots, and the menus built from it.

Shortcuts that mean something inside text fields and tables too (Del, Ctrl+C/X/V/A, F, zoom)
act only while the canvas has the focus, so that typing in the inspector never deletes a node;
the file and undo shortcuts work anywhere in the window.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import QMainWindow, QMenu, QWidget


@dataclass(frozen=True)
class ActionSpec:
    """One entry of a menu: ``slot`` names a method of the window (called without arguments,
    or with ``checked`` for a checkable action)."""

    key: str
    text: str
    slot: str
    shortcuts: tuple = ()
    checkable: bool = False
    canvas: bool = False  # the shortcut acts only while the canvas (or a child) has focus
    tip: str = ""


SPECS = (
    # File
    ActionSpec("new", "&New", "_on_new_triggered", ("Ctrl+N",), tip="A blank design"),
    ActionSpec("open", "&Open…", "_on_open_triggered", ("Ctrl+O",), tip="Open a design file"),
    ActionSpec("save", "&Save", "_on_save_triggered", ("Ctrl+S",)),
    ActionSpec("save_as", "Save &As…", "_on_save_as_triggered", ("Ctrl+Shift+S",)),
    ActionSpec("quit", "&Quit", "close", ("Ctrl+Q",)),
    # Edit (undo and redo come from the undo stack)
    ActionSpec("cut", "Cu&t", "_on_cut_triggered", ("Ctrl+X",), canvas=True),
    ActionSpec("copy", "&Copy", "_on_copy_triggered", ("Ctrl+C",), canvas=True),
    ActionSpec("paste", "&Paste", "_on_paste_triggered", ("Ctrl+V",), canvas=True),
    ActionSpec("duplicate", "D&uplicate", "_on_duplicate_triggered", ("Ctrl+D",), canvas=True),
    ActionSpec("delete", "&Delete", "_on_delete_triggered", ("Del",), canvas=True,
               tip="Delete the selected nodes, groups (members stay) and connections"),
    ActionSpec("select_all", "Select &All", "_on_select_all_triggered", ("Ctrl+A",),
               canvas=True),
    ActionSpec("rename", "&Rename…", "_on_rename_triggered", ("F2",), canvas=True,
               tip="Edit the selected item's attribute name in the inspector"),
    ActionSpec("find_layer", "&Find Layer…", "_on_find_layer_triggered", ("Ctrl+F",),
               tip="Search the palette (Enter adds the first match after the selection)"),
    ActionSpec("group", "&Group as Sequential…", "_on_group_triggered", ("Ctrl+G",),
               tip="Put the selected nodes into a named nn.Sequential"),
    ActionSpec("wrap_dp", "&Wrap in DataParallel", "_on_wrap_dp_triggered",
               tip="Wrap the selected node or group in nn.DataParallel (keys gain module.)"),
    ActionSpec("ungroup", "&Ungroup", "_on_ungroup_triggered", ("Ctrl+Shift+G",)),
    ActionSpec("collapse", "C&ollapse Group", "_on_collapse_triggered"),
    ActionSpec("expand", "E&xpand Group", "_on_expand_triggered"),
    # View
    ActionSpec("fit", "&Fit to View", "_on_fit_triggered", ("F",), canvas=True),
    ActionSpec("zoom_in", "Zoom &In", "_on_zoom_in_triggered", ("Ctrl+=", "Ctrl++"),
               canvas=True),
    ActionSpec("zoom_out", "Zoom &Out", "_on_zoom_out_triggered", ("Ctrl+-",), canvas=True),
    ActionSpec("auto_layout", "&Auto Layout", "_on_auto_layout_triggered", ("Ctrl+L",),
               tip="Arrange the nodes top to bottom in layers (undoable)"),
    ActionSpec("snap", "&Snap to Grid", "_on_snap_toggled", checkable=True),
    ActionSpec("minimap", "&Minimap", "_on_minimap_toggled", checkable=True),
    # Model
    ActionSpec("model_dp", "Wrap Whole Model in &DataParallel", "_on_model_dp_toggled",
               checkable=True, tip="Every state_dict key gains module."),
    ActionSpec("model_seq", "Model as nn.&Sequential", "_on_model_seq_toggled",
               checkable=True, tip="Top-level modules are numbered 0, 1, 2, ..."),
    # Export / Import
    ActionSpec("export_state", "&State Dict (.pt, .safetensors, .npz)…",
               "_on_export_state_triggered", ("Ctrl+E",)),
    ActionSpec("export_code", "&PyTorch Code…", "_on_export_code_triggered"),
    ActionSpec("export_summary", "S&ummary as Text…", "_on_export_summary_triggered"),
    ActionSpec("export_image", "&Graph as PNG/SVG…", "_on_export_image_triggered"),
    ActionSpec("import_state", "&State Dict (.pt, .safetensors, .npz)…",
               "_on_import_state_triggered", ("Ctrl+I",)),
    # Train (the slots are in ui/studio/training_slots.py; Pause/Resume renames itself)
    ActionSpec("train", "&Train", "_on_train_triggered", ("F5",),
               tip="Train a snapshot of the design with the Training panel's settings"),
    ActionSpec("train_pause", "&Pause", "_on_train_pause_triggered", ("F6",),
               tip="Pause the run after the current batch, or resume it"),
    ActionSpec("train_step", "&Step One Batch", "_on_train_step_triggered", ("F10",),
               tip="Train exactly one batch, then stay paused"),
    ActionSpec("train_stop", "St&op", "_on_train_stop_triggered", ("Shift+F5",),
               tip="Stop the run after the current batch; the weights so far are kept"),
    ActionSpec("save_checkpoint", "Save &Checkpoint…", "_on_save_checkpoint_triggered",
               tip="Save the run so far (weights, optimizer, position) to continue it later"),
    ActionSpec("export_trained", "Export Trained &Weights…", "_on_export_trained_triggered",
               tip="Write the trained state_dict (.pt, .safetensors, .npz)"),
    ActionSpec("about", "&About NetLab Studio", "_on_about_triggered"),
)

# menu title -> action keys; "-" a separator, "@name" a submenu the window fills
MENUS = (
    ("&File", ("new", "@examples", "open", "@recent", "-", "save", "save_as", "-", "quit")),
    ("&Edit", ("undo", "redo", "-", "cut", "copy", "paste", "duplicate", "delete",
               "select_all", "rename", "find_layer", "-", "group", "wrap_dp", "ungroup", "-",
               "collapse", "expand")),
    ("&View", ("fit", "zoom_in", "zoom_out", "-", "auto_layout", "snap", "minimap", "-",
               "@docks")),
    ("&Model", ("model_dp", "model_seq")),
    ("&Train", ("train", "train_pause", "train_step", "train_stop", "-", "save_checkpoint",
                "export_trained", "export_code")),
    ("E&xport", ("export_state", "export_code", "export_summary", "export_image")),
    ("&Import", ("import_state",)),
    ("&Help", ("about",)),
)


def create_actions(window: QMainWindow, canvas: QWidget, undo_stack: QUndoStack) -> dict:
    """Every action of :data:`SPECS` connected to its window slot, plus Undo/Redo from the
    undo stack; canvas-only shortcuts are attached to ``canvas``.

    Examples
    --------
    >>> actions = create_actions(window, window.canvas, document.undo_stack)  # doctest: +SKIP
    >>> actions["delete"].shortcut().toString()  # doctest: +SKIP
    'Del'
    """
    actions = {}
    for spec in SPECS:
        action = QAction(spec.text, window)
        action.setObjectName(f"action_{spec.key}")
        action.setShortcuts([QKeySequence(s) for s in spec.shortcuts])
        action.setCheckable(spec.checkable)
        if spec.tip:
            action.setStatusTip(spec.tip)
            action.setToolTip(spec.tip)
        slot = getattr(window, spec.slot)
        (action.toggled if spec.checkable else action.triggered).connect(slot)
        if spec.canvas:
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            canvas.addAction(action)
        else:
            window.addAction(action)
        actions[spec.key] = action
    undo = undo_stack.createUndoAction(window, "&Undo")
    undo.setShortcut(QKeySequence("Ctrl+Z"))
    redo = undo_stack.createRedoAction(window, "&Redo")
    redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    for key, action in (("undo", undo), ("redo", redo)):
        action.setObjectName(f"action_{key}")
        window.addAction(action)
        actions[key] = action
    return actions


def build_menus(window: QMainWindow, actions: dict, submenus: dict) -> dict:
    """Fill the window's menu bar from :data:`MENUS`; ``submenus`` maps ``@name`` entries to
    QMenus. Returns menu title (without ``&``) -> QMenu."""
    menus = {}
    bar = window.menuBar()
    for title, keys in MENUS:
        menu: QMenu = bar.addMenu(title)
        menus[title.replace("&", "")] = menu
        for key in keys:
            if key == "-":
                menu.addSeparator()
            elif key.startswith("@"):
                menu.addMenu(submenus[key[1:]])
            else:
                menu.addAction(actions[key])
    return menus
