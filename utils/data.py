"""From a folder of images to batches a model can eat.

    batches = get_batches(path / "train")          # one sub-folder per class
    model.fit(batches.dataset, epochs=1)
    test = get_batches(path / "test", shuffle=False, class_mode=None)
    predictions = model.predict(test.dataset)      # row i is test.filenames[i]

Images come out as float32 RGB in 0..255, upright (EXIF orientation
applied), resized to `target_size`; each model does its own preprocessing.
Every file is checked when the folder is listed, so a broken image is
reported by name before training starts, never as a TensorFlow error in the
middle of an epoch.

Each image is decoded once: the first epoch keeps the resized uint8 pixels
(in memory when they fit, else in a file under build/image_cache), and later
epochs read them from there. Decoding runs in parallel and ahead of training.

TensorFlow is imported only when a pipeline is built, so `import utils.data`
stays quick.
"""

import contextlib
import hashlib
import os
import re
import shutil
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from utils._common import is_image_name, progress, publish
from utils.images import is_upright, read_image
from utils.provenance import is_generated

CLASS_MODES = ("categorical", "sparse", "binary", None)
# (format, mode) pairs TensorFlow decodes by itself; anything else goes through PIL.
TENSORFLOW_DECODES = {
    ("JPEG", "RGB"),
    ("JPEG", "L"),
    ("PNG", "RGB"),
    ("PNG", "RGBA"),
    ("PNG", "L"),
    ("PNG", "LA"),
}
# libjpeg can decode a JPEG at 1/2, 1/4 or 1/8 size for a fraction of the work;
# we use that only while the result is still at least the target size.
JPEG_SCALES = (1, 2, 4, 8)
PNG_DECODER, PIL_DECODER = len(JPEG_SCALES), len(JPEG_SCALES) + 1
CACHE_CHOICES = ("auto", "memory", "disk", None)
# cache="auto" keeps a folder's resized images in memory while they take at most this
# share of the RAM available when get_batches is called, else on disk. A quarter leaves
# room for the model, for a second folder (train and valid) and for everything else.
MEMORY_BUDGET_FRACTION = 0.25
CACHE_FORMAT = 1  # part of the disk cache key: bump it when decoding or resizing changes


# ---------------------------------------------------------------- listing and checking


@dataclass
class ImageFolder:
    """The images under `path`: one sub-folder per class."""

    path: Path
    class_names: list
    filenames: list  # relative to path, e.g. "cats/cat.1.jpg"
    labels: np.ndarray  # class index of each file
    kinds: np.ndarray  # "jpeg", "png", or "pil" for what TensorFlow can't decode (CMYK, GIF...)
    sizes: np.ndarray  # (width, height) of each file
    skipped: list  # (filename, reason) of unreadable files left out
    found: int  # images listed before `limit` picked some of them


def list_images(path, classes=None, on_bad_file="skip", limit=None, seed=None):
    """List and check every image under `path`/<class>/ (sub-folders included).

    classes:     class folder names in label order; default: all, sorted.
    on_bad_file: "skip" leaves unreadable files out with a warning naming
                 them; "raise" stops with an error naming them.
    limit:       keep at most this many images, each class in proportion to
                 its size (at least one each), picked at random with `seed`
                 (default 0) and kept in file order; only those are checked.
    Only .jpg, .jpeg and .png files count; other files (.DS_Store, Thumbs.db)
    and hidden files are ignored. A dataset folder (train/, valid/ ...) or
    class folders nested one level too deep are refused, not read as classes.
    """
    path = Path(path)
    if on_bad_file not in ("skip", "raise"):
        raise ValueError(f"on_bad_file={on_bad_file!r}: use 'skip' or 'raise'")
    class_names = list(classes) if classes is not None else _find_class_folders(path)
    filenames, labels = [], []
    for label, name in enumerate(class_names):
        in_class = _walk_images(path / name)
        filenames += [os.path.relpath(file, path) for file in in_class]
        labels += [label] * len(in_class)
    _check_no_empty_class(path, class_names, labels)  # before the slower file checks
    found = len(filenames)
    if limit is not None:
        keep = stratified_subset(labels, limit, len(class_names), seed)
        filenames, labels = [filenames[i] for i in keep], [labels[i] for i in keep]
    checking = progress(filenames, f"checking {path.name}")
    looks = [_inspect(path / name) for name in checking]  # (kind, size or reason)
    bad = [(name, reason) for name, (kind, reason) in zip(filenames, looks) if kind == "bad"]
    _report_bad_files(path, bad, on_bad_file)
    good = [
        (name, label, kind, size)
        for name, label, (kind, size) in zip(filenames, labels, looks)
        if kind != "bad"
    ]
    folder = ImageFolder(
        path,
        class_names,
        filenames=[name for name, _, _, _ in good],
        labels=np.array([label for _, label, _, _ in good], dtype=np.int64),
        kinds=np.array([kind for _, _, kind, _ in good], dtype=str),
        sizes=np.array([size for _, _, _, size in good], dtype=np.int64).reshape(-1, 2),
        skipped=bad,
        found=found,
    )
    _check_no_empty_class(path, class_names, folder.labels)  # bad files may empty a class
    return folder


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


