"""The 1000 ImageNet class names, offline.

`imagenet_class_index.json` (next to this file) is the class index Keras
downloads for `keras.applications.imagenet_utils.decode_predictions`
(https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json):
{"0": ["n01440764", "tench"], ...}, class number -> [WordNet id, name].
Our copy was taken from a public mirror of that file on GitHub
(sarwojowo/KerasProject, imagenet_class_index.json), with four names that the
mirror had translated restored (619 lampshade, 765 rocking_chair,
831 studio_couch, 846 table_lamp, as in noameshed/novelty-detection's copy).
The result is byte-identical to Keras's file: its MD5 is the `file_hash`
Keras checks after downloading it (KERAS_FILE_MD5 below; tests check it too).
Shipping it means predictions decode without a network connection.
"""

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

CLASS_INDEX_FILE = Path(__file__).with_name("imagenet_class_index.json")
KERAS_FILE_MD5 = "c2c37ea517e94d9795004a39431a14cb"
NUM_CLASSES = 1000


@lru_cache(maxsize=1)  # read the file once; the tuple it returns can't be changed
def _class_index():
    with open(CLASS_INDEX_FILE, encoding="utf-8") as f:
        raw = json.load(f)
    return tuple(tuple(raw[str(i)]) for i in range(NUM_CLASSES))


def imagenet_class_names():
    """The 1000 class names in model output order, e.g. names[281] == 'tabby'."""
    return [name for _, name in _class_index()]


def decode_imagenet(probabilities, top=5):
    """Top classes per image: a list (one per image) of (wordnet_id, name, probability).

    Works like Keras's `decode_predictions`, but from the copy shipped here.
    """
    probabilities = np.asarray(probabilities)
    if probabilities.ndim != 2 or probabilities.shape[1] != NUM_CLASSES:
        raise ValueError(
            f"expected probabilities of shape (images, {NUM_CLASSES}), got {probabilities.shape}"
        )
    index = _class_index()
    decoded = []
    for row in probabilities:
        best = np.argsort(row)[::-1][:top]
        decoded.append([(index[i][0], index[i][1], float(row[i])) for i in best])
    return decoded
