"""The Export and Import menus' slots of the main window: state_dict (with the dialogs),
PyTorch code, summary text, graph image; state_dict import into the design.

A mixin of :class:`ui.studio.main_window.MainWindow` (it uses ``self.document``,
``self.canvas`` and ``self.weights``).
"""

from __future__ import annotations

from pathlib import Path

from ui.studio import export_dialog as exports
from ui.studio.export_dialog import ExportDialog
from ui.studio.guarded import guarded
from ui.studio.import_dialog import COLORS, ImportDialog
from ui.studio.weights import read_state_dict

WEIGHTS_FILTER = "State dicts (*.pt *.pth *.safetensors *.npz);;All files (*)"


class TransferSlots:
    """Export and import for a window that has a ``document`` (see the module)."""

    def _suggest(self, ending: str) -> str:
        """A file name to offer: beside the design file, named after it (else model*)."""
        path = self.document.path
        folder = Path(path).parent if path else Path.home()
        return str(folder / ((Path(path).stem if path else "model") + ending))

    @guarded("Export state_dict")
    def _on_export_state_triggered(self) -> None:
        self.document.refresh_now()
        dialog = ExportDialog(self.document.design, self.document.inference,
                              self._suggest(".pt"), len(self.weights), self)
        if dialog.exec():
            self.export_state_dict(dialog.choice())

    def export_state_dict(self, choice: exports.StateDictExport) -> None:
        """Write the design's state_dict as ``choice`` says, imported weights included."""
        exports.write_state_dict(self.document.design, choice,
                                 self.weights.model(self.document.design))
        self.statusBar().showMessage(f"Exported the state_dict to {choice.path}", 8000)

    @guarded("Export PyTorch code")
    def _on_export_code_triggered(self) -> None:
        path = exports.ask_save_path(self, "Export PyTorch code", "Python (*.py)",
                                     self._suggest("_net.py"))
        if path is not None:
            exports.write_code(self.document.design, path)
            self.statusBar().showMessage(f"Exported PyTorch code to {path}", 8000)

    @guarded("Export summary")
    def _on_export_summary_triggered(self) -> None:
        path = exports.ask_save_path(self, "Export summary", "Text (*.txt)",
                                     self._suggest("_summary.txt"))
        if path is not None:
            exports.write_summary(self.document.design, path)
            self.statusBar().showMessage(f"Exported the summary to {path}", 8000)

    @guarded("Export graph image")
    def _on_export_image_triggered(self) -> None:
        path = exports.ask_save_path(self, "Export graph", "PNG image (*.png);;SVG image (*.svg)",
                                     self._suggest(".png"))
        if path is not None:
            if path.suffix.lower() not in (".png", ".svg"):
                path = path.with_suffix(".png")
            self.canvas.export_image(path)
            self.statusBar().showMessage(f"Exported the graph to {path}", 8000)

    @guarded("Import state_dict")
    def _on_import_state_triggered(self) -> None:
        path = exports.ask_open_path(self, "Import state_dict", WEIGHTS_FILTER)
        if path is not None:
            self.import_state_dict(path)

    def import_state_dict(self, path, dialog_hook=None) -> int:
        """Show how the weights in ``path`` fit the design; on "Load matching" keep the
        tensors that fit for export. Returns how many were kept (``dialog_hook(dialog)``,
        for tests, runs instead of ``dialog.exec()`` and returns its result)."""
        state = read_state_dict(path)
        self.document.refresh_now()
        inference = self.document.inference
        dialog = ImportDialog(self.document.design, inference, state, path, self)
        accepted = dialog_hook(dialog) if dialog_hook is not None else dialog.exec()
        if not accepted:
            return 0
        kept = self.weights.load_matching(inference, dialog.state)
        for nid, status in dialog.match.nodes.items():  # the same marks on the canvas
            item = self.canvas.node_item(nid)
            if item is not None:
                item.set_badge(status, COLORS[status])
        self.statusBar().showMessage(f"Loaded {kept} tensor(s) from {Path(path).name}; they "
                                     "go into the exported state_dict", 8000)
        return kept
