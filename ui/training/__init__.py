"""NetLab Studio's training half: the session and its worker thread, the training panel and
the live views (curves, gradients, results).

Nothing is imported here, so importing one view does not load the others (nor pyqtgraph):
import the modules themselves, e.g. ``from ui.training.session import TrainingSession``.
"""
