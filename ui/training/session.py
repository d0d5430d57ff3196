"""``TrainingSession``: one document's training runs, driven from the GUI thread.

``start`` compiles a snapshot of the design (later edits apply to the next run), loads and
checks the data, and trains in a :class:`ui.training.worker.TrainingWorker` on a QThread.
Every signal carries plain Python/numpy data; the session keeps a :class:`RunRecord` per run
(metrics, epochs, report, trained weights) for the views and for export.
"""

from __future__ import annotations

import copy
import json
import math

from PySide6.QtCore import QObject, QSettings, QThread, Signal

from netlab.datasets import Data, DatasetError, load
from netlab.design.graph import DesignError
from netlab.design.io import from_dict, to_dict
from netlab.training import TrainConfig
from ui.training.probe import ResultsProbe, data_kind, image_shape
from ui.training.records import ConfigMemory, RunRecord, default_source
from ui.training.worker import TrainingWorker

__all__ = ["TrainingSession", "RunRecord", "STATES", "LOAD_OPTIONS", "node_of_layer",
           "trainer_layers"]

STATES = ("idle", "running", "paused", "stopped", "finished", "failed")
LOAD_OPTIONS = ("val_split", "scale", "labels")  # the rest of data_options go to the source
_END_STATE = {"completed": "finished", "stopped": "stopped"}
STOP_WAIT_MS = 2000


def trainer_layers(trainer) -> list[str]:
    """The layer names of the trainer's statistics (module paths in forward registration
    order: the layers that own parameters or are probed), also when statistics are off."""
    from netlab.training.stats import TrainingStats

    stats = trainer.stats or TrainingStats(trainer.model, every=1)
    return list(stats.layers)


def node_of_layer(design, layers) -> dict:
    """``{layer name: design node id}`` for the ``layers`` (state_dict prefixes without the
    trailing dot, e.g. ``'stage1.0'`` or ``'module.fc'``) that a node of ``design`` builds.

    Examples
    --------
    >>> from netlab.design.io import load_design
    >>> d = load_design("resources/examples/digits_mlp.json")
    >>> node_of_layer(d, ["fc1", "relu", "fc2"])
    {'fc1': 'n2', 'relu': 'n4', 'fc2': 'n6'}
    """
    from netlab.design.infer import key_prefixes

    owner = {p[:-1]: nid for nid, p in key_prefixes(design).items() if p}
    return {name: owner[name] for name in layers if name in owner}


