"""Entry point: ``layerlab [PROJECT] [--template NAME] [--screenshot PATH]``.

Started with neither a project nor a template, LayerLab reopens the last
project (if it still exists) or else the lecture's worked example, with a hint
on what to press first. ``--screenshot`` opens the window, lets it settle,
saves a PNG of it and exits with status 0 (for the README and bug reports).
"""
from __future__ import annotations

import argparse
import os
import sys
import traceback

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from core.errors import LayerLabError
from core.memory import keep_freed_memory
from core.project_file import load_project

from .main_window import MainWindow
from .session import SessionController
from .settings import APPLICATION, ORGANIZATION, app_settings

DEFAULT_TEMPLATE = "worked_example"
SETTLE_MS = 600


class UsageError(Exception):
    """Bad command-line arguments: the message is printed and the exit status is 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(f"layerlab: {message}\n{self.format_usage()}")


def parse_args(argv):
    parser = _Parser(prog="layerlab",
                     description="Build, step through and look inside neural networks.")
    parser.add_argument("project", nargs="?", help="a LayerLab project file to open")
    parser.add_argument("--template", metavar="NAME",
                        help="start from a built-in template (e.g. worked_example, xor_mlp, lenet5)")
    parser.add_argument("--screenshot", metavar="PATH",
                        help="open the window, save a PNG of it to PATH and exit")
    args = parser.parse_args(argv)
    if args.project and os.path.isdir(args.project):
        raise UsageError(f"layerlab: {args.project} is a folder; give a project file (.llproj) in it")
    if args.project and not os.path.isfile(args.project):
        raise UsageError(f"layerlab: no such project file: {args.project}")
    if args.screenshot:
        folder = os.path.dirname(os.path.abspath(args.screenshot))
        if not args.screenshot.lower().endswith(".png"):
            raise UsageError(f"layerlab: --screenshot saves a PNG; give a name ending in .png, "
                             f"not {args.screenshot}")
        if not os.path.isdir(folder):
            raise UsageError(f"layerlab: cannot save the screenshot: no folder {folder}")
    if args.template:
        from core.templates import TEMPLATES
        if args.template not in TEMPLATES:
            raise UsageError(f"layerlab: unknown template {args.template!r}; "
                             f"choose one of: {', '.join(TEMPLATES)}")
    if args.project and args.template:
        raise UsageError("layerlab: give a project file or --template, not both")
    return args


def open_start(session: SessionController, window: MainWindow, args) -> None:
    """Load what the command line asks for, else the last project, else the worked example."""
    if args.project:
        open_project(window, args.project)
        return
    if args.template:
        session.load_template(args.template)
        return
    last = app_settings().value("session/last_project")
    if last and os.path.isfile(str(last)):
        try:
            open_project(window, str(last))
            return
        except LayerLabError as e:
            window.show_error(f"Could not reopen the last project {last}: {e}")
    session.load_template(DEFAULT_TEMPLATE)
    if session.hint:
        window.show_hint(session.hint)


def open_project(window: MainWindow, path: str) -> None:
    """Open a project file through the File menu's project actions; a file that
    cannot be read raises DataError (with what is wrong) and changes nothing."""
    load_project(path)
    window.project_actions.open_path(path, ask=False)


def install_excepthook(window: MainWindow) -> None:
    """Last resort: an unexpected exception is printed and shown in the window
    instead of aborting the app."""
    def hook(kind, value, tb):
        traceback.print_exception(kind, value, tb)
        try:
            window.show_error(f"Unexpected error ({kind.__name__}): {value}. "
                              "The app keeps running; please report this with a screenshot.")
        except RuntimeError:  # the window is already gone
            pass
    sys.excepthook = hook


def save_screenshot(window: MainWindow, path: str) -> bool:
    QApplication.processEvents()
    return window.grab().save(path)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = parse_args(argv)
    except UsageError as e:
        print(e, file=sys.stderr)
        return 2
    keep_freed_memory()         # training steps reuse freed memory instead of page-faulting it back
    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    session = SessionController()
    window = MainWindow(session)
    install_excepthook(window)
    try:
        open_start(session, window, args)
    except LayerLabError as e:
        print(f"layerlab: {e}", file=sys.stderr)
        window.close()
        return 1
    if args.screenshot:
        window.remember_layout = False
        window.show()
        status = {}

        def shoot():
            status["ok"] = save_screenshot(window, args.screenshot)
            window.close()
            app.quit()
        QTimer.singleShot(SETTLE_MS, shoot)
        app.exec()
        if not status.get("ok"):
            print(f"layerlab: could not write the screenshot to {args.screenshot}", file=sys.stderr)
            return 1
        print(f"Saved {args.screenshot}")
        return 0
    window.restore_layout()
    window.show()
    return app.exec()
