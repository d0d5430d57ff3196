"""``netlab train``: train a design file on a data set from the command line.

``netlab train DESIGN --data NAME_OR_FILE [options]`` loads the design, seeds netlab, compiles
it, loads the data reshaped to the design's input, and runs :class:`netlab.training.Trainer`
with a progress bar on stderr (:mod:`netlab.training.cli_progress`). At the end it prints a
summary on stdout (final losses and accuracies, time, the confusion matrix for up to 20
classes) and saves the weights with :func:`netlab.design.export.export_state_dict`. Ctrl+C
stops after the current batch, saves the weights so far and exits with 130 (a second Ctrl+C
aborts at once, still saving). Mistakes print one line: exit 2 for the command line, 1 for the
design, the data or the files.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import threading
import time

import numpy as np

from netlab.cli import PROG, _Failure, _first_error, _load, _positive_int, _UsageError

__all__ = ["add_train_parser", "train_main", "EXIT_INTERRUPTED"]

EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for a Ctrl+C
OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop", "adagrad")
_MOMENTUM_OPTIMIZERS = ("sgd", "rmsprop")
SCALES = ("none", "standard", "minmax")
_SAVE_EXTENSIONS = (".pt", ".pth", ".safetensors", ".npz")
COMMAND = f"{PROG} train"


def _float_in(low: float, high: float | None, *, low_open=False, high_open=True):
    """An argparse type: a float in [low, high) (the ends as the flags say)."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        bad = not math.isfinite(value) or value < low or (low_open and value == low)
        if high is not None:
            bad = bad or value > high or (high_open and value == high)
        if bad:
            lo = "(" if low_open else "["
            hi = "inf)" if high is None else (f"{high})" if high_open else f"{high}]")
            raise argparse.ArgumentTypeError(f"expected a number in {lo}{low}, {hi}, "
                                             f"got {text}")
        return value
    return parse


def _key_value(text: str) -> tuple[str, object]:
    """``KEY=VALUE`` with VALUE read as JSON when it parses (3, 0.5, [3, 32, 32], true), else
    kept as text (``target=price``)."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip().isidentifier():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE (e.g. degree=3), got {text!r}")
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        parsed = value
    if isinstance(parsed, list):  # shapes and sizes: the sources take tuples
        parsed = tuple(parsed)
    return key.strip(), parsed


_EXAMPLES = """examples:
  the digits MLP to about 98% validation accuracy:
    netlab train resources/examples/digits_mlp.json --data digits --epochs 20 \\
        --lr 0.1 --momentum 0.9 --out mlp.pt
  the tutorials' polynomial fit of sin(x), as the seed poly_nn.py trains it:
    netlab train resources/examples/polynomial_fit.json --data sin --data-option degree=3 \\
        --val-split 0 --no-shuffle --batch-size 2000 --epochs 2000 --lr 1e-6 \\
        --loss-option reduction=sum
  with checkpoints, then continued to 30 epochs:
    netlab train net.json --data train.csv --checkpoint-dir runs/a --epochs 10
    netlab train net.json --data train.csv --resume runs/a/last.ckpt --epochs 30
