"""bench lesson_cost: a whole lesson 02 against one bare forward pass of its network, same images.

The lesson (bench/lesson.py, 02's pipeline through the course's API): split, list
and check, features once for train, valid and test, 3 head epochs with
checkpoints, the clip table and its choice, a checked submission CSV. The
baseline: the same network's feature extractor, built the same way under the same
dtype policy, run once over the same images already decoded in memory (a
compiled forward pass per batch of 64, nothing else). A lesson that caches
features should cost little more than that one pass: decoding, writing and the
head have to overlap with it or be cheap. The bare pass is timed before and after
the lesson and averaged, so a machine that gets busier or quieter during the run
favours neither. Target, per network: lesson <= 1.1x the bare pass.

Generated images in Kaggle's layout (about 500x375 JPEGs), --images labelled
(default 600) and half as many test images, made once under build/redux_full/.
--network: one network, or (default) every network of bench/lesson.py that utils
has. Run from the repo root:
  .venv/bin/python bench/lesson_cost.py
"""

import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from lesson import (
    KAGGLE_TEST,
    KAGGLE_TRAIN,
    NETWORKS,
    bare_forward_seconds,
    build_network,
    decoded_images,
    dtype_policy_for,
    generated_set,
    run_lesson,
    working_copy,
)
from machine import print_machine

import utils

TARGET = 1.1


def available_networks():
    return [name for name, (class_name, _) in NETWORKS.items() if hasattr(utils, class_name)]


def lesson_over_forward(network, n_train):
    """(lesson seconds, bare forward seconds (mean of two), images) for one network."""
    n_test = n_train * KAGGLE_TEST // KAGGLE_TRAIN
    generated, _ = generated_set(n_train, n_test)
    files = sorted((generated / "train").glob("*.jpg")) + sorted((generated / "test").glob("*.jpg"))
    images = decoded_images(files)
    policy, why = dtype_policy_for(network)
    print(f"{network}: {policy}: {why}")
    extractor = build_network(network, policy).feature_extractor()
    forward = [bare_forward_seconds(extractor, images)]
    run = utils.build_root() / "redux_full" / f"cost-{network}"
    raw = working_copy(generated, run / "dogscats")
    stages, facts = run_lesson(raw, network, policy, run / "results")
    forward.append(bare_forward_seconds(extractor, images))
    assert facts["images"] == len(images), (facts["images"], len(images))
    print(stages.table())
    print(
        f"{network} ({policy}): bare forward pass over the same {len(images)} images "
        f"{forward[0]:.1f} s before the lesson, {forward[1]:.1f} s after"
    )
    return stages.total, sum(forward) / 2, len(images)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--network", choices=sorted(NETWORKS))
    parser.add_argument("--images", type=int, default=600, help="labelled images (test: half)")
    args = parser.parse_args()
    networks = [args.network] if args.network else available_networks()
    missing = sorted(set(NETWORKS) - set(available_networks()))
    print_machine()
    ratios = {}
    for network in networks:
        lesson_s, forward_s, images = lesson_over_forward(network, args.images)
        ratios[network] = lesson_s / forward_s
        print(
            f"{network}: lesson {lesson_s:.1f} s vs bare forward {forward_s:.1f} s over {images} images: "
            f"{ratios[network]:.2f}x"
        )
    if missing and not args.network:
        print(f"not in utils yet, so not measured: {', '.join(missing)}")
    metrics = " and ".join(f"{name}_lesson_over_forward={ratio:.2f}" for name, ratio in ratios.items())
    passed = all(ratio <= TARGET for ratio in ratios.values())
    print(f"bench lesson_cost: {metrics} target <={TARGET} {'PASS' if passed else 'MISS'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
