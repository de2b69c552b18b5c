"""The MNIST convnet of notebooks 06 and 09, written once for every Keras backend.

    model = mnist_convnet()                              # Conv 32 -> ... -> Dense 10
    model, result = train_mnist_convnet(data, epochs=5)  # fit, keep the best epoch, test

Keras 3 picks its engine (TensorFlow, PyTorch or JAX) once, when `keras` is
first imported, from the KERAS_BACKEND environment variable. So the same
`mnist_convnet` and `train_mnist_convnet` run on TensorFlow in a notebook and
on PyTorch in a second process (tools/mnist_keras_backend.py), and notebook 09
compares the two with a hand-written PyTorch version of the network.
Keras is imported inside the functions, never when this module loads, so the
caller decides the backend.
"""

import hashlib
import time

import numpy as np

# What notebook 09's table compares across engines, in this order.
RESULT_KEYS = (
    "engine",
    "backend",
    "parameters",
    "best_epoch",
    "best_valid_accuracy",
    "test_accuracy",
    "train_seconds",
)


def to_channels_last(images):
    """uint8 digits (N, 28, 28) as float32 (N, 28, 28, 1) in 0..1: what Keras's Conv2D expects."""
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"expected grey images shaped (N, height, width), got {images.shape}")
    return (images.astype("float32") / 255.0)[..., None]


def mnist_convnet(input_shape=(28, 28, 1), num_classes=10, name="mnist_convnet"):
    """Conv 32 -> Conv 64 -> MaxPool -> Dropout 0.25 -> Dense 128 -> Dropout 0.5 -> Dense 10.

    The network of notebook 06, with the Functional API. 1,199,882 parameters
    for 28x28x1 inputs and 10 classes.
    """
    import keras
    from keras import layers

    inputs = keras.Input(shape=input_shape, name="digit")
    x = layers.Conv2D(32, 3, activation="relu", name="conv1")(inputs)
    x = layers.Conv2D(64, 3, activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(2, name="pool")(x)
    x = layers.Dropout(0.25, name="dropout1")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(128, activation="relu", name="dense1")(x)
    x = layers.Dropout(0.5, name="dropout2")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="classes")(x)
    return keras.Model(inputs, outputs, name=name)


def split_fingerprint(data):
    """A short hash of an ImageData's three splits (pixels and labels).

    Two processes that loaded the same data with the same split print the same
    fingerprint, so a comparison across processes can check it compared like with like.
    """
    digest = hashlib.sha256()
    for array in (data.x_train, data.y_train, data.x_valid, data.y_valid, data.x_test, data.y_test):
        array = np.ascontiguousarray(array)
        digest.update(str(array.shape).encode())
        digest.update(array.tobytes())
    return digest.hexdigest()[:16]


def train_mnist_convnet(data, epochs, batch_size=64, learning_rate=1e-3, seed=42, verbose=2):
    """Fit `mnist_convnet` on `data` (a utils.ImageData of digits) and test the best epoch.

    Adam, sparse categorical cross-entropy, validation after every epoch; the
    weights of the epoch with the highest validation accuracy (the first, on a
    tie) are restored before testing. Returns (model, result) where result is a
    dict with RESULT_KEYS plus per-epoch `valid_accuracy`, the test `predictions`
    and the data's `fingerprint`, all plain Python values (JSON-ready).
    """
    from utils.config import seed_everything

    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, not {epochs}")
    seed_everything(seed)
    x_train, x_valid, x_test = (to_channels_last(x) for x in (data.x_train, data.x_valid, data.x_test))
    model = _compiled_convnet(x_train.shape[1:], data.num_classes, learning_rate)
    start = time.perf_counter()
    history = _fit_keeping_best(
        model, (x_train, data.y_train), (x_valid, data.y_valid), epochs, batch_size, verbose
    )
    train_seconds = time.perf_counter() - start
    predictions = model.predict(x_test, batch_size=256, verbose=0).argmax(axis=1)
    return model, _result(model, history, predictions, data, train_seconds)


def _compiled_convnet(input_shape, num_classes, learning_rate):
    """`mnist_convnet` compiled with Adam and sparse categorical cross-entropy."""
    import keras

    model = mnist_convnet(input_shape=input_shape, num_classes=num_classes)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def _fit_keeping_best(model, train, valid, epochs, batch_size, verbose):
    """Fit for all `epochs`, then restore the weights of the best validation accuracy."""
    import keras

    # patience=epochs: never stop early, only remember and restore the best epoch
    keep_best = keras.callbacks.EarlyStopping(
        monitor="val_accuracy", mode="max", patience=epochs, restore_best_weights=True
    )
    x, y = train
    return model.fit(
        x,
        y,
        validation_data=valid,
        epochs=epochs,
        batch_size=batch_size,
        callbacks=[keep_best],
        verbose=verbose,
    )


def _result(model, history, predictions, data, train_seconds):
    """RESULT_KEYS plus the per-epoch validation accuracy, predictions and fingerprint."""
    import keras

    from utils.epochs import best_epoch

    valid_accuracy = [float(a) for a in history.history["val_accuracy"]]
    best = best_epoch(history, "val_accuracy", mode="max")  # the first of equals, as the callback
    backend = keras.backend.backend()
    return {
        "engine": f"Keras 3 on {backend}",
        "backend": backend,
        "parameters": int(model.count_params()),
        "best_epoch": best,
        "best_valid_accuracy": valid_accuracy[best - 1],
        "test_accuracy": float(np.mean(predictions == data.y_test)),
        "train_seconds": round(train_seconds, 2),
        "valid_accuracy": valid_accuracy,
        "predictions": [int(p) for p in predictions],
        "fingerprint": split_fingerprint(data),
    }
