"""Convolution arithmetic: output sizes and parameter counts, checked by hand in 06.

For a convolution, for one spatial axis of a layer with input size W,
kernel (filter) size F, padding P and stride S:

    output size = floor((W + 2P - F) / S) + 1
    parameters  = (F_h * F_w * C_in + 1) * C_out      (the +1 is the bias)

Keras's padding="valid" means P = 0; padding="same" pads so that the output
is ceil(W / S) whatever F is. Pooling layers follow the same size formula and
have no parameters.
"""

import math


def conv_output_size(size, kernel_size, stride=1, padding=0):
    """Output length along one axis of a convolution or pooling layer.

    padding: an int P (zeros added on each side), or Keras's "valid" / "same".
    """
    if size <= 0 or kernel_size <= 0 or stride <= 0:
        raise ValueError("size, kernel_size and stride must be positive")
    if padding == "same":
        return math.ceil(size / stride)
    if padding == "valid":
        padding = 0
    if not isinstance(padding, int) or padding < 0:
        raise ValueError(f"padding must be 'valid', 'same' or an int >= 0, not {padding!r}")
    if size + 2 * padding < kernel_size:
        raise ValueError(f"a {kernel_size}-wide kernel does not fit in {size} + 2*{padding}")
    return (size + 2 * padding - kernel_size) // stride + 1


def conv_params(kernel_size, in_channels, filters, use_bias=True):
    """Trainable parameters of a 2-D convolution: (F_h * F_w * C_in + bias) * filters."""
    height, width = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return (height * width * in_channels + int(use_bias)) * filters


def dense_params(in_features, units, use_bias=True):
    """Parameters of a fully connected layer: (inputs + bias) * units."""
    return (in_features + int(use_bias)) * units
