"""bench rates: the per-image rates run-time estimates are computed from, measured here.

For each network a notebook runs, in the dtype policy it runs fastest in on this
machine (utils.hardware.fastest_dtype_policy; float32 for FLOAT32_ONLY's, as their
notebooks run them):
  forward: images/s of a compiled inference pass (VGG16 and EfficientNet-Lite0 to
           their feature layer, as the cached features; the others whole), in
           batches, after a warm-up batch;
  train:   images/s of train_on_batch with every layer trainable (Adam);
  train_top: the same with only the top block (the one the lessons unfreeze) and
           the layers above it trainable;
and once for the machine, decode: images/s of a bare tf.data read+decode+resize
to 224x224 of generated ~500x375 JPEGs (the bench/lesson.py set). Each rate is the
best of ROUNDS rounds. The float32 matmul rate is stored too, so
utils.check_hardware can scale the estimates to another CPU.

Writes the "cpu" section of utils/rates.json (the one home of the rates; its "gpu"
section holds rates measured on a GPU, kept as they are). tools/catalogue.py turns
the rates and each notebook's full-profile work into the minutes of its header.
The final line checks that every network the catalogue needs got its rates.
Run from the repo root on a quiet machine, then `make headers`:
  .venv/bin/python bench/rates.py
  .venv/bin/python bench/rates.py --only cifar10_convnet   # one network; the rest kept as they are
"""

import argparse
import datetime
import json
import os
import sys
import time
from types import SimpleNamespace

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
from lesson import bare_decode_seconds, generated_set
from machine import describe_machine, print_machine
from vgg_forward import vgg16_flops_per_image

from utils.config import repo_root
from utils.hardware import RATES_FILE, describe_hardware, fastest_dtype_policy, matmul_gflops
from utils.models import IMAGENET_NETWORKS, dtype_policy_for
from utils.networks import dtype_policy_scope

ROUNDS = 2


def course_network(name):
    """A builder for one of utils' ImageNet networks: the forward pass is its feature
    extractor (what compute_features runs), training is the whole network."""

    def build(policy, part):
        network = IMAGENET_NETWORKS[name](weights=None, dtype_policy=policy)  # speed needs no weights
        return network.feature_extractor() if part == "forward" else network.model

    return build


def resnet50(policy, part):
    import keras

    with dtype_policy_scope(policy):
        return keras.applications.ResNet50(weights=None)


def mnist_convnet(policy, part):
    from utils.convnets import mnist_convnet

    with dtype_policy_scope(policy):
        return mnist_convnet()


def cifar10_convnet(policy, part):
    """Notebook 07's convnet, built by the notebook's own cell (the lesson writes the network
    out, so it has no copy in utils), with the full profile's augmentation layers."""
    import keras
    import nbformat

    cells = nbformat.read(repo_root() / "notebooks" / "07_cifar10_convnet.ipynb", as_version=4).cells
    [source] = [c.source for c in cells if c.cell_type == "code" and 'name="cifar10_convnet"' in c.source]
    names = {"keras": keras, "layers": keras.layers, "AUGMENT": True, "data": SimpleNamespace(num_classes=10)}
    with dtype_policy_scope(policy):
        exec(source.replace("model.summary()", ""), names)  # the course's own cell, no printing
    return names["model"]


# name -> (builder(policy, part), batch size the notebooks use, first layer of the top block
# that the lessons fine-tune: train_top trains from there on, the layers below frozen).
NETWORKS = {
    "vgg16": (course_network("vgg16"), 64, "block5_conv1"),
    "efficientnet_lite0": (course_network("efficientnet_lite0"), 64, "block7a_expand_conv"),
    "resnet50": (resnet50, 32, "conv5_block1_1_conv"),
    "mnist_convnet": (mnist_convnet, 64, None),
    "cifar10_convnet": (cifar10_convnet, 64, None),
}
# Networks whose notebook builds them under Keras's default policy, choosing none: measured
# in float32, what the notebook runs.
FLOAT32_ONLY = {
    "cifar10_convnet": "notebook 07 builds it under Keras's default policy",
    "resnet50": "notebook 08 builds it under Keras's default policy",
}
BATCHES = {"forward": 2, "train": 2}  # timed batches per round (after one warm-up batch)


def flops_per_image(model):
    """FLOPs (a multiply-add is 2) of the conv and dense layers of one forward pass."""
    return vgg16_flops_per_image(model, up_to=model.layers[-1].name)


