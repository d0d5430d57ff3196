"""The Studio's side panels: layer palette, inspector, model summary and problems list.

Each takes the :class:`~ui.editor.document.Document` and follows its signals; none changes the
model except through the Document's edit methods.
"""

from ui.panels.inspector import InspectorPanel
from ui.panels.palette import MIME_LAYER, PalettePanel
from ui.panels.problems import ProblemsPanel
from ui.panels.summary import SummaryPanel

__all__ = ["MIME_LAYER", "InspectorPanel", "PalettePanel", "ProblemsPanel", "SummaryPanel"]