def _find_class_folders(path):
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist{_missing_split_hint(path)}")
    if not path.is_dir():
        raise NotADirectoryError(f"{path} is a file; give the folder that holds one sub-folder per class")
    names = sorted(
        entry.name for entry in os.scandir(path) if entry.is_dir() and not entry.name.startswith(".")
    )
    if names:
        _check_not_nested(path, names)
        return names
    loose = [entry.name for entry in os.scandir(path) if is_image_name(entry.name)]
    if loose:
        raise ValueError(
            f"{path} holds {len(loose)} images but no class folders. Put each class in its "
            f"own sub-folder ({path}/cats/, {path}/dogs/, ...); for unlabelled images use a "
            f"single folder such as {path}/unknown/ with class_mode=None."
        )
    raise ValueError(f"{path} has no class folders (and no images): expected {path}/<class>/")


def _missing_split_hint(path):
    """What to do when a dataset's train/, valid/ or test/ folder is missing."""
    if path.name not in ("train", "valid", "test"):
        return ""
    if (path.parent / "train").is_dir():
        return (
            f"; {path.parent} is not split yet: run utils.prepare_dogscats (or "
            "utils.prepare_statefarm) on it first"
        )
    return "; download the data first (utils.download) or make the sample data (make data)"


def _check_not_nested(path, names):
    """Refuse the two layouts that would silently give the wrong classes."""
    if "train" in names and ("valid" in names or "test" in names):
        raise ValueError(
            f"{path} looks like a dataset folder (it holds {names}), not a "
            f"folder of classes: pass {path / 'train'} (or valid, test) instead."
        )
    if len(names) == 1:
        inner = path / names[0]
        entries = list(os.scandir(inner))
        subfolders = sorted(e.name for e in entries if e.is_dir() and not e.name.startswith("."))
        if len(subfolders) > 1 and not any(is_image_name(e.name) for e in entries):
            raise ValueError(
                f"{path} has a single folder, {names[0]}/, whose images are in its sub-folders "
                f"{subfolders}: the class folders are nested one level too deep. Pass {inner} "
                f"instead, or move {subfolders} up into {path}."
            )


def _walk_images(top):
    """Image files under `top`, sorted; follows links but stops at loops."""
    if not top.is_dir():
        raise FileNotFoundError(f"class folder {top} does not exist")
    found, seen = [], set()
    for folder, subfolders, names in os.walk(top, followlinks=True):
        info = os.stat(folder)
        if (info.st_dev, info.st_ino) in seen:
            raise ValueError(
                f"{folder} leads back to a folder already listed: a symbolic "
                "link loop. Remove or fix that link."
            )
        seen.add((info.st_dev, info.st_ino))
        subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
        found += [os.path.join(folder, name) for name in sorted(names) if is_image_name(name)]
    return found


def _check_no_empty_class(path, class_names, labels):
    counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=len(class_names))
    empty = [name for name, count in zip(class_names, counts) if count == 0]
    if empty:
        raise ValueError(
            f"these class folders of {path} hold no readable .jpg/.jpeg/.png "
            f"images: {empty}. Add images or remove the folders."
        )


