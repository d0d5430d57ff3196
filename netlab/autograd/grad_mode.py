"""Grad mode: ``no_grad``, ``enable_grad``, ``set_grad_enabled`` (thread-local, as in PyTorch)."""

from __future__ import annotations

import functools
import threading

_state = threading.local()


def is_grad_enabled() -> bool:
    return getattr(_state, "enabled", True)


def _set(mode: bool) -> None:
    _state.enabled = mode


class _GradMode:
    """Base of the grad-mode switches: a context manager that also decorates functions."""

    mode = True

    def __enter__(self):
        self.prev = is_grad_enabled()
        _set(self.mode)
        return self

    def __exit__(self, *exc):
        _set(self.prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper

    def clone(self):
        return self.__class__()


class no_grad(_GradMode):
    """Disable gradient recording inside the block or decorated function.

    Examples
    --------
    >>> with no_grad():
    ...     pass
    """

    mode = False


class enable_grad(_GradMode):
    """Re-enable gradient recording inside a ``no_grad`` block."""

    mode = True


class set_grad_enabled(_GradMode):
    """Set grad mode on or off; takes effect at once, and as a context restores the old mode."""

    def __init__(self, mode: bool):
        self.prev = is_grad_enabled()
        self.mode = bool(mode)
        _set(self.mode)

    def __enter__(self):
        return self

    def __call__(self, fn):
        _set(self.prev)
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper

    def clone(self):
        return set_grad_enabled(self.mode)


class inference_mode(no_grad):
    """Like ``no_grad`` (netlab has no separate inference tensors)."""

    def __init__(self, mode: bool = True):
        self.mode = not mode
