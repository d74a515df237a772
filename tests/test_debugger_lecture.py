"""The lecture's worked 2-2-2 example, stepped unit by unit: every number the
slides print (lecture.txt, "Backpropagation" … "after the first round")."""
import pytest

from core import SGD, Debugger, Dense, Network
from core.trace import BackwardUnit, ForwardUnit, LossRecord, UpdateRecord


def lecture_net():
    net = Network([Dense(2, activation="sigmoid"), Dense(2, activation="sigmoid")],
                  input_shape=(2,), loss="half_sse")
    hidden, output = net.layers
    hidden.params["W"] = [[0.15, 0.25], [0.20, 0.30]]     # w1 w3 / w2 w4
    hidden.params["b"] = [0.35, 0.35]
    output.params["W"] = [[0.40, 0.50], [0.45, 0.55]]     # w5 w7 / w6 w8
    output.params["b"] = [0.60, 0.60]
    hidden.freeze("b")
    output.freeze("b")
    return net


@pytest.fixture
def dbg():
    return Debugger(lecture_net(), SGD(lr=0.5), [[0.05, 0.10]], [[0.01, 0.99]])


def test_forward_pass_unit_by_unit(dbg):
    h1 = dbg.step("unit")
    assert isinstance(h1, ForwardUnit) and (h1.layer, h1.unit) == (0, 0)
    assert h1.net[0] == pytest.approx(0.3775, abs=1e-12)
    assert h1.out[0] == pytest.approx(0.593, abs=5e-4)
    h2 = dbg.step("unit")
    assert h2.out[0] == pytest.approx(0.597, abs=5e-4)
    o1 = dbg.step("unit")
    assert (o1.layer, o1.unit) == (1, 0)
    assert o1.net[0] == pytest.approx(1.106, abs=5e-4)
    assert o1.out[0] == pytest.approx(0.751, abs=5e-4)
    o2 = dbg.step("unit")
    assert o2.out[0] == pytest.approx(0.773, abs=5e-4)
    assert dbg.cursor.phase == "loss"


def test_loss_terms(dbg):
    for _ in range(4):
        dbg.step("unit")
    loss = dbg.step("unit")
    assert isinstance(loss, LossRecord)
    e_o1, e_o2 = loss.terms[0]
    assert e_o1 == pytest.approx(0.275, abs=5e-4)
    assert e_o2 == pytest.approx(0.024, abs=5e-4)
    assert loss.value == pytest.approx(0.298, abs=5e-4)
    assert loss.grad[0, 0] == pytest.approx(0.741, abs=5e-4)      # ∂E/∂out_o1 = −(target − out)


def test_backward_units_and_w5_factors(dbg):
    dbg.step("phase")
    dbg.step("phase")
    o1 = dbg.step("unit")
    assert isinstance(o1, BackwardUnit) and (o1.layer, o1.unit) == (1, 0)
    assert o1.dout[0] == pytest.approx(0.741, abs=5e-4)
    assert o1.dout_dnet[0] == pytest.approx(0.187, abs=5e-4)
    assert o1.delta[0] == pytest.approx(0.741 * 0.187, abs=5e-4)

    w5 = dbg.explain(1, "W", (0, 0))
    assert [f.kind for f in w5.factors] == ["dE/dout", "dout/dnet", "dnet/dw"]
    assert [round(f.value, 3) for f in w5.factors] == [0.741, 0.187, 0.593]
    assert round(w5.value, 3) == 0.082
    assert "0.741 · 0.187 · 0.593 = 0.0822" in w5.text
    named = w5.format(unit_name=lambda layer, unit: ("h", "o")[layer] + str(unit + 1),
                      weight_name=lambda layer, name, index: "w5", digits=3)
    assert named.startswith("∂E/∂w5 = ∂E/∂out_o1 · ∂out_o1/∂net_o1 · ∂net_o1/∂w5 = "
                            "0.741 · 0.187 · 0.593 = 0.0822")


def test_hidden_weight_w1_is_a_sum_over_paths(dbg):
    dbg.step("phase")
    dbg.step("phase")
    dbg.step("phase")
    w1 = dbg.explain(0, "W", (0, 0))
    assert w1.value == pytest.approx(0.000438568, abs=5e-10)
    assert round(w1.value, 5) == 0.00044
    assert [(p.layer, p.unit) for p in w1.paths] == [(1, 0), (1, 1)]
    # ∂E/∂out_h1 = δ_o1 · w5 + δ_o2 · w7
    assert w1.paths[0].weight == 0.40 and w1.paths[1].weight == 0.50
    assert sum(p.product for p in w1.paths) == pytest.approx(w1.factors[0].value, rel=1e-12)
    assert w1.factors[2].value == 0.05                                  # ∂net_h1/∂w1 = i1


def test_update_and_second_round(dbg):
    dbg.step("phase")
    dbg.step("phase")
    dbg.step("phase")
    update = dbg.step("unit")
    assert isinstance(update, UpdateRecord)
    w2 = update.get(1, "W").new              # [[w5, w7], [w6, w8]]
    assert [round(v, 3) for v in (w2[0, 0], w2[1, 0], w2[0, 1], w2[1, 1])] == [0.359, 0.409, 0.511, 0.561]
    w1 = update.get(0, "W").new              # [[w1, w3], [w2, w4]]
    # w1⁺ = 0.15 − 0.5 · 0.000438568 = 0.149781, which the slide truncates to 0.1497
    assert [w1[0, 0], w1[1, 0], w1[0, 1], w1[1, 1]] == \
        pytest.approx([0.1497, 0.1996, 0.2498, 0.2995], abs=1e-4)
    assert w1[0, 0] == pytest.approx(0.15 - 0.5 * 0.000438568, abs=1e-9)
    assert update.get(1, "b").frozen and update.get(1, "b").new[0] == 0.60
    second = dbg.step("iteration")
    assert round(second.loss.value, 3) == 0.291


def test_ten_thousand_iterations(dbg):
    dbg.remove_breakpoint(dbg.breakpoints[0])
    why = dbg.run(max_iterations=10_000)
    assert why.reason == "limit" and why.iterations == 10_000
    dbg.step("phase")                                     # forward with the weights of 10,000 updates
    after = dbg.step("phase")                             # and its loss
    assert after.value == pytest.approx(0.0000351085, rel=0.01)


def test_step_granularities_stop_at_their_boundaries(dbg):
    dbg.step("unit")                                  # h1 revealed, h2 not yet
    layer = dbg.step("layer")                         # finishes the hidden layer only
    assert layer.layer == 0 and dbg.cursor.layer == 1 and dbg.cursor.phase == "forward"
    fwd = dbg.step("phase")
    assert [rec.layer for rec in fwd.layers] == [0, 1] and dbg.cursor.phase == "loss"
    dbg.step("layer")                                 # the loss is one step at every granularity
    bwd = dbg.step("phase")
    assert dbg.cursor.phase == "update" and bwd.layers[1].layer == 1   # a phase step stops before the update
