"""Optimizers against hand-computed steps of torch.optim's published formulas.

Each expected number is a literal worked out from the formula; the comment next
to it shows the arithmetic. ``run`` feeds a fixed gradient sequence through
``update`` and returns the parameter after each step.
"""
import copy
import json
import weakref

import numpy as np
import pytest

from core import ConfigError, Dense, Network, ShapeError
from core.optimizers import (OPTIMIZERS, SGD, Adadelta, Adagrad, Adam, Momentum, RMSProp,
                             optimizer_from_spec)


def run(opt, w0, grads):
    """The parameter after each update, starting from the scalar ``w0``."""
    w, out = np.array([w0], dtype=np.float64), []
    for g in grads:
        w = opt.update((0, "W"), w, np.array([g], dtype=np.float64))
        out.append(float(w[0]))
    return out


def close(values, expected, rel=1e-9):
    assert values == pytest.approx(expected, rel=rel, abs=1e-12)


# --- hand-computed steps ---------------------------------------------------------

def test_sgd_two_steps():
    # θ ← θ − η·g with η = 0.1:  1 − 0.1·0.5 = 0.95;  0.95 − 0.1·(−2) = 1.15
    close(run(SGD(lr=0.1), 1.0, [0.5, -2.0]), [0.95, 1.15])


def test_momentum_three_steps():
    # μ = 0.9, η = 0.1.  t=1: b = g = 1            → θ = 1 − 0.1·1 = 0.9
    #                    t=2: b = 0.9·1 + 0.5 = 1.4 → θ = 0.9 − 0.14 = 0.76
    #                    t=3: b = 0.9·1.4 − 1 = 0.26 → θ = 0.76 − 0.026 = 0.734
    opt = Momentum(lr=0.1, momentum=0.9)
    close(run(opt, 1.0, [1.0, 0.5, -1.0]), [0.9, 0.76, 0.734])
    assert opt.state[(0, "W")]["momentum_buffer"] == pytest.approx([0.26])
    assert opt.state[(0, "W")]["step"] == 3


def test_momentum_dampening_spares_the_first_step():
    # τ = 0.5: t=1: b = g = 1 (no dampening) → θ = 0.9
    #          t=2: b = 0.9·1 + (1 − 0.5)·0.5 = 1.15 → θ = 0.9 − 0.115 = 0.785
    close(run(Momentum(lr=0.1, momentum=0.9, dampening=0.5), 1.0, [1.0, 0.5]), [0.9, 0.785])


def test_nesterov_two_steps():
    # t=1: b = 1,   step g + μ·b = 1 + 0.9 = 1.9      → θ = 1 − 0.19 = 0.81
    # t=2: b = 1.4, step g + μ·b = 0.5 + 1.26 = 1.76  → θ = 0.81 − 0.176 = 0.634
    close(run(Momentum(lr=0.1, momentum=0.9, nesterov=True), 1.0, [1.0, 0.5]), [0.81, 0.634])


def test_adagrad_two_steps():
    # t=1: s = 9,  θ = 1 − 0.1·3/√9 = 0.9
    # t=2: s = 25, θ = 0.9 − 0.1·4/√25 = 0.82        (ε = 1e-10 is below the tolerance)
    close(run(Adagrad(lr=0.1), 1.0, [3.0, 4.0]), [0.9, 0.82])


def test_adagrad_lr_decay_and_initial_accumulator():
    # lr_decay 0.5: t=2 uses η = 0.1/(1 + 1·0.5) = 0.0666…: θ = 0.9 − 0.0666…·4/5 = 0.846666…
    close(run(Adagrad(lr=0.1, lr_decay=0.5), 1.0, [3.0, 4.0]), [0.9, 0.8466666666677334])
    # s starts at 16: t=1: s = 16 + 9 = 25, θ = 1 − 0.1·3/5 = 0.94
    close(run(Adagrad(lr=0.1, initial_accumulator_value=16.0), 1.0, [3.0]), [0.94])


