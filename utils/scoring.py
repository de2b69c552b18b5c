"""Scoring predictions as Kaggle and lesson 2 do: log loss, clipping, per-class accuracy, and the
one noise test every "helped/hurt" verdict goes through (`compare`).

    log_loss(probabilities, labels)                 # what Kaggle ranks Dogs vs Cats by
    rows = clip_log_loss_table(probabilities, labels)
    level = best_clip_level(rows)                   # chosen on validation data, never guessed
    submitted = clip_multiclass(test_probabilities, level)

`probabilities` are a model's outputs, one row per image (or, for two classes,
one probability of class 1 per image), in the same order as `labels`.
"""

from dataclasses import dataclass

import numpy as np

from utils.labels import as_labels, as_matrix

# Clip levels tried by the notebooks, as the largest allowed probability.
CLIP_LEVELS = (None, 0.95, 0.975, 0.98)


def clip_binary(probabilities, low=0.05, high=None):
    """Clip probabilities of one class into [low, high] (high defaults to 1 - low).

    Log loss charges -log(p) for the true class, so one confident mistake
    (p=0.001 -> 6.9) costs more than many small ones; clipping caps that.
    """
    high = 1 - low if high is None else high
    if not 0 <= low < high <= 1:
        raise ValueError(f"need 0 <= low < high <= 1, got low={low}, high={high}")
    return np.clip(np.asarray(probabilities, dtype="float64"), low, high)


def clip_multiclass(probabilities, high=0.95):
    """Clip each row to [low, high] with low = (1 - high) / (classes - 1), then renormalize.

    Rows keep summing to 1, and a row as sure as (1, 0, ...) becomes exactly
    (high, low, ...). With 2 classes this equals clip_binary(p, 1 - high).
    """
    probabilities = np.asarray(probabilities, dtype="float64")
    if probabilities.ndim != 2 or probabilities.shape[1] < 2:
        raise ValueError(f"expected (images, classes) probabilities, got {probabilities.shape}")
    classes = probabilities.shape[1]
    low = clip_low(high, classes)
    if not 0 <= low < high <= 1:
        raise ValueError(f"high={high} is not a usable clip level for {classes} classes")
    clipped = np.clip(probabilities, low, high)
    return clipped / clipped.sum(axis=1, keepdims=True)


def clip_low(high, classes):
    """The lower clip bound that goes with `high`: the rest of the probability, shared evenly."""
    return (1 - high) / (classes - 1)


def log_loss(probabilities, labels, eps=1e-15):
    """Kaggle's log loss: mean of -log(probability given to the true class).

    Rows are renormalized to sum to 1 and probabilities bounded to
    [eps, 1 - eps], as Kaggle does before scoring.
    """
    probabilities = as_matrix(probabilities)
    probabilities = probabilities / probabilities.sum(axis=1, keepdims=True)
    labels = np.asarray(labels, dtype="int64")
    chosen = probabilities[np.arange(len(labels)), labels]
    return float(-np.mean(np.log(np.clip(chosen, eps, 1 - eps))))


def clip_log_loss_table(probabilities, labels, levels=CLIP_LEVELS, note=""):
    """Validation log loss with no clipping and at each clip level; prints and returns rows.

    A level `high` keeps probabilities in [low, high]: for two classes
    low = 1 - high (0.05/0.95, 0.025/0.975, 0.02/0.98); for more classes
    clip_multiclass uses low = (1 - high) / (classes - 1) and keeps rows summing to 1.
    note: what produced the probabilities (a Caveat, such as a network's .caveat), printed in the header.
    """
    matrix = as_matrix(probabilities)
    classes = matrix.shape[1]
    rows = []
    for high in levels:
        if high is None:
            clipped, low = matrix, None
        else:
            clipped = clip_multiclass(matrix, high)
            low = clip_low(high, classes)
        rows.append(
            {
                "clip": "none" if high is None else f"{low:.4g}/{high:g}",
                "low": low,
                "high": high,
                "log_loss": log_loss(clipped, labels),
            }
        )
    print(f"{'clip (low/high)':<18}validation log loss{note}")
    for row in rows:
        print(f"{row['clip']:<18}{row['log_loss']:.4f}")
    return rows


