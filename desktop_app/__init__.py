"""LayerLab's desktop app (PySide6 + pyqtgraph): a window of panels over one
:class:`~desktop_app.session.SessionController`, which is the only caller of
the engine's debugger and training loop."""
import pyqtgraph as pg

# (H, W) arrays are drawn upright, as they are printed.
pg.setConfigOptions(imageAxisOrder="row-major")
