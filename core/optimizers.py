"""Optimizers: how each parameter moves once its gradient is known.

Each optimizer follows the algorithm box of its ``torch.optim`` counterpart, with
the same hyperparameter names, defaults and state names, so numbers carry over
to PyTorch::

    opt = Adam(lr=0.001)
    loss, grads = net.forward_backward(x, y)
    opt.step(net, grads)               # every parameter that is not frozen
    opt.state[(1, "W")]["exp_avg"]     # m, the running mean of layer 1's ∂E/∂W

Notation of the formulas: θ a parameter, g = ∂E/∂θ its gradient, η the learning
rate ``lr``, t the number of updates this parameter has had (1 on the first).

State is kept per parameter, keyed ``(layer_index, param_name)``, as a dict of
arrays of the parameter's shape plus the step count ``"step"``. An update never
writes into an array anyone can see: state goes into a fresh dict of new arrays,
and a parameter that something besides its layer refers to (a view, a debugger
record, a GUI snapshot, a variable in a notebook) gets a new array, bound with
``layer.params.set_array``, so what they hold never changes. Only a parameter
that nothing but its layer refers to (checked with ``sys.getrefcount``) is
updated in its own memory after a batch of one, as ``torch.optim`` updates in
place: a plain training loop then allocates no weight arrays and keeps the CPU
cache for the rest of the step (≈ 4 % of a float64 batch-1 step of the
784-128-64-10 MLP). After larger batches a new array is faster (see ``step``).
``Network.train_step``'s gradients are its own, seen by no one: there the step
η·g is computed into the gradient's memory (``update_layer(own_grads=True)``).
Float32 parameters stay float32: hyperparameters are Python floats, which numpy
does not let upcast an array.
"""
from __future__ import annotations

import inspect
import math
import sys

import numpy as np

from .errors import ConfigError, ShapeError


class Hyper(dict):
    """An optimizer's hyperparameters. Setting one checks the new value and raises
    ConfigError, keeping the old value, when it is invalid or unknown."""

    def __init__(self, owner: type, values: dict):
        super().__init__(owner.check_hyper(dict(values)))
        self._owner = owner

    def __setitem__(self, name, value):
        self.update({name: value})

    def update(self, values=(), **more):
        values = {**dict(values), **more}
        unknown = sorted(set(values) - set(self))
        if unknown:
            raise ConfigError(f"{self._owner.__name__} has no hyperparameter {unknown[0]!r}; "
                              f"it has {', '.join(self)}.")
        dict.update(self, self._owner.check_hyper({**self, **values}))

    def __reduce__(self):
        # copy.deepcopy and pickle rebuild through the constructor, which checks the values.
        return (Hyper, (self._owner, dict(self)))


