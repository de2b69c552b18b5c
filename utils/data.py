"""From a folder of images to batches a model can eat: get_batches, get_data, augmenter.

    batches = get_batches(path / "train")          # one sub-folder per class
    model.fit(batches.dataset, epochs=1)
    test = get_batches(path / "test", shuffle=False, class_mode=None)
    predictions = model.predict(test.dataset)      # row i is test.filenames[i]

Images come out as float32 RGB in 0..255, upright (EXIF orientation
applied), resized to `target_size`; each model does its own preprocessing.
The folder is listed and checked first (utils.folders), each image is decoded
once (utils.decoding) and kept for later epochs (utils.image_cache); decoding
runs in parallel and ahead of training. TensorFlow is imported only when a
pipeline is built, so `import utils.data` stays quick.
"""

import math
from pathlib import Path

import numpy as np

from utils.files import progress
from utils.decoding import pick_decoder, resizing_decoder
from utils.folders import list_images
from utils.image_cache import decoded_unless_stored, exchanged, image_store, with_store_state
from utils.labels import for_class_mode
from utils.provenance import is_generated

CLASS_MODES = ("categorical", "sparse", "binary", None)


def batch_count(images, batch_size):
    """Batches needed for `images` images: the last one may be smaller."""
    return math.ceil(images / batch_size)


# ---------------------------------------------------------------- batches


class Batches:
    """A folder of images as a tf.data pipeline, plus what you need to read results.

    dataset:      yields (images, labels), or images alone when class_mode is None
    class_names:  class folder names; label i means class_names[i]
    filenames:    paths relative to `path`, in dataset order when shuffle=False
    labels:       class index of each file (aligned with filenames)
    skipped:      (filename, reason) of unreadable files that were left out
    found:        images in the folder (more than `num_images` when `limit` picked some)
    shuffle:      whether the order changes every epoch
    cache:        where decoded images are kept between epochs ("memory", a file, or None)
    len(batches): batches per epoch
    """

    def __init__(self, folder, dataset, batch_size, class_mode, shuffle, cache):
        self.path = folder.path
        self.dataset = dataset
        self.class_names = folder.class_names
        self.filenames = folder.filenames
        self.labels = folder.labels
        self.skipped = folder.skipped
        self.found = folder.found
        self.batch_size = batch_size
        self.class_mode = class_mode
        self.shuffle = shuffle
        self.cache = cache

    @property
    def num_classes(self):
        return len(self.class_names)

    @property
    def num_images(self):
        return len(self.filenames)

    def __len__(self):
        return batch_count(self.num_images, self.batch_size)

    def __iter__(self):
        """One pass over the data as NumPy arrays."""
        return self.dataset.as_numpy_iterator()

    def __repr__(self):
        return (
            f"Batches({self.num_images} images, {self.num_classes} classes, "
            f"batch_size={self.batch_size}, shuffle={self.shuffle}, path='{self.path}')"
        )


def get_batches(
    path,
    batch_size=64,
    shuffle=True,
    target_size=(224, 224),
    class_mode="categorical",
    seed=None,
    classes=None,
    on_bad_file="skip",
    limit=None,
    cache="auto",
    augment=None,
):
    """Batches of images from `path`/<class>/ files.

    target_size: (height, width) every image is resized to.
    class_mode:  "categorical" (one-hot labels), "sparse" (integer labels),
                 "binary" (0/1 as float32 of shape (batch, 1), for a sigmoid
                 output; needs exactly two classes) or None (images only).
    shuffle:     new order every epoch (repeatable with `seed`); use False to
                 keep predictions aligned with `filenames`.
    classes:     class folder names in label order (default: all, sorted).
    on_bad_file: "skip" (warn and leave unreadable files out) or "raise".
    limit:       use at most this many images: a repeatable random subset,
                 every class in proportion (e.g. limit=pick(quick=200, full=None)).
    cache:       where the first epoch keeps the resized images so later epochs
                 skip decoding: "memory", "disk", a Path (a disk cache there),
                 None (decode every epoch) or "auto" (see utils.image_cache).
    augment:     a function from a float32 batch of images to a batch of the same
                 shape (e.g. keras.Sequential([keras.layers.RandomFlip("horizontal")])),
                 applied after the cache, so every epoch sees new variations.
    """
    folder = _open_folder(path, classes, on_bad_file, limit, seed, class_mode)
    target_size = tuple(target_size)
    store = image_store(folder, target_size, cache)
    dataset = _image_dataset(
        folder, batch_size, shuffle, target_size, class_mode, seed, store=store, augment=augment
    )
    return Batches(folder, dataset, batch_size, class_mode, shuffle, cache=store.where if store else None)


def _open_folder(path, classes, on_bad_file, limit, seed, class_mode):
    """List and check the images, and say how many there are."""
    from utils.config import is_quick

    if class_mode not in CLASS_MODES:
        raise ValueError(f"class_mode={class_mode!r}: use one of {CLASS_MODES}")
    folder = list_images(path, classes, on_bad_file, limit=limit, seed=seed)
    if class_mode == "binary" and len(folder.class_names) != 2:
        raise ValueError(f"class_mode='binary' needs 2 classes; {path} has {folder.class_names}")
    print(
        f"Found {folder.found} images in {len(folder.class_names)} classes "
        f"under {folder.path}" + (" (generated data)" if is_generated(path) else "")
    )
    if limit is not None and limit < folder.found:
        why = "quick profile" if is_quick() else f"limit={limit}"
        print(f"using {len(folder.filenames)} of {folder.found} images ({why})")
    return folder


