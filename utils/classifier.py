"""One implementation of the lesson's verbs for every pretrained ImageNet network.

    vgg = Vgg16()                      # a subclass: ImageNet weights (weights=None: untrained)
    vgg.finetune(batches)              # new head for the batches' classes
    vgg.fit(batches, val_batches, epochs=1)

Fine-tuning builds a new functional model from the head's input layer (Keras 3
models have no `pop()`); the fast path runs the frozen part once
(compute_features) and trains only the small head on the saved outputs (fit_head).
Words used throughout: the *head* is the new layers finetune() adds; the
*trained part* is every layer from `trained_from` to the output - the head
alone until set_trainable() unfreezes more.
"""

import contextlib
from pathlib import Path

import numpy as np

from utils.provenance import Caveat
from utils.data import get_batches
from utils.epochs import best_epoch, better_direction, checkpoint_name
from utils.features import compute_features, predict_in_order, quiet_retracing, sample_features
from utils.imagenet import imagenet_class_names
from utils.layers import apply_layers, head_layers, layer_index, sub_model
from utils.networks import trainable_parameter_count
from utils.quiet_keras import import_keras
from utils.training import (
    EpochCheckpoint,
    check_optimizer,
    compile_classifier,
    head_fit_arguments,
    load_layer_weights,
    train,
)

keras = import_keras()

# Learning rates for training layers below the head. Keras's transfer-learning
# guide fine-tunes pretrained layers with Adam at 1e-5: big steps wreck what
# those layers know (a Keras 2 port of lesson 2 collapsed to 0.50 accuracy).
# Untrained path only: a random network's features are tiny and its head
# standardizes them, so the same step moves them much further: use 10x less.
FINE_TUNE_LR = 1e-5
FINE_TUNE_LR_UNTRAINED = 1e-6


class TrainedPart:
    """The layers being trained as a model of their own, and their per-epoch checkpoints.

    Part of ImageNetClassifier (a mixin: it keeps that class short and shares its state).
    """

    def trained_part(self):
        """The layers being trained, as a model sharing weights with `model` (the head alone: kB)."""
        return self._part(self.trained_from, "trained_part")

    @property
    def head_model(self):
        """The head alone (features in, probabilities out), sharing weights with `model`."""
        return self._part(self.head_from, "head_model")

    def checkpoint_name(self, epoch):
        """'head_epoch03.weights.h5', or 'from_fc1_epoch03...' when more layers train."""
        return checkpoint_name(
            "head" if self.trained_from == self.head_from else f"from_{self.trained_from}", epoch
        )

    def save_trained_weights(self, path):
        """Save the trained part only; the name must end in .weights.h5."""
        self.trained_part().save_weights(str(path))
        return Path(path)

    def load_trained_weights(self, path):
        """Load a checkpoint written by fit/fit_head into the trained part."""
        load_layer_weights(self.trained_part(), path)
        self.head_ready = True

    def load_best_checkpoint(self, history, checkpoint_dir, monitor="val_loss", mode="auto"):
        """Reload the epoch with the best validation `monitor` (see utils.best_epoch); returns it."""
        epoch = best_epoch(history, monitor, mode)
        self.load_trained_weights(Path(checkpoint_dir) / self.checkpoint_name(epoch))
        best = "lowest" if better_direction(monitor, mode) == "min" else "highest"
        print(f"reloaded epoch {epoch}, the one with the {best} {monitor}{self.caveat}")
        return epoch

    def _part(self, first_layer, what):
        self._require_head(what)
        if first_layer not in self._parts:
            with self._scope():
                self._parts[first_layer] = sub_model(self.model, first_layer)
        return self._parts[first_layer]

    def _require_head(self, what):
        if self.head_from is None:
            raise RuntimeError(
                f"call finetune(batches) before {what}: the model still ends in ImageNet's classes"
            )


