"""EfficientNet-Lite0's forward pass in plain PyTorch, straight from a state_dict.

An independent reference for utils.efficientnet_lite: it takes the layers from the
checkpoint's key names and shapes (kernel sizes, channels, which blocks widen), and
only the strides and the skip rule from the paper. TensorFlow's "same" padding is
spelled out: at stride 2 the extra row and column go at the bottom and right.
"""

import math

import numpy as np

# The blocks that halve the image (the first of stages 2, 3, 4 and 6); the rest keep its size.
STRIDE_2_BLOCKS = {1, 3, 5, 11}


def reference_logits(state_dict, images):
    """Logits (n, 1000) for 0-255 RGB images (n, h, w, 3), with PyTorch's own ops."""
    import torch
    import torch.nn.functional as F

    weights = {name: torch.as_tensor(np.asarray(value)) for name, value in state_dict.items()}

    def tf_same(x, kernel, stride):
        height, width = x.shape[-2:]
        pad_h = max((math.ceil(height / stride) - 1) * stride + kernel - height, 0)
        pad_w = max((math.ceil(width / stride) - 1) * stride + kernel - width, 0)
        return F.pad(x, (pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2))

    def conv(x, name, stride=1, groups=1):
        kernel = weights[f"{name}.weight"]
        return F.conv2d(tf_same(x, kernel.shape[-1], stride), kernel, stride=stride, groups=groups)

    def norm(x, name):
        w = {part: weights[f"{name}.{part}"] for part in ("weight", "bias", "running_mean", "running_var")}
        return F.batch_norm(
            x, w["running_mean"], w["running_var"], w["weight"], w["bias"], training=False, eps=1e-3
        )

    x = torch.as_tensor(np.asarray(images, "float32")).permute(0, 3, 1, 2)
    x = (x - 127.0) / 128.0
    with torch.no_grad():
        x = F.relu6(norm(conv(x, "_conv_stem", stride=2), "_bn0"))
        index = 0
        while f"_blocks.{index}._depthwise_conv.weight" in weights:
            block, inputs = f"_blocks.{index}", x
            if f"{block}._expand_conv.weight" in weights:
                x = F.relu6(norm(conv(x, f"{block}._expand_conv"), f"{block}._bn0"))
            stride = 2 if index in STRIDE_2_BLOCKS else 1
            x = F.relu6(norm(conv(x, f"{block}._depthwise_conv", stride, groups=x.shape[1]), f"{block}._bn1"))
            x = norm(conv(x, f"{block}._project_conv"), f"{block}._bn2")
            if stride == 1 and x.shape == inputs.shape:
                x = x + inputs
            index += 1
        x = F.relu6(norm(conv(x, "_conv_head"), "_bn1"))
        return F.linear(x.mean(dim=(2, 3)), weights["_fc.weight"], weights["_fc.bias"]).numpy()
