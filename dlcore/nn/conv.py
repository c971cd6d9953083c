"""Convolutional layers: ``Conv2D`` and ``Flatten``, plus the window helpers pooling reuses.

Images are batches of shape (n, channels, height, width). A ``Conv2D`` layer with
``c_in`` input and ``c_out`` output feature maps holds weights W of shape
(c_out, c_in, k_h, k_w) and one bias per output map. Each output value is a
*correlation* of the kernel with one window of the (zero-padded) input, indexed as
Kaplan does (sec. 5.1), summed over the input maps and plus the bias:

    z[n, o, i, j] = b[o] + Σ_c Σ_p Σ_q  x[n, c, s·i + p, s·j + q] · W[o, c, p, q]
    a = φ(z)

with s the stride and p, q counted from 0 (Kaplan counts from 1: a_ij = Σ x_{i+p−1, j+q−1} w_pq).
A true convolution would flip the kernel first; ``convolve2d`` shows the difference.

The kernels are vectorised with "im2col": a strided view of the padded input gathers
every window into a column, so the forward pass is one matrix product per batch and
the backward pass two more (∂E/∂W = δ · colsᵀ, ∂E/∂cols = Wᵀ · δ, scattered back by
``col2im``). Weight sharing means ∂E/∂W sums over every position a kernel visited
(Kelleher et al., eq. 88-89).
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .._validate import as_float_array, as_rng, check_dtype, check_int
from . import activations as _act
from . import initializers as _init
from .layers import Layer, _Weighted
from .shapes import layer_shapes

__all__ = ["Conv2D", "Flatten", "correlate2d", "convolve2d", "output_size", "layer_shapes",
           "im2col", "col2im"]


# --------------------------------------------------------------------------- helpers
def image_shape(shape, name):
    """One example's (channels, height, width), each an int ≥ 1 or None (not known yet)."""
    shape = tuple(shape)
    if len(shape) != 3:
        raise ValueError(f"expects images, one (channels, height, width) per example, got "
                         f"examples of shape {shape}")
    return tuple(None if v is None else check_int(v, name, minimum=1) for v in shape)


