"""``netlab.optim``: optimizers with PyTorch's update rules and state_dict format."""

from netlab.optim.adam import Adam, AdamW
from netlab.optim.optimizer import Optimizer
from netlab.optim.rmsprop import Adagrad, RMSprop
from netlab.optim.sgd import SGD

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop"]
