"""``netlab.nn``: modules, layers, losses, initialisation and the functional API."""

from netlab.nn import functional, init
from netlab.nn.activation import ReLU, Sigmoid, Tanh
from netlab.nn.container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from netlab.nn.flatten import Flatten, Unflatten
from netlab.nn.linear import Identity, Linear
from netlab.nn.loss import L1Loss, MSELoss
from netlab.nn.module import Module
from netlab.nn.parameter import Buffer, Parameter

__all__ = ["Buffer", "Flatten", "Identity", "L1Loss", "Linear", "MSELoss", "Module",
           "ModuleDict", "ModuleList", "Parameter", "ParameterDict", "ParameterList", "ReLU",
           "Sequential", "Sigmoid", "Tanh", "Unflatten", "functional", "init"]
