"""The Studio's editor half without widgets: the :class:`Document` (the live design, its undo
stack, selection, debounced inference and files), its undo commands, clipboard and files."""

from ui.editor.document import Document, default_params

__all__ = ["Document", "default_params"]
