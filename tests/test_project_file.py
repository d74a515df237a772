"""core.save_project / core.load_project: round trips, safety and damaged files."""
import json
import zipfile

import numpy as np
import pytest

from core import DataError, Dense, Network, load_project, save_project
from core import project_file


def lecture_net():
    net = Network([Dense(2, activation="sigmoid"), Dense(2, activation="sigmoid")],
                  input_shape=(2,), loss="half_sse", seed=3)
    net.layers[1].freeze("b")
    return net


def assert_same_weights(a, b):
    wa, wb = a.get_weights(), b.get_weights()
    assert len(wa) == len(wb)
    for la, lb in zip(wa, wb):
        assert la.keys() == lb.keys()
        for k in la:
            assert la[k].dtype == lb[k].dtype
            np.testing.assert_array_equal(la[k], lb[k])


def test_network_and_extra_round_trip(tmp_path):
    net = lecture_net()
    curves = {"loss": [0.3, 0.2, float("nan")], "points": np.arange(6.0).reshape(3, 2)}
    path = save_project(tmp_path / "p.llproj", net, dataset={"name": "xor", "seed": 7, "noise": 0.1},
                        breakpoints=[(1, "W", (0, 0))], curves=curves, watches={(0, "W"): [1, 2]})
    project = load_project(path)
    assert project.network.spec() == net.spec()
    assert project.network.layers[1].frozen == {"b"}
    assert_same_weights(project.network, net)
    assert project.optimizer is None
    extra = project.extra
    assert extra["dataset"] == {"name": "xor", "seed": 7, "noise": 0.1}
    assert extra["breakpoints"] == [(1, "W", (0, 0))]
    assert extra["curves"]["loss"][:2] == [0.3, 0.2] and np.isnan(extra["curves"]["loss"][2])
    np.testing.assert_array_equal(extra["curves"]["points"], curves["points"])
    assert extra["watches"] == {(0, "W"): [1, 2]}


def test_loaded_network_computes_the_same(tmp_path):
    net = lecture_net()
    x = np.array([[0.05, 0.10]])
    path = save_project(tmp_path / "p.llproj", net)
    np.testing.assert_array_equal(load_project(path).network.forward(x), net.forward(x))


def test_float32_weights_stay_float32(tmp_path):
    net = Network([Dense(3)], input_shape=(4,), dtype=np.float32)
    loaded = load_project(save_project(tmp_path / "p.llproj", net)).network
    assert loaded.layers[0].params["W"].dtype == np.float32
    assert_same_weights(loaded, net)


def test_file_holds_json_and_npz_without_pickles(tmp_path):
    path = save_project(tmp_path / "p.llproj", lecture_net(), note="hello")
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == ["arrays.npz", "project.json"]
        doc = json.loads(zf.read("project.json"))
    assert doc["format"] == "layerlab-project"
    assert doc["schema_version"] == project_file.SCHEMA_VERSION
    assert doc["extra"] == {"note": "hello"}


def test_object_values_are_refused(tmp_path):
    with pytest.raises(DataError, match="cannot be saved"):
        save_project(tmp_path / "p.llproj", lecture_net(), thing=object())
    with pytest.raises(DataError, match="Python objects"):
        save_project(tmp_path / "p.llproj", lecture_net(), thing=np.array([object()]))
    assert list(tmp_path.iterdir()) == []           # no temporary file left behind


@pytest.mark.parametrize("damage", ["truncated", "random", "empty", "foreign_zip", "not_a_project_json"])
def test_damaged_files_give_a_clear_error(tmp_path, damage):
    path = tmp_path / "p.llproj"
    save_project(path, lecture_net())
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "random":
        path.write_bytes(np.random.default_rng(0).bytes(len(data)))
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "foreign_zip":
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("hello.txt", "hi")
    else:
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("project.json", json.dumps({"format": "something-else"}))
            zf.writestr("arrays.npz", b"")
    with pytest.raises(DataError) as err:
        load_project(path)
    assert path.name in str(err.value)


def rewrite_json(path, change):
    with zipfile.ZipFile(path) as zf:
        doc, npz = json.loads(zf.read("project.json")), zf.read("arrays.npz")
    change(doc)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.json", json.dumps(doc))
        zf.writestr("arrays.npz", npz)


