"""Data files shipped with NetLab Studio; read them with ``importlib.resources.files(__name__)``.

A regular package rather than a bare folder, so that `importlib.resources` also finds the files
in an editable install (setuptools maps namespace packages there through a path hook that
`importlib.resources` cannot read).
"""
