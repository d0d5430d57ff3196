"""The two CNN examples at the end of seed 004 ("各层变量命名规则") print exactly the
state_dict keys that the seed shows, in that order, and the same keys as PyTorch.

The classes are the seed's code with ``torch``/``nn`` passed in, so one definition builds
both the netlab and the PyTorch model. Conv2d and BatchNorm2d are looked up when a test runs.
"""

import contextlib
import io
from pathlib import Path

import pytest

import netlab
from tests.netlab.parity import torch

# the seed's expected output, verbatim (its lists are separated by "、")
SEED_EXAMPLE_1 = """\
conv1.weight、conv1.bias
bn1.weight、bn1.bias、bn1.running_mean、bn1.running_var、bn1.num_batches_tracked
stage1.0.weight、stage1.0.bias
stage1.1.weight、stage1.1.bias、stage1.1.running_mean、stage1.1.running_var、stage1.1.num_batches_tracked
conv2.weight、conv2.bias
bn2.weight、bn2.bias、bn2.running_mean、bn2.running_var、bn2.num_batches_tracked
fc1.weight、fc1.bias
fc2.weight、fc2.bias
"""  # noqa: E501

SEED_EXAMPLE_2 = """\
module.stage1.0.weight、module.stage1.0.bias
module.stage1.1.weight、module.stage1.1.bias、module.stage1.1.running_mean、module.stage1.1.running_var、module.stage1.1.num_batches_tracked
module.stage2.module.0.weight、module.stage2.module.0.bias
module.stage2.module.1.weight、module.stage2.module.1.bias、module.stage2.module.1.running_mean、module.stage2.module.1.running_var、module.stage2.module.1.num_batches_tracked
module.conv2.weight、module.conv2.bias
module.bn2.weight、module.bn2.bias、module.bn2.running_mean、module.bn2.running_var、module.bn2.num_batches_tracked
module.fc1.weight、module.fc1.bias
module.fc2.weight、module.fc2.bias
"""  # noqa: E501

SEED_FILES = sorted((Path(__file__).resolve().parents[4] / "shared" / "seeds").glob("004_*.txt"))


def seed_keys(text):
    return [k for line in text.splitlines() for k in line.split("、") if k]


def cnn_example_1(torch_mod):
    nn = torch_mod.nn

    class CNN(nn.Module):
        def __init__(self):
            super(CNN, self).__init__()  # noqa: UP008 - the seed's code
            self.conv1 = nn.Conv2d(3, 12, kernel_size=3, stride=1, padding=1)
            self.bn1 = nn.BatchNorm2d(12)
            self.s1 = [self.conv1, self.bn1]
            self.stage1 = nn.Sequential(*self.s1)
            self.conv2 = nn.Conv2d(12, 24, kernel_size=3, stride=1, padding=1)
            self.bn2 = nn.BatchNorm2d(24)
            self.fc1 = nn.Linear(24 * 5 * 5, 128)
            self.fc2 = nn.Linear(128, 10)

    return CNN()


def cnn_example_2(torch_mod, DataParallel):
    nn = torch_mod.nn

    class CNN(nn.Module):
        def __init__(self):
            super(CNN, self).__init__()  # noqa: UP008 - the seed's code
            conv1 = nn.Conv2d(3, 12, kernel_size=3, stride=1, padding=1)
            bn1 = nn.BatchNorm2d(12)
            s1 = [conv1, bn1]
            self.stage1 = nn.Sequential(*s1)
            self.stage2 = DataParallel(self.stage1)
            self.conv2 = nn.Conv2d(12, 24, kernel_size=3, stride=1, padding=1)
            self.bn2 = nn.BatchNorm2d(24)
            self.fc1 = nn.Linear(24 * 5 * 5, 128)
            self.fc2 = nn.Linear(128, 10)

    model = CNN()
    model = DataParallel(model)
    return model


def printed_keys(model):
    """What the seed's ``for name in model.state_dict(): print(name)`` prints."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for name in model.state_dict():
            print(name)
    return out.getvalue().splitlines()


def test_embedded_expectations_are_the_seed_text():
    if not SEED_FILES:
        pytest.skip("the seed texts (../shared/seeds) sit beside the repository, not in it")
    for path in SEED_FILES:
        text = path.read_text(encoding="utf-8")
        assert SEED_EXAMPLE_1 in text
        assert SEED_EXAMPLE_2 in text


def test_example_1_plain_cnn_with_stage1_sequential():
    keys = printed_keys(cnn_example_1(netlab))
    assert keys == seed_keys(SEED_EXAMPLE_1)
    assert keys == list(cnn_example_1(torch).state_dict())
    shapes = {k: tuple(v.shape) for k, v in cnn_example_1(netlab).state_dict().items()}
    assert shapes == {k: tuple(v.shape) for k, v in cnn_example_1(torch).state_dict().items()}


def test_example_2_data_parallel_inside_and_outside():
    from netlab.nn import DataParallel
    from netlab.nn.parallel import DistributedDataParallel

    keys = printed_keys(cnn_example_2(netlab, DataParallel))
    assert keys == seed_keys(SEED_EXAMPLE_2)
    theirs = cnn_example_2(torch, torch.nn.DataParallel)
    assert keys == list(theirs.state_dict())
    ours = cnn_example_2(netlab, DataParallel)
    assert dict(ours.state_dict()._metadata) == dict(theirs.state_dict()._metadata)
    # the seed: DistributedDataParallel names things the same way
    assert printed_keys(cnn_example_2(netlab, DistributedDataParallel)) == keys
