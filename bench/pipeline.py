"""bench pipeline: images/s of get_batches (tf.data) against a plain PIL loop.

Both read the same 600 JPEGs of 500x375 (crops of scikit-learn's two sample
photos, so they decode like real photos) and produce 224x224 RGB arrays:
  PIL loop:    Image.open, .convert("RGB"), .resize((224, 224)), np.asarray
  get_batches: listing + per-file checks + one epoch of batches (shuffle=False)
The two are timed in alternating rounds in this one process, files already in
the page cache, and each keeps its best round, so a busy machine hurts both
alike. Run from the repo root:
  .venv/bin/python bench/pipeline.py
"""
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
from PIL import Image
from sklearn.datasets import load_sample_images

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from utils.config import build_root  # noqa: E402
from utils.data import get_batches  # noqa: E402

N_IMAGES, ROUNDS, TARGET = 600, 4, (224, 224)
WIDTH, HEIGHT = 500, 375
TARGET_RATIO = 5.0


def write_photo_crops(folder, n, seed=0):
    """n JPEG crops of 500x375 (with flips) from the sample photos."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    photos = load_sample_images().images
    for i in range(n):
        photo = photos[i % len(photos)]
        top = rng.integers(0, photo.shape[0] - HEIGHT)
        left = rng.integers(0, photo.shape[1] - WIDTH)
        crop = photo[top:top + HEIGHT, left:left + WIDTH]
        Image.fromarray(crop[:, ::-1] if rng.random() < 0.5 else crop).save(
            folder / f"{i}.jpg", quality=90)
    return sorted(folder.glob("*.jpg"))


def pil_loop(files):
    for file in files:
        with Image.open(file) as image:
            np.asarray(image.convert("RGB").resize(TARGET))


def make_batches(root):
    return get_batches(root, batch_size=64, shuffle=False, target_size=TARGET, class_mode=None)


def one_epoch(batches):
    count = sum(len(images) for images in batches)
    assert count == N_IMAGES, count


def tf_pipeline(root):
    """A first pass: listing, file checks, building the pipeline, one epoch."""
    one_epoch(make_batches(root))


def seconds(work):
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def main():
    build_root().mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=build_root()) as tmp:
        root = Path(tmp) / "photos"
        files = write_photo_crops(root / "all", N_IMAGES)
        for file in files:  # page cache warm for both contenders
            file.read_bytes()
        tf_pipeline(root)  # warm-up: TensorFlow's first run starts its thread pools
        batches = make_batches(root)  # what training iterates, epoch after epoch
        one_epoch(batches)
        pil_times, tf_times, first_pass_times = [], [], []
        for _ in range(ROUNDS):
            pil_times.append(seconds(lambda: pil_loop(files)))
            tf_times.append(seconds(lambda: one_epoch(batches)))
            first_pass_times.append(seconds(lambda: tf_pipeline(root)))
    pil_rate, tf_rate = N_IMAGES / min(pil_times), N_IMAGES / min(tf_times)
    first_pass_rate = N_IMAGES / min(first_pass_times)
    ratio = tf_rate / pil_rate
    print(f"cores: {os.cpu_count()}   load average: {os.getloadavg()[0]:.1f}   "
          f"images: {N_IMAGES} JPEGs of {WIDTH}x{HEIGHT} -> {TARGET}")
    print(f"PIL loop:    {pil_rate:8.0f} images/s   (rounds: {[f'{N_IMAGES / t:.0f}' for t in pil_times]})")
    print(f"get_batches: {tf_rate:8.0f} images/s per epoch   (rounds: "
          f"{[f'{N_IMAGES / t:.0f}' for t in tf_times]})")
    print(f"  first pass, with listing, file checks and building the pipeline: "
          f"{first_pass_rate:.0f} images/s ({first_pass_rate / pil_rate:.2f}x the PIL loop)")
    verdict = "PASS" if ratio >= TARGET_RATIO else f"MISS (short by {TARGET_RATIO - ratio:.2f}x)"
    print(f"bench pipeline: speedup_vs_pil={ratio:.2f} target >={TARGET_RATIO:g} {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