"""


def add_train_parser(sub) -> argparse.ArgumentParser:
    """Add the ``train`` subcommand to ``sub`` (the ``add_subparsers`` object of the ``netlab``
    parser); returns its parser.

    Examples
    --------
    >>> import argparse
    >>> sub = argparse.ArgumentParser(prog="netlab").add_subparsers(dest="command")
    >>> add_train_parser(sub).prog
    'netlab train'
    """
    p = sub.add_parser(
        "train", help="train a design on a data set",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Compile the design, train it on the data with a progress bar, print a\n"
                    "summary and save the weights. Ctrl+C stops after the current batch and\n"
                    "saves the weights so far (exit code 130).",
        epilog=_EXAMPLES)
    from netlab.datasets import builtin_datasets

    p.add_argument("design", metavar="DESIGN", help="design file (.json)")
    g = p.add_argument_group("data")
    g.add_argument("--data", required=True, metavar="NAME_OR_FILE",
                   help=f"a built-in data set ({', '.join(builtin_datasets())}) or a file or "
                        f"folder (CSV, .npz, .npy, IDX images, a folder of class folders)")
    g.add_argument("--data-option", action="append", type=_key_value, default=[],
                   metavar="KEY=VALUE", help="an option of the data source, e.g. degree=3, "
                   "n_samples=500, noise=0.2, target=price (repeat for more)")
    g.add_argument("--val-split", type=_float_in(0.0, 1.0), default=0.2, metavar="F",
                   help="fraction of the samples kept for validation (default 0.2; 0: none)")
    g.add_argument("--scale", choices=SCALES, default=None,
                   help="scale the inputs with statistics of the training part (default: as "
                        "the data set comes)")
    g.add_argument("--shuffle", action=argparse.BooleanOptionalAction, default=True,
                   help="shuffle the samples before the split and the batches every epoch "
                        "(default: on)")
    g = p.add_argument_group("training")
    g.add_argument("--epochs", type=_positive_int, default=None, metavar="N",
                   help="passes over the training data (default 10; with --resume: the "
                        "total, default the checkpoint's)")
    g.add_argument("--batch-size", type=_positive_int, default=32, metavar="N",
                   help="samples per step (default 32)")
    g.add_argument("--lr", type=_float_in(0.0, None, low_open=True), default=0.01,
                   metavar="LR", help="learning rate (default 0.01)")
    g.add_argument("--optimizer", choices=OPTIMIZERS, default="sgd", type=str.lower,
                   help="default sgd")
    g.add_argument("--momentum", type=_float_in(0.0, None), default=None, metavar="M",
                   help="momentum of sgd or rmsprop (default 0)")
    g.add_argument("--weight-decay", type=_float_in(0.0, None), default=None, metavar="WD",
                   help="L2 weight decay (default 0; adamw: 0.01)")
    g.add_argument("--optimizer-option", action="append", type=_key_value, default=[],
                   metavar="KEY=VALUE", help="another optimizer option, e.g. nesterov=true, "
                   "betas=[0.9,0.99]")
    g.add_argument("--loss", default="auto", type=str.lower, metavar="NAME",
                   help="auto (cross_entropy for classification, mse for regression), "
                        "cross_entropy, mse, l1, smooth_l1, bce_with_logits, nll, ...")
    g.add_argument("--loss-option", action="append", type=_key_value, default=[],
                   metavar="KEY=VALUE", help="a loss option, e.g. reduction=sum")
    g.add_argument("--scheduler", default=None, type=str.lower, metavar="NAME",
                   help="a learning-rate schedule: step, multistep, exponential, cosine, "
                        "plateau, onecycle, ... (default none)")
    g.add_argument("--scheduler-option", action="append", type=_key_value, default=[],
                   metavar="KEY=VALUE", help="a schedule option, e.g. step_size=10, gamma=0.5")
    g.add_argument("--device", choices=("cpu", "cuda"), default="cpu", type=str.lower,
                   help="default cpu")
    g.add_argument("--seed", type=int, default=0, metavar="N",
                   help="seeds the initial weights, the split and the batch order (default 0)")
    g = p.add_argument_group("output")
    g.add_argument("--out", metavar="PATH", default=None,
                   help="weights file (.pt, .safetensors or .npz; default: DESIGN's name "
                        "with .pt, in the current folder)")
    g.add_argument("--module-prefix", action=argparse.BooleanOptionalAction, default=None,
                   help="add (or with --no-module-prefix strip) DataParallel's 'module.' "
                        "prefix on every key; default: as the design says")
    g.add_argument("--stats", nargs="?", type=_positive_int, const=10, default=0,
                   metavar="EVERY", help="collect gradient statistics every EVERY steps "
                   "(default 10 when given) and report unhealthy layers (vanishing, exploding, "
                   "dead units)")
    g.add_argument("--checkpoint-dir", metavar="DIR", default=None,
                   help="save last.ckpt every epoch, best.ckpt by the validation metric and "
                        "the history there")
    g.add_argument("--history", metavar="DIR", default=None,
                   help="save the run's history (history.json, history.csv) into DIR")
    g.add_argument("--resume", metavar="CKPT", default=None,
                   help="continue the run saved in CKPT (last.ckpt or best.ckpt of a "
                        "--checkpoint-dir) with its options, on the same trajectory; give the "
                        "same --data options, and --epochs to train longer")
    g.add_argument("--quiet", action="store_true", help="no progress bar, only the summary")
    return p


# the options a checkpoint fixes (its TrainConfig): with --resume they must stay unset
_RUN_OPTIONS = {"batch_size": 32, "lr": 0.01, "optimizer": "sgd", "momentum": None,
                "weight_decay": None, "optimizer_option": [], "loss": "auto",
                "loss_option": [], "scheduler": None, "scheduler_option": [], "device": "cpu",
                "seed": 0, "shuffle": True, "stats": 0, "checkpoint_dir": None}


def _check_arguments(args) -> None:
    if args.resume is not None:
        given = [k for k, default in _RUN_OPTIONS.items() if getattr(args, k) != default]
        if given:
            flags = ", ".join("--" + k.replace("_", "-") for k in given)
            raise _UsageError(COMMAND, f"--resume continues the run with the checkpoint's own "
                              f"options; leave out {flags} (only --epochs may change)")
    if args.momentum is not None and args.optimizer not in _MOMENTUM_OPTIMIZERS:
        raise _UsageError(COMMAND, f"--momentum applies to sgd and rmsprop, not "
                          f"{args.optimizer}; use --optimizer-option for {args.optimizer}'s "
                          f"own options (e.g. betas=[0.9,0.999])")
    from netlab.training.losses import resolve_loss_name
    from netlab.training.optimizers import resolve_scheduler_name

    try:  # the names and their aliases, as the trainer reads them
        if args.loss != "auto":
            args.loss = resolve_loss_name(args.loss)
        args.scheduler = resolve_scheduler_name(args.scheduler)
    except ValueError as e:
        raise _UsageError(COMMAND, _as_flags(str(e))) from None
    if args.scheduler is None and args.scheduler_option:
        raise _UsageError(COMMAND, "--scheduler-option needs a --scheduler")
    out = _out_path(args)
    if os.path.splitext(out)[1].lower() not in _SAVE_EXTENSIONS:
        raise _UsageError(COMMAND, f"--out {out!r}: the weights file must end in "
                          f"{', '.join(_SAVE_EXTENSIONS)}")


def _out_path(args) -> str:
    if args.out is not None:
        return args.out
    return os.path.splitext(os.path.basename(args.design))[0] + ".pt"


def _input_shape(design, path: str) -> tuple:
    inputs = [n for n in design.nodes.values() if n.type == "Input"]
    if len(inputs) != 1:
        raise _Failure(f"{path}: {COMMAND} needs a design with exactly one Input node, found "
                       f"{len(inputs)}")
    return tuple(int(s) for s in inputs[0].params["shape"])


def _output_shape(design) -> tuple | None:
    """The design's output shape per sample, without the batch dimension (None if unknown)."""
    from netlab.design.infer import infer

    info = infer(design)
    outs = [nid for nid, n in design.nodes.items() if n.type == "Output"]
    shape = info.nodes[outs[0]].shape if len(outs) == 1 else None
    if not shape or shape[0] != "N" or any(not isinstance(s, int) for s in shape[1:]):
        return None
    return tuple(shape[1:])


