"""Speed of ``dl.Conv2D`` forward + backward on LeNet-5's C1 and C3 shapes, against peers.

Issue 6, item 5. One "pass" is a forward pass and a full backward pass (∂E/∂W, ∂E/∂b and
∂E/∂x from a given ∂E/∂z) of one convolutional layer in float64, linear activation, no
padding, stride 1:

* C1: a batch of 64 inputs 1×32×32, 6 filters 5×5  (output 64×6×28×28)
* C3: a batch of 64 inputs 6×14×14, 16 filters 5×5 (output 64×16×10×10)

Implementations timed in the same run:

* **dlcore**: ``Conv2D.forward``, ``backward``, ``input_grad``
  (im2col by a strided view, one batched ``np.matmul`` per product, col2im by k² strided adds);
* **PyTorch** CPU, ``torch.set_num_threads(2)``: ``F.conv2d`` + autograd ``backward``, float64;
* **naive loop**: a Python loop over every output value (n, c_out, i, j) that multiplies
  one window by one filter with numpy and accumulates the three gradients the same way.
  It is far too slow for the full batch, so it runs on ``--naive-batch`` examples (2 by
  default) and its time is scaled to 64 examples (the work is proportional to the batch);
* two alternative vectorisations tried while writing dlcore (``--variants``):
  ``np.einsum`` on the strided windows, and ``np.tensordot`` on the strided windows.

Rounds are interleaved (dlcore, torch, variants, then the next round), so a busy machine
slows every implementation alike; the script prints medians over the rounds and the
ratios measured in this run, both in wall-clock time and in CPU time (``time.process_time``,
summed over the process's threads), with the load average, because on a shared machine
multi-threaded BLAS and PyTorch lose more wall-clock time to other processes than
single-threaded Python does. Goals: dlcore within 2× of PyTorch, ≥ 50× the naive loop.

    .venv/bin/python benchmarks/conv.py [--repeats 15] [--naive-batch 2] [--no-variants]
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

import dlcore as dl
from dlcore.nn.conv import col2im, windows

SHAPES = {"C1": ((64, 1, 32, 32), 6, 5), "C3": ((64, 6, 14, 14), 16, 5)}


def make(shape, c_out, k, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape)
    layer = dl.Conv2D(shape[1], c_out, k, rng=rng)
    layer.b[...] = rng.normal(size=c_out)
    ho = shape[2] - k + 1
    dZ = rng.normal(size=(shape[0], c_out, ho, ho))
    return layer, x, dZ


def dlcore_pass(layer, x, dZ):
    z, a, cache = layer.forward(x)
    delta, g = layer.backward(dZ, z, a, x, cache)
    return z, g["W"], g["b"], layer.input_grad(delta, cache)


def naive_pass(x, W, b, dZ):
    """Loop over every output value; each step is one window · one filter."""
    n, c, h, w = x.shape
    c_out, _, k, _ = W.shape
    ho, wo = h - k + 1, w - k + 1
    z = np.empty((n, c_out, ho, wo))
    dW, db, dx = np.zeros_like(W), np.zeros(c_out), np.zeros_like(x)
    for e in range(n):
        for o in range(c_out):
            for i in range(ho):
                for j in range(wo):
                    z[e, o, i, j] = np.sum(x[e, :, i:i + k, j:j + k] * W[o]) + b[o]
    for e in range(n):
        for o in range(c_out):
            for i in range(ho):
                for j in range(wo):
                    d = dZ[e, o, i, j]
                    dW[o] += d * x[e, :, i:i + k, j:j + k]
                    db[o] += d
                    dx[e, :, i:i + k, j:j + k] += d * W[o]
    return z, dW, db, dx


def einsum_pass(x, W, b, dZ):
    k = W.shape[2]
    v = windows(x, (k, k), (1, 1))                            # (n, c, k, k, ho, wo), a view
    z = np.einsum("ncpqij,ocpq->noij", v, W, optimize=True) + b[:, None, None]
    dW = np.einsum("noij,ncpqij->ocpq", dZ, v, optimize=True)
    dcols = np.einsum("ocpq,noij->ncpqij", W, dZ, optimize=True)
    return z, dW, dZ.sum(axis=(0, 2, 3)), col2im(dcols, x.shape, (k, k), (1, 1))


def tensordot_pass(x, W, b, dZ):
    k = W.shape[2]
    v = windows(x, (k, k), (1, 1))
    z = np.tensordot(v, W, axes=([1, 2, 3], [1, 2, 3])).transpose(0, 3, 1, 2) + b[:, None, None]
    dW = np.tensordot(dZ, v, axes=([0, 2, 3], [0, 4, 5]))
    dcols = np.tensordot(W, dZ, axes=([0], [1])).transpose(3, 0, 1, 2, 4, 5)
    return z, dW, dZ.sum(axis=(0, 2, 3)), col2im(dcols, x.shape, (k, k), (1, 1))


def torch_setup(layer, x, dZ):
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(2)
    xt = torch.tensor(x, requires_grad=True)
    Wt = torch.tensor(layer.W, requires_grad=True)
    bt = torch.tensor(layer.b, requires_grad=True)
    dZt = torch.tensor(dZ)

    def run():
        for t in (xt, Wt, bt):
            t.grad = None
        z = F.conv2d(xt, Wt, bt)
        z.backward(dZt)
        return z.detach().numpy(), Wt.grad.numpy(), bt.grad.numpy(), xt.grad.numpy()
    return run


def timed(fn):
    """(wall-clock seconds, CPU seconds, result) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, out


