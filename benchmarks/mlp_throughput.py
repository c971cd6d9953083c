"""Throughput of one epoch of mini-batch SGD on Kaplan's 784-100-10 ReLU/softmax network.

Synthetic MNIST-shaped data (random pixels in [0, 1], random labels, from a seed), one epoch
of plain mini-batch SGD (no momentum, no regularisation, mean-reduced cross-entropy, the
same learning rate), timed for

* ``fit``           ``dl.fit(net, X, T, lr, epochs=1, batch_size=b, reduction="mean",
                     epoch_loss="running")``: ``history.loss`` is the mean of the batch losses
                     seen during the epoch, as scikit-learn's ``loss_curve_`` and the usual
                     PyTorch loop report it (and what ``epoch_loss="auto"``, the default,
                     gives for mini-batches);
* ``fit full``       the same with ``epoch_loss="full"``: two extra forward passes over the
                     whole set (the loss before and after the epoch);
* ``loss products``  the matrix products of those two full-set forward passes alone
                     (X W1ᵀ, A1 W2ᵀ, twice), the floor of what ``fit full`` adds to ``fit``;
* ``torch``          PyTorch on the CPU with 2 threads: nn.Linear + ReLU + nn.Linear,
                     CrossEntropyLoss, optim.SGD, the same batch order as dlcore;
* ``sklearn``        scikit-learn's MLPClassifier (solver="sgd", momentum=0, alpha=0, constant
                     learning rate), one epoch via ``partial_fit``;
* ``floor``          the matrix products alone, per batch: two in the forward pass
                     (X W1ᵀ, A1 W2ᵀ) and three in the backward pass (δ2ᵀ A1, δ2 W2, δ1ᵀ X),
                     into buffers allocated before the clock starts, on batches gathered
                     before it starts (so the floor leaves out the gather every peer does).

Every peer does the same work per step: forward with biases, ReLU, softmax cross-entropy
(the loss itself too: torch needs it for autograd, scikit-learn and ``fit`` record it),
δ for the hidden layer but not for the input, ∂E/∂W and ∂E/∂b, one SGD update; each
starts from data already in the dtype it trains in, and each validates nothing more than
its own API does.

Every number is the median over ``--repeats`` runs (after one warm-up), with the
implementations interleaved run by run so that a change in machine load hits all of them.
Nothing here is asserted; the goals of issue 16: ``fit`` within 1.25x of the floor in both
dtypes at batch 64 and 256, and ``fit full`` − ``fit`` within 1.1x of the loss products.

    .venv/bin/python benchmarks/mlp_throughput.py [--n 6000] [--repeats 5] [--batch-sizes 10 64 256]
        [--blas-threads 1]
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings

import numpy as np

import dlcore as dl

N_IN, N_HIDDEN, N_OUT = 784, 100, 10
LR = 0.1
clock = time.perf_counter   # --clock cpu: time.process_time (CPU seconds of this process)


def make_data(n, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((n, N_IN))
    y = rng.integers(0, N_OUT, n)
    return X, y, dl.one_hot(y, N_OUT)


def make_net(dtype, seed=0):
    rng = np.random.default_rng(seed)
    return dl.Network([dl.Dense(N_IN, N_HIDDEN, "relu", init="he", rng=rng, dtype=dtype),
                       dl.Dense(N_HIDDEN, N_OUT, "softmax", init="he", rng=rng, dtype=dtype)],
                      loss="cross_entropy")


# ----------------------------------------------------------------------------- runners
def run_dlcore_fit(X, T, b, dtype, seed, epoch_loss="running"):
    net = make_net(dtype, seed)
    Xd, Td = X.astype(dtype), T.astype(dtype)
    t0 = clock()
    dl.fit(net, Xd, Td, lr=LR, epochs=1, batch_size=b, reduction="mean", rng=seed,
           epoch_loss=epoch_loss)
    return clock() - t0


def run_dlcore_fit_full(X, T, b, dtype, seed):
    return run_dlcore_fit(X, T, b, dtype, seed, epoch_loss="full")


def run_loss_products(X, T, b, dtype, seed):
    rng = np.random.default_rng(seed)
    W1 = rng.normal(0, 0.05, (N_HIDDEN, N_IN)).astype(dtype)
    W2 = rng.normal(0, 0.1, (N_OUT, N_HIDDEN)).astype(dtype)
    Xd = X.astype(dtype)
    z1, z2 = np.empty((len(X), N_HIDDEN), dtype), np.empty((len(X), N_OUT), dtype)
    t0 = clock()
    for _ in range(2):                          # the loss before and after the epoch
        np.matmul(Xd, W1.T, out=z1)
        np.matmul(z1, W2.T, out=z2)
    return clock() - t0


def run_floor(X, T, b, dtype, seed):
    rng = np.random.default_rng(seed)
    W1 = rng.normal(0, 0.05, (N_HIDDEN, N_IN)).astype(dtype)
    W2 = rng.normal(0, 0.1, (N_OUT, N_HIDDEN)).astype(dtype)
    dW1, dW2 = np.empty_like(W1), np.empty_like(W2)
    order = np.random.default_rng(seed).permutation(len(X))
    batches = [X[order[s:s + b]].astype(dtype) for s in range(0, len(X), b)]
    deltas2 = [np.full((len(xb), N_OUT), 0.01, dtype) for xb in batches]
    bufs = {m: (np.empty((m, N_HIDDEN), dtype), np.empty((m, N_OUT), dtype),
                np.empty((m, N_HIDDEN), dtype)) for m in {len(xb) for xb in batches}}
    t0 = clock()
    for xb, d2 in zip(batches, deltas2):
        z1, z2, d1 = bufs[len(xb)]
        np.matmul(xb, W1.T, out=z1)            # forward 1
        np.matmul(z1, W2.T, out=z2)            # forward 2
        np.matmul(d2.T, z1, out=dW2)           # backward 1: dE/dW2
        np.matmul(d2, W2, out=d1)              # backward 2: delta pushed to the hidden layer
        np.matmul(d1.T, xb, out=dW1)           # backward 3: dE/dW1
    return clock() - t0


def make_torch_runner(threads):
    import torch

    torch.set_num_threads(threads)

    def run(X, T, b, dtype, seed):
        tdtype = torch.float32 if dtype == np.float32 else torch.float64
        torch.manual_seed(seed)
        model = torch.nn.Sequential(torch.nn.Linear(N_IN, N_HIDDEN), torch.nn.ReLU(),
                                    torch.nn.Linear(N_HIDDEN, N_OUT)).to(tdtype)
        loss_fn = torch.nn.CrossEntropyLoss()
        opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=0.0)
        Xt = torch.from_numpy(X.astype(dtype))
        yt = torch.from_numpy(T.argmax(axis=1))
        order = torch.from_numpy(np.random.default_rng(seed).permutation(len(X)))
        t0 = clock()
        for start in range(0, len(X), b):
            idx = order[start:start + b]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        return clock() - t0

    return run, torch


def run_sklearn(X, T, b, dtype, seed):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=(N_HIDDEN,), activation="relu", solver="sgd",
                        alpha=0.0, batch_size=b, learning_rate="constant",
                        learning_rate_init=LR, momentum=0.0, nesterovs_momentum=False,
                        max_iter=1, shuffle=True, random_state=seed, early_stopping=False)
    Xs, ys = X.astype(dtype), T.argmax(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        t0 = clock()
        clf.partial_fit(Xs, ys, classes=np.arange(N_OUT))     # exactly one epoch
        return clock() - t0


# --------------------------------------------------------------------------- checking
def parity_with_torch(X, T, torch, b=64):
    """Same initial weights and batch order in float64: max |W_dlcore - W_torch| after one epoch."""
    net = make_net(np.float64)
    model = torch.nn.Sequential(torch.nn.Linear(N_IN, N_HIDDEN), torch.nn.ReLU(),
                                torch.nn.Linear(N_HIDDEN, N_OUT)).double()
    with torch.no_grad():
        for lin, layer in zip((model[0], model[2]), net.layers):
            lin.weight.copy_(torch.from_numpy(layer.W))
            lin.bias.copy_(torch.from_numpy(layer.b))
    dl.fit(net, X, T, lr=LR, epochs=1, batch_size=b, reduction="mean", rng=0)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(T.argmax(axis=1))
    order = np.random.default_rng(0).permutation(len(X))
    for s in range(0, len(X), b):
        idx = torch.from_numpy(order[s:s + b])
        opt.zero_grad()
        loss_fn(model(Xt[idx]), yt[idx]).backward()
        opt.step()
    return max(float(np.abs(layer.W - lin.weight.detach().numpy()).max())
               for lin, layer in zip((model[0], model[2]), net.layers))


def environment(torch):
    lines = [f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} CPUs, "
             f"load average {', '.join(f'{v:.2f}' for v in os.getloadavg())}"]
    try:
        from threadpoolctl import threadpool_info
        blas = [f"{i['internal_api']} {i.get('version')} ({i['num_threads']} threads)"
                for i in threadpool_info() if i.get("user_api") == "blas"]
        lines.append("BLAS libraries loaded: " + "; ".join(blas))
    except ImportError:
        pass
    if torch is not None:
        lines.append(f"torch {torch.__version__} ({torch.get_num_threads()} threads)")
    try:
        import sklearn
        lines.append(f"scikit-learn {sklearn.__version__}")
    except ImportError:
        pass
    return "\n".join(lines)


# ------------------------------------------------------------------------------- main
def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=6000, help="examples in the synthetic data set")
    ap.add_argument("--repeats", type=int, default=5, help="timed runs per implementation")
    ap.add_argument("--batch-sizes", type=int, nargs="+", default=[10, 64, 256])
    ap.add_argument("--torch-threads", type=int, default=2)
    ap.add_argument("--blas-threads", type=int, default=None,
                    help="limit numpy's BLAS threads (needs threadpoolctl); default: leave as is")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                    help="cpu: CPU time of this process instead of wall time; with "
                         "--blas-threads 1 --torch-threads 1 it hardly depends on machine load")
    return ap.parse_args()


def make_runners(args):
    """The implementations to time, by name, and the torch module (or None)."""
    runners = {"floor": run_floor, "fit": run_dlcore_fit, "fit full": run_dlcore_fit_full,
               "loss products": run_loss_products}
    try:
        run_torch, torch = make_torch_runner(args.torch_threads)
        runners["torch"] = run_torch
    except ImportError:
        torch = None
        print("PyTorch not installed: skipped")
    try:
        from sklearn.neural_network import MLPClassifier  # noqa: F401  (loads its BLAS)
        runners["sklearn"] = run_sklearn
    except ImportError:
        print("scikit-learn not installed: skipped")
    if args.blas_threads is not None:   # after the imports, so scipy's BLAS is limited too
        from threadpoolctl import threadpool_limits
        threadpool_limits(limits=args.blas_threads, user_api="blas")
    return runners, torch


def measure(runners, X, T, args, dtypes):
    """Median time of every runner, by (batch, dtype name, runner name)."""
    results = {}
    for b in args.batch_sizes:
        for dtype in dtypes:
            for fn in runners.values():
                fn(X[: 4 * b], T[: 4 * b], b, dtype, args.seed)          # warm-up
            times = {name: [] for name in runners}
            for r in range(args.repeats):
                for name, fn in runners.items():                          # interleaved
                    times[name].append(fn(X, T, b, dtype, args.seed + r))
            for name, ts in times.items():
                results[(b, np.dtype(dtype).name, name)] = float(np.median(ts))
            print(f"  measured batch {b}, {np.dtype(dtype).name}", file=sys.stderr, flush=True)
    return results


def report(results, names, batch_sizes, dtypes):
    print(f"{'batch':>5} {'dtype':>8} " + " ".join(f"{n:>13}" for n in names))
    for b in batch_sizes:
        for dtype in dtypes:
            d = np.dtype(dtype).name
            print(f"{b:>5} {d:>8} " + " ".join(f"{1e3 * results[(b, d, n)]:>13.1f}" for n in names))
    print("\nratios (time / time, same dtype). Goals: fit/floor <= 1.25, "
          "(full - fit)/loss products <= 1.1, sklearn/fit >= 1.3")
    cols = [("fit/floor", "fit", "floor"), ("full/floor", "fit full", "floor"),
            ("extra/products", ("fit full", "fit"), "loss products"),
            ("torch/fit", "torch", "fit"), ("sklearn/fit", "sklearn", "fit")]
    print(f"{'batch':>5} {'dtype':>8} " + " ".join(f"{c[0]:>14}" for c in cols))
    for b in batch_sizes:
        for dtype in dtypes:
            d = np.dtype(dtype).name

            def g(n, b=b, d=d):
                if isinstance(n, tuple):     # a difference of two timings
                    return g(n[0]) - g(n[1])
                return results.get((b, d, n), float("nan"))
            print(f"{b:>5} {d:>8} " + " ".join(f"{g(num) / g(den):>14.2f}" for _, num, den in cols))


def main():
    args = parse_args()
    global clock
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    X, _, T = make_data(args.n, args.seed)
    runners, torch = make_runners(args)
    print(environment(torch))
    if torch is not None:
        print(f"parity check, float64, batch 64: max |W_dlcore - W_torch| after one epoch = "
              f"{parity_with_torch(X, T, torch):.1e}")
    print(f"\none epoch of mini-batch SGD on {args.n} examples, 784-100-10, lr {LR}; "
          f"median of {args.repeats} runs ({args.clock} ms per epoch)\n")
    dtypes = (np.float32, np.float64)
    results = measure(runners, X, T, args, dtypes)
    report(results, list(runners), args.batch_sizes, dtypes)
    print(f"load average after: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
