"""``netlab.optim``: optimizers with PyTorch's update rules and state_dict format."""

from netlab.optim import lr_scheduler
from netlab.optim.adam import Adam, AdamW
from netlab.optim.optimizer import Optimizer
from netlab.optim.rmsprop import Adagrad, RMSprop
from netlab.optim.sgd import SGD

__all__ = ["lr_scheduler", "SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop"]
