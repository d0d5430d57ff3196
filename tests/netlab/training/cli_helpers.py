"""Shared by the ``netlab train`` tests: example paths and small helpers."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "resources" / "examples"


def design_input_shape(design) -> tuple:
    """One sample's shape as the design's (single) Input node takes it."""
    node = next(n for n in design.nodes.values() if n.type == "Input")
    return tuple(node.params["shape"])