class Optimizer:
    """Base class: subclasses give ``name``, ``check_hyper``, ``formula`` and ``rule``."""

    name = ""
    #: state name → the symbol the formula uses for it (the GUI labels state with these)
    symbols: dict[str, str] = {}

    def __new__(cls, *args, **hyper):
        # A setting the optimizer does not have (SGD(momentum=0.9)) gets a message that
        # names the ones it has, rather than Python's bare "unexpected keyword argument".
        params = inspect.signature(cls.__init__).parameters
        known = [p for p in params if p != "self"]
        takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
        unknown = [] if takes_any else [name for name in hyper if name not in known]
        if unknown:
            hint = " For gradient descent with momentum use Momentum(lr=..., momentum=0.9)." \
                if cls.__name__ == "SGD" and "momentum" in unknown else ""
            raise ConfigError(f"{cls.__name__} has no hyperparameter {unknown[0]!r}; it has "
                              f"{', '.join(known)}.{hint}")
        return super().__new__(cls)

    def __init__(self, **hyper):
        object.__setattr__(self, "hyper", Hyper(type(self), hyper))
        self.state: dict[tuple[int, str], dict] = {}

    # --- hyperparameters, also readable and settable as attributes: opt.lr ----
    def __getattr__(self, name):
        hyper = self.__dict__.get("hyper")
        if hyper is not None and name in hyper:
            return hyper[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __setattr__(self, name, value):
        if name in self.__dict__.get("hyper", ()):
            self.hyper[name] = value
        elif name == "hyper" and "hyper" in self.__dict__:
            self.hyper.update(value)              # opt.hyper = {...} sets the values given, checked
        else:
            object.__setattr__(self, name, value)

    @classmethod
    def check_hyper(cls, h: dict) -> dict:
        """Return ``h`` with values normalised (floats, bools, tuples); raise ConfigError if invalid."""
        return {"lr": _number(h["lr"], "lr", cls.name, low=0.0)}

    @property
    def formula(self) -> str:
        """The update rule as Unicode text, for the current hyperparameters."""
        raise NotImplementedError

    # --- updating ------------------------------------------------------------
    def step(self, net, grads) -> None:
        """Update every parameter of ``net`` that is not frozen; ``grads[i]`` is keyed
        like ``net.layers[i].params`` (as ``Network.forward_backward`` returns it)."""
        if len(grads) != len(net.layers):
            raise ShapeError(f"{self.name}.step got gradients for {len(grads)} layers, "
                             f"but the network has {len(net.layers)}.")
        for i, layer_grads in enumerate(grads):
            if layer_grads:
                self.update_layer(net, i, layer_grads)

    def update_layer(self, net, index: int, grads: dict, own_grads: bool = False) -> None:
        """Update the parameters of ``net.layers[index]`` that are not frozen, from
        ``grads`` keyed like its ``params``: ``step`` does this for every layer,
        ``Network.train_step`` as soon as a layer's backward has run.

        ``own_grads=True`` is for ``train_step``'s own gradients, made by the layers and
        read by no one afterwards: they are not checked, and the step η·g goes into g's
        memory instead of a new array (at batch 1 that is 4–6 % of a LeNet-5 step)."""
        layer = net.layers[index]
        params, frozen, update = layer.params, layer.frozen, self.update
        # In place only after a batch of one: at larger batches numpy's matrix products run on
        # several cores, which then all hold θ in their caches, and writing into θ makes each
        # core give its copy up — slower than a new array (2× for the MLP's 784×128 at batch 64).
        in_place = getattr(net, "last_batch_size", 0) == 1
        for name, g in grads.items():
            if name in frozen:
                continue
            w = params[name]
            # refcount 3 = the layer's dict, `w` and getrefcount's argument: no view,
            # record or other name holds w, so no one can see it change
            alone = in_place and sys.getrefcount(w) == 3 and w.base is None
            new = update((index, name), w, g, w if alone else None, own_grads)
            if new is not w:
                params.set_array(name, new)

    def update(self, key, w: np.ndarray, g, out: np.ndarray | None = None,
               own_grad: bool = False) -> np.ndarray:
        """The new value of one parameter ``w`` given its gradient ``g``: a new array,
        or ``out`` (``w`` itself, when ``step`` found no one else holding it) written over.

        Replaces ``self.state[key]`` by a new dict (with ``"step"`` counted up)
        and leaves the old state untouched, and ``w`` unless it is ``out``; ``g``
        too, unless ``own_grad`` (see ``update_layer``) lets the rule write into it."""
        if own_grad:
            spare = g
        else:
            if not (type(g) is np.ndarray and g.dtype == w.dtype):
                g = np.asarray(g, dtype=w.dtype)
            if g.shape != w.shape:
                raise ShapeError(f"The gradient for {key} has shape {g.shape}, "
                                 f"but the parameter has shape {w.shape}.")
            spare = None
        old = self.state.get(key)
        t = 1 if old is None else old["step"] + 1
        new_w, new_state = self.rule(w, g, old or {}, t, self.hyper, out, spare)
        new_state["step"] = t
        self.state[key] = new_state
        return new_w

    def rule(self, w, g, state: dict, t: int, h: dict, out=None, spare=None):
        """One step of the algorithm: ``(new θ, new state arrays)`` from θ, g, the
        old state (empty before the first step), the step count t and the
        hyperparameters; the new θ goes into ``out`` when it is given (numpy's ``out=``;
        it may be θ itself, so θ is read only by the ufunc that writes ``out``).
        ``spare``, when given, is an array of θ's shape the rule may use for the step it
        subtracts (see ``descend``); it may be g itself, so g is not read after that."""
        raise NotImplementedError

    # --- state -----------------------------------------------------------------
    def get_state(self) -> dict:
        """A deep copy of the per-parameter state (for stepping back and project files)."""
        return _copy_state(self.state)

    def set_state(self, state) -> None:
        """Replace the state by a copy of ``state`` (as returned by ``get_state``)."""
        if not isinstance(state, dict) or not all(isinstance(s, dict) and "step" in s
                                                   for s in state.values()):
            raise ConfigError(f"{self.name}.set_state needs a dict like get_state() returns: "
                              f"{{(layer_index, param_name): {{'step': int, ...}}}}.")
        self.state = _copy_state(state)

    def reset(self) -> None:
        """Forget all state: the next update is everyone's step 1."""
        self.state = {}

    def spec(self) -> dict:
        """JSON-able description: ``{"type": "Adam", "hyper": {...}}`` (tuples become lists)."""
        return {"type": type(self).__name__,
                "hyper": {k: list(v) if isinstance(v, tuple) else v for k, v in self.hyper.items()}}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyper.items())
        return f"{type(self).__name__}({args})"


