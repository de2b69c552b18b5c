"""VGG16 for lessons 1 and 2: ImageNet predictions, fine-tuning and cached features.

    vgg = Vgg16()                      # ImageNet weights (weights=None: untrained, offline)
    vgg.finetune(batches)              # new last layer for the batches' classes
    vgg.fit(batches, val_batches, epochs=1)

The model is `keras.applications.VGG16` with one layer in front of it that
turns 0-255 RGB images into what VGG16 was trained on, so every path
(training, prediction, cached features) sees the same input. Fine-tuning
builds a new functional model from the `fc2` layer's output (Keras 3 models
have no `pop()`); the fast path runs the frozen part once (`compute_features`)
and trains only the small head on the saved outputs (`fit_head`).
"""
import contextlib
import logging
import os
import time
from pathlib import Path

import keras
import numpy as np

from utils.arrays import ArrayWriter, is_array_dir, load_array, save_array
from utils.imagenet import imagenet_class_names

# ImageNet channel means in BGR order: what VGG16's original Caffe weights expect.
VGG_MEAN_BGR = (103.939, 116.779, 123.68)
IMAGENET_WEIGHTS_FILE = "vgg16_weights_tf_dim_ordering_tf_kernels.h5"
UNTRAINED = "untrained weights"
# Learning rates for training layers below the head. Keras's transfer-learning
# guide fine-tunes pretrained layers with Adam at 1e-5: big steps wreck what
# those layers know (a Keras 2 port of lesson 2 collapsed to 0.50 accuracy).
# An untrained VGG16's fc features are tiny (std ~0.003 at 32x32) and the head
# standardizes them, so the same step moves them much further: use 10x less.
FINE_TUNE_LR = 1e-5
FINE_TUNE_LR_UNTRAINED = 1e-6
OPTIMIZERS = {"adam": keras.optimizers.Adam, "rmsprop": keras.optimizers.RMSprop,
              "sgd": keras.optimizers.SGD}


class ImageNetWeightsUnavailable(RuntimeError):
    """The ImageNet weights could not be downloaded or found in Keras's cache."""


# ---------------------------------------------------------------- layers

@keras.saving.register_keras_serializable(package="course")
class CaffePreprocessing(keras.layers.Layer):
    """0-255 RGB images -> BGR with the ImageNet mean subtracted ("caffe" mode).

    This is the only place images are preprocessed: it is the model's first
    layer, so nothing outside the model can forget it or do it twice.
    """

    def call(self, images):
        bgr = keras.ops.flip(images, axis=-1)
        return bgr - keras.ops.convert_to_tensor(VGG_MEAN_BGR, dtype=bgr.dtype)


@keras.saving.register_keras_serializable(package="course")
class Standardize(keras.layers.Layer):
    """(features - mean) / std, per feature, with mean and std measured on training data.

    Why the head needs it: with ImageNet weights VGG16's features are on a
    sensible scale and this changes little. With untrained weights (offline)
    the features are tiny and nearly alike from image to image; a Dense layer on
    them stays near chance (0.66 on 64 images), while the same features
    standardized reach 0.96. Mean and std are stored as (non-trainable)
    weights, so they travel with the head's checkpoints.
    """

    def build(self, input_shape):
        size = input_shape[-1]
        self.mean = self.add_weight(name="mean", shape=(size,), initializer="zeros",
                                    trainable=False)
        self.std = self.add_weight(name="std", shape=(size,), initializer="ones",
                                   trainable=False)

    def call(self, features):
        return (features - keras.ops.cast(self.mean, features.dtype)) / \
            keras.ops.cast(self.std, features.dtype)

    def set_statistics(self, features):
        """Measure mean and std on `features` (rows are samples)."""
        mean, variance = _column_mean_and_variance(features)
        # A floor like BatchNormalization's epsilon: features that hardly vary
        # in training (dead ReLU units) are not blown up into noise.
        std = np.sqrt(variance + 1e-3 * variance.mean() + 1e-12)
        self.mean.assign(mean.astype("float32"))
        self.std.assign(std.astype("float32"))


