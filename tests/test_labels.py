"""utils.labels: integers, one-hot rows and a model's scores, each turned into the others."""

import numpy as np
import pytest

from utils import onehot
from utils.labels import as_labels, as_matrix, as_onehot, for_class_mode


def test_onehot_encodes_labels():
    encoded = onehot([0, 2, 1, 2])
    assert encoded.shape == (4, 3)
    assert np.array_equal(encoded.argmax(axis=1), [0, 2, 1, 2])
    assert np.array_equal(encoded.sum(axis=1), np.ones(4))


def test_onehot_with_explicit_classes_and_shapes():
    assert onehot([1], num_classes=5).tolist() == [[0, 1, 0, 0, 0]]
    assert onehot(np.array([[0, 1], [1, 0]])).shape == (2, 2, 2)
    assert onehot(np.array([], dtype=int), num_classes=3).shape == (0, 3)


@pytest.mark.parametrize(
    "labels, classes, message",
    [([0, 3], 3, "does not fit"), ([-1, 0], None, "non-negative"), ([0.5], None, "integer")],
)
def test_onehot_rejects_bad_labels(labels, classes, message):
    with pytest.raises(ValueError, match=message):
        onehot(np.array(labels), num_classes=classes)


def test_scores_become_each_rows_most_likely_class_and_labels_pass_through():
    assert as_labels([[0.2, 0.8], [0.9, 0.1], [0.4, 0.6]]).tolist() == [1, 0, 1]
    assert as_labels(np.array([2, 0, 1], dtype=np.uint8)).tolist() == [2, 0, 1]
    assert as_labels(as_matrix([0.7, 0.2])).tolist() == [1, 0]  # binary: probability of class 1
    assert as_labels(onehot([3, 1])).tolist() == [3, 1]


def test_each_class_mode_gets_its_keras_form():
    labels = np.array([0, 2])
    assert for_class_mode(labels, 3, "categorical").tolist() == [[1, 0, 0], [0, 0, 1]]
    assert for_class_mode(labels, 3, "binary").tolist() == [[0.0], [2.0]]
    assert for_class_mode(labels, 3, "sparse").dtype == np.int32
    assert as_onehot(onehot(labels, 3), 3).tolist() == as_onehot(labels, 3).tolist()
