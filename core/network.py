"""An ordered stack of layers with a loss: shape inference, parameter counts,
inference, one-shot forward/backward, and whole training steps.

    net = Network([Dense(2, activation="sigmoid"), Dense(2, activation="sigmoid")],
                  input_shape=(2,), loss="half_sse")
    loss, grads = net.forward_backward(x, y)   # grads[i] has the keys of net.layers[i].params
    step = net.train_step(x, y, optimizer)     # forward, backward and update in one call

Shapes are inferred on construction and on every edit (``insert``, ``append``,
``remove``, ``move``, ``replace``). An edit that makes the stack invalid raises
:class:`~core.errors.ShapeError` naming the layer and both shapes, and leaves the
network as it was. Layers are kept in a tuple so they cannot be changed behind
the network's back.

When the loss is ``"cross_entropy"`` and the last layer ends in softmax, the two
are fused: the loss is computed from the last layer's ``net`` (the logits) and
backward starts from δ = softmax(net) − y, which never divides by a tiny
probability.
"""
from __future__ import annotations

import copy
import math
from typing import NamedTuple

import numpy as np

from .errors import ConfigError, InputError, ShapeError
from .layers.base import Layer
from .losses import Loss, get_loss


class TrainStep(NamedTuple):
    """What ``Network.train_step`` returns."""
    loss: float
    #: the network's output, or its logits when softmax is fused into the loss
    out: np.ndarray
    #: the gradients (``grads[i]`` keyed like ``layers[i].params``), kept only when asked for
    grads: list | None


