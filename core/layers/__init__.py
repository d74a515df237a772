"""Layers, one module per family. ``LAYER_TYPES`` maps a class name to its class
(project files and the builder palette use it)."""
from ..errors import ConfigError
from .activation import Activation
from .base import Layer
from .dense import Dense

LAYER_TYPES = {cls.__name__: cls for cls in (Dense, Activation)}


def layer_from_spec(spec: dict) -> Layer:
    """Rebuild a layer from ``layer.spec()``."""
    try:
        cls = LAYER_TYPES[spec["type"]]
    except KeyError:
        raise ConfigError(f"Unknown layer type {spec.get('type')!r}.") from None
    layer = cls(**spec.get("config", {}))
    layer.frozen = set(spec.get("frozen", ()))
    return layer


__all__ = ["Layer", "Dense", "Activation", "LAYER_TYPES", "layer_from_spec"]
