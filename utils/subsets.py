"""Subsampling and splitting, every class keeping its share.

One home for every place the course takes part of a dataset: folders (get_batches'
`limit`) and arrays (utils.datasets' `max_train`) keep classes in proportion
(`stratified_subset`); sample folders take an equal share of each class
(`balanced_subset`); held-out splits go through scikit-learn's stratified splitter
(`stratified_split`).
"""

import numpy as np


def stratified_subset(labels, limit, num_classes, seed=None):
    """Sorted indices of `limit` of `labels`, every class in proportion to its
    count (at least one each), picked at random (repeatable: seed default 0).
    Used for folders (get_batches' limit) and for arrays (utils.datasets)."""
    labels = np.asarray(labels, dtype=np.int64)
    counts = np.bincount(labels, minlength=num_classes)
    present = int((counts > 0).sum())
    if not isinstance(limit, (int, np.integer)) or limit < present:
        raise ValueError(
            f"limit={limit!r}: give a whole number of images, at least one per "
            f"class ({present}), or None for all {len(labels)}"
        )
    if limit >= len(labels):
        return np.arange(len(labels))
    share = limit * counts / counts.sum()
    take = np.minimum(counts, np.maximum(counts > 0, np.floor(share))).astype(np.int64)
    while take.sum() < limit:  # rounding down left some over: to the most short-changed class
        take[np.argmax(np.where(take < counts, share - take, -np.inf))] += 1
    while take.sum() > limit:  # "at least one each" overshot: from the most over-served class
        take[np.argmin(np.where(take > 1, share - take, np.inf))] -= 1
    rng = np.random.default_rng(0 if seed is None else seed)
    chosen = [
        rng.choice(np.flatnonzero(labels == label), count, replace=False)
        for label, count in enumerate(take)
        if count
    ]
    return np.sort(np.concatenate(chosen))


def balanced_subset(labels, limit, rng):
    """Sorted indices of up to `limit` of `labels`, split as evenly as possible between the
    classes (in sorted order; a class with too few gives all it has), picked with `rng`."""
    labels = np.asarray(labels)
    classes = np.unique(labels)
    if 0 < limit < len(classes):
        raise ValueError(f"{limit} is fewer than the {len(classes)} classes: take at least one of each")
    shares = [limit // len(classes) + (i < limit % len(classes)) for i in range(len(classes))]
    chosen = [np.array([], dtype=np.int64)]
    for label, share in zip(classes, shares):
        members = np.flatnonzero(labels == label)
        chosen.append(rng.choice(members, size=min(share, len(members)), replace=False))
    return np.sort(np.concatenate(chosen))


def stratified_split(x, y, held_out, seed):
    """(x_keep, x_held, y_keep, y_held): `held_out` (a count or a fraction) of the items held
    out at random (repeatable for a seed), every class in the same proportion on both sides."""
    from sklearn.model_selection import train_test_split

    return train_test_split(x, y, test_size=held_out, stratify=y, random_state=seed)
