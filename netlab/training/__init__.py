"""``netlab.training``: one GUI-free training loop with events, checkpoints and history.

The command line (``netlab train``) and the Studio's worker thread run the same
:class:`Trainer`, so what a user sees in the Studio is what a script gets.

Examples
--------
>>> from netlab.training import Trainer, TrainConfig
>>> TrainConfig(epochs=3, optimizer="adam", lr=1e-3).epochs
3
"""

from netlab.training.checkpoint import CheckpointError
from netlab.training.config import TrainConfig
from netlab.training.evaluate import batch_order, confusion_matrix
from netlab.training.events import EVENTS, plain
from netlab.training.history import History
from netlab.training.losses import LOSSES, make_loss
from netlab.training.optimizers import OPTIMIZERS, SCHEDULERS, make_optimizer, make_scheduler
from netlab.training.trainer import Trainer

__all__ = ["Trainer", "TrainConfig", "History", "CheckpointError", "EVENTS", "LOSSES",
           "OPTIMIZERS", "SCHEDULERS", "batch_order", "confusion_matrix", "make_loss",
           "make_optimizer", "make_scheduler", "plain"]
