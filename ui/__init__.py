"""NetLab Studio's desktop app (PySide6 + pyqtgraph), built on the Qt-free engine `netlab`.

Until the visual editor exists, ``netlab-studio`` and ``python -m ui`` open a live netlab demo
(`ui.demo`).
"""
