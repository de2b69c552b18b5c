"""bench finetune: "fine-tune the head for 3 epochs", cached features against the naive path.

Same IMAGES photo crops (224x224, 2 classes), same Vgg16, one run:
  cached: compute_features once (the frozen VGG16 up to fc2), then 3 epochs
          of fit_head on the saved 4096-d features;
  naive:  3 epochs of fit on the images, each running the whole frozen network.
The feature pass is timed before and after the naive epochs and averaged, so
a machine that gets busier or quieter during the run favours neither path.
Untrained weights: speed does not depend on them. Run from the repo root:
  .venv/bin/python bench/finetune.py
"""
import math
import time

import numpy as np
from machine import print_machine
from photos import photo_crops

IMAGES, BATCH, EPOCHS = 200, 32, 3
TARGET = 0.40  # cached wall time over naive wall time


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

    from utils.models import Vgg16

    print_machine()
    keras.utils.set_random_seed(0)
    crops, labels = photo_crops(IMAGES)
    batches = PhotoBatches(crops.astype(np.float32), labels)
    vgg = Vgg16(weights=None)

    vgg.finetune(batches)
    first_pass_s, (features, labels) = timed(lambda: vgg.compute_features(batches))
    vgg.standardize_head(features)  # the naive head starts standardized too
    naive_epochs = [timed(lambda: vgg.fit(batches, epochs=1, verbose=0)) for _ in range(EPOCHS)]
    naive_s = sum(seconds for seconds, _ in naive_epochs)
    naive_accuracy = naive_epochs[-1][1].history["accuracy"][-1]
    second_pass_s, _ = timed(lambda: vgg.compute_features(batches))
    features_s = (first_pass_s + second_pass_s) / 2

    vgg.finetune(batches)  # a fresh head for the cached path
    head_s, history = timed(lambda: vgg.fit_head(features, labels, epochs=EPOCHS, verbose=0))
    cached_s = features_s + head_s
    cached_accuracy = history.history["accuracy"][-1]

    # cached(k) = features_s + k * head epoch; naive(k) = k * naive epoch.
    naive_epoch, head_epoch = naive_s / EPOCHS, head_s / EPOCHS
    break_even = features_s / (naive_epoch - head_epoch)
    ratio = cached_s / naive_s
    print(f"{IMAGES} images 224x224, batch {BATCH}, {EPOCHS} epochs (untrained weights)")
    print(f"{'path':<10}{'wall s':>9}{'per epoch s':>13}{'train acc':>11}")
    print(f"{'cached':<10}{cached_s:>9.1f}{head_epoch:>13.2f}{cached_accuracy:>11.3f}"
          f"   (includes the feature pass, once: {features_s:.1f} s, mean of "
          f"{first_pass_s:.1f} and {second_pass_s:.1f})")
    print(f"{'naive':<10}{naive_s:>9.1f}{naive_epoch:>13.2f}{naive_accuracy:>11.3f}")
    print(f"break-even: cached is faster from {break_even:.2f} epochs, i.e. "
          f"{math.ceil(break_even)} epoch(s) or more")
    verdict = "PASS" if ratio <= TARGET else "MISS"
    print(f"bench finetune: cached_over_naive={ratio:.3f} target <={TARGET} {verdict}")


if __name__ == "__main__":
    main()
