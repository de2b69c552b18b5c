"""utils.convnets and tools/mnist_keras_backend.py: one MNIST convnet, any Keras backend. No network."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import utils
from utils import convnets

ROOT = utils.repo_root()


@pytest.fixture(scope="module")
def small_digits():
    """The offline digits with a small training set: quick to train, same split every call."""
    return utils.load_mnist(download=False, max_train=300, seed=3)


def test_mnist_convnet_has_the_shapes_and_parameters_of_the_arithmetic():
    model = utils.mnist_convnet()
    flat = 64 * 12 * 12  # 28 -> 26 -> 24 after two 3x3 convolutions, 12 after pooling
    expected = (
        utils.conv_params(3, 1, 32)
        + utils.conv_params(3, 32, 64)
        + utils.dense_params(flat, 128)
        + utils.dense_params(128, 10)
    )
    assert model.count_params() == expected == 1_199_882
    assert tuple(model.output.shape) == (None, 10)
    assert [layer.name for layer in model.layers[1:]] == [
        "conv1",
        "conv2",
        "pool",
        "dropout1",
        "flatten",
        "dense1",
        "dropout2",
        "classes",
    ]
    assert [model.get_layer(n).rate for n in ("dropout1", "dropout2")] == [0.25, 0.5]


def test_mnist_convnet_follows_the_number_of_classes():
    assert tuple(utils.mnist_convnet(num_classes=3).output.shape) == (None, 3)


def test_to_channels_last_scales_to_unit_range_and_adds_a_channel():
    images = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)
    out = utils.to_channels_last(images)
    assert out.shape == (1, 2, 2, 1) and out.dtype == np.float32
    np.testing.assert_allclose(out[0, :, :, 0], [[0.0, 1.0], [0.2, 0.4]], rtol=1e-6)
    with pytest.raises(ValueError, match=r"\(N, height, width\)"):
        utils.to_channels_last(images[..., None])


def test_split_fingerprint_is_stable_and_sees_any_change(small_digits):
    again = utils.load_mnist(download=False, max_train=300, seed=3)
    assert utils.split_fingerprint(again) == utils.split_fingerprint(small_digits)
    other_seed = utils.load_mnist(download=False, max_train=300, seed=4)
    assert utils.split_fingerprint(other_seed) != utils.split_fingerprint(small_digits)
    again.y_test = again.y_test.copy()
    again.y_test[0] = (again.y_test[0] + 1) % 10  # one label changed
    assert utils.split_fingerprint(again) != utils.split_fingerprint(small_digits)


def test_train_keeps_the_best_validation_epoch_and_reports_it(small_digits):
    model, result = utils.train_mnist_convnet(small_digits, epochs=3, verbose=0, seed=3)
    assert set(convnets.RESULT_KEYS) <= set(result)
    json.dumps(result)  # plain values only: the torch-backend process writes it as JSON
    assert result["backend"] == "tensorflow" and result["parameters"] == model.count_params()
    best = int(np.argmax(result["valid_accuracy"]))
    assert result["best_epoch"] == best + 1
    assert result["best_valid_accuracy"] == result["valid_accuracy"][best]
    # the model holds the best epoch's weights: evaluating it gives that epoch's validation accuracy
    x_valid = utils.to_channels_last(small_digits.x_valid)
    valid_now = np.mean(model.predict(x_valid, verbose=0).argmax(axis=1) == small_digits.y_valid)
    assert valid_now == pytest.approx(result["best_valid_accuracy"], abs=1e-6)
    predictions = np.array(result["predictions"])
    assert predictions.shape == small_digits.y_test.shape
    assert result["test_accuracy"] == pytest.approx(np.mean(predictions == small_digits.y_test))
    assert result["fingerprint"] == utils.split_fingerprint(small_digits)


def test_train_rejects_zero_epochs(small_digits):
    with pytest.raises(ValueError, match="at least 1"):
        utils.train_mnist_convnet(small_digits, epochs=0)


def test_the_same_model_trains_on_the_torch_backend_in_a_second_process(tmp_path, small_digits):
    pytest.importorskip("torch", reason="PyTorch is installed by `make` from requirements-torch.txt")
    out = tmp_path / "result.json"
    env = {**os.environ, "KERAS_BACKEND": "torch"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tools.mnist_keras_backend",
            "--offline",
            "--max-train",
            "300",
            "--seed",
            "3",
            "--epochs",
            "1",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "backend 'torch'" in done.stdout
    result = json.loads(out.read_text())
    assert result["backend"] == "torch" and result["engine"] == "Keras 3 on torch"
    assert result["parameters"] == utils.mnist_convnet().count_params()  # TensorFlow here
    assert result["fingerprint"] == utils.split_fingerprint(small_digits)
    assert result["best_epoch"] == 1 and 0.0 <= result["test_accuracy"] <= 1.0
