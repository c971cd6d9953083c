"""The call a student makes: build the 784-100-10 ReLU/softmax network and train it for one
epoch of mini-batch SGD on 20,000 MNIST-shaped examples, against scikit-learn and PyTorch
doing the same SGD, construction included.

* ``dlcore``   ``net = dl.Network([...]); dl.fit(net, X, T, lr, epochs=1, batch_size=64,
               reduction="mean", rng=seed)``: every other argument at its default (so
               ``epoch_loss="auto"``, which is the running loss for mini-batches);
* ``sklearn``  ``MLPClassifier(hidden_layer_sizes=(100,), solver="sgd", momentum=0, alpha=0,
               batch_size=64, learning_rate_init=lr, max_iter=1).fit(X, y)``;
* ``torch``    ``nn.Sequential(Linear, ReLU, Linear)``, ``CrossEntropyLoss``, ``optim.SGD``, a
               shuffled index per epoch, float64 like the others.

One thread everywhere (BLAS and PyTorch), CPU seconds of this process (``time.process_time``),
rounds interleaved so that a change in machine load hits all three alike; medians printed.
Nothing is asserted: issue 16 asks for dlcore ≥ 1.3× faster than scikit-learn here.

    .venv/bin/python benchmarks/student_call.py [--n 20000] [--rounds 5] [--batch-size 64]
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")    # before numpy loads its BLAS
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse
import statistics
import time
import warnings

import numpy as np

import dlcore as dl

N_IN, N_HIDDEN, N_OUT = 784, 100, 10
LR = 0.1


def make_data(n, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((n, N_IN))
    y = rng.integers(0, N_OUT, n)
    return X, y, dl.one_hot(y, N_OUT)


def run_dlcore(X, y, T, batch_size, seed):
    t0 = time.process_time()
    rng = np.random.default_rng(seed)
    net = dl.Network([dl.Dense(N_IN, N_HIDDEN, "relu", init="he", rng=rng),
                      dl.Dense(N_HIDDEN, N_OUT, "softmax", init="he", rng=rng)],
                     loss="cross_entropy")
    dl.fit(net, X, T, lr=LR, epochs=1, batch_size=batch_size, reduction="mean", rng=seed)
    return time.process_time() - t0


def run_sklearn(X, y, T, batch_size, seed):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    t0 = time.process_time()
    clf = MLPClassifier(hidden_layer_sizes=(N_HIDDEN,), solver="sgd", momentum=0.0,
                        nesterovs_momentum=False, alpha=0.0, batch_size=batch_size,
                        learning_rate_init=LR, max_iter=1, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)   # one epoch is what we asked for
        clf.fit(X, y)
    return time.process_time() - t0


def make_torch_runner():
    import torch

    torch.set_num_threads(1)
    Xt_cache = {}

    def run(X, y, T, batch_size, seed):
        key = id(X)
        if key not in Xt_cache:       # the data already in torch's form, as for the others
            Xt_cache.clear()
            Xt_cache[key] = (torch.from_numpy(X), torch.from_numpy(y))
        Xt, yt = Xt_cache[key]
        t0 = time.process_time()
        torch.manual_seed(seed)
        model = torch.nn.Sequential(torch.nn.Linear(N_IN, N_HIDDEN), torch.nn.ReLU(),
                                    torch.nn.Linear(N_HIDDEN, N_OUT)).double()
        loss_fn = torch.nn.CrossEntropyLoss()
        opt = torch.optim.SGD(model.parameters(), lr=LR)
        order = torch.randperm(len(Xt))
        for s in range(0, len(Xt), batch_size):
            idx = order[s:s + batch_size]
            opt.zero_grad()
            loss = loss_fn(model(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        return time.process_time() - t0

    return run


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--batch-size", type=int, default=64)
    args = ap.parse_args()
    X, y, T = make_data(args.n)
    runners = {"dlcore": run_dlcore}
    for name, make in (("sklearn", lambda: run_sklearn), ("torch", make_torch_runner)):
        try:
            runners[name] = make()
        except ImportError as err:
            print(f"{name}: not installed ({err}); skipped")
    times = {name: [] for name in runners}
    for round_ in range(args.rounds + 1):          # round 0 warms up and is not kept
        for name, run in runners.items():
            elapsed = run(X, y, T, args.batch_size, seed=round_)
            if round_:
                times[name].append(elapsed)
    load = os.getloadavg()[0]
    print(f"one epoch, {args.n} examples, batch {args.batch_size}, float64, one thread, "
          f"CPU time, median of {args.rounds} rounds (load average {load:.1f})")
    base = statistics.median(times["dlcore"])
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"  {name:8s} {med * 1e3:7.1f} ms  (range {min(ts) * 1e3:.0f}-{max(ts) * 1e3:.0f})"
              f"  {med / base:5.2f}x dlcore's time")


if __name__ == "__main__":
    main()
