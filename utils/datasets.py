"""Small image datasets from keras.datasets, with honest offline stand-ins.

`load_mnist` and `load_cifar10` first ask Keras for the real dataset (it
downloads once into ~/.keras/datasets). When that fails, most often because
there is no network, they say so and fall back:

* MNIST -> scikit-learn's bundled 8x8 handwritten digits (a real, scanned
  dataset of 1,797 images), enlarged to MNIST's 28x28 layout;
* CIFAR-10 -> generated 32x32 colour pictures of 10 shapes, drawn here with
  random colours, sizes, positions and noise. Accuracy on them shows that the
  code works, not how well the network does on photographs.

Both return an `ImageData` with train / validation / test splits, made with
scikit-learn's stratified `train_test_split` so every class keeps its share.
Images stay uint8 in 0..255, as Keras ships them; the notebooks scale them.
"""

from dataclasses import dataclass, field

import numpy as np

from utils._common import caveat, is_offline_error
from utils.subsets import stratified_subset

MNIST_CLASSES = [str(d) for d in range(10)]
CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
SHAPE_CLASSES = [
    "disc",
    "ring",
    "square",
    "frame",
    "triangle",
    "plus",
    "x-cross",
    "h-stripes",
    "v-stripes",
    "checkers",
]


@dataclass
class ImageData:
    """Images (uint8, N x H x W [x C]) and integer labels, in three splits.

    `real` is True when the dataset asked for was loaded, False for a fallback;
    `generated` is True when the pixels were drawn by code rather than scanned
    or photographed. `source` says in words where the images came from;
    `stand_in` names real data used in place of the dataset asked for.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_valid: np.ndarray
    y_valid: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: list
    real: bool
    generated: bool
    source: str
    notes: list = field(default_factory=list)
    stand_in: str | None = None

    @property
    def caveat(self):
        """'  [generated data]' or '  [... standing in for MNIST]'; '' for the real dataset."""
        return caveat(generated=self.generated, stand_in=self.stand_in)

    @property
    def num_classes(self):
        return len(self.class_names)

    @property
    def image_shape(self):
        return self.x_train.shape[1:]

    def describe(self):
        """A few lines: what the data is, where it came from, split sizes."""
        kind = "real" if self.real else ("GENERATED stand-in" if self.generated else "fallback")
        lines = [
            f"{self.name} ({kind}): {self.source}",
            f"  train {len(self.y_train):,}  valid {len(self.y_valid):,}  "
            f"test {len(self.y_test):,}  image shape {self.image_shape}  "
            f"{self.num_classes} classes",
        ]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)

    def __repr__(self):
        return self.describe()


def load_mnist(valid_size=5000, test_size=0.2, max_train=None, seed=42, download=True):
    """MNIST (28x28 grey digits) or, offline, scikit-learn's digits enlarged to 28x28.

    valid_size: images (int) or fraction (float) of the training set held out
        for validation, stratified by class.
    test_size: only for the fallback, which has no official test set.
    max_train: keep at most this many training images (stratified), for quick runs.
    download: False skips Keras and goes straight to the fallback.
    """
    if download:
        try:
            import keras

            (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
        except Exception as error:
            if not is_offline_error(error):
                raise
            reason = _short(error)
        else:
            return _from_official(
                "mnist",
                x_train,
                y_train,
                x_test,
                y_test,
                MNIST_CLASSES,
                valid_size,
                max_train,
                seed,
                "keras.datasets.mnist: 70,000 handwritten digits, 28x28",
            )
    else:
        reason = "download=False"

    images, labels = _sklearn_digits_28()
    data = _split_all(
        "sklearn-digits",
        images,
        labels,
        MNIST_CLASSES,
        valid_size,
        test_size,
        max_train,
        seed,
        real=False,
        generated=False,
        source="scikit-learn's bundled 8x8 digits (1,797 real scans), "
        "enlarged to 20x20 and centred in 28x28 like MNIST",
    )
    data.stand_in = "scikit-learn digits standing in for MNIST"
    data.notes.append(f"MNIST could not be loaded ({reason})")
    _announce(
        f"MNIST is not available ({reason}).\n"
        "Falling back to scikit-learn's 1,797 real 8x8 handwritten digits, enlarged to "
        "28x28. They are easier and far fewer than MNIST's 70,000, so accuracies here "
        "are not MNIST results."
    )
    return data


def load_cifar10(valid_size=5000, test_size=0.2, max_train=None, seed=42, download=True, n_generated=6000):
    """CIFAR-10 (32x32 colour photos) or, offline, generated 32x32 shape pictures.

    Arguments as for `load_mnist`; `n_generated` is how many pictures the
    offline stand-in draws in total before splitting.
    """
    if download:
        try:
            import keras

            (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
        except Exception as error:
            if not is_offline_error(error):
                raise
            reason = _short(error)
        else:
            return _from_official(
                "cifar10",
                x_train,
                y_train.ravel(),
                x_test,
                y_test.ravel(),
                CIFAR10_CLASSES,
                valid_size,
                max_train,
                seed,
                "keras.datasets.cifar10: 60,000 colour photos, 32x32",
            )
    else:
        reason = "download=False"

    images, labels = make_shape_images(n_generated, seed=seed)
    data = _split_all(
        "generated-shapes",
        images,
        labels,
        SHAPE_CLASSES,
        valid_size,
        test_size,
        max_train,
        seed,
        real=False,
        generated=True,
        source=f"{n_generated:,} GENERATED 32x32 colour pictures of 10 shapes "
        "(utils.datasets.make_shape_images)",
    )
    data.notes.append(f"CIFAR-10 could not be loaded ({reason})")
    _announce(
        f"CIFAR-10 is not available ({reason}).\n"
        "Using GENERATED 32x32 colour pictures of 10 shapes instead (random colours, "
        "sizes, positions and noise). Results on them show the code working, "
        "not CIFAR-10 accuracy."
    )
    return data


def make_shape_images(n, seed=0, size=32):
    """`n` generated colour pictures (uint8, n x size x size x 3) of 10 shape classes.

    Classes follow SHAPE_CLASSES. Colours, backgrounds, sizes and positions are
    random and shared by all classes, so only the shape tells the class apart.
    """
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % len(SHAPE_CLASSES)
    rng.shuffle(labels)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)

    # background: a random colour fading linearly into another, in a random direction
    start, end = rng.uniform(0, 1, (2, n, 1, 1, 3)).astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi, (n, 1, 1)).astype(np.float32)
    ramp = (np.cos(angle) * xx + np.sin(angle) * yy) / (2 * size) + 0.5
    images = start + (end - start) * ramp[..., None]

    # the object: its own random colour, centre and size
    colour = rng.uniform(0, 1, (n, 3)).astype(np.float32)
    too_close = np.abs(colour - images.mean(axis=(1, 2))).sum(axis=1) < 0.6
    colour[too_close] = 1 - colour[too_close]  # keep it visible against the background
    cy, cx = rng.uniform(0.35 * size, 0.65 * size, (2, n))
    radius = rng.uniform(0.2 * size, 0.33 * size, n)
    period = rng.uniform(3.0, 6.0, n)
    thickness = rng.uniform(0.12, 0.25, n)

    for label in range(len(SHAPE_CLASSES)):
        idx = np.flatnonzero(labels == label)
        if idx.size == 0:
            continue
        mask = _shape_mask(
            label,
            yy,
            xx,
            cy[idx, None, None],
            cx[idx, None, None],
            radius[idx, None, None],
            period[idx, None, None],
            thickness[idx, None, None],
        )
        images[idx] = np.where(mask[..., None], colour[idx, None, None, :], images[idx])

    images += 0.06 * rng.standard_normal(images.shape, dtype=np.float32)
    return (np.clip(images, 0, 1) * 255).round().astype(np.uint8), labels.astype(np.int64)


def _shape_mask(label, yy, xx, cy, cx, r, period, thickness):
    dy, dx = yy - cy, xx - cx
    dist = np.sqrt(dy**2 + dx**2)
    inside_box = (np.abs(dy) <= r) & (np.abs(dx) <= r)
    band = thickness * r  # half-width of lines, relative to the shape's size
    name = SHAPE_CLASSES[label]
    if name == "disc":
        return dist <= r
    if name == "ring":
        return np.abs(dist - 0.75 * r) <= band
    if name == "square":
        return (np.abs(dy) <= 0.8 * r) & (np.abs(dx) <= 0.8 * r)
    if name == "frame":
        edge = np.maximum(np.abs(dy), np.abs(dx))
        return np.abs(edge - 0.8 * r) <= band
    if name == "triangle":  # apex up: inside when below the two slanted edges
        return (dy <= 0.8 * r) & (dy >= -0.8 * r + 2 * np.abs(dx) * 0.8)
    if name == "plus":
        return inside_box & ((np.abs(dy) <= band) | (np.abs(dx) <= band))
    if name == "x-cross":
        return inside_box & (np.abs(np.abs(dy) - np.abs(dx)) <= 1.4 * band)
    if name == "h-stripes":
        return inside_box & ((yy % period) < period / 2)
    if name == "v-stripes":
        return inside_box & ((xx % period) < period / 2)
    if name == "checkers":
        return inside_box & (((yy // (period / 1.5)) + (xx // (period / 1.5))) % 2 == 0)
    raise ValueError(f"no shape for label {label}")


# ------------------------------------------------------------------ helpers


def _sklearn_digits_28():
    """scikit-learn's 8x8 digits (values 0..16) as MNIST-like 28x28 uint8 images."""
    from PIL import Image
    from sklearn.datasets import load_digits

    digits = load_digits()
    out = np.zeros((len(digits.images), 28, 28), dtype=np.uint8)
    for i, small in enumerate(digits.images):
        big = Image.fromarray(small.astype(np.float32), mode="F").resize((20, 20), Image.Resampling.BILINEAR)
        out[i, 4:24, 4:24] = np.clip(np.asarray(big) * (255 / 16), 0, 255).round()
    return out, digits.target.astype(np.int64)


