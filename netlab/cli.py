"""The ``netlab`` command: summarise, export or train a design file, without the GUI.

``netlab summary DESIGN`` prints the torchinfo-like table of :func:`netlab.design.export.summary`;
``netlab export DESIGN --format pt|safetensors|npz|pytorch|torchrun --out PATH`` writes the freshly
compiled model's state_dict, or readable PyTorch source; ``netlab train DESIGN --data NAME_OR_FILE``
trains it (:mod:`netlab.training.cli_train`) and saves the weights. A user's mistake (a missing or
malformed file, a design with errors, a wrong option) prints one line to stderr and returns a
non-zero exit code: 1 for a problem with the design or the files, 2 for a wrong command line.
"""

from __future__ import annotations

import argparse
import os
import sys

from netlab.design.graph import Design

STATE_FORMATS = ("pt", "safetensors", "npz")
CODE_FORMATS = ("pytorch", "torchrun")
FORMATS = STATE_FORMATS + CODE_FORMATS
# netlab.save picks the format by extension: .safetensors and .npz, anything else is .pt
_EXTENSIONS = {"safetensors": ".safetensors", "npz": ".npz"}

PROG = "netlab"


class _UsageError(Exception):
    """A wrong command line, shown as one line: ``netlab export: error: ... (see ...)``."""

    def __init__(self, prog: str, message: str):
        super().__init__(f"{prog}: error: {message} (see '{prog} --help')")


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse would print the whole usage too, then exit
        raise _UsageError(self.prog, message)


class _Failure(Exception):
    """A user mistake with the design or the files; the message is the line to print."""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``netlab`` command."""
    parser = _Parser(prog=PROG, description="NetLab Studio designs on the command line.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    p = sub.add_parser("summary", help="print the layer table of a design",
                       description="Print each layer with its output shape, parameter count "
                                   "and state_dict keys, and the design's errors.")
    p.add_argument("design", metavar="DESIGN", help="design file (.json)")
    p.add_argument("--batch-size", type=_positive_int, metavar="N",
                   help="show shapes for this batch size instead of N")
    p = sub.add_parser("export", help="write the weights or PyTorch code of a design",
                       description="Compile the design and write its state_dict (pt, "
                                   "safetensors, npz), PyTorch source code that builds the "
                                   "same network (pytorch), or a training script for it that "
                                   "runs under torchrun with DistributedDataParallel "
                                   "(torchrun).")
    p.add_argument("design", metavar="DESIGN", help="design file (.json)")
    p.add_argument("--format", required=True, choices=FORMATS, help="what to write")
    p.add_argument("--out", required=True, metavar="PATH", help="file to write")
    p.add_argument("--module-prefix", action=argparse.BooleanOptionalAction, default=None,
                   help="add (or with --no-module-prefix strip) DataParallel's 'module.' "
                        "prefix on every key; default: as the design says")
    from netlab.training.cli_train import add_train_parser

    add_train_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``netlab`` command with ``argv`` (default ``sys.argv[1:]``); returns the exit
    code.

    Examples
    --------
    >>> main(["summary", "resources/examples/digits_mlp.json"])  # doctest: +SKIP
    0
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            raise _UsageError(PROG, "choose a command: summary, export or train")
        if args.command == "summary":
            return _summary(args)
        if args.command == "train":
            from netlab.training.cli_train import train_main

            return train_main(args)
        return _export(args)
    except SystemExit as e:  # --help, --version: argparse has printed what was asked
        return e.code if isinstance(e.code, int) else 0
    except _UsageError as e:
        print(e, file=sys.stderr)
        return 2
    except _Failure as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 1


def _load(path: str) -> Design:
    from netlab.design.io import DesignFileError, load_design

    try:
        return load_design(path)
    except DesignFileError as e:
        raise _Failure(str(e)) from None


def _first_error(design: Design, path: str) -> str | None:
    from netlab.design.infer import infer

    errors = infer(design).errors
    if not errors:
        return None
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{path}: {next(iter(errors.values()))}{more}"


def _summary(args) -> int:
    from netlab.design.export import summary

    design = _load(args.design)
    print(summary(design, batch_size=args.batch_size))
    error = _first_error(design, args.design)
    if error is not None:  # the table lists them all; the exit code tells scripts
        raise _Failure(error)
    return 0


def _export(args) -> int:
    from netlab.design.export import export_state_dict, pytorch_code
    from netlab.design.train_script import training_script

    fmt, out = args.format, args.out
    if fmt in CODE_FORMATS and args.module_prefix is not None:
        raise _UsageError(f"{PROG} export", "--module-prefix applies to the state_dict "
                          "formats (pt, safetensors, npz); the PyTorch code wraps the model in "
                          "DataParallel exactly when the design does")
    ext = os.path.splitext(out)[1].lower()
    if fmt in _EXTENSIONS and ext != _EXTENSIONS[fmt]:
        raise _UsageError(f"{PROG} export", f"--format {fmt} needs an --out file ending in "
                          f"{_EXTENSIONS[fmt]}, got {out!r}")
    if fmt == "pt" and ext in _EXTENSIONS.values():
        raise _UsageError(f"{PROG} export", f"--format pt cannot write to {out!r}: its "
                          f"extension means {ext[1:]}; use .pt")
    design = _load(args.design)
    error = _first_error(design, args.design)
    if error is not None:
        raise _Failure(error)
    folder = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(folder):
        raise _Failure(f"{out}: the folder {folder} does not exist")
    try:
        if fmt in CODE_FORMATS:
            try:
                code = pytorch_code(design) if fmt == "pytorch" else training_script(design)
            except ValueError as e:
                raise _Failure(f"{args.design}: {e}") from None
            with open(out, "w", encoding="utf-8") as f:
                f.write(code)
        else:
            export_state_dict(design, out, module_prefix=args.module_prefix)
    except OSError as e:
        raise _Failure(f"{out}: cannot write the file ({e.strerror or e})") from None
    return 0


if __name__ == "__main__":
    # run the imported netlab.cli, not this __main__ copy: netlab train raises netlab.cli's
    # error classes, which this copy's main would not recognise
    from netlab.cli import main as _main

    raise SystemExit(_main())
