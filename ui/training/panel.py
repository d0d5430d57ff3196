"""``TrainingPanel``: the data picker with its preview, the training options, the run
buttons (Train, Pause/Resume, Step, Stop) and the progress of a run.

The panel only reads and writes widgets and calls the session; what a run does lives in
:class:`ui.training.session.TrainingSession`. Options are remembered per design by the
session when a run starts and read back when another design is opened.
"""

from __future__ import annotations

import json

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

import netlab
from netlab.datasets import builtin_datasets
from netlab.training import LOSSES, OPTIMIZERS, SCHEDULERS, TrainConfig
from ui.training.preview import DataPreviewWidget

__all__ = ["TrainingPanel", "parse_options", "format_options", "format_eta"]

DATA_FILTER = "Data files (*.csv *.tsv *.txt *.gz *.npz *.npy *-ubyte *.idx*);;All files (*)"
MOMENTUM_OPTIMIZERS = ("sgd", "rmsprop")
SCALES = ("none", "standard", "minmax")
CHECK_DELAY_MS = 200  # the preview follows typing in the options after this pause
EDITED_NOTE = "The design changed during this run: edits apply to the next run."


def parse_options(text: str) -> dict:
    """``"n_samples=200, noise=0.1, target=price"`` as a dict (values read as JSON when they
    parse); raises ValueError naming a part that is not KEY=VALUE.

    Examples
    --------
    >>> parse_options("n_samples=200, shape=[1, 8, 8], target=price")
    {'n_samples': 200, 'shape': (1, 8, 8), 'target': 'price'}
    """
    out: dict = {}
    text = text.strip()
    parts, depth, current = [], 0, ""
    for ch in text:  # split on commas outside brackets
        depth += ch in "[("
        depth -= ch in "])"
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    if current.strip():
        parts.append(current)
    for part in parts:
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise ValueError(f"data options: {part.strip()!r} is not KEY=VALUE (e.g. "
                             f"n_samples=500, noise=0.2)")
        value = value.strip().replace("(", "[").replace(")", "]")
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            parsed = value
        out[key] = tuple(parsed) if isinstance(parsed, list) else parsed
    return out


def format_options(options: dict) -> str:
    """The inverse of :func:`parse_options` (``format_options({'noise': 0.1})`` ->
    ``'noise=0.1'``)."""
    return ", ".join(f"{k}={list(v) if isinstance(v, tuple) else v}" for k, v in
                     options.items())


