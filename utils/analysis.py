"""Looking at a model's validation results, as lesson 2 does.

    views = show_five_views(probabilities, val_batches.labels, class_names,
                            images=[val_path / f for f in val_batches.filenames])
    show_confusion_matrix(probabilities, val_batches.labels, class_names)
    clip_log_loss_table(probabilities, val_batches.labels)

`probabilities` are a model's outputs, one row per image, in the same order
as `labels` (predict on batches made with shuffle=False).
"""
import numpy as np

from utils.submissions import clip_multiclass

# Clip levels of the dogs-vs-cats notebooks, as the largest allowed probability.
CLIP_LEVELS = (None, 0.95, 0.975, 0.98)


# ---------------------------------------------------------------- log loss

def log_loss(probabilities, labels, eps=1e-15):
    """Kaggle's log loss: mean of -log(probability given to the true class).

    Rows are renormalized to sum to 1 and probabilities bounded to
    [eps, 1 - eps], as Kaggle does before scoring.
    """
    probabilities = _as_matrix(probabilities)
    probabilities = probabilities / probabilities.sum(axis=1, keepdims=True)
    labels = np.asarray(labels, dtype="int64")
    chosen = probabilities[np.arange(len(labels)), labels]
    return float(-np.mean(np.log(np.clip(chosen, eps, 1 - eps))))


def _as_matrix(probabilities):
    """(n,) probabilities of class 1 -> (n, 2); (n, classes) unchanged."""
    probabilities = np.asarray(probabilities, dtype="float64")
    if probabilities.ndim == 1:
        return np.stack([1 - probabilities, probabilities], axis=1)
    return probabilities


def clip_log_loss_table(probabilities, labels, levels=CLIP_LEVELS, untrained=False):
    """Validation log loss with no clipping and at each clip level; prints and returns rows.

    A level `high` keeps probabilities in [low, high]: for two classes
    low = 1 - high (0.05/0.95, 0.025/0.975, 0.02/0.98); for more classes
    clip_multiclass uses low = (1 - high) / (classes - 1) and keeps rows summing to 1.
    """
    matrix = _as_matrix(probabilities)
    classes = matrix.shape[1]
    rows = []
    for high in levels:
        if high is None:
            clipped, low = matrix, None
        else:
            clipped = clip_multiclass(matrix, high)
            low = (1 - high) / (classes - 1)
        rows.append({"clip": "none" if high is None else f"{low:.4g}/{high:g}",
                     "low": low, "high": high, "log_loss": log_loss(clipped, labels)})
    caveat = "  [untrained weights]" if untrained else ""
    print(f"{'clip (low/high)':<18}validation log loss{caveat}")
    for row in rows:
        print(f"{row['clip']:<18}{row['log_loss']:.4f}")
    return rows


# ---------------------------------------------------------------- the five views

def five_views(probabilities, labels, class_names, count=4, seed=0):
    """Indices of images for lesson 2's five views, as {title: indices}:

    1. a few correct labels at random        2. a few incorrect labels at random
    3. the most confident correct, per class 4. the most confident wrong, per predicted class
    5. the most uncertain (smallest gap between the two likeliest classes)
    """
    probabilities = _as_matrix(probabilities)
    labels = np.asarray(labels, dtype="int64")
    predicted = probabilities.argmax(axis=1)
    confidence = probabilities.max(axis=1)
    correct = predicted == labels
    rng = np.random.default_rng(seed)
    views = {
        "correct, at random": _pick_at_random(np.flatnonzero(correct), count, rng),
        "incorrect, at random": _pick_at_random(np.flatnonzero(~correct), count, rng),
    }
    for c, name in enumerate(class_names):
        views[f"most confident correct: {name}"] = _most(
            np.flatnonzero(correct & (labels == c)), confidence, count)
    for c, name in enumerate(class_names):
        views[f"most confident wrong: predicted {name}"] = _most(
            np.flatnonzero(~correct & (predicted == c)), confidence, count)
    views["most uncertain"] = _most(np.arange(len(labels)), -_top_two_gap(probabilities), count)
    return views


def _pick_at_random(candidates, count, rng):
    return rng.permutation(candidates)[:count]


def _most(candidates, score, count):
    """The `count` candidates with the highest score, highest first."""
    order = np.argsort(-score[candidates], kind="stable")
    return candidates[order[:count]]


def _top_two_gap(probabilities):
    top_two = np.sort(probabilities, axis=1)[:, -2:]
    return top_two[:, 1] - top_two[:, 0]


def image_title(index, probabilities, labels, class_names):
    """'dogs 0.93' for a right answer; 'dogs 0.93 (is cats)' for a wrong one."""
    row = _as_matrix(probabilities)[index]
    predicted = int(row.argmax())
    title = f"{class_names[predicted]} {row[predicted]:.2f}"
    true = int(labels[index])
    return title if true == predicted else f"{title} (is {class_names[true]})"


def show_five_views(probabilities, labels, class_names, images, count=4, seed=0,
                    untrained=False):
    """Compute the five views and plot each as a row of titled images.

    images: indexable by position - an array of images or a list of file paths.
    Returns the views ({title: indices}).
    """
    from utils.plotting import plots

    views = five_views(probabilities, labels, class_names, count, seed)
    caveat = "  [untrained weights]" if untrained else ""
    for title, indices in views.items():
        if len(indices) == 0:
            print(f"{title}: none{caveat}")
            continue
        figure = plots([load_image(images[i]) for i in indices],
                       titles=[image_title(i, probabilities, labels, class_names)
                               for i in indices])
        figure.suptitle(title + caveat)
        figure.tight_layout()
    return views


def load_image(image):
    """An image array as is, or the pixels of an image file."""
    if isinstance(image, np.ndarray):
        return image
    from PIL import Image

    with Image.open(image) as picture:
        return np.asarray(picture.convert("RGB"))


def show_confusion_matrix(probabilities, labels, class_names, normalize=False):
    """Plot the confusion matrix of the most likely classes; returns the matrix."""
    from utils.plotting import plot_confusion_matrix

    predicted = _as_matrix(probabilities).argmax(axis=1)
    return plot_confusion_matrix(np.asarray(labels), predicted, class_names, normalize=normalize)
