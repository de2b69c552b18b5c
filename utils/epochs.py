"""Choosing an epoch after training: one rule for the best epoch, and the checkpoint each epoch leaves.

Light on purpose (NumPy only, no Keras): a notebook can pick an epoch from a
saved history without starting TensorFlow.
"""

# Metrics where higher is better; every other monitored value (losses) is better lower.
HIGHER_IS_BETTER = ("accuracy", "acc", "auc", "precision", "recall")


def better_direction(monitor, mode="auto"):
    """'min' or 'max': `mode` itself, or with mode='auto' what the name `monitor` implies."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"mode={mode!r}: use 'min', 'max' or 'auto'")
    if mode != "auto":
        return mode
    return "max" if monitor.removeprefix("val_").endswith(HIGHER_IS_BETTER) else "min"


def best_epoch(history, monitor="val_loss", mode="auto"):
    """The epoch (counting from 1, as checkpoints do) with the best `monitor`.

    mode: 'min' (lowest wins: losses), 'max' (highest wins: accuracy) or 'auto'
    (from the name: ...accuracy/auc/precision/recall -> 'max', else 'min').
    Ties go to the earliest epoch. history: a Keras History (or its .history
    dict) from a run with validation data; the choice is made on validation
    results only.
    """
    logs = getattr(history, "history", history)
    if monitor not in logs:
        raise ValueError(
            f"no {monitor!r} in the history ({sorted(logs)}): train with validation data to choose an epoch"
        )
    values = list(logs[monitor])
    epochs = getattr(history, "epoch", None) or range(len(values))
    pick = min if better_direction(monitor, mode) == "min" else max
    best = pick(range(len(values)), key=values.__getitem__)  # min/max keep the first of equals
    return epochs[best] + 1


def checkpoint_name(part, epoch):
    """'head_epoch03.weights.h5': the trained part's name and the epoch it ended."""
    return f"{part}_epoch{epoch:02d}.weights.h5"
