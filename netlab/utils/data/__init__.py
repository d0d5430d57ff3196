"""``netlab.utils.data``: datasets, samplers and the DataLoader."""

from netlab.utils.data.dataloader import *  # noqa: F401, F403
from netlab.utils.data.dataset import *  # noqa: F401, F403
from netlab.utils.data.sampler import *  # noqa: F401, F403
