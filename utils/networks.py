"""Building the pretrained networks: VGG16 behind its preprocessing layer, with honest offline errors.

`build_vgg16` is keras.applications.VGG16 (with its 1000-way top) behind
CaffePreprocessing, so every path (training, prediction, cached features) sees
the same input. `pretrained_or_untrained` is the offline fallback for any
other keras.applications network.
"""

import contextlib
from pathlib import Path

import numpy as np

from utils.config import keras_weights_cache
from utils.provenance import UNTRAINED, is_offline_error, note
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


def pretrained_or_untrained(application, **kwargs):
    """A keras.applications network with ImageNet weights, or untrained when offline.

    application: e.g. keras.applications.ResNet50. Returns (model, pretrained).
    Only a failed download falls back, and it says so; other errors are raised.
    """
    try:
        return application(weights="imagenet", **kwargs), True
    except Exception as error:
        if not is_offline_error(error):
            raise
    note(
        f"{application.__name__}'s ImageNet weights could not be downloaded (no network?).\n"
        f"Using {UNTRAINED.upper()}: the code runs, the predictions mean nothing."
    )
    return application(weights=None, **kwargs), False
