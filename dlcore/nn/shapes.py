"""The shape of one example as it flows through a stack of layers.

Every layer has ``output_shape(shape)``: the shape of one example after the layer, given its
shape before (``None`` for a size not known yet, such as an image's height before the first
batch arrives), raising ``ValueError`` when the layer cannot take that shape. ``Network``
runs this flow when it is built (from the shape its first layer fixes) and again for the
first batch of each new shape, so a mismatch is reported with the index of the layer.
"""
from __future__ import annotations

__all__ = ["layer_shapes", "example_shape"]


def example_shape(layers):
    """The shape of one input example as far as the first layer fixes it (None if unknown)."""
    return getattr(layers[0], "example_shape", None)


def layer_shapes(layers, input_shape, *, strict=True):
    """The shape of one example after each layer, starting from ``input_shape``.

    Returns a list of (layer, output shape, number of parameters); raises ``ValueError``
    at the first layer the incoming shape does not fit (a kernel larger than its padded
    input, a channel count or a ``Dense`` input size that does not match, a sequence fed
    to a ``Dense`` layer), naming the layer's index. A layer of the student's own without
    ``output_shape`` ends the flow (``strict=False``) or raises ``TypeError``.
    """
    shape, rows = tuple(input_shape), []
    for i, layer in enumerate(layers):
        if hasattr(layer, "output_shape"):
            try:
                shape = tuple(layer.output_shape(shape))
            except ValueError as exc:
                raise ValueError(f"layers[{i}] ({type(layer).__name__}): {exc}") from exc
        elif not layer.preserves_shape:
            if not strict:
                return rows
            raise TypeError(f"layers[{i}]: cannot work out the output shape of {layer!r}")
        rows.append((layer, shape, sum(int(p.size) for p in layer.params.values())))
    return rows
