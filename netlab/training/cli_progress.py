"""The progress bar and end-of-run summary of ``netlab train``.

:class:`Progress` is a trainer callback. On a terminal it keeps one line up to date (epoch,
batch, loss, accuracy, samples/s, ETA), redrawn at most ``1 / min_interval`` times a second so
that drawing never slows training, and leaves one line per finished epoch above it; written to
a file or a pipe it prints only the per-epoch lines, so logs stay readable. Warnings (health
flags of the gradient statistics, a non-finite step, Ctrl+C) go on their own lines.
:func:`format_summary` turns the trainer's final report into the text printed at the end.
"""

from __future__ import annotations

import shutil
import sys
import time

import numpy as np

__all__ = ["Progress", "format_summary", "format_duration", "format_confusion"]

_BAR = 20  # characters of the in-epoch bar
MAX_CONFUSION_CLASSES = 20


def format_duration(seconds: float | None) -> str:
    """``m:ss`` (or ``h:mm:ss``) for a number of seconds; ``?`` when unknown.

    Examples
    --------
    >>> format_duration(75.4), format_duration(3725), format_duration(None)
    ('1:15', '1:02:05', '?')
    """
    if seconds is None or seconds != seconds or seconds < 0 or seconds == float("inf"):
        return "?"
    s = int(round(seconds))
    h, m, s = s // 3600, s // 60 % 60, s % 60
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _number(x: float | None) -> str:
    return "-" if x is None else f"{x:.4g}"


