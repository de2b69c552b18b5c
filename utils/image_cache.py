"""The decoded-image cache: each image decoded once, kept resized as uint8 for later epochs.

The first epoch keeps the resized pixels (in memory when they fit, else in a
file under build/image_cache), and later epochs read them from there. A disk
cache is keyed by the files' names, sizes and times, so a stale one is never read.
"""

import contextlib
import hashlib
import math
import mmap
import os
import re
import shutil
import threading
import uuid
from pathlib import Path

import numpy as np

from utils.files import publish

CACHE_CHOICES = ("auto", "memory", "disk", None)
# cache="auto" keeps a folder's resized images in memory while they take at most this
# share of the RAM available when get_batches is called, else on disk. A quarter leaves
# room for the model, for a second folder (train and valid) and for everything else.
MEMORY_BUDGET_FRACTION = 0.25
CACHE_FORMAT = 2  # part of the disk cache key: bump it when decoding or resizing changes


def with_store_state(dataset, store):
    """Each element of `dataset` paired with whether the store held every image when
    the epoch began (asked once per epoch, not once per image)."""
    import tensorflow as tf

    count = dataset.cardinality()

    def ask(_):
        complete = tf.numpy_function(store.is_complete, [], tf.bool, stateful=True)
        return tf.fill([count], tf.reshape(complete, []))

    state = tf.data.Dataset.from_tensors(0).map(ask).unbatch()
    paired = tf.data.Dataset.zip((dataset, state))
    return paired.apply(tf.data.experimental.assert_cardinality(count))


def decoded_unless_stored(complete, decode, target_size):
    """One image for the pipeline's element step: decode() now, or a blank stand-in
    when the store was complete as the epoch began (`exchanged` then reads the batch)."""
    import tensorflow as tf

    image = tf.cond(complete, lambda: tf.zeros((*target_size, 3), tf.uint8), decode)
    image.set_shape((*target_size, 3))
    return image


def exchanged(store, indices, images):
    """One batch for the pipeline's batch step: the images handed to the store, or,
    once it holds them all, read from it (the store only fills up, so the batches of
    an epoch that began complete are always read whole from it)."""
    import tensorflow as tf

    kept = tf.numpy_function(store.exchange, [indices, images], tf.uint8, stateful=True)
    kept.set_shape(images.shape)
    return kept


# ---------------------------------------------------------------- the store


class _ImageStore:
    """Resized uint8 images by index, filled as the first epoch decodes them.

    In memory, or in a .npy file on disk (a memory map, so it can be larger
    than RAM). A disk store is written under a temporary name and renamed to
    images.npy once every image is in it, so a later run (or another Batches
    of the same files) only ever finds complete caches.
    """

    def __init__(self, images, have, where, finished_path=None):
        self.images, self.have, self.where = images, have, where
        self._finished_path = finished_path
        self._missing = int((~have).sum())
        self._lock = threading.Lock()

    @classmethod
    def in_memory(cls, count, target_size):
        return cls(_mapped_uint8((count, *target_size, 3)), np.zeros(count, bool), "memory")

    @classmethod
    def on_disk(cls, folder, count, target_size):
        shape = (count, *target_size, 3)
        finished = folder / "images.npy"
        if finished.is_file():
            with contextlib.suppress(ValueError, OSError):  # damaged: write it again below
                images = np.load(finished, mmap_mode="r")
                if images.shape == shape and images.dtype == np.uint8:
                    return cls(images, np.ones(count, bool), str(finished))
        folder.mkdir(parents=True, exist_ok=True)
        _remove_abandoned(folder)
        filling = folder / f"filling.{os.getpid()}.{uuid.uuid4().hex[:8]}.npy"
        images = np.lib.format.open_memmap(filling, mode="w+", dtype=np.uint8, shape=shape)
        return cls(images, np.zeros(count, bool), str(finished), finished_path=finished)

    def is_complete(self):
        return np.bool_(self._missing == 0)

    def exchange(self, indices, images):
        """Keep the images of a batch the store lacks and return them; once the store
        is complete, return its own images of `indices` instead."""
        if self._missing == 0:
            return self.images[indices]
        with self._lock:  # batches arrive from parallel threads
            lacking = ~self.have[indices]
            new = indices[lacking]
            self.images[new] = images if len(new) == len(indices) else images[lacking]  # no copy when all new
            self.have[new] = True
            self._missing -= len(new)
            if self._missing == 0 and self._finished_path is not None:
                self.images.flush()
                publish(self.images.filename, self._finished_path)  # the map stays valid
        return images


def _mapped_uint8(shape):
    """An empty uint8 array whose memory is mapped now, in one call (Linux's MAP_POPULATE).
    Mapped a page at a time while the first epoch decodes instead, the same memory made
    that epoch a quarter to a third slower on a 2-core VM (bench/pipeline.py's first pass)."""
    populate = getattr(mmap, "MAP_POPULATE", None)
    if populate is None:  # not Linux
        return np.empty(shape, np.uint8)
    size = math.prod(shape)
    memory = mmap.mmap(-1, max(1, size), flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | populate)
    return np.frombuffer(memory, np.uint8, count=size).reshape(shape)


def image_store(folder, target_size, cache):
    """The store that get_batches's `cache` asks for, or None.

    "memory"; "disk": a file under build/image_cache, reused by later runs until
    a file changes; a Path: a disk cache in that folder; None: no store (decode
    every epoch); "auto": memory while the images take at most
    MEMORY_BUDGET_FRACTION of the available RAM, else disk.
    """
    if cache is None:
        return None
    if not (cache in CACHE_CHOICES or isinstance(cache, os.PathLike)):
        raise ValueError(f"cache={cache!r}: use one of {CACHE_CHOICES} or a folder as a Path")
    count = len(folder.filenames)
    if cache == "auto":
        cache = "memory" if _fits_in_memory(count * target_size[0] * target_size[1] * 3) else "disk"
    if cache == "memory":
        return _ImageStore.in_memory(count, target_size)
    root = _default_cache_root() if cache == "disk" else Path(cache)
    return _ImageStore.on_disk(root / _cache_name(folder, target_size), count, target_size)


def _fits_in_memory(nbytes):
    import psutil

    return nbytes <= MEMORY_BUDGET_FRACTION * psutil.virtual_memory().available


def _default_cache_root():
    from utils.config import build_root

    return build_root() / "image_cache"


def _cache_name(folder, target_size):
    """<folder>_<h>x<w>_<where>/<what>: `what` changes whenever a file is added,
    removed, rewritten or touched, so a stale cache is never read."""
    where = hashlib.sha256(str(folder.path.resolve()).encode()).hexdigest()[:10]
    what = hashlib.sha256(repr((CACHE_FORMAT, target_size)).encode())
    for name in folder.filenames:
        info = os.stat(folder.path / name)
        what.update(f"{name}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return Path(f"{folder.path.name}_{target_size[0]}x{target_size[1]}_{where}", what.hexdigest()[:20])


def _remove_abandoned(folder):
    """Delete our own cache files that can't be used any more: caches of older
    versions of these files (sibling folders), and unfinished fills whose
    process has ended. Only ever touches files this module wrote."""
    for sibling in folder.parent.iterdir():
        if sibling != folder and sibling.is_dir() and re.fullmatch(r"[0-9a-f]{20}", sibling.name):
            shutil.rmtree(sibling, ignore_errors=True)
    for filling in folder.glob("filling.*.npy"):
        pid = int(filling.name.split(".")[1])
        if not _process_alive(pid):
            filling.unlink(missing_ok=True)


def _process_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True  # alive, or alive under another user (PermissionError)
