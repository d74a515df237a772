"""Layers, one module per family. ``LAYER_TYPES`` maps a class name to its class
(project files and the builder palette use it)."""
from ..errors import ConfigError
from .activation import Activation
from .base import Layer
from .conv import Conv2D
from .dense import Dense
from .dropout import Dropout
from .pooling import AvgPool2D, GlobalAvgPool2D, MaxPool2D
from .reshape import Flatten

LAYER_TYPES = {cls.__name__: cls for cls in (Dense, Activation, Conv2D, MaxPool2D, AvgPool2D,
                                              GlobalAvgPool2D, Flatten, Dropout)}


def layer_from_spec(spec: dict) -> Layer:
    """Rebuild a layer from ``layer.spec()``."""
    try:
        cls = LAYER_TYPES[spec["type"]]
    except KeyError:
        raise ConfigError(f"Unknown layer type {spec.get('type')!r}.") from None
    layer = cls(**spec.get("config", {}))
    layer.frozen = set(spec.get("frozen", ()))
    return layer


__all__ = ["Layer", "Dense", "Activation", "Conv2D", "MaxPool2D", "AvgPool2D", "GlobalAvgPool2D",
           "Flatten", "Dropout", "LAYER_TYPES", "layer_from_spec"]
