"""Undo commands of the Studio editor: one :class:`QUndoCommand` per user edit.

The :class:`~ui.editor.document.Document` applies an edit to the model first (so that a refused
edit can be reported and nothing pushed), then pushes the command: the first ``redo()`` that
``QUndoStack.push`` calls is therefore skipped. Structural edits (add, remove, connect, group,
paste...) keep ``netlab.design.io.to_dict`` snapshots of the model before and after and undo
or redo with ``Design.restore``, which gives back the exact model, ids included (the views
then rebuild on ``designReplaced``). Frequent small edits (move, parameter, rename, the two
model toggles) call the model's own inverse instead, so that the views update only the items
that changed; where the model has no inverse (a parameter that was unset, a rename back to a
name an older file used twice) they fall back on a snapshot.
"""

from __future__ import annotations

import copy

from PySide6.QtGui import QUndoCommand

from netlab.design.graph import DesignError

_MISSING = object()  # a parameter the node did not have before the edit

# merge ids (QUndoCommand.id): consecutive commands with the same id may merge
SET_PARAM_ID = 1001
RENAME_ID = 1002


class _DocumentCommand(QUndoCommand):
    """Base: the edit is already applied when the command is pushed."""

    def __init__(self, document, text: str):
        super().__init__(text)
        self.document = document
        self._applied = True

    @property
    def design(self):
        return self.document.design

    def redo(self) -> None:
        if self._applied:  # push() calls redo(); the Document did the edit already
            self._applied = False
            return
        self._redo()

    def undo(self) -> None:
        self._undo()

    def _redo(self) -> None:
        raise NotImplementedError

    def _undo(self) -> None:
        raise NotImplementedError


class _SnapshotCommand(_DocumentCommand):
    """Undo/redo by restoring whole-model snapshots taken around the edit."""

    def __init__(self, document, text: str, before: dict, after: dict):
        super().__init__(document, text)
        self.before, self.after = before, after

    def _redo(self) -> None:
        self.document.restore_snapshot(copy.deepcopy(self.after))

    def _undo(self) -> None:
        self.document.restore_snapshot(copy.deepcopy(self.before))


class AddNodeCommand(_SnapshotCommand):
    """Add a node (optionally wired after a node or spliced into an edge)."""


class RemoveItemsCommand(_SnapshotCommand):
    """Remove nodes with their edges, edges, and dissolve groups (their members stay)."""


class ConnectCommand(_SnapshotCommand):
    """Connect an output port to an input port."""


class DisconnectCommand(_SnapshotCommand):
    """Remove one edge."""


class GroupCommand(_SnapshotCommand):
    """Group items as a Sequential or wrap one in DataParallel."""


class UngroupCommand(_SnapshotCommand):
    """Dissolve a group; its members take its place."""


class PasteCommand(_SnapshotCommand):
    """Paste (or duplicate) nodes with their internal edges and groups."""


class CutCommand(_SnapshotCommand):
    """Cut: the copy is taken by the Document, the items are removed."""


class MoveNodesCommand(_DocumentCommand):
    """Move nodes: one command for a whole drag (pushed on release)."""

    def __init__(self, document, old: dict, new: dict):
        n = len(new)
        super().__init__(document, "Move node" if n == 1 else f"Move {n} nodes")
        self.old, self.new = old, new

    def _apply(self, positions: dict) -> None:
        for nid, pos in positions.items():
            self.design.move(nid, pos)

    def _redo(self) -> None:
        self._apply(self.new)

    def _undo(self) -> None:
        self._apply(self.old)


class SetParamCommand(_DocumentCommand):
    """Set one parameter; consecutive edits of the same node and parameter merge."""

    def __init__(self, document, node_id: str, name: str, old, new, before: dict | None):
        label = document.design.nodes[node_id].name
        super().__init__(document, f"Set {label}.{name}")
        self.node_id, self.name, self.old, self.new = node_id, name, old, new
        self.before = before  # a snapshot, only where the parameter did not exist before

    def id(self) -> int:  # noqa: A003 - Qt's name
        return SET_PARAM_ID

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt override
        if not isinstance(other, SetParamCommand) or (other.node_id, other.name) != (
                self.node_id, self.name):
            return False
        self.new = other.new
        # typed back to where it started: the stack drops the command altogether
        self.setObsolete(self.old is not _MISSING and type(self.old) is type(self.new)
                         and self.old == self.new)
        return True

    def _redo(self) -> None:
        self.design.set_param(self.node_id, self.name, copy.deepcopy(self.new))

    def _undo(self) -> None:
        if self.old is _MISSING:  # the model has no "unset": give back the whole snapshot
            self.document.restore_snapshot(copy.deepcopy(self.before))
        else:
            self.design.set_param(self.node_id, self.name, copy.deepcopy(self.old))


class RenameCommand(_DocumentCommand):
    """Rename a node or group; consecutive renames of the same item merge."""

    def __init__(self, document, item_id: str, old: str, new: str, before: dict,
                 after: dict):
        super().__init__(document, f"Rename {old} to {new}")
        self.item_id, self.old, self.new = item_id, old, new
        # snapshots for a model that already held a duplicate name (an older file): there
        # the model refuses the plain inverse rename
        self.before, self.after = before, after

    def id(self) -> int:  # noqa: A003 - Qt's name
        return RENAME_ID

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt override
        if not isinstance(other, RenameCommand) or other.item_id != self.item_id:
            return False
        self.new, self.after = other.new, other.after
        self.setText(f"Rename {self.old} to {self.new}")
        self.setObsolete(self.old == self.new)
        return True

    def _rename(self, name: str, snapshot: dict) -> None:
        try:
            self.design.rename(self.item_id, name)
        except DesignError:
            self.document.restore_snapshot(copy.deepcopy(snapshot))

    def _redo(self) -> None:
        self._rename(self.new, self.after)

    def _undo(self) -> None:
        self._rename(self.old, self.before)


class SetDataParallelCommand(_DocumentCommand):
    """Wrap (or unwrap) the whole model in DataParallel."""

    def __init__(self, document, on: bool):
        super().__init__(document, "Wrap model in DataParallel" if on
                         else "Unwrap model from DataParallel")
        self.on = on

    def _redo(self) -> None:
        self.design.set_dataparallel(self.on)

    def _undo(self) -> None:
        self.design.set_dataparallel(not self.on)


class SetRootSequentialCommand(_DocumentCommand):
    """Make the whole model an nn.Sequential, or a named module again."""

    def __init__(self, document, on: bool):
        super().__init__(document, "Model as nn.Sequential" if on
                         else "Model as named module")
        self.on = on

    def _redo(self) -> None:
        self.design.set_root_sequential(self.on)

    def _undo(self) -> None:
        self.design.set_root_sequential(not self.on)


MISSING = _MISSING

__all__ = ["AddNodeCommand", "ConnectCommand", "CutCommand", "DisconnectCommand",
           "GroupCommand", "MISSING", "MoveNodesCommand", "PasteCommand", "RemoveItemsCommand",
           "RenameCommand", "SetDataParallelCommand", "SetParamCommand",
           "SetRootSequentialCommand", "UngroupCommand"]