class TrainingSession(QObject):
    """Training runs of one :class:`ui.editor.document.Document`, in a worker thread.

    Signals (payloads are plain Python/numpy): ``runStarted(dict)``, ``metrics(dict)``
    (batched step arrays and ``"epochs"``: the epoch rows ended since the last one; ~10/s at
    most), ``statsUpdated(dict)`` (~4/s: the latest report with ``"series"`` and
    ``"hist_series"`` of every report since the last one, see :mod:`ui.training.worker`),
    ``resultsUpdated(dict)`` (~2/s), ``stateChanged(str)``, ``runFinished(dict)``,
    ``failed(str)`` (a message to show), ``checkpointSaved(str)``,
    ``designEditedDuringRun()`` (the running model is a snapshot: edits apply next run).
    ``epochEnded`` is kept for old connections but no longer emitted: one signal per epoch
    flooded the GUI thread on small data; read ``metrics["epochs"]``.

    Parameters
    ----------
    document : Document
    settings : QSettings, optional
        Where the options of each design are remembered (default: the application's).

    Examples
    --------
    >>> session = TrainingSession(document)  # doctest: +SKIP
    >>> session.start("moons", TrainConfig(epochs=5, lr=0.1))  # doctest: +SKIP
    True
    """

    runStarted = Signal(dict)
    metrics = Signal(dict)
    epochEnded = Signal(dict)  # never emitted (see the class docstring)
    statsUpdated = Signal(dict)
    resultsUpdated = Signal(dict)
    stateChanged = Signal(str)
    runFinished = Signal(dict)
    failed = Signal(str)
    checkpointSaved = Signal(str)
    designEditedDuringRun = Signal()

    def __init__(self, document, parent: QObject | None = None,
                 settings: QSettings | None = None):
        super().__init__(parent)
        self.document = document
        self.memory = ConfigMemory(settings)
        self.runs: list[RunRecord] = []
        self.state = "idle"
        self.edited_during_run = False
        self.trainer = None
        self._thread: QThread | None = None
        self._worker: TrainingWorker | None = None
        self._data_cache: dict = {}
        document.modelEvent.connect(self._on_document_edited)
        document.designReplaced.connect(self._on_document_edited)

    # state ------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        """True while a run is in progress (running or paused)."""
        return self.state in ("running", "paused")

    @property
    def current_run(self) -> RunRecord | None:
        return self.runs[-1] if self.runs else None

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            if self.runs:
                self.runs[-1].state = state
            self.stateChanged.emit(state)

    def _design_key(self) -> str:
        path = self.document.path
        return str(path.resolve()) if path is not None else "untitled"

    # data -------------------------------------------------------------------------------
    def input_shape(self, design=None) -> tuple | None:
        """The design's input shape per sample, or None without exactly one Input node."""
        design = design if design is not None else self.document.design
        inputs = [n for n in design.nodes.values() if n.type == "Input"]
        if len(inputs) != 1:
            return None
        try:
            return tuple(int(s) for s in inputs[0].params["shape"])
        except (KeyError, TypeError, ValueError):
            return None

    def load_data(self, data_source: str, data_options: dict | None = None, *,
                  seed: int = 0, shuffle: bool = True) -> Data:
        """The data (cached by source and options), as loaded; raises DatasetError."""
        options = dict(data_options or {})
        key = json.dumps([str(data_source), seed, shuffle, sorted(
            (k, list(v) if isinstance(v, tuple) else v) for k, v in options.items())],
            default=str)
        if key not in self._data_cache:
            common = {k: options.pop(k) for k in LOAD_OPTIONS if k in options}
            try:
                data = load(data_source, seed=seed, shuffle=shuffle, **common, **options)
            except TypeError as e:  # an option the source does not take
                raise DatasetError(f"{data_source}: {e}") from None
            if len(self._data_cache) > 8:  # a few sources at a time are plenty
                self._data_cache.pop(next(iter(self._data_cache)))
            self._data_cache[key] = data
        return self._data_cache[key]

    def check_data(self, data_source: str, data_options: dict | None = None, *,
                   seed: int = 0, shuffle: bool = True) -> tuple[Data | None, str | None]:
        """(data, None) when the data loads and fits the design's input, else (data or None,
        the explanation). The data returned is as loaded (its own sample shape)."""
        try:
            data = self.load_data(data_source, data_options, seed=seed, shuffle=shuffle)
        except (DatasetError, ValueError) as e:
            return None, str(e)
        shape = self.input_shape()
        if shape is None:
            return data, ("the design needs exactly one Input node (with a shape) to check "
                          "the data against")
        try:
            fitted = data.as_input(shape)
        except DatasetError as e:
            return data, str(e)
        return data, self._fit_problem(self.document.design, fitted, "auto")

    @staticmethod
    def _fit_problem(design, data: Data, loss: str) -> str | None:
        """Why the design's output cannot take the data's targets, or None (as the CLI)."""
        from netlab.design.infer import infer
        from netlab.training.losses import CLASS_LOSSES, resolve_loss_name

        info = infer(design)
        if info.errors:
            return f"the design has an error: {next(iter(info.errors.values()))}"
        outs = [nid for nid, n in design.nodes.items() if n.type == "Output"]
        shape = info.nodes[outs[0]].shape if len(outs) == 1 else None
        if not shape or shape[0] != "N" or any(not isinstance(s, int) for s in shape[1:]):
            return None
        out = tuple(shape[1:])
        try:
            name = resolve_loss_name(loss, data.task)
        except ValueError as e:
            return str(e)
        if data.task == "classification" and name in CLASS_LOSSES:
            if out and out[0] != data.num_classes:
                return (f"the design's output is (N, {', '.join(map(str, out))}) per batch but "
                        f"{data.name} has {data.num_classes} classes; make the last layer "
                        f"give {data.num_classes} features")
        elif data.task == "regression":
            target = tuple(data.y_train.shape[1:])
            if math.prod(out) != math.prod(target):
                return (f"the design's output has {math.prod(out)} value(s) per sample {out} "
                        f"but {data.name}'s target has {math.prod(target)}; make the last "
                        f"layer give {math.prod(target)}")
        return None

    # settings ---------------------------------------------------------------------------
    def remembered_config(self) -> tuple[str, TrainConfig, dict]:
        """The last (data source, TrainConfig, data options) used with this design, or a
        default that fits its input (digits for 64 values, moons for 2, ...)."""
        found = self.memory.load(self._design_key())
        return found if found is not None else self.default_config()

    def default_config(self) -> tuple[str, TrainConfig, dict]:
        """(data source, TrainConfig, data options) that fit the design's input shape."""
        source, options = default_source(self.input_shape())
        return source, TrainConfig(epochs=10, batch_size=32, lr=0.05), dict(options,
                                                                            val_split=0.2)

    def has_remembered_config(self) -> bool:
        """True when options were remembered for this design (else defaults are offered)."""
        return self.memory.load(self._design_key()) is not None

    def remember(self, data_source: str, config: TrainConfig, data_options: dict) -> None:
        self.memory.save(self._design_key(), data_source, config, data_options)

    # running ----------------------------------------------------------------------------
    def start(self, data_source: str, config: TrainConfig,
              data_options: dict | None = None) -> bool:
        """Train a snapshot of the design on the data; False (and ``failed``) when refused.

        Examples
        --------
        >>> session.start("digits", TrainConfig(epochs=1))  # doctest: +SKIP
        True
        """
        try:
            return self._start(data_source, config, dict(data_options or {}))
        except Exception as e:  # noqa: BLE001 - shown, never raised out of a slot
            self.failed.emit(f"could not start training: {type(e).__name__}: {e}")
            return False

    def _refuse(self, message: str) -> bool:
        self.failed.emit(message)
        return False

    def _start(self, data_source: str, config: TrainConfig, data_options: dict) -> bool:
        import netlab
        from netlab.training import Trainer
        from ui.studio.weights import WeightStore

        if self.running:
            return self._refuse("a run is in progress: stop it before starting another")
        if self._thread is not None and not self._thread.wait(STOP_WAIT_MS):
            return self._refuse("the previous run is still finishing: try again in a moment")
        config = copy.deepcopy(config)
        try:
            config.validate()
        except ValueError as e:
            return self._refuse(str(e))
        if config.device.startswith("cuda") and not netlab.cuda.is_available():
            return self._refuse("device cuda: no CUDA device is usable here; train on cpu")
        self.document.refresh_now()
        design = from_dict(copy.deepcopy(to_dict(self.document.design)))
        shape = self.input_shape(design)
        if shape is None:
            return self._refuse("training needs a design with exactly one Input node")
        try:
            raw = self.load_data(data_source, data_options, seed=config.seed,
                                 shuffle=config.shuffle)
            data = raw.as_input(shape)
        except (DatasetError, ValueError) as e:
            return self._refuse(str(e))
        problem = self._fit_problem(design, data, config.loss)
        if problem is not None:
            return self._refuse(problem)
        netlab.manual_seed(config.seed)
        try:
            store = WeightStore(self.document.weights)
            model = store.model(design)
            trainer = Trainer(model, data, config)
        except (DesignError, ValueError, TypeError) as e:
            return self._refuse(f"cannot train this design: {e}")
        self.remember(data_source, config, data_options)
        kind = data_kind(raw)
        threshold = getattr(trainer, "_threshold", None) or 0.0
        probe = ResultsProbe(data, kind, threshold, image_shape(raw))
        run_id = len(self.runs) + 1
        started = self._started_payload(run_id, design, trainer, data, kind, shape)
        record = RunRecord(run_id=run_id, config=config.to_dict(),
                           design_name=started["design_name"], data_source=data_source,
                           data_options=dict(data_options), started=started, design=design)
        self.runs.append(record)
        self.trainer = trainer
        self.edited_during_run = False
        self._launch(TrainingWorker(trainer, run_id, probe))
        self._set_state("running")
        self.runStarted.emit(started)
        return True

    def _started_payload(self, run_id, design, trainer, data, kind, shape) -> dict:
        layers = trainer_layers(trainer)
        path = self.document.path
        return {"run_id": run_id, "design_name": path.stem if path is not None else "Untitled",
                "config": trainer.config.to_dict(), "task": data.task,
                "classes": list(data.classes) if data.classes else None,
                "n_train": trainer.n_train, "n_val": trainer.n_val,
                "steps_per_epoch": trainer.steps_per_epoch,
                "total_steps": trainer.steps_per_epoch * trainer.config.epochs,
                "layers": layers,
                "parameters": [n for n, _ in trainer.model.named_parameters()],
                "node_of_layer": node_of_layer(design, layers),
                "input_shape": tuple(shape), "data_kind": kind,
                "data_name": data.name}

    def _launch(self, worker: TrainingWorker) -> None:
        thread = QThread()
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.metrics.connect(self._on_worker_metrics)
        worker.statsUpdated.connect(self.statsUpdated)
        worker.resultsUpdated.connect(self.resultsUpdated)
        worker.stateChanged.connect(self._on_worker_state)
        worker.nonfinite.connect(self._on_worker_nonfinite)
        worker.checkpointSaved.connect(self.checkpointSaved)
        worker.checkpointFailed.connect(self.failed)
        worker.finished.connect(self._on_worker_finished)
        thread.finished.connect(self._on_thread_finished)
        self._thread, self._worker = thread, worker
        thread.start()

    # controls (GUI thread) ----------------------------------------------------------------
    def pause(self) -> None:
        if self.state == "running":
            self.trainer.pause()

    def resume(self) -> None:
        if self.state == "paused":
            self.trainer.resume()

    def step(self) -> None:
        """Run exactly one batch and stay paused (pauses first when running)."""
        if self.running:
            self.trainer.step()

    def stop(self) -> None:
        """Stop after the current batch; waits up to 2 s for the thread to end."""
        if self.running and self.trainer is not None:
            self.trainer.stop()
        if self._thread is not None:
            self._thread.wait(STOP_WAIT_MS)

    def shutdown(self) -> None:
        """Stop any run and wait for its thread (call before the application quits)."""
        self.stop()
        if self._thread is not None:
            self._thread.wait()

    # results and exports ------------------------------------------------------------------
    def run(self, run_id: int | None = None) -> RunRecord | None:
        if run_id is None:
            return self.current_run
        return next((r for r in self.runs if r.run_id == run_id), None)

    def trained_state_dict(self, run_id: int | None = None) -> dict | None:
        """The trained weights of a finished run (the latest by default): design keys ->
        numpy arrays, or None before any run has ended."""
        if run_id is None:
            done = [r for r in self.runs if r.state_dict is not None]
            return dict(done[-1].state_dict) if done else None
        record = self.run(run_id)
        return dict(record.state_dict) if record and record.state_dict is not None else None

    def export_trained(self, path, module_prefix: bool | None = None,
                       run_id: int | None = None) -> None:
        """Save a finished run's weights (.pt, .safetensors or .npz by extension) with the
        keys of the design it trained; ``module_prefix`` adds or strips ``module.``.
        Raises ValueError when no run has ended, OSError when the file cannot be written."""
        from netlab.design.compile import compile as compile_design
        from netlab.design.export import export_state_dict

        done = [r for r in self.runs if r.state_dict is not None and
                (run_id is None or r.run_id == run_id)]
        if not done:
            raise ValueError("no trained weights to export yet: train the design first")
        record = done[-1]
        model = compile_design(record.design)
        model.load_state_dict(dict(record.state_dict), strict=True)
        export_state_dict(record.design, str(path), model=model, module_prefix=module_prefix)

    def save_checkpoint(self, path) -> bool:
        """Save a checkpoint of the run: by the training thread between batches (also when
        paused) during a run, at once after it. Emits ``checkpointSaved`` or ``failed``."""
        if self.trainer is None:
            return self._refuse("no run to checkpoint: train the design first")
        if self.running and self._worker is not None:
            self._worker.request_checkpoint(str(path))
            return True
        return self._save_now(str(path))

    def _save_now(self, path: str) -> bool:
        try:
            self.trainer.save_checkpoint(path)
        except Exception as e:  # noqa: BLE001 - a bad path is the user's, shown
            return self._refuse(f"could not save the checkpoint {path}: {e}")
        self.checkpointSaved.emit(path)
        return True

    # worker slots (GUI thread) ------------------------------------------------------------
    def _record(self, payload: dict) -> RunRecord | None:
        return self.run(payload.get("run_id"))

    def _on_worker_metrics(self, payload: dict) -> None:
        record = self._record(payload)
        if record is not None:
            record.add_metrics(payload)
        self.metrics.emit(payload)

    def _on_worker_state(self, state: str) -> None:
        if self.running:
            self._set_state(state)

    def _on_worker_nonfinite(self, payload: dict) -> None:
        record = self._record(payload)
        if record is not None:
            record.message = payload.get("message")
        self.failed.emit(str(payload.get("message")))

    def _on_worker_finished(self, payload: dict) -> None:
        record = self._record(payload)
        worker = self._worker
        reason = payload.get("reason")
        if record is not None:
            record.report = payload
            if worker is not None and worker.run_id == record.run_id:
                record.state_dict = worker.state_dict
        if reason not in _END_STATE and reason != "nonfinite":
            message = f"training failed: {payload.get('error') or reason}"
            if record is not None:
                record.message = message
            self.failed.emit(message)
        self._set_state(_END_STATE.get(reason, "failed"))
        if worker is not None:  # asked for after the worker's last look: the run is over
            for path in worker.take_checkpoint_requests():
                self._save_now(path)
        self.runFinished.emit(payload)

    def _on_thread_finished(self) -> None:
        thread, worker = self._thread, self._worker
        if thread is not None and thread.isFinished():
            self._thread = self._worker = None
            worker.deleteLater()
            thread.deleteLater()

    def _on_document_edited(self, *args) -> None:
        if self.running and not self.edited_during_run:
            self.edited_during_run = True
            self.designEditedDuringRun.emit()
