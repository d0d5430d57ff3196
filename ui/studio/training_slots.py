"""The Train menu's slots of the main window: Train, Pause/Resume, Step, Stop, Save
checkpoint, Export trained weights, and the Training dock beside the Summary.

A mixin of :class:`ui.studio.main_window.MainWindow` (it uses ``self.document``,
``self.canvas``, ``self.docks``, ``self.action`` and ``self._dock``). Training runs on a
compiled snapshot in a worker thread (:class:`ui.training.session.TrainingSession`), so the
editor stays usable; these slots only ask the session and show what it says.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QWidget

from ui.studio import export_dialog as exports
from ui.studio.export_dialog import ExportDialog
from ui.studio.guarded import guarded, show_error
from ui.training.dock import TrainingDock
from ui.training.session import TrainingSession

CHECKPOINT_FILTER = "NetLab checkpoints (*.ckpt);;All files (*)"
_ACTIVE = ("running", "paused")
TRAINING_HEIGHT = 400  # px: the curves and the panel's form readable, the canvas still big


class TrainedExportDialog(ExportDialog):
    """The state_dict export dialog for a trained model: its preview lists the keys of the
    trained weights (the run's snapshot, which may differ from a design edited since).

    Examples
    --------
    >>> dialog = TrainedExportDialog(design, inference, state, "lenet.pt")  # doctest: +SKIP
    """

    _trained_keys: list | None = None

    def __init__(self, design, inference, state: dict, suggested: str,
                 parent: QWidget | None = None):
        super().__init__(design, inference, suggested, 0, parent)
        self.setWindowTitle("Export trained weights")
        self._trained_keys = list(state)
        self._dataparallel = all(k.startswith("module.") for k in state)
        self.info_label.setText(f"The trained weights of the last run ({len(state)} "
                                "tensors) are written.")
        self._on_prefix_changed()

    def _on_prefix_changed(self) -> None:
        if self._trained_keys is None:  # the base class's __init__: not set up yet
            super()._on_prefix_changed()
            return
        prefix = self.prefix_combo.currentData()
        keys = self._trained_keys
        if prefix is True and not self._dataparallel:
            keys = ["module." + k for k in keys]
        elif prefix is False and self._dataparallel:
            keys = [k[len("module."):] for k in keys]
        self.keys_list.clear()
        self.keys_list.addItems(keys)


class TrainingSlots:
    """The Train menu and the Training dock for the main window (see the module)."""

    def _setup_training(self, settings=None) -> None:
        self.session = TrainingSession(self.document, parent=self, settings=settings)
        self.training = TrainingDock(self.session, self.document, self.canvas)
        dock = self._dock("Training", self.training, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.docks["training"] = dock
        self.tabifyDockWidget(self.docks["summary"], dock)
        dock.visibilityChanged.connect(self._on_training_dock_visibility_changed)
        self.session.stateChanged.connect(self._on_session_state_changed)
        self.session.failed.connect(self._on_session_failed)
        self.session.runFinished.connect(self._on_session_run_finished)
        self.session.checkpointSaved.connect(self._on_session_checkpoint_saved)

    def show_training(self) -> None:
        """Bring the Training dock to the front, tall enough for its plots."""
        dock = self.docks["training"]
        dock.show()
        dock.raise_()
        if dock.height() < TRAINING_HEIGHT:  # it shares the bottom with the short Summary
            self.resizeDocks([dock], [TRAINING_HEIGHT], Qt.Orientation.Vertical)

    def _update_training_actions(self, state: str | None = None) -> None:
        state = state or self.session.state
        active = state in _ACTIVE
        self.action["train"].setEnabled(not active)
        for key in ("train_pause", "train_step", "train_stop"):
            self.action[key].setEnabled(active)
        self.action["train_pause"].setText("&Resume" if state == "paused" else "&Pause")
        self.action["save_checkpoint"].setEnabled(active or bool(self.session.runs))
        self.action["export_trained"].setEnabled(bool(self.session.runs))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        super().closeEvent(event)
        if event.isAccepted():
            self.session.shutdown()  # the worker thread must not outlive the window

    def _on_training_dock_visibility_changed(self, visible: bool) -> None:
        if visible:  # brought forward: once laid out, the views draw what came meanwhile
            QTimer.singleShot(0, self.training.catch_up)

    # session -> window -------------------------------------------------------------------
    def _on_session_state_changed(self, state: str) -> None:
        self._update_training_actions(state)
        self.statusBar().showMessage(f"Training: {state}", 4000)

    def _on_session_failed(self, message: str) -> None:
        self.show_training()
        show_error(self, "Training", message)

    def _on_session_checkpoint_saved(self, path: str) -> None:
        self.statusBar().showMessage(f"Saved the checkpoint to {path}", 8000)

    def _on_session_run_finished(self, report: dict) -> None:
        self._update_training_actions()
        reason = report.get("reason", "")
        acc = report.get("val_accuracy")
        text = f"Training {reason}: {report.get('steps', 0)} steps"
        if report.get("train_loss") is not None:
            text += f", train loss {report['train_loss']:.4g}"
        if acc is not None:
            text += f", accuracy {acc:.1%}"
        self.statusBar().showMessage(text, 10000)

    # Train menu --------------------------------------------------------------------------
    @guarded("Train")
    def _on_train_triggered(self) -> None:
        self.show_training()
        self.training.start()

    @guarded("Pause training")
    def _on_train_pause_triggered(self) -> None:
        if self.session.state == "paused":
            self.session.resume()
        else:
            self.session.pause()

    @guarded("Step")
    def _on_train_step_triggered(self) -> None:
        self.session.step()

    @guarded("Stop training")
    def _on_train_stop_triggered(self) -> None:
        self.session.stop()

    @guarded("Save checkpoint")
    def _on_save_checkpoint_triggered(self) -> None:
        path = exports.ask_save_path(self, "Save checkpoint", CHECKPOINT_FILTER,
                                     self._suggest(".ckpt"))
        if path is not None:
            if path.suffix == "":
                path = path.with_suffix(".ckpt")
            # while running it is written between two batches; checkpointSaved or failed
            # says how it went
            self.session.save_checkpoint(path)

    @guarded("Export trained weights")
    def _on_export_trained_triggered(self) -> None:
        state = self.session.trained_state_dict()
        if state is None:
            raise ValueError("no trained weights yet: train the design first (Train > Train, "
                             "F5)")
        self.document.refresh_now()
        dialog = TrainedExportDialog(self.document.design, self.document.inference, state,
                                     self._suggest("_trained.pt"), self)
        if dialog.exec():
            self.export_trained(dialog.choice())

    def export_trained(self, choice: exports.StateDictExport) -> Path:
        """Write the last run's trained state_dict as ``choice`` says (file, format,
        ``module.`` prefix); returns the path written."""
        self.session.export_trained(choice.path, module_prefix=choice.module_prefix)
        self.statusBar().showMessage(f"Exported the trained weights to {choice.path}", 8000)
        return Path(choice.path)