def _column_mean_and_variance(features, rows_per_chunk=1024):
    """Per-column mean and variance, a chunk at a time (cached features can be GBs)."""
    count, total, total_sq = 0, 0.0, 0.0
    for start in range(0, len(features), rows_per_chunk):
        chunk = np.asarray(features[start:start + rows_per_chunk], dtype="float64")
        chunk = chunk.reshape(len(chunk), -1)
        count += len(chunk)
        total = total + chunk.sum(axis=0)
        total_sq = total_sq + (chunk ** 2).sum(axis=0)
    if count == 0:
        raise ValueError("no features to measure mean and std on")
    mean = total / count
    return mean, np.maximum(total_sq / count - mean ** 2, 0.0)


def head_layers(num_classes, conv_features=False, hidden_units=(), dropout=0.0):
    """The layers of a new classifier head: [Flatten], Standardize, [Dense+Dropout...], softmax."""
    layers = [keras.layers.Flatten(name="head_flatten")] if conv_features else []
    layers.append(Standardize(name="head_standardize"))
    for i, units in enumerate(hidden_units, start=1):
        layers.append(keras.layers.Dense(units, activation="relu", name=f"head_dense_{i}"))
        if dropout:
            layers.append(keras.layers.Dropout(dropout, name=f"head_dropout_{i}"))
    # float32 output keeps probabilities exact under a mixed-precision policy.
    layers.append(keras.layers.Dense(num_classes, activation="softmax",
                                     name="head_predictions", dtype="float32"))
    return layers


def _apply(layers, tensor):
    for layer in layers:
        tensor = layer(tensor)
    return tensor


# ---------------------------------------------------------------- building VGG16

def keras_weights_cache():
    """Where Keras keeps downloaded weights: $KERAS_HOME/models or ~/.keras/models."""
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "models"


def imagenet_weights_help():
    cached = keras_weights_cache() / IMAGENET_WEIGHTS_FILE
    return (
        "Could not get VGG16's ImageNet weights (no internet connection?).\n"
        f"Keras looks for them in its cache first: {cached} (528 MB).\n"
        "To get them: on a machine with internet run\n"
        "    python -c \"import keras; keras.applications.VGG16()\"\n"
        f"and copy {IMAGENET_WEIGHTS_FILE} from its ~/.keras/models/ to the path above,\n"
        "or pass the file directly: Vgg16(weights='/path/to/" + IMAGENET_WEIGHTS_FILE + "').\n"
        "To run without them: Vgg16(weights=None). Everything runs, but the network is\n"
        f"untrained, so its results mean little and each one printed says '{UNTRAINED}'.")


def build_vgg16(weights="imagenet", input_shape=(224, 224, 3), dtype_policy=None):
    """keras.applications.VGG16 (with its 1000-way top) behind CaffePreprocessing.

    `weights`: 'imagenet', None (random), or a path to a weights file.
    Input: float RGB images in 0..255 of `input_shape`. ImageNet weights need
    224x224; untrained models accept smaller images (tests use 32x32).
    """
    with _dtype_policy(dtype_policy):
        images = keras.Input(shape=tuple(input_shape), name="images")
        # Pinned to float32: mean subtraction on 0..255 needs more bits than bfloat16.
        preprocessed = CaffePreprocessing(name="caffe_preprocessing", dtype="float32")(images)
        try:
            return keras.applications.VGG16(weights=_as_keras_weights(weights),
                                            input_tensor=preprocessed,
                                            input_shape=tuple(input_shape))
        except Exception as error:
            if weights == "imagenet" and "URL fetch failure" in str(error):
                raise ImageNetWeightsUnavailable(imagenet_weights_help()) from error
            raise


def _as_keras_weights(weights):
    if weights is None or weights == "imagenet":
        return weights
    path = Path(weights).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"weights file {path} not found; pass 'imagenet', None "
                                "or the path of a VGG16 weights file")
    return str(path)


@contextlib.contextmanager
def _dtype_policy(policy):
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


# ---------------------------------------------------------------- the class

