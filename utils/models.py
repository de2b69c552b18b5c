"""VGG16 for lessons 1 and 2: ImageNet predictions, fine-tuning and cached features.

    vgg = Vgg16()                      # ImageNet weights (weights=None: untrained, offline)
    vgg.finetune(batches)              # new last layer for the batches' classes
    vgg.fit(batches, val_batches, epochs=1)

The model is `keras.applications.VGG16` with one layer in front of it that
turns 0-255 RGB images into what VGG16 was trained on, so every path
(training, prediction, cached features) sees the same input. Fine-tuning
builds a new functional model from the `fc2` layer's output (Keras 3 models
have no `pop()`); the fast path (utils.features) runs the frozen part once
and trains only the small head on the saved outputs (`fit_head`).

Words used throughout: the *head* is the new layers finetune() adds; the
*trained part* is every layer from `trained_from` to the output - the head
alone until set_trainable() unfreezes more.
"""

import contextlib
import os
from pathlib import Path

import keras
import numpy as np

from utils import features as cached
from utils._common import UNTRAINED, caveat, is_offline_error
from utils.data import get_batches
from utils.imagenet import imagenet_class_names

# ImageNet channel means in BGR order: what VGG16's original Caffe weights expect.
VGG_MEAN_BGR = (103.939, 116.779, 123.68)
IMAGENET_WEIGHTS_FILE = "vgg16_weights_tf_dim_ordering_tf_kernels.h5"
# Learning rates for training layers below the head. Keras's transfer-learning
# guide fine-tunes pretrained layers with Adam at 1e-5: big steps wreck what
# those layers know (a Keras 2 port of lesson 2 collapsed to 0.50 accuracy).
# An untrained VGG16's fc features are tiny and the head
# standardizes them, so the same step moves them much further: use 10x less.
FINE_TUNE_LR = 1e-5
FINE_TUNE_LR_UNTRAINED = 1e-6
OPTIMIZERS = {"adam": keras.optimizers.Adam, "rmsprop": keras.optimizers.RMSprop, "sgd": keras.optimizers.SGD}


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
    the features are tiny and nearly alike from image to image, and a Dense
    layer on them barely moves from chance; standardized, they separate well.
    Mean and std are stored as (non-trainable) weights, so they travel with
    the head's checkpoints.
    """

    def build(self, input_shape):
        size = input_shape[-1]
        self.mean = self.add_weight(name="mean", shape=(size,), initializer="zeros", trainable=False)
        self.std = self.add_weight(name="std", shape=(size,), initializer="ones", trainable=False)

    def call(self, features):
        return (features - keras.ops.cast(self.mean, features.dtype)) / keras.ops.cast(
            self.std, features.dtype
        )

    def set_statistics(self, features):
        """Measure mean and std on `features` (rows are samples)."""
        mean, variance = cached.column_mean_and_variance(features)
        # A floor like BatchNormalization's epsilon: features that hardly vary
        # in training (dead ReLU units) are not blown up into noise.
        std = np.sqrt(variance + 1e-3 * variance.mean() + 1e-12)
        self.mean.assign(mean.astype("float32"))
        self.std.assign(std.astype("float32"))


def head_layers(num_classes, conv_features=False, hidden_units=(), dropout=0.0, batch_norm=False):
    """A new classifier head: [Flatten], Standardize, [Dense+[BatchNorm]+Dropout...], softmax."""
    layers = [keras.layers.Flatten(name="head_flatten")] if conv_features else []
    layers.append(Standardize(name="head_standardize"))
    for i, units in enumerate(hidden_units, start=1):
        if batch_norm:  # normalise the Dense outputs before the ReLU, as Ioffe & Szegedy do
            layers += [
                keras.layers.Dense(units, name=f"head_dense_{i}"),
                keras.layers.BatchNormalization(name=f"head_batchnorm_{i}"),
                keras.layers.Activation("relu", name=f"head_relu_{i}"),
            ]
        else:
            layers.append(keras.layers.Dense(units, activation="relu", name=f"head_dense_{i}"))
        if dropout:
            layers.append(keras.layers.Dropout(dropout, name=f"head_dropout_{i}"))
    # float32 output keeps probabilities exact under a mixed-precision policy.
    layers.append(
        keras.layers.Dense(num_classes, activation="softmax", name="head_predictions", dtype="float32")
    )
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
    with _dtype_policy(dtype_policy):
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
    print(
        f"NOTE: {application.__name__}'s ImageNet weights could not be downloaded (no network?).\n"
        f"      Using {UNTRAINED.upper()}: the code runs, the predictions mean nothing."
    )
    return application(weights=None, **kwargs), False


# ---------------------------------------------------------------- the class


class Vgg16:
    """VGG16 with the lesson's verbs: predict, finetune, fit, set_trainable, test.

    weights: 'imagenet' (default), None (untrained; works offline) or a weights file.
    strategy: an optional tf.distribute strategy, in whose scope models are built.
    dtype_policy: optional Keras policy such as 'mixed_bfloat16'.
    """

    def __init__(self, weights="imagenet", input_shape=(224, 224, 3), strategy=None, dtype_policy=None):
        self.untrained = weights is None
        self.input_shape = tuple(input_shape)
        self.strategy = strategy
        self.lr, self.optimizer_name = 0.001, "adam"
        self._extractors = {}  # images -> a layer's output, reused (each would compile anew)
        self._scope = strategy.scope if strategy else contextlib.nullcontext
        with self._scope():
            self.base = build_vgg16(weights, self.input_shape, dtype_policy)
        self._start(self.base, imagenet_class_names(), features_layer=None)

    def _start(self, model, class_names, features_layer):
        """Begin with a new model: its classes, where its head sits, a fresh epoch count."""
        self.model, self.class_names = model, list(class_names)
        self.features_layer = features_layer  # the head's input; None: ImageNet's own top
        self.head_from = self.trained_from = (
            None if features_layer is None else model.layers[layer_index(model, features_layer) + 1].name
        )
        self.head_ready = False  # Standardize statistics measured?
        self.epochs_done = 0  # checkpoint names count from here
        self._parts = {}  # first layer -> sub-model to the output

    @property
    def caveat(self):
        """Text appended to every printed result: flags an untrained network."""
        return caveat(untrained=self.untrained)

    def predict(self, images, details=False):
        """(probabilities, best class indices, best class names) for RGB 0..255 images;
        details=True also prints one line per image."""
        images = np.asarray(images, dtype="float32")
        with cached.quiet_retracing():
            probabilities = self.model.predict(images[None] if images.ndim == 3 else images, verbose=0)
        indices = probabilities.argmax(axis=1)
        names = [self.class_names[i] for i in indices]
        if details:
            for name, p in zip(names, probabilities.max(axis=1)):
                print(f"{name:<24} {p:.4f}{self.caveat}")
        return probabilities, indices, names

    def finetune(self, batches, features_layer="fc2", lr=0.001, optimizer="adam", **head):
        """Replace the layers after `features_layer` with a new head for the batches' classes.

        The rest is frozen. 'fc2' is lesson 1, 'block5_pool' (conv features) State
        Farm, 'predictions' with optimizer='rmsprop' lesson 2's linear model.
        head: hidden_units, dropout, batch_norm, as head_layers takes them.
        """
        class_names = _class_names_of(batches)
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer={optimizer!r}: use one of {sorted(OPTIMIZERS)}")
        features = self.base.get_layer(features_layer).output
        layers = head_layers(len(class_names), conv_features=len(features.shape) > 2, **head)
        with self._scope():
            model = keras.Model(self.base.input, _apply(layers, features), name="vgg16_finetuned")
        self._start(model, class_names, features_layer)
        self.optimizer_name = optimizer
        self._train_from(self.head_from, lr)
        return self

    def set_trainable(self, from_layer, lr=None):
        """Train every layer from `from_layer` (a name or index) to the output.

        Recompiles: Keras only picks up a changed `trainable` at compile time (the
        2017 notebooks skipped this). Returns (and prints) the trainable parameter count.
        """
        self._require_head("set_trainable")
        if lr is None:
            lr = FINE_TUNE_LR_UNTRAINED if self.untrained else FINE_TUNE_LR
        self._train_from(self.model.layers[layer_index(self.model, from_layer)].name, lr)
        count = trainable_parameter_count(self.model)
        print(
            f"training {count:,} parameters, layers {self.trained_from} to the output"
            f" (lr {self.lr:g}){self.caveat}"
        )
        return count

    def _train_from(self, first_layer, lr):
        """Freeze the layers below `first_layer`, unfreeze the rest, recompile."""
        start = layer_index(self.model, first_layer)
        for i, layer in enumerate(self.model.layers):
            layer.trainable = i >= start
        self.trained_from = first_layer
        self.compile(lr)

    def compile(self, lr=None):
        """(Re)compile the model, and the head alone for cached features."""
        self.lr = self.lr if lr is None else lr
        models = (self.model,) if self.head_from is None else (self.model, self.head_model)
        with self._scope():
            for model in models:
                model.compile(
                    optimizer=OPTIMIZERS[self.optimizer_name](learning_rate=self.lr),
                    loss="categorical_crossentropy",
                    metrics=["accuracy"],
                )

    def fit(self, batches, val_batches=None, epochs=1, lr=None, checkpoint_dir=None, verbose=None):
        """Train the trained part on image batches (each epoch runs the whole network),
        saving it to `<checkpoint_dir>/<part>_epochNN.weights.h5` after each epoch."""
        self._require_head("fit")
        if lr is not None:
            self.compile(lr)
        if not self.head_ready:
            _standardize_from_batches(self, batches)
        return cached.train(
            self,
            self.model,
            batches.dataset,
            epochs,
            checkpoint_dir,
            verbose,
            validation_data=val_batches.dataset if val_batches else None,
        )

    def evaluate(self, batches):
        """Loss and accuracy on labelled batches, printed with the caveat; returns a dict."""
        loss, accuracy = self.model.evaluate(batches.dataset, verbose=0)
        print(f"loss {loss:.4f}  accuracy {accuracy:.4f}{self.caveat}")
        return {"loss": float(loss), "accuracy": float(accuracy)}

    def test(self, path, batch_size=64):
        """(probabilities, filenames), aligned, for every image under `path` (or batches
        made with shuffle=False), in file order."""
        batches = (
            path
            if hasattr(path, "dataset")
            else get_batches(
                path, batch_size=batch_size, shuffle=False, class_mode=None, target_size=self.input_shape[:2]
            )
        )
        return cached.predict_in_order(self.model, batches)

    # -- the trained part and its checkpoints

    def trained_part(self):
        """The layers being trained, as a model sharing weights with `model`: the head
        alone is kilobytes, the whole VGG16 528 MB."""
        return self._part(self.trained_from, "trained_part")

    @property
    def head_model(self):
        """The head alone (features in, probabilities out), sharing weights with `model`."""
        return self._part(self.head_from, "head_model")

    def checkpoint_name(self, epoch):
        """'head_epoch03.weights.h5', or 'from_fc1_epoch03...' when more layers train."""
        part = "head" if self.trained_from == self.head_from else f"from_{self.trained_from}"
        return cached.checkpoint_name(part, epoch)

    def save_trained_weights(self, path):
        """Save the trained part only; the name must end in .weights.h5."""
        self.trained_part().save_weights(str(path))
        return Path(path)

    def load_trained_weights(self, path):
        """Load a checkpoint written by fit/fit_head into the trained part."""
        cached.load_layer_weights(self.trained_part(), path)
        self.head_ready = True

    def load_best_checkpoint(self, history, checkpoint_dir, monitor="val_loss"):
        """Reload the epoch with the best validation `monitor`; returns that epoch."""
        epoch = cached.best_epoch(history, monitor)
        self.load_trained_weights(Path(checkpoint_dir) / self.checkpoint_name(epoch))
        print(f"reloaded epoch {epoch}, the one with the lowest {monitor}{self.caveat}")
        return epoch

    # -- the fast path: cached features

    def feature_extractor(self, layer=None):
        """A model from the images to `layer`'s output (default: where the head sits)."""
        layer = layer or self.features_layer or "fc2"
        if layer not in self._extractors:
            with self._scope():
                self._extractors[layer] = keras.Model(self.base.input, self.base.get_layer(layer).output)
        return self._extractors[layer]

    def compute_features(self, batches, layer=None, cache=None, overwrite=False):
        """(features, labels) at `layer` for `batches`: see utils.features.compute_features."""
        return cached.compute_features(
            self.feature_extractor(layer), batches, cache, overwrite, distributed=self.strategy is not None
        )

    def fit_head(self, features, labels, val_features=None, val_labels=None, **options):
        """Train the head on cached features: see utils.features.fit_head."""
        self._require_head("fit_head")
        return cached.fit_head(self, features, labels, val_features, val_labels, **options)

    def standardize_head(self, features):
        """Set the head's Standardize layer from training features at the head's input."""
        self._require_head("standardize_head")
        self.model.get_layer("head_standardize").set_statistics(features)
        self.head_ready = True

    def _part(self, first_layer, what):
        self._require_head(what)
        if first_layer not in self._parts:
            with self._scope():
                self._parts[first_layer] = sub_model(self.model, first_layer)
        return self._parts[first_layer]

    def _require_head(self, what):
        if self.head_from is None:
            raise RuntimeError(
                f"call finetune(batches) before {what}: the model still ends in ImageNet's 1000 classes"
            )


