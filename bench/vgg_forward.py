"""bench vgg_forward: images/s of VGG16's feature pass, as a share of this machine's matmul speed.

One run, in ROUNDS rounds; each round measures, back to back,
  1. NumPy float32 4096x4096 matmul, GFLOP/s = 2 n^3 / seconds (best of 3);
  2. VGG16 at 224x224 up to fc2 (lesson 2's feature pass) on that round's
     IMAGES_PER_ROUND photo crops, in batches of BATCH (untrained weights:
     speed does not depend on them);
  3. the same pass under the opt-in 'mixed_bfloat16' policy.
On a shared machine other work slows some measurements, so the verdict uses
the best (least disturbed) matmul and the best VGG16 pass of all rounds; the
median of the per-round ratios is printed too. FLOPs count a multiply-add as 2,
for the matmul and VGG16 alike. Also reported: bfloat16's effect on the
features, and on a head trained on float32 features of half the crops
(scored on the other half, and compared prediction by prediction).
Run from the repo root:  .venv/bin/python bench/vgg_forward.py
"""

import time

import numpy as np
from machine import print_machine
from photos import photo_crops

MATMUL_N = 4096
ROUNDS, IMAGES_PER_ROUND, BATCH = 3, 32, 16
TARGET = 0.45  # VGG16's GFLOP/s over the matmul's


def matmul_gflops(a, b, repeats=3):
    time.sleep(0.5)  # let TensorFlow's worker threads stop spinning first
    best = min(_timed(lambda: a @ b) for _ in range(repeats))
    return 2 * a.shape[0] * a.shape[1] * b.shape[1] / best / 1e9


def _timed(work):
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def vgg16_flops_per_image(model, up_to="fc2"):
    """Multiply-adds x 2 of the conv and dense layers up to `up_to`."""
    flops = 0
    for layer in model.layers:
        kernel = getattr(layer, "kernel", None)
        if kernel is not None:
            # conv: kernel (kh, kw, in, out) applied at every output pixel; dense: (in, out).
            pixels = int(np.prod(layer.output.shape[1:-1])) if len(kernel.shape) == 4 else 1
            flops += 2 * pixels * int(np.prod(kernel.shape))
        if layer.name == up_to:
            return flops
    raise ValueError(f"no layer {up_to!r}")


def feature_pass(extractor, images, batch=BATCH):
    """(images/s, float32 features) of one pass over `images`."""
    start = time.perf_counter()
    features = [
        np.asarray(extractor.predict_on_batch(images[i : i + batch]), dtype=np.float32)
        for i in range(0, len(images), batch)
    ]
    return len(images) / (time.perf_counter() - start), np.concatenate(features)


def main():
    import keras

    from utils.models import Vgg16, dtype_policy_for

    print_machine()
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((MATMUL_N, MATMUL_N), dtype=np.float32) for _ in range(2))
    images, labels = photo_crops(ROUNDS * IMAGES_PER_ROUND)
    images = images.astype(np.float32)
    fp32 = Vgg16(weights=None)
    bf16 = Vgg16(weights=None, dtype_policy="mixed_bfloat16")
    bf16.model.set_weights(fp32.model.get_weights())
    extractors = fp32.feature_extractor("fc2"), bf16.feature_extractor("fc2")
    for extractor in extractors:  # warm-up: compile both, once per batch shape
        feature_pass(extractor, images[:BATCH])
    flops = vgg16_flops_per_image(fp32.model)

    rounds, features, features_bf16 = [], [], []
    for start in range(0, len(images), IMAGES_PER_ROUND):
        crops = images[start : start + IMAGES_PER_ROUND]
        matmul = matmul_gflops(a, b)
        rate, round_features = feature_pass(extractors[0], crops)
        rate_bf16, round_features_bf16 = feature_pass(extractors[1], crops)
        rounds.append((rate * flops / 1e9 / matmul, matmul, rate, rate_bf16))
        features.append(round_features)
        features_bf16.append(round_features_bf16)
    median_ratio = sorted(r[0] for r in rounds)[len(rounds) // 2]
    matmul, rate, rate_bf16 = (max(r[i] for r in rounds) for i in (1, 2, 3))
    ratio = rate * flops / 1e9 / matmul
    speedups = sorted(r[3] / r[2] for r in rounds)
    features, features_bf16 = np.concatenate(features), np.concatenate(features_bf16)
    feature_error = float(np.linalg.norm(features_bf16 - features) / np.linalg.norm(features))

    half = len(images) // 2
    fp32.finetune(_LabelledNames(["china", "flower"]))
    fp32.fit_head(features[:half], labels[:half], epochs=5, verbose=0)
    predicted = [fp32.head_model.predict(f[half:], verbose=0).argmax(1) for f in (features, features_bf16)]
    accuracy_fp32, accuracy_bf16 = (float((p == labels[half:]).mean()) for p in predicted)
    agreement = float((predicted[0] == predicted[1]).mean())

    print(f"{ROUNDS} rounds of {IMAGES_PER_ROUND} images; best of the rounds shown")
    print(f"{'measure':<46}{'value':>10}")
    print(f"{'numpy float32 4096^2 matmul GFLOP/s':<46}{matmul:>10.1f}")
    print(f"{'VGG16 GFLOP per image (to fc2, 2 per MAC)':<46}{flops / 1e9:>10.2f}")
    print(f"{'VGG16 feature pass images/s (float32)':<46}{rate:>10.2f}")
    print(f"{'VGG16 feature pass GFLOP/s':<46}{rate * flops / 1e9:>10.1f}")
    print(f"{'  fraction of matmul GFLOP/s':<46}{ratio:>10.3f}")
    print(f"{'  median of the per-round fractions':<46}{median_ratio:>10.3f}")
    print(f"{'  same, counting a VGG16 MAC as 1 FLOP':<46}{ratio / 2:>10.3f}")
    print(f"{'mixed_bfloat16 images/s (opt-in)':<46}{rate_bf16:>10.2f}")
    speedup = speedups[len(speedups) // 2]
    print(f"{'  speed-up over float32 (median of rounds)':<46}{speedup:>9.2f}x")
    policy, why = dtype_policy_for(Vgg16)
    agrees = (speedup > 1) == (policy != "float32")
    print(f"  dtype_policy_for(Vgg16): {policy} - {why}")
    print(f"  the measured speed-up {'agrees' if agrees else 'DISAGREES'} with that choice")
    print(f"{'  fc2 feature relative error':<46}{feature_error:>10.4f}")
    print(f"{'  head val accuracy, float32 features':<46}{accuracy_fp32:>10.3f}")
    print(f"{'  head val accuracy, bfloat16 features':<46}{accuracy_bf16:>10.3f}")
    print(f"{'  same prediction, float32 vs bfloat16':<46}{agreement:>10.3f}")
    print(f"  (head trained on {half} crops' float32 features, scored on {half} others; untrained VGG16)")
    verdict = "PASS" if ratio >= TARGET else "MISS"
    print(f"bench vgg_forward: matmul_fraction={ratio:.3f} target >={TARGET} {verdict}")


class _LabelledNames:
    """Just enough of a Batches object for finetune: the class names."""

    def __init__(self, class_names):
        self.class_names = class_names


if __name__ == "__main__":
    main()