class HeadTraining:
    """Training the head (and, after set_trainable, more layers): compile, fit, fit_head.

    Part of ImageNetClassifier (a mixin: it keeps that class short and shares its state).
    """

    def set_trainable(self, from_layer, lr=None):
        """Train every layer from `from_layer` (a name or index) to the output; returns (and prints)
        the trainable parameter count. Recompiles: Keras only picks up a changed `trainable` then."""
        self._require_head("set_trainable")
        lr = lr or (FINE_TUNE_LR_UNTRAINED if self.untrained else FINE_TUNE_LR)
        self._train_from(self.model.layers[layer_index(self.model, from_layer)].name, lr)
        count = trainable_parameter_count(self.model)
        print(
            f"training {count:,} parameters, layers {self.trained_from} to the output"
            f" (lr {lr:g}){self.caveat}"
        )
        return count

    def _train_from(self, first_layer, lr):
        """Freeze the layers below `first_layer`, unfreeze the rest but the pretrained batch-norm layers
        (frozen, one keeps ImageNet's statistics; training, it would use each batch's), recompile."""
        start, head = layer_index(self.model, first_layer), layer_index(self.model, self.head_from)
        for i, layer in enumerate(self.model.layers):
            pretrained_bn = i < head and isinstance(layer, keras.layers.BatchNormalization)
            layer.trainable = i >= start and not pretrained_bn
        self.trained_from = first_layer
        self.compile(lr)

    def compile(self, lr=None):
        """(Re)compile the model, and the head alone for cached features."""
        self.lr = self.lr if lr is None else lr
        with self._scope():
            for model in (self.model,) if self.head_from is None else (self.model, self.head_model):
                compile_classifier(model, self.optimizer_name, self.lr)

    def fit(self, batches, val_batches=None, epochs=1, lr=None, checkpoint_dir=None, verbose=None):
        """Train the trained part on image batches (each epoch runs the whole network), saving it
        to `<checkpoint_dir>/<part>_epochNN.weights.h5` after each epoch."""
        self._before_training("fit", lr, lambda: sample_features(self.feature_extractor(), batches))
        validation = val_batches.dataset if val_batches else None
        return self._train(
            self.model, batches.dataset, epochs, checkpoint_dir, verbose, validation_data=validation
        )

    def fit_head(
        self,
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
        """Train the head on cached features (compute_features at the head's input). The head shares
        its layers with `model`, so the full model predicts with it. shuffle=False keeps the rows'
        order, so two runs from the same weights take the same steps. Returns the Keras History."""
        if self.trained_from != self.head_from:
            raise RuntimeError(
                "layers below the head are trainable (set_trainable), so cached features"
                " would be stale: use fit() instead"
            )
        self._before_training("fit_head", lr, lambda: features)
        fit_args = head_fit_arguments(labels, val_features, val_labels, len(self.class_names))
        x = np.asarray(features)
        return self._train(
            self.head_model,
            x,
            epochs,
            checkpoint_dir,
            verbose,
            batch_size=batch_size,
            shuffle=shuffle,
            **fit_args,
        )

    def _before_training(self, what, lr, training_features):
        self._require_head(what)
        if lr is not None:
            self.compile(lr)
        if not self.head_ready:
            self.standardize_head(training_features())

    def _train(self, model, x, epochs, checkpoint_dir, verbose, **fit_args):
        save = checkpoint_dir and EpochCheckpoint(
            checkpoint_dir, self.save_trained_weights, self.checkpoint_name
        )
        history = train(
            model,
            x,
            self.epochs_done,
            epochs,
            self.caveat,
            save or None,
            verbose,
            bar=not self.untrained,
            **fit_args,
        )
        self.epochs_done += epochs
        return history

    def standardize_head(self, features):
        """Set the head's Standardize layer (an untrained network's head has one) from training
        features at the head's input."""
        self._require_head("standardize_head")
        self.model.get_layer("head_standardize").set_statistics(features)
        self.head_ready = True


class ImageNetClassifier(HeadTraining, TrainedPart):
    """A pretrained ImageNet network with the lesson's verbs: predict, finetune, fit, evaluate,
    test, save/load the trained part, compute_features, fit_head, set_trainable, load_best_checkpoint.

    weights: 'imagenet' (default), None (untrained; works offline) or a weights file.
    strategy: an optional tf.distribute strategy, in whose scope models are built.
    dtype_policy: optional Keras policy such as 'mixed_bfloat16'.

    Extension point: a subclass, named for the network it runs, supplies
      build_base(weights, input_shape, dtype_policy): a keras.Model from 0..255 RGB
          images to the base's class probabilities, doing its own preprocessing inside;
      head_input: the layer whose output finetune()'s head reads by default
          (Vgg16: 'fc2'; a pooled-features layer for an EfficientNet);
      conv_features: the last convolutional layer's output, for a head that sees where
          things are in the picture (Vgg16: 'block5_pool');
      base_class_names(): the base's output classes (default: ImageNet's 1,000);
      weights_description: None for the lesson's own weights, or what stands in for
          them, shown with every result (e.g. "EfficientNet-Lite0 ImageNet weights
          standing in for VGG16's"; no commas).
    """

    head_input = conv_features = None
    weights_description = None

    def __init__(self, weights="imagenet", input_shape=(224, 224, 3), strategy=None, dtype_policy=None):
        self.untrained = weights is None
        self.input_shape, self.strategy = tuple(input_shape), strategy
        self.lr, self.optimizer_name = 0.001, "adam"
        self._extractors = {}  # images -> a layer's output, reused (each would compile anew)
        self._scope = strategy.scope if strategy else contextlib.nullcontext
        with self._scope():
            self.base = self.build_base(weights, self.input_shape, dtype_policy)
        self._start(self.base, self.base_class_names(), features_layer=None)

    def build_base(self, weights, input_shape, dtype_policy):
        raise NotImplementedError("a subclass builds its network: see the class docstring")

    def base_class_names(self):
        return imagenet_class_names()

    def _start(self, model, class_names, features_layer):
        """Begin with a new model: its classes, where its head sits, a fresh epoch count."""
        self.model, self.class_names = model, list(class_names)
        self.features_layer = features_layer  # the head's input; None: ImageNet's own top
        after = None if features_layer is None else model.layers[layer_index(model, features_layer) + 1]
        self.head_from = self.trained_from = None if after is None else after.name
        self.head_ready = not self.untrained  # untrained: Standardize's statistics measured yet?
        self.epochs_done = 0  # checkpoint names count from here
        self._parts = {}  # first layer -> sub-model to the output

    @property
    def caveat(self):
        """Where the weights came from, printed after every result (see utils.Caveat): flags an
        untrained network, or weights standing in for the lesson's; combine with a data caveat by |."""
        return Caveat(untrained=self.untrained, weights=self.weights_description)

    def predict(self, images, details=False):
        """(probabilities, best class indices, best class names) for RGB 0..255 images;
        details=True also prints one line per image."""
        images = np.asarray(images, dtype="float32")
        with quiet_retracing():
            probabilities = self.model.predict(images[None] if images.ndim == 3 else images, verbose=0)
        indices = probabilities.argmax(axis=1)
        names = [self.class_names[i] for i in indices]
        for name, p in zip(names, probabilities.max(axis=1)) if details else ():
            print(f"{name:<24} {p:.4f}{self.caveat}")
        return probabilities, indices, names

    def finetune(self, batches, features_layer=None, lr=0.001, optimizer="adam", **head):
        """Replace the layers after `features_layer` (default: head_input) with a new head for the
        batches' classes; the rest is frozen. For VGG16: 'fc2' is lesson 1, 'block5_pool' State
        Farm, 'predictions' with optimizer='rmsprop' lesson 2's linear model.
        head: hidden_units, dropout, batch_norm, as head_layers takes them."""
        class_names, features_layer = _class_names_of(batches), features_layer or self.head_input
        check_optimizer(optimizer)
        features = self.base.get_layer(features_layer).output
        conv_features = len(features.shape) > 2
        # Random features are tiny and alike: only an untrained network's head standardizes them.
        layers = head_layers(len(class_names), conv_features, standardize=self.untrained, **head)
        with self._scope():
            model = keras.Model(self.base.input, apply_layers(layers, features), name="finetuned")
        self._start(model, class_names, features_layer)
        self.optimizer_name = optimizer
        self._train_from(self.head_from, lr)
        return self

    def evaluate(self, batches):
        """Loss and accuracy on labelled batches, printed with the caveat; returns a dict."""
        loss, accuracy = self.model.evaluate(batches.dataset, verbose=0)
        print(f"loss {loss:.4f}  accuracy {accuracy:.4f}{self.caveat}")
        return {"loss": float(loss), "accuracy": float(accuracy)}

    def test(self, path, batch_size=64):
        """(probabilities, filenames), aligned, for every image under `path` (or batches made with
        shuffle=False), in file order."""
        size = self.input_shape[:2]
        batches = path if hasattr(path, "dataset") else get_batches(path, batch_size, False, size, None)
        return predict_in_order(self.model, batches)

    def feature_extractor(self, layer=None):
        """A model from the images to `layer`'s output (default: where the head sits)."""
        layer = layer or self.features_layer or self.head_input
        if layer not in self._extractors:
            with self._scope():
                self._extractors[layer] = keras.Model(self.base.input, self.base.get_layer(layer).output)
        return self._extractors[layer]

    def compute_features(self, batches, layer=None, cache=None, overwrite=False):
        """(features, labels) at `layer` for `batches`: see utils.features.compute_features."""
        extractor, distributed = self.feature_extractor(layer), self.strategy is not None
        return compute_features(extractor, batches, cache, overwrite, distributed=distributed)


def _class_names_of(batches):
    class_names = list(batches.class_names)
    if len(class_names) < 2:
        where = getattr(batches, "path", "the batches")
        raise ValueError(
            f"fine-tuning needs at least 2 classes, but {where} has "
            f"{class_names}: put each class's images in its own sub-folder"
        )
    return class_names
