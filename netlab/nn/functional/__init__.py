"""``netlab.nn.functional``: the stateless forms of layers and losses (one file per family)."""

from netlab.nn.functional.activation import *  # noqa: F401, F403
from netlab.nn.functional.adaptive_pool import *  # noqa: F401, F403
from netlab.nn.functional.attention import *  # noqa: F401, F403
from netlab.nn.functional.conv import *  # noqa: F401, F403
from netlab.nn.functional.dropout import *  # noqa: F401, F403
from netlab.nn.functional.linear import *  # noqa: F401, F403
from netlab.nn.functional.loss import *  # noqa: F401, F403
from netlab.nn.functional.normalization import *  # noqa: F401, F403
from netlab.nn.functional.pooling import *  # noqa: F401, F403
from netlab.nn.functional.recurrent import *  # noqa: F401, F403
from netlab.nn.functional.smooth_activation import *  # noqa: F401, F403
from netlab.nn.functional.softmax import *  # noqa: F401, F403
from netlab.nn.functional.sparse import *  # noqa: F401, F403
from netlab.nn.functional.unpool import *  # noqa: F401, F403
from netlab.nn.functional.vision import *  # noqa: F401, F403
from netlab.ops.pad import pad  # noqa: F401