def _inspect(file):
    """('jpeg' | 'png' | 'pil', (width, height)) or ('bad', reason), from a
    cheap look at the file.

    Reads only the header and the last bytes, unless the file is unusual;
    only then does PIL decode it fully to be sure it can be read.
    """
    from PIL import Image

    try:
        if os.path.getsize(file) == 0:
            return "bad", "empty file (0 bytes)"
        with Image.open(file) as image:
            upright = is_upright(image)  # TensorFlow ignores EXIF orientation
            if (
                upright
                and (image.format, image.mode) in TENSORFLOW_DECODES
                and _ends_cleanly(file, image.format)
            ):
                return image.format.lower(), image.size
            image.load()
            return "pil", image.size
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        return "bad", f"{type(error).__name__}: {error}"


def _ends_cleanly(file, image_format):
    """JPEGs end with the marker FFD9 and PNGs with an IEND chunk; a cut-off file doesn't."""
    with open(file, "rb") as handle:
        handle.seek(-12, os.SEEK_END)
        tail = handle.read()
    return tail.endswith(b"\xff\xd9") if image_format == "JPEG" else b"IEND" in tail


def _report_bad_files(path, bad, on_bad_file):
    if not bad:
        return
    listing = "\n".join(f"  {name}: {reason}" for name, reason in bad[:20])
    more = f"\n  ... and {len(bad) - 20} more" if len(bad) > 20 else ""
    if on_bad_file == "raise":
        raise ValueError(f"{len(bad)} unreadable images under {path}:\n{listing}{more}")
    warnings.warn(f"skipping {len(bad)} unreadable images under {path}:\n{listing}{more}", stacklevel=3)


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

    @property
    def classes(self):
        """Keras 1 name for `labels`, as used in the 2017 notebooks."""
        return self.labels

    @property
    def class_indices(self):
        return {name: index for index, name in enumerate(self.class_names)}

    def __len__(self):
        return -(-self.num_images // self.batch_size)  # ceiling division

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
                 skip decoding: "memory", "disk" (build/image_cache, reused by
                 later runs until a file changes), a Path: the disk cache's
                 folder, None (decode every epoch), or "auto": memory when they
                 take at most MEMORY_BUDGET_FRACTION of the available RAM, else disk.
    augment:     a function from a float32 batch of images to a batch of the same
                 shape (e.g. keras.Sequential([keras.layers.RandomFlip("horizontal")])),
                 applied after the cache, so every epoch sees new variations.
    """
    folder = _open_folder(path, classes, on_bad_file, limit, seed, class_mode)
    target_size = tuple(target_size)
    store = _image_store(folder, target_size, cache)
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
    parallel ahead of use; through `store` when given (see _ImageStore)."""
    import tensorflow as tf

    files = [str(folder.path / name) for name in folder.filenames]
    decoders = [_pick_decoder(kind, size, target_size) for kind, size in zip(folder.kinds, folder.sizes)]
    columns = (np.arange(len(files), dtype=np.int64), files, np.array(decoders, dtype=np.int32))
    if class_mode is not None:
        columns += (_encode_labels(folder.labels, len(folder.class_names), class_mode),)
    dataset = tf.data.Dataset.from_tensor_slices(columns)
    if shuffle:
        dataset = dataset.shuffle(len(files), seed=seed, reshuffle_each_iteration=True)

    def load(index, file, decoder, *label):
        image = (
            _through_store(store, index, file, decoder, target_size)
            if store
            else _resized_uint8(file, decoder, target_size)
        )
        return (image, *label)

    def finish(images, *label):
        if not as_uint8:
            images = tf.cast(images, tf.float32)
        if augment is not None:
            images = augment(images)
        return (images, *label) if label else images

    # deterministic=True: parallel decoding, results still in file order.
    dataset = dataset.map(load, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    dataset = dataset.batch(batch_size).map(finish, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return dataset.prefetch(tf.data.AUTOTUNE)


def _resized_uint8(file, decoder, target_size):
    """One image decoded and resized (bilinear), rounded to uint8 as a cache keeps it."""
    import tensorflow as tf

    image = tf.image.resize(_decode(file, decoder), target_size)
    return tf.cast(tf.round(tf.clip_by_value(image, 0, 255)), tf.uint8)


def _through_store(store, index, file, decoder, target_size):
    """Image `index` from the store, or decoded now and handed to the store."""
    import tensorflow as tf

    found, kept = tf.numpy_function(store.get, [index], (tf.bool, tf.uint8), stateful=True)

    def decode_and_keep():
        image = _resized_uint8(file, decoder, target_size)
        stored = tf.numpy_function(store.put, [index, image], tf.bool, stateful=True)
        with tf.control_dependencies([stored]):
            return tf.identity(image)

    image = tf.cond(tf.reshape(found, []), lambda: tf.reshape(kept, (*target_size, 3)), decode_and_keep)
    image.set_shape((*target_size, 3))
    return image


# ---------------------------------------------------------------- the decoded-image cache


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
        self._nothing = np.zeros((0, 0, 3), np.uint8)

    @classmethod
    def in_memory(cls, count, target_size):
        return cls(np.empty((count, *target_size, 3), np.uint8), np.zeros(count, bool), "memory")

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

    def get(self, index):
        if self.have[index]:
            return np.True_, self.images[index]
        return np.False_, self._nothing

    def put(self, index, image):
        if not self.have[index]:
            self.images[index] = image
            self.have[index] = True
            self._missing -= 1
            if self._missing == 0 and self._finished_path is not None:
                self.images.flush()
                publish(self.images.filename, self._finished_path)  # the map stays valid
        return np.True_


def _image_store(folder, target_size, cache):
    """The store that `cache` asks for (see get_batches), or None."""
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
    except PermissionError:
        return True
    return True


def _encode_labels(labels, num_classes, class_mode):
    if class_mode == "categorical":
        return np.eye(num_classes, dtype=np.float32)[labels]
    if class_mode == "binary":
        return labels.astype(np.float32).reshape(-1, 1)
    return labels.astype(np.int32)


def _pick_decoder(kind, size, target_size):
    """Index of the decoder for one file (see _decode)."""
    if kind == "pil":
        return PIL_DECODER
    if kind == "png":
        return PNG_DECODER
    width, height = size
    fits = [
        i
        for i, scale in enumerate(JPEG_SCALES)
        if width // scale >= target_size[1] and height // scale >= target_size[0]
    ]
    return max(fits, default=0)


def _decode(file, decoder):
    """uint8 RGB pixels: TensorFlow's decoders, or PIL for unusual files."""
    import tensorflow as tf

    def jpeg(scale):
        # INTEGER_FAST: about twice the decoding speed (bench/pipeline.py); its error
        # is far below what the resize to the model's input size averages away.
        return lambda: tf.io.decode_jpeg(
            tf.io.read_file(file), channels=3, ratio=scale, dct_method="INTEGER_FAST"
        )

    branches = [jpeg(scale) for scale in JPEG_SCALES]
    branches += [
        lambda: tf.io.decode_png(tf.io.read_file(file), channels=3),  # PNG_DECODER
        lambda: tf.py_function(_read_with_pil, [file], tf.uint8),
    ]  # PIL_DECODER
    image = tf.switch_case(decoder, branches)
    image.set_shape([None, None, 3])
    return image


def _read_with_pil(file):
    return read_image(file.numpy().decode())


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
    batches = -(-len(folder.filenames) // batch_size)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with ArrayWriter(dest, overwrite=overwrite) as writer:
        for images in progress(
            dataset.as_numpy_iterator(), f"writing {dest.name}", "batch", batches, len(folder.filenames)
        ):
            writer.append(images)
    return bcolz.open(str(dest), mode="r")


def get_classes(path):
    """Labels and file names of a prepared dataset, without loading any image.

    Returns a dict with train_labels, valid_labels, train_filenames,
    valid_filenames, test_filenames and class_names.
    """
    path = Path(path)
    train = list_images(path / "train")
    valid = list_images(path / "valid", classes=train.class_names)
    test = list_images(path / "test") if (path / "test").is_dir() else None
    return {
        "class_names": train.class_names,
        "train_labels": train.labels,
        "valid_labels": valid.labels,
        "train_filenames": train.filenames,
        "valid_filenames": valid.filenames,
        "test_filenames": test.filenames if test else [],
    }


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
