"""The public names of issues 2 and 3 and the README's engine examples work as written.

Notebooks and external checks use exactly these names and signatures; the code
blocks below are the issues' text (issue 2's ``np.array(...)`` filled in with the
lecture's w1..w4), and the README's blocks are read from README.md and run as they are.
"""
import re
from pathlib import Path

import numpy as np
import pytest

from core import ShapeError

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def readme_block(containing: str) -> str:
    blocks = [b for b in readme_python_blocks() if containing in b]
    assert len(blocks) == 1, f"expected one README python block containing {containing!r}, found {len(blocks)}"
    return blocks[0]


def test_issue_2_public_names_block_verbatim():
    x, y = np.array([[0.05, 0.10]]), np.array([[0.01, 0.99]])
    # --- issue 2 §5, as written ---
    from core import Network, Dense, Activation, Conv2D, MaxPool2D, AvgPool2D, GlobalAvgPool2D, Flatten, Dropout  # noqa: F401
    from core.optimizers import SGD, Momentum, Adagrad, Adadelta, Adam, RMSProp  # noqa: F401
    net = Network([Dense(2, activation="sigmoid"), Dense(2, activation="sigmoid")], input_shape=(2,), loss="half_sse")
    # Network(..., dtype=np.float32) for speed; float64 is the default
    net.layers[0].params["W"] = np.array([[0.15, 0.25], [0.20, 0.30]])   # assigning an array of the same shape sets it; a wrong shape raises
    net.layers[0].freeze("b")
    y_hat = net.forward(x)                      # inference
    loss, grads = net.forward_backward(x, y)    # grads[i] has the keys of net.layers[i].params
    SGD(lr=0.5).step(net, grads)                # one update of every parameter that is not frozen
    net.param_count()
    # --- what the block promises ---
    assert net.dtype == np.float64 and y_hat.shape == (1, 2)
    assert [set(g) for g in grads] == [set(layer.params) for layer in net.layers] == [{"W", "b"}] * 2
    np.testing.assert_array_equal(net.layers[0].params["W"],
                                  np.array([[0.15, 0.25], [0.20, 0.30]]) - 0.5 * grads[0]["W"])
    assert net.param_count() == 12
    with pytest.raises(ShapeError, match=r"has shape \(2, 2\); the array given has shape \(2, 3\)"):
        net.layers[0].params["W"] = np.zeros((2, 3))
    fast = Network([Dense(2, activation="sigmoid"), Dense(2, activation="sigmoid")], input_shape=(2,),
                   loss="half_sse", dtype=np.float32)
    assert fast.forward(x).dtype == np.float32


def test_frozen_bias_is_not_updated_by_sgd_step():
    from core import Dense, Network
    from core.optimizers import SGD
    net = Network([Dense(2, activation="sigmoid"), Dense(2, activation="sigmoid")], input_shape=(2,), loss="half_sse")
    net.layers[0].freeze("b")
    b0, b1 = net.layers[0].params["b"].copy(), net.layers[1].params["b"].copy()
    loss, grads = net.forward_backward(np.array([[0.05, 0.10]]), np.array([[0.01, 0.99]]))
    assert np.any(grads[0]["b"] != 0)           # the frozen bias has a gradient, shown but not applied
    SGD(lr=0.5).step(net, grads)
    np.testing.assert_array_equal(net.layers[0].params["b"], b0)
    np.testing.assert_array_equal(net.layers[1].params["b"], b1 - 0.5 * grads[1]["b"])


def test_issue_3_public_names():
    from core import Debugger, Dense, Network
    from core.optimizers import SGD
    net = Network([Dense(2, activation="sigmoid"), Dense(2, activation="sigmoid")], input_shape=(2,), loss="half_sse")
    x, y = np.array([[0.05, 0.10], [0.3, 0.7]]), np.array([[0.01, 0.99], [0.5, 0.5]])
    dbg = Debugger(net, SGD(lr=0.5), x, y, batch_size=None, seed=0)
    first = dbg.step("unit")
    assert (dbg.cursor.phase, dbg.cursor.layer, dbg.cursor.unit) == ("forward", 0, 1)
    for granularity in ("layer", "phase", "iteration", "epoch"):
        dbg.step(granularity)
    assert dbg.step_back() is not None
    dbg.step("iteration")
    why = dbg.run(max_iterations=3)
    assert why.reason == "limit" and why.iterations == 3
    dbg.step("phase"), dbg.step("phase"), dbg.step("phase")
    e = dbg.explain(1, "W", (0, 0))
    assert e.relative_difference < 1e-7
    bp = dbg.add_breakpoint("iteration", n=dbg.cursor.iteration + 2)
    assert dbg.run().hit.breakpoint is bp
    assert first is not None and dbg.cursor.epoch >= 1


def test_readme_first_screen_notebook_example_runs_verbatim():
    namespace = {}
    exec(readme_block("loss, grads = net.forward_backward(np.array("), namespace)
    loss, grads, net = namespace["loss"], namespace["grads"], namespace["net"]
    assert isinstance(loss, float) and np.isfinite(loss)
    assert [set(g) for g in grads] == [{"W", "b"}] * 2 and net.param_count() == 12


def test_readme_engine_blocks_run():
    """The "engine from Python" block runs on its own; the debugger block runs after it."""
    namespace = {}
    exec(readme_block("from core.optimizers import SGD, Momentum"), namespace)
    net, grads = namespace["net"], namespace["grads"]
    assert net.param_count() == 12 and namespace["y_hat"].shape == (1, 2)
    # W was set to the lecture's w1..w4, then updated once; the frozen b was not
    np.testing.assert_allclose(net.layers[0].params["W"],
                               np.array([[0.15, 0.25], [0.20, 0.30]]) - 0.5 * grads[0]["W"], rtol=0, atol=0)
    exec(readme_block("from core import Debugger"), namespace)
    assert namespace["why"].reason == "limit"


def test_readme_files_and_data_block_runs(tmp_path, monkeypatch):
    """The block uses a network, an optimizer and a picture from the reader's own session."""
    from core import Dense, Network
    from core.optimizers import Adam
    monkeypatch.chdir(tmp_path)
    namespace = {"net": Network([Dense(2, activation="softmax")], input_shape=(2,), loss="cross_entropy"),
                 "optimizer": Adam(lr=0.01),
                 "picture": np.random.default_rng(0).integers(0, 256, size=(40, 30), dtype=np.uint8)}
    exec(readme_block("save_project("), namespace)
    assert namespace["project"].network.spec() == namespace["net"].spec()
    assert namespace["x"].shape == (2000, 1, 28, 28) and namespace["arr"].shape == (1, 28, 28)
