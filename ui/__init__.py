"""NetLab Studio's desktop app (PySide6 + pyqtgraph), built on the Qt-free engine `netlab`.

``netlab-studio`` and ``python -m ui`` open the visual network editor (`ui.studio.MainWindow`)
on an example design. The editor's parts: `ui.editor` (the document: model, undo, files),
`ui.canvas` (the graph view), `ui.panels` (palette, inspector, summary, problems) and
`ui.studio` (the window, its menus and dialogs).
"""
