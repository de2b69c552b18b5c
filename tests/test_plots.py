import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

import utils


@pytest.mark.parametrize("count, rows", [(1, 1), (5, 2), (7, 3), (4, 10)])
def test_plots_grid_holds_every_image(count, rows):
    images = np.random.default_rng(0).integers(0, 256, (count, 8, 8, 3), dtype=np.uint8)
    fig = utils.plots(images, titles=[f"t{i}" for i in range(count)], rows=rows)
    shown = [ax for ax in fig.axes if ax.images]
    assert len(shown) == count
    assert [ax.get_title() for ax in shown] == [f"t{i}" for i in range(count)]
    plt.close(fig)


def test_plots_rescales_float_batches_for_display():
    batch = np.linspace(0, 255, 2 * 4 * 4 * 3, dtype=np.float32).reshape(2, 4, 4, 3)
    fig = utils.plots(batch)
    data = fig.axes[0].images[0].get_array()
    assert 0 <= data.min() and data.max() <= 1
    plt.close(fig)


def test_plots_grayscale_and_errors():
    fig = utils.plots(np.zeros((3, 5, 5)))
    assert len([ax for ax in fig.axes if ax.images]) == 3
    plt.close(fig)
    # One channel, (h, w, 1) as MNIST batches come: drawn grey with its pixel values.
    digit = np.arange(25, dtype=np.uint8).reshape(5, 5, 1)
    fig = utils.plots([digit])
    shown = fig.axes[0].images[0]
    assert shown.get_cmap().name == "gray"
    np.testing.assert_array_equal(shown.get_array(), digit[..., 0])
    plt.close(fig)
    with pytest.raises(ValueError, match="2 titles for 3 images"):
        utils.plots(np.zeros((3, 5, 5)), titles=["a", "b"])
    with pytest.raises(ValueError, match="at least one image"):
        utils.plots([])


def test_confusion_matrix_counts_and_normalises():
    y_true = [0, 0, 1, 1, 1, 2]
    y_pred = [0, 1, 1, 1, 0, 2]
    matrix = utils.plot_confusion_matrix(y_true, y_pred, ["a", "b", "c"])
    assert matrix.tolist() == [[1, 1, 0], [1, 2, 0], [0, 0, 1]]
    normalised = utils.plot_confusion_matrix(y_true, y_pred, ["a", "b", "c"], normalize=True)
    assert np.allclose(normalised.sum(axis=1), 1)
    assert normalised[1, 1] == pytest.approx(2 / 3)
    plt.close("all")


def test_confusion_matrix_keeps_classes_never_predicted():
    matrix = utils.plot_confusion_matrix([0, 0], [0, 0], ["cats", "dogs"])
    assert matrix.shape == (2, 2)
    plt.close("all")


def test_animation_has_a_frame_per_parameter_pair_and_renders_without_ffmpeg():
    x = np.linspace(0, 1, 5)
    frames = [(a, 1.0) for a in np.linspace(-1, 3, 4)]
    anim = utils.animate_line_fit(x, 3 * x + 8, frames)
    html = anim.to_jshtml()
    assert html.count("data:image/png;base64") == len(frames)


def test_plot_history_draws_train_and_validation():
    history = {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7], "accuracy": [0.5, 0.8]}
    fig = utils.plot_history(history)
    drawn = [
        {line.get_label(): (list(line.get_xdata()), list(line.get_ydata())) for line in ax.lines}
        for ax in fig.axes
    ]
    assert drawn == [
        {"train": ([1, 2], [1.0, 0.5]), "validation": ([1, 2], [1.1, 0.7])},
        {"train": ([1, 2], [0.5, 0.8])},
    ]
    plt.close(fig)


def test_learning_curves_and_confusion_matrix_carry_the_caveat():
    fig = utils.plot_history({"loss": [1.0, 0.5]}, note="  [generated data]")
    assert fig._suptitle.get_text() == "[generated data]"
    _, ax = plt.subplots()
    utils.plot_confusion_matrix([0, 1], [0, 0], ["a", "b"], ax=ax, note=utils.caveat(untrained=True))
    assert ax.get_title() == "Confusion matrix\n[untrained weights]"
    assert utils.plot_history({"loss": [1.0]})._suptitle is None
    plt.close("all")
