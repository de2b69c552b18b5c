"""Subsampling: a repeatable random subset in which every class keeps its share.

One rule for every place the course takes part of a dataset: folders
(get_batches' `limit`), arrays (utils.datasets' `max_train`) and sample copies.
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
