"""The File menu's project actions: New, Open, Open Recent, Save, Save As, and
Export (a panel as PNG, an array as CSV or ``.npy``); and the question
"Save your changes?" before anything would lose them (New, Open, closing the
window).

A project file (see docs/project-format.md) holds, besides the network and
the optimizer with its state, these ``extra`` entries:

==============  ==========================================================
``x``, ``y``    the data, exactly (so any dataset comes back identical)
``dataset_name``  its name as shown in the window
``dataset``     the built-in data choice ``{"name", "n", "noise", "seed", …}`` or None
``breakpoints`` ``[{"kind", "settings", "enabled"}, …]`` (core.breakpoints kinds)
``watches``     ``[[layer, name, index, iterations, values], …]``
``curves``      training history lists and ``events`` (``[[epoch, text], …]``, optional);
                ``best_epoch``; ``iteration``
``training``    the training panel's settings (batch size, epochs, …)
==============  ==========================================================

Opening reads the whole file first (``core.load_project``); only if that
succeeds is the open project replaced, so a damaged file changes nothing.
"""
from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMenu, QMessageBox

from core.breakpoints import make_breakpoint
from core.errors import DataError, LayerLabError
from core.project_file import load_project, save_project

from .live_state import CURVES, live_state
from .settings import app_settings
from .training_job import TrainingSettings

FILE_FILTER = "LayerLab projects (*.llproj)"
SUFFIX = ".llproj"
MAX_RECENT = 8
DEFAULT_TEMPLATE = "worked_example"


# --- what a project holds besides the network ---------------------------------------------------
def breakpoint_specs(breakpoints) -> list[dict]:
    """``[{"kind", "settings", "enabled"}]`` for the debugger's breakpoint objects."""
    return [{"kind": bp.kind, "enabled": bool(bp.enabled),
             "settings": {k: v for k, v in vars(bp).items() if k != "enabled"}} for bp in breakpoints]


def project_extra(session, training: TrainingSettings | None = None) -> dict:
    """Everything :func:`apply_project` restores, as ``save_project`` keyword arguments."""
    live = live_state(session)
    extra = {
        "x": session.x, "y": session.y, "dataset_name": session.dataset_name,
        "dataset": live.dataset,
        "breakpoints": breakpoint_specs(session.breakpoints()) if hasattr(session, "breakpoints") else [],
        "watches": live.watches.to_list(),
        "curves": live.history, "best_epoch": live.best_epoch, "iteration": live.iteration,
    }
    if training is not None:
        extra["training"] = asdict(training)
    return extra


def apply_project(session, project, name: str = "") -> list[str]:
    """Make ``project`` (from ``core.load_project``) the session's: network,
    optimizer, data, breakpoints, watches and curves. Returns warnings (e.g. a
    breakpoint this version cannot rebuild) for the user."""
    extra, live, warnings = project.extra, live_state(session), []
    session.set_network(project.network, project.optimizer, extra.get("x"), extra.get("y"),
                        dataset_name=extra.get("dataset_name") or name)
    live.dataset = extra.get("dataset")
    if hasattr(session, "breakpoints") and session.debugger is not None:
        while session.breakpoints():
            session.remove_breakpoint(0)
        for spec in extra.get("breakpoints", []):
            try:
                bp = make_breakpoint(spec["kind"], **spec.get("settings", {}))
                bp.enabled = bool(spec.get("enabled", True))
                session.add_breakpoint(bp)
            except (LayerLabError, KeyError, TypeError) as e:
                warnings.append(f"Skipped a breakpoint the file describes as {spec!r}: {e}")
    live.watches.from_list(extra.get("watches", []))
    live.watches.drop_invalid(session.network)
    curves = extra.get("curves") or {}
    live.history = {k: list(curves.get(k, [])) for k in CURVES}
    live.history["events"] = valid_events(curves.get("events", []))      # older files have none
    live.best_epoch = extra.get("best_epoch")
    live.iteration = int(extra.get("iteration") or 0)
    live.curves_changed.emit()
    return warnings


