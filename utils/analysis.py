"""Looking at a model's validation results, as lesson 2 does.

    views = show_five_views(probabilities, val_batches.labels, class_names,
                            images=[val_path / f for f in val_batches.filenames])
    show_confusion_matrix(probabilities, val_batches.labels, class_names)

`probabilities` are a model's outputs, one row per image, in the same order
as `labels` (predict on batches made with shuffle=False).
"""

import numpy as np

from utils.images import read_image
from utils.labels import as_labels, as_matrix


# ---------------------------------------------------------------- the five views


def five_views(probabilities, labels, class_names, count=4, seed=0):
    """Indices of images for lesson 2's five views, as {title: indices}:

    1. a few correct labels at random        2. a few incorrect labels at random
    3. the most confident correct, per class 4. the most confident wrong, per predicted class
    5. the most uncertain (smallest gap between the two likeliest classes)
    """
    probabilities = as_matrix(probabilities)
    labels = np.asarray(labels, dtype="int64")
    predicted = as_labels(probabilities)
    confidence = probabilities.max(axis=1)
    correct = predicted == labels
    rng = np.random.default_rng(seed)
    views = {
        "correct, at random": _pick_at_random(np.flatnonzero(correct), count, rng),
        "incorrect, at random": _pick_at_random(np.flatnonzero(~correct), count, rng),
    }
    for c, name in enumerate(class_names):
        views[f"most confident correct: {name}"] = _most(
            np.flatnonzero(correct & (labels == c)), confidence, count
        )
    for c, name in enumerate(class_names):
        views[f"most confident wrong: predicted {name}"] = _most(
            np.flatnonzero(~correct & (predicted == c)), confidence, count
        )
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
    row = as_matrix(probabilities)[index]
    predicted = int(row.argmax())
    title = f"{class_names[predicted]} {row[predicted]:.2f}"
    true = int(labels[index])
    return title if true == predicted else f"{title} (is {class_names[true]})"


def show_five_views(probabilities, labels, class_names, images, count=4, seed=0, note=""):
    """Compute the five views and plot each as a row of titled images.

    images: indexable by position - an array of images or a list of file paths.
    note: what produced the probabilities (a Caveat, such as a network's .caveat), added to each title.
    Returns the views ({title: indices}).
    """
    from utils.plotting import plots

    views = five_views(probabilities, labels, class_names, count, seed)
    flag = str(note)
    for title, indices in views.items():
        if len(indices) == 0:
            print(f"{title}: none{flag}")
            continue
        figure = plots(
            [load_image(images[i]) for i in indices],
            titles=[image_title(i, probabilities, labels, class_names) for i in indices],
        )
        figure.suptitle(title + flag)
        figure.tight_layout()
    return views


def load_image(image):
    """An image array as is, or the upright pixels of an image file."""
    return image if isinstance(image, np.ndarray) else read_image(image)


def show_confusion_matrix(probabilities, labels, class_names, normalize=False):
    """Plot the confusion matrix of the most likely classes; returns the matrix."""
    from utils.plotting import plot_confusion_matrix

    predicted = as_labels(as_matrix(probabilities))
    return plot_confusion_matrix(np.asarray(labels), predicted, class_names, normalize=normalize)


# ---------------------------------------------------------------- reading results aloud

FAR_ABOVE = 2.0  # validation loss this many times the training loss: the head memorised its images


def read_learning_curves(history, note=""):
    """Print what a run's losses say about overfitting, by the lesson's two signs.

    Overfitting shows as validation loss far above training loss (more than
    FAR_ABOVE times), or as validation loss climbing back from its best epoch.
    Returns {"far_above": bool, "climbed_back": bool}.
    """
    logs = getattr(history, "history", history)
    train, valid = logs["loss"][-1], logs["val_loss"][-1]
    best = int(np.argmin(logs["val_loss"]))
    lowest = logs["val_loss"][best]
    far_above = valid > FAR_ABOVE * train
    climbed_back = best < len(logs["val_loss"]) - 1 and valid > 1.1 * lowest
    print(
        f"last epoch: training loss {train:.4f}, validation loss {valid:.4f} ({valid / train:.1f}x the "
        f"training loss); lowest validation loss {lowest:.4f} at epoch {best + 1} of "
        f"{len(logs['val_loss'])}{note}"
    )
    signs = [
        f"validation loss is more than {FAR_ABOVE:g}x the training loss" if far_above else "",
        "validation loss climbed back up from its best epoch" if climbed_back else "",
    ]
    signs = [sign for sign in signs if sign]
    if signs:
        print("Overfitting: " + " and ".join(signs) + ".")
    else:
        print(
            f"No sign of overfitting in this run: validation loss is within {FAR_ABOVE:g}x the training loss "
            "and at or near its best at the last epoch."
        )
    return {"far_above": far_above, "climbed_back": climbed_back}


def confidence_vs_accuracy(probabilities, labels, when=""):
    """'after epoch 1 it says 0.973 on average and is right on 0.838: overconfident by 0.135'.

    Returns (mean probability of the predicted class, accuracy) and prints the sentence.
    """
    matrix = as_matrix(probabilities)
    confidence = float(matrix.max(axis=1).mean())
    accuracy = float((as_labels(matrix) == np.asarray(labels)).mean())
    kind = "overconfident" if confidence > accuracy else "underconfident"
    print(
        f"{when}: the head says {confidence:.3f} on average (probability of its predicted class) "
        f"and is right on {accuracy:.3f} of the validation images: {kind} by {abs(confidence - accuracy):.3f}"
    )
    return confidence, accuracy


def read_five_views(probabilities, labels, sure=0.9):
    """Lesson 2's test, as numbers: how many mistakes are confident, and what to look for in them.

    A confident mistake on an image a person finds easy means the model is broken (wrong
    labels, misaligned predictions, a bug); on hard images (dark, cropped, two animals)
    it means the model needs more data or capacity. Returns the confident mistakes' indices.
    """
    matrix = as_matrix(probabilities)
    labels = np.asarray(labels)
    confidence, wrong = matrix.max(axis=1), as_labels(matrix) != labels
    confident_wrong = np.flatnonzero(wrong & (confidence > sure))
    groups = (("right", ~wrong), ("wrong", wrong))
    means = [f"{kind} answers {confidence[where].mean():.3f}" for kind, where in groups if where.any()]
    print(
        f"{wrong.sum()} of {len(labels)} validation images are wrong, {len(confident_wrong)} of them with a "
        f"probability above {sure:g}. Mean probability of the predicted class: {', '.join(means)}."
    )
    if not wrong.any():
        return confident_wrong
    print(
        "Look at the 'most confident wrong' rows: if you can tell those images apart at a glance, the model "
        "is broken (check labels and the order of predictions), not unlucky; if they are hard for you too "
        "(dark, cut off, both animals), it needs more data or more trainable layers."
    )
    return confident_wrong
