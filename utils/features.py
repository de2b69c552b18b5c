"""Features: what the frozen part of a network outputs, computed once and cached (lesson 2's fast path).

compute_features runs the frozen layers once over the images and streams their
outputs, with the labels, to disk (save_array's format); the small head then
trains on them (ImageNetClassifier.fit_head) for as many epochs as you like.
Also the features' statistics a standardizing head starts from
(feature_statistics, sample_features) and predictions in file order
(predict_in_order). Keras is imported only when a forward pass is built.
"""

import contextlib
import logging
import math
from pathlib import Path

import numpy as np

from utils.arrays import ArrayWriter, is_array_dir, load_array, save_array
from utils.quiet_keras import import_keras


# ---------------------------------------------------------------- cached features


def compute_features(extractor, batches, cache=None, overwrite=False, distributed=False):
    """Run `extractor` once over `batches`: returns (features, integer labels).

    cache: a path; features are streamed there with save_array's format and the
    labels beside it (`<name>_labels`). An existing cache is loaded instead of
    recomputed - pass overwrite=True after changing the layers below. Labels
    come from the same pass, so they match even for shuffled batches.
    """
    if cache is not None and not overwrite and is_array_dir(cache) and is_array_dir(labels_path(cache)):
        return load_cached_features(cache, batches.num_images)
    pairs = feature_batches(extractor, batches.dataset, distributed)
    if cache is None:
        features, labels = zip(*pairs)
        return np.concatenate(features), np.concatenate(labels)
    Path(cache).parent.mkdir(parents=True, exist_ok=True)
    labels = []
    with ArrayWriter(cache, overwrite=overwrite) as writer:  # streamed: never all in RAM
        for features, batch_labels in pairs:
            writer.append(features)
            labels.append(batch_labels)
    save_array(labels_path(cache), np.concatenate(labels), overwrite=overwrite)
    return load_array(cache), load_array(labels_path(cache))


def load_cached_features(cache, expected_rows):
    """(features, labels) saved by compute_features; refuses a stale cache."""
    features, labels = load_array(cache), load_array(labels_path(cache))
    if len(features) != expected_rows:
        raise ValueError(
            f"{cache} holds {len(features)} rows but the batches have "
            f"{expected_rows} images: it is stale, pass overwrite=True"
        )
    print(f"loaded cached features {cache} {features.shape}")
    return features, labels


def labels_path(cache):
    cache = Path(cache)
    return cache.with_name(f"{cache.stem}_labels{cache.suffix}")


def feature_batches(extractor, dataset, distributed=False):
    """Yield (features, integer labels) per batch; labels are -1 for unlabelled data.

    One compiled forward pass per batch while tf.data prepares the next one: as fast
    as `extractor.predict` over the whole dataset (bench/finetune.py measures both),
    but each batch is handed on when it is ready, so a cache streams to disk instead
    of holding every feature in memory. Features come out as float32 whatever the
    dtype policy.
    """
    import tensorflow as tf

    forward = None if distributed else compiled_forward(extractor)
    for element in dataset.prefetch(tf.data.AUTOTUNE):
        images, labels = element if isinstance(element, tuple) else (element, None)
        if forward is None:
            # A strategy splits each batch between its replicas: predict does that;
            # predict_on_batch would return each row once per replica.
            with quiet_retracing():
                features = extractor.predict(images, batch_size=len(images), verbose=0)
            features = np.asarray(features, dtype="float32")
        else:
            features = forward(images).numpy()
        yield features, as_int_labels(labels, len(features))


def compiled_forward(model):
    """`model`'s inference pass over float32 images as one TensorFlow graph, traced once
    and kept on the model (a new function per call would trace VGG16 again every time)."""
    import tensorflow as tf

    keras = import_keras()
    forward = getattr(model, "_course_forward", None)
    if forward is None:
        # Any batch size from the start: the last, smaller batch needs no second trace
        # (1.3 s for EfficientNet-Lite0 on a 2-core CPU), and it runs no slower.
        images = tf.TensorSpec([None, *model.input_shape[1:]], "float32")
        forward = tf.function(
            lambda images: keras.ops.cast(model(images, training=False), "float32"), input_signature=[images]
        )
        model._course_forward = forward
    return forward


def images_of(*element):
    """Dataset elements are (images, labels) or images alone; keep the images."""
    return element[0]


def as_int_labels(labels, count):
    if labels is None:
        return np.full(count, -1, dtype="int64")
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] > 1:  # one-hot ("categorical")
        return labels.argmax(axis=1)
    return labels.reshape(-1).astype("int64")  # "sparse", or (n, 1) "binary"


def column_mean_and_variance(features, rows_per_chunk=1024):
    """Per-column mean and variance, a chunk at a time (cached features can be GBs)."""
    count, total, total_sq = 0, 0.0, 0.0
    for start in range(0, len(features), rows_per_chunk):
        chunk = np.asarray(features[start : start + rows_per_chunk], dtype="float64")
        chunk = chunk.reshape(len(chunk), -1)
        count += len(chunk)
        total = total + chunk.sum(axis=0)
        total_sq = total_sq + (chunk**2).sum(axis=0)
    if count == 0:
        raise ValueError("no features to measure mean and std on")
    mean = total / count
    return mean, np.maximum(total_sq / count - mean**2, 0.0)


def feature_statistics(features):
    """Per-feature (mean, std) for standardizing `features` (rows are samples).

    The variance gets a floor of 1e-3 x its mean, like BatchNormalization's
    epsilon: features that hardly vary in training (dead ReLU units) are not
    blown up into noise. The one rule for every head that standardizes its input.
    """
    mean, variance = column_mean_and_variance(features)
    return mean, np.sqrt(variance + 1e-3 * variance.mean() + 1e-12)


@contextlib.contextmanager
def quiet_retracing():
    """Hide TensorFlow's "retracing" warning while predicting. It is expected here: every
    sub-model (head, extractor, trained part) has its own predict function and the last
    batch is smaller, and the warning would bury the lesson's output."""
    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def predict_in_order(model, batches):
    """(probabilities, filenames) for batches made with shuffle=False; checks the counts."""
    with quiet_retracing():
        probabilities = model.predict(batches.dataset.map(images_of), verbose=0)
    if len(probabilities) != len(batches.filenames):
        raise ValueError(
            f"{len(probabilities)} predictions for {len(batches.filenames)} "
            "files: they can't be matched to file names (is the dataset "
            "repeated or truncated?)"
        )
    return probabilities, list(batches.filenames)


def sample_features(extractor, batches, max_images=1024):
    """`extractor`'s outputs for up to `max_images` images of `batches` (e.g. to measure statistics)."""
    steps = max(1, math.ceil(max_images / batches.batch_size))
    print(
        f"measuring feature mean/std for the head on up to "
        f"{min(max_images, batches.num_images)} training images"
    )
    with quiet_retracing():
        return extractor.predict(batches.dataset.take(steps).map(images_of), verbose=0)