def valid_events(events) -> list:
    """The well-formed ``[epoch, text]`` training events of a file (others are dropped)."""
    return [list(e) for e in events if isinstance(e, (list, tuple)) and len(e) == 2
            and isinstance(e[0], int) and not isinstance(e[0], bool) and isinstance(e[1], str)]


def array_for_csv(array: np.ndarray) -> np.ndarray:
    """A 2-D view for a CSV file: vectors become one row, (a, b, …) arrays ``(a, b·…)``."""
    a = np.asarray(array, dtype=np.float64)
    return a.reshape(1, -1) if a.ndim <= 1 else a.reshape(a.shape[0], -1)


def export_array(array, path: str) -> str:
    """Write ``array`` as ``.npy`` (exact) or ``.csv`` (numbers, one row per line; the
    shape in a comment line when it had more than two axes). Raises DataError."""
    ext = os.path.splitext(path)[1].lower()
    if ext not in (".csv", ".npy"):
        raise DataError(f"Export arrays as .csv or .npy, not {ext or 'a file without extension'}.")
    a = np.asarray(array)
    try:
        if ext == ".npy":
            np.save(path, a, allow_pickle=False)
        else:
            header = f"shape {a.shape}, rows = first axis" if a.ndim > 2 else ""
            np.savetxt(path, array_for_csv(a), delimiter=",", fmt="%.10g", header=header)
    except OSError as e:
        raise DataError(f"Could not write {path}: {e.strerror or e}.") from None
    return path


