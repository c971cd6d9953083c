"""A learning-rate slider's runs (chapters 7 and 13), one by one or all at once.

Kelleher's 2-3-2-1 network on the power-plant data, full-batch gradient descent from the
lecture's weights, 10,000 epochs at most, tol 1e-4: the 61 learning rates of the
backprop panel's slider (≈ 10^-2 … 10^1, 0.2 among them), for one activation, trained

* ``fit``         one ``fit`` per α (what the panel did before ``fit_rates``);
* ``fit_rates``   ``dlcore.train.rates.fit_rates``: the 61 copies stacked, one epoch loop;
* ``torch``       PyTorch on the CPU, the same 61 stacked copies through ``torch.bmm``, the
                  same stop rule (a member stops once its SSE < tol), if torch is installed.

``--task digits``: chapter 13's slider, Kaplan's 64-100-10 ReLU/softmax classifier on the
8×8 digits, 20 epochs of mini-batches of 32 (the same shuffled order for every rate), mean
cross-entropy, with the training loss on the whole set, the validation loss and the
validation accuracy after every epoch, at the 31 learning rates of the digits panel
(≈ 0.01 … 10): one ``fit`` per α with an ``AccuracyMonitor``, ``fit_rates``, and the same
31 stacked copies in PyTorch (``torch.bmm`` and autograd, the same batches and
measurements).

Medians over ``--repeats`` runs, interleaved, one BLAS thread for all. Nothing is asserted.

    .venv/bin/python benchmarks/rates_sweep.py [--task kelleher|digits] [--activation logistic] [--repeats 3]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_limits

from dlcore.chapters.ch07_backprop import RATES
from dlcore.chapters.ch13_digits import LRS, classifier
from dlcore.data import datasets
from dlcore.train.fit import fit
from dlcore.train.rates import fit_rates
from dlcore.train.record import AccuracyMonitor



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


EPOCHS, BATCH, SEED = 20, 32, 0


def digits_one_by_one(d):
    for lr in LRS:
        fit(classifier(rng=SEED), d.X_train, d.T_train, lr=lr, epochs=EPOCHS, batch_size=BATCH, reduction="mean",
            rng=SEED, validation=(d.X_val, d.T_val), callback=AccuracyMonitor(d.X_val, d.y_val), epoch_loss="full")


def digits_at_once(d):
    fit_rates(classifier(rng=SEED), d.X_train, d.T_train, LRS, epochs=EPOCHS, batch_size=BATCH, reduction="mean",
              rng=SEED, validation=(d.X_val, d.T_val), accuracy=d.y_val, epoch_loss="full")


def digits_torch(d):
    import torch

    K, net = len(LRS), classifier(rng=SEED)
    params = []
    for layer in net.layers:
        params.append(torch.tensor(np.repeat(layer.W.T[None], K, 0), requires_grad=True))     # (K, in, out)
        params.append(torch.tensor(np.repeat(layer.b[None, None], K, 0), requires_grad=True))
    X, T = torch.tensor(d.X_train), torch.tensor(d.T_train)
    Xv, Tv, yv = torch.tensor(d.X_val), torch.tensor(d.T_val), torch.tensor(d.y_val)
    lr = torch.tensor(LRS, dtype=torch.float64)[:, None, None]
    rng = np.random.default_rng(SEED)

    def logits(A):
        h = torch.relu(torch.matmul(A, params[0]) + params[1])
        return torch.bmm(h, params[2]) + params[3]

    def loss(Z, T):       # mean cross-entropy of each member: (K,)
        return -(T * torch.log_softmax(Z, dim=-1)).sum(-1).mean(-1)

    for _ in range(EPOCHS + 1):
        with torch.no_grad():
            loss(logits(X), T)
            Zv = logits(Xv)
            loss(Zv, Tv)
            (Zv.argmax(-1) == yv).double().mean(-1)
        order = rng.permutation(X.shape[0])
        for start in range(0, X.shape[0], BATCH):
            idx = torch.as_tensor(order[start:start + BATCH])
            loss(logits(X[idx]), T[idx]).sum().backward()
            with torch.no_grad():
                for p in params:
                    p -= lr * p.grad
                    p.grad = None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", default="kelleher", choices=["kelleher", "digits"])
    parser.add_argument("--activation", default="logistic", choices=["logistic", "tanh", "relu", "leaky_relu",
                                                                     "linear"])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.task == "kelleher":
        d = datasets.power_plant()
        peers = {"fit": one_by_one, "fit_rates": at_once, "torch": torch_stacked}
        call = (args.activation, d, 10_000, 1e-4)
        what = f"61 learning rates, {args.activation}, up to 10,000 epochs each"
    else:
        peers = {"fit": digits_one_by_one, "fit_rates": digits_at_once, "torch": digits_torch}
        call = (datasets.digits(SEED),)
        what = f"{len(LRS)} learning rates, 64-100-10 on the digits, {EPOCHS} epochs of batches of {BATCH}"
    try:
        import torch
        torch.set_num_threads(1)
    except ImportError:
        print("torch not installed: its row is left out")
        del peers["torch"]
    times = {name: [] for name in peers}
    with threadpool_limits(limits=1, user_api="blas"):
        for _ in range(args.repeats):
            for name, run in peers.items():
                t = time.perf_counter()
                run(*call)
                times[name].append(time.perf_counter() - t)
    base = statistics.median(times["fit_rates"])
    print(f"{what} (median of {args.repeats}, one BLAS thread):")
    for name, ts in times.items():
        m = statistics.median(ts)
        print(f"  {name:<10} {m:7.2f} s   {m / base:5.2f}x fit_rates")


if __name__ == "__main__":
    main()
