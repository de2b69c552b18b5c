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


def receptive_field(model, layer_name):
    """(size, jump, start): the square of input pixels one unit of `layer_name` sees.

    The unit at row (or column) i of the layer's feature map sees `size` pixels
    centred on input pixel start + i * jump. Follows the convolution and pooling
    layers in model.layers up to `layer_name` as one chain, as in VGG16 or
    EfficientNet-Lite0 (a skip connection without layers of its own changes nothing).
    Padding is TensorFlow's: "same" pads the extra pixel at the bottom and right.
    """
    size, jump, start, length = 1, 1, 0.0, model.input.shape[1]
    for layer in model.layers:
        kernel = getattr(layer, "kernel_size", None) or getattr(layer, "pool_size", None)
        if kernel is not None:
            kernel, stride = kernel[0], layer.strides[0]
            out = conv_output_size(length, kernel, stride, layer.padding)
            pad_before = max((out - 1) * stride + kernel - length, 0) // 2 if layer.padding == "same" else 0
            start += ((kernel - 1) / 2 - pad_before) * jump
            size, jump, length = size + (kernel - 1) * jump, jump * stride, out
        if layer.name == layer_name:
            return size, jump, start
    raise ValueError(f"{model.name} has no layer {layer_name!r}")
