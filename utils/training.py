"""Training for the lessons: compile, fit on from a given epoch, a line and a checkpoint per epoch.

These functions take what they need as arguments and return what happened;
the caller (ImageNetClassifier) keeps its own state, such as the epoch count.
"""

import time
from pathlib import Path

import numpy as np

from utils.labels import as_onehot
from utils.features import quiet_retracing
from utils.quiet_keras import import_keras

keras = import_keras()

OPTIMIZERS = {"adam": keras.optimizers.Adam, "rmsprop": keras.optimizers.RMSprop, "sgd": keras.optimizers.SGD}


def check_optimizer(optimizer):
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer={optimizer!r}: use one of {sorted(OPTIMIZERS)}")


def compile_classifier(model, optimizer, lr):
    """Compile for one-hot labels: categorical cross-entropy, accuracy."""
    check_optimizer(optimizer)
    model.compile(
        optimizer=OPTIMIZERS[optimizer](learning_rate=lr),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )


def train(model, x, first_epoch, epochs, caveat="", checkpoint=None, verbose=None, bar=True, **fit_args):
    """model.fit for `epochs` epochs counted on from `first_epoch`, with a report and checkpoints.

    checkpoint: an EpochCheckpoint, or None. verbose None: one line per epoch
    (EpochReport, with the caveat; Keras's bar too if `bar`, which can't carry
    the caveat), 0: nothing, 1 or 2: Keras's own output too. Returns the History.
    """
    callbacks = [] if verbose == 0 else [EpochReport(caveat)]
    callbacks += [checkpoint] if checkpoint is not None else []
    if verbose is None:
        verbose = 1 if bar else 0
    fit_args.setdefault("shuffle", False)  # a tf.data pipeline shuffles itself
    with quiet_retracing():  # each set_trainable/finetune compiles a new train function
        return model.fit(
            x,
            initial_epoch=first_epoch,
            epochs=first_epoch + epochs,
            callbacks=callbacks,
            verbose=verbose,
            **fit_args,
        )


class EpochCheckpoint(keras.callbacks.Callback):
    """After each epoch, save(folder / name(epoch)): e.g. only the layers being trained."""

    def __init__(self, folder, save, name):
        super().__init__()
        self.folder, self.save, self.name = Path(folder), save, name

    def on_epoch_end(self, epoch, logs=None):
        self.folder.mkdir(parents=True, exist_ok=True)
        self.save(self.folder / self.name(epoch + 1))


class EpochReport(keras.callbacks.Callback):
    """One line per epoch with every metric, and the caveat."""

    def __init__(self, caveat=""):
        super().__init__()
        self.caveat = caveat

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        seconds = time.perf_counter() - self._started
        metrics = "  ".join(f"{k} {v:.4f}" for k, v in (logs or {}).items())
        print(f"epoch {epoch + 1}: {metrics}  ({seconds:.1f} s){self.caveat}")


def load_layer_weights(model, path):
    """Load a checkpoint's layer weights into `model`, leaving its optimizer alone.

    Checkpoints also hold the optimizer state of the run that wrote them; a
    rebuilt model's new optimizer can't take it (Keras would warn and skip it),
    and training after a reload starts a fresh optimizer anyway.
    """
    optimizer = getattr(model, "optimizer", None)
    model.load_weights(str(path), objects_to_skip=[optimizer] if optimizer else None)


def head_fit_arguments(labels, val_features, val_labels, num_classes):
    """model.fit's y and validation_data for training a head on cached features."""
    validation = None
    if val_features is not None:
        validation = (np.asarray(val_features), as_onehot(val_labels, num_classes))
    return {"y": as_onehot(labels, num_classes), "validation_data": validation}