def format_eta(seconds) -> str:
    """``'1:05'`` / ``'2:03:04'`` for seconds left ('-' when unknown).

    Examples
    --------
    >>> format_eta(65.2), format_eta(None)
    ('1:05', '-')
    """
    if seconds is None or seconds != seconds or seconds < 0:
        return "-"
    s = int(round(seconds))
    h, m = divmod(s, 3600)
    m, s = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class TrainingPanel(QWidget):
    """Data, options and run controls for ``session``'s runs of ``document``'s design.

    Examples
    --------
    >>> panel = TrainingPanel(session, document)  # doctest: +SKIP
    >>> panel.set_source("moons"); panel.epochs.setValue(5)  # doctest: +SKIP
    >>> panel.start()  # doctest: +SKIP
    True
    """

    def __init__(self, session, document, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.document = document
        self.message = ""  # the last failure the session reported
        self.problem: str | None = None  # why the chosen data cannot train this design
        self._build()
        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(CHECK_DELAY_MS)
        self._check_timer.timeout.connect(self.refresh_preview)
        session.stateChanged.connect(self._on_session_state_changed)
        session.runStarted.connect(self._on_session_run_started)
        session.metrics.connect(self._on_session_metrics)
        session.runFinished.connect(self._on_session_run_finished)
        session.failed.connect(self._on_session_failed)
        session.designEditedDuringRun.connect(self._on_session_design_edited)
        document.pathChanged.connect(self._on_document_path_changed)
        document.designReplaced.connect(self._on_document_design_replaced)
        document.inferred.connect(self._schedule_check)
        self.load_remembered()
        self._update_controls()

    # building ---------------------------------------------------------------------------
    def _build(self) -> None:
        # the run controls and the progress stay at the top; the data and the options scroll
        # below them, so a short dock (~400 px) never hides Train/Pause/Step/Stop
        layout = QVBoxLayout(self)
        layout.addLayout(self._build_buttons())
        self.progress = QProgressBar()
        self.progress.setFormat("%p%")
        self.progress_text = QLabel("Not trained yet.")
        self.note = QLabel(EDITED_NOTE)
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #8a5a00;")
        self.note.hide()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color: #b00020;")
        for w in (self.progress, self.progress_text, self.note, self.status):
            layout.addWidget(w)
        form = QWidget()
        column = QVBoxLayout(form)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self._build_data())
        column.addWidget(self._build_options())
        column.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(form)
        layout.addWidget(self.scroll, 1)

    def _build_data(self) -> QGroupBox:
        box = QGroupBox("Data")
        form = QFormLayout(box)
        self.source = QComboBox()
        for name, desc in builtin_datasets().items():
            self.source.addItem(name, name)
            self.source.setItemData(self.source.count() - 1, desc, 3)  # ToolTipRole
        self.import_button = QToolButton()
        self.import_button.setText("Import...")
        self.import_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.import_button)
        menu.addAction("File (CSV, NPZ, NPY, IDX)...", self.import_file)
        menu.addAction("Image folder (one folder per class)...", self.import_folder)
        self.import_button.setMenu(menu)
        row = QHBoxLayout()
        row.addWidget(self.source, 1)
        row.addWidget(self.import_button)
        form.addRow("Data set", row)
        self.options = QLineEdit()
        self.options.setPlaceholderText("options, e.g. n_samples=500, noise=0.2")
        form.addRow("Options", self.options)
        self.val_split = QDoubleSpinBox(decimals=2, minimum=0.0, maximum=0.9, singleStep=0.05)
        form.addRow("Validation split", self.val_split)
        self.scale = QComboBox()
        self.scale.addItems(SCALES)
        form.addRow("Scale inputs", self.scale)
        self.preview = DataPreviewWidget()
        form.addRow(self.preview)
        self.source.currentIndexChanged.connect(self._schedule_check)
        self.options.textChanged.connect(self._schedule_check)
        self.val_split.valueChanged.connect(self._schedule_check)
        self.scale.currentIndexChanged.connect(self._schedule_check)
        return box

    def _build_options(self) -> QGroupBox:
        box = QGroupBox("Training")
        form = QFormLayout(box)
        self.loss = QComboBox()
        self.loss.addItems(["auto", *LOSSES])
        form.addRow("Loss", self.loss)
        self.optimizer = QComboBox()
        self.optimizer.addItems(list(OPTIMIZERS))
        self.optimizer.currentTextChanged.connect(self._on_optimizer_changed)
        form.addRow("Optimizer", self.optimizer)
        self.lr = QDoubleSpinBox(decimals=6, minimum=1e-6, maximum=10.0, singleStep=0.001)
        form.addRow("Learning rate", self.lr)
        self.momentum = QDoubleSpinBox(decimals=3, minimum=0.0, maximum=0.999, singleStep=0.05)
        form.addRow("Momentum", self.momentum)
        self.weight_decay = QDoubleSpinBox(decimals=6, minimum=0.0, maximum=1.0,
                                           singleStep=1e-4)
        form.addRow("Weight decay", self.weight_decay)
        self.scheduler = QComboBox()
        self.scheduler.addItem("none", None)
        for name, (_, _, desc) in SCHEDULERS.items():
            self.scheduler.addItem(name, name)
            self.scheduler.setItemData(self.scheduler.count() - 1, desc, 3)
        form.addRow("LR schedule", self.scheduler)
        self.epochs = QSpinBox(minimum=1, maximum=100_000)
        form.addRow("Epochs", self.epochs)
        self.batch_size = QSpinBox(minimum=1, maximum=1_000_000)
        form.addRow("Batch size", self.batch_size)
        self.device = QComboBox()
        self.device.addItem("cpu")
        if netlab.cuda.is_available():
            self.device.addItem("cuda")
        form.addRow("Device", self.device)
        self.seed = QSpinBox(minimum=0, maximum=2**31 - 1)
        form.addRow("Seed", self.seed)
        self.shuffle = QCheckBox("Shuffle every epoch")
        form.addRow(self.shuffle)
        self.stats_every = QSpinBox(minimum=0, maximum=100_000)
        self.stats_every.setSpecialValueText("off")
        self.stats_every.setToolTip("gradient statistics every k steps (off: none)")
        form.addRow("Statistics every", self.stats_every)
        self.form_boxes = [box]
        return box

    def _build_buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.train_button = QPushButton("Train")
        self.pause_button = QPushButton("Pause")
        self.step_button = QPushButton("Step")
        self.step_button.setToolTip("run exactly one batch, then stay paused")
        self.stop_button = QPushButton("Stop")
        self.train_button.clicked.connect(self.start)
        self.pause_button.clicked.connect(self._on_pause_clicked)
        self.step_button.clicked.connect(self.session.step)
        self.stop_button.clicked.connect(self.session.stop)
        for b in (self.train_button, self.pause_button, self.step_button, self.stop_button):
            row.addWidget(b)
        return row

    # values -----------------------------------------------------------------------------
    def data_source(self) -> str:
        return str(self.source.currentData())

    def set_source(self, source: str) -> None:
        """Select ``source`` (a built-in name or a path), adding a path to the list."""
        index = self.source.findData(source)
        if index < 0:
            self.source.addItem(source.rsplit("/", 1)[-1] or source, source)
            index = self.source.count() - 1
            self.source.setItemData(index, source, 3)
        self.source.setCurrentIndex(index)

    def data_options(self) -> dict:
        """The source's options plus val_split and scale (raises ValueError on bad text)."""
        options = parse_options(self.options.text())
        options["val_split"] = round(self.val_split.value(), 4)
        if self.scale.currentText() != "none":
            options["scale"] = self.scale.currentText()
        return options

    def config(self) -> TrainConfig:
        """A TrainConfig from the widgets."""
        opt = {"weight_decay": self.weight_decay.value()} if self.weight_decay.value() else {}
        if self.optimizer.currentText() in MOMENTUM_OPTIMIZERS and self.momentum.value():
            opt["momentum"] = self.momentum.value()
        stats = self.stats_every.value()
        return TrainConfig(
            epochs=self.epochs.value(), batch_size=self.batch_size.value(),
            lr=self.lr.value(), optimizer=self.optimizer.currentText(), optimizer_options=opt,
            loss=self.loss.currentText(), scheduler=self.scheduler.currentData(),
            device=self.device.currentText(), seed=self.seed.value(),
            shuffle=self.shuffle.isChecked(), stats_every=stats,
            histogram_bins=30 if stats else 0)

    def set_config(self, source: str, config: TrainConfig, options: dict) -> None:
        """Show ``source``, ``config`` and data ``options`` in the widgets."""
        options = dict(options)
        self.val_split.setValue(float(options.pop("val_split", 0.2)))
        scale = options.pop("scale", None)
        self.scale.setCurrentText(scale if scale in SCALES else "none")
        options.pop("labels", None)
        self.options.setText(format_options(options))
        self.set_source(source)
        self.loss.setCurrentText(config.loss if self.loss.findText(config.loss) >= 0
                                 else "auto")
        self.optimizer.setCurrentText(config.optimizer)
        self.lr.setValue(config.lr)
        self.momentum.setValue(float(config.optimizer_options.get("momentum", 0.0)))
        self.weight_decay.setValue(float(config.optimizer_options.get("weight_decay", 0.0)))
        index = self.scheduler.findData(config.scheduler)
        self.scheduler.setCurrentIndex(max(index, 0))
        self.epochs.setValue(config.epochs)
        self.batch_size.setValue(config.batch_size)
        if self.device.findText(config.device) >= 0:
            self.device.setCurrentText(config.device)
        self.seed.setValue(config.seed)
        self.shuffle.setChecked(config.shuffle)
        self.stats_every.setValue(config.stats_every)
        self._on_optimizer_changed(self.optimizer.currentText())

    def load_remembered(self) -> None:
        """Show the options last used with this design (or defaults that fit it)."""
        if self.session.has_remembered_config():
            self.set_config(*self.session.remembered_config())
            self.refresh_preview()
        else:
            self.load_defaults()

    def load_defaults(self) -> None:
        """Show data and options that fit the design's input (statistics on)."""
        source, config, options = self.session.default_config()
        config.stats_every = config.stats_every or 10  # the gradient view shows them
        self.set_config(source, config, options)
        self.refresh_preview()

    def fit_to_design(self) -> None:
        """Keep the settings while the data still fits the design; else the options last
        used with this design, or, when those do not fit either, defaults that do."""
        if self.session.running:
            return
        self.refresh_preview()
        if not self.problem:
            return
        remembered = self.session.has_remembered_config()
        self.load_remembered()
        if self.problem and remembered:
            self.load_defaults()

    # actions ----------------------------------------------------------------------------
    def start(self) -> bool:
        """Start a run with these settings (the Train button); False when refused."""
        try:
            options = self.data_options()
        except ValueError as e:
            self._on_session_failed(str(e))
            return False
        self.status.setText("")
        return self.session.start(self.data_source(), self.config(), options)

    def import_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import data", "", DATA_FILTER)
        if path:
            self.set_source(path)

    def import_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Import an image folder (one "
                                                      "sub-folder per class)")
        if path:
            self.set_source(path)

    def refresh_preview(self) -> None:
        """Load (cached) and check the data now; the preview shows it or the problem."""
        self._check_timer.stop()
        try:
            options = self.data_options()
        except ValueError as e:
            data, problem = None, str(e)
        else:
            data, problem = self.session.check_data(self.data_source(), options,
                                                    seed=self.seed.value(),
                                                    shuffle=self.shuffle.isChecked())
        self.problem = problem
        self.preview.show_data(data, problem, self.session.input_shape())
        self._update_controls()

    def _schedule_check(self, *args) -> None:
        self._check_timer.start()

    # state ------------------------------------------------------------------------------
    def _update_controls(self) -> None:
        state = self.session.state
        running = state in ("running", "paused")
        self.train_button.setEnabled(not running and not self.problem)
        self.pause_button.setEnabled(running)
        self.pause_button.setText("Resume" if state == "paused" else "Pause")
        self.step_button.setEnabled(running)
        self.stop_button.setEnabled(running)
        for w in (self.source, self.import_button, self.options, self.val_split, self.scale,
                  *self.form_boxes):
            w.setEnabled(not running)

    def _on_pause_clicked(self) -> None:
        if self.session.state == "paused":
            self.session.resume()
        else:
            self.session.pause()

    def _on_optimizer_changed(self, name: str) -> None:
        self.momentum.setEnabled(name in MOMENTUM_OPTIMIZERS)

    def _on_session_state_changed(self, state: str) -> None:
        self._update_controls()

    def _on_session_run_started(self, info: dict) -> None:
        self.note.hide()
        self.status.setText("")
        self.progress.setRange(0, max(1, int(info["total_steps"])))
        self.progress.setValue(0)
        self.progress_text.setText(f"Run {info['run_id']}: starting on {info['data_name']} "
                                   f"({info['n_train']} training samples)")

    def _on_session_metrics(self, m: dict) -> None:
        if len(m["step"]):
            self.progress.setValue(int(m["step"][-1]))
        epochs = max(1, m["total_steps"] // max(1, m["steps_per_epoch"]))
        sps = m.get("samples_per_sec")
        self.progress_text.setText(
            f"Epoch {m['epoch']}/{epochs} · batch {m['batch']}/{m['steps_per_epoch']} · "
            f"{sps:,.0f} samples/s · ETA {format_eta(m.get('eta'))}" if sps else
            f"Epoch {m['epoch']}/{epochs} · batch {m['batch']}/{m['steps_per_epoch']}")

    def _on_session_run_finished(self, report: dict) -> None:
        reason = report.get("reason")
        words = {"completed": "Finished", "stopped": "Stopped", "nonfinite": "Failed (NaN/Inf)",
                 "error": "Failed"}.get(reason, str(reason))
        steps = report.get("steps")
        parts = [f"{words} after {steps} steps"]
        if report.get("val_accuracy") is not None:
            parts.append(f"validation accuracy {report['val_accuracy']:.1%}")
        elif report.get("val_loss") is not None:
            parts.append(f"validation loss {report['val_loss']:.4g}")
        elif report.get("train_loss") is not None:
            parts.append(f"training loss {report['train_loss']:.4g}")
        self.progress_text.setText(", ".join(parts) + ".")
        self._update_controls()

    def _on_session_failed(self, message: str) -> None:
        self.message = message
        self.status.setText(message)

    def _on_session_design_edited(self) -> None:
        self.note.show()

    def _on_document_path_changed(self, _path) -> None:
        if self.session.running:
            return
        if self.session.has_remembered_config():
            self.load_remembered()
            return
        # Save As keeps what the user set up; another design that the data does not fit
        # gets the defaults that fit it
        self.fit_to_design()

    def _on_document_design_replaced(self) -> None:
        # New, New from example, Open, undo of a structural edit: settings that no longer
        # fit the design (a stale "regression d_in=1" after an empty design) are replaced
        self.fit_to_design()
