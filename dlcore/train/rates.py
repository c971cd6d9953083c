"""Full-batch gradient descent at many learning rates at once: one network, K copies.

A learning-rate slider needs a run for every α it can reach. Trained one by one with
``fit``, Kelleher's 2-3-2-1 network costs about 60 µs of Python per epoch, so 10⁴ epochs
take ≈ 0.6 s per α, and a slider's 61 positions half a minute. Stacked, the K copies'
weights are (K, n_out, n_in) arrays and one epoch is one set of numpy calls for all K:
the 61 runs then cost about three times what one did (``benchmarks/rates_sweep.py``,
logistic: 1.2 s for all 61, against 33 s for one ``fit`` per α and 4.1 s for the same
stacked loop in PyTorch on the CPU).

Like an engine behind ``fit``, it computes nothing of its own: the activations' forward
and backward, the loss and its gradient are the ``nn`` objects' methods, applied to
stacked arrays; only z = a_prev Wᵀ + b and ∂E/∂W = δᵀ a_prev are written here for a
leading axis of K members.

``fit_rates`` returns, for each α, the ``History`` that ``fit(copy of network, X, T,
lr=α, epochs=epochs, tol=tol, reduction=reduction)`` returns: the same losses, status,
epochs, divergence and message (``tests/test_rates.py`` compares them). It supports what
that needs and refuses the rest, naming ``fit`` as the way: Dense layers with
elementwise, non-parametric activations, and the SSE loss.
"""
from __future__ import annotations

import numpy as np

from .._validate import check_choice, check_int, check_real
from ..nn.layers import Dense
from .stopping import History, message

__all__ = ["fit_rates"]


def _check(network, lrs, epochs, tol, reduction, diverge_factor):
    layers = network.layers
    if not all(isinstance(l, Dense) and not l.activation.parametric
               and l.activation.name != "softmax" for l in layers):
        raise ValueError("fit_rates: network must be Dense layers with elementwise activations "
                         f"(got {[type(l).__name__ for l in layers]}); train it with fit instead")
    if network.loss_fn.name != "sse":
        raise ValueError(f"fit_rates: the network's loss must be 'sse', got {network.loss_fn.name!r}; "
                         "train it with fit instead")
    lrs = np.asarray(lrs, dtype=float)
    if lrs.ndim != 1 or lrs.size == 0 or not np.all(np.isfinite(lrs)) or np.any(lrs <= 0):
        raise ValueError(f"lrs must be a non-empty 1-D sequence of finite rates > 0, got {lrs!r}")
    check_int(epochs, "epochs", minimum=1)
    check_real(tol, "tol", low=0.0, allow_none=True)
    check_choice(reduction, "reduction", ("sum", "mean"))
    check_real(diverge_factor, "diverge_factor", low=1.0, low_open=True)
    return lrs


