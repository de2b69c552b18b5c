"""Scoring, convolution arithmetic, TensorBoard logs and the convnet plots, checked against Keras itself."""

import matplotlib

matplotlib.use("Agg")
import keras
import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pytest

import utils
from utils import plotting


def test_per_class_accuracy_counts_within_each_true_class():
    y_true = [0, 0, 1, 1, 1, 2]
    y_pred = [0, 1, 1, 1, 0, 2]
    np.testing.assert_allclose(utils.per_class_accuracy(y_true, y_pred), [0.5, 2 / 3, 1.0])


def test_per_class_accuracy_takes_scores_and_marks_missing_classes():
    scores = np.array([[0.9, 0.1, 0.0], [0.2, 0.7, 0.1]])
    result = utils.per_class_accuracy([0, 0], scores, num_classes=3)
    assert result[0] == 0.5 and np.isnan(result[1]) and np.isnan(result[2])
    with pytest.raises(ValueError, match="2 true labels for 3"):
        utils.per_class_accuracy([0, 1], [0, 1, 1])


@pytest.mark.parametrize(
    "size, kernel, stride, padding, expected",
    [
        (28, 3, 1, 0, 26),
        (26, 3, 1, "valid", 24),
        (24, 2, 2, 0, 12),
        (32, 5, 1, 2, 32),
        (227, 11, 4, 0, 55),
        (7, 3, 2, 1, 4),
        (32, 3, 1, "same", 32),
        (15, 3, 2, "same", 8),
    ],
)
def test_conv_output_size_formula(size, kernel, stride, padding, expected):
    assert utils.conv_output_size(size, kernel, stride, padding) == expected


@pytest.mark.parametrize(
    "size, kernel, stride, padding",
    [
        (28, 3, 1, "valid"),
        (28, 3, 2, "valid"),
        (28, 5, 1, "same"),
        (15, 3, 2, "same"),
        (9, 2, 2, "valid"),
    ],
)
def test_conv_output_size_agrees_with_keras(size, kernel, stride, padding):
    layer = keras.layers.Conv2D(4, kernel, strides=stride, padding=padding)
    shape = layer.compute_output_shape((None, size, size, 3))
    assert shape[1] == utils.conv_output_size(size, kernel, stride, padding)


def test_conv_output_size_rejects_nonsense():
    with pytest.raises(ValueError):
        utils.conv_output_size(2, 3)
    with pytest.raises(ValueError):
        utils.conv_output_size(8, 3, padding="full")
    with pytest.raises(ValueError):
        utils.conv_output_size(8, 3, stride=0)


@pytest.mark.parametrize(
    "kernel, c_in, filters, use_bias",
    [
        (3, 1, 32, True),
        (3, 32, 64, True),
        ((1, 7), 16, 8, True),
        (5, 3, 6, False),
    ],
)
def test_conv_params_agree_with_keras(kernel, c_in, filters, use_bias):
    layer = keras.layers.Conv2D(filters, kernel, use_bias=use_bias)
    layer.build((None, 16, 16, c_in))
    assert layer.count_params() == utils.conv_params(kernel, c_in, filters, use_bias)


def test_dense_params():
    assert utils.dense_params(9216, 128) == 1_179_776
    assert utils.dense_params(128, 10, use_bias=False) == 1280
    layer = keras.layers.Dense(7)
    layer.build((None, 13))
    assert layer.count_params() == utils.dense_params(13, 7)


@pytest.mark.parametrize("with_tensorboard", [False, True])
def test_tensorboard_logs_read_back_as_keras_reported(tmp_path, monkeypatch, with_tensorboard):
    import importlib.util

    have_tensorboard = importlib.util.find_spec("tensorboard") is not None
    if with_tensorboard and not have_tensorboard:
        pytest.skip("the tensorboard package is not installed")
    if not with_tensorboard:  # force the fallback writer even where tensorboard exists
        real_find_spec = importlib.util.find_spec
        monkeypatch.setattr(
            importlib.util,
            "find_spec",
            lambda name, *a: None if name == "tensorboard" else real_find_spec(name, *a),
        )
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = np.random.default_rng(0).random((40, 4)), np.arange(40) % 3
    callback = utils.tensorboard_callback(tmp_path / "run")
    assert isinstance(callback, keras.callbacks.TensorBoard) == with_tensorboard
    history = model.fit(x, y, validation_split=0.25, epochs=3, verbose=0, callbacks=[callback])
    logged = utils.read_tensorboard_scalars(tmp_path / "run")
    for run, prefix in (("train", ""), ("validation", "val_")):
        for metric in ("loss", "accuracy"):
            steps, values = zip(*logged[run][f"epoch_{metric}"])
            assert steps == (0, 1, 2)
            np.testing.assert_allclose(values, history.history[prefix + metric], rtol=1e-6)


def test_read_tensorboard_scalars_of_an_empty_folder(tmp_path):
    assert utils.read_tensorboard_scalars(tmp_path) == {}


# ---------------------------------------------------------------- plots_extra


def test_plot_digit_values_writes_every_pixel():
    image = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    ax = utils.plot_digit_values(image)
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 12 and texts[:3] == ["0", "20", "40"]
    ax = utils.plot_digit_values(image[..., None].astype(np.float32) / 255)
    assert ax.texts[1].get_text() == "0.08"
    with pytest.raises(ValueError, match="one grey image"):
        utils.plot_digit_values(np.zeros((2, 3, 3, 3)))
    plt.close("all")


def test_predictions_grid_titles_and_colours():
    images = np.zeros((3, 5, 5), dtype=np.uint8)
    scores = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    fig = utils.plot_predictions_grid(images, [0, 0, 0], scores, class_names=["cat", "dog"])
    titled = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in titled] == ["cat (cat)", "dog (cat)", "cat (cat)"]
    colours = [mcolors.to_hex(ax.title.get_color()) for ax in titled]
    green, red = mcolors.to_hex(plotting.RIGHT), mcolors.to_hex(plotting.WRONG)
    assert colours == [green, red, green]
    with pytest.raises(ValueError):
        utils.plot_predictions_grid(images, [0, 0], [0, 0, 0])
    plt.close("all")


def test_plot_top_k_orders_best_on_top():
    ax = utils.plot_top_k(["tabby", "tiger cat", "lynx"], [0.6, 0.3, 0.1])
    labels = [t.get_text() for t in ax.get_yticklabels()]
    positions = list(ax.get_yticks())
    assert labels[positions.index(max(positions))] == "tabby"
    assert len(ax.patches) == 3
    with pytest.raises(ValueError):
        utils.plot_top_k(["a"], [0.5, 0.5])
    plt.close("all")


def test_plot_per_class_accuracy_draws_a_bar_per_class():
    ax = utils.plot_per_class_accuracy([0.5, 1.0, 0.25], ["a", "b", "c"])
    assert [bar.get_height() for bar in ax.patches] == [0.5, 1.0, 0.25]
    assert [tick.get_text() for tick in ax.get_xticklabels()] == ["a", "b", "c"]
    mean_line = [line for line in ax.lines if line.get_label() == "mean"]
    assert list(mean_line[0].get_ydata()) == [pytest.approx(7 / 12)] * 2
    plt.close("all")