def _from_official(name, x_train, y_train, x_test, y_test, class_names, valid_size, max_train, seed, source):
    """A dataset that ships train and test: validation comes out of train."""
    y_train, y_test = np.asarray(y_train, np.int64).ravel(), np.asarray(y_test, np.int64).ravel()
    x_train, x_valid, y_train, y_valid = _stratified_split(x_train, y_train, valid_size, seed)
    x_train, y_train = _limit(x_train, y_train, max_train, seed)
    return ImageData(
        name,
        x_train,
        y_train,
        x_valid,
        y_valid,
        x_test,
        y_test,
        list(class_names),
        real=True,
        generated=False,
        source=source,
    )


def _split_all(
    name, images, labels, class_names, valid_size, test_size, max_train, seed, *, real, generated, source
):
    """A dataset without official splits: carve test, then validation, out of it."""
    x_rest, x_test, y_rest, y_test = _stratified_split(images, labels, test_size, seed)
    if isinstance(valid_size, int) and valid_size >= len(y_rest) // 2:
        valid_size = 0.2  # an MNIST-sized request on a small stand-in: keep a fifth
    x_train, x_valid, y_train, y_valid = _stratified_split(x_rest, y_rest, valid_size, seed + 1)
    x_train, y_train = _limit(x_train, y_train, max_train, seed)
    return ImageData(
        name,
        x_train,
        y_train,
        x_valid,
        y_valid,
        x_test,
        y_test,
        list(class_names),
        real=real,
        generated=generated,
        source=source,
    )


def _stratified_split(x, y, held_out, seed):
    """(x_keep, x_held, y_keep, y_held), every class in the same proportion in both."""
    from sklearn.model_selection import train_test_split

    return train_test_split(x, y, test_size=held_out, stratify=y, random_state=seed)


def _limit(x, y, max_count, seed):
    if max_count is None or max_count >= len(y):
        return x, y
    keep = stratified_subset(y, max_count, int(np.max(y)) + 1, seed)
    return x[keep], y[keep]


def _short(error):
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def _announce(message):
    print("NOTE: " + message.replace("\n", "\n      "))
