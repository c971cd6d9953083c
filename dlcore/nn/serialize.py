"""Saving and loading networks: one ``.npz`` file of arrays plus JSON metadata, no pickle.

``save(net, path)`` writes every parameter array under the key ``"layer{l}/{name}"``
(layers numbered 1 … L as in the lectures) and one more entry, ``"__dlcore__"``, holding
UTF-8 JSON that describes the network:

    {"format": "dlcore-network", "format_version": 1, "dlcore_version": "0.2.0",
     "dtype": "float64", "loss": {"name": "sse"},
     "layers": [{"type": "Dense", "config": {"n_in": 2, "n_out": 3, "activation": "logistic"},
                 "params": {"W": {"shape": [3, 2], "dtype": "float64"}, ...}}, ...]}

``load(path)`` rebuilds each layer from its ``config`` (constructor arguments only, read
from the layers' public attributes), then checks every stored array against the metadata
and against the layer it is copied into (same names, shapes and dtype, finite values)
before copying it. Files are read with ``allow_pickle=False``, so loading never runs code
from the file. A truncated, malformed or foreign file is refused with a ``ValueError``
that says what is wrong.
"""
from __future__ import annotations

import json
import os
import zipfile
from importlib import metadata as _metadata

import numpy as np

from . import activations as _act
from . import losses as _losses
from .conv import Conv2D, Flatten
from .layers import Dense, Dropout
from .lstm import LSTM
from .pooling import AvgPool2D, MaxPool2D
from .recurrent import SimpleRNN

__all__ = ["save", "load", "layer_classes", "FORMAT", "FORMAT_VERSION", "META_KEY"]

FORMAT = "dlcore-network"
FORMAT_VERSION = 1
META_KEY = "__dlcore__"


def _version():
    try:
        return _metadata.version("dlcore")
    except _metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def _activation(act):
    """An activation as JSON: its name, plus α for leaky ReLU."""
    out = {"name": act.name}
    if act.name == "leaky_relu":
        out["alpha"] = float(act.alpha)
    return out


# Each layer type: (how to read its constructor arguments, how to build it from them).
def _dense_config(layer):
    return {"n_in": layer.n_in, "n_out": layer.n_out, "activation": _activation(layer.activation)}


def _conv_config(layer):
    return {"c_in": layer.c_in, "c_out": layer.c_out, "kernel_size": list(layer.kernel_size),
            "stride": list(layer.stride), "padding": list(layer.padding),
            "activation": _activation(layer.activation)}


def _rnn_config(layer):
    return {"n_features": layer.n_in, "n_hidden": layer.n_out,
            "activation": _activation(layer.hidden_activation),
            "return_sequences": layer.return_sequences}


def _lstm_config(layer):
    return {"n_features": layer.n_in, "n_hidden": layer.n_out,
            "return_sequences": layer.return_sequences}


def _pool_config(layer):
    return {"size": list(layer.size), "stride": list(layer.stride)}


def _with_act(**extra):
    def build(cls, config, dtype):
        c = dict(config)
        a = c.pop("activation")
        act = _act.get(a["name"], **({"alpha": a["alpha"]} if "alpha" in a else {}))
        return cls(**c, activation=act, dtype=dtype, **extra)
    return build


def _plain(cls, config, dtype):
    return cls(**config)


# Each layer type by name: (how to read its constructor arguments, how to build it from them).
LAYERS = {
    "Dense": (_dense_config, _with_act(init="zeros")),
    "Conv2D": (_conv_config, _with_act(init="zeros")),
    "SimpleRNN": (_rnn_config, _with_act(init="zeros", recurrent_init="zeros")),
    "LSTM": (_lstm_config, lambda cls, c, dtype: cls(**c, init="zeros", dtype=dtype)),
    "Dropout": (lambda l: {"rate": l.rate}, _plain),
    "MaxPool2D": (_pool_config, _plain),
    "AvgPool2D": (_pool_config, _plain),
    "Flatten": (lambda l: {"input_shape": None if l.input_shape is None else list(l.input_shape)}, _plain),
}


def layer_classes():
    """dlcore's layer classes by name: the ones ``save`` can describe and ``load`` rebuild."""
    return {cls.__name__: cls for cls in (Dense, Dropout, Conv2D, Flatten, MaxPool2D, AvgPool2D,
                                          SimpleRNN, LSTM)}


def _loss_config(loss):
    out = {"name": loss.name}
    if loss.name == "cross_entropy" and loss.label_smoothing:
        out["label_smoothing"] = float(loss.label_smoothing)
    return out


def _describe(network):
    """The JSON metadata of ``network`` (see the module docstring)."""
    layers, known = [], layer_classes()
    for l, layer in enumerate(network.layers, start=1):
        kind = type(layer).__name__
        if type(layer) is not known.get(kind):
            raise TypeError(f"cannot save layer {l} of type {kind}: save knows {sorted(LAYERS)}")
        layers.append({"type": kind, "config": LAYERS[kind][0](layer),
                       "params": {k: {"shape": list(v.shape), "dtype": str(v.dtype)}
                                  for k, v in layer.params.items()}})
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "dlcore_version": _version(),
            "dtype": str(np.dtype(network.dtype)), "loss": _loss_config(network.loss_fn),
            "layers": layers}


