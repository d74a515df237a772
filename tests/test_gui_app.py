"""The entry point: command line, first start, reopening the last project,
screenshots, and the last-resort exception hook."""
import os
import subprocess
import sys

import pytest
from PySide6.QtWidgets import QMessageBox

from core.project_file import save_project
from core.templates import TEMPLATES
from desktop_app import app
from desktop_app.main_window import MainWindow
from desktop_app.session import SessionController
from desktop_app.settings import app_settings


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """Settings in a temporary folder; a "save changes?" question on close answers Discard."""
    monkeypatch.setenv("LAYERLAB_SETTINGS_DIR", str(tmp_path))
    monkeypatch.setattr(QMessageBox, "exec", lambda self: QMessageBox.Discard)


@pytest.mark.parametrize("argv, words", [
    (["--bogus"], "unrecognized arguments: --bogus"),
    (["no/such/file.llproj"], "no such project file: no/such/file.llproj"),
    (["--template", "nope"], "unknown template 'nope'"),
    (["--template"], "--template: expected one argument"),
])
def test_bad_command_lines_say_what_is_wrong_and_exit_non_zero(argv, words, capsys):
    assert app.main(argv) == 2
    err = capsys.readouterr().err
    assert words in err
    assert "usage" in err or "choose one of" in err or "no such" in err


@pytest.mark.parametrize("argv, words", [
    (["."], ". is a folder; give a project file"),
    (["--screenshot", "shot.jpg"], "saves a PNG; give a name ending in .png, not shot.jpg"),
    (["--screenshot", "no/such/folder/shot.png"], "cannot save the screenshot: no folder"),
])
def test_a_folder_or_an_unusable_screenshot_path_is_refused_before_the_window_opens(argv, words, capsys):
    assert app.main(argv) == 2
    assert words in capsys.readouterr().err


def test_a_file_that_is_not_a_project_exits_with_its_reason(tmp_path, capsys, qapp):
    bad = tmp_path / "bad.llproj"
    bad.write_text("not a zip")
    assert app.main([str(bad)]) == 1
    assert "bad.llproj" in capsys.readouterr().err


def start(qtbot, argv):
    session = SessionController()
    window = MainWindow(session)
    qtbot.addWidget(window)
    app.open_start(session, window, app.parse_args(argv))
    return window, session


def test_first_start_opens_the_worked_example_with_a_hint(qtbot):
    window, session = start(qtbot, [])
    assert session.template == "worked_example"
    assert session.network.layers[1].params["W"][0, 0] == 0.4
    assert window.notice.isVisibleTo(window)
    assert "F11" in window.notice.label.text()


def test_a_later_start_reopens_the_last_project(qtbot, tmp_path):
    t = TEMPLATES["xor_mlp"]()
    path = str(tmp_path / "xor.llproj")
    save_project(path, t.network, t.optimizer, x=t.x, y=t.y, dataset_name="XOR")
    app_settings().setValue("session/last_project", path)
    window, session = start(qtbot, [])
    assert session.template is None
    assert session.network.spec() == t.network.spec()
    assert session.dataset_name == "XOR"


def test_a_missing_last_project_falls_back_to_the_worked_example(qtbot, tmp_path):
    app_settings().setValue("session/last_project", str(tmp_path / "gone.llproj"))
    window, session = start(qtbot, [])
    assert session.template == "worked_example"


def test_the_template_option_opens_that_template(qtbot):
    window, session = start(qtbot, ["--template", "lenet5"])
    assert session.network.param_count() == 61_706
    assert window.panels["diagram"].mode == "blocks"


def test_the_exception_hook_shows_the_error_instead_of_aborting(qtbot, monkeypatch, capsys):
    window, session = start(qtbot, ["--template", "perceptron"])
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)    # restored after the test
    app.install_excepthook(window)
    try:
        raise RuntimeError("something broke")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())
    assert "something broke" in window.notice.label.text()
    assert "RuntimeError" in capsys.readouterr().err


def test_screenshot_option_saves_a_png_and_exits_zero(tmp_path):
    png = tmp_path / "shot.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "LAYERLAB_SETTINGS_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "desktop_app", "--template", "worked_example",
                           "--screenshot", str(png)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 20_000
