"""``netlab.nn.utils``: gradient clipping, parameter vectors and state_dict prefixes."""

from netlab.nn.utils.clip_grad import *  # noqa: F401, F403
from netlab.nn.utils.convert_parameters import *  # noqa: F401, F403
from netlab.nn.utils.prefix import *  # noqa: F401, F403
