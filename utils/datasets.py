"""Small image datasets from keras.datasets, with honest offline stand-ins.

`load_mnist` and `load_cifar10` first ask Keras for the real dataset (it
downloads once into ~/.keras/datasets). When that fails, most often because
there is no network, they say so and fall back:

* MNIST -> scikit-learn's bundled 8x8 handwritten digits (a real, scanned
  dataset of 1,797 images), enlarged to MNIST's 28x28 layout;
* CIFAR-10 -> generated 32x32 colour pictures of 10 shapes (utils.synthetic_shapes).
  Accuracy on them shows that the code works, not how well the network does on
  photographs.

Both return an `ImageData` with train / validation / test splits, made with
utils.subsets' `stratified_split` so every class keeps its share.
Images stay uint8 in 0..255, as Keras ships them; the notebooks scale them.
"""

from dataclasses import dataclass, field

import numpy as np

from utils.provenance import Caveat, is_offline_error, note
from utils.subsets import stratified_split, stratified_subset
from utils.synthetic_shapes import SHAPE_CLASSES, make_shape_images

MNIST_CLASSES = [str(d) for d in range(10)]
CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


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
        return Caveat(generated=self.generated, stand_in=self.stand_in)

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
    splits = (valid_size, test_size, max_train, seed)
    official, reason = _keras_dataset("mnist", download)
    if official:
        source = "keras.datasets.mnist: 70,000 handwritten digits, 28x28"
        return _from_official("mnist", official, MNIST_CLASSES, splits, source)
    source = "scikit-learn's 8x8 digits (1,797 real scans), enlarged to 20x20 and centred in 28x28 like MNIST"
    data = _split_all("sklearn-digits", _sklearn_digits_28(), MNIST_CLASSES, splits, source, generated=False)
    data.stand_in = "scikit-learn digits standing in for MNIST"
    return _fell_back(
        data,
        "MNIST",
        reason,
        "Falling back to scikit-learn's 1,797 real 8x8 handwritten digits, enlarged to 28x28. They are "
        "easier and far fewer than MNIST's 70,000, so accuracies here are not MNIST results.",
    )


def load_cifar10(valid_size=5000, test_size=0.2, max_train=None, seed=42, download=True, n_generated=6000):
    """CIFAR-10 (32x32 colour photos) or, offline, generated 32x32 shape pictures.

    Arguments as for `load_mnist`; `n_generated` is how many pictures the
    offline stand-in draws in total before splitting.
    """
    splits = (valid_size, test_size, max_train, seed)
    official, reason = _keras_dataset("cifar10", download)
    if official:
        source = "keras.datasets.cifar10: 60,000 colour photos, 32x32"
        return _from_official("cifar10", official, CIFAR10_CLASSES, splits, source)
    source = f"{n_generated:,} GENERATED 32x32 colour pictures of 10 shapes (utils.make_shape_images)"
    data = _split_all(
        "generated-shapes",
        make_shape_images(n_generated, seed=seed),
        SHAPE_CLASSES,
        splits,
        source,
        generated=True,
    )
    return _fell_back(
        data,
        "CIFAR-10",
        reason,
        "Using GENERATED 32x32 colour pictures of 10 shapes instead (random colours, sizes, positions "
        "and noise). Results on them show the code working, not CIFAR-10 accuracy.",
    )


# ------------------------------------------------------------------ helpers


def _keras_dataset(name, download):
    """(keras.datasets.<name>'s ((x_train, y_train), (x_test, y_test)), None), or (None, why not)
    when it can't be had offline; any other error is raised."""
    if not download:
        return None, "download=False"
    try:
        import keras

        return getattr(keras.datasets, name).load_data(), None
    except Exception as error:
        if not is_offline_error(error):
            raise
        return None, _short(error)


def _fell_back(data, asked, reason, what_instead):
    """Record and say (one NOTE) that `data` stands in for the dataset `asked` for."""
    data.notes.append(f"{asked} could not be loaded ({reason})")
    note(f"{asked} is not available ({reason}).\n{what_instead}")
    return data


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


def _from_official(name, official, class_names, splits, source):
    """A dataset that ships train and test: validation comes out of train."""
    (x_train, y_train), (x_test, y_test) = official
    valid_size, _, max_train, seed = splits
    y_train, y_test = np.asarray(y_train, np.int64).ravel(), np.asarray(y_test, np.int64).ravel()
    x_train, x_valid, y_train, y_valid = stratified_split(x_train, y_train, valid_size, seed)
    x_train, y_train = _limit(x_train, y_train, max_train, seed)
    arrays = (x_train, y_train, x_valid, y_valid, x_test, y_test)
    return ImageData(name, *arrays, list(class_names), real=True, generated=False, source=source)


def _split_all(name, images_and_labels, class_names, splits, source, *, generated):
    """A stand-in without official splits: carve test, then validation, out of it."""
    valid_size, test_size, max_train, seed = splits
    x_rest, x_test, y_rest, y_test = stratified_split(*images_and_labels, test_size, seed)
    if isinstance(valid_size, int) and valid_size >= len(y_rest) // 2:
        valid_size = 0.2  # an MNIST-sized request on a small stand-in: keep a fifth
    x_train, x_valid, y_train, y_valid = stratified_split(x_rest, y_rest, valid_size, seed + 1)
    x_train, y_train = _limit(x_train, y_train, max_train, seed)
    arrays = (x_train, y_train, x_valid, y_valid, x_test, y_test)
    return ImageData(name, *arrays, list(class_names), real=False, generated=generated, source=source)


def _limit(x, y, max_count, seed):
    if max_count is None or max_count >= len(y):
        return x, y
    keep = stratified_subset(y, max_count, int(np.max(y)) + 1, seed)
    return x[keep], y[keep]


def _short(error):
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 160 else text[:157] + "..."
