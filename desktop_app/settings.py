"""Where LayerLab keeps its settings (window layout, last project).

Set the environment variable ``LAYERLAB_SETTINGS_DIR`` to keep them in an INI
file in that folder instead of the user's settings store: the tests do, so they
never read the developer's settings nor depend on each other."""
from __future__ import annotations

import os

from PySide6.QtCore import QSettings

ORGANIZATION = "LayerLab"
APPLICATION = "LayerLab"


def app_settings() -> QSettings:
    folder = os.environ.get("LAYERLAB_SETTINGS_DIR")
    if folder:
        return QSettings(os.path.join(folder, "layerlab.ini"), QSettings.IniFormat)
    return QSettings(ORGANIZATION, APPLICATION)