def descend(w, rate, direction, out=None, spare=None) -> np.ndarray:
    """θ − rate·direction, the last line of every rule: into ``out`` (θ itself for an
    update in place) or a new array. rate·direction is computed into ``spare`` when
    given, rather than into a new array the size of θ."""
    return np.subtract(w, np.multiply(direction, rate, out=spare), out=out)


class SGD(Optimizer):
    """Plain gradient descent, the lecture's rule w′ = w − η ∇f(w) (torch.optim.SGD without momentum)."""

    name = "SGD"

    def __init__(self, lr=0.001):                # torch.optim.SGD's default
        super().__init__(lr=lr)

    @property
    def formula(self):
        return "θ ← θ − η·g"

    def rule(self, w, g, state, t, h, out=None, spare=None):
        if out is None:       # θ − η·g as (−η·g) + θ: the same bits, one new array, no temporary
            new = g * -h["lr"]
            new += w
            return new, {}
        return descend(w, h["lr"], g, out, spare), {}


class Momentum(Optimizer):
    """torch.optim.SGD with momentum μ and dampening τ; the buffer b starts as g itself.

        b ← μ·b + (1 − τ)·g          (b = g on the first step)
        θ ← θ − η·b                  nesterov: θ ← θ − η·(g + μ·b)

    Defaults are torch's, except μ = 0.9 (torch's 0 would make this plain SGD).
    """

    name = "Momentum"
    symbols = {"momentum_buffer": "b"}

    def __init__(self, lr=0.001, momentum=0.9, dampening=0.0, nesterov=False):
        super().__init__(lr=lr, momentum=momentum, dampening=dampening, nesterov=nesterov)

    @classmethod
    def check_hyper(cls, h):
        out = {**super().check_hyper(h),
               "momentum": _number(h["momentum"], "momentum", cls.name, low=0.0, below=1.0),
               "dampening": _number(h["dampening"], "dampening", cls.name, low=0.0, high=1.0),
               "nesterov": _flag(h["nesterov"], "nesterov", cls.name)}
        if out["nesterov"] and (out["momentum"] == 0.0 or out["dampening"] != 0.0):
            raise ConfigError("Momentum: Nesterov momentum needs momentum > 0 and dampening = 0 "
                              f"(got momentum={out['momentum']}, dampening={out['dampening']}).")
        return out

    @property
    def formula(self):
        last = "θ ← θ − η·(g + μ·b)" if self.hyper["nesterov"] else "θ ← θ − η·b"
        return f"b ← μ·b + (1 − τ)·g   (b = g at t = 1)\n{last}"

    def rule(self, w, g, state, t, h, out=None, spare=None):
        mu = h["momentum"]
        b = state.get("momentum_buffer")
        # A copy: the buffer must not be the caller's gradient array.
        b = g.copy() if b is None else mu * b + (1.0 - h["dampening"]) * g
        direction = g + mu * b if h["nesterov"] else b
        return descend(w, h["lr"], direction, out, spare), {"momentum_buffer": b}


class Adagrad(Optimizer):
    """torch.optim.Adagrad: each weight's step shrinks with the sum of its squared gradients.

        s ← s + g²                   (s starts at initial_accumulator_value)
        θ ← θ − η / (1 + (t − 1)·lr_decay) · g / (√s + ε)
    """

    name = "Adagrad"
    symbols = {"sum": "s"}

    def __init__(self, lr=0.01, lr_decay=0.0, eps=1e-10, initial_accumulator_value=0.0):
        super().__init__(lr=lr, lr_decay=lr_decay, eps=eps,
                         initial_accumulator_value=initial_accumulator_value)

    @classmethod
    def check_hyper(cls, h):
        return {**super().check_hyper(h),
                "lr_decay": _number(h["lr_decay"], "lr_decay", cls.name, low=0.0),
                "eps": _number(h["eps"], "eps", cls.name, low=0.0),
                "initial_accumulator_value": _number(h["initial_accumulator_value"],
                                                     "initial_accumulator_value", cls.name, low=0.0)}

    @property
    def formula(self):
        return "s ← s + g²\nθ ← θ − η / (1 + (t − 1)·lr_decay) · g / (√s + ε)"

    def rule(self, w, g, state, t, h, out=None, spare=None):
        s = state.get("sum")
        if s is None:
            s = np.full(w.shape, h["initial_accumulator_value"], w.dtype)
        s = s + g * g
        step_lr = h["lr"] / (1.0 + (t - 1) * h["lr_decay"])
        return descend(w, step_lr, g / (np.sqrt(s) + h["eps"]), out, spare), {"sum": s}


