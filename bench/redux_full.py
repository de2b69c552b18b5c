"""bench redux_full: notebook 02 end to end at Kaggle's scale on this machine, in minutes.

A generated set in Kaggle's raw layout and image size (about 500x375 JPEGs from
utils.synthetic): 25,000 labelled images (train/cat.N.jpg, train/dog.N.jpg) and
12,500 test images, made once under build/redux_full/ (in parallel over the
cores; its time is printed) and reused by later runs. Each run splits a fresh
hard-linked copy and runs 02's full pipeline through the course's own API
(bench/lesson.py): split, list and check, features once for train, valid and
test, 3 head epochs, the clip level chosen on validation, a checked submission
CSV. It prints each stage's seconds, and what decoding alone and the network
alone would take for all the images (measured on a sample), so a miss says
which stage holds it back.

Targets, at full scale (37,500 images): EfficientNet-Lite0 <= 10 minutes,
VGG16 in the dtype policy this machine runs it fastest in <= 40 minutes.
`--images N` runs N labelled images (and N/2 test) instead, at two sizes (N/2
and N): the bench extrapolates to full scale from the larger run only where the
cost per image of the two agrees within 10 % (linear cost), and misses otherwise.
Run from the repo root (the full-scale run wants a quiet machine):
  .venv/bin/python bench/redux_full.py --network lite0
  .venv/bin/python bench/redux_full.py --network vgg16 --images 10000
"""

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from lesson import (
    BATCH_SIZE,
    KAGGLE_TEST,
    KAGGLE_TRAIN,
    NETWORKS,
    bare_decode_seconds,
    bare_forward_seconds,
    decoded_images,
    dtype_policy_for,
    generated_set,
    network_class,
    run_lesson,
    working_copy,
)
from machine import print_machine

import utils

TARGET_MINUTES = {"lite0": 10, "vgg16": 40}
LINEAR_TOLERANCE = 0.10  # per-image cost of the two sizes may differ by this share
SAMPLE = 256  # images timed for the decode-alone and network-alone rates


def one_size(network, policy, n_train):
    """Run the lesson on n_train labelled + n_train/2 test images; returns (Stages, facts)."""
    n_test = n_train * KAGGLE_TEST // KAGGLE_TRAIN
    generated, generate_s = generated_set(n_train, n_test)
    if generate_s:
        rate = (n_train + n_test) / generate_s
        print(
            f"generated {n_train} + {n_test} JPEGs in {generate_s:.0f} s ({rate:.0f} images/s), "
            "kept for reuse"
        )
    else:
        print(f"reusing the generated set {generated} ({n_train} + {n_test} JPEGs)")
    run = utils.build_root() / "redux_full" / f"run-{network}"
    raw = working_copy(generated, run / "dogscats")
    stages, facts = run_lesson(raw, network, policy, run / "results")
    print(stages.table())
    print(
        f"split {facts['counts']}; best epoch {facts['best_epoch']}, validation accuracy "
        f"{facts['val_accuracy']:.3f}, clip {facts['clip']}; {facts['submission']}"
    )
    return stages, facts


def holding_back(stages, facts, policy):
    """What decoding alone and the network alone take for all the lesson's images."""
    test = facts["test_batches"]
    files = [test.path / name for name in test.filenames[:SAMPLE]]
    images = decoded_images(files)
    decode_rate = len(files) / bare_decode_seconds(files)
    forward_rate = len(images) / bare_forward_seconds(facts["model"].feature_extractor(), images)
    features_s = sum(s for name, s in stages.seconds.items() if name.startswith("features"))
    n = facts["images"]
    rest = stages.total - features_s
    print(
        f"for all {n} images: decoding alone {n / decode_rate:.0f} s ({decode_rate:.0f} images/s, bare "
        f"tf.data), the network alone {n / forward_rate:.0f} s ({forward_rate:.1f} images/s, {policy}); "
        f"the feature passes took {features_s:.0f} s, the rest {rest:.0f} s"
    )
    parts = {"decode": n / decode_rate, "network": n / forward_rate, "the rest": rest}
    return max(parts, key=parts.get)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--network", choices=sorted(NETWORKS), default="lite0")
    parser.add_argument("--images", type=int, default=KAGGLE_TRAIN, help="labelled images (test: half)")
    args = parser.parse_args()
    network_class(args.network)  # fails early, with the fix, for a network not in utils yet
    print_machine()
    policy, why = dtype_policy_for(args.network)
    print(f"network: {args.network}, batch {BATCH_SIZE}, dtype policy {policy}: {why}")
    full_images = KAGGLE_TRAIN + KAGGLE_TEST
    sizes = [args.images] if args.images >= KAGGLE_TRAIN else [args.images // 2, args.images]
    runs = []
    for n_train in sizes:
        start = time.perf_counter()
        stages, facts = one_size(args.network, policy, n_train)
        runs.append((facts["images"], stages.total))
        print(
            f"{n_train} labelled images: {stages.total:.0f} s end to end "
            f"({time.perf_counter() - start:.0f} s with the copy)"
        )
    bottleneck = holding_back(stages, facts, policy)
    images, seconds = runs[-1]
    linear = True
    if len(runs) == 2:
        per_image = [s / n for n, s in runs]
        spread = abs(per_image[1] / per_image[0] - 1)
        linear = spread <= LINEAR_TOLERANCE
        print(
            f"cost per image: {per_image[0] * 1000:.1f} ms at {runs[0][0]} images, "
            f"{per_image[1] * 1000:.1f} ms at {runs[1][0]}: "
            f"{'linear' if linear else 'NOT linear'} (differ by {spread:.0%}, tolerance "
            f"{LINEAR_TOLERANCE:.0%}); full scale extrapolated from {images} images"
        )
    minutes = seconds * full_images / images / 60
    target = TARGET_MINUTES[args.network]
    passed = linear and minutes <= target
    if not passed:
        print(f"held back most by: {bottleneck}")
    print(
        f"bench redux_full: {args.network}_minutes_at_{full_images}_images={minutes:.1f} target <={target} "
        f"{'PASS' if passed else 'MISS'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