def check_same(name, ref, got, rtol=1e-9):
    for label, r, g in zip(("z", "dW", "db", "dx"), ref, got):
        if not np.allclose(r, g, rtol=rtol, atol=1e-9):
            raise AssertionError(f"{name} disagrees with dlcore on {label}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--naive-batch", type=int, default=2)
    parser.add_argument("--no-variants", action="store_true")
    args = parser.parse_args()
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
        print("PyTorch is not installed: skipping the PyTorch comparison")
    print(f"numpy {np.__version__}, {os.cpu_count()} CPUs; float64; medians of {args.repeats} "
          f"interleaved rounds; load average {os.getloadavg()[0]:.1f} at the start")
    for name, (shape, c_out, k) in SHAPES.items():
        layer, x, dZ = make(shape, c_out, k)
        ref = dlcore_pass(layer, x, dZ)
        runners = {"dlcore": lambda: dlcore_pass(layer, x, dZ)}
        if have_torch:
            runners["pytorch"] = torch_setup(layer, x, dZ)
        if not args.no_variants:
            runners["einsum"] = lambda: einsum_pass(x, layer.W, layer.b, dZ)
            runners["tensordot"] = lambda: tensordot_pass(x, layer.W, layer.b, dZ)
        for label, run in runners.items():                    # warm up and check agreement
            if label != "dlcore":
                check_same(label, ref, run())
        wall = {label: [] for label in runners}
        cpu = {label: [] for label in runners}
        for _ in range(args.repeats):
            for label, run in runners.items():
                w, c, _ = timed(run)
                wall[label].append(w)
                cpu[label].append(c)
        nb = args.naive_batch
        sub = slice(0, nb)
        naive = [timed(lambda: naive_pass(x[sub], layer.W, layer.b, dZ[sub])) for _ in range(2)]
        check_same("naive loop", dlcore_pass(layer, x[sub], dZ[sub]), naive[0][2])
        scale = shape[0] / nb
        wall["naive loop"] = [min(r[0] for r in naive) * scale]
        cpu["naive loop"] = [min(r[1] for r in naive) * scale]
        print(f"\n{name}: x {shape}, W ({c_out}, {shape[1]}, {k}, {k}); forward + backward")
        print(f"  {'':<11}{'wall ms':>10}{'CPU ms':>10}")
        med_w = {label: statistics.median(t) for label, t in wall.items()}
        med_c = {label: statistics.median(t) for label, t in cpu.items()}
        for label in med_w:
            note = (f"  (best of 2 runs on {nb} examples, x {shape[0] // nb} to 64)"
                    if label == "naive loop" else "")
            print(f"  {label:<11}{med_w[label] * 1e3:10.1f}{med_c[label] * 1e3:10.1f}{note}")
        dw, dc = med_w["dlcore"], med_c["dlcore"]
        if have_torch:
            print(f"  dlcore / PyTorch     = {dw / med_w['pytorch']:.2f} wall, "
                  f"{dc / med_c['pytorch']:.2f} CPU   (goal <= 2)")
        print(f"  naive loop / dlcore  = {med_w['naive loop'] / dw:.0f} wall, "
              f"{med_c['naive loop'] / dc:.0f} CPU   (goal >= 50)")
        for label in ("einsum", "tensordot"):
            if label in med_w:
                print(f"  {label} / dlcore = {med_w[label] / dw:.2f} wall, {med_c[label] / dc:.2f} CPU")
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
