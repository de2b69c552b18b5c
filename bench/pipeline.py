"""bench pipeline: images/s of a get_batches epoch against a PIL loop and bare tf.data.

All read the same 600 JPEGs of 500x375 (crops of scikit-learn's two sample
photos, so they decode like real photos) and produce 224x224 RGB arrays:
  PIL loop:     Image.open, .convert("RGB"), .resize((224, 224)), np.asarray
  bare tf.data: read_file, decode_jpeg, resize, mapped in parallel, batched,
                prefetched: the plain decode+resize every epoch would cost
  bare first pass: the same, with its own listing (a sorted glob) and building
  get_batches:  one epoch of the Batches training iterates (shuffle=True,
                cache="auto"), after the first epoch has filled the cache
  first pass:   listing, per-file checks, building the pipeline, one epoch
                that decodes (and fills the cache): all a lesson that caches
                features pays, since it decodes each image once
  cache=None:   an epoch of a pipeline that decodes every epoch
Targets, all in the one final line: get_batches' epoch >= 5x the PIL loop and
>= 0.9x bare tf.data; the first pass >= 0.8x bare tf.data's first pass, and
cache=None epochs >= 0.8x bare tf.data's epochs. The first pass is also shown
against bare tf.data's epoch, which lists nothing, checks nothing and was built
beforehand.
Everything is timed in alternating rounds in this one process, files already
in the page cache, and each keeps its best round, so a busy machine hurts all
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
from machine import print_machine
from lesson import decode_dataset
from PIL import Image
from sklearn.datasets import load_sample_images

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from utils.config import build_root  # noqa: E402
from utils.data import get_batches  # noqa: E402

N_IMAGES, ROUNDS, TARGET = 600, 8, (224, 224)
WIDTH, HEIGHT = 500, 375
TARGET_RATIO, TARGET_BARE_RATIO, TARGET_DECODING_RATIO = 5.0, 0.9, 0.8


def write_photo_crops(folder, n, seed=0):
    """n JPEG crops of 500x375 (with flips) from the sample photos."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    photos = load_sample_images().images
    for i in range(n):
        photo = photos[i % len(photos)]
        top = rng.integers(0, photo.shape[0] - HEIGHT)
        left = rng.integers(0, photo.shape[1] - WIDTH)
        crop = photo[top : top + HEIGHT, left : left + WIDTH]
        Image.fromarray(crop[:, ::-1] if rng.random() < 0.5 else crop).save(folder / f"{i}.jpg", quality=90)
    return sorted(folder.glob("*.jpg"))


def pil_loop(files):
    for file in files:
        with Image.open(file) as image:
            np.asarray(image.convert("RGB").resize(TARGET))


def make_batches(root, cache="auto"):
    return get_batches(
        root, batch_size=64, shuffle=True, seed=0, target_size=TARGET, class_mode=None, cache=cache
    )


def bare_first_pass(root):
    """Bare tf.data's first pass: listing, building, one epoch; no file is checked."""
    one_epoch(decode_dataset(sorted(root.rglob("*.jpg"))))


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


def rate_line(name, times, note=""):
    rounds = ", ".join(f"{N_IMAGES / t:.0f}" for t in times)
    return f"{name:<28}{N_IMAGES / min(times):8.0f} images/s   (rounds: {rounds}){note}"


def main():
    print_machine()
    build_root().mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=build_root()) as tmp:
        root = Path(tmp) / "photos"
        files = write_photo_crops(root / "all", N_IMAGES)
        for file in files:  # page cache warm for every contender
            file.read_bytes()
        bare = decode_dataset(files)
        one_epoch(bare)  # warm-up: TensorFlow's first run starts its thread pools
        tf_pipeline(root)
        batches = make_batches(root)  # what training iterates, epoch after epoch
        one_epoch(batches)  # the first epoch fills the cache
        uncached = make_batches(root, cache=None)
        one_epoch(uncached)
        times = {name: [] for name in ("pil", "bare", "epoch", "uncached", "first", "bare_first")}
        for _ in range(ROUNDS):
            times["pil"].append(seconds(lambda: pil_loop(files)))
            times["bare"].append(seconds(lambda: one_epoch(bare)))
            times["epoch"].append(seconds(lambda: one_epoch(batches)))
            times["uncached"].append(seconds(lambda: one_epoch(uncached)))
            times["first"].append(seconds(lambda: tf_pipeline(root)))
            times["bare_first"].append(seconds(lambda: bare_first_pass(root)))
    rate = {name: N_IMAGES / min(t) for name, t in times.items()}
    vs_pil, vs_bare = rate["epoch"] / rate["pil"], rate["epoch"] / rate["bare"]
    print(f"images: {N_IMAGES} JPEGs of {WIDTH}x{HEIGHT} -> {TARGET}; get_batches cache: {batches.cache}")
    print(rate_line("PIL loop", times["pil"]))
    print(rate_line("bare tf.data decode+resize", times["bare"]))
    print(
        rate_line("get_batches epoch", times["epoch"], f"   {vs_pil:.2f}x PIL, {vs_bare:.2f}x bare tf.data")
    )
    print(
        rate_line(
            "  same, cache=None", times["uncached"], f"   {rate['uncached'] / rate['bare']:.2f}x bare tf.data"
        )
    )
    first, uncached = rate["first"] / rate["bare_first"], rate["uncached"] / rate["bare"]
    print(rate_line("bare tf.data first pass", times["bare_first"], "   (listing, building, decoding)"))
    print(
        rate_line(
            "get_batches first pass",
            times["first"],
            f"   {first:.2f}x bare first pass, {rate['first'] / rate['bare']:.2f}x bare epoch"
            " (listing, file checks, building, decoding)",
        )
    )
    passed = (
        vs_pil >= TARGET_RATIO
        and vs_bare >= TARGET_BARE_RATIO
        and min(first, uncached) >= TARGET_DECODING_RATIO
    )
    print(
        f"bench pipeline: speedup_vs_pil={vs_pil:.2f} target >={TARGET_RATIO:g} and "
        f"epoch_vs_bare_tf_data={vs_bare:.2f} target >={TARGET_BARE_RATIO:g} and "
        f"first_pass_vs_bare={first:.2f}, uncached_vs_bare={uncached:.2f} target >={TARGET_DECODING_RATIO:g} "
        f"{'PASS' if passed else 'MISS'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