def save(network, path):
    """Write ``network`` to ``path`` (a ``.npz`` file; the suffix is added if missing).

    Returns the path written. Raises ``TypeError`` for a layer type it cannot describe.
    """
    if not (hasattr(network, "layers") and hasattr(network, "loss_fn")):
        raise TypeError(f"network must be a dlcore Network, got {type(network).__name__}")
    path = os.fspath(path)
    if not path.endswith(".npz"):
        path += ".npz"
    meta = json.dumps(_describe(network)).encode("utf-8")
    arrays = {f"layer{l}/{k}": v for l, layer in enumerate(network.layers, start=1)
              for k, v in layer.params.items()}
    with open(path, "wb") as fh:
        np.savez(fh, **{META_KEY: np.frombuffer(meta, dtype=np.uint8)}, **arrays)
    return path


def _refuse(path, why):
    return ValueError(f"{path} is not a network saved by dlcore.save: {why}")


def _read(path):
    """(metadata dict, {key: array}) from the file, or a ValueError saying why not."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as exc:
        raise _refuse(path, f"it cannot be read as an .npz archive ({type(exc).__name__}: {exc}); "
                            "the file may be truncated or of another format") from exc
    if META_KEY not in arrays:
        raise _refuse(path, f"it has no {META_KEY!r} entry (arrays found: {sorted(arrays)[:5]})")
    raw = arrays.pop(META_KEY)
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise _refuse(path, f"its {META_KEY!r} entry must be UTF-8 bytes, got {raw.dtype} of shape {raw.shape}")
    try:
        meta = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _refuse(path, f"its metadata is not valid JSON ({exc})") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise _refuse(path, f"its metadata names format {meta.get('format') if isinstance(meta, dict) else meta!r}, "
                            f"expected {FORMAT!r}")
    if meta.get("format_version") != FORMAT_VERSION:
        raise _refuse(path, f"format version {meta.get('format_version')!r} is not the "
                            f"supported version {FORMAT_VERSION} (saved by dlcore {meta.get('dlcore_version')})")
    for key in ("dtype", "loss", "layers"):
        if key not in meta:
            raise _refuse(path, f"its metadata lacks {key!r}")
    if not isinstance(meta["layers"], list) or not meta["layers"]:
        raise _refuse(path, "its metadata lists no layers")
    return meta, arrays


def _build_layer(path, l, spec, dtype, classes):
    if not isinstance(spec, dict) or spec.get("type") not in classes:
        kind = spec.get("type") if isinstance(spec, dict) else spec
        raise _refuse(path, f"layer {l} has unknown type {kind!r}; expected one of {sorted(LAYERS)}")
    try:
        return LAYERS[spec["type"]][1](classes[spec["type"]], spec["config"], dtype)
    except (KeyError, TypeError, ValueError) as exc:
        raise _refuse(path, f"layer {l} ({spec['type']}) has an invalid config "
                            f"{spec.get('config')!r}: {exc}") from exc


def _copy_params(path, l, layer, spec, arrays):
    """Check layer l's stored arrays against the metadata and the layer, then copy them in."""
    want = layer.params
    listed = spec.get("params", {})
    if not isinstance(listed, dict) or set(listed) != set(want):
        raise _refuse(path, f"layer {l} ({spec['type']}) lists parameters {sorted(listed)}, "
                            f"a {spec['type']} has {sorted(want)}")
    for name, target in want.items():
        key = f"layer{l}/{name}"
        if key not in arrays:
            raise _refuse(path, f"the array {key!r} is missing")
        arr, info = arrays.pop(key), listed[name]
        if list(arr.shape) != list(info.get("shape", [])) or tuple(arr.shape) != target.shape:
            raise _refuse(path, f"{key} has shape {arr.shape}; the metadata says "
                                f"{tuple(info.get('shape', []))} and the layer needs {target.shape}")
        if str(arr.dtype) != info.get("dtype") or arr.dtype != target.dtype:
            raise _refuse(path, f"{key} has dtype {arr.dtype}; the metadata says "
                                f"{info.get('dtype')} and the network's dtype is {target.dtype}")
        if not np.all(np.isfinite(arr)):
            raise _refuse(path, f"{key} holds NaN or infinite values")
        target[...] = arr


def load(path, network_class):
    """Read a network written by ``save``, checking every array before it is used.

    ``network_class`` is the class to build, ``Network``: ``Network.load(path)`` passes
    itself, so this module never imports ``network.py`` (which imports it).
    """
    path = os.fspath(path)
    meta, arrays = _read(path)
    try:
        dtype = np.dtype(meta["dtype"])
    except TypeError as exc:
        raise _refuse(path, f"unknown dtype {meta['dtype']!r}") from exc
    if dtype not in (np.float32, np.float64):
        raise _refuse(path, f"dtype must be float32 or float64, got {dtype}")
    classes = layer_classes()
    layers = [_build_layer(path, l, spec, dtype, classes) for l, spec in enumerate(meta["layers"], start=1)]
    for l, (layer, spec) in enumerate(zip(layers, meta["layers"]), start=1):
        _copy_params(path, l, layer, spec, arrays)
    if arrays:
        raise _refuse(path, f"it holds arrays no layer uses: {sorted(arrays)}")
    loss = meta["loss"]
    try:
        loss_fn = _losses.get(loss["name"], **{k: v for k, v in loss.items() if k != "name"})
        return network_class(layers, loss=loss_fn)
    except (KeyError, TypeError, ValueError) as exc:
        raise _refuse(path, f"its layers and loss {loss!r} do not make a network: {exc}") from exc
