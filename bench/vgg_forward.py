"""bench vgg_forward: images/s of VGG16's feature pass, as a share of this machine's matmul speed.

In one run (so both numbers see the same machine state):
  1. NumPy float32 4096x4096 matmul, GFLOP/s = 2 n^3 / seconds (best of REPEATS);
  2. VGG16 at 224x224 (untrained: speed does not depend on the weights) up to
     fc2, the lesson-2 feature pass, in batches of BATCH;
  3. the same pass under the opt-in 'mixed_bfloat16' policy, with its effect
     on the features and on a head trained on float32 features.
FLOPs count a multiply-add as 2, for the matmul and for VGG16 alike.
Run from the repo root:  .venv/bin/python bench/vgg_forward.py
"""
import time

import numpy as np

MATMUL_N, REPEATS = 4096, 5
IMAGES, BATCH = 64, 16
TARGET = 0.45  # VGG16's GFLOP/s over the matmul's


def matmul_gflops(n=MATMUL_N, repeats=REPEATS):
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n), dtype=np.float32) for _ in range(2))
    a @ b  # warm-up: threads and caches
    best = min(_timed(lambda: a @ b) for _ in range(repeats))
    return 2 * n ** 3 / best / 1e9


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
    """(images/s, features) for one pass after a warm-up batch."""
    extractor.predict_on_batch(images[:batch])
    start = time.perf_counter()
    features = [np.asarray(extractor.predict_on_batch(images[i:i + batch]), dtype=np.float32)
                for i in range(0, len(images), batch)]
    return len(images) / (time.perf_counter() - start), np.concatenate(features)


def photo_crops(n, seed=0):
    """224x224 crops of scikit-learn's two sample photos, labelled by photo (0 or 1)."""
    from sklearn.datasets import load_sample_images

    rng = np.random.default_rng(seed)
    photos = load_sample_images().images
    labels = np.arange(n) % 2
    crops = np.empty((n, 224, 224, 3), np.float32)
    for i, label in enumerate(labels):
        photo = photos[label]
        top, left = (int(rng.integers(0, s - 224)) for s in photo.shape[:2])
        crops[i] = photo[top:top + 224, left:left + 224]
    return crops, labels


def head_accuracy_with(vgg, train_features, train_labels, *val_features_and_labels):
    """Train a head on float32 features, then score it on each validation feature set."""
    vgg.fit_head(train_features, train_labels, epochs=5, verbose=0)
    return [float((vgg.head_model.predict(f, verbose=0).argmax(1) == l).mean())
            for f, l in val_features_and_labels]


def main():
    import keras

    from utils.models import Vgg16

    keras.utils.set_random_seed(0)
    gflops_matmul = matmul_gflops()
    images, labels = photo_crops(IMAGES)
    fp32 = Vgg16(weights=None)
    flops = vgg16_flops_per_image(fp32.model)
    rate, features = feature_pass(fp32.feature_extractor("fc2"), images)
    gflops_vgg = rate * flops / 1e9

    bf16 = Vgg16(weights=None, dtype_policy="mixed_bfloat16")
    bf16.model.set_weights(fp32.model.get_weights())
    rate_bf16, features_bf16 = feature_pass(bf16.feature_extractor("fc2"), images)
    feature_error = float(np.linalg.norm(features_bf16 - features) / np.linalg.norm(features))

    # Accuracy effect: head trained on float32 features of half the crops,
    # scored on the other half's float32 and bfloat16 features.
    half = IMAGES // 2
    fp32.finetune(_LabelledNames(["china", "flower"]))
    accuracy_fp32, accuracy_bf16 = head_accuracy_with(
        fp32, features[:half], labels[:half],
        (features[half:], labels[half:]), (features_bf16[half:], labels[half:]))

    ratio = gflops_vgg / gflops_matmul
    print(f"{'measure':<44}{'value':>12}")
    print(f"{'numpy float32 4096^2 matmul GFLOP/s':<44}{gflops_matmul:>12.1f}")
    print(f"{'VGG16 GFLOP per image (to fc2, 2 per MAC)':<44}{flops / 1e9:>12.2f}")
    print(f"{'VGG16 feature pass images/s (float32)':<44}{rate:>12.2f}")
    print(f"{'VGG16 feature pass GFLOP/s':<44}{gflops_vgg:>12.1f}")
    print(f"{'  as a fraction of matmul GFLOP/s':<44}{ratio:>12.3f}")
    print(f"{'  same, counting a MAC as 1 FLOP':<44}{ratio / 2:>12.3f}")
    print(f"{'mixed_bfloat16 images/s (opt-in)':<44}{rate_bf16:>12.2f}")
    print(f"{'  speed-up over float32':<44}{rate_bf16 / rate:>12.2f}x")
    print(f"{'  fc2 feature relative error':<44}{feature_error:>12.4f}")
    print(f"{'  head val accuracy, float32 features':<44}{accuracy_fp32:>12.3f}")
    print(f"{'  head val accuracy, bfloat16 features':<44}{accuracy_bf16:>12.3f}")
    print("(untrained weights: speeds are what matter here; accuracies compare float32 "
          "with bfloat16 on the same head)")
    verdict = "PASS" if ratio >= TARGET else "MISS"
    print(f"bench vgg_forward: matmul_fraction={ratio:.3f} target >={TARGET} {verdict}")


class _LabelledNames:
    """Just enough of a Batches object for finetune: the class names."""

    def __init__(self, class_names):
        self.class_names = class_names


if __name__ == "__main__":
    main()
