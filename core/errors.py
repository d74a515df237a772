"""Exceptions raised by the engine.

Every message is written for a learner: it says what is wrong, names the layer
or value involved, and suggests a fix where one is known. All of them derive
from :class:`LayerLabError`, so a GUI can catch one type and show the text.
"""


class LayerLabError(Exception):
    """Base class of every error the engine raises on purpose."""


class ConfigError(LayerLabError, ValueError):
    """A layer, loss, optimizer or initialiser was given an invalid setting
    (an unknown activation name, a negative size, a rate outside [0, 1), ...)."""


class ShapeError(LayerLabError, ValueError):
    """Two shapes do not fit together: a layer cannot take its input, an array
    assigned to a parameter has the wrong shape, or data does not match the
    network's input."""


class InputError(LayerLabError, ValueError):
    """Data given to the engine is unusable: NaN or infinite values, labels out
    of range, an empty batch."""


class DataError(LayerLabError, ValueError):
    """A data file or image cannot be read: wrong format, truncated, missing."""
