"""Keep errors inside Qt slots: show them to the user instead of raising into the event loop.

An exception that escapes a slot is printed by PySide6 and the action silently half-happens;
with ``@guarded`` the user sees what went wrong and the app keeps running.
"""

from __future__ import annotations

import functools
import inspect
import sys
import traceback
from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget

# errors the user can cause (a bad file, a refused edit): a plain message, no traceback
_USER_ERRORS = (ValueError, OSError, KeyError, TypeError)


def describe(error: BaseException) -> str:
    """A one-line message for ``error``: its text, prefixed by its type where that helps.

    Examples
    --------
    >>> describe(ValueError("the shape must be positive"))
    'the shape must be positive'
    >>> describe(RuntimeError("boom"))
    'RuntimeError: boom'
    """
    text = str(error) or type(error).__name__
    if isinstance(error, _USER_ERRORS) and str(error):
        return text
    return f"{type(error).__name__}: {text}"


def show_error(parent: QWidget | None, title: str, error: BaseException | str) -> None:
    """Report ``error`` in a warning box (and the window's status bar when there is one)."""
    text = error if isinstance(error, str) else describe(error)
    status = getattr(parent, "statusBar", None)
    if callable(status):
        status().showMessage(text, 10000)
    QMessageBox.warning(parent, title, text)


def guarded(title: str) -> Callable:
    """Decorate a widget method used as a slot: any exception becomes a message box titled
    ``title`` (the traceback goes to stderr for bug reports); the slot returns None.

    Examples
    --------
    >>> class Window(QWidget):
    ...     @guarded("Open")
    ...     def _on_open_triggered(self):
    ...         raise ValueError("net.json: not valid JSON")
    """

    def wrap(slot: Callable) -> Callable:
        n_args = _positional_count(slot) - 1  # without self

        @functools.wraps(slot)
        def run(self, *args, **kwargs):
            # a signal passes its arguments (triggered's `checked`) whether or not the slot
            # wants them: drop what it cannot take
            if n_args is not None:
                args = args[:n_args]
            try:
                return slot(self, *args, **kwargs)
            except Exception as error:  # noqa: BLE001 - nothing may escape a Qt slot
                if not isinstance(error, _USER_ERRORS):
                    traceback.print_exc(file=sys.stderr)
                show_error(self, title, error)
                return None

        return run

    return wrap


def _positional_count(func: Callable) -> int | None:
    """How many positional arguments ``func`` takes (None: any number)."""
    params = inspect.signature(func).parameters.values()
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return None
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)


def install_excepthook(parent: QWidget | None) -> Callable:
    """Show any exception that still escapes a slot (a bug somewhere) in a message box over
    ``parent`` instead of only printing it, and keep the app running; returns the hook.

    Examples
    --------
    >>> install_excepthook(window)  # doctest: +SKIP
    """

    def hook(kind, value, tb) -> None:
        traceback.print_exception(kind, value, tb, file=sys.stderr)
        if issubclass(kind, KeyboardInterrupt):
            return
        try:
            show_error(parent, "Unexpected error", f"{describe(value)}\n\nThe design is "
                       "unchanged by this error; save your work and report the message above "
                       "(printed with its traceback to the terminal).")
        except Exception:  # noqa: BLE001 - a failing report must not loop back in here
            pass

    sys.excepthook = hook
    return hook