def test_adadelta_two_steps():
    # ρ = 0.5, ε = 0.25, η = 1, θ = 1.
    # t=1, g=2: v = 0.5·4 = 2;  Δ = √(0 + 0.25)/√(2 + 0.25)·2 = 0.5/1.5·2 = 2/3
    #           u = 0.5·(2/3)² = 2/9;  θ = 1 − 2/3 = 1/3
    # t=2, g=1: v = 0.5·2 + 0.5·1 = 1.5;  Δ = √(2/9 + 1/4)/√1.75 = 0.6871843/1.3228757 = 0.5194625
    #           u = 0.5·(2/9) + 0.5·0.5194625² = 0.2460317;  θ = 1/3 − 0.5194625 = −0.1861291
    opt = Adadelta(lr=1.0, rho=0.5, eps=0.25)
    close(run(opt, 1.0, [2.0, 1.0]), [1 / 3, -0.18612914831598643])
    state = opt.state[(0, "W")]
    close([state["square_avg"][0], state["acc_delta"][0]], [1.5, 0.24603174603174602])


def test_adam_two_steps():
    # η = 0.1, β = (0.9, 0.999), ε = 1e-8, θ = 1.
    # t=1, g=2: m = 0.2, v = 0.004; m̂ = 0.2/0.1 = 2, v̂ = 0.004/0.001 = 4
    #           θ = 1 − 0.1·2/(2 + 1e-8) = 0.9000000005
    # t=2, g=1: m = 0.9·0.2 + 0.1·1 = 0.28;  v = 0.999·0.004 + 0.001·1 = 0.004996
    #           m̂ = 0.28/(1 − 0.81) = 1.4736842;  v̂ = 0.004996/(1 − 0.998001) = 2.4992496, √v̂ = 1.5809015
    #           θ = 0.9000000005 − 0.1·1.4736842/1.5809015 = 0.9000000005 − 0.0932180 = 0.8067820
    opt = Adam(lr=0.1)
    close(run(opt, 1.0, [2.0, 1.0]), [0.9000000005, 0.8067820372085103])
    state = opt.state[(0, "W")]
    close([state["exp_avg"][0], state["exp_avg_sq"][0], state["step"]], [0.28, 0.004996, 2])


def test_rmsprop_two_steps():
    # α = 0.99, η = 0.01.  t=1, g=2: v = 0.01·4 = 0.04, √v = 0.2 → θ = 1 − 0.01·2/0.2 = 0.9
    #   (ε = 1e-8 shows: 0.02/(0.2 + 1e-8) = 0.099999995, θ = 0.900000005)
    # t=2, g=1: v = 0.99·0.04 + 0.01·1 = 0.0496, √v = 0.2227106
    #           θ = 0.900000005 − 0.01/0.2227106 = 0.900000005 − 0.0449013 = 0.8550987
    close(run(RMSProp(lr=0.01), 1.0, [2.0, 1.0]), [0.900000005, 0.855098681509435])


def test_rmsprop_centered_two_steps():
    # t=1: v = 0.04, ḡ = 0.01·2 = 0.02, v − ḡ² = 0.0396, √ = 0.1989975 → θ = 1 − 0.02/0.1989975 = 0.8994962
    # t=2: v = 0.0496, ḡ = 0.99·0.02 + 0.01·1 = 0.0298, v − ḡ² = 0.04871196, √ = 0.2207079
    #      θ = 0.8994962 − 0.01/0.2207079 = 0.8541875
    close(run(RMSProp(lr=0.01, centered=True), 1.0, [2.0, 1.0]),
          [0.8994962235245836, 0.8541874633740489])


def test_rmsprop_momentum_two_steps():
    # μ = 0.5.  t=1: b = 2/0.2 = 10 → θ = 1 − 0.01·10 = 0.9
    # t=2: b = 0.5·10 + 1/0.2227106 = 5 + 4.4901321 = 9.4901321 → θ = 0.9 − 0.0949013 = 0.8050987
    close(run(RMSProp(lr=0.01, momentum=0.5), 1.0, [2.0, 1.0]),
          [0.9000000049999998, 0.8050986840094349])


# --- stepping a network ------------------------------------------------------------

