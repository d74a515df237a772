"""LayerLab's numerical engine: layers, losses, networks, optimizers, the
step-through debugger and data loading, in plain numpy. Never imports Qt."""
from .debugger import Debugger
from .errors import ConfigError, DataError, InputError, LayerLabError, ShapeError
from .layers import (Activation, AvgPool2D, Conv2D, Dense, Dropout, Flatten, GlobalAvgPool2D, Layer,
                     MaxPool2D)
from .memory import keep_freed_memory
from .network import Network
from .optimizers import (OPTIMIZERS, SGD, Adadelta, Adagrad, Adam, Momentum, Optimizer, RMSProp,
                         optimizer_from_spec)
from .project_file import Project, load_project, save_project
from .templates import TEMPLATES, Template
from .training import History, Trainer

__all__ = ["Debugger", "Network", "Layer", "Dense", "Activation",
           "Conv2D", "MaxPool2D", "AvgPool2D", "GlobalAvgPool2D", "Flatten", "Dropout",
           "LayerLabError", "ConfigError", "ShapeError", "InputError", "DataError",
           "save_project", "load_project", "Project",
           "Optimizer", "SGD", "Momentum", "Adagrad", "Adadelta", "Adam", "RMSProp",
           "OPTIMIZERS", "optimizer_from_spec",
           "Trainer", "History", "TEMPLATES", "Template", "keep_freed_memory"]