def pair(value, name, minimum):
    """An int or a pair of ints (each >= ``minimum``) as a tuple (vertical, horizontal)."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an integer or a pair of integers, got {value!r}")
        return tuple(check_int(v, name, minimum=minimum) for v in value)
    v = check_int(value, name, minimum=minimum)
    return (v, v)


def output_size(size, kernel, stride=1, padding=0, *, name="kernel_size"):
    """Positions a kernel of width ``kernel`` takes along an input of width ``size``:
    ⌊(size + 2·padding − kernel) / stride⌋ + 1, or ``ValueError`` if it does not fit.
    An unknown ``size`` (None) gives None."""
    if size is None:
        return None
    size = check_int(size, "size", minimum=1)
    kernel = check_int(kernel, name, minimum=1)
    stride = check_int(stride, "stride", minimum=1)
    padding = check_int(padding, "padding", minimum=0)
    if kernel > size + 2 * padding:
        raise ValueError(f"{name} {kernel} is larger than the padded input: {size} + 2×{padding} "
                         f"= {size + 2 * padding} pixels")
    return (size + 2 * padding - kernel) // stride + 1


def windows(x, kernel, stride):
    """A read-only strided view (n, C, k_h, k_w, H_out, W_out) of every window of x.

    ``view[n, c, p, q, i, j]`` is x[n, c, s_h·i + p, s_w·j + q]; nothing is copied.
    """
    (kh, kw), (sh, sw) = kernel, stride
    n, c, h, w = x.shape
    ho, wo = (h - kh) // sh + 1, (w - kw) // sw + 1
    s0, s1, s2, s3 = x.strides
    return as_strided(x, (n, c, kh, kw, ho, wo), (s0, s1, s2, s3, s2 * sh, s3 * sw),
                      writeable=False)


def im2col(x, kernel, stride, *, check=True):
    """Every window of x as a column: shape (n, C·k_h·k_w, H_out·W_out), a copy.

    ``x`` is an (already padded) batch (n, C, H, W); ``kernel`` and ``stride`` are pairs.
    ``check=False`` skips validating them (``Conv2D`` has).
    """
    if check:
        kernel, stride = pair(kernel, "kernel", 1), pair(stride, "stride", 1)
        x = as_float_array(x, "x", ndim=4)
    if kernel[0] > x.shape[2] or kernel[1] > x.shape[3]:
        raise ValueError(f"x must be a batch (n, C, H, W) at least as large as the kernel "
                         f"{tuple(kernel)}, got shape {np.shape(x)}")
    v = windows(x, kernel, stride)
    n, c, kh, kw, ho, wo = v.shape
    return np.ascontiguousarray(v).reshape(n, c * kh * kw, ho * wo)


def col2im(cols, shape, kernel, stride):
    """The adjoint of ``im2col``: add each column entry back onto the pixel it came from.

    ``cols`` has shape (n, C, k_h, k_w, H_out, W_out) (or that many elements); pixels
    covered by several windows receive the sum of their entries.
    """
    (kh, kw), (sh, sw) = pair(kernel, "kernel", 1), pair(stride, "stride", 1)
    if isinstance(shape, (str, bytes)) or len(shape) != 4:
        raise ValueError(f"shape must be the input's (n, C, H, W), got {shape!r}")
    n, c, h, w = (check_int(v, "shape", minimum=1) for v in shape)
    if kh > h or kw > w:
        raise ValueError(f"kernel {(kh, kw)} is larger than the input's {h}×{w} pixels")
    ho, wo = (h - kh) // sh + 1, (w - kw) // sw + 1
    cols = np.asarray(cols)
    if cols.size != n * c * kh * kw * ho * wo:
        raise ValueError(f"cols must hold {n * c * kh * kw * ho * wo} values for an input of shape "
                         f"{tuple(shape)}, got {cols.size}")
    cols = cols.reshape(n, c, kh, kw, ho, wo)
    out = np.zeros(shape, dtype=cols.dtype)
    for p in range(kh):          # k_h·k_w vectorised strided additions
        for q in range(kw):
            out[:, :, p:p + sh * (ho - 1) + 1:sh, q:q + sw * (wo - 1) + 1:sw] += cols[:, :, p, q]
    return out


def _pad(x, padding):
    ph, pw = padding
    if ph == 0 and pw == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))


def _as_2d(a, name):
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-dimensional array, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite numbers")
    return arr


def correlate2d(image, kernel, stride=1, padding=0):
    """Kaplan's a_ij = Σ_p Σ_q x_{i+p−1, j+q−1} w_pq for one 2-D image and one 2-D kernel."""
    x, w = _as_2d(image, "image"), _as_2d(kernel, "kernel")
    stride, padding = pair(stride, "stride", 1), pair(padding, "padding", 0)
    for axis, nm in ((0, "height"), (1, "width")):
        output_size(x.shape[axis], w.shape[axis], stride[axis], padding[axis],
                    name=f"kernel {nm}")
    xp = _pad(x[None, None], padding)
    v = windows(xp, w.shape, stride)[0, 0]           # (k_h, k_w, H_out, W_out)
    return np.einsum("pqij,pq->ij", v, w)


def convolve2d(image, kernel, stride=1, padding=0):
    """True convolution: correlation with the kernel rotated by 180°."""
    return correlate2d(image, _as_2d(kernel, "kernel")[::-1, ::-1], stride, padding)


# ------------------------------------------------------------ the lecture's example