class Vgg16:
    """VGG16 with the lesson's verbs: predict, finetune, fit, test, compute_features, fit_head.

    weights: 'imagenet' (default), None (untrained; works offline) or a weights file.
    strategy: an optional tf.distribute strategy (MirroredStrategy for several
        GPUs, MultiWorkerMirroredStrategy for a cluster); models are built and
        compiled inside its scope.
    dtype_policy: optional Keras policy, e.g. 'mixed_bfloat16' (faster on CPUs
        with bfloat16 support; see bench/vgg_forward.py for its accuracy cost).
    """

    def __init__(self, weights="imagenet", input_shape=(224, 224, 3), strategy=None,
                 dtype_policy=None):
        self.untrained = weights is None
        self.input_shape = tuple(input_shape)
        self.strategy = strategy
        self.class_names = imagenet_class_names()
        self.lr = 0.001
        self.optimizer_name = "adam"
        self.epochs_done = 0
        self._features_layer = None   # where the head sits, set by finetune
        self._trained_from = None     # first layer of the part being trained
        self._head_ready = False      # Standardize statistics measured?
        self._tails, self._extractors = {}, {}   # sub-models, built when first needed
        with self._scope():
            self.model = build_vgg16(weights, self.input_shape, dtype_policy)
        self.base = self.model  # the whole VGG16: every head is built on one of its layers

    # -- small helpers

    def _scope(self):
        return self.strategy.scope() if self.strategy else contextlib.nullcontext()

    @property
    def caveat(self):
        """Text appended to every printed result: flags an untrained network."""
        return f"  [{UNTRAINED}]" if self.untrained else ""

    def _layer_index(self, layer):
        if isinstance(layer, int):
            return layer
        names = [l.name for l in self.model.layers]
        if layer not in names:
            raise ValueError(f"no layer named {layer!r}; layers are: {', '.join(names)}")
        return names.index(layer)

    def _require_head(self, what):
        if self._features_layer is None:
            raise RuntimeError(f"call finetune(batches) before {what}: the model still "
                               "ends in ImageNet's 1000 classes")

    # -- ImageNet-style prediction

    def predict(self, images, details=False):
        """Class probabilities, best class index and best class name for each image.

        images: array (n, height, width, 3) of RGB values in 0..255.
        Returns (probabilities (n, classes), class_indices (n,), class_names (n,)).
        details=True also prints one line per image.
        """
        images = np.asarray(images, dtype="float32")
        if images.ndim == 3:
            images = images[None]
        with _quiet_retracing():
            probabilities = self.model.predict(images, verbose=0)
        indices = probabilities.argmax(axis=1)
        names = [self.class_names[i] for i in indices]
        if details:
            for name, p in zip(names, probabilities.max(axis=1)):
                print(f"{name:<24} {p:.4f}{self.caveat}")
        return probabilities, indices, names

    # -- fine-tuning

    def finetune(self, batches, features_layer="fc2", hidden_units=(), dropout=0.0,
                 lr=0.001, optimizer="adam"):
        """Replace the layers after `features_layer` with a new head for the batches' classes.

        Everything up to `features_layer` is frozen; the head is
        Standardize -> Dense(num_classes, softmax) (plus optional hidden Dense
        layers). features_layer='fc2' is lesson 1; 'block5_pool' puts the head
        on the conv features (State Farm); 'predictions' with
        optimizer='rmsprop' is lesson 2's linear model on ImageNet's 1000
        probabilities.
        """
        class_names = list(batches.class_names)
        if len(class_names) < 2:
            where = getattr(batches, "path", "the batches")
            raise ValueError(f"fine-tuning needs at least 2 classes, but {where} has "
                             f"{class_names}: put each class's images in its own sub-folder")
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer={optimizer!r}: use one of {sorted(OPTIMIZERS)}")
        features = self.base.get_layer(features_layer).output
        layers = head_layers(len(class_names), conv_features=len(features.shape) > 2,
                             hidden_units=hidden_units, dropout=dropout)
        with self._scope():
            outputs = _apply(layers, features)
            self.model = keras.Model(self.base.input, outputs, name="vgg16_finetuned")
        for layer in self.model.layers:
            layer.trainable = any(layer is h for h in layers)
        self.class_names = class_names
        self._features_layer = features_layer
        self._trained_from = layers[0].name
        self._head_ready = False
        self._tails = {}  # feature extractors stay valid: they only use the base model
        self.epochs_done = 0  # a new head starts its own epoch count (and checkpoint names)
        self.optimizer_name = optimizer
        self.compile(lr)
        return self

    def compile(self, lr=None):
        """(Re)compile the model and the head with the current trainable layers."""
        if lr is not None:
            self.lr = lr
        with self._scope():
            for model in self._trainable_models():
                optimizer = OPTIMIZERS[self.optimizer_name](learning_rate=self.lr)
                model.compile(optimizer=optimizer, loss="categorical_crossentropy",
                              metrics=["accuracy"])

    def _trainable_models(self):
        """The full model, and once there is a head, the head alone (for cached features)."""
        return (self.model, self.head_model) if self._features_layer else (self.model,)

    def set_learning_rate(self, lr):
        """Change the learning rate of the compiled optimizers in place."""
        self.lr = lr
        for model in self._trainable_models():
            if model.optimizer is not None:
                model.optimizer.learning_rate = lr

    def set_trainable(self, from_layer, lr=None):
        """Train every layer from `from_layer` (a name or index) to the output.

        Recompiles, because Keras only picks up a changed `trainable` at
        compile time: the 2017 notebooks skipped this and kept training the
        old set of layers. The learning rate becomes `lr`, by default
        FINE_TUNE_LR (FINE_TUNE_LR_UNTRAINED for untrained weights).
        Returns (and prints) the trainable parameter count.
        """
        self._require_head("set_trainable")
        if lr is None:
            lr = FINE_TUNE_LR_UNTRAINED if self.untrained else FINE_TUNE_LR
        start = self._layer_index(from_layer)
        for i, layer in enumerate(self.model.layers):
            layer.trainable = i >= start
        self._trained_from = self.model.layers[start].name
        self.compile(lr)
        count = trainable_parameter_count(self.model)
        print(f"training {count:,} parameters, layers {self._trained_from} to the output"
              f" (lr {self.lr:g}){self.caveat}")
        return count

    def fit(self, batches, val_batches=None, epochs=1, lr=None, checkpoint_dir=None,
            verbose=None):
        """Train the trainable part on image batches (the naive path: every epoch runs
        the whole network). Saves `<checkpoint_dir>/<part>_epochNN.weights.h5` after
        each epoch, holding only the trained layers. Returns the Keras History."""
        self._require_head("fit")
        if lr is not None:
            self.set_learning_rate(lr)
        if not self._head_ready:
            self._standardize_from_batches(batches)
        return self._train(self.model, batches.dataset,
                           validation_data=val_batches.dataset if val_batches else None,
                           epochs=epochs, checkpoint_dir=checkpoint_dir, verbose=verbose)

    def standardize_head(self, features):
        """Set the head's Standardize layer from training features at the head's layer.

        fit_head does this from its features; fit samples images for it. Call
        it yourself to reuse features you already have.
        """
        self._require_head("standardize_head")
        self.model.get_layer("head_standardize").set_statistics(features)
        self._head_ready = True

    def _standardize_from_batches(self, batches, max_images=1024):
        """Measure the head's Standardize statistics on up to `max_images` training images."""
        steps = max(1, -(-max_images // batches.batch_size))
        images = batches.dataset.take(steps).map(_images_of)
        print(f"measuring feature mean/std for the head on up to "
              f"{min(max_images, batches.num_images)} training images")
        with _quiet_retracing():
            features = self.feature_extractor().predict(images, verbose=0)
        self.standardize_head(features)

    def _train(self, model, data, epochs, checkpoint_dir=None, verbose=None, **fit_args):
        """model.fit from the epoch we are at. verbose: None prints one line per
        epoch (plus Keras's progress bar for real weights: it can't carry the
        untrained-weights caveat), 0 prints nothing, 1 or 2 adds Keras's output."""
        callbacks = [] if verbose == 0 else [EpochReport(self.caveat)]
        if checkpoint_dir is not None:
            callbacks.append(TrainedPartCheckpoint(self, checkpoint_dir))
        if verbose is None:
            verbose = 0 if self.untrained else 1
        if not isinstance(data, np.ndarray):
            fit_args.setdefault("shuffle", False)  # a tf.data pipeline shuffles itself
        history = model.fit(data, initial_epoch=self.epochs_done,
                            epochs=self.epochs_done + epochs, callbacks=callbacks,
                            verbose=verbose, **fit_args)
        self.epochs_done += epochs
        return history

    def evaluate(self, batches):
        """Loss and accuracy on labelled batches, printed with the caveat; returns a dict."""
        loss, accuracy = self.model.evaluate(batches.dataset, verbose=0)
        print(f"loss {loss:.4f}  accuracy {accuracy:.4f}{self.caveat}")
        return {"loss": float(loss), "accuracy": float(accuracy)}

    # -- checkpoints of the trained part only

    def trained_part(self):
        """A model of the layers being trained (from `_trained_from` to the output),
        sharing their weights with the full model: the head alone is kilobytes,
        the whole VGG16 528 MB."""
        self._require_head("trained_part")
        return self._tail(self._trained_from)

    def _tail(self, first_layer):
        if first_layer not in self._tails:
            start = self._layer_index(first_layer)
            layers = self.model.layers[start:]
            with self._scope():
                inputs = keras.Input(shape=tuple(layers[0].input.shape[1:]))
                self._tails[first_layer] = keras.Model(inputs, _apply(layers, inputs),
                                                       name=f"from_{first_layer}")
        return self._tails[first_layer]

    def checkpoint_name(self, epoch):
        """'head_epoch03.weights.h5', or 'from_fc1_epoch03...' when more layers train."""
        head_only = self._trained_from == self._head_start()
        part = "head" if head_only else f"from_{self._trained_from}"
        return f"{part}_epoch{epoch:02d}.weights.h5"

    def save_trained_weights(self, path):
        """Save the trained part only; the name must end in .weights.h5."""
        self.trained_part().save_weights(str(path))
        return Path(path)

    def load_trained_weights(self, path):
        """Load a checkpoint written by fit/fit_head into the trained part."""
        self.trained_part().load_weights(str(path))
        self._head_ready = True

    # -- test-set predictions

    def test(self, path, batch_size=64):
        """Probabilities for every image under `path` (e.g. data/dogscats/test), in
        file order, with the file names: (probabilities, filenames), aligned."""
        if hasattr(path, "dataset"):
            batches = path
        else:
            from utils.data import get_batches
            batches = get_batches(path, batch_size=batch_size, shuffle=False,
                                  class_mode=None, target_size=self.input_shape[:2])
        return self.predict_batches(batches)

    def predict_batches(self, batches):
        """(probabilities, filenames) for batches made with shuffle=False; checks the counts."""
        with _quiet_retracing():
            probabilities = self.model.predict(batches.dataset.map(_images_of), verbose=0)
        filenames = list(batches.filenames)
        if len(probabilities) != len(filenames):
            raise ValueError(f"{len(probabilities)} predictions for {len(filenames)} files: "
                             "they can't be matched to file names (is the dataset repeated "
                             "or truncated?)")
        return probabilities, filenames

    # -- the fast path: cached features

    def _head_start(self):
        return self.model.layers[self._layer_index(self._features_layer) + 1].name

    @property
    def head_model(self):
        """The head alone (features in, probabilities out), sharing weights with `model`."""
        self._require_head("head_model")
        return self._tail(self._head_start())

    def feature_extractor(self, layer=None):
        """A model from the images to `layer`'s output (default: where the head sits)."""
        layer = layer or self._features_layer or "fc2"
        if layer not in self._extractors:  # reused: each new model would compile anew
            with self._scope():
                self._extractors[layer] = keras.Model(self.base.input,
                                                      self.base.get_layer(layer).output)
        return self._extractors[layer]

    def compute_features(self, batches, layer=None, cache=None, overwrite=False):
        """Run the network up to `layer` once over `batches`: returns (features, labels).

        cache: a path; features are streamed there with save_array's format and
        labels beside it (`<name>_labels`). If the cache exists it is loaded
        instead of recomputed - delete it (or overwrite=True) after changing
        the layers below `layer`. Labels come from the same pass, so they match
        even for shuffled batches; use shuffle=False to also match filenames.
        """
        layer = layer or self._features_layer or "fc2"
        if cache is not None:
            cache, labels_cache = Path(cache), _labels_path(cache)
            if is_array_dir(cache) and is_array_dir(labels_cache) and not overwrite:
                return self._load_cached(cache, labels_cache, batches)
        pairs = _feature_batches(self.feature_extractor(layer), batches.dataset,
                                 distributed=self.strategy is not None)
        if cache is None:
            pairs = list(pairs)
            return (np.concatenate([f for f, _ in pairs]),
                    np.concatenate([l for _, l in pairs]))
        labels = []
        cache.parent.mkdir(parents=True, exist_ok=True)
        with ArrayWriter(cache, overwrite=overwrite) as writer:  # streamed: never all in RAM
            for features, batch_labels in pairs:
                writer.append(features)
                labels.append(batch_labels)
        save_array(labels_cache, np.concatenate(labels), overwrite=overwrite)
        return load_array(cache), load_array(labels_cache)

    def _load_cached(self, cache, labels_cache, batches):
        features, labels = load_array(cache), load_array(labels_cache)
        if len(features) != batches.num_images:
            raise ValueError(f"{cache} holds {len(features)} rows but the batches have "
                             f"{batches.num_images} images: it is stale, pass overwrite=True")
        print(f"loaded cached features {cache} {features.shape}")
        return features, labels

    def fit_head(self, features, labels, val_features=None, val_labels=None, epochs=1,
                 lr=None, batch_size=64, checkpoint_dir=None, verbose=None):
        """Train the head on cached features (from compute_features at the head's layer).

        The head model shares its layers with `model`, so once trained the full
        model predicts with the new head: nothing to copy back.
        """
        self._require_head("fit_head")
        if self._trained_from != self._head_start():
            raise RuntimeError("layers below the head are trainable (set_trainable), so "
                               "cached features would be stale: use fit() instead")
        if lr is not None:
            self.set_learning_rate(lr)
        if not self._head_ready:
            self.standardize_head(features)
        num_classes = len(self.class_names)
        validation = None
        if val_features is not None:
            validation = (np.asarray(val_features), _as_onehot(val_labels, num_classes))
        return self._train(self.head_model, np.asarray(features),
                           y=_as_onehot(labels, num_classes), validation_data=validation,
                           epochs=epochs, batch_size=batch_size, shuffle=True,
                           checkpoint_dir=checkpoint_dir, verbose=verbose)


# ---------------------------------------------------------------- helpers for batches

def _images_of(*element):
    """Dataset elements are (images, labels) or images alone; keep the images."""
    return element[0]


def _feature_batches(extractor, dataset, distributed=False):
    """Yield (features, integer labels) per batch; labels are -1 for unlabelled data."""
    for element in dataset:
        images, labels = (element if isinstance(element, tuple) else (element, None))
        with _quiet_retracing():
            if distributed:
                # predict_on_batch would run the whole batch on every replica and
                # return each row once per replica; predict splits it between them.
                features = extractor.predict(images, batch_size=len(images), verbose=0)
            else:
                features = np.asarray(extractor.predict_on_batch(images))
        yield features, _as_int_labels(labels, len(features))


@contextlib.contextmanager
def _quiet_retracing():
    """Hide TensorFlow's "retracing" warning while predicting. It is expected here: every
    sub-model (head, extractor, tail) has its own predict function and the last batch
    is smaller, and the warning would bury the lesson's output."""
    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _as_int_labels(labels, count):
    if labels is None:
        return np.full(count, -1, dtype="int64")
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] > 1:  # one-hot ("categorical")
        return labels.argmax(axis=1)
    return labels.reshape(-1).astype("int64")     # "sparse", or (n, 1) "binary"


def _as_onehot(labels, num_classes):
    labels = np.asarray(labels)
    if labels.ndim == 2:
        return labels.astype("float32")
    return np.eye(num_classes, dtype="float32")[labels.astype("int64")]


def _labels_path(cache):
    cache = Path(cache)
    return cache.with_name(f"{cache.stem}_labels{cache.suffix}")


# ---------------------------------------------------------------- callbacks

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


class TrainedPartCheckpoint(keras.callbacks.Callback):
    """After each epoch, save only the layers being trained, named by epoch."""

    def __init__(self, vgg, folder):
        super().__init__()
        self.vgg = vgg
        self.folder = Path(folder)

    def on_epoch_end(self, epoch, logs=None):
        self.folder.mkdir(parents=True, exist_ok=True)
        self.vgg.save_trained_weights(self.folder / self.vgg.checkpoint_name(epoch + 1))
