"""utils.datasets: Keras first, honest offline stand-ins, stratified splits. No network."""

import keras
import numpy as np
import pytest

import utils
from utils import datasets, synthetic_shapes

OFFLINE = Exception(
    "URL fetch failure on https://example.invalid/data.npz: None -- [Errno -2] Name or service not known"
)


def offline(*args, **kwargs):
    raise OFFLINE


def fake_keras_data(n_train, n_test, shape, labels_2d=False):
    """A tiny stand-in for what keras.datasets.*.load_data() returns."""
    rng = np.random.default_rng(0)

    def part(n):
        y = np.arange(n) % 10
        rng.shuffle(y)
        x = rng.integers(0, 256, (n, *shape), dtype=np.uint8)
        return x, (y[:, None] if labels_2d else y).astype(np.uint8)

    return part(n_train), part(n_test)


@pytest.fixture(scope="module")
def digits():
    return datasets.load_mnist(download=False, seed=0)


def test_mnist_falls_back_to_sklearn_digits_and_says_so(monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda *a, **k: calls.append(1) or offline())
    data = utils.load_mnist(seed=0)
    assert calls == [1], "Keras must be asked first"
    out = capsys.readouterr().out
    assert "MNIST is not available" in out and "URL fetch failure" in out
    assert "scikit-learn" in out
    assert data.name == "sklearn-digits" and not data.real and not data.generated
    assert data.caveat == "  [scikit-learn digits standing in for MNIST]"  # real scans, not MNIST
    assert "URL fetch failure" in data.describe()
    total = len(data.y_train) + len(data.y_valid) + len(data.y_test)
    assert total == 1797


def test_digit_fallback_looks_like_mnist(digits):
    for x in (digits.x_train, digits.x_valid, digits.x_test):
        assert x.dtype == np.uint8 and x.shape[1:] == (28, 28)
    assert digits.x_train.max() == 255
    # like MNIST, a 4-pixel empty border around the 20x20 digit box
    assert digits.x_train[:, :4].max() == 0 and digits.x_train[:, :, 24:].max() == 0
    assert digits.class_names == [str(d) for d in range(10)]


def test_splits_are_stratified_and_disjoint(digits):
    shares = [np.bincount(y, minlength=10) / len(y) for y in (digits.y_train, digits.y_valid, digits.y_test)]
    for share in shares[1:]:
        assert np.abs(share - shares[0]).max() < 0.02
    assert len(digits.y_test) == pytest.approx(0.2 * 1797, abs=1)
    rows = lambda x: {row.tobytes() for row in x.reshape(len(x), -1)}
    assert not rows(digits.x_test) & rows(digits.x_valid)


def test_split_is_reproducible_with_the_seed():
    a = datasets.load_mnist(download=False, seed=3)
    b = datasets.load_mnist(download=False, seed=3)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_valid, b.y_valid)


def test_mnist_uses_keras_when_it_works(monkeypatch, capsys):
    monkeypatch.setattr(
        keras.datasets.mnist, "load_data", lambda *a, **k: fake_keras_data(600, 100, (28, 28))
    )
    data = utils.load_mnist(valid_size=100, max_train=200, seed=0)
    assert data.real and not data.generated and data.name == "mnist"
    assert data.caveat == ""
    assert "not available" not in capsys.readouterr().out
    assert (len(data.y_train), len(data.y_valid), len(data.y_test)) == (200, 100, 100)
    assert np.bincount(data.y_valid).tolist() == [10] * 10  # stratified
    assert data.y_train.dtype == np.int64


def test_cifar10_uses_keras_and_flattens_labels(monkeypatch):
    monkeypatch.setattr(
        keras.datasets.cifar10,
        "load_data",
        lambda *a, **k: fake_keras_data(500, 50, (32, 32, 3), labels_2d=True),
    )
    data = utils.load_cifar10(valid_size=0.2, seed=0)
    assert data.real and data.name == "cifar10"
    assert data.y_train.ndim == data.y_test.ndim == 1
    assert data.class_names[0] == "airplane" and data.image_shape == (32, 32, 3)
    assert len(data.y_valid) == 100


def test_cifar10_offline_is_generated_and_announced(monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(keras.datasets.cifar10, "load_data", lambda *a, **k: calls.append(1) or offline())
    data = utils.load_cifar10(n_generated=500, seed=0)
    assert calls == [1]
    out = capsys.readouterr().out
    assert "CIFAR-10 is not available" in out and "GENERATED" in out
    assert data.caveat == "  [generated data]"
    assert data.generated and not data.real and data.name == "generated-shapes"
    assert data.class_names == synthetic_shapes.SHAPE_CLASSES
    assert data.x_train.dtype == np.uint8 and data.image_shape == (32, 32, 3)
    assert len(data.y_train) + len(data.y_valid) + len(data.y_test) == 500
    assert "GENERATED" in data.describe()


def test_generated_shapes_are_balanced_varied_and_repeatable():
    x, y = synthetic_shapes.make_shape_images(200, seed=1)
    assert x.shape == (200, 32, 32, 3) and np.bincount(y).tolist() == [20] * 10
    again, _ = synthetic_shapes.make_shape_images(200, seed=1)
    np.testing.assert_array_equal(x, again)
    # colours are random, so the mean colour of a class is no giveaway
    assert x.reshape(200, -1).std(axis=1).min() > 5


def test_generated_shapes_carry_a_learnable_signal():
    """Even a linear classifier on where the edges are beats chance clearly on held-out images."""
    from sklearn.linear_model import RidgeClassifier

    x, y = synthetic_shapes.make_shape_images(1000, seed=2)
    grey = x.mean(axis=3)
    edges = (np.abs(np.diff(grey, axis=1))[:, :, :-1] + np.abs(np.diff(grey, axis=2))[:, :-1, :]) > 40
    # edge counts per row and per column, sorted: blind to where the shape sits
    features = np.concatenate(
        [np.sort(edges.sum(axis=1), axis=1), np.sort(edges.sum(axis=2), axis=1)], axis=1
    ).astype(np.float32)
    model = RidgeClassifier().fit(features[:700], y[:700])
    assert model.score(features[700:], y[700:]) > 0.35  # chance is 0.1


def test_max_train_caps_the_training_set_only(digits):
    small = datasets.load_mnist(download=False, seed=0, max_train=300)
    assert len(small.y_train) == 300
    assert np.bincount(small.y_train).min() >= 25
    assert len(small.y_test) == len(digits.y_test)
