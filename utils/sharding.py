"""Sharing work between several workers: each takes every count-th item, and the shares go back in order.

Light on purpose (NumPy only): `shard_batches` uses the batches' own tf.data
pipeline without importing TensorFlow here.
"""

from dataclasses import dataclass

import numpy as np


def shard(items, index, count):
    """Worker `index` of `count` workers' share of `items`: items index, index + count, ...

    Every item is in exactly one share, the shares differ in length by at most
    one, and unshard() puts them back in order.
    """
    if not 0 <= index < count:
        raise ValueError(f"worker index {index} is not in 0..{count - 1} ({count} workers)")
    return items[index::count]


def unshard(shares):
    """The shares from shard(), in worker order, interleaved back into one array."""
    shares = [np.asarray(share) for share in shares]
    whole = np.empty((sum(map(len, shares)), *shares[0].shape[1:]), dtype=shares[0].dtype)
    for index, share in enumerate(shares):
        if len(whole[index :: len(shares)]) != len(share):
            raise ValueError(
                f"share {index} has {len(share)} rows: not the shares of one "
                f"shard() of {len(whole)} rows (pass them in worker order)"
            )
        whole[index :: len(shares)] = share
    return whole


@dataclass
class BatchesShare:
    """One worker's share of unshuffled batches: what compute_features needs."""

    dataset: object
    filenames: list
    labels: np.ndarray
    class_names: list
    batch_size: int

    @property
    def num_images(self):
        return len(self.filenames)


def shard_batches(batches, index, count):
    """Worker `index`'s share of `batches` (made with shuffle=False): files index::count.

    Every worker still reads and decodes all the files and keeps its share, which
    costs little next to VGG16's forward pass on a CPU.
    """
    if getattr(batches, "shuffle", False):
        raise ValueError(
            "shard_batches needs batches made with shuffle=False: a shuffled "
            "order differs between workers, so the shares would overlap"
        )
    dataset = batches.dataset.unbatch().shard(count, index).batch(batches.batch_size)
    return BatchesShare(
        dataset,
        shard(list(batches.filenames), index, count),
        shard(np.asarray(batches.labels), index, count),
        list(batches.class_names),
        batches.batch_size,
    )