def _check_fits(design, data, loss: str, path: str) -> None:
    """Refuse a design whose output cannot take the data's targets before training starts."""
    from netlab.training.losses import CLASS_LOSSES, resolve_loss_name

    out = _output_shape(design)
    if out is None:
        return
    try:
        name = resolve_loss_name(loss, data.task)
    except ValueError as e:
        raise _Failure(str(e)) from None
    if data.task == "classification" and name in CLASS_LOSSES:
        if out[0] != data.num_classes:  # (N, C) or, per position, (N, C, ...)
            raise _Failure(f"{path}: the design's output is (N, {', '.join(map(str, out))}) "
                           f"per batch but {data.name} has {data.num_classes} classes; make "
                           f"the last layer give {data.num_classes} features")
    elif data.task == "regression":
        target = tuple(data.y_train.shape[1:])
        if math.prod(out) != math.prod(target):
            raise _Failure(f"{path}: the design's output has {math.prod(out)} value(s) per "
                           f"sample {out} but {data.name}'s target has {math.prod(target)} "
                           f"{target}; make the last layer give {math.prod(target)}")


def _load_data(args, shape: tuple, seed: int, shuffle: bool):
    from netlab.datasets import DatasetError, load

    scale = None if args.scale in (None, "none") else args.scale
    try:
        data = load(args.data, val_split=args.val_split, shuffle=shuffle, scale=scale,
                    seed=seed, **dict(args.data_option))
        return data.as_input(shape)
    except (DatasetError, ValueError) as e:
        raise _Failure(str(e)) from None
    except TypeError as e:  # an option the source does not take
        raise _UsageError(COMMAND, f"--data {args.data}: {e}") from None