def best_clip_level(rows):
    """The clip level (None: no clipping) with the lowest validation log loss in `rows`.

    rows: what clip_log_loss_table returned. Ties go to the gentler clipping,
    so a level is only chosen when it really lowered the loss.
    """
    best = min(
        rows, key=lambda row: (round(row["log_loss"], 6), row["high"] is not None, -(row["high"] or 0))
    )
    return best["high"]


def clipping_effect(probabilities, labels, high):
    """What clipping at `high` does to the log loss, split by right and wrong answers.

    Returns a dict: confident_wrong / confident_right (how many predictions were
    wrong / right with a top probability above `high`), saved (total log loss the
    wrong answers lose by clipping; negative when renormalising a clipped row takes
    probability from their true class) and paid (total log loss the right answers
    gain). Clipping lowers the mean log loss exactly when saved > paid.
    """
    matrix = as_matrix(probabilities)
    labels = np.asarray(labels, dtype="int64")
    clipped = clip_multiclass(matrix, high)
    right = as_labels(matrix) == labels
    sure = matrix.max(axis=1) > high

    def total(p, rows):
        return log_loss(p[rows], labels[rows]) * rows.sum() if rows.any() else 0.0

    return {
        "confident_wrong": int((~right & sure).sum()),
        "confident_right": int((right & sure).sum()),
        "saved": total(matrix, ~right) - total(clipped, ~right),
        "paid": total(clipped, right) - total(matrix, right),
    }


def per_class_accuracy(y_true, y_pred, num_classes=None):
    """Accuracy within each true class: an array indexed by class.

    `y_pred` may be integer labels or a 2-D array of scores (argmax is taken).
    A class with no examples in `y_true` gets NaN.
    """
    y_true = np.asarray(y_true).ravel().astype(np.int64)
    y_pred = as_labels(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{len(y_true)} true labels for {len(y_pred)} predictions")
    if num_classes is None:
        num_classes = int(max(y_true.max(initial=-1), y_pred.max(initial=-1)) + 1)
    totals = np.bincount(y_true, minlength=num_classes).astype(np.float64)
    hits = np.bincount(y_true[y_true == y_pred], minlength=num_classes)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, hits / totals, np.nan)


def hardest_class(y_true, y_pred, class_names, min_errors=10):
    """A sentence naming the class with the lowest accuracy, or saying why none can be named.

    A class is named only when it holds at least `min_errors` mistakes and its accuracy is
    below the other classes' beyond noise (`compare`, with the hardest class's image count
    as n: the smaller, noisier side). A handful of mistakes cannot rank classes.
    """
    y_true, y_pred = np.asarray(y_true).ravel().astype(np.int64), as_labels(y_pred)
    accuracy = per_class_accuracy(y_true, y_pred, len(class_names))
    hardest = int(np.nanargmin(accuracy))
    name, inside = class_names[hardest], y_true == hardest
    errors, total = int((y_pred[inside] != hardest).sum()), int((y_pred != y_true).sum())
    if errors < min_errors:
        return (
            f"{total} mistakes in all, {errors} of them in class {name}, the one with the lowest accuracy: "
            f"too few to rank the classes (that takes {min_errors} or more in one class)"
        )
    rest = float((y_pred[~inside] == y_true[~inside]).mean())
    verdict = compare(
        rest, float(accuracy[hardest]), int(inside.sum()), metric="accuracy", names=("other classes", name)
    )
    if verdict.verdict != "worse":
        return f"no class stands out: {verdict}"
    return f"hardest class: {name} ({errors} of {int(inside.sum())} wrong); {verdict}"


# ---------------------------------------------------------------- is a difference real?


@dataclass(frozen=True)
class Comparison:
    """What `compare` found. str() is the sentence a notebook prints."""

    metric: str
    names: tuple
    before: float
    after: float
    noise: float  # two standard errors of the difference
    verdict: str  # "better", "worse" or "within noise"
    n: int

    def __str__(self):
        band = f"two standard errors on {self.n:,} images: ±{_short(self.noise)}"
        if self.verdict == "within noise":
            reading = f"within noise ({band}), so these images cannot tell them apart"
        else:
            reading = f"{self.names[1]} is {self.verdict}, beyond noise ({band})"
        return (
            f"{self.metric}: {self.names[0]} {_short(self.before)}, {self.names[1]} {_short(self.after)} "
            f"({'+' if self.after >= self.before else '-'}{_short(abs(self.after - self.before))}): {reading}"
        )


