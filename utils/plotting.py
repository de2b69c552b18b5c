"""Plotting helpers the lessons share: image grids, confusion matrices,
training curves, the animated line fit of the SGD notebook, and for the
convnet lessons one digit with its pixel values, a grid of predictions marked
right or wrong, top-k bar charts and per-class accuracy."""

import math

import matplotlib.pyplot as plt
import numpy as np

from utils.labels import as_labels


def plots(images, titles=None, rows=1, figsize=None, cmap=None):
    """Show images in a grid with `rows` rows; returns the figure.

    Takes HWC (or HW) images, uint8 in 0..255 or floats. Float images outside
    0..1 (e.g. 0..255 batches straight from get_batches) are rescaled for display.
    """
    images = list(images)
    if not images:
        raise ValueError("plots() needs at least one image")
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"{len(titles)} titles for {len(images)} images")
    rows = max(1, min(rows, len(images)))
    cols = math.ceil(len(images) / rows)
    figsize = figsize or (3 * cols, 3 * rows)
    fig, axes = plt.subplots(rows, cols, figsize=figsize, squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= len(images):
            continue  # odd counts leave the last cells empty
        image = _displayable(images[i])  # (h, w, 1) becomes (h, w): drawn grey too
        ax.imshow(image, cmap=cmap or ("gray" if image.ndim == 2 else None))
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=10)
    fig.tight_layout()
    return fig


def _displayable(image):
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.dtype == np.uint8:
        return image
    image = image.astype(np.float32)
    if image.size and (image.min() < 0 or image.max() > 1):
        low, high = image.min(), image.max()
        image = (image - low) / (high - low) if high > low else np.zeros_like(image)
    return image


def plot_confusion_matrix(y_true, y_pred, class_names, normalize=False, ax=None, note=""):
    """Confusion matrix of integer labels (rows: true class, columns: predicted).

    Returns the matrix; with normalize=True each row sums to 1. `note` (e.g. a
    "[generated data]" caveat) goes under the title, so the figure carries it too.
    """
    from sklearn.metrics import ConfusionMatrixDisplay, confusion_matrix

    labels = np.arange(len(class_names))
    matrix = confusion_matrix(y_true, y_pred, labels=labels, normalize="true" if normalize else None)
    if ax is None:
        size = max(4, 0.6 * len(class_names) + 2)
        _, ax = plt.subplots(figsize=(size, size))
    display = ConfusionMatrixDisplay(matrix, display_labels=class_names)
    display.plot(ax=ax, cmap="Blues", colorbar=False, values_format=".2f" if normalize else "d")
    ax.set_title(
        "Confusion matrix"
        + (" (row-normalised)" if normalize else "")
        + (f"\n{note.strip()}" if note.strip() else "")
    )
    return matrix


def plot_history(history, metrics=("loss", "accuracy"), note=""):
    """Training and validation curves from a Keras History (or its .history dict).

    `note` (e.g. a "[generated data]" caveat) becomes the figure's title.
    """
    logs = getattr(history, "history", history)
    metrics = [m for m in metrics if m in logs]
    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.5), squeeze=False)
    for ax, metric in zip(axes.flat, metrics):
        epochs = np.arange(1, len(logs[metric]) + 1)
        ax.plot(epochs, logs[metric], "o-", label="train")
        if f"val_{metric}" in logs:
            ax.plot(epochs, logs[f"val_{metric}"], "o-", label="validation")
        ax.set_xlabel("epoch")
        ax.set_title(metric)
        ax.legend()
    if note.strip():
        fig.suptitle(note.strip(), color="#9a6700")
    fig.tight_layout()
    return fig


def animate_line_fit(x, y, params_per_frame, interval=100):
    """Animate a line y = a*x + b moving through `params_per_frame` [(a, b), ...].

    Returns a matplotlib FuncAnimation; show it in a notebook with
    `IPython.display.HTML(anim.to_jshtml())`, which needs no ffmpeg.
    """
    from matplotlib.animation import FuncAnimation

    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.scatter(x, y, s=12, label="data")
    xs = np.array([np.min(x), np.max(x)])
    a, b = params_per_frame[0]
    (line,) = ax.plot(xs, a * xs + b, "r-", label="model")
    label = ax.set_title("")
    ax.legend(loc="upper left")

    def draw(frame):
        a, b = params_per_frame[frame]
        line.set_ydata(a * xs + b)
        label.set_text(f"step {frame}: a={a:.2f}, b={b:.2f}")
        return line, label

    anim = FuncAnimation(fig, draw, frames=len(params_per_frame), interval=interval, blit=False)
    plt.close(fig)  # the animation is shown as HTML, not as a static figure
    return anim


