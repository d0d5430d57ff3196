"""Regenerate the example designs of this folder from the ``netlab.design`` API.

Run ``python -m resources.examples.make_examples [FOLDER]`` from the repository root (FOLDER
defaults to this script's folder). The committed ``*.json`` files are exactly what this script
writes, which ``tests/resources/test_examples.py`` checks, so edit the designs here and rerun
it rather than editing the JSON by hand.
"""

from __future__ import annotations

import sys
from pathlib import Path

from netlab.design.graph import Design, Node
from netlab.design.io import save_design

X, STEP = 0.0, 90.0  # one column, top to bottom: a readable start for the Studio's canvas


def _chain(d: Design, layers: list, start: Node | None = None, row: int = 0) -> list:
    """Add ``(type, name, params)`` layers one below the other, each fed by the one above
    (the first by ``start`` when given); returns the new nodes."""
    nodes, prev = [], start
    for i, (type_name, name, params) in enumerate(layers):
        node = d.add_node(type_name, name=name, params=params, position=(X, STEP * (row + i)))
        if prev is not None:
            d.connect(prev.id, node.id)
        nodes.append(node)
        prev = node
    return nodes


def two_layer_net() -> Design:
    """The seeds' TwoLayerNet: 1000 -> Linear 100 -> ReLU (``clamp(min=0)``) -> Linear 10."""
    d = Design()
    _chain(d, [("Input", "x", {"shape": [1000]}),
               ("Linear", "linear1", {"in_features": 1000, "out_features": 100}),
               ("ReLU", "relu", {}),
               ("Linear", "linear2", {"in_features": 100, "out_features": 10}),
               ("Output", "y_pred", {})])
    return d


def polynomial_fit() -> Design:
    """The seeds' polynomial fit: ``Sequential(Linear(3, 1), Flatten(0, 1))`` on (x, x^2, x^3)."""
    d = Design()
    _chain(d, [("Input", "xx", {"shape": [3]}),
               ("Linear", "linear", {"in_features": 3, "out_features": 1}),
               ("Flatten", "flatten", {"start_dim": 0, "end_dim": 1}),
               ("Output", "y_pred", {})])
    d.set_root_sequential(True)  # torch.nn.Sequential(...): keys 0.weight, 0.bias
    return d


def lenet() -> Design:
    """The tutorial's ``Net`` (LeNet) on 3x32x32 images, with its attribute names."""
    d = Design()
    _chain(d, [("Input", "x", {"shape": [3, 32, 32]}),
               ("Conv2d", "conv1", {"in_channels": 3, "out_channels": 6, "kernel_size": 5}),
               ("ReLU", "relu1", {}),
               ("MaxPool2d", "pool1", {"kernel_size": 2}),
               ("Conv2d", "conv2", {"in_channels": 6, "out_channels": 16, "kernel_size": 5}),
               ("ReLU", "relu2", {}),
               ("MaxPool2d", "pool2", {"kernel_size": 2}),
               ("Flatten", "flatten", {}),
               ("Linear", "fc1", {"in_features": 16 * 5 * 5, "out_features": 120}),
               ("ReLU", "relu3", {}),
               ("Linear", "fc2", {"in_features": 120, "out_features": 84}),
               ("ReLU", "relu4", {}),
               ("Linear", "fc3", {"in_features": 84, "out_features": 10}),
               ("Output", "out", {})])
    return d


_CONV = {"kernel_size": 3, "stride": 1, "padding": 1}


def cnn_naming_example1() -> Design:
    """Example 1 of the naming tutorial (seed 004): conv1, bn1, then ``stage1 =
    nn.Sequential(self.conv1, self.bn1)``, a second name for the same two modules that the
    forward never calls, then conv2, bn2, fc1, fc2. Input 3x5x5, as the tutorial's
    ``view(-1, 24 * 5 * 5)`` after size-keeping convolutions requires."""
    d = Design()
    x, c1, b1, *_ = _chain(d, [
        ("Input", "x", {"shape": [3, 5, 5]}),
        ("Conv2d", "conv1", {"in_channels": 3, "out_channels": 12, **_CONV}),
        ("BatchNorm2d", "bn1", {"num_features": 12}),
        ("ReLU", "relu1", {}),
        ("Conv2d", "conv2", {"in_channels": 12, "out_channels": 24, **_CONV}),
        ("BatchNorm2d", "bn2", {"num_features": 24}),
        ("ReLU", "relu2", {}),
        ("Flatten", "flatten", {}),
        ("Linear", "fc1", {"in_features": 24 * 5 * 5, "out_features": 128}),
        ("ReLU", "relu3", {}),
        ("Linear", "fc2", {"in_features": 128, "out_features": 10}),
        ("Output", "out", {})])
    d.reference_group([c1.id, b1.id], "stage1")
    return d