class Adadelta(Optimizer):
    """torch.optim.Adadelta: the step is scaled by the ratio of running RMS of past
    steps to running RMS of gradients, so lr = 1 needs no tuning.

        v ← ρ·v + (1 − ρ)·g²
        Δ ← √(u + ε) / √(v + ε) · g
        u ← ρ·u + (1 − ρ)·Δ²
        θ ← θ − η·Δ
    """

    name = "Adadelta"
    symbols = {"square_avg": "v", "acc_delta": "u"}

    def __init__(self, lr=1.0, rho=0.9, eps=1e-6):
        super().__init__(lr=lr, rho=rho, eps=eps)

    @classmethod
    def check_hyper(cls, h):
        return {**super().check_hyper(h),
                "rho": _number(h["rho"], "rho", cls.name, low=0.0, high=1.0),
                "eps": _number(h["eps"], "eps", cls.name, low=0.0)}

    @property
    def formula(self):
        return "v ← ρ·v + (1 − ρ)·g²\nΔ ← √(u + ε) / √(v + ε) · g\nu ← ρ·u + (1 − ρ)·Δ²\nθ ← θ − η·Δ"

    def rule(self, w, g, state, t, h, out=None, spare=None):
        rho, eps = h["rho"], h["eps"]
        v = state.get("square_avg")
        u = state.get("acc_delta")
        if v is None:
            v, u = np.zeros(w.shape, w.dtype), np.zeros(w.shape, w.dtype)
        v = rho * v + (1.0 - rho) * (g * g)
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u = rho * u + (1.0 - rho) * (delta * delta)
        return descend(w, h["lr"], delta, out, spare), {"square_avg": v, "acc_delta": u}