RIGHT, WRONG = "tab:green", "tab:red"


def plot_digit_values(image, ax=None, fmt=None, title=None):
    """Draw one grey image large with each pixel's value written on it.

    A 28x28 MNIST digit becomes 784 numbers: the network sees only these.
    `fmt` defaults to whole numbers for integer images and two decimals for
    floats. Returns the axes.
    """
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.ndim != 2:
        raise ValueError(f"plot_digit_values needs one grey image, got shape {image.shape}")
    if fmt is None:
        fmt = "{:.0f}" if np.issubdtype(image.dtype, np.integer) else "{:.2f}"
    height, width = image.shape
    if ax is None:
        side = max(4.0, 0.42 * max(height, width))
        _, ax = plt.subplots(figsize=(side, side))
    ax.imshow(image, cmap="gray")
    low, high = float(image.min()), float(image.max())
    middle = (low + high) / 2
    fontsize = max(4, min(12, 160 / max(height, width)))
    for row in range(height):
        for col in range(width):
            value = image[row, col]
            ax.text(
                col,
                row,
                fmt.format(value),
                ha="center",
                va="center",
                fontsize=fontsize,
                color="black" if value > middle else "white",
            )
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    return ax


def plot_predictions_grid(images, y_true, y_pred, class_names=None, rows=None, figsize=None):
    """Images titled "pred (true)": green when the prediction is right, red when wrong.

    `y_pred` may be labels or a 2-D array of scores. Returns the figure.
    """
    images = list(images)
    if not images:
        raise ValueError("plot_predictions_grid needs at least one image")
    y_true = np.asarray(y_true).ravel()
    y_pred = as_labels(y_pred)
    if not len(images) == len(y_true) == len(y_pred):
        raise ValueError(f"{len(images)} images, {len(y_true)} labels, {len(y_pred)} predictions")
    name = (lambda i: str(class_names[int(i)])) if class_names is not None else (lambda i: str(int(i)))
    if rows is None:
        rows = math.ceil(len(images) / min(len(images), 8))  # at most 8 per row
    cols = math.ceil(len(images) / rows)
    titles = [f"{name(p)} ({name(t)})" for p, t in zip(y_pred, y_true)]
    fig = plots(images, titles=titles, rows=rows, figsize=figsize or (1.8 * cols, 2.0 * rows))
    shown = [ax for ax in fig.axes if ax.images]  # plots() fills the grid in order
    for ax, right in zip(shown, y_pred == y_true):
        ax.title.set_color(RIGHT if right else WRONG)
        ax.title.set_fontsize(9)
    return fig


def plot_top_k(labels, probabilities, ax=None, title=None):
    """Horizontal bars of the top-k classes and their probabilities, best on top."""
    labels = [str(label) for label in labels]
    probabilities = np.asarray(probabilities, dtype=float).ravel()
    if len(labels) != len(probabilities):
        raise ValueError(f"{len(labels)} labels for {len(probabilities)} probabilities")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 0.45 * len(labels) + 1))
    positions = np.arange(len(labels))[::-1]
    bars = ax.barh(positions, probabilities, color="tab:blue")
    ax.set_yticks(positions, labels)
    ax.set_xlim(0, max(1.0, float(probabilities.max(initial=0))))
    ax.set_xlabel("probability")
    for bar, p in zip(bars, probabilities):
        ax.text(
            bar.get_width() + 0.01, bar.get_y() + bar.get_height() / 2, f"{p:.3f}", va="center", fontsize=8
        )
    if title:
        ax.set_title(title)
    return ax


def plot_per_class_accuracy(accuracies, class_names, ax=None, title="Accuracy per class"):
    """Bar chart of per-class accuracy (e.g. from utils.per_class_accuracy), with the mean."""
    accuracies = np.asarray(accuracies, dtype=float)
    if len(accuracies) != len(class_names):
        raise ValueError(f"{len(accuracies)} accuracies for {len(class_names)} classes")
    if ax is None:
        _, ax = plt.subplots(figsize=(max(5, 0.6 * len(class_names) + 1), 3.2))
    ax.bar(np.arange(len(class_names)), accuracies, color="tab:blue")
    ax.axhline(np.nanmean(accuracies), color="tab:orange", linestyle="--", label="mean")
    ax.set_xticks(
        np.arange(len(class_names)),
        [str(c) for c in class_names],
        rotation=45 if max(len(str(c)) for c in class_names) > 3 else 0,
        ha="right" if max(len(str(c)) for c in class_names) > 3 else "center",
    )
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("accuracy")
    ax.set_title(title)
    ax.legend(loc="lower right")
    return ax