# ---------------------------------------------------------------------------- layers
class Conv2D(_Weighted):
    """A convolutional layer: ``c_out`` feature maps, each a k×k filter over ``c_in`` maps.

    Parameters
    ----------
    c_in, c_out : int
        Input and output feature maps (channels).
    kernel_size, stride, padding : int or (int, int)
        Kernel height and width, the step between windows (≥ 1) and the zero padding
        added on each side (≥ 0).
    activation : str or Activation
        Any elementwise activation of ``dlcore.activations``, applied after the
        correlation; ``"prelu"`` learns one slope λ per output map.
    init : str
        An initialiser name; weights are drawn as a (c_out, c_in·k_h·k_w) matrix, so the
        fan-in is c_in·k_h·k_w, then reshaped. Biases start at zero.
    rng : int, Generator or None
        Source of the initial weights.
    """

    input_ndim = 4

    def __init__(self, c_in, c_out, kernel_size, stride=1, padding=0, activation="linear",
                 init="xavier", rng=None, dtype=np.float64, *, init_kwargs=None, lam=0.25):
        self.c_in = check_int(c_in, "c_in", minimum=1)
        self.c_out = check_int(c_out, "c_out", minimum=1)
        self.kernel_size = pair(kernel_size, "kernel_size", 1)
        self.stride = pair(stride, "stride", 1)
        self.padding = pair(padding, "padding", 0)
        self.activation = _act.get(activation)
        if not self.activation.elementwise:
            raise ValueError(f"Conv2D needs an elementwise activation, got {self.activation.name!r}; "
                             "put softmax on a Dense output layer after Flatten")
        self.dtype = check_dtype(dtype)
        kh, kw = self.kernel_size
        fan_in = self.c_in * kh * kw
        W = _init.initialize(init, fan_in, self.c_out, as_rng(rng), dtype=self.dtype,
                             **_init.check_options(init_kwargs))
        self.W = W.reshape(self.c_out, self.c_in, kh, kw)
        self._init_bias(self.c_out, lam)

    @property
    def example_shape(self):
        return (self.c_in, None, None)

    def output_shape(self, input_shape):
        """(c_out, H_out, W_out) for one example of shape (c_in, H, W); checks it fits.
        Sizes not known yet (None) stay None."""
        c, h, w = image_shape(input_shape, "input_shape")
        if c is not None and c != self.c_in:
            raise ValueError(f"Conv2D expects {self.c_in} input channel(s), got {c} "
                             f"(input shape {tuple(input_shape)})")
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.padding
        return (self.c_out, output_size(h, kh, sh, ph, name="kernel_size (height)"),
                output_size(w, kw, sw, pw, name="kernel_size (width)"))

    def check_input(self, X, name="X"):
        """Raise if X is not (n, c_in, H, W) with H, W large enough for the kernel;
        return the output shape (c_out, H_out, W_out) of one example."""
        if X.ndim != 4:
            raise ValueError(f"{name} must be a 4-dimensional array (n, channels, height, width), "
                             f"got shape {X.shape}")
        if X.shape[1] != self.c_in:
            raise ValueError(f"{name} must have {self.c_in} channel(s), i.e. shape "
                             f"(n, {self.c_in}, height, width), for this Conv2D; got shape {X.shape}")
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.padding
        h, w = X.shape[2] + 2 * ph, X.shape[3] + 2 * pw
        if kh > h or kw > w:             # the slow, fully worded check only when it fails
            self.output_shape(X.shape[1:])
        return self.c_out, (h - kh) // sh + 1, (w - kw) // sw + 1

    def forward(self, a_prev, training=False, rng=None):
        _, ho, wo = self.check_input(a_prev, "the input of Conv2D")
        n = a_prev.shape[0]
        xp = _pad(a_prev, self.padding)
        cols = im2col(xp, self.kernel_size, self.stride, check=False)        # (n, C·k·k, H_out·W_out)
        z = np.matmul(self.W.reshape(self.c_out, -1), cols)     # (n, c_out, H_out·W_out)
        z += self.b[:, None]
        z = z.reshape(n, self.c_out, ho, wo)
        a = self._phi(z)
        return z, a, (cols, xp.shape)

    def _phi(self, z):
        if self.activation.parametric:
            return self.activation.forward(z, self.lam[:, None, None])
        return self.activation.forward(z)

    def backward(self, dA, z, a, a_prev, cache, delta=None):
        """δ = ∂E/∂a ⊙ φ'(z); ∂E/∂W = Σ_examples δ · colsᵀ, every position the kernel
        visited (weight sharing, Kelleher eq. 88-89); ∂E/∂b = Σ δ; ∂E/∂λ for PReLU."""
        cols, _ = cache
        grads = {}
        if self.activation.parametric:
            lam = self.lam[:, None, None]
            if delta is None:
                delta = self.activation.backward(dA, z, a, lam)
            grads["lam"] = (np.where(z > 0, 0.0, z) * dA).sum(axis=(0, 2, 3))
        elif delta is None:
            delta = self.activation.backward(dA, z, a)
        d = delta.reshape(delta.shape[0], self.c_out, -1)
        dW = np.matmul(d, cols.transpose(0, 2, 1)).sum(axis=0)
        return delta, {"W": dW.reshape(self.W.shape), "b": d.sum(axis=(0, 2)), **grads}

    def input_grad(self, delta, cache):
        """∂E/∂a_prev: each window gets Wᵀ δ, added back onto its pixels (col2im), unpadded."""
        _, padded_shape = cache
        d = delta.reshape(delta.shape[0], self.c_out, -1)
        dcols = np.matmul(self.W.reshape(self.c_out, -1).T, d)
        dxp = col2im(dcols, padded_shape, self.kernel_size, self.stride)
        (ph, pw), (_, _, h, w) = self.padding, padded_shape
        return dxp[:, :, ph:h - ph, pw:w - pw]

    def __repr__(self):
        k, s, p = self.kernel_size, self.stride, self.padding
        return (f"Conv2D({self.c_in}, {self.c_out}, kernel_size={k[0] if k[0] == k[1] else k}, "
                f"stride={s[0] if s[0] == s[1] else s}, padding={p[0] if p[0] == p[1] else p}, "
                f"activation={self.activation.name!r})")