def _short(value):
    """Three decimals, or two significant digits for a small non-zero value (never a bare 0.000)."""
    return f"{value:.3f}" if value == 0 or abs(value) >= 0.01 else f"{value:.2g}"


def compare(
    before, after, n=None, *, metric="validation accuracy", names=("before", "after"), lower_is_better=False
):
    """The course's one noise test: is `after` really better or worse than `before`?

    Two accuracies (fractions of n images each): the binomial standard error of
    their difference, sqrt(p1(1-p1)/n + p2(1-p2)/n). Two arrays of per-image values
    (log losses, 0/1 hits) on the same images: the standard error of the mean
    paired difference. A difference within two standard errors is "within noise".
    """
    if np.ndim(before) == 0:
        if not n:
            raise ValueError(
                "compare(accuracy, accuracy, n): give n, the number of images each was measured on"
            )
        p1, p2 = float(before), float(after)
        se = np.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / n)
        noise = max(2 * se, 1 / n)  # one image is never evidence
    else:
        before, after = np.asarray(before, dtype="float64"), np.asarray(after, dtype="float64")
        if before.shape != after.shape or before.ndim != 1 or len(before) < 2:
            raise ValueError(
                f"per-image values must be two 1-D arrays of one length, got {before.shape}, {after.shape}"
            )
        n = len(before)
        noise = 2 * np.std(after - before, ddof=1) / np.sqrt(n)
        p1, p2 = float(before.mean()), float(after.mean())
    gain = (p1 - p2) if lower_is_better else (p2 - p1)
    verdict = "within noise" if abs(p2 - p1) <= noise else ("better" if gain > 0 else "worse")
    return Comparison(metric, tuple(names), p1, p2, float(noise), verdict, int(n))


def image_log_losses(probabilities, labels, eps=1e-15):
    """Each image's log loss, -log(probability of its true class): what log_loss averages."""
    matrix = as_matrix(probabilities)
    matrix = matrix / matrix.sum(axis=1, keepdims=True)
    labels = np.asarray(labels, dtype="int64")
    return -np.log(np.clip(matrix[np.arange(len(labels)), labels], eps, 1 - eps))


def explain_clipping(probabilities, labels, rows, note=""):
    """Print why the clip level chosen from `rows` (clip_log_loss_table's) is what this run submits.

    Counts the confident mistakes and right answers at the chosen level (the gentlest
    level tried when none was chosen), and passes clipped vs unclipped per-image
    log losses through the noise test. Returns that Comparison.
    """
    chosen = best_clip_level(rows)
    level = chosen or max(row["high"] for row in rows if row["high"] is not None)
    effect = clipping_effect(probabilities, labels, level)
    print(
        f"{effect['confident_wrong']} of {len(labels)} validation predictions were wrong with a probability "
        f"above {level:g} (confident mistakes), {effect['confident_right']} were right with it."
    )
    wrong = int((as_labels(as_matrix(probabilities)) != np.asarray(labels)).sum())
    changes = (
        f"changes the summed log loss of the {wrong} wrong answers by {-effect['saved']:+.3f} and of "
        f"the right answers by {effect['paid']:+.3f}"
        if wrong
        else f"can only add log loss to the right answers ({effect['paid']:+.3f} in all): there were no "
        "wrong answers to clip"
    )
    print(f"Clipping at {level:g} {changes}.{note}")
    unclipped = image_log_losses(probabilities, labels)
    clipped = image_log_losses(clip_multiclass(as_matrix(probabilities), level), labels)
    names = ("unclipped", f"clipped at {level:g}")
    verdict = compare(unclipped, clipped, metric="validation log loss", names=names, lower_is_better=True)
    print(verdict)
    print(
        "We submit unclipped: no level lowered the validation log loss."
        if chosen is None
        else f"We submit clipped at {chosen:g}, the level with the lowest validation log loss."
    )
    return verdict
