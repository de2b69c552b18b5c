"""Plotting helpers the lessons share: image grids, confusion matrices,
training curves and the animated line fit of the SGD notebook."""
import math

import numpy as np


def _pyplot():
    # Imported on first use, so `import utils` stays light (it binds plots() eagerly).
    import matplotlib.pyplot as plt

    return plt


def plots(images, titles=None, rows=1, figsize=None, cmap=None):
    """Show images in a grid with `rows` rows; returns the figure.

    Takes HWC (or HW) images, uint8 in 0..255 or floats. Float images outside
    0..1 (e.g. 0..255 batches straight from get_batches) are rescaled for display.
    """
    plt = _pyplot()
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
        ax.imshow(_displayable(images[i]), cmap=cmap or ("gray" if np.ndim(images[i]) == 2 else None))
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


def plot_confusion_matrix(y_true, y_pred, class_names, normalize=False, ax=None):
    """Confusion matrix of integer labels (rows: true class, columns: predicted).

    Returns the matrix; with normalize=True each row sums to 1.
    """
    plt = _pyplot()
    from sklearn.metrics import ConfusionMatrixDisplay, confusion_matrix

    labels = np.arange(len(class_names))
    matrix = confusion_matrix(y_true, y_pred, labels=labels,
                              normalize="true" if normalize else None)
    if ax is None:
        size = max(4, 0.6 * len(class_names) + 2)
        _, ax = plt.subplots(figsize=(size, size))
    display = ConfusionMatrixDisplay(matrix, display_labels=class_names)
    display.plot(ax=ax, cmap="Blues", colorbar=False,
                 values_format=".2f" if normalize else "d")
    ax.set_title("Confusion matrix" + (" (row-normalised)" if normalize else ""))
    return matrix


def plot_history(history, metrics=("loss", "accuracy")):
    """Training and validation curves from a Keras History (or its .history dict)."""
    plt = _pyplot()
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
    fig.tight_layout()
    return fig


def animate_line_fit(x, y, params_per_frame, interval=100):
    """Animate a line y = a*x + b moving through `params_per_frame` [(a, b), ...].

    Returns a matplotlib FuncAnimation; show it in a notebook with
    `IPython.display.HTML(anim.to_jshtml())`, which needs no ffmpeg.
    """
    plt = _pyplot()
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