class Flatten(Layer):
    """Reshape each example (C, H, W) into one row of C·H·W features for a ``Dense`` layer.

    ``input_shape`` (optional) is the shape of one incoming example; given it, the layer
    knows its output size, so ``Network`` checks the next layer's ``n_in`` when it is built
    and the input's shape on every pass. For the protocol z is the input itself and a its
    flattened view, so δ = ∂E/∂z is ∂E/∂a reshaped back to the input's shape.
    """

    input_ndim = (2, 3, 4)

    def __init__(self, input_shape=None):
        self.input_shape = None
        if input_shape is not None:
            if isinstance(input_shape, (str, bytes)) or not hasattr(input_shape, "__len__"):
                raise TypeError(f"input_shape must be a tuple of sizes, got {input_shape!r}")
            self.input_shape = tuple(check_int(v, "input_shape", minimum=1) for v in input_shape)
            self.n_out = int(np.prod(self.input_shape))

    def check_input(self, X, name="X"):
        if X.ndim < 2:
            raise ValueError(f"{name} must have a batch axis, got shape {X.shape}")
        if self.input_shape is not None and X.shape[1:] != self.input_shape:
            raise ValueError(f"{name} must have shape (n, {', '.join(map(str, self.input_shape))}) "
                             f"for this Flatten, got {X.shape}")

    def forward(self, a_prev, training=False, rng=None):
        self.check_input(a_prev, "the input of Flatten")
        return a_prev, a_prev.reshape(a_prev.shape[0], -1), None

    def backward(self, dA, z, a, a_prev, cache, delta=None):
        """δ is ∂E/∂a reshaped back to the input's shape; nothing is learned."""
        return (dA.reshape(z.shape) if delta is None else delta), {}

    def input_grad(self, delta, cache):
        return delta

    @property
    def example_shape(self):
        return self.input_shape

    def output_shape(self, input_shape):
        """(C·H·W,) for one example of shape (C, H, W) (None while a size is unknown)."""
        shape = tuple(input_shape)
        if self.input_shape is not None:     # sizes not known yet (None) must fit the given shape
            if len(shape) != len(self.input_shape) or any(
                    s is not None and s != want for s, want in zip(shape, self.input_shape)):
                raise ValueError(f"Flatten expects examples of shape {self.input_shape}, got {shape}")
            shape = self.input_shape
        return (None,) if None in shape else (int(np.prod(shape)),)

    def __repr__(self):
        return "Flatten()" if self.input_shape is None else f"Flatten(input_shape={self.input_shape})"
