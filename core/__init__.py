"""LayerLab's numerical engine: layers, losses, networks, optimizers, the
step-through debugger and data loading, in plain numpy. Never imports Qt."""
from .errors import ConfigError, DataError, InputError, LayerLabError, ShapeError
from .layers import Activation, Dense, Layer
from .network import Network
from .project_file import Project, load_project, save_project

__all__ = ["Network", "Layer", "Dense", "Activation",
           "LayerLabError", "ConfigError", "ShapeError", "InputError", "DataError",
           "save_project", "load_project", "Project"]
