"""Building the pretrained networks: VGG16 behind its preprocessing layer, with honest offline errors.

`build_vgg16` is keras.applications.VGG16 (with its 1000-way top) behind
CaffePreprocessing, so every path (training, prediction, cached features) sees
the same input. `resnet50_or_lite0` gives notebook 08 ResNet50 as one plain
Keras model, or EfficientNet-Lite0 standing in for it (offline, quick profile).
`weights_snapshot` and `changed_layers` check which layers training moved.
"""

import contextlib
from pathlib import Path

import numpy as np

from utils.config import keras_weights_cache
from utils.efficientnet_lite import FEATURES_LAYER, build_efficientnet_lite0
from utils.provenance import UNTRAINED, Caveat, is_offline_error, note, weights_standing_in
from utils.layers import CaffePreprocessing
from utils.quiet_keras import import_keras

keras = import_keras()

IMAGENET_WEIGHTS_FILE = "vgg16_weights_tf_dim_ordering_tf_kernels.h5"


class ImageNetWeightsUnavailable(RuntimeError):
    """The ImageNet weights could not be downloaded or found in Keras's cache."""


def imagenet_weights_help():
    cached = keras_weights_cache() / IMAGENET_WEIGHTS_FILE
    return (
        "Could not get VGG16's ImageNet weights (no internet connection?).\n"
        f"Keras looks for them in its cache first: {cached} (528 MB).\n"
        "To get them: on a machine with internet run\n"
        '    python -c "import keras; keras.applications.VGG16()"\n'
        f"and copy {IMAGENET_WEIGHTS_FILE} from its ~/.keras/models/ to the path above,\n"
        "or pass the file directly: Vgg16(weights='/path/to/" + IMAGENET_WEIGHTS_FILE + "').\n"
        "To run without them: Vgg16(weights=None). Everything runs, but the network is\n"
        f"untrained, so its results mean little and each one printed says '{UNTRAINED}'."
    )


def build_vgg16(weights="imagenet", input_shape=(224, 224, 3), dtype_policy=None):
    """keras.applications.VGG16 (with its 1000-way top) behind CaffePreprocessing.

    `weights`: 'imagenet', None (random), or a path to a weights file.
    Input: float RGB images in 0..255 of `input_shape`. ImageNet weights need
    224x224; untrained models accept smaller images (tests use 32x32).
    """
    with dtype_policy_scope(dtype_policy):
        images = keras.Input(shape=tuple(input_shape), name="images")
        # Pinned to float32: mean subtraction on 0..255 needs more bits than bfloat16.
        preprocessed = CaffePreprocessing(name="caffe_preprocessing", dtype="float32")(images)
        try:
            return keras.applications.VGG16(
                weights=_as_keras_weights(weights), input_tensor=preprocessed, input_shape=tuple(input_shape)
            )
        except Exception as error:
            if weights == "imagenet" and is_offline_error(error):
                raise ImageNetWeightsUnavailable(imagenet_weights_help()) from error
            raise


def _as_keras_weights(weights):
    if weights is None or weights == "imagenet":
        return weights
    path = Path(weights).expanduser()
    if not path.is_file():
        raise FileNotFoundError(
            f"weights file {path} not found; pass 'imagenet', None or the path of a VGG16 weights file"
        )
    return str(path)


@contextlib.contextmanager
def dtype_policy_scope(policy):
    """Build layers under a dtype policy (e.g. 'mixed_bfloat16'), then restore the old one."""
    if policy is None:
        yield
        return
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def trainable_parameter_count(model):
    return int(sum(np.prod(v.shape) for v in model.trainable_weights))


def weights_snapshot(model):
    """A copy of every layer's weights (layer name -> arrays), to compare with after training."""
    return {layer.name: [np.array(w) for w in layer.get_weights()] for layer in model.layers if layer.weights}


def changed_layers(model, snapshot):
    """The names of the layers whose weights differ from `snapshot` (from weights_snapshot)."""
    return [
        name
        for name, before in snapshot.items()
        if any(not np.array_equal(b, a) for b, a in zip(before, model.get_layer(name).get_weights()))
    ]


def check_trained_layers(model, snapshot):
    """The layers that moved since `snapshot`; raises unless they are exactly the trainable ones
    (a change to `trainable` without a recompile leaves the newly unfrozen layers unmoved)."""
    moved = changed_layers(model, snapshot)
    trainable = [layer.name for layer in model.layers if layer.trainable_weights]
    if sorted(moved) != sorted(trainable):
        raise AssertionError(f"moved {moved}, trainable {trainable}: was the model recompiled?")
    return moved


LITE0_FOR_RESNET50 = weights_standing_in("EfficientNet-Lite0", "ResNet50")


def resnet50_or_lite0(network="resnet50", include_top=True, input_shape=(224, 224, 3)):
    """(model, caveat): an ImageNet-trained network as one plain Keras model for 0-255 RGB images.

    network: "resnet50" (keras.applications; weights downloaded once, about 100 MB)
    or "efficientnet_lite0" (weights from a pip package: works offline). The model
    outputs the 1,000 ImageNet probabilities or, with include_top=False, the
    average-pooled features a new head goes on (2,048 or 1,280). Its name says
    which network it is. Offline, "resnet50" falls back to EfficientNet-Lite0 and
    says so; the caveat flags every result Lite0 produces.
    """
    if network == "resnet50":
        images = keras.Input(shape=tuple(input_shape), name="images")
        # resnet50.preprocess_input is this "caffe" mode too; as a layer it is part of the model
        preprocessed = CaffePreprocessing(name="caffe_preprocessing", dtype="float32")(images)
        try:
            pooling = None if include_top else "avg"
            resnet = keras.applications.ResNet50(
                weights="imagenet", include_top=include_top, pooling=pooling, input_tensor=preprocessed
            )
            return resnet, Caveat()
        except Exception as error:
            if not is_offline_error(error):
                raise
        note(
            "ResNet50's ImageNet weights could not be downloaded (no network?).\n" + LITE0_FOR_RESNET50 + "."
        )
    elif network != "efficientnet_lite0":
        raise ValueError(f"network={network!r}: use 'resnet50' or 'efficientnet_lite0'")
    lite0 = build_efficientnet_lite0(input_shape=input_shape)
    if not include_top:
        lite0 = keras.Model(lite0.input, lite0.get_layer(FEATURES_LAYER).output, name=lite0.name)
    return lite0, Caveat(weights=LITE0_FOR_RESNET50)
