"""Full-batch training speed of ``dl.fit`` on Kelleher's network, against peers.

Issue 3, item 4(b): epochs per second of ``dl.fit`` on the 2-3-2-1 network of
Kelleher's Figure 4 (``dl.datasets.kelleher_network()``, the four normalised examples
of ``dl.datasets.power_plant()``, lr = 0.2, reduction "sum", no tolerance), against

* **plain numpy**: the loop a student writes from the equations (forward with
  ``a @ W.T + b`` and ``1 / (1 + np.exp(-z))``, the δ recursion, ``W -= lr * dW``,
  the SSE every epoch), the same maths, so it must end at the same weights;
* **PyTorch** (CPU, float64, 2 threads): the same network with the same initial
  weights, ``F.linear`` + ``torch.sigmoid``, autograd, and the SGD step written by hand
  (``p.sub_(p.grad, alpha=lr)``), which on this machine is clearly faster per epoch than
  ``torch.optim.SGD``, so the comparison is the kinder one to PyTorch.

Every implementation runs ``epochs`` updates and ``epochs + 1`` loss evaluations (the
loss before each update and after the last, as ``history.loss`` holds). The rounds are
interleaved (dlcore, plain, torch, then the next round) so a busy machine slows all
three alike; the script prints medians over the rounds. Targets: dlcore ≥ 2× plain
numpy and ≥ 20× PyTorch.

    .venv/bin/python benchmarks/fit_speed.py [--epochs 3000] [--repeats 7]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

import dlcore as dl

LR = 0.2


def kelleher_params():
    """Fresh copies of the Figure 4 weights: [(W, b), ...] layer by layer."""
    return [(layer.W.copy(), layer.b.copy()) for layer in dl.datasets.kelleher_network().layers]


def run_dlcore(X, T, epochs):
    net = dl.datasets.kelleher_network()
    start = time.perf_counter()
    history = dl.fit(net, X, T, lr=LR, epochs=epochs, reduction="sum", tol=None)
    elapsed = time.perf_counter() - start
    return elapsed, history.loss, [(layer.W, layer.b) for layer in net.layers]


def run_plain(X, T, epochs):
    params = kelleher_params()
    start = time.perf_counter()
    losses = []
    for epoch in range(epochs + 1):
        a = [X]                                  # forward: a_l = φ(a_{l-1} W_lᵀ + b_l)
        for W, b in params:
            z = a[-1] @ W.T + b
            a.append(1 / (1 + np.exp(-z)))
        err = a[-1] - T
        losses.append(0.5 * np.sum(err ** 2))    # SSE before this epoch's update
        if epoch == epochs:
            break
        delta = err * a[-1] * (1 - a[-1])        # δ_L = (a − t) φ'(z_L)
        for l in reversed(range(len(params))):
            W, b = params[l]
            dW = delta.T @ a[l]
            db = delta.sum(axis=0)
            if l > 0:                            # δ_{l} = (δ_{l+1} W_{l+1}) φ'(z_l)
                delta = (delta @ W) * a[l] * (1 - a[l])
            W -= LR * dW
            b -= LR * db
    return time.perf_counter() - start, losses, params


def run_torch(X, T, epochs):
    import torch
    import torch.nn.functional as F
    params = [(torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True))
              for W, b in kelleher_params()]
    Xt, Tt = torch.tensor(X), torch.tensor(T)
    flat = [p for pair in params for p in pair]
    start = time.perf_counter()
    losses = []
    for epoch in range(epochs + 1):
        a = Xt
        for W, b in params:
            a = torch.sigmoid(F.linear(a, W, b))
        loss = 0.5 * ((a - Tt) ** 2).sum()
        losses.append(loss.item())
        if epoch == epochs:
            break
        for p in flat:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in flat:
                p.sub_(p.grad, alpha=LR)
    elapsed = time.perf_counter() - start
    return elapsed, losses, [(W.detach().numpy(), b.detach().numpy()) for W, b in params]


def check_same(name, ref, other, rtol):
    """Same loss history and final weights as dlcore, to ``rtol``."""
    np.testing.assert_allclose(other[1], ref[1], rtol=rtol, err_msg=f"{name}: loss history")
    for (W, b), (W2, b2) in zip(ref[2], other[2]):
        np.testing.assert_allclose(W2, W, rtol=rtol, atol=rtol * 1e-2, err_msg=f"{name}: W")
        np.testing.assert_allclose(b2, b, rtol=rtol, atol=rtol * 1e-2, err_msg=f"{name}: b")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch")
    args = parser.parse_args(argv)

    d = dl.datasets.power_plant()
    X, T = np.array(d.X, dtype=np.float64), np.array(d.T, dtype=np.float64)
    runners = {"dlcore": run_dlcore, "plain numpy": run_plain}
    if not args.no_torch:
        try:
            import torch
        except ImportError:
            print("PyTorch is not installed: comparing with plain numpy only")
        else:
            torch.set_num_threads(2)
            runners["PyTorch"] = run_torch

    results = {name: run(X, T, args.epochs) for name, run in runners.items()}   # warm-up
    ref = results["dlcore"]
    check_same("plain numpy", ref, results["plain numpy"], rtol=1e-10)
    if "PyTorch" in results:
        check_same("PyTorch", ref, results["PyTorch"], rtol=1e-8)

    times = {name: [] for name in runners}
    cpu = {name: [] for name in runners}   # process CPU time: less sensitive to a busy machine
    names = list(runners)
    for r in range(args.repeats):
        for name in names[r % len(names):] + names[:r % len(names)]:   # rotate the order
            start = time.process_time()
            times[name].append(runners[name](X, T, args.epochs)[0])
            cpu[name].append(time.process_time() - start)

    import platform
    versions = f"numpy {np.__version__}"
    if "PyTorch" in runners:
        import torch
        versions += f", torch {torch.__version__} ({torch.get_num_threads()} threads)"
    print(f"Kelleher 2-3-2-1 network, 4 examples, full batch, {args.epochs} epochs, "
          f"median of {args.repeats} interleaved runs")
    print(f"python {platform.python_version()}, {versions}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f}")
    rate = {name: args.epochs / statistics.median(t) for name, t in times.items()}
    for name in names:
        cpu_us = 1e6 * statistics.median(cpu[name]) / args.epochs
        print(f"  {name:12s} {rate[name]:10,.0f} epochs/s   ({1e6 / rate[name]:7.1f} µs per epoch; "
              f"CPU {cpu_us:7.1f} µs per epoch, all threads)")
    for name, target in (("plain numpy", 2.0), ("PyTorch", 20.0)):
        if name in rate:
            ratio = rate["dlcore"] / rate[name]
            per_round = statistics.median(b / a for a, b in zip(times["dlcore"], times[name]))
            verdict = "meets" if ratio >= target else "below"
            print(f"  dlcore / {name:12s} {ratio:6.2f}×  (median of per-round ratios "
                  f"{per_round:.2f}×; target ≥ {target:g}×: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
