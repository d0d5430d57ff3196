"""``netlab.nn``: modules, layers, losses, initialisation and the functional API.

One file per layer family; each lists its public classes in ``__all__``.
"""

from netlab.nn import functional, init, utils
from netlab.nn.activation import *  # noqa: F401, F403
from netlab.nn.attention import *  # noqa: F401, F403
from netlab.nn.container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from netlab.nn.conv import *  # noqa: F401, F403
from netlab.nn.dropout import *  # noqa: F401, F403
from netlab.nn.flatten import Flatten, Unflatten
from netlab.nn.linear import *  # noqa: F401, F403
from netlab.nn.loss import *  # noqa: F401, F403
from netlab.nn.module import Module
from netlab.nn.normalization import *  # noqa: F401, F403
from netlab.nn.parallel import *  # noqa: F401, F403
from netlab.nn.parameter import Buffer, Parameter
from netlab.nn.pooling import *  # noqa: F401, F403
from netlab.nn.recurrent import *  # noqa: F401, F403
from netlab.nn.sparse import *  # noqa: F401, F403
from netlab.nn.vision import *  # noqa: F401, F403