class Network:
    """``Network(layers, input_shape, loss="mse", dtype=np.float64, seed=0)``

    ``layers`` a list of layers, in order; ``input_shape`` one sample's shape
    without the batch axis ((2,) or (1, 28, 28)); ``loss`` "mse", "half_sse" or
    "cross_entropy"; ``dtype`` float64 (exact teaching numbers) or float32
    (speed); ``seed`` draws the initial weights and the dropout masks.
    ``shapes[i]`` is layer i's output shape for one sample."""

    def __init__(self, layers, input_shape, loss="mse", dtype=np.float64, seed: int = 0):
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ConfigError(f"dtype must be float32 or float64, got {self.dtype}.")
        self.input_shape = _as_shape(input_shape)
        self.loss: Loss = get_loss(loss)
        self.seed = check_seed(seed)
        self.rng = np.random.default_rng(self.seed)
        #: how many samples the last forward pass with caches had (optimizers read it)
        self.last_batch_size = 0
        self._layers: tuple[Layer, ...] = ()
        self.shapes: list[tuple[int, ...]] = []
        if isinstance(layers, (Layer, str)) or not hasattr(layers, "__iter__"):
            raise ConfigError(f"Network takes a list of layers, like Network([Dense(2)], input_shape=(2,)); "
                              f"got {layers!r}.")
        self._set_layers(list(layers))

    # --- the stack -----------------------------------------------------------
    @property
    def layers(self) -> tuple[Layer, ...]:
        return self._layers

    @property
    def output_shape(self) -> tuple[int, ...]:
        return self.shapes[-1] if self.shapes else self.input_shape

    def _set_layers(self, layers: list[Layer]) -> None:
        """Build ``layers`` on the input shape; commit them only if every layer fits."""
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise ConfigError(f"Item {i} of the stack is {layer!r}, not a layer.")
        shapes = infer_shapes(layers, self.input_shape, self.rng, self.dtype)
        self._check_loss_fits(layers)
        self._layers, self.shapes = tuple(layers), shapes

    def _check_loss_fits(self, layers) -> None:
        if self.loss.takes_logits and layers:
            act = getattr(layers[-1], "activation", None)
            if act is not None and act.name not in ("softmax", "identity"):
                raise ConfigError(
                    f"cross_entropy needs the last layer to end in softmax or to output raw scores, "
                    f"but it ends in {act.name}. Use activation='softmax' on the last layer.")

    def insert(self, index: int, layer: Layer) -> None:
        layers = list(self._layers)
        layers.insert(index, layer)
        self._set_layers(layers)

    def append(self, layer: Layer) -> None:
        self.insert(len(self._layers), layer)

    def remove(self, index: int) -> Layer:
        layers = list(self._layers)
        removed = layers.pop(self._index(index))
        self._set_layers(layers)
        return removed

    def move(self, src: int, dst: int) -> None:
        layers = list(self._layers)
        layers.insert(dst, layers.pop(self._index(src)))
        self._set_layers(layers)

    def replace(self, index: int, layer: Layer) -> None:
        layers = list(self._layers)
        layers[self._index(index)] = layer
        self._set_layers(layers)

    def set_loss(self, loss) -> None:
        old, self.loss = self.loss, get_loss(loss)
        try:
            self._check_loss_fits(self._layers)
        except ConfigError:
            self.loss = old
            raise

    def _index(self, index: int) -> int:
        n = len(self._layers)
        if not -n <= index < n:
            raise ConfigError(f"Layer index {index} is out of range: the network has {n} layers "
                              f"(indices 0..{n - 1}, or −1 for the last).")
        return index % n

    # --- counting ------------------------------------------------------------
    def param_count(self) -> int:
        """Total number of parameters (weights and biases, frozen ones too)."""
        return sum(layer.param_count() for layer in self._layers)

    def param_counts(self) -> list[int]:
        return [layer.param_count() for layer in self._layers]

    @property
    def fused_softmax(self) -> bool:
        """True when the loss takes the last layer's ``net`` (softmax fused into cross-entropy)."""
        return (self.loss.takes_logits and bool(self._layers)
                and getattr(self._layers[-1], "activation", None) is not None
                and self._layers[-1].activation.name == "softmax")

    # --- computing -----------------------------------------------------------
    def check_input(self, x) -> np.ndarray:
        """``x`` as a batch of this network's dtype; raises ShapeError or InputError."""
        x = as_array(x, "The input")
        if x.shape[1:] != self.input_shape:
            raise ShapeError(f"The network takes samples of shape {self.input_shape} "
                             f"(a batch of shape (N, {', '.join(map(str, self.input_shape))})); "
                             f"got an array of shape {x.shape}.")
        if x.shape[0] == 0:
            raise InputError("The batch is empty.")
        if x.dtype.kind not in "iuf":     # signed, unsigned, float: real numbers (not bool, complex, text)
            raise InputError(f"Inputs must be real numbers, got dtype {x.dtype}.")
        x = x.astype(self.dtype, copy=False)
        if not np.isfinite(x).all():
            raise InputError("The input contains NaN or infinite values; clean or drop those samples first.")
        return x

    @staticmethod
    def check_targets(y, finite: bool = True) -> np.ndarray:
        """``y`` as an array of real numbers, and with ``finite`` also checked for
        NaN and inf; raises InputError.

        Whether its shape fits the output is the loss's check (it depends on
        the loss: cross-entropy also takes integer labels)."""
        y = as_array(y, "The targets")
        if y.dtype.kind not in "iuf":
            raise InputError(f"The targets must be real numbers, got dtype {y.dtype}.")
        if finite and y.dtype.kind == "f" and not np.isfinite(y).all():
            raise InputError("The targets contain NaN or infinite values; clean or drop those samples first.")
        return y

    def forward(self, x, training: bool = False, rng=None) -> np.ndarray:
        """Inference: the network's output for ``x``.

        ``x`` is a batch ``(N, *input_shape)``; a single sample of ``input_shape``
        is accepted too and gives a single output."""
        x = as_array(x, "The input")
        single = x.shape == self.input_shape
        out = self.check_input(x[None] if single else x)
        for layer in self._layers:
            out, _ = layer.forward(out, training, rng or self.rng)
        return out[0] if single else out

    def forward_layers(self, x, training: bool = True, rng=None, logits: bool = False):
        """Forward through every layer, keeping each cache: returns ``(out, caches)``.

        ``logits=True`` (when softmax is fused into the loss) stops the last layer
        at its logits: ``out`` is then the last layer's ``net`` and its cache has
        no ``"out"``: all the loss and backward need, one softmax fewer."""
        out, caches = self.check_input(x), []
        self.last_batch_size = len(out)
        last = len(self._layers) - 1
        for i, layer in enumerate(self._layers):
            if logits and i == last:
                out, cache = layer.forward_logits(out)
            else:
                out, cache = layer.forward(out, training, rng or self.rng)
            caches.append(cache)
        return out, caches

    def loss_input(self, out, caches) -> np.ndarray:
        """What the loss sees: the output, or the last layer's logits when softmax is fused."""
        return caches[-1]["net"] if self.fused_softmax else out

    def backward_layer(self, index: int, dout, cache):
        """Backward through layer ``index``; for the last layer of a fused softmax,
        ``dout`` is already δ = ∂E/∂net."""
        layer = self._layers[index]
        if index == len(self._layers) - 1 and self.fused_softmax:
            return layer.backward_delta(dout, cache)
        return layer.backward(dout, cache)

    def forward_backward(self, x, y, training: bool = True, rng=None):
        """One pass: ``(loss, grads)`` with ``grads[i]`` keyed like ``layers[i].params``.

        The same numbers as ``backward_layer`` for every layer, except that the
        first layer's ∂E/∂x, which nothing uses, is not computed when the layer
        offers ``backward_params``."""
        loss, grads, _ = self._forward_backward(x, y, training, rng)
        return loss, grads

    def train_step(self, x, y, optimizer, training: bool = True, rng=None,
                   keep_grads: bool = False) -> TrainStep:
        """One training step on the batch ``(x, y)``: forward, loss, backward and the
        ``optimizer``'s update. Returns a :class:`TrainStep`: the loss before the update,
        the network's output (its logits when softmax is fused into the loss: the same
        argmax) and, with ``keep_grads``, the gradients as ``forward_backward`` gives them.

        The new weights are those of ``forward_backward`` then ``optimizer.step``, bit for
        bit, but each layer is updated as soon as its backward has run (after its ∂E/∂x,
        which needs the old weights), while its weights and gradients are still in the
        CPU cache; without ``keep_grads`` the update may also write over the gradients
        instead of making new arrays. Together that makes a batch-1 step of LeNet-5 or
        of the MLP 784-128-64-10 in float64 11–16 % faster. A loss that is not finite
        updates nothing."""
        loss, grads, z = self._forward_backward(x, y, training, rng, optimizer, keep_grads)
        return TrainStep(loss, z, grads if keep_grads else None)

    def _forward_backward(self, x, y, training, rng, optimizer=None, keep_grads=True):
        """``(loss, grads, z)``, z what the loss took; with an ``optimizer``, each layer
        is updated right after its backward (writing over its gradients unless
        ``keep_grads``), and a loss that is not finite stops before backward (grads None)."""
        layers, fused = self._layers, self.fused_softmax
        z, caches = self.forward_layers(x, training, rng, logits=fused)
        y = self.check_targets(y, finite=False)
        loss, d = self.loss.value_and_grad(z, y)
        if not math.isfinite(loss):
            # NaN targets give a NaN loss: look for them only then (a diverged
            # network gives one too, and must not raise), so a healthy step pays nothing
            self.check_targets(y)
            if optimizer is not None:
                return loss, None, z
        last = len(layers) - 1
        grads = [None] * len(layers)
        for i in range(last, -1, -1):
            layer, cache = layers[i], caches[i]
            if fused and i == last:
                d, grads[i] = layer.backward_delta(d, cache)
            elif i == 0 and hasattr(layer, "backward_params"):
                grads[i] = layer.backward_params(d, cache)
            else:
                d, grads[i] = layer.backward(d, cache)
            if optimizer is not None and grads[i]:
                optimizer.update_layer(self, i, grads[i], own_grads=not keep_grads)
        return loss, grads, z

    def evaluate(self, x, y) -> float:
        """Loss on ``(x, y)`` without dropout and without gradients."""
        out, caches = self.forward_layers(x, training=False)
        return self.loss.value(self.loss_input(out, caches), self.check_targets(y))

    # --- weights and description ---------------------------------------------
    def get_weights(self) -> list[dict[str, np.ndarray]]:
        return [{k: v.copy() for k, v in layer.params.items()} for layer in self._layers]

    def set_weights(self, weights) -> None:
        """Assign ``weights[i][name]`` to ``layers[i].params[name]`` (same shapes, as from
        :meth:`get_weights`); a dict may leave names out."""
        weights = list(weights)
        if len(weights) != len(self._layers):
            raise ShapeError(f"Got weights for {len(weights)} layers, but the network has "
                             f"{len(self._layers)}: give one dict per layer ({{}} for a layer without parameters).")
        for layer, w in zip(self._layers, weights):
            for k, v in w.items():
                layer.params[k] = v

    def copy(self) -> "Network":
        return copy.deepcopy(self)

    def spec(self) -> dict:
        """JSON-able description of the architecture (no weights)."""
        return {"input_shape": list(self.input_shape), "loss": self.loss.name,
                "dtype": self.dtype.name, "seed": self.seed,
                "layers": [layer.spec() for layer in self._layers]}

    @classmethod
    def from_spec(cls, spec: dict) -> "Network":
        from .layers import layer_from_spec
        return cls([layer_from_spec(s) for s in spec["layers"]], tuple(spec["input_shape"]),
                   loss=spec.get("loss", "mse"), dtype=spec.get("dtype", "float64"),
                   seed=spec.get("seed", 0))

    def summary(self) -> str:
        """A table of layers, output shapes and parameter counts."""
        rows = [f"{'#':>2}  {'layer':<34} {'output shape':<16} {'params':>9}",
                f"{'':>2}  {'input':<34} {str(self.input_shape):<16} {'':>9}"]
        for i, (layer, shape) in enumerate(zip(self._layers, self.shapes)):
            rows.append(f"{i:>2}  {layer!r:<34} {str(shape):<16} {layer.param_count():>9,}")
        rows.append(f"    total parameters: {self.param_count():,}   loss: {self.loss.name}")
        return "\n".join(rows)

    def __repr__(self) -> str:
        inner = ", ".join(repr(layer) for layer in self._layers)
        return f"Network([{inner}], input_shape={self.input_shape}, loss={self.loss.name!r})"


