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


def at_epoch(history, epoch):
    """Every metric of `history` at `epoch` (counting from 1, as best_epoch and checkpoints do).

    Pairs with load_best_checkpoint: `utils.at_epoch(history, epoch)["val_accuracy"]`
    is the reloaded epoch's validation accuracy, whichever epoch a run started at.
    """
    logs = getattr(history, "history", history)
    epochs = list(getattr(history, "epoch", None) or range(len(next(iter(logs.values())))))
    if epoch - 1 not in epochs:
        raise ValueError(f"epoch {epoch} is not in this history (epochs {epochs[0] + 1}..{epochs[-1] + 1})")
    row = epochs.index(epoch - 1)
    return {metric: values[row] for metric, values in logs.items()}


def checkpoint_name(part, epoch):
    """'head_epoch03.weights.h5': the trained part's name and the epoch it ended."""
    return f"{part}_epoch{epoch:02d}.weights.h5"
