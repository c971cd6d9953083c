"""Chapter 7's learning-rate slider: all of its runs, one by one or at once.

Kelleher's 2-3-2-1 network on the power-plant data, full-batch gradient descent from the
lecture's weights, 10,000 epochs at most, tol 1e-4: the 61 learning rates of the
backprop panel's slider (10^-2 … 10^1), for one activation, trained

* ``fit``         one ``fit`` per α (what the panel did before ``fit_rates``);
* ``fit_rates``   ``dlcore.train.rates.fit_rates``: the 61 copies stacked, one epoch loop;
* ``torch``       PyTorch on the CPU, the same 61 stacked copies through ``torch.bmm``, the
                  same stop rule (a member stops once its SSE < tol), if torch is installed.

Medians over ``--repeats`` runs, interleaved. Nothing is asserted.

    .venv/bin/python benchmarks/rates_sweep.py [--activation logistic] [--repeats 3]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from dlcore.data import datasets
from dlcore.train.fit import fit
from dlcore.train.rates import fit_rates

RATES = [round(10 ** (-2 + 0.05 * k), 6) for k in range(61)]


def one_by_one(activation, d, epochs, tol):
    return [fit(datasets.kelleher_network(activation), d.X, d.T, lr=lr, epochs=epochs, tol=tol)
            for lr in RATES]


def at_once(activation, d, epochs, tol):
    return fit_rates(datasets.kelleher_network(activation), d.X, d.T, RATES, epochs=epochs, tol=tol)


def torch_stacked(activation, d, epochs, tol):
    import torch

    act = {"logistic": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda z: z,
           "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, 0.01)}[activation]
    K = len(RATES)
    net = datasets.kelleher_network(activation)
    Ws = [torch.tensor(np.repeat(l.W[None], K, 0), requires_grad=True) for l in net.layers]
    bs = [torch.tensor(np.repeat(l.b[None, None], K, 0), requires_grad=True) for l in net.layers]
    X, T = torch.tensor(d.X), torch.tensor(d.T)
    lr = torch.tensor(RATES, dtype=torch.float64)[:, None, None]
    alive = torch.ones(K, dtype=torch.bool)
    for _ in range(epochs + 1):
        a = X.expand(K, *X.shape)
        for W, b in zip(Ws, bs):
            a = act(torch.bmm(a, W.transpose(1, 2)) + b)
        E = 0.5 * ((a - T) ** 2).sum(dim=(1, 2))
        alive &= ~(E < tol)
        if not alive.any():
            break
        E.sum().backward()
        with torch.no_grad():
            step = lr * alive[:, None, None]
            for p in Ws + bs:
                p -= step * p.grad
                p.grad = None
    return alive


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--activation", default="logistic", choices=["logistic", "tanh", "relu", "leaky_relu",
                                                                     "linear"])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    d = datasets.power_plant()
    peers = {"fit": one_by_one, "fit_rates": at_once}
    try:
        import torch
        torch.set_num_threads(1)
        peers["torch"] = torch_stacked
    except ImportError:
        print("torch not installed: its row is left out")
    times = {name: [] for name in peers}
    for _ in range(args.repeats):
        for name, run in peers.items():
            t = time.perf_counter()
            run(args.activation, d, 10_000, 1e-4)
            times[name].append(time.perf_counter() - t)
    base = statistics.median(times["fit_rates"])
    print(f"61 learning rates, {args.activation}, up to 10,000 epochs each (median of {args.repeats}):")
    for name, ts in times.items():
        m = statistics.median(ts)
        print(f"  {name:<10} {m:7.2f} s   {m / base:5.2f}x fit_rates")


if __name__ == "__main__":
    main()
