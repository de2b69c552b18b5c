"""bench pipeline: images/s of get_batches (tf.data) against a plain PIL loop.

Both read the same JPEGs of about 500x375 (generated dogs vs cats images) and
produce 224x224 RGB arrays; both run in this one process after the files are
in the page cache, so the ratio compares decoding pipelines, not disks.
  PIL loop:    open, convert("RGB"), resize((224, 224), BILINEAR), np.asarray
  get_batches: listing + per-file checks + one epoch of batches (shuffle=False)
Each is timed as the best of REPEATS runs. Run from the repo root:
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from utils.config import build_root  # noqa: E402
from utils.data import get_batches  # noqa: E402
from utils.samples import generate_dogscats  # noqa: E402

N_IMAGES, REPEATS, TARGET = 600, 3, (224, 224)
TARGET_RATIO = 5.0


def pil_loop(files):
    for file in files:
        with Image.open(file) as image:
            np.asarray(image.convert("RGB").resize(TARGET, Image.BILINEAR))


def tf_pipeline(root):
    batches = get_batches(root, batch_size=64, shuffle=False, target_size=TARGET,
                          class_mode=None, classes=["train"])
    count = sum(len(images) for images in batches)
    assert count == N_IMAGES, count


def best_seconds(work):
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    build_root().mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=build_root()) as tmp:
        print(f"generating {N_IMAGES} JPEGs of about 500x375 ...", flush=True)
        root = generate_dogscats(Path(tmp) / "dogscats", n_train=N_IMAGES, n_test=0)
        files = sorted((root / "train").glob("*.jpg"))
        for file in files:  # warm the page cache for both contenders
            file.read_bytes()
        pil_seconds = best_seconds(lambda: pil_loop(files))
        tf_pipeline(root)  # warm-up: TensorFlow's first run starts its thread pools
        tf_seconds = best_seconds(lambda: tf_pipeline(root))
    pil_rate, tf_rate = N_IMAGES / pil_seconds, N_IMAGES / tf_seconds
    ratio = tf_rate / pil_rate
    print(f"cores: {os.cpu_count()}   images: {N_IMAGES}   target size: {TARGET}")
    print(f"PIL loop:    {pil_rate:8.0f} images/s")
    print(f"get_batches: {tf_rate:8.0f} images/s (listing and file checks included)")
    verdict = "PASS" if ratio >= TARGET_RATIO else f"MISS (short by {TARGET_RATIO - ratio:.2f}x)"
    print(f"bench pipeline: speedup_vs_pil={ratio:.2f} target >={TARGET_RATIO:g} {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