def _class_names_of(batches):
    class_names = list(batches.class_names)
    if len(class_names) < 2:
        where = getattr(batches, "path", "the batches")
        raise ValueError(
            f"fine-tuning needs at least 2 classes, but {where} has "
            f"{class_names}: put each class's images in its own sub-folder"
        )
    return class_names


def layer_index(model, layer):
    """The position of `layer` (a name, or already an index) in `model.layers`."""
    if isinstance(layer, int):
        return layer
    names = [each.name for each in model.layers]
    if layer not in names:
        raise ValueError(f"no layer named {layer!r}; layers are: {', '.join(names)}")
    return names.index(layer)


def sub_model(model, first_layer):
    """A model from `first_layer` to the output of a chain model, sharing the layers' weights."""
    layers = model.layers[layer_index(model, first_layer) :]
    inputs = keras.Input(shape=tuple(layers[0].input.shape[1:]))
    return keras.Model(inputs, _apply(layers, inputs), name=f"from_{first_layer}")


def _standardize_from_batches(vgg, batches, max_images=1024):
    """Measure the head's Standardize statistics on up to `max_images` training images."""
    steps = max(1, -(-max_images // batches.batch_size))
    print(
        f"measuring feature mean/std for the head on up to "
        f"{min(max_images, batches.num_images)} training images"
    )
    with cached.quiet_retracing():
        features = vgg.feature_extractor().predict(
            batches.dataset.take(steps).map(cached.images_of), verbose=0
        )
    vgg.standardize_head(features)
