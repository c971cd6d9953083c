"""Saving and loading networks (dlcore.nn.serialize): round trips for every layer type and
refusal of truncated, malformed and foreign files.

A round trip is checked by what the network computes, not by what save wrote: the loaded
network must give bit-identical outputs, losses and gradients on fresh inputs, have the same
layer types and constructor settings, and be independent of the original (no shared arrays).
"""
from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

import dlcore as dl
from dlcore.nn import serialize


def _perturb(net, seed):
    """Give every parameter (biases, λ, forget-gate bias too) a distinct random value."""
    rng = np.random.default_rng(seed)
    for _, _, arr in net.parameters():
        arr[...] = rng.normal(0, 0.5, arr.shape)
    return net


def _nets():
    f32 = np.float32
    return {
        "dense logistic (Kelleher)": (dl.datasets.kelleher_network(), (4, 2), 1),
        "dense prelu + leaky + softmax/ce": (
            dl.Network([dl.Dense(3, 4, "prelu", rng=0), dl.Dropout(0.25),
                        dl.Dense(4, 4, dl.activations.get("leaky_relu", alpha=0.2), rng=1),
                        dl.Dense(4, 3, "softmax", rng=2)],
                       loss=dl.losses.get("cross_entropy", label_smoothing=0.1)), (5, 3), 3),
        "dense float32 bce": (dl.Network([dl.Dense(2, 3, "tanh", rng=0, dtype=f32),
                                          dl.Dense(3, 1, "logistic", rng=0, dtype=f32)],
                                         loss="binary_cross_entropy"), (6, 2), 1),
        "conv, pools, flatten": (
            dl.Network([dl.Conv2D(2, 3, (3, 2), stride=(1, 2), padding=(1, 0), activation="relu", rng=0),
                        dl.MaxPool2D(2), dl.Conv2D(3, 2, 1, activation="prelu", rng=1),
                        dl.AvgPool2D(2, stride=1), dl.Flatten((2, 2, 1)), dl.Dense(4, 2, "linear", rng=2)],
                       loss="mse"), (3, 2, 6, 8), 2),
        "simple rnn": (dl.Network([dl.SimpleRNN(2, 4, activation="relu", return_sequences=False, rng=0),
                                   dl.Dense(4, 1, "linear", rng=1)]), (3, 5, 2), 1),
        "lstm float32": (dl.Network([dl.LSTM(3, 2, rng=0, forget_bias=1.0, dtype=f32),
                                     dl.Dense(2, 2, "linear", rng=1, dtype=f32)]), (2, 4, 3), 2),
    }


def _targets(net, n, k, rng):
    if net.loss_fn.name == "cross_entropy":
        return np.eye(k)[rng.integers(0, k, n)]
    if net.loss_fn.name == "binary_cross_entropy":
        return rng.integers(0, 2, (n, k)).astype(float)
    return rng.normal(size=(n, k))


@pytest.mark.parametrize("name", list(_nets()))
def test_round_trip_computes_exactly_the_same(name, tmp_path):
    net, shape, k = _nets()[name]
    _perturb(net, seed=len(name))
    path = net.save(tmp_path / "net")                 # the suffix is added
    assert path.endswith("net.npz")
    loaded = dl.Network.load(path)

    assert [type(l) for l in loaded.layers] == [type(l) for l in net.layers]
    assert [repr(l) for l in loaded.layers] == [repr(l) for l in net.layers]
    assert repr(loaded.loss_fn) == repr(net.loss_fn) and loaded.dtype == net.dtype
    for (l, name_, a), (l2, name2, b) in zip(net.parameters(), loaded.parameters()):
        assert (l, name_) == (l2, name2) and a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
        assert not np.shares_memory(a, b)

    rng = np.random.default_rng(1)
    X = rng.normal(size=shape).astype(net.dtype)
    T = _targets(net, shape[0], k, rng)
    np.testing.assert_array_equal(loaded.predict(X), net.predict(X))
    assert loaded.loss(X, T) == net.loss(X, T)
    g1 = net.backward(net.forward(X, training=True, rng=3), T)
    g2 = loaded.backward(loaded.forward(X, training=True, rng=3), T)   # same dropout masks
    for p1, p2 in zip(g1.params[1:], g2.params[1:]):
        assert p1.keys() == p2.keys()
        for key in p1:
            np.testing.assert_array_equal(p1[key], p2[key])


def test_leaky_relu_slope_and_dropout_rate_survive(tmp_path):
    net = dl.Network([dl.Dense(2, 2, dl.activations.get("leaky_relu", alpha=0.3), rng=0),
                      dl.Dropout(0.4), dl.Dense(2, 1, "linear", rng=0)])
    loaded = dl.Network.load(net.save(tmp_path / "n.npz"))
    assert loaded.layers[0].activation.alpha == 0.3 and loaded.layers[1].rate == 0.4


def test_the_metadata_is_json_and_no_pickle(tmp_path):
    path = dl.datasets.kelleher_network("relu").save(tmp_path / "k.npz")
    with np.load(path, allow_pickle=False) as npz:            # readable without pickle
        meta = json.loads(npz[serialize.META_KEY].tobytes())
        assert sorted(npz.files) == sorted([serialize.META_KEY] + [f"layer{l}/{p}" for l in (1, 2, 3)
                                                                   for p in ("W", "b")])
    assert meta["format"] == "dlcore-network" and meta["dtype"] == "float64"
    assert meta["loss"] == {"name": "sse"}
    assert meta["dlcore_version"] == dl.__version__
    assert [s["type"] for s in meta["layers"]] == ["Dense"] * 3
    assert meta["layers"][0]["config"] == {"n_in": 2, "n_out": 3, "activation": {"name": "relu"}}
    assert meta["layers"][1]["params"]["W"] == {"shape": [2, 3], "dtype": "float64"}