def cnn_naming_example2() -> Design:
    """Example 2 of the naming tutorial (seed 004): ``stage1`` a Sequential of conv1 + bn1,
    ``stage2 = DataParallel(self.stage1)`` wrapping that same Sequential (which the forward
    runs), conv2, bn2, fc1, fc2, and the whole model in DataParallel. Input 3x5x5."""
    d = Design()
    x, c1, b1, *_ = _chain(d, [
        ("Input", "x", {"shape": [3, 5, 5]}),
        ("Conv2d", "conv1", {"in_channels": 3, "out_channels": 12, **_CONV}),
        ("BatchNorm2d", "bn1", {"num_features": 12}),
        ("Conv2d", "conv2", {"in_channels": 12, "out_channels": 24, **_CONV}),
        ("BatchNorm2d", "bn2", {"num_features": 24}),
        ("ReLU", "relu1", {}),
        ("Flatten", "flatten", {}),
        ("Linear", "fc1", {"in_features": 24 * 5 * 5, "out_features": 128}),
        ("ReLU", "relu2", {}),
        ("Linear", "fc2", {"in_features": 128, "out_features": 10}),
        ("Output", "out", {})])
    stage1 = d.group([c1.id, b1.id], "stage1")
    d.reference_group([stage1.id], "stage2", kind="dataparallel")
    d.set_dataparallel(True)
    return d


def digits_mlp() -> Design:
    """A multilayer perceptron for the 8x8 digits: 64 pixels -> 128 -> ReLU -> 10 classes."""
    d = Design()
    _chain(d, [("Input", "x", {"shape": [64]}),
               ("Linear", "fc1", {"in_features": 64, "out_features": 128}),
               ("ReLU", "relu", {}),
               ("Linear", "fc2", {"in_features": 128, "out_features": 10}),
               ("Output", "logits", {})])
    return d


def digits_cnn() -> Design:
    """A small CNN for the 1x8x8 digits: conv 16 -> ReLU -> 2x2 max pool -> Linear 10."""
    d = Design()
    _chain(d, [("Input", "x", {"shape": [1, 8, 8]}),
               ("Conv2d", "conv", {"in_channels": 1, "out_channels": 16, "kernel_size": 3,
                                   "padding": 1}),
               ("ReLU", "relu", {}),
               ("MaxPool2d", "pool", {"kernel_size": 2}),
               ("Flatten", "flatten", {}),
               ("Linear", "fc", {"in_features": 16 * 4 * 4, "out_features": 10}),
               ("Output", "logits", {})])
    return d


def residual_block() -> Design:
    """A ResNet basic block: two 3x3 conv + batch norm layers and a skip connection (Add)
    around them, with the attribute names of torchvision's ``BasicBlock``."""
    d = Design()
    conv = {"in_channels": 16, "out_channels": 16, "kernel_size": 3, "padding": 1,
            "bias": False}
    x, *_, bn2 = _chain(d, [("Input", "x", {"shape": [16, 8, 8]}),
                            ("Conv2d", "conv1", conv),
                            ("BatchNorm2d", "bn1", {"num_features": 16}),
                            ("ReLU", "relu1", {}),
                            ("Conv2d", "conv2", conv),
                            ("BatchNorm2d", "bn2", {"num_features": 16})])
    add, *_ = _chain(d, [("Add", "add", {}), ("ReLU", "relu2", {}), ("Output", "out", {})],
                     start=bn2, row=6)
    d.connect(x.id, add.id)  # the skip connection: out = relu(bn2(...) + x)
    return d


EXAMPLES = {
    "two_layer_net": two_layer_net,
    "polynomial_fit": polynomial_fit,
    "lenet": lenet,
    "cnn_naming_example1": cnn_naming_example1,
    "cnn_naming_example2": cnn_naming_example2,
    "digits_mlp": digits_mlp,
    "digits_cnn": digits_cnn,
    "residual_block": residual_block,
}
"""File stem -> function building that design."""


def write_examples(folder) -> list[Path]:
    """Write every example design as ``FOLDER/<name>.json``; returns the paths written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for stem, build in EXAMPLES.items():
        path = folder / f"{stem}.json"
        save_design(build(), path)
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else Path(__file__).resolve().parent
    for path in write_examples(folder):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
