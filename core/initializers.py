"""Seeded weight initialisers.

An initialiser is named by a string or a dict with its settings:

* ``"normal"`` / ``{"name": "normal", "std": σ}`` — W ~ N(0, σ²), the lecture's choice (σ = 0.05 by default)
* ``"uniform"`` / ``{"name": "uniform", "limit": a}`` — W ~ U(−a, a) (a = 0.05 by default)
* ``"xavier"`` (alias ``"glorot"``) — U(−a, a) with a = √(6 / (fan_in + fan_out))
* ``"he"`` — N(0, 2 / fan_in), suited to ReLU
* ``"constant"`` / ``{"name": "constant", "value": c}`` — every entry c (0 by default)

Explicit values are set by assigning to ``layer.params[...]``.
"""
from __future__ import annotations

import numpy as np

from .errors import ConfigError

_DEFAULTS = {"normal": {"std": 0.05}, "uniform": {"limit": 0.05}, "xavier": {}, "he": {},
             "constant": {"value": 0.0}}
_ALIASES = {"glorot": "xavier", "zeros": "constant", "gaussian": "normal"}


def normalize_init(spec) -> dict:
    """Return ``{"name": ..., **settings}`` for a string or dict spec; unknown names raise ConfigError."""
    if isinstance(spec, str):
        spec = {"name": spec}
    if not isinstance(spec, dict) or "name" not in spec:
        raise ConfigError(f"An initialiser is a name or a dict with a 'name', got {spec!r}.")
    name = _ALIASES.get(str(spec["name"]).lower(), str(spec["name"]).lower())
    if name not in _DEFAULTS:
        raise ConfigError(f"Unknown initialiser {spec['name']!r}. Choose one of: {', '.join(_DEFAULTS)}.")
    settings = {**_DEFAULTS[name], **{k: v for k, v in spec.items() if k != "name"}}
    unknown = set(settings) - set(_DEFAULTS[name])
    if unknown:
        raise ConfigError(f"Initialiser {name!r} takes {sorted(_DEFAULTS[name]) or 'no settings'}, "
                          f"not {sorted(unknown)}.")
    for key, value in settings.items():
        _check_setting(name, key, value)
    return {"name": name, **settings}


def _check_setting(name: str, key: str, value) -> None:
    """A setting is a finite number; a spread (``std``, ``limit``) is also ≥ 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not np.isfinite(value):
        raise ConfigError(f"Initialiser {name!r}: {key} must be a finite number, got {value!r}.")
    if key in ("std", "limit") and value < 0:
        raise ConfigError(f"Initialiser {name!r}: {key} is a spread and must be ≥ 0, got {value!r}.")


def initialize(spec, shape, fan_in: int, fan_out: int, rng: np.random.Generator, dtype) -> np.ndarray:
    """An array of ``shape`` drawn as ``spec`` says, with ``rng``, as ``dtype``."""
    s = normalize_init(spec)
    name = s["name"]
    if name == "normal":
        w = rng.normal(0.0, s["std"], size=shape)
    elif name == "uniform":
        w = rng.uniform(-s["limit"], s["limit"], size=shape)
    elif name == "xavier":
        a = np.sqrt(6.0 / (fan_in + fan_out))
        w = rng.uniform(-a, a, size=shape)
    elif name == "he":
        w = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape)
    else:
        w = np.full(shape, s["value"])
    return w.astype(dtype)
