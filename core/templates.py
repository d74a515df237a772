"""The lecture's networks, ready to step through or train.

Each function returns a :class:`Template`: a built network with its weights, an
optimizer, data ``x``/``y`` and a one-line hint for the first thing to try.
``TEMPLATES`` maps a name to its function (the GUI's "New from template" menu)::

    t = TEMPLATES["worked_example"]()
    loss, grads = t.network.forward_backward(t.x, t.y)     # E_total = 0.298371109
    t.optimizer.step(t.network, grads)                     # w5 = 0.35891648
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .datasets import circle, digits, xor
from .layers import Conv2D, Dense, Flatten, MaxPool2D
from .layers.base import check_positive_int
from .network import Network
from .optimizers import SGD, Adam, Optimizer


@dataclass(frozen=True)
class Template:
    name: str                    # key in TEMPLATES
    title: str                   # for menus and window titles
    description: str             # what the network shows
    network: Network
    optimizer: Optimizer
    x: np.ndarray | None         # inputs, batch first
    y: np.ndarray | None         # targets, one per sample
    hint: str                    # the first thing to try in the app


def perceptron(activation: str = "sigmoid") -> Template:
    """The lecture's perceptron ŷ = g(θ₀ + xᵀθ) with θ₀ = 1, θ = [3, −2], at x = [−1, 2]:
    ŷ = g(1 + 3·(−1) − 2·2) = g(−6) = 0.00247 with the sigmoid (0 with the step)."""
    layer = Dense(1, activation=activation)
    net = Network([layer], input_shape=(2,), loss="half_sse")
    layer.params["W"] = [[3.0], [-2.0]]          # θ₁ = 3 (from x₁), θ₂ = −2 (from x₂)
    layer.params["b"] = [1.0]                    # θ₀ = 1
    return Template(
        "perceptron", "The perceptron (θ₀ = 1, θ = [3, −2])",
        "One neuron: ŷ = g(1 + 3x₁ − 2x₂), a line in 2-D. At x = [−1, 2], z = −6 and "
        "ŷ = g(−6) ≈ 0.00247. The lecture gives no target; the template uses 1, so a backward "
        "pass shows how little a saturated sigmoid passes back.",
        net, SGD(lr=0.5), np.array([[-1.0, 2.0]]), np.array([[1.0]]),
        "Press F11 to compute the neuron: z = 1 + 3·(−1) − 2·2 = −6, then ŷ = g(−6).")


def worked_example() -> Template:
    """The lecture's 2-2-2 backpropagation example (sigmoid everywhere, E = Σ ½(target − out)²).

    Weights in the lecture's names: w1 = i1→h1 = W1[0, 0], w2 = i2→h1 = W1[1, 0],
    w3 = i1→h2 = W1[0, 1], w4 = i2→h2 = W1[1, 1]; w5 = h1→o1 = W2[0, 0],
    w6 = h2→o1 = W2[1, 0], w7 = h1→o2 = W2[0, 1], w8 = h2→o2 = W2[1, 1].
    The biases b1 = 0.35 and b2 = 0.60 are frozen: the lecture never updates them.
    """
    hidden = Dense(2, activation="sigmoid")
    output = Dense(2, activation="sigmoid")
    net = Network([hidden, output], input_shape=(2,), loss="half_sse")
    hidden.params["W"] = [[0.15, 0.25],          # from i1: w1 (to h1), w3 (to h2)
                          [0.20, 0.30]]          # from i2: w2 (to h1), w4 (to h2)
    hidden.params["b"] = [0.35, 0.35]
    output.params["W"] = [[0.40, 0.50],          # from h1: w5 (to o1), w7 (to o2)
                          [0.45, 0.55]]          # from h2: w6 (to o1), w8 (to o2)
    output.params["b"] = [0.60, 0.60]
    hidden.freeze("b")
    output.freeze("b")
    return Template(
        "worked_example", "Backpropagation worked example (2-2-2)",
        "The lecture's network: inputs 0.05 and 0.10, targets 0.01 and 0.99. Forward gives "
        "net_h1 = 0.3775, out_o1 = 0.7514 and E_total = 0.2984; one SGD step with η = 0.5 "
        "moves w5 from 0.40 to 0.3589 and brings E_total to 0.2910.",
        net, SGD(lr=0.5), np.array([[0.05, 0.10]]), np.array([[0.01, 0.99]]),
        "Press F11 to compute one neuron at a time: h1 first, net_h1 = 0.3775.")


def xor_mlp() -> Template:
    """A 2-8-2 network on XOR, which no single perceptron can separate."""
    x, y = xor(200, noise=0.1, seed=0)
    net = Network([Dense(8, activation="tanh"), Dense(2, activation="softmax")],
                  input_shape=(2,), loss="cross_entropy", seed=0)
    return Template(
        "xor_mlp", "XOR with one hidden layer (2-8-2)",
        "Class 1 where x₁ and x₂ have opposite signs: not linearly separable, so the network "
        "needs its hidden layer to bend the decision boundary.",
        net, Adam(lr=0.02), x, y,
        "Press F5 to train and watch the decision boundary bend around the four quadrants.")


def circle_mlp() -> Template:
    """A 2-8-8-2 network on a disc inside a ring."""
    x, y = circle(200, noise=0.1, seed=0)
    net = Network([Dense(8, activation="tanh"), Dense(8, activation="tanh"),
                   Dense(2, activation="softmax")], input_shape=(2,), loss="cross_entropy", seed=0)
    return Template(
        "circle_mlp", "Disc inside a ring (2-8-8-2)",
        "Class 1 inside a disc, class 0 on a ring around it: the hidden layers learn a closed "
        "boundary no straight line can give.",
        net, Adam(lr=0.02), x, y,
        "Press F8 a few times to step whole iterations, then F5 to run and watch the loss fall.")


def deep_sigmoid_stack(depth: int = 10) -> Template:
    """``depth`` sigmoid layers of 8 units on the circle data: vanishing gradients.

    Each layer multiplies the backward signal by g′(net) ≤ 0.25 (and by its weights),
    so ∂E/∂W of the first layer is millions of times smaller than of the last."""
    depth = check_positive_int(depth, "depth", "deep_sigmoid_stack")
    x, y = circle(200, noise=0.1, seed=0)
    layers = [Dense(8, activation="sigmoid") for _ in range(depth)]
    net = Network(layers + [Dense(2, activation="softmax")], input_shape=(2,),
                  loss="cross_entropy", seed=0)
    return Template(
        "deep_sigmoid_stack", f"Deep sigmoid stack ({depth} hidden layers): vanishing gradients",
        "Sigmoid's derivative is at most 0.25, and backpropagation multiplies one such factor "
        "per layer: the gradients reaching the first layers are tiny and those layers barely "
        "learn.",
        net, SGD(lr=0.5), x, y,
        "Press F8 for one iteration, then compare the gradient heatmaps of layer 0 and the last layer.")


def lenet5() -> Template:
    """LeNet-5 on 1×28×28 digits: 61,706 parameters.

    conv 5×5 (6, padding 2)  6·(1·25) + 6   =    156
    max-pool 2               → 6×14×14
    conv 5×5 (16)            16·(6·25) + 16 =  2,416
    max-pool 2               → 16×5×5 = 400
    dense 120                400·120 + 120  = 48,120
    dense 84                 120·84 + 84    = 10,164
    dense 10, softmax        84·10 + 10     =    850
    """
    x, y = digits(500, seed=0)
    net = Network([Conv2D(6, 5, padding=2, activation="relu"), MaxPool2D(2),
                   Conv2D(16, 5, activation="relu"), MaxPool2D(2), Flatten(),
                   Dense(120, activation="relu"), Dense(84, activation="relu"),
                   Dense(10, activation="softmax")],
                  input_shape=(1, 28, 28), loss="cross_entropy", seed=0)
    return Template(
        "lenet5", "LeNet-5 on handwritten digits",
        "The classic convolutional network: two convolution + max-pool stages find strokes "
        "and their combinations, three dense layers classify the digit. 61,706 parameters.",
        net, Adam(lr=0.001), x, y,
        "Press F10 to step one layer and look at the six feature maps of the first convolution.")


TEMPLATES = {f.__name__: f for f in (perceptron, worked_example, xor_mlp, circle_mlp,
                                     deep_sigmoid_stack, lenet5)}
