"""The Studio's graph canvas: scene, items, interactions, auto layout, minimap.

``ui.canvas.layout`` is pure Python (no Qt) and can be imported on its own; the Qt classes
are imported on first use.
"""

__all__ = ["CanvasScene", "CanvasView", "EdgeItem", "GroupItem", "MinimapWidget", "NodeItem",
           "PortItem", "layered_layout", "LAYER_MIME"]

_WHERE = {
    "CanvasScene": "ui.canvas.scene", "CanvasView": "ui.canvas.view",
    "EdgeItem": "ui.canvas.edge_item", "GroupItem": "ui.canvas.group_item",
    "MinimapWidget": "ui.canvas.minimap", "NodeItem": "ui.canvas.node_item",
    "PortItem": "ui.canvas.port_item", "layered_layout": "ui.canvas.layout",
    "LAYER_MIME": "ui.canvas.interactions",
}


def __getattr__(name: str):
    # lazy, so that `import ui.canvas.layout` does not load Qt
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'ui.canvas' has no attribute {name!r}")