def test_newer_schema_is_refused_with_advice(tmp_path):
    path = save_project(tmp_path / "p.llproj", lecture_net())
    rewrite_json(path, lambda d: d.update(schema_version=project_file.SCHEMA_VERSION + 1))
    with pytest.raises(DataError, match="newer LayerLab"):
        load_project(path)


def test_inconsistent_contents_are_reported(tmp_path):
    path = save_project(tmp_path / "p.llproj", lecture_net())
    rewrite_json(path, lambda d: d["network"]["layers"][0]["config"].update(units=5))
    with pytest.raises(DataError, match="cannot rebuild"):
        load_project(path)


def test_older_schema_is_migrated(tmp_path, monkeypatch):
    path = save_project(tmp_path / "p.llproj", lecture_net(), note="old")
    rewrite_json(path, lambda d: d.update(schema_version=1))
    monkeypatch.setattr(project_file, "SCHEMA_VERSION", 2)
    monkeypatch.setitem(project_file.MIGRATIONS, 1, lambda d: {**d, "extra": {**d["extra"], "migrated": True}})
    project = load_project(path)
    assert project.schema_version == 2
    assert project.extra == {"note": "old", "migrated": True}


def test_pickled_arrays_are_never_loaded(tmp_path):
    path = save_project(tmp_path / "p.llproj", lecture_net())
    with zipfile.ZipFile(path) as zf:
        doc = json.loads(zf.read("project.json"))
    import io
    buf = io.BytesIO()
    np.savez(buf, a0=np.array([{"evil": 1}], dtype=object), **{f"a{i}": np.zeros(1) for i in range(1, 9)})
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.json", json.dumps(doc))
        zf.writestr("arrays.npz", buf.getvalue())
    with pytest.raises(DataError):
        load_project(path)


def test_interrupted_save_leaves_previous_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "p.llproj"
    save_project(path, lecture_net(), version="first")
    before = path.read_bytes()
    calls = []

    def crash_on_second_member(self, name, data, *args, **kwargs):
        calls.append(name)
        if len(calls) == 2:
            raise OSError("disk full")
        return original(self, name, data, *args, **kwargs)

    original = zipfile.ZipFile.writestr
    monkeypatch.setattr(zipfile.ZipFile, "writestr", crash_on_second_member)
    with pytest.raises(OSError):
        save_project(path, lecture_net(), version="second")
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert load_project(path).extra == {"version": "first"}
    assert [p.name for p in tmp_path.iterdir()] == ["p.llproj"]


def test_missing_file_and_missing_folder(tmp_path):
    with pytest.raises(DataError, match="no project file"):
        load_project(tmp_path / "nope.llproj")
    with pytest.raises(DataError, match="does not exist"):
        save_project(tmp_path / "no_dir" / "p.llproj", lecture_net())


@pytest.mark.parametrize("name", ["SGD", "Momentum", "Adagrad", "Adadelta", "Adam", "RMSProp"])
def test_optimizer_and_its_state_round_trip(tmp_path, name):
    from core.optimizers import OPTIMIZERS
    net, opt = lecture_net(), OPTIMIZERS[name]()
    x, y = np.array([[0.05, 0.10], [0.3, -0.2]]), np.array([[0.01, 0.99], [0.5, 0.2]])
    for _ in range(3):
        opt.step(net, net.forward_backward(x, y)[1])
    project = load_project(save_project(tmp_path / "p.llproj", net, opt))
    net2, opt2 = project.network, project.optimizer
    assert opt2.spec() == opt.spec() and type(opt2) is type(opt)
    assert opt2.state.keys() == opt.state.keys()
    for key, state in opt.state.items():
        assert opt2.state[key].keys() == state.keys()
        for k, v in state.items():
            np.testing.assert_array_equal(opt2.state[key][k], v)
    # training on from the loaded project gives exactly what training on from memory gives
    for n, o in ((net, opt), (net2, opt2)):
        o.step(n, n.forward_backward(x, y)[1])
    assert_same_weights(net2, net)


def test_adam_betas_come_back_as_a_pair(tmp_path):
    from core.optimizers import Adam
    loaded = load_project(save_project(tmp_path / "p.llproj", lecture_net(), Adam(lr=0.01, betas=(0.8, 0.99))))
    assert loaded.optimizer.hyper["betas"] == (0.8, 0.99) and loaded.optimizer.hyper["lr"] == 0.01