class Adam(Optimizer):
    """torch.optim.Adam: momentum on g and a per-weight scale from g², both bias-corrected.

        m ← β₁·m + (1 − β₁)·g
        v ← β₂·v + (1 − β₂)·g²
        m̂ = m / (1 − β₁ᵗ)    v̂ = v / (1 − β₂ᵗ)
        θ ← θ − η·m̂ / (√v̂ + ε)
    """

    name = "Adam"
    symbols = {"exp_avg": "m", "exp_avg_sq": "v"}

    def __init__(self, lr=0.001, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(lr=lr, betas=betas, eps=eps)

    @classmethod
    def check_hyper(cls, h):
        betas = h["betas"]
        if isinstance(betas, (str, bytes)) or np.ndim(betas) != 1 or len(betas) != 2:
            raise ConfigError(f"Adam: betas must be a pair (β₁, β₂) like (0.9, 0.999), got {betas!r}.")
        return {**super().check_hyper(h),
                "betas": (_number(betas[0], "β₁ (betas[0])", cls.name, low=0.0, below=1.0),
                          _number(betas[1], "β₂ (betas[1])", cls.name, low=0.0, below=1.0)),
                "eps": _number(h["eps"], "eps", cls.name, low=0.0)}

    @property
    def formula(self):
        return ("m ← β₁·m + (1 − β₁)·g\nv ← β₂·v + (1 − β₂)·g²\n"
                "m̂ = m / (1 − β₁ᵗ),   v̂ = v / (1 − β₂ᵗ)\nθ ← θ − η·m̂ / (√v̂ + ε)")

    def rule(self, w, g, state, t, h, out=None, spare=None):
        b1, b2 = h["betas"]
        m = state.get("exp_avg")
        v = state.get("exp_avg_sq")
        if m is None:
            m, v = np.zeros(w.shape, w.dtype), np.zeros(w.shape, w.dtype)
        m = b1 * m + (1.0 - b1) * g
        v = b2 * v + (1.0 - b2) * (g * g)
        # Arranged as torch computes it: √v̂ = √v / √(1 − β₂ᵗ) and η·m̂ = (η / (1 − β₁ᵗ))·m.
        denom = np.sqrt(v) / math.sqrt(1.0 - b2 ** t) + h["eps"]
        step_lr = h["lr"] / (1.0 - b1 ** t)
        return descend(w, step_lr, m / denom, out, spare), {"exp_avg": m, "exp_avg_sq": v}


class RMSProp(Optimizer):
    """torch.optim.RMSprop: divide g by a running RMS of recent gradients.

        v ← α·v + (1 − α)·g²
        centered:  ḡ ← α·ḡ + (1 − α)·g,  and v − ḡ² replaces v below
        θ ← θ − η·g / (√v + ε)
        momentum μ > 0:  b ← μ·b + g / (√v + ε),  θ ← θ − η·b
    """

    name = "RMSProp"
    symbols = {"square_avg": "v", "grad_avg": "ḡ", "momentum_buffer": "b"}

    def __init__(self, lr=0.01, alpha=0.99, eps=1e-8, momentum=0.0, centered=False):
        super().__init__(lr=lr, alpha=alpha, eps=eps, momentum=momentum, centered=centered)

    @classmethod
    def check_hyper(cls, h):
        return {**super().check_hyper(h),
                "alpha": _number(h["alpha"], "alpha", cls.name, low=0.0, high=1.0),
                "eps": _number(h["eps"], "eps", cls.name, low=0.0),
                "momentum": _number(h["momentum"], "momentum", cls.name, low=0.0, below=1.0),
                "centered": _flag(h["centered"], "centered", cls.name)}

    @property
    def formula(self):
        lines = ["v ← α·v + (1 − α)·g²"]
        scale = "√v"
        if self.hyper["centered"]:
            lines.append("ḡ ← α·ḡ + (1 − α)·g")
            scale = "√(v − ḡ²)"
        if self.hyper["momentum"] > 0:
            lines += [f"b ← μ·b + g / ({scale} + ε)", "θ ← θ − η·b"]
        else:
            lines.append(f"θ ← θ − η·g / ({scale} + ε)")
        return "\n".join(lines)

    def rule(self, w, g, state, t, h, out=None, spare=None):
        alpha = h["alpha"]
        v = state.get("square_avg")
        if v is None:
            v = np.zeros(w.shape, w.dtype)
        v = alpha * v + (1.0 - alpha) * (g * g)
        new = {"square_avg": v}
        if h["centered"]:
            g_avg = state.get("grad_avg")
            g_avg = (1.0 - alpha) * g if g_avg is None else alpha * g_avg + (1.0 - alpha) * g
            new["grad_avg"] = g_avg
            scale = np.sqrt(v - g_avg * g_avg) + h["eps"]
        else:
            scale = np.sqrt(v) + h["eps"]
        mu = h["momentum"]
        if mu > 0:
            b = state.get("momentum_buffer")
            b = g / scale if b is None else mu * b + g / scale
            new["momentum_buffer"] = b
            return descend(w, h["lr"], b, out, spare), new
        return descend(w, h["lr"], g / scale, out, spare), new


OPTIMIZERS: dict[str, type[Optimizer]] = {cls.__name__: cls for cls in
                                          (SGD, Momentum, Adagrad, Adadelta, Adam, RMSProp)}


def optimizer_from_spec(spec: dict) -> Optimizer:
    """Rebuild an optimizer from ``optimizer.spec()`` (its state is restored separately)."""
    if not isinstance(spec, dict) or spec.get("type") not in OPTIMIZERS:
        kind = spec.get("type") if isinstance(spec, dict) else spec
        raise ConfigError(f"Unknown optimizer {kind!r}. Choose one of: {', '.join(OPTIMIZERS)}.")
    cls = OPTIMIZERS[spec["type"]]
    hyper = spec.get("hyper", {})
    return cls(**hyper)        # an unknown setting raises ConfigError naming the known ones


# --- checking hyperparameters ---------------------------------------------------

def _number(value, what: str, owner: str, low=None, high=None, below=None) -> float:
    """``value`` as a Python float within [low, high] (or [low, below)); else ConfigError."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ConfigError(f"{owner}: {what} must be a number, got {value!r}.")
    x = float(value)
    if not math.isfinite(x):
        raise ConfigError(f"{owner}: {what} must be a finite number, got {value!r}.")
    if low is not None and x < low:
        raise ConfigError(f"{owner}: {what} must be ≥ {low:g}, got {x:g}.")
    if high is not None and x > high:
        raise ConfigError(f"{owner}: {what} must be ≤ {high:g}, got {x:g}.")
    if below is not None and x >= below:
        raise ConfigError(f"{owner}: {what} must be below {below:g}, got {x:g} "
                          f"(at {below:g} or more the running average never forgets).")
    return x


def _flag(value, what: str, owner: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ConfigError(f"{owner}: {what} must be True or False, got {value!r}.")
    return bool(value)


def _copy_state(state: dict) -> dict:
    return {key: {name: v.copy() if isinstance(v, np.ndarray) else v for name, v in s.items()}
            for key, s in state.items()}