def as_array(data, what: str) -> np.ndarray:
    """``np.asarray(data)``; rows of different lengths raise InputError naming ``what``."""
    try:
        return np.asarray(data)
    except ValueError:
        raise InputError(f"{what} must be a rectangular array: its rows have different lengths.") from None


def check_seed(seed) -> int:
    """A random seed: a whole number ≥ 0 (the same seed gives the same numbers)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError(f"seed must be a whole number ≥ 0, like 0 or 42; got {seed!r}.")
    return int(seed)


def _as_shape(shape) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    shape = tuple(shape)
    if not shape or any(isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1 for d in shape):
        raise ConfigError(f"input_shape must be positive whole numbers, like (2,) or (1, 28, 28); got {shape!r}.")
    return tuple(int(d) for d in shape)


def infer_shapes(layers, input_shape, rng=None, dtype=np.float64) -> list[tuple[int, ...]]:
    """Build each layer in turn and return their output shapes.

    Raises ShapeError whose ``layer_index`` names the first layer that does not fit."""
    rng = rng if rng is not None else np.random.default_rng(0)
    shapes, shape = [], _as_shape(input_shape)
    for i, layer in enumerate(layers):
        try:
            shape = layer.build(shape, rng, dtype)
        except ShapeError as e:
            before = "the input" if i == 0 else f"layer {i - 1} ({layers[i - 1]!r})"
            err = ShapeError(f"Layer {i} ({layer!r}) cannot follow {before}, whose output shape is "
                             f"{shape}: {e}")
            err.layer_index = i
            raise err from None
        shapes.append(shape)
    return shapes