def images_for(model, count, seed=0):
    shape = tuple(model.input_shape[1:])
    scale = 255.0 if shape[-1] == 3 else 1.0
    return np.random.default_rng(seed).uniform(0, scale, (count, *shape)).astype("float32")


def forward_rate(model, batch):
    images = images_for(model, batch)
    model.predict_on_batch(images)  # compiles
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(BATCHES["forward"]):
            model.predict_on_batch(images)
        best = min(best, time.perf_counter() - start)
    return BATCHES["forward"] * batch / best


def train_rate(model, batch, top=None):
    """images/s of training every layer, or only from layer `top` on."""
    import keras

    names = [layer.name for layer in model.layers]
    for index, layer in enumerate(model.layers):
        layer.trainable = top is None or index >= names.index(top)
    model.compile(optimizer=keras.optimizers.Adam(1e-4), loss="sparse_categorical_crossentropy")
    images = images_for(model, batch)
    labels = np.arange(batch) % int(model.output_shape[-1])
    model.train_on_batch(images, labels)  # compiles
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(BATCHES["train"]):
            model.train_on_batch(images, labels)
        best = min(best, time.perf_counter() - start)
    return BATCHES["train"] * batch / best


def decode_rate():
    generated, _ = generated_set(400, 200)
    files = sorted(generated.rglob("*.jpg"))
    bare_decode_seconds(files)  # warm-up: page cache, thread pools
    return len(files) / min(bare_decode_seconds(files) for _ in range(ROUNDS))


def measure(name):
    """(rates, GFLOP per image) of network `name` in the dtype policy it runs fastest in here
    (FLOAT32_ONLY: float32, as its notebook runs it)."""
    build, batch, top = NETWORKS[name]
    if name in FLOAT32_ONLY:
        policy, why = "float32", FLOAT32_ONLY[name]
    elif name in IMAGENET_NETWORKS:  # the same cached choice as the notebooks'
        policy, why = dtype_policy_for(name)
    else:
        policy, why = fastest_dtype_policy(name, lambda policy: build(policy, "forward"))
    print(f"{name}: {policy} ({why})", flush=True)
    rates = {
        "policy": policy,
        "forward": forward_rate(build(policy, "forward"), batch),
        "train": train_rate(build(policy, "train"), batch),
    }
    if top:
        rates["train_top"] = train_rate(build(policy, "train"), batch, top)
    print("  " + ", ".join(f"{k} {v:.1f} images/s" for k, v in rates.items() if k != "policy"), flush=True)
    rounded = {key: round(value, 1) if isinstance(value, float) else value for key, value in rates.items()}
    return rounded, round(flops_per_image(build("float32", "train")) / 1e9, 3)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", choices=sorted(NETWORKS), help="measure this network alone and update only its rates"
    )
    args = parser.parse_args(argv)
    print_machine()
    hardware = describe_hardware(gpus=())
    rates = json.loads(RATES_FILE.read_text()) if RATES_FILE.exists() else {}
    if args.only and rates.get("cpu", {}).get("device") != hardware.describe():
        raise SystemExit(
            f"--only {args.only}: {RATES_FILE.name}'s CPU rates were measured on another machine "
            f"({rates.get('cpu', {}).get('device')}); run bench/rates.py without --only here."
        )
    names = [args.only] if args.only else list(NETWORKS)
    measured, flops = {}, {}
    for name in names:
        measured[name], flops[name] = measure(name)
    if args.only:  # its own note: the section's "measured" is the full run's
        measured[args.only]["measured"] = (
            f"alone (--only), {datetime.date.today()}; {describe_machine(hardware)}"
        )
        rates["cpu"]["networks"].update(measured)
        rates["gflop_per_image"].update(flops)
    else:
        decode = decode_rate()
        print(f"decode+resize to 224x224: {decode:.0f} images/s")
        rates["cpu"] = {
            "device": hardware.describe(),
            "measured": f"bench/rates.py, {datetime.date.today()}; {describe_machine(hardware)}",
            "cores": hardware.cores,
            "matmul_gflops": round(matmul_gflops(), 1),
            "decode": round(decode),
            "networks": measured,
        }
        rates["gflop_per_image"] = flops
    RATES_FILE.write_text(json.dumps(rates, indent=1, sort_keys=True) + "\n")
    print(f"wrote {RATES_FILE}")
    missing = sorted(set(NETWORKS) - set(rates["cpu"]["networks"]))
    print(
        f"bench rates: networks_measured={len(NETWORKS) - len(missing)} target >={len(NETWORKS)} "
        f"{'PASS' if not missing else 'MISS'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