def tiny_net(dtype=np.float64):
    net = Network([Dense(2, activation="sigmoid"), Dense(2, activation="sigmoid")],
                  input_shape=(2,), loss="half_sse", dtype=dtype)
    x = np.array([[0.05, 0.10], [0.3, -0.2]])
    y = np.array([[0.01, 0.99], [0.5, 0.5]])
    return net, x, y


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_step_skips_frozen_and_never_writes_into_arrays(name):
    net, x, y = tiny_net()
    net.layers[0].freeze("b")
    opt = OPTIMIZERS[name]()
    frozen_b = net.layers[0].params["b"]
    held = {(i, k): v for i, layer in enumerate(net.layers) for k, v in layer.params.items()}
    before = {key: v.copy() for key, v in held.items()}
    _, grads = net.forward_backward(x, y)
    opt.step(net, grads)
    state_held = {key: s for key, s in opt.state.items()}
    state_before = opt.get_state()
    _, grads = net.forward_backward(x, y)
    opt.step(net, grads)

    assert net.layers[0].params["b"] is frozen_b and (0, "b") not in opt.state
    for key, arr in held.items():
        np.testing.assert_array_equal(arr, before[key])        # a view's old array is unchanged
        if key != (0, "b"):
            assert net.layers[key[0]].params[key[1]] is not arr
            assert not np.array_equal(net.layers[key[0]].params[key[1]], before[key])
    for key, s in state_held.items():                          # so is the old state
        for k, v in s.items():
            np.testing.assert_array_equal(v, state_before[key][k])
        assert opt.state[key]["step"] == 2


def data_address(array) -> int:
    """Where an array's memory starts (read without keeping a reference to it)."""
    return array.__array_interface__["data"][0]


def three_steps(net, opt, x, y, hold=None):
    """Three updates; ``hold`` gets every parameter array as it was before each step."""
    for _ in range(3):
        if hold is not None:
            hold.append([dict(layer.params) for layer in net.layers])
        _, grads = net.forward_backward(x, y)
        opt.step(net, grads)
        del grads


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_a_parameter_no_one_else_holds_is_updated_in_its_own_memory_with_the_same_numbers(name):
    net, x, y = tiny_net()
    x, y = x[:1], y[:1]                          # in place after a batch of one
    held_net = copy.deepcopy(net)
    start = [data_address(p) for layer in net.layers for p in layer.params.values()]
    opt, held_opt = OPTIMIZERS[name](lr=0.1), OPTIMIZERS[name](lr=0.1)
    three_steps(net, opt, x, y)
    hold = []
    three_steps(held_net, held_opt, x, y, hold)

    # nothing but the layers referred to the weights: they changed in place, to the numbers
    # of the run whose held references made every update a new array
    assert [data_address(p) for layer in net.layers for p in layer.params.values()] == start
    assert all(p is not q for before, after in zip(hold, hold[1:])
               for b, a in zip(before, after) for p, q in zip(b.values(), a.values()))
    for layer, held_layer in zip(net.layers, held_net.layers):
        for k in layer.params:
            np.testing.assert_array_equal(layer.params[k], held_layer.params[k])


def test_after_a_larger_batch_every_update_is_a_new_array():
    # several cores read θ in a batch's matrix products: a new array is then faster
    net, x, y = tiny_net()
    originals = [weakref.ref(p) for layer in net.layers for p in layer.params.values()]  # holds nothing
    three_steps(net, SGD(lr=0.5), x, y)
    assert all(ref() is None for ref in originals)          # each was replaced, then freed
    single = [weakref.ref(p) for layer in net.layers for p in layer.params.values()]
    three_steps(net, SGD(lr=0.5), x[:1], y[:1])
    assert all(ref() is not None for ref in single)         # after batches of one: the same arrays


def test_an_array_someone_holds_or_views_is_never_written():
    net, x, y = tiny_net()
    opt = SGD(lr=0.5)
    w0 = net.layers[0].params["W"]
    row = net.layers[1].params["W"][0]                 # a view keeps its base alive
    w0_values, row_values = w0.copy(), row.copy()
    for _ in range(4):
        _, grads = net.forward_backward(x, y)
        opt.step(net, grads)
    np.testing.assert_array_equal(w0, w0_values)
    np.testing.assert_array_equal(row, row_values)
    assert net.layers[0].params["W"] is not w0


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_float32_stays_float32(name):
    net, x, y = tiny_net(np.float32)
    opt = OPTIMIZERS[name]()
    for _ in range(2):
        _, grads = net.forward_backward(x, y)
        opt.step(net, grads)
    for layer in net.layers:
        assert all(v.dtype == np.float32 for v in layer.params.values())
    assert all(v.dtype == np.float32 for s in opt.state.values()
               for v in s.values() if isinstance(v, np.ndarray))


