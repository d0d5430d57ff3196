"""Helpers shared by the panels: counts and bytes as shown, the clipboard, data-flow order
and a cost report shared per inference."""

from __future__ import annotations

import weakref

from PySide6.QtGui import QGuiApplication


def format_count(n: int | None) -> str:
    """``61,706``; ``-`` for an unknown count.

    Examples
    --------
    >>> format_count(61706), format_count(None)
    ('61,706', '-')
    """
    return "-" if n is None else f"{n:,}"


def format_bytes(n: int | None) -> str:
    """``1.5 KiB``, ``2.3 MiB``; ``-`` when unknown.

    Examples
    --------
    >>> format_bytes(512), format_bytes(1536), format_bytes(None)
    ('512 B', '1.5 KiB', '-')
    """
    if n is None:
        return "-"
    if n < 1024:
        return f"{n} B"
    value = float(n)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024.0
        if value < 1024 or unit == "TiB":
            return f"{value:.1f} {unit}"
    raise AssertionError("unreachable")


def copy_text(text: str) -> None:
    """Put ``text`` on the clipboard."""
    QGuiApplication.clipboard().setText(text)


_COSTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def document_costs(document, batch_size: int = 1, optimizer: str = "sgd"):
    """``document.costs(batch_size, optimizer)``, computed once per inference and shared by
    the panels (each inference is a new object, so a cached report is never stale)."""
    document.refresh_now()
    inference = document.inference
    held = _COSTS.get(document)
    if held is None or held[0] is not inference:
        held = (inference, {})
        _COSTS[document] = held
    key = (batch_size, optimizer)
    if key not in held[1]:
        held[1][key] = document.costs(batch_size=batch_size, optimizer=optimizer)
    return held[1][key]
