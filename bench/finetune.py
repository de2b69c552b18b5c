"""bench finetune: "fine-tune the head for 3 epochs", cached features against the naive path.

Same IMAGES photo crops (224x224, 2 classes), same Vgg16, one run:
  cached: compute_features once (the frozen VGG16 up to fc2), then 3 epochs
          of fit_head on the saved 4096-d features;
  naive:  3 epochs of fit on the images, each running the whole frozen network.
  plain:  the same extractor's model.predict over the same dataset in one call:
          the feature pass should run at least FEATURES_TARGET of its rate.
The feature pass and plain inference are each timed before and after the naive
epochs (in the order features, plain ... plain, features) and averaged, so a
machine that gets busier or quieter during the run favours neither. The first
of each includes tracing its graph, as a learner's first call does.
Untrained weights: speed does not depend on them. Run from the repo root:
  .venv/bin/python bench/finetune.py
"""

import math
import time

import numpy as np
from machine import print_machine
from photos import photo_crops

IMAGES, BATCH, EPOCHS = 200, 32, 3
TARGET = 0.36  # cached wall time over naive wall time
FEATURES_TARGET = 0.95  # feature pass images/s over plain inference images/s


class PhotoBatches:
    """Crops in memory as a tf.data pipeline: the parts of utils.data.Batches used here."""

    def __init__(self, images, labels, class_names=("china", "flower"), batch_size=BATCH):
        import tensorflow as tf

        self.class_names, self.batch_size = list(class_names), batch_size
        self.labels, self.num_images = labels, len(labels)
        onehot = np.eye(len(class_names), dtype=np.float32)[labels]
        self.dataset = tf.data.Dataset.from_tensor_slices((images, onehot)).batch(batch_size)


def timed(work):
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def main():
    import keras

    from utils.features import images_of
    from utils.models import Vgg16

    print_machine()
    keras.utils.set_random_seed(0)
    crops, labels = photo_crops(IMAGES)
    batches = PhotoBatches(crops.astype(np.float32), labels)
    vgg = Vgg16(weights=None)
    vgg.finetune(batches)
    extractor = vgg.feature_extractor()

    def plain_inference():
        return extractor.predict(batches.dataset.map(images_of), verbose=0)

    first_pass_s, (features, labels) = timed(lambda: vgg.compute_features(batches))
    plain_s = [timed(plain_inference)[0]]
    vgg.standardize_head(features)  # the naive head starts standardized too
    naive_epochs = [timed(lambda: vgg.fit(batches, epochs=1, verbose=0)) for _ in range(EPOCHS)]
    naive_s = sum(seconds for seconds, _ in naive_epochs)
    naive_accuracy = naive_epochs[-1][1].history["accuracy"][-1]
    plain_s.append(timed(plain_inference)[0])
    second_pass_s, _ = timed(lambda: vgg.compute_features(batches))
    features_s = (first_pass_s + second_pass_s) / 2
    features_rate, plain_rate = IMAGES / features_s, IMAGES * 2 / sum(plain_s)

    vgg.finetune(batches)  # a fresh head for the cached path
    head_s, history = timed(lambda: vgg.fit_head(features, labels, epochs=EPOCHS, verbose=0))
    cached_s = features_s + head_s
    cached_accuracy = history.history["accuracy"][-1]

    # cached(k) = features_s + k * head epoch; naive(k) = k * naive epoch.
    naive_epoch, head_epoch = naive_s / EPOCHS, head_s / EPOCHS
    break_even = features_s / (naive_epoch - head_epoch)
    ratio, features_ratio = cached_s / naive_s, features_rate / plain_rate
    print(f"{IMAGES} images 224x224, batch {BATCH}, {EPOCHS} epochs (untrained weights)")
    print(f"{'path':<10}{'wall s':>9}{'per epoch s':>13}{'train acc':>11}")
    print(
        f"{'cached':<10}{cached_s:>9.1f}{head_epoch:>13.2f}{cached_accuracy:>11.3f}"
        f"   (includes the feature pass, once: {features_s:.1f} s, mean of "
        f"{first_pass_s:.1f} and {second_pass_s:.1f})"
    )
    print(f"{'naive':<10}{naive_s:>9.1f}{naive_epoch:>13.2f}{naive_accuracy:>11.3f}")
    print(
        f"break-even: cached is faster from {break_even:.2f} epochs, i.e. "
        f"{math.ceil(break_even)} epoch(s) or more"
    )
    print(f"{'pass':<36}{'images/s':>10}")
    print(f"{'feature pass (compute_features)':<36}{features_rate:>10.2f}")
    print(
        f"{'plain inference (model.predict)':<36}{plain_rate:>10.2f}"
        f"   (mean of {plain_s[0]:.1f} and {plain_s[1]:.1f} s)"
    )
    print(f"{'naive training epoch':<36}{IMAGES / naive_epoch:>10.2f}")
    verdict = "PASS" if ratio <= TARGET and features_ratio >= FEATURES_TARGET else "MISS"
    print(
        f"bench finetune: cached_over_naive={ratio:.3f} target <={TARGET}, "
        f"features_over_predict={features_ratio:.3f} target >={FEATURES_TARGET} {verdict}"
    )


if __name__ == "__main__":
    main()
