"""The networks the lessons run, each a thin subclass of ImageNetClassifier named for its network.

    vgg = Vgg16()                      # ImageNet weights (weights=None: untrained, offline)
    vgg.finetune(batches)              # new last layer for the batches' classes
    vgg.fit(batches, val_batches, epochs=1)

Every verb (predict, finetune, fit, fit_head, compute_features, ...) lives in
utils.classifier; a network here only says how to build itself and where its
head goes (see ImageNetClassifier's docstring for the extension point).
"""

from utils.classifier import ImageNetClassifier
from utils.hardware import fastest_dtype_policy
from utils.networks import build_vgg16


class Vgg16(ImageNetClassifier):
    """VGG16 (keras.applications, behind CaffePreprocessing) with the lesson's verbs.

    weights: 'imagenet' (default), None (untrained; works offline) or a weights file.
    The head goes on 'fc2' by default, VGG16's last 4,096 features.
    """

    head_input = "fc2"

    def build_base(self, weights, input_shape, dtype_policy):
        return build_vgg16(weights, input_shape, dtype_policy)


def dtype_policy_for(network):
    """(policy, reason): the dtype policy `network` (a class such as Vgg16) runs fastest in
    on this machine, timed once (one batch each way, where 16-bit is native) and kept under build/."""
    return fastest_dtype_policy(
        network.__name__, lambda policy: network(weights=None, dtype_policy=policy).feature_extractor()
    )
