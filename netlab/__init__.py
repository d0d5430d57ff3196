"""netlab: a PyTorch-like deep-learning engine on numpy (CPU) and cupy (CUDA).

Examples
--------
>>> import netlab as torch
>>> x = torch.ones(2, 2, requires_grad=True)
>>> (x * 3).sum().backward()
>>> x.grad
tensor([[3., 3.],
        [3., 3.]])
"""

from __future__ import annotations

from netlab import autograd
from netlab.autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from netlab.backend import device
from netlab.dtypes import (
    as_dtype,
    dtype,
    float16,
    float32,
    float64,
    get_default_dtype,
    int8,
    int16,
    int32,
    int64,
    promote_types,
    result_type,
    set_default_dtype,
    uint8,
)
from netlab.dtypes import bool_ as bool  # noqa: A001 - PyTorch's public name
from netlab.tensor import Size, Tensor, is_tensor

# ops register their Tensor methods on import; the star imports expose the functional forms
from netlab.ops import conversion as _conversion  # noqa: F401, I001
from netlab.ops.shape import *  # noqa: F401, F403
from netlab.ops.reduction import *  # noqa: F401, F403
from netlab.ops.norms import *  # noqa: F401, F403
from netlab.ops.cumulative import *  # noqa: F401, F403
from netlab.ops.selection import *  # noqa: F401, F403
from netlab.ops.sorting import *  # noqa: F401, F403
from netlab.ops.arith import *  # noqa: F401, F403
from netlab.ops.unary import *  # noqa: F401, F403
from netlab.ops.rounding import *  # noqa: F401, F403
from netlab.ops.binary import *  # noqa: F401, F403
from netlab.ops.compare import *  # noqa: F401, F403
from netlab.ops.conversion import clone  # noqa: F401
from netlab.ops.join import *  # noqa: F401, F403
from netlab.ops.rearrange import *  # noqa: F401, F403
from netlab.ops.indexing import *  # noqa: F401, F403
from netlab.ops.gather import *  # noqa: F401, F403
from netlab.ops.pad import *  # noqa: F401, F403
from netlab.ops.linalg import *  # noqa: F401, F403
from netlab.ops.matrix import *  # noqa: F401, F403
from netlab.ops.einsum import *  # noqa: F401, F403
from netlab.ops.decomp import *  # noqa: F401, F403
from netlab import linalg  # noqa: F401
from netlab.creation import *  # noqa: F401, F403
from netlab.ranges import *  # noqa: F401, F403
from netlab.random import *  # noqa: F401, F403
from netlab import fills  # noqa: F401 - registers the in-place fills (fill_, uniform_, ...)
from netlab._formatting import get_printoptions, printoptions, set_printoptions  # noqa: F401

float = float32  # noqa: A001
double = float64
half = float16
long = int64
int = int32  # noqa: A001
short = int16

__version__ = "0.1.0"

# packages built on the ops (keep these last)
from netlab import cuda, nn, optim  # noqa: E402, I001
from netlab.serialization import *  # noqa: E402, F401, F403
import netlab.utils.data  # noqa: E402, F401
from netlab.nn.functional.softmax import log_softmax, softmax  # noqa: E402, F401