# --- the menu ---------------------------------------------------------------------------------------
class ProjectActions(QObject):
    """Installs the project actions into ``window.file_menu`` and guards the window's close.

    ``path`` is the open project's file (None until saved) and ``dirty`` says
    whether anything changed since it was opened or saved."""

    def __init__(self, window, session):
        super().__init__(window)
        self.window, self.session = window, session
        self.path: str | None = None
        self.dirty = False
        self._applying = False
        #: the open "Save your changes?" box, if any
        self.unsaved_box: QMessageBox | None = None
        self._build_actions()
        for signal in (session.network_changed, session.state_changed, live_state(session).watches.changed):
            signal.connect(self.mark_dirty)
        if hasattr(session, "breakpoints_changed"):
            session.breakpoints_changed.connect(self.mark_dirty)
        session.history_changed.connect(self._on_history_changed)
        window.installEventFilter(self)
        self._update_title()

    # --- menu -------------------------------------------------------------------------------
    def _build_actions(self) -> None:
        w, menu = self.window, self.window.file_menu
        self.new_action = QAction("&New project", w, shortcut=QKeySequence.New, triggered=self.new)
        self.open_action = QAction("&Open…", w, shortcut=QKeySequence.Open, triggered=self.open_dialog)
        self.save_action = QAction("&Save", w, shortcut=QKeySequence.Save, triggered=self.save)
        self.save_as_action = QAction("Save &As…", w, shortcut=QKeySequence("Ctrl+Shift+S"),
                                      triggered=self.save_as_dialog)
        self.recent_menu = QMenu("Open &Recent", w)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.export_menu = QMenu("&Export", w)
        self.export_menu.addAction(QAction("Panel as &PNG…", w, triggered=self.export_panel_dialog))
        self.export_menu.addAction(QAction("Array as &CSV or .npy…", w, triggered=self.export_array_dialog))
        first = menu.actions()[0] if menu.actions() else None
        for item in (self.new_action, self.open_action, self.recent_menu, self.save_action,
                     self.save_as_action, self.export_menu):
            if isinstance(item, QAction):
                menu.insertAction(first, item)
            else:
                menu.insertMenu(first, item)
        menu.insertSeparator(first)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        paths = self.recent_files()
        if not paths:
            self.recent_menu.addAction("(none yet)").setEnabled(False)
        for path in paths:
            action = self.recent_menu.addAction(os.path.basename(path))
            action.setToolTip(path)
            action.triggered.connect(lambda _=False, p=path: self.open_path(p, ask=True))

    # --- unsaved changes ------------------------------------------------------------------------
    def mark_dirty(self, *_) -> None:
        if not self._applying and not self.dirty:
            self.dirty = True
            self._update_title()

    def _on_history_changed(self) -> None:
        """A template was just loaded (it clears the undo history): a new, unchanged, untitled project."""
        s = self.session
        if s.template is not None and not s.history.can_undo() and not self._applying:
            live = live_state(s)
            live.watches.clear()
            live.clear_history()
            live.iteration = 0
            self.path, self.dirty = None, False
            self._update_title()

    def _update_title(self) -> None:
        name = os.path.basename(self.path) if self.path else "untitled"
        self.window.setWindowTitle(f"LayerLab — {name}{' *' if self.dirty else ''}")

    def confirm_leave(self, then) -> None:
        """Call ``then()`` once it is fine to replace or close the project: at once
        when nothing is unsaved, else after the user answers "Save your changes?"
        (Save: save first; Discard; Cancel: ``then`` is never called). The question
        is a window-modal box that does not block the event loop."""
        if not self.dirty:
            then()
            return
        box = QMessageBox(QMessageBox.Warning, "Unsaved changes",
                          "The project has changes that are not saved. Save them first?",
                          QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, self.window)
        box.setWindowModality(Qt.WindowModal)
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.setDefaultButton(QMessageBox.Save)

        def answered(button):
            role = box.standardButton(button)
            if role == QMessageBox.Save and self.save():
                then()
            elif role == QMessageBox.Discard:
                self.dirty = False
                then()
        box.buttonClicked.connect(answered)
        self.unsaved_box = box
        box.open()

    def eventFilter(self, obj, event) -> bool:
        if obj is self.window and event.type() == QEvent.Close:
            if self.dirty:
                event.ignore()
                self.confirm_leave(self.window.close)
                return True
            live_state(self.session).shutdown()
        return False

    # --- new / open / save ----------------------------------------------------------------------
    def new(self) -> None:
        """Start over from the worked example (after asking about unsaved changes)."""
        if self._refuse_while_running():
            return
        self.confirm_leave(lambda: self.session.load_template(DEFAULT_TEMPLATE))   # see _on_history_changed

    def open_dialog(self) -> None:
        if self._refuse_while_running():
            return

        def choose():
            path, _ = QFileDialog.getOpenFileName(self.window, "Open project", self._folder(), FILE_FILTER)
            if path:
                self.open_path(path)
        self.confirm_leave(choose)


    def _refuse_while_running(self) -> bool:
        if self.session.running:
            self.session.error.emit("Pause and cancel the run before replacing the project.")
        return self.session.running

    def open_path(self, path: str, ask: bool = False) -> bool:
        """Open the project at ``path``; with ``ask``, first ask about unsaved changes
        (and return False: the project opens once the user has answered).
        A file that cannot be read leaves the open project as it was."""
        if self._refuse_while_running():
            return False
        if ask and self.dirty:
            self.confirm_leave(lambda: self.open_path(path))
            return False
        try:
            project = load_project(path)
        except DataError as e:
            self.session.error.emit(f"Could not open the project: {e}")
            return False
        self._applying = True
        try:
            warnings = apply_project(self.session, project, os.path.basename(path))
            self._restore_training_settings(project.extra.get("training"))
        finally:
            self._applying = False
        self.path, self.dirty = str(path), False
        self._remember(path)
        self._update_title()
        self.session.message.emit(f"Opened {path}.")
        for text in warnings:
            self.session.error.emit(text)
        return True

    def save(self) -> bool:
        if self.path is None:
            return self.save_as_dialog()
        return self.save_to(self.path)

    def save_as_dialog(self) -> bool:
        path, _ = QFileDialog.getSaveFileName(self.window, "Save project as", self._folder(), FILE_FILTER)
        if not path:
            return False
        if not path.endswith(SUFFIX):
            path += SUFFIX
        return self.save_to(path)

    def save_to(self, path: str) -> bool:
        """Save the project to ``path`` (atomically); False, with a message, if it cannot."""
        s = self.session
        if s.network is None:
            s.error.emit(f"Cannot save: the network is not valid yet ({s.stack_error}).")
            return False
        try:
            save_project(path, s.network, s.optimizer, **project_extra(s, self._training_settings()))
        except (LayerLabError, OSError) as e:
            s.error.emit(f"Could not save the project: {e}")
            return False
        self.path, self.dirty = str(path), False
        self._remember(path)
        self._update_title()
        s.message.emit(f"Saved {path}.")
        return True

    def _training_settings(self) -> TrainingSettings | None:
        panel = self.window.panels.get("training")
        return panel.current_settings() if panel is not None else None

    def _restore_training_settings(self, values) -> None:
        panel = self.window.panels.get("training")
        if panel is not None and values:
            panel.show_settings(TrainingSettings(**values))

    # --- recent files ----------------------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        paths = app_settings().value("project/recent") or []
        if isinstance(paths, str):
            paths = [paths]
        return [p for p in paths if os.path.isfile(p)]

    def _remember(self, path) -> None:
        path = os.path.abspath(str(path))
        s = app_settings()
        recent = [path] + [p for p in self.recent_files() if p != path]
        s.setValue("project/recent", recent[:MAX_RECENT])
        s.setValue("session/last_project", path)
        s.sync()

    def _folder(self) -> str:
        return os.path.dirname(self.path) if self.path else str(Path.home())

    # --- export ------------------------------------------------------------------------------------------
    def exportable_arrays(self) -> dict[str, np.ndarray]:
        """Every array a user may want as a file, by a readable name."""
        s, arrays = self.session, {}
        if s.network is not None:
            for i, layer in enumerate(s.network.layers):
                for name, value in layer.params.items():
                    arrays[f"layer {i} {name}"] = value
        opt = s.optimizer
        for (i, name), state in (getattr(opt, "state", None) or {}).items():
            for key, value in state.items():
                if isinstance(value, np.ndarray):
                    arrays[f"optimizer state layer {i} {name} {key}"] = value
        if s.x is not None:
            arrays["data x"], arrays["data y"] = np.asarray(s.x), np.asarray(s.y)
        history = live_state(s).history
        for key in CURVES:
            values = history.get(key)
            if values:
                arrays[f"curve {key}"] = np.asarray(values, dtype=float)
        return arrays

    def export_array_dialog(self) -> bool:
        arrays = self.exportable_arrays()
        if not arrays:
            self.session.error.emit("There is no array to export yet.")
            return False
        name, ok = QInputDialog.getItem(self.window, "Export array", "Array:", list(arrays), 0, False)
        if not ok:
            return False
        path, _ = QFileDialog.getSaveFileName(self.window, "Export array", name.replace(" ", "_") + ".csv",
                                              "CSV (*.csv);;NumPy array (*.npy)")
        return bool(path) and self.export_array_to(name, path)

    def export_array_to(self, name: str, path: str) -> bool:
        try:
            export_array(self.exportable_arrays()[name], path)
        except DataError as e:
            self.session.error.emit(str(e))
            return False
        self.session.message.emit(f"Exported {name} to {path}.")
        return True

    def export_panel_dialog(self) -> bool:
        panels = {dock.windowTitle(): key for key, dock in self.window.docks.items() if dock.isVisible()}
        if not panels:
            self.session.error.emit("Open a panel first (View menu).")
            return False
        title, ok = QInputDialog.getItem(self.window, "Export panel", "Panel:", list(panels), 0, False)
        if not ok:
            return False
        path, _ = QFileDialog.getSaveFileName(self.window, "Export panel as PNG",
                                              panels[title] + ".png", "PNG image (*.png)")
        return bool(path) and self.export_panel_png(panels[title], path)

    def export_panel_png(self, key: str, path: str) -> bool:
        """Save a picture of panel ``key`` (its plots as drawn) to ``path``."""
        if not path.lower().endswith(".png"):
            path += ".png"
        if not self.window.panels[key].grab().save(path):
            self.session.error.emit(f"Could not write {path}.")
            return False
        self.session.message.emit(f"Saved a picture of the panel to {path}.")
        return True