# ------------------------------------------------------------------ bad files
def _rewrite(path, *, meta=None, arrays=None, drop=()):
    """Write a copy of ``path`` with the metadata changed by ``meta(dict)`` and arrays replaced."""
    with np.load(path) as npz:
        content = {k: npz[k] for k in npz.files}
    m = json.loads(content[serialize.META_KEY].tobytes())
    if meta:
        meta(m)
    content[serialize.META_KEY] = np.frombuffer(json.dumps(m).encode(), np.uint8)
    content.update(arrays or {})
    for k in drop:
        content.pop(k)
    out = path.replace(".npz", "_bad.npz")
    np.savez(out, **content)
    return out


@pytest.fixture
def saved(tmp_path):
    return dl.datasets.kelleher_network().save(tmp_path / "k.npz")


def test_truncated_file_is_refused(saved):
    data = open(saved, "rb").read()
    for cut in (10, len(data) // 2, len(data) - 30):
        with open(saved, "wb") as fh:
            fh.write(data[:cut])
        with pytest.raises(ValueError, match="not a network saved by dlcore.save.*truncated"):
            dl.Network.load(saved)


def test_foreign_files_are_refused(tmp_path):
    text = tmp_path / "notes.npz"
    text.write_text("hello, I am not an archive")
    with pytest.raises(ValueError, match="cannot be read as an .npz"):
        dl.Network.load(text)
    plain = tmp_path / "plain.npz"
    np.savez(plain, W=np.ones((2, 2)))
    with pytest.raises(ValueError, match="no '__dlcore__' entry"):
        dl.Network.load(plain)
    zipped = tmp_path / "zip.npz"
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("readme.txt", "a zip, but not numpy's")
    with pytest.raises(ValueError, match="not a network saved by dlcore.save"):
        dl.Network.load(zipped)
    with pytest.raises(FileNotFoundError):
        dl.Network.load(tmp_path / "missing.npz")


def test_pickled_objects_are_never_loaded(tmp_path):
    evil = tmp_path / "evil.npz"
    np.savez(evil, __dlcore__=np.array([{"format": "dlcore-network"}], dtype=object))
    with pytest.raises(ValueError, match="cannot be read"):
        dl.Network.load(evil)


@pytest.mark.parametrize("change, message", [
    (lambda m: m.update(format="other-tool"), "format 'other-tool'"),
    (lambda m: m.update(format_version=99), "format version 99"),
    (lambda m: m.pop("loss"), "lacks 'loss'"),
    (lambda m: m.update(layers=[]), "lists no layers"),
    (lambda m: m.update(dtype="int8"), "float32 or float64"),
    (lambda m: m["layers"][0].update(type="Mystery"), "layer 1 has unknown type 'Mystery'"),
    (lambda m: m["layers"][1]["config"].update(n_out=-2), "layer 2 \\(Dense\\) has an invalid config"),
    (lambda m: m["layers"][1]["config"].update(n_out=5), "layer2/W has shape \\(2, 3\\).*needs \\(5, 3\\)"),
    (lambda m: m["layers"][0]["params"]["W"].update(shape=[2, 3]), "layer1/W has shape \\(3, 2\\); the metadata says \\(2, 3\\)"),
    (lambda m: m["layers"][2]["params"]["b"].update(dtype="float32"), "layer3/b has dtype float64; the metadata says float32"),
    (lambda m: m["layers"][0]["params"].pop("b"), "lists parameters \\['W'\\]"),
    (lambda m: m.update(loss={"name": "hinge"}), "do not make a network"),
])
def test_malformed_metadata_is_refused(saved, change, message):
    with pytest.raises(ValueError, match=message):
        dl.Network.load(_rewrite(saved, meta=change))


def test_bad_arrays_are_refused(saved):
    with pytest.raises(ValueError, match="layer2/W has shape \\(3, 2\\)"):
        dl.Network.load(_rewrite(saved, arrays={"layer2/W": np.zeros((3, 2))}))
    with pytest.raises(ValueError, match="layer1/b has dtype float32"):
        dl.Network.load(_rewrite(saved, arrays={"layer1/b": np.zeros(3, np.float32)}))
    with pytest.raises(ValueError, match="layer1/W holds NaN"):
        dl.Network.load(_rewrite(saved, arrays={"layer1/W": np.full((3, 2), np.nan)}))
    with pytest.raises(ValueError, match="the array 'layer3/W' is missing"):
        dl.Network.load(_rewrite(saved, drop=["layer3/W"]))
    with pytest.raises(ValueError, match="arrays no layer uses: \\['layer4/W'\\]"):
        dl.Network.load(_rewrite(saved, arrays={"layer4/W": np.zeros(2)}))


def test_metadata_that_is_not_json_is_refused(saved):
    with np.load(saved) as npz:
        content = {k: npz[k] for k in npz.files}
    content[serialize.META_KEY] = np.frombuffer(b"{not json", np.uint8)
    np.savez(saved, **content)
    with pytest.raises(ValueError, match="not valid JSON"):
        dl.Network.load(saved)


def test_save_refuses_what_it_cannot_describe(tmp_path):
    with pytest.raises(TypeError, match="network must be a dlcore Network"):
        serialize.save("not a net", tmp_path / "x.npz")

    class Custom(dl.Dense):
        pass

    net = dl.Network([Custom(2, 1, "linear", rng=0)])
    with pytest.raises(TypeError, match="cannot save layer 1 of type Custom"):
        net.save(tmp_path / "x.npz")