def _config(args):
    from netlab.training import TrainConfig

    opt = dict(args.optimizer_option)
    if args.momentum is not None:
        opt["momentum"] = args.momentum
    if args.weight_decay is not None:
        opt["weight_decay"] = args.weight_decay
    return TrainConfig(
        epochs=args.epochs or 10, batch_size=args.batch_size, lr=args.lr,
        optimizer=args.optimizer, optimizer_options=opt,
        loss=args.loss, loss_options=dict(args.loss_option),
        scheduler=args.scheduler, scheduler_options=dict(args.scheduler_option),
        device=args.device, seed=args.seed, shuffle=args.shuffle, stats_every=args.stats,
        checkpoint_dir=args.checkpoint_dir)


_FLAGS = {"TrainConfig.optimizer_options": "--optimizer-option",
          "TrainConfig.scheduler_options": "--scheduler-option",
          "TrainConfig.loss_options": "--loss-option", "TrainConfig.": "--"}


def _as_flags(message: str) -> str:
    """The trainer's message in the command line's words: TrainConfig.lr -> --lr."""
    for field, flag in _FLAGS.items():
        message = message.replace(field, flag)
    return message


def _prepare_folders(args, out: str) -> None:
    folder = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(folder):
        raise _Failure(f"{out}: the folder {folder} does not exist")
    for flag, path in (("--checkpoint-dir", args.checkpoint_dir), ("--history", args.history)):
        if path is None:
            continue
        try:
            os.makedirs(path, exist_ok=True)
        except OSError as e:
            raise _Failure(f"{flag} {path}: cannot create the folder "
                           f"({e.strerror or e})") from None


def _check_device(device: str) -> None:
    import netlab

    if device == "cuda" and not netlab.cuda.is_available():
        raise _Failure("--device cuda: no CUDA device is usable here (netlab runs CUDA through "
                       "cupy: pip install 'netlab-studio[gpu]' on a machine with an NVIDIA "
                       "GPU), or train with --device cpu")


class _Stopper:
    """While training, the first Ctrl+C asks the trainer to stop after the current batch; a
    second one raises KeyboardInterrupt at once."""

    def __init__(self, trainer, progress):
        self.trainer, self.progress = trainer, progress
        self.interrupted = False
        self._old = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():  # signals: main thread only
            self._old = signal.signal(signal.SIGINT, self._on_sigint)
        return self

    def __exit__(self, *exc):
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)
        return False

    def _on_sigint(self, signum, frame):
        if self.interrupted:
            raise KeyboardInterrupt
        self.interrupted = True
        self.trainer.stop()
        self.progress.note("Ctrl+C: stopping after this batch (press again to abort now)")


