"""Pooling (subsampling) layers: ``MaxPool2D`` and ``AvgPool2D`` (Kaplan sec. 5.2).

A pooling layer slides a ``size``×``size`` window over each feature map with step
``stride`` (equal to ``size`` unless given, so windows do not overlap) and replaces the
window by one number: its maximum or its mean. Channels are pooled independently and
nothing is learned.

For the ``Layer`` protocol pooling is a *vector activation* with no weights: z is the
incoming batch (n, C, H, W) and a the pooled maps (n, C, H_out, W_out), so
δ = ∂E/∂z has the input's shape:

* max: the subgradient of max (CMU lecture, "Subgradients and the Max"): each output's
  gradient goes to the one input that was the maximum of its window, and every other
  input gets 0. When several inputs tie, the first in reading order takes it.
* mean: each input of a window gets 1/(k_h·k_w) of that output's gradient.

Where windows overlap (stride < size) an input collects the gradients of every window
it belongs to.
"""
from __future__ import annotations

import numpy as np

from .conv import col2im, image_shape, output_size, pair, windows
from .layers import Layer

__all__ = ["MaxPool2D", "AvgPool2D"]


class _Pool2D(Layer):
    input_ndim = 4

    def __init__(self, size, stride=None):
        self.size = pair(size, "size", 1)
        self.stride = self.size if stride is None else pair(stride, "stride", 1)

    example_shape = (None, None, None)

    def output_shape(self, input_shape):
        """(C, H_out, W_out) for one example of shape (C, H, W); checks the window fits."""
        c, h, w = image_shape(input_shape, "input_shape")
        return (c, output_size(h, self.size[0], self.stride[0], 0, name="size (height)"),
                output_size(w, self.size[1], self.stride[1], 0, name="size (width)"))

    def check_input(self, X, name="X"):
        """Raise if X is not (n, C, H, W) with H, W at least the window size."""
        if X.ndim != 4:
            raise ValueError(f"{name} must be a 4-dimensional array (n, channels, height, width), "
                             f"got shape {X.shape}")
        if self.size[0] > X.shape[2] or self.size[1] > X.shape[3]:
            self.output_shape(X.shape[1:])      # raises with the full explanation

    def input_grad(self, delta, cache):
        return delta  # δ is already ∂E/∂(input): z is the incoming batch

    def backward(self, dA, z, a, a_prev, cache, delta=None):
        """δ = ∂E/∂z, the gradient each input of a window receives; nothing is learned."""
        return (self.route(dA, z, a) if delta is None else delta), {}

    def __repr__(self):
        k, s = self.size, self.stride
        return (f"{type(self).__name__}(size={k[0] if k[0] == k[1] else k}, "
                f"stride={s[0] if s[0] == s[1] else s})")


class MaxPool2D(_Pool2D):
    """Max pooling: each ``size``×``size`` window → its largest value.

    ``size`` and ``stride`` are ints or (height, width) pairs; ``stride=None`` means
    ``stride = size``.
    """

    def forward(self, a_prev, training=False, rng=None):
        self.check_input(a_prev, "the input of MaxPool2D")
        v = windows(a_prev, self.size, self.stride)         # (n, C, k_h, k_w, H_out, W_out)
        kw = self.size[1]
        best = v[:, :, 0, 0].copy()                         # running maximum of each window
        for k in range(1, v.shape[2] * kw):                 # k_h·k_w vectorised comparisons
            np.maximum(best, v[:, :, k // kw, k % kw], out=best)
        return a_prev, best, None

    def route(self, dA, z, a):
        """Route each output's gradient to its window's arg-max; all other inputs get 0.

        The arg-max is found again here, by comparing each window position with the
        window's maximum a in reading order; the first position equal to a takes the
        gradient, so a tie still sends it to exactly one input.
        """
        (kh, kw), (sh, sw) = self.size, self.stride
        ho, wo = a.shape[2:]
        v = windows(z, self.size, self.stride)
        dz = np.zeros(z.shape, dtype=dA.dtype)
        taken = np.zeros(a.shape, dtype=bool)
        for k in range(kh * kw):
            p, q = divmod(k, kw)
            hit = v[:, :, p, q] == a
            hit &= ~taken
            taken |= hit
            dz[:, :, p:p + sh * (ho - 1) + 1:sh, q:q + sw * (wo - 1) + 1:sw] += np.where(hit, dA, 0.0)
        return dz

    @staticmethod
    def argmax_mask(a_prev, size, stride=None):
        """A 0/1 array shaped like ``a_prev`` marking the input chosen by each window."""
        layer = MaxPool2D(size, stride)
        z, a, cache = layer.forward(np.asarray(a_prev, dtype=float))
        return layer.route(np.ones_like(a), z, a)


class AvgPool2D(_Pool2D):
    """Average pooling: each ``size``×``size`` window → the mean of its values."""

    def forward(self, a_prev, training=False, rng=None):
        self.check_input(a_prev, "the input of AvgPool2D")
        v = windows(a_prev, self.size, self.stride)
        kh, kw = self.size
        total = v[:, :, 0, 0].copy()
        for k in range(1, kh * kw):                          # k_h·k_w vectorised additions
            total += v[:, :, k // kw, k % kw]
        return a_prev, total / (kh * kw), None

    def route(self, dA, z, a):
        """Share each output's gradient equally among the k_h·k_w inputs of its window."""
        n, c, ho, wo = dA.shape
        kh, kw = self.size
        cols = np.broadcast_to((dA / (kh * kw))[:, :, None, None], (n, c, kh, kw, ho, wo))
        return col2im(cols, z.shape, self.size, self.stride)