def fit_rates(network, X, T, lrs, epochs=1000, tol=None, reduction="sum", diverge_factor=1e6):
    """Train a copy of ``network`` at each learning rate in ``lrs`` (K,), full batch,
    on X (n, n_in) and T (n, n_out); ``network`` itself is not changed.

    Each epoch e = 0 … ``epochs``: E = loss before the update (eq. 18, summed or averaged
    over the n rows), then the stop rules of ``fit`` (divergence, E < ``tol``, last epoch),
    then one step W ← W − α ∂E/∂W for every layer (eq. 29-30). Returns a list of K
    ``History`` objects, in the order of ``lrs``.
    """
    lrs = _check(network, lrs, epochs, tol, reduction, diverge_factor)
    X = network.check_X(X)
    T = network.check_T(T, X.shape[0])
    K = lrs.size
    scale = 1.0 / X.shape[0] if reduction == "mean" else 1.0
    layers, loss = network.layers, network.loss_fn
    # every member's parameters in one row of theta (K, P): one call updates or measures them all
    theta = np.repeat(np.concatenate([np.r_[l.W.ravel(), l.b] for l in layers])[None], K, axis=0)
    grad = np.empty_like(theta)
    limit = diverge_factor * max(_norms(theta)[0], 1.0)
    alive = np.arange(K)                 # the members still training, as indices into lrs
    losses = np.full((K, epochs + 1), np.nan)
    histories = [History() for _ in range(K)]
    params, grads = _views(layers, theta), _views(layers, grad)    # rebuilt only when members stop
    with np.errstate(all="ignore"):      # divergence is detected from the loss, as in fit
        for epoch in range(epochs + 1):
            zs, acts = _forward(layers, params, X)
            E = scale * loss.per_example(acts[-1], T).sum(axis=1)
            losses[alive, epoch] = E
            stop = _stops(histories, alive, E, losses[alive, 0], _norms(theta), epoch, epochs,
                          tol, diverge_factor, limit)
            if stop.any():
                keep = ~stop
                alive, theta, grad = alive[keep], theta[keep], grad[keep]
                params, grads = _views(layers, theta), _views(layers, grad)
                zs, acts = [z[keep] for z in zs], [X] + [a[keep] for a in acts[1:]]
                if not alive.size:
                    break
            _backward(layers, params, grads, zs, acts, scale * loss.grad(acts[-1], T, check=False))
            theta -= lrs[alive, None] * grad
    for k, h in enumerate(histories):
        h.loss = [float(v) for v in losses[k, :h.epochs + 1]]
        h.final_loss = h.loss[-1]
        h.message = message(h, tol)
    return histories


def _views(layers, flat):
    """[(W (K, n_out, n_in), b (K, 1, n_out))] per layer: views into the rows of ``flat``."""
    out, offset = [], 0
    for l in layers:
        m, k = l.W.size, l.b.size
        out.append((flat[:, offset:offset + m].reshape(-1, *l.W.shape),
                    flat[:, offset + m:offset + m + k].reshape(-1, 1, k)))
        offset += m + k
    return out


def _forward(layers, params, X):
    """z = a_prev Wᵀ + b, a = φ(z) per layer, for all members: (K, n, n_out) arrays."""
    zs, acts = [], [X]
    for layer, (W, b) in zip(layers, params):
        z = np.matmul(acts[-1], W.transpose(0, 2, 1))
        z += b
        zs.append(z)
        acts.append(layer.activation.forward(z))
    return zs, acts


def _backward(layers, params, grads, zs, acts, dA):
    """δ from ∂E/∂a of the output back through every layer (eq. 21-23); ∂E/∂W = δᵀ a_prev
    and ∂E/∂b = Σ δ (eq. 29) written into ``grads``' views."""
    for l in range(len(layers) - 1, -1, -1):
        delta = layers[l].activation.backward(dA, zs[l], acts[l + 1])
        gW, gb = grads[l]
        gW[...] = np.matmul(delta.transpose(0, 2, 1), acts[l])
        gb[...] = delta.sum(axis=1, keepdims=True)
        if l:
            dA = np.matmul(delta, params[l][0])


def _norms(theta):
    """‖θ‖ of each member (the rows of theta): (K,)."""
    return np.sqrt(np.einsum("kp,kp->k", theta, theta))


def _stops(histories, alive, E, E0, norms, epoch, epochs, tol, factor, limit):
    """fit's stop rules for each member (``Monitor.done``, ``Divergence.check``): a
    boolean mask over ``alive``; the members that stop get their status and epochs."""
    loss_bad = ~np.isfinite(E) | (E > factor * np.maximum(E0, 1e-12))
    bad = loss_bad | ~np.isfinite(norms) | (norms > limit)
    done = (tol is not None) & (E < (tol if tol is not None else 0.0)) | (epoch == epochs)
    stop = bad | done
    for i in np.flatnonzero(stop):
        h = histories[alive[i]]
        if loss_bad[i]:
            h.divergence = f"the loss became {float(E[i]):.3g}"
        elif bad[i]:
            h.divergence = ("a weight became infinite or NaN" if not np.isfinite(norms[i])
                            else f"the weights' norm grew to {float(norms[i]):.3g}")
        h.status = ("diverged" if bad[i] else "converged" if tol is not None and E[i] < tol
                    else "max_epochs")
        h.epochs = epoch
    return stop
