"""Lesson 2's fast path, and the checkpoints every training run leaves.

Cached features: run the frozen part of a network once over the images, save
its outputs with save_array, and train only the small head on them for as many
epochs as you like. Checkpoints: after each epoch, save only the layers being
trained, named by epoch, so the best epoch can be reloaded later.
"""

import contextlib
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from utils.arrays import ArrayWriter, is_array_dir, load_array, save_array


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
    """`model`'s inference pass as one TensorFlow graph, traced once and kept on the model
    (a new function per call would trace VGG16 again every time)."""
    import tensorflow as tf

    forward = getattr(model, "_course_forward", None)
    if forward is None:
        # reduce_retracing: the last, smaller batch reuses a shape-generic trace.
        forward = tf.function(
            lambda images: keras.ops.cast(model(images, training=False), "float32"), reduce_retracing=True
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


def as_onehot(labels, num_classes):
    labels = np.asarray(labels)
    if labels.ndim == 2:
        return labels.astype("float32")
    return np.eye(num_classes, dtype="float32")[labels.astype("int64")]


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


# ---------------------------------------------------------------- shares for several workers


def shard(items, index, count):
    """Worker `index` of `count` workers' share of `items`: items index, index + count, ...

    Every item is in exactly one share, the shares differ in length by at most
    one, and unshard() puts them back in order.
    """
    if not 0 <= index < count:
        raise ValueError(f"worker index {index} is not in 0..{count - 1} ({count} workers)")
    return items[index::count]


def unshard(shares):
    """The shares from shard(), in worker order, interleaved back into one array."""
    shares = [np.asarray(share) for share in shares]
    whole = np.empty((sum(map(len, shares)), *shares[0].shape[1:]), dtype=shares[0].dtype)
    for index, share in enumerate(shares):
        if len(whole[index :: len(shares)]) != len(share):
            raise ValueError(
                f"share {index} has {len(share)} rows: not the shares of one "
                f"shard() of {len(whole)} rows (pass them in worker order)"
            )
        whole[index :: len(shares)] = share
    return whole


@dataclass
class BatchesShare:
    """One worker's share of unshuffled batches: what compute_features needs."""

    dataset: object
    filenames: list
    labels: np.ndarray
    class_names: list
    batch_size: int

    @property
    def num_images(self):
        return len(self.filenames)


def shard_batches(batches, index, count):
    """Worker `index`'s share of `batches` (made with shuffle=False): files index::count.

    Every worker still reads and decodes all the files and keeps its share, which
    costs little next to VGG16's forward pass on a CPU.
    """
    if getattr(batches, "shuffle", False):
        raise ValueError(
            "shard_batches needs batches made with shuffle=False: a shuffled "
            "order differs between workers, so the shares would overlap"
        )
    dataset = batches.dataset.unbatch().shard(count, index).batch(batches.batch_size)
    return BatchesShare(
        dataset,
        shard(list(batches.filenames), index, count),
        shard(np.asarray(batches.labels), index, count),
        list(batches.class_names),
        batches.batch_size,
    )


# ---------------------------------------------------------------- training and checkpoints


def checkpoint_name(part, epoch):
    """'head_epoch03.weights.h5': the trained part's name and the epoch it ended."""
    return f"{part}_epoch{epoch:02d}.weights.h5"


def load_layer_weights(model, path):
    """Load a checkpoint's layer weights into `model`, leaving its optimizer alone.

    Checkpoints also hold the optimizer state of the run that wrote them; a
    rebuilt model's new optimizer can't take it (Keras would warn and skip it),
    and training after a reload starts a fresh optimizer anyway.
    """
    optimizer = getattr(model, "optimizer", None)
    model.load_weights(str(path), objects_to_skip=[optimizer] if optimizer else None)


def best_epoch(history, monitor="val_loss"):
    """The epoch (counting from 1, as checkpoints do) with the lowest `monitor`.

    history: a Keras History (or its .history dict) from a run with
    validation data. The choice is made on validation results only.
    """
    logs = getattr(history, "history", history)
    if monitor not in logs:
        raise ValueError(
            f"no {monitor!r} in the history ({sorted(logs)}): train with validation data to choose an epoch"
        )
    epochs = getattr(history, "epoch", None) or range(len(logs[monitor]))
    values = logs[monitor]
    best = min(range(len(values)), key=values.__getitem__)
    return epochs[best] + 1


def train(vgg, model, data, epochs, checkpoint_dir=None, verbose=None, **fit_args):
    """model.fit from the epoch `vgg` is at, with its report and checkpoints.

    verbose None: one line per epoch (plus Keras's bar for real weights; the bar
    can't carry the caveat), 0: nothing, 1 or 2: Keras's own output too.
    """
    callbacks = [] if verbose == 0 else [EpochReport(vgg.caveat)]
    if checkpoint_dir is not None:
        callbacks.append(TrainedPartCheckpoint(vgg, checkpoint_dir))
    if verbose is None:
        verbose = 0 if vgg.untrained else 1
    fit_args.setdefault("shuffle", False)  # a tf.data pipeline shuffles itself
    with quiet_retracing():  # each set_trainable/finetune compiles a new train function
        history = model.fit(
            data,
            initial_epoch=vgg.epochs_done,
            epochs=vgg.epochs_done + epochs,
            callbacks=callbacks,
            verbose=verbose,
            **fit_args,
        )
    vgg.epochs_done += epochs
    return history


class TrainedPartCheckpoint(keras.callbacks.Callback):
    """After each epoch, save only the layers being trained, named by epoch."""

    def __init__(self, vgg, folder):
        super().__init__()
        self.vgg = vgg
        self.folder = Path(folder)

    def on_epoch_end(self, epoch, logs=None):
        self.folder.mkdir(parents=True, exist_ok=True)
        self.vgg.save_trained_weights(self.folder / self.vgg.checkpoint_name(epoch + 1))


class EpochReport(keras.callbacks.Callback):
    """One line per epoch with every metric, and the untrained-weights caveat."""

    def __init__(self, caveat=""):
        super().__init__()
        self.caveat = caveat

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        seconds = time.perf_counter() - self._started
        metrics = "  ".join(f"{k} {v:.4f}" for k, v in (logs or {}).items())
        print(f"epoch {epoch + 1}: {metrics}  ({seconds:.1f} s){self.caveat}")


def fit_head(
    vgg,
    features,
    labels,
    val_features=None,
    val_labels=None,
    epochs=1,
    lr=None,
    batch_size=64,
    checkpoint_dir=None,
    verbose=None,
    shuffle=True,
):
    """Train `vgg`'s head on cached features (from compute_features at the head's input).

    The head shares its layers with vgg.model, so once trained the full model
    predicts with it: nothing to copy back. shuffle=False keeps the rows' order,
    so two runs from the same weights take the same steps. Returns the Keras History.
    """
    if vgg.trained_from != vgg.head_from:
        raise RuntimeError(
            "layers below the head are trainable (set_trainable), so "
            "cached features would be stale: use fit() instead"
        )
    if lr is not None:
        vgg.compile(lr)
    if not vgg.head_ready:
        vgg.standardize_head(features)
    classes = len(vgg.class_names)
    validation = None if val_features is None else (np.asarray(val_features), as_onehot(val_labels, classes))
    return train(
        vgg,
        vgg.head_model,
        np.asarray(features),
        epochs,
        checkpoint_dir,
        verbose,
        y=as_onehot(labels, classes),
        validation_data=validation,
        batch_size=batch_size,
        shuffle=shuffle,
    )


def at_epoch(history, epoch):
    """Every metric of `history` at `epoch` (counting from 1, as best_epoch and checkpoints do).

    Pairs with load_best_checkpoint: `utils.at_epoch(history, epoch)["val_accuracy"]`
    is the reloaded epoch's validation accuracy, whichever epoch a run started at.
    """
    logs = getattr(history, "history", history)
    epochs = list(getattr(history, "epoch", None) or range(len(next(iter(logs.values())))))
    if epoch - 1 not in epochs:
        raise ValueError(f"epoch {epoch} is not in this history (epochs {epochs[0] + 1}..{epochs[-1] + 1})")
    row = epochs.index(epoch - 1)
    return {metric: values[row] for metric, values in logs.items()}