def test_get_state_and_set_state_copy():
    net, x, y = tiny_net()
    opt = Adam()
    _, grads = net.forward_backward(x, y)
    opt.step(net, grads)
    saved = opt.get_state()
    saved[(1, "W")]["exp_avg"][...] = 123.0          # scribbling on the copy changes nothing
    assert not np.any(opt.state[(1, "W")]["exp_avg"] == 123.0)
    opt.set_state(saved)
    saved[(1, "W")]["exp_avg"][...] = 7.0
    assert np.all(opt.state[(1, "W")]["exp_avg"] == 123.0)
    with pytest.raises(ConfigError, match="set_state needs"):
        opt.set_state({(1, "W"): {"exp_avg": 1.0}})
    opt.reset()
    assert opt.state == {}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_restoring_state_repeats_the_same_steps(name):
    net, x, y = tiny_net()
    opt = OPTIMIZERS[name]()

    def steps(n):
        for _ in range(n):
            _, grads = net.forward_backward(x, y)
            opt.step(net, grads)

    steps(2)
    weights, state = net.get_weights(), opt.get_state()
    steps(3)
    first = net.get_weights()
    net.set_weights(weights)
    opt.set_state(state)
    steps(3)
    for a, b in zip(first, net.get_weights()):
        for k in a:
            np.testing.assert_array_equal(a[k], b[k])
    if name != "SGD":                     # after a reset the same steps go elsewhere
        net.set_weights(weights)
        opt.reset()
        steps(3)
        assert not np.array_equal(first[1]["W"], net.layers[1].params["W"])


def test_hyperparameters_are_editable_and_checked():
    opt = Adam()
    assert opt.lr == 0.001 and opt.hyper["betas"] == (0.9, 0.999)
    opt.lr = 0.5
    opt.hyper["eps"] = 1e-6
    assert opt.hyper["lr"] == 0.5 and opt.eps == 1e-6
    with pytest.raises(ConfigError, match="lr must be ≥ 0"):
        opt.lr = -0.1
    with pytest.raises(ConfigError, match="below 1"):
        opt.hyper["betas"] = (0.9, 1.0)
    with pytest.raises(ConfigError, match="no hyperparameter 'momentum'"):
        opt.hyper["momentum"] = 0.9
    assert opt.hyper == {"lr": 0.5, "betas": (0.9, 0.999), "eps": 1e-6}   # unchanged by the failures
    opt.hyper = {"betas": [0.8, 0.9]}
    assert opt.hyper == {"lr": 0.5, "betas": (0.8, 0.9), "eps": 1e-6}
    with pytest.raises(ConfigError, match="eps must be ≥ 0"):
        opt.hyper = {"eps": -1.0}


@pytest.mark.parametrize("make, message", [
    (lambda: SGD(lr=-1), "lr must be ≥ 0"),
    (lambda: SGD(lr=float("nan")), "finite"),
    (lambda: SGD(lr="fast"), "must be a number"),
    (lambda: Momentum(momentum=1.0), "momentum must be below 1"),
    (lambda: Momentum(momentum=0.0, nesterov=True), "Nesterov"),
    (lambda: Momentum(dampening=0.5, nesterov=True), "Nesterov"),
    (lambda: Adagrad(eps=-1e-10), "eps must be ≥ 0"),
    (lambda: Adadelta(rho=1.5), "rho must be ≤ 1"),
    (lambda: Adam(betas=(1.0, 0.999)), "β₁"),
    (lambda: Adam(betas=0.9), "pair"),
    (lambda: RMSProp(alpha=-0.1), "alpha must be ≥ 0"),
    (lambda: RMSProp(centered="yes"), "True or False"),
    (lambda: SGD(lr=0.1, momentum=0.9), "SGD has no hyperparameter 'momentum'; it has lr. .*use Momentum"),
    (lambda: Adam(beta1=0.9), "Adam has no hyperparameter 'beta1'; it has lr, betas, eps"),
])
def test_bad_settings_raise_config_error(make, message):
    with pytest.raises(ConfigError, match=message):
        make()


