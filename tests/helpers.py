"""Shared test utilities: independent finite differences and random networks."""
from __future__ import annotations

import numpy as np

import dlcore as dl


def central_diff(f, x, eps=1e-6):
    """Elementwise derivative of an elementwise function f at x by central differences."""
    return (f(x + eps) - f(x - eps)) / (2 * eps)


def random_network(sizes, hidden, out_act, loss, seed, **loss_kwargs):
    """A network with ``sizes = [n_in, h1, ..., n_out]``, random weights and biases."""
    rng = np.random.default_rng(seed)
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        act = out_act if i == len(sizes) - 2 else hidden
        layer = dl.Dense(a, b, activation=act, init="normal", init_kwargs={"sigma": 0.8}, rng=rng)
        layer.b[...] = rng.normal(0, 0.5, b)
        if hasattr(layer, "lam"):
            layer.lam[...] = rng.uniform(0.05, 0.5, b)
        layers.append(layer)
    return dl.Network(layers, loss=dl.losses.get(loss, **loss_kwargs))


def random_targets(loss, n, k, rng):
    """Targets valid for ``loss``: real values, probabilities or one-hot rows."""
    if loss == "cross_entropy":
        return dl.one_hot(rng.integers(0, k, n), k)
    if loss == "binary_cross_entropy":
        return rng.integers(0, 2, (n, k)).astype(float)
    return rng.normal(0, 1, (n, k))


def image(out):
    """The PNG (base64) an Output widget currently shows; fails if it shows none."""
    assert out.outputs and "image/png" in out.outputs[-1]["data"]
    return out.outputs[-1]["data"]["image/png"]


def panel_png(panel):
    """The PNG a live panel shows now (``dlcore.ui.live.live_panel``: an Image widget)."""
    data = bytes(panel.image.value)
    assert data.startswith(b"\x89PNG"), "the panel must show a PNG"
    return data


def figure_text(fig):
    """Every visible text of a matplotlib figure, joined: titles (all positions), the
    suptitle, figure texts and axes texts, legends' labels."""
    parts = []
    if fig._suptitle is not None:
        parts.append(fig._suptitle.get_text())
    parts += [t.get_text() for t in fig.texts if t.get_visible()]
    for ax in fig.axes:
        parts += [ax.get_title(loc=loc) for loc in ("left", "center", "right")]
        parts += [t.get_text() for t in ax.texts if t.get_visible()]
        legend = ax.get_legend()
        if legend is not None:
            parts += [t.get_text() for t in legend.get_texts()]
    return "\n".join(p for p in parts if p)


def description(panel, contains, timeout=5.0):
    """The text a live panel gives screen readers for its figure, once it mentions
    ``contains`` (it follows the controls 0.4 s after they rest)."""
    import time

    deadline = time.monotonic() + timeout
    while contains not in panel.description.value and time.monotonic() < deadline:
        time.sleep(0.05)
    return panel.description.value
