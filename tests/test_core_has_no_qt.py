"""core is the numpy engine: it must import with every Qt binding blocked."""
import subprocess
import sys

BLOCK_QT = """
import sys
for name in ("PySide6", "pyqtgraph", "PyQt5", "PyQt6", "shiboken6"):
    sys.modules[name] = None          # any 'import PySide6' now raises ImportError
import core, pkgutil, importlib
for mod in pkgutil.walk_packages(core.__path__, "core."):
    importlib.import_module(mod.name)
print("ok")
"""


def test_core_imports_without_qt():
    done = subprocess.run([sys.executable, "-c", BLOCK_QT], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