def test_spec_round_trips_through_json():
    for name, cls in OPTIMIZERS.items():
        opt = cls()
        spec = json.loads(json.dumps(opt.spec()))
        again = optimizer_from_spec(spec)
        assert type(again) is cls and again.hyper == opt.hyper and spec["type"] == name
    with pytest.raises(ConfigError, match="Unknown optimizer 'Lion'"):
        optimizer_from_spec({"type": "Lion"})
    with pytest.raises(ConfigError, match="SGD has no hyperparameter 'momentum'"):
        optimizer_from_spec({"type": "SGD", "hyper": {"momentum": 0.9}})


def test_formula_follows_the_settings():
    assert "g + μ·b" in Momentum(nesterov=True).formula
    assert "√(v − ḡ²)" in RMSProp(centered=True).formula
    assert "b ←" in RMSProp(momentum=0.9).formula and "b ←" not in RMSProp().formula


def test_mismatched_gradients_raise_shape_error():
    net, x, y = tiny_net()
    _, grads = net.forward_backward(x, y)
    with pytest.raises(ShapeError, match="network has 2"):
        SGD().step(net, grads[:1])
    with pytest.raises(ShapeError, match="shape"):
        SGD().update((0, "W"), np.zeros((2, 2)), np.zeros(2))


def test_deepcopy_keeps_hyperparameters_and_state():
    net, x, y = tiny_net()
    opt = Adam(lr=0.01)
    _, grads = net.forward_backward(x, y)
    opt.step(net, grads)
    twin = copy.deepcopy(opt)
    twin.lr = 0.5
    assert opt.lr == 0.01 and twin.state[(1, "W")]["step"] == 1


# --- agreement with PyTorch (skipped where torch is not installed) -----------------

TORCH_CASES = [
    ("SGD", {"lr": 0.1}, "SGD", {"lr": 0.1}),
    ("Momentum", {"lr": 0.05, "momentum": 0.9, "dampening": 0.1},
     "SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.1}),
    ("Momentum", {"lr": 0.05, "momentum": 0.8, "nesterov": True},
     "SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1},
     "Adagrad", {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1}),
    ("Adadelta", {}, "Adadelta", {}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99)}, "Adam", {"lr": 0.01, "betas": (0.8, 0.99)}),
    ("RMSProp", {"lr": 0.01, "centered": True, "momentum": 0.5},
     "RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5}),
    ("RMSProp", {}, "RMSprop", {}),
]


@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-10), ("float32", 2e-5)])
@pytest.mark.parametrize("ours, hyper, theirs, torch_hyper", TORCH_CASES)
def test_five_steps_match_torch(ours, hyper, theirs, torch_hyper, dtype, rtol):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    w0 = rng.normal(size=(3, 4)).astype(dtype)
    grads = [rng.normal(size=(3, 4)).astype(dtype) for _ in range(5)]

    opt = OPTIMIZERS[ours](**hyper)
    w = w0
    for g in grads:
        w = opt.update((0, "W"), w, g)
    assert w.dtype == dtype

    p = torch.nn.Parameter(torch.tensor(w0))
    topt = getattr(torch.optim, theirs)([p], **torch_hyper)
    for g in grads:
        p.grad = torch.tensor(g)
        topt.step()
    np.testing.assert_allclose(w, p.detach().numpy(), rtol=rtol, atol=rtol)


def test_defaults_are_those_of_torch_optim():
    # From the torch.optim documentation (torch 2.x); SGD's lr default is 1e-3 since torch 2.2.
    assert SGD().hyper == {"lr": 1e-3}
    assert Momentum().hyper == {"lr": 1e-3, "momentum": 0.9, "dampening": 0.0, "nesterov": False}
    assert Adagrad().hyper == {"lr": 1e-2, "lr_decay": 0.0, "eps": 1e-10, "initial_accumulator_value": 0.0}
    assert Adadelta().hyper == {"lr": 1.0, "rho": 0.9, "eps": 1e-6}
    assert Adam().hyper == {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8}
    assert RMSProp().hyper == {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "momentum": 0.0, "centered": False}


def test_a_subclass_that_takes_any_keyword_is_not_second_guessed():
    class Noted(SGD):
        def __init__(self, lr=0.1, **notes):
            super().__init__(lr=lr)
            self.notes = notes
    assert Noted(lr=0.2, source="lecture").notes == {"source": "lecture"}