def train_main(args) -> int:
    """Run ``netlab train`` with parsed ``args``; returns the exit code (0 done, 130 stopped
    by Ctrl+C, 1 when the run went non-finite). Raises the ``netlab`` command's usage error
    or failure for the caller to print.

    Examples
    --------
    >>> from netlab.cli import main
    >>> main(["train", "resources/examples/digits_mlp.json", "--data", "digits",
    ...       "--epochs", "1", "--out", "/tmp/mlp.pt", "--quiet"])  # doctest: +SKIP
    0
    """
    from netlab.training.cli_progress import Progress

    _check_arguments(args)
    progress = Progress(quiet=args.quiet)
    try:
        try:
            design, data, trainer = _prepare(args, progress)
        except KeyboardInterrupt:  # nothing trained yet, nothing to save
            print(f"{COMMAND}: interrupted before training started; nothing was saved",
                  file=sys.stderr)
            return EXIT_INTERRUPTED
        return _train(args, design, data, trainer, progress)
    except _Failure as e:  # one line, even when a message quoted (e.g. load_state_dict) has more
        raise _Failure(" ".join(str(e).split())) from None


def _prepare(args, progress):
    """Everything before the first batch: the design, the data, the compiled model and the
    trainer (from a checkpoint with --resume)."""
    import netlab
    from netlab.design.compile import compile as compile_design
    from netlab.training import TrainConfig, Trainer
    from netlab.training.checkpoint import CheckpointError

    design = _load(args.design)
    error = _first_error(design, args.design)
    if error is not None:
        raise _Failure(error)
    state = _read_checkpoint(args) if args.resume else None
    config = TrainConfig.from_dict(state["config"]) if state else _config(args)
    _check_device(config.device)
    _prepare_folders(args, _out_path(args))
    data = _load_data(args, _input_shape(design, args.design), config.seed, config.shuffle)
    _check_fits(design, data, config.loss, args.design)
    netlab.manual_seed(config.seed)
    model = compile_design(design)
    try:
        if state is None:
            return design, data, Trainer(model, data, config, callbacks=[progress])
        epochs = args.epochs or config.epochs
        trainer = Trainer.resume_from(args.resume, model, data, callbacks=[progress],
                                      epochs=epochs)
    except CheckpointError as e:
        raise _Failure(str(e)) from None
    except (ValueError, TypeError) as e:  # options the optimizer/loss/scheduler refuse
        raise _UsageError(COMMAND, _as_flags(str(e))) from None
    progress.note(f"resuming {args.resume} at epoch {trainer.epoch + 1}, step "
                  f"{trainer.step_count}, with its options ({config.optimizer}, lr "
                  f"{config.lr:g}, batch size {config.batch_size}); {epochs} epochs in all")
    return design, data, trainer


def _read_checkpoint(args) -> dict:
    from netlab.training.checkpoint import CheckpointError, load

    try:
        return load(args.resume)
    except CheckpointError as e:
        raise _Failure(str(e)) from None


def _train(args, design, data, trainer, progress) -> int:
    from netlab.training.cli_progress import format_summary

    out = _out_path(args)
    start = time.perf_counter()
    report, aborted = None, False
    with _Stopper(trainer, progress) as stopper:
        try:
            # NaN/Inf is the trainer's to report (the "nonfinite" event), not numpy's warnings
            with np.errstate(all="ignore"):
                report = trainer.run()
        except KeyboardInterrupt:  # a second Ctrl+C: the weights are saved all the same
            aborted = True
        except Exception as e:  # noqa: BLE001 - a failing run is reported, never a traceback
            progress.close()
            _save(design, out, trainer.model, args.module_prefix)
            raise _Failure(f"training failed at step {progress.step + 1}: "
                           f"{type(e).__name__}: {e} (the weights so far are in {out})") from None
    seconds = time.perf_counter() - start
    progress.close()
    _save(design, out, trainer.model, args.module_prefix)
    if args.history is not None:
        try:
            trainer.history.save(args.history)
        except OSError as e:
            raise _Failure(f"--history {args.history}: cannot write ({e.strerror or e})") from None
    interrupted = aborted or stopper.interrupted
    print(format_summary(report, progress, data, seconds, out, interrupted=interrupted))
    if interrupted:
        return EXIT_INTERRUPTED
    if report is not None and report.get("reason") == "nonfinite":
        return 1
    return 0


def _save(design, out: str, model, module_prefix) -> None:
    from netlab.design.export import export_state_dict

    try:
        export_state_dict(design, out, model=model, module_prefix=module_prefix)
    except OSError as e:
        raise _Failure(f"{out}: cannot write the weights ({e.strerror or e})") from None
