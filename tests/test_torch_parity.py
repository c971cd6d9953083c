"""Gradients against an independent automatic-differentiation implementation (PyTorch).

Optional: runs when torch is installed (``.ci/run`` installs the local CPU wheel when it
can). PyTorch is never a dependency of dlcore.
"""
import numpy as np
import pytest
from helpers import random_network, random_targets

torch = pytest.importorskip("torch")
F = torch.nn.functional

ACTS = {
    "linear": lambda z, lay: z,
    "logistic": lambda z, lay: torch.sigmoid(z),
    "tanh": lambda z, lay: torch.tanh(z),
    "relu": lambda z, lay: torch.relu(z),
    "leaky_relu": lambda z, lay: F.leaky_relu(z, lay.activation.alpha),
    "prelu": None,  # uses the layer's λ parameter, handled below
    "softmax": lambda z, lay: torch.softmax(z, dim=-1),
}


def torch_loss(name, a, z, t, eps):
    if name == "sse":
        return 0.5 * ((a - t) ** 2).sum()
    if name == "mse":
        return ((a - t) ** 2).mean(dim=-1).sum()
    if name == "binary_cross_entropy":
        return F.binary_cross_entropy(a, t, reduction="sum")
    k = t.shape[-1]
    t_smooth = (1 - eps) * t + eps / k
    return -(t_smooth * torch.log(a)).sum()


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("hidden", ["linear", "logistic", "tanh", "relu", "leaky_relu", "prelu"])
@pytest.mark.parametrize("loss, out, eps", [("sse", "linear", 0), ("mse", "tanh", 0),
                                            ("binary_cross_entropy", "logistic", 0),
                                            ("cross_entropy", "softmax", 0),
                                            ("cross_entropy", "softmax", 0.2)])
def test_gradients_match_pytorch_autograd(hidden, loss, out, eps, seed):
    sizes = [4, 6, 5, 3]
    net = random_network(sizes, hidden, out, loss, seed, **({"label_smoothing": eps} if eps else {}))
    rng = np.random.default_rng(seed + 50)
    X = rng.normal(size=(7, 4))
    T = random_targets(loss, 7, 3, rng)
    grads = net.backward(net.forward(X), T)

    params = [{k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in layer.params.items()}
              for layer in net.layers]
    a = torch.tensor(X)
    for layer, p in zip(net.layers, params):
        z = a @ p["W"].T + p["b"]
        if layer.activation.name == "prelu":
            a = torch.where(z > 0, z, p["lam"] * z)
        else:
            a = ACTS[layer.activation.name](z, layer)
    E = torch_loss(loss, a, z, torch.tensor(T), eps)
    E.backward()
    # dlcore evaluates cross-entropies from the logits; torch's BCE takes logs of
    # probabilities, which loses a few digits for confident outputs: hence 1e-9, not 1e-12
    assert net.loss(X, T) == pytest.approx(E.item(), rel=1e-9)
    for l, p in enumerate(params, start=1):
        for k, tensor in p.items():
            np.testing.assert_allclose(grads.params[l][k], tensor.grad.numpy(), rtol=1e-10, atol=1e-12,
                                       err_msg=f"layer {l} {k}")
