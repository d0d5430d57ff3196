"""netlab is the GUI-free engine: importing any of its modules must never pull in Qt."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BLOCKED = ("PySide6", "PySide2", "PyQt5", "PyQt6", "shiboken6", "shiboken2", "pyqtgraph")

SCRIPT = """
import importlib, importlib.abc, json, pathlib, sys

BLOCKED = {blocked!r}


class BlockQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ImportError(f"netlab must not import {{name}}")
        return None


sys.meta_path.insert(0, BlockQt())
for name in BLOCKED:  # prove the guard works before trusting a pass
    try:
        importlib.import_module(name)
    except ImportError:
        pass
    else:
        raise SystemExit(f"the import guard let {{name}} through")


import netlab

# walk the files rather than pkgutil.walk_packages, which skips folders without __init__.py
root = pathlib.Path(netlab.__file__).parent
imported = []
for path in sorted(root.rglob("*.py")):
    parts = path.relative_to(root.parent).with_suffix("").parts
    name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
    importlib.import_module(name)
    imported.append(name)
leaked = sorted(m for m in sys.modules if m.partition(".")[0] in BLOCKED)
print(json.dumps({{"imported": imported, "leaked": leaked}}))
"""


def test_importing_every_netlab_module_never_imports_qt():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(blocked=BLOCKED)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["leaked"] == []
    imported = set(result["imported"])
    assert {"netlab", "netlab.backend", "netlab.tensor", "netlab.autograd.engine"} <= imported
    assert len(imported) == len(list((ROOT / "netlab").rglob("*.py")))
