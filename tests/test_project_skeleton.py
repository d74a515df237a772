"""The project's skeleton as issue 2 §1 asks: the package metadata, the PySide6
pin (6.12.0 aborts pyqtgraph windows on Python 3.11), the entry point, and CI
running exactly the README's test command."""
import importlib
import importlib.metadata
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_distribution_python_and_packages():
    assert PROJECT["name"] == "layerlab" and PROJECT["requires-python"] == ">=3.11"
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["tool"]["setuptools"]["packages"]["find"]["include"] == ["core*", "desktop_app*"]


def test_pyside6_is_pinned_below_6_12_and_the_installed_one_is_6_11():
    pins = [d for d in PROJECT["dependencies"] if d.startswith("PySide6-Essentials")]
    assert pins == ["PySide6-Essentials>=6.11,<6.12"]
    assert importlib.metadata.version("PySide6-Essentials").startswith("6.11.")
    assert {re.split(r"[<>=]", d)[0] for d in PROJECT["dependencies"]} >= {"numpy", "pyqtgraph", "PySide6-Essentials"}
    assert {re.split(r"[<>=]", d)[0] for d in PROJECT["optional-dependencies"]["test"]} == {"pytest", "pytest-qt"}


def test_gui_script_points_at_a_function():
    module, _, name = PROJECT["gui-scripts"]["layerlab"].partition(":")
    assert callable(getattr(importlib.import_module(module), name))
    assert (ROOT / "desktop_app" / "__main__.py").is_file()


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    test_command = re.search(r"\*\*Run the tests\*\*.*?```bash\n(.*?)\n```", readme, flags=re.S).group(1)
    ci_lines = [line for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
                if line and not line.startswith("#")]
    assert ci_lines[-1] == test_command
    assert "set -euo pipefail" in ci_lines