def _image_dataset(
    folder, batch_size, shuffle, target_size, class_mode, seed, store=None, augment=None, as_uint8=False
):
    """Batches of images (float32, or uint8 with as_uint8) and labels, decoded in
    parallel ahead of use; through `store` when given (see utils.image_cache)."""
    import tensorflow as tf

    files = [str(folder.path / name) for name in folder.filenames]
    decoders = [pick_decoder(kind, size, target_size) for kind, size in zip(folder.kinds, folder.sizes)]
    choices, decode = resizing_decoder(decoders, target_size)
    columns = (np.arange(len(files), dtype=np.int64), files, choices)
    if class_mode is not None:
        columns += (for_class_mode(folder.labels, len(folder.class_names), class_mode),)
    dataset = tf.data.Dataset.from_tensor_slices(columns)
    if shuffle:
        dataset = dataset.shuffle(len(files), seed=seed, reshuffle_each_iteration=True)

    def load(columns, complete=None):  # complete: the store held every image as the epoch began
        index, file, choice, *label = columns
        if store is None:
            return (index, decode(file, choice), *label)
        return (index, decoded_unless_stored(complete, lambda: decode(file, choice), target_size), *label)

    def finish(indices, images, *label):
        if store is not None:
            images = exchanged(store, indices, images)
        if not as_uint8:
            images = tf.cast(images, tf.float32)
        if augment is not None:
            images = augment(images)
        return (images, *label) if label else images

    # deterministic=True: parallel decoding, results still in file order.
    if store is None:
        dataset = dataset.map(lambda *columns: load(columns), tf.data.AUTOTUNE, deterministic=True)
    else:
        dataset = with_store_state(dataset, store).map(load, tf.data.AUTOTUNE, deterministic=True)
    dataset = dataset.batch(batch_size).map(finish, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return dataset.prefetch(tf.data.AUTOTUNE)


# ---------------------------------------------------------------- arrays on disk


def get_data(path, target_size=(224, 224), dest=None, batch_size=64, overwrite=True, limit=None):
    """All images under `path`/<class>/ as one uint8 array on disk (bcolz), in
    `filenames` order, written batch by batch so memory use stays small
    however many images there are. Decoded as get_batches decodes them
    (in parallel, ahead of writing), with the same pixels.

    dest:  where to write; default `<path's parent>/arrays/<name>_<h>x<w>.bc`.
    limit: at most this many images (see get_batches).
    Returns the array opened read-only: `x[:64]` reads 64 images into
    memory, `len(x)` counts them; use `load_array(dest)` to read it all.
    """
    import bcolz

    from utils.arrays import ArrayWriter

    path = Path(path)
    height, width = target_size
    dest = Path(dest) if dest is not None else path.parent / "arrays" / f"{path.name}_{height}x{width}.bc"
    folder = _open_folder(path, None, "skip", limit, None, class_mode=None)
    dataset = _image_dataset(folder, batch_size, False, (height, width), None, None, as_uint8=True)
    batches = batch_count(len(folder.filenames), batch_size)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with ArrayWriter(dest, overwrite=overwrite) as writer:
        for images in progress(
            dataset.as_numpy_iterator(), f"writing {dest.name}", "batch", batches, len(folder.filenames)
        ):
            writer.append(images)
    return bcolz.open(str(dest), mode="r")


# ---------------------------------------------------------------- augmentation


def augmenter(rotation=0.03, shift=0.08, zoom=0.1, contrast=0.2, flip=False, seed=None):
    """Random changes to a batch of images, as Keras preprocessing layers.

        augment = augmenter(seed=42)
        changed = augment(images, training=True)  # a new random version each call

    rotation: a fraction of a full turn (0.03 is about +-11 degrees); shift: a
    fraction of the height and width; zoom: a fraction of the size; contrast: a
    factor range around 1. Zero leaves that change out. flip=False by default:
    a mirrored picture can change the class (State Farm's right hand becomes a
    left hand). With training=False the images pass unchanged, as at prediction.
    Works on 0..255 float images from get_batches.
    """
    import keras

    layers = []
    if rotation:
        layers.append(keras.layers.RandomRotation(rotation, fill_mode="reflect", seed=seed))
    if shift:
        layers.append(keras.layers.RandomTranslation(shift, shift, fill_mode="reflect", seed=seed))
    if zoom:
        layers.append(keras.layers.RandomZoom(zoom, fill_mode="reflect", seed=seed))
    if contrast:
        layers.append(keras.layers.RandomContrast(contrast, value_range=(0, 255), seed=seed))
    if flip:
        layers.append(keras.layers.RandomFlip("horizontal", seed=seed))
    if not layers:
        raise ValueError("augmenter() with every change at zero would change nothing")
    return keras.Sequential(layers, name="augmenter")