def _percent(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


class Progress:
    """A ``Trainer`` callback that shows the run's progress on ``stream`` (default stderr).

    Parameters
    ----------
    stream : file, optional
        Where to write; default ``sys.stderr``.
    tty : bool, optional
        Draw the updating line; default: when ``stream`` is a terminal.
    quiet : bool
        Write nothing but warnings.
    min_interval : float
        Seconds between two redraws of the updating line.
    epoch_interval : float
        On a terminal, an epoch's line is kept (scrolled up) when this many seconds have
        passed since the last kept one, and for the first and last epochs; epochs in between
        only update the line. A file or pipe gets every epoch's line.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> p = Progress(out, tty=False)
    >>> p("start", {"epochs": 2, "steps_per_epoch": 5, "n_train": 10, "n_val": 0,
    ...             "task": "regression"})
    >>> p("epoch", {"epoch": 1, "train_loss": 0.5, "train_accuracy": None, "val_loss": None,
    ...             "val_accuracy": None, "lr": 0.1, "elapsed": 1.0})
    >>> out.getvalue().splitlines()[-1]
    'epoch 1/2: train loss 0.5  lr 0.1  0:01'
    """

    def __init__(self, stream=None, *, tty: bool | None = None, quiet: bool = False,
                 min_interval: float = 0.1, epoch_interval: float = 1.0,
                 clock=time.monotonic):
        self.stream = stream if stream is not None else sys.stderr
        if tty is None:
            isatty = getattr(self.stream, "isatty", None)
            tty = bool(isatty and isatty())
        self.tty, self.quiet, self.min_interval, self.clock = tty, quiet, min_interval, clock
        self.epoch_interval = epoch_interval
        self._last_epoch_line = -float("inf")
        self.epochs = self.steps_per_epoch = None
        self.start: dict = {}
        self.batch: dict | None = None  # the last "batch" payload
        self.epoch: dict | None = None  # the last "epoch" payload
        self.stats: dict | None = None  # the last statistics report
        self.report: dict | None = None
        self.nonfinite: dict | None = None
        self.checkpoints: dict = {}  # kind -> path
        self.warnings: list[str] = []
        self._unhealthy: set = set()  # (layer, health) already warned about
        self._drawn = False  # the updating line is on screen
        self._last_draw = -float("inf")

    @property
    def step(self) -> int:
        """Optimizer steps taken so far."""
        return int(self.batch["step"]) if self.batch else 0

    # the callback ---------------------------------------------------------------------------
    def __call__(self, event: str, payload: dict) -> None:
        handler = getattr(self, f"_on_{event}", None)
        if handler is not None:
            handler(payload)

    def _on_start(self, p: dict) -> None:
        self.start = p
        config = p.get("config") or {}
        self.epochs = p.get("epochs") or config.get("epochs")
        self.steps_per_epoch = p.get("steps_per_epoch")
        n_val = p.get("n_val") or 0
        val = f", {n_val} for validation" if n_val else ", no validation"
        steps = self.steps_per_epoch
        self._line(f"training on {p.get('n_train')} samples{val}: {self.epochs} epochs of "
                   f"{steps} step{'' if steps == 1 else 's'} ({p.get('task')})")

    def _on_batch(self, p: dict) -> None:
        self.batch = p
        if not self.tty or self.quiet:
            return
        now = self.clock()
        last = p.get("batch") == self.steps_per_epoch
        if now - self._last_draw < self.min_interval and not last:
            return  # drawing costs more than a small step: at most ~10 redraws a second
        self._last_draw = now
        self._draw(self.batch_line(p))

    def batch_line(self, p: dict) -> str:
        """The updating line for one ``batch`` payload."""
        steps = self.steps_per_epoch or 0
        done = int(_BAR * p["batch"] / steps) if steps else 0
        parts = [f"epoch {p['epoch']}/{self.epochs}",
                 f"[{'#' * done}{'.' * (_BAR - done)}] {p['batch']}/{steps}",
                 f"loss {_number(p.get('loss'))}"]
        if p.get("accuracy") is not None:
            parts.append(f"acc {_percent(p['accuracy'])}")
        if p.get("samples_per_sec"):
            parts.append(f"{p['samples_per_sec']:,.0f} samples/s")
        parts.append(f"ETA {format_duration(p.get('eta'))}")
        return "  ".join(parts)

    def _on_epoch(self, p: dict) -> None:
        self.epoch = p
        parts = [f"train loss {_number(p.get('train_loss'))}"]
        if p.get("train_accuracy") is not None:
            parts[-1] += f" acc {_percent(p['train_accuracy'])}"
        if p.get("val_loss") is not None:
            parts.append(f"val loss {_number(p['val_loss'])}")
            if p.get("val_accuracy") is not None:
                parts[-1] += f" acc {_percent(p['val_accuracy'])}"
        if p.get("lr") is not None:
            parts.append(f"lr {p['lr']:.4g}")
        parts.append(format_duration(p.get("elapsed")))
        text = f"epoch {p['epoch']}/{self.epochs}: " + "  ".join(parts)
        now = self.clock()
        if self.tty and not self.quiet and p["epoch"] not in (1, self.epochs) and \
                now - self._last_epoch_line < self.epoch_interval:
            self._draw(text)  # many short epochs: one updating line, a kept line a second
            return
        self._last_epoch_line = now
        self._line(text)

    def _on_stats(self, p: dict) -> None:
        self.stats = p
        flags = p.get("flags") or []
        for layer, health in (p.get("health") or {}).items():
            if health == "healthy" or (layer, health) in self._unhealthy:
                continue
            self._unhealthy.add((layer, health))
            detail = next((f for f in flags if f.startswith(f"{layer}:")),
                          f"{layer}: {health}")
            self.note(f"warning: step {p.get('step')}: {detail}")

    def _on_nonfinite(self, p: dict) -> None:
        self.nonfinite = p
        self.note(f"error: {p.get('message')}")

    def _on_checkpoint(self, p: dict) -> None:
        self.checkpoints[p.get("kind")] = p.get("path")

    def _on_finished(self, p: dict) -> None:
        self.report = p
        self.close()

    # output ---------------------------------------------------------------------------------
    def note(self, message: str) -> None:
        """Write ``message`` on its own line (even when quiet), above the updating line."""
        self.warnings.append(message)
        self._write_line(message)

    def close(self) -> None:
        """End the updating line, if one is drawn."""
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False

    def _line(self, text: str) -> None:
        if not self.quiet:
            self._write_line(text)

    def _write_line(self, text: str) -> None:
        if self._drawn:  # replace the updating line, then redraw it below on the next batch
            self.stream.write("\r\x1b[K")
            self._drawn = False
            self._last_draw = -float("inf")
        self.stream.write(text + "\n")
        self.stream.flush()

    def _draw(self, text: str) -> None:
        width = shutil.get_terminal_size((100, 20)).columns - 1
        self.stream.write("\r" + text[:width] + "\x1b[K")
        self.stream.flush()
        self._drawn = True


def format_confusion(confusion, classes=None) -> str:
    """The confusion matrix as a table: rows the true classes, columns the predicted ones,
    and each class's accuracy (recall) at the end of its row.

    Examples
    --------
    >>> print(format_confusion([[3, 1], [0, 4]], ["cat", "dog"]))
    true \\ predicted  cat  dog  accuracy
    cat                 3    1     75.0%
    dog                 0    4    100.0%
    """
    n = len(confusion)
    names = [str(c) for c in (classes or range(n))]
    head = "true \\ predicted"
    w_name = max(len(head), *(len(s) for s in names))
    w = max(max(len(s) for s in names), *(len(str(v)) for row in confusion for v in row))
    lines = [head.ljust(w_name) + "".join(f"  {s:>{w}}" for s in names) + "  accuracy"]
    for name, row in zip(names, confusion):
        total = sum(row)
        acc = f"{100 * row[names.index(name)] / total:.1f}%" if total else "-"
        lines.append(name.ljust(w_name) + "".join(f"  {v:>{w}}" for v in row) +
                     f"  {acc:>8}")
    return "\n".join(lines)


def _stats_table(stats: dict) -> list[str]:
    layers = stats.get("layers") or {}
    health = stats.get("health") or {}
    if not layers:
        return []
    w = max(len("layer"), *(len(n) for n in layers))
    lines = [f"gradient statistics at step {stats.get('step')}:",
             f"  {'layer':<{w}}  {'grad norm':>10}  {'update/weight':>13}  {'dead units':>10}"
             f"  health"]
    for name, row in layers.items():
        dead = row.get("dead_units_fraction")
        if row.get("grad_norm") is None and dead is None and health.get(name) == "healthy":
            continue  # a pooling or reshaping layer: nothing to show
        lines.append(f"  {name:<{w}}  {_number(row.get('grad_norm')):>10}  "
                     f"{_number(row.get('update_ratio')):>13}  {_percent(dead):>10}  "
                     f"{health.get(name, '-')}")
    return lines


def _took(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 60 else format_duration(seconds)


def _r_squared(predictions: dict | None) -> float | None:
    """The coefficient of determination of the report's (sampled) regression predictions."""
    if not predictions:
        return None
    try:
        y = np.asarray(predictions["target"], dtype=np.float64)
        p = np.asarray(predictions["prediction"], dtype=np.float64).reshape(y.shape)
    except (KeyError, ValueError):
        return None
    total = float(((y - y.mean(axis=0)) ** 2).sum())
    if y.shape[0] < 2 or total == 0 or not np.isfinite(p).all():
        return None
    return 1.0 - float(((y - p) ** 2).sum()) / total


def format_summary(report: dict | None, progress: Progress, data, seconds: float,
                   out: str, *, interrupted: bool = False) -> str:
    """The text ``netlab train`` prints when the run ends: how it ended, final losses and
    accuracies, the confusion matrix (up to 20 classes), unhealthy layers, where the weights
    are. ``report`` is the trainer's final report (None when the run was aborted).

    Examples
    --------
    >>> p = Progress(tty=False, quiet=True)
    >>> report = {"reason": "completed", "epochs_run": 1, "steps": 3, "train_loss": 0.25,
    ...           "val_loss": None, "val_accuracy": None}
    >>> print(format_summary(report, p, None, 1.5, "w.pt"))
    completed 1 epoch (3 steps) in 1.5 s
    train loss 0.25
    weights saved to w.pt
    """
    report = report or {}
    last = progress.epoch or {}
    steps = report.get("steps", progress.step)
    epochs = report.get("epochs_run", last.get("epoch", 0))
    plural = "" if epochs == 1 else "s"
    took = f"{epochs} epoch{plural} ({steps} steps) in {_took(seconds)}"
    if interrupted:
        lines = [f"stopped by Ctrl+C after {took}"]
    elif report.get("reason") == "nonfinite":
        bad = progress.nonfinite or {}
        where = f" in layer {bad['layer']}" if bad.get("layer") else ""
        lines = [f"stopped after {took}: step {bad.get('step', steps + 1)} gave a non-finite "
                 f"{bad.get('where', 'value')}{where}; the weights are those after step "
                 f"{steps}"]
    elif report.get("reason") == "stopped":
        lines = [f"stopped after {took}"]
    else:
        lines = [f"completed {took}"]
    train_loss = report.get("train_loss", last.get("train_loss"))
    train = f"train loss {_number(train_loss)}"
    if last.get("train_accuracy") is not None:
        train += f"  accuracy {_percent(last['train_accuracy'])}"
    lines.append(train)
    val_loss = report.get("val_loss", last.get("val_loss"))
    if val_loss is not None:
        val_acc = report.get("val_accuracy", last.get("val_accuracy"))
        lines.append(f"val loss {_number(val_loss)}" +
                     ("" if val_acc is None else f"  accuracy {_percent(val_acc)}"))
    on = report.get("evaluated_on", "validation")
    confusion = report.get("confusion")
    classes = getattr(data, "classes", None)
    if confusion and len(confusion) <= MAX_CONFUSION_CLASSES:
        lines += [f"confusion matrix ({on} data; rows: true class):",
                  format_confusion(confusion, classes)]
    r2 = _r_squared(report.get("predictions"))
    if r2 is not None:
        lines.append(f"R^2 {r2:.4f} on the {on} data (1: perfect, 0: no better than the mean)")
    if progress.stats:
        lines += _stats_table(progress.stats)
    for kind in ("best", "last"):
        if kind in progress.checkpoints:
            lines.append(f"{kind} checkpoint: {progress.checkpoints[kind]}")
    lines.append(f"weights saved to {out}")
    return "\n".join(lines)
