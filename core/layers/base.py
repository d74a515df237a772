"""The :class:`Layer` contract every layer follows.

A layer is a forward/backward pair with an explicit cache (as in cs231n):

* ``forward(x, training=False, rng=None) -> (out, cache)``
  ``x`` is batch first: ``(N, features)`` or images ``(N, C, H, W)``.
  ``cache`` is a dict of the intermediates backward needs; the debugger shows
  them (``"x"``, ``"net"``, ``"out"``, a dropout ``"mask"``, ...).
* ``backward(dout, cache) -> (dx, grads)``
  ``dout = ∂E/∂out`` has the shape of ``out``; ``dx = ∂E/∂x`` the shape of ``x``;
  ``grads`` has the same keys as ``params`` and ``grads[k]`` the shape of
  ``params[k]`` (frozen parameters still get their gradient: the debugger
  shows it, the optimizer skips it).

Shapes never include the batch axis: ``output_shape((2,)) == (units,)``.
Parameters are created by ``build(input_shape, rng, dtype)``, which the
:class:`~core.network.Network` calls whenever the stack is edited.
"""
from __future__ import annotations

import numpy as np

from ..errors import ConfigError, InputError, ShapeError


class ParamDict(dict):
    """``params`` of a layer: assigning an array of the right shape copies it in
    (as the layer's dtype). A wrong shape raises ShapeError; a name the layer
    does not have raises ConfigError; values that are not numbers raise InputError.

    Before the layer is built (no array yet under ``name``) any shape is taken:
    ``build`` keeps it if it fits the input and re-initialises it otherwise."""

    def __init__(self, owner: "Layer"):
        super().__init__()
        self._owner = owner

    def __setitem__(self, name, value):
        self._owner._check_param(name)
        try:
            value = np.asarray(value)
        except ValueError:              # ragged nested lists
            raise InputError(f"{self._owner.name}.params[{name!r}] must be a rectangular array of "
                             f"numbers; the rows given have different lengths.") from None
        if value.dtype.kind not in "iuf":
            raise InputError(f"{self._owner.name}.params[{name!r}] must hold real numbers, "
                             f"got {value.dtype} values.")
        if name in self:
            old = dict.__getitem__(self, name)
            if value.shape != old.shape:
                raise ShapeError(
                    f"{self._owner.name}.params[{name!r}] has shape {old.shape}; "
                    f"the array given has shape {value.shape}.")
            value = value.astype(old.dtype, copy=True)
        super().__setitem__(name, value)

    def __missing__(self, name):
        """Reading a parameter before the layer has one: say how to build it."""
        self._owner._check_param(name)
        raise ConfigError(f"{self._owner.name} has no weights yet: put it in a Network, which builds it "
                          f"for its input, or call build(input_shape, rng) first.")

    def set_array(self, name: str, value: np.ndarray) -> None:
        """Bind ``name`` to ``value`` itself, without a copy or a shape check.

        For the engine's own use (build, optimizers): an update binds a *new*
        array rather than writing into the old one, so a view still holding the
        old array never sees it change."""
        super().__setitem__(name, value)


class Layer:
    """Base class; subclasses implement ``output_shape``, ``forward``, ``backward``
    and, if they have parameters, ``init_params``."""

    #: parameter names this layer kind owns, e.g. ("W", "b")
    param_names: tuple[str, ...] = ()

    def __init__(self):
        self.params: ParamDict = ParamDict(self)
        self.frozen: set[str] = set()
        self.input_shape: tuple[int, ...] | None = None
        self.name: str = type(self).__name__

    # --- shape inference -------------------------------------------------
    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Shape of one output sample for one input sample; raises ShapeError."""
        raise NotImplementedError

    def build(self, input_shape, rng: np.random.Generator, dtype=np.float64) -> tuple[int, ...]:
        """Check ``input_shape``, (re)create parameters if their shapes changed,
        and return the output shape. Existing parameters of the right shape keep
        their values, so editing one layer does not re-initialise the others."""
        input_shape = tuple(int(d) for d in input_shape)
        out_shape = self.output_shape(input_shape)
        wanted = self.param_shapes(input_shape)
        stale = any(k not in self.params or self.params[k].shape != s or self.params[k].dtype != dtype
                    for k, s in wanted.items())
        if stale:
            for k, v in self.init_params(input_shape, rng, np.dtype(dtype)).items():
                self.params.set_array(k, v)
        self.input_shape = input_shape
        return out_shape

    def param_shapes(self, input_shape: tuple[int, ...]) -> dict[str, tuple[int, ...]]:
        """Shapes the parameters must have for ``input_shape`` (none by default)."""
        return {}

    def init_params(self, input_shape, rng, dtype) -> dict[str, np.ndarray]:
        """Fresh parameter arrays for ``input_shape``."""
        return {}

    # --- computation -------------------------------------------------------
    def forward(self, x: np.ndarray, training: bool = False, rng=None):
        raise NotImplementedError

    def backward(self, dout: np.ndarray, cache: dict):
        raise NotImplementedError

    # --- parameters --------------------------------------------------------
    def param_count(self) -> int:
        return int(sum(p.size for p in self.params.values()))

    def freeze(self, *names: str) -> None:
        """Exclude parameters from updates (the lecture's example never updates its biases)."""
        for n in names:
            self._check_param(n)
            self.frozen.add(n)

    def unfreeze(self, *names: str) -> None:
        for n in names:
            self._check_param(n)
            self.frozen.discard(n)

    def _check_param(self, name: str) -> None:
        if name not in self.param_names:
            have = ", ".join(self.param_names) or "no parameters"
            raise ConfigError(f"{self.name} has no parameter {name!r} (it has {have}).")

    # --- description -------------------------------------------------------
    def config(self) -> dict:
        """Constructor arguments, enough to rebuild the layer: ``type(self)(**config())``."""
        return {}

    def spec(self) -> dict:
        """A JSON-able description for project files: type, config and frozen names."""
        return {"type": type(self).__name__, "config": self.config(), "frozen": sorted(self.frozen)}

    def units(self, output_shape: tuple[int, ...]) -> int:
        """How many "units" the debugger steps through in this layer: neurons of a
        dense layer, channels of an image layer, elements otherwise."""
        return output_shape[0] if len(output_shape) == 3 else int(np.prod(output_shape))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items())
        return f"{type(self).__name__}({args})"


def check_positive_int(value, what: str, layer: str) -> int:
    """Validate a size argument: a whole number ≥ 1."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ConfigError(f"{layer}: {what} must be a whole number ≥ 1, got {value!r}.")
    return int(value)
