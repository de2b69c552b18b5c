"""Class labels in the forms the lessons meet them: integers, one-hot rows, a model's scores.

onehot([0, 2])                       # [[1, 0, 0], [0, 0, 1]]
as_labels([[0.2, 0.8], [0.9, 0.1]])  # [1, 0]: each row's most likely class
"""

import numpy as np


def onehot(labels, num_classes=None):
    """One-hot encode integer labels: onehot([0, 2]) -> [[1,0,0],[0,0,1]]."""
    labels = np.asarray(labels)
    if labels.size and (not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0):
        raise ValueError(
            "onehot expects non-negative integer labels, "
            f"got dtype {labels.dtype} with minimum {labels.min()}"
        )
    needed = int(labels.max()) + 1 if labels.size else 0
    num_classes = needed if num_classes is None else num_classes
    if needed > num_classes:
        raise ValueError(f"label {needed - 1} does not fit num_classes={num_classes}")
    return np.eye(num_classes, dtype=np.float32)[labels.reshape(-1)].reshape(labels.shape + (num_classes,))


def as_onehot(labels, num_classes):
    """Integer labels one-hot encoded; labels that already are one-hot, as float32."""
    labels = np.asarray(labels)
    return labels.astype("float32") if labels.ndim == 2 else onehot(labels.astype("int64"), num_classes)


def for_class_mode(labels, num_classes, class_mode):
    """Integer labels in the form Keras's `class_mode` names: 'categorical' (one-hot rows),
    'binary' (one float column) or 'sparse' (int32)."""
    labels = np.asarray(labels)
    if class_mode == "categorical":
        return onehot(labels, num_classes)
    if class_mode == "binary":
        return labels.astype(np.float32).reshape(-1, 1)
    return labels.astype(np.int32)


def as_matrix(probabilities):
    """(n,) probabilities of class 1 -> (n, 2); (n, classes) unchanged."""
    probabilities = np.asarray(probabilities, dtype="float64")
    if probabilities.ndim == 1:
        return np.stack([1 - probabilities, probabilities], axis=1)
    return probabilities


def as_labels(predictions):
    """Predicted labels as int64: a (n, classes) matrix of scores becomes each row's most likely
    class; labels (any 1-D array) pass through."""
    predictions = np.asarray(predictions)
    if predictions.ndim == 2:
        predictions = predictions.argmax(axis=1)
    return predictions.ravel().astype(np.int64)
