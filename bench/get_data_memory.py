"""bench get_data_memory: peak memory and speed of get_data on 500 and on 2,000 images.

get_data streams images into a bcolz array batch by batch, so its memory use
should not grow with the number of images (the 2017 version held them all as
float32 in RAM). Each run is a fresh subprocess that imports TensorFlow,
notes its resident memory (RSS), runs get_data at 224x224, and reports its
peak RSS. Targets:
  * the 2,000-image run peaks less than 100 MB above the 500-image run;
  * what get_data itself adds (peak minus RSS before the call) is under 25 %
    of one float32 array of all 2,000 images (2000*224*224*3*4 bytes = 1.2 GB).
  * get_data on 2,000 images (listing, file checks, decoding, writing) runs
    at >= 0.8x the images/s of a bare tf.data decode+resize of the same files
    (listing, read_file, decode_jpeg, resize, in parallel, batched, prefetched;
    nothing checked, nothing written), timed in the same process, alternating
    with get_data: SPEED_ROUNDS rounds of each, the best of each kept (this VM
    has phases at half speed, and two rounds left the verdict to chance).
    Before get_data, the process runs the bare pipeline once on 64 images, so
    both find TensorFlow's thread pools started. A PIL loop (Image.open, .convert("RGB"),
    .resize((224, 224)), np.asarray) is shown too.
TensorFlow alone takes about 600 MB of RSS once imported, before any image is
read; that part is the same for any number of images, so it is shown but not
counted against get_data. Run from the repo root:
  .venv/bin/python bench/get_data_memory.py
"""

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from machine import print_machine

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SMALL, LARGE, SIDE = 500, 2000, 224
SPEED_ROUNDS = 8
TARGET_VS_BARE = 0.8
MB = 1024 * 1024  # "MB" here is MiB (2**20 bytes), as ps and top count


def measure_in_this_process(folder, dest, rounds):
    """Child mode: RSS before get_data, the process's peak RSS after it, and the
    seconds of `rounds` get_data runs and as many bare tf.data passes over the
    same files, alternating."""
    import psutil

    from utils.data import get_data

    files = sorted(folder.rglob("*.jpg"))
    bare_tf_data_seconds(folder, limit=64)  # warm-up: TensorFlow's thread pools
    before = psutil.Process().memory_info().rss
    seconds, bare = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        data = get_data(folder, target_size=(SIDE, SIDE), dest=dest, batch_size=64)
        seconds.append(time.perf_counter() - start)
        if len(seconds) == 1:  # the peak of the first run, before any bare pass
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
        bare.append(bare_tf_data_seconds(folder))
    facts = {"images": len(data), "before": before, "peak": peak, "seconds": seconds, "bare_seconds": bare}
    assert len(files) == len(data), (len(files), len(data))
    print(json.dumps(facts))


def measure(folder, dest, rounds=1):
    result = subprocess.run(
        [sys.executable, __file__, "--child", str(folder), str(dest), str(rounds)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def make_folders(tmp):
    """{count: folder holding one class folder with `count` JPEGs} (hard links
    to one generated set, so both runs read the same kind of images)."""
    from utils.synthetic import generate_dogscats

    generated = sorted(generate_dogscats(tmp / "raw", n_train=LARGE, n_test=0).glob("train/*.jpg"))
    folders = {}
    for count in (SMALL, LARGE):
        images = tmp / f"images_{count}" / "all"
        images.mkdir(parents=True)
        for file in generated[:count]:
            os.link(file, images / file.name)
        folders[count] = images.parent
    return folders


def pil_loop_seconds(files):
    """The baseline: one image at a time through PIL."""
    from PIL import Image

    start = time.perf_counter()
    for file in files:
        with Image.open(file) as image:
            np.asarray(image.convert("RGB").resize((SIDE, SIDE)))
    return time.perf_counter() - start


def bare_tf_data_seconds(folder, limit=None):
    """The baseline: list `folder`'s JPEGs, build tf.data's plain read+decode+resize, run it."""
    from lesson import decode_dataset

    start = time.perf_counter()
    for _ in decode_dataset(sorted(folder.rglob("*.jpg"))[:limit], size=SIDE):
        pass
    return time.perf_counter() - start


def main():
    from utils.config import build_root

    print_machine()
    build_root().mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=build_root()) as tmp:
        print(f"generating {LARGE} JPEGs of about 500x375 ...", flush=True)
        folders = make_folders(Path(tmp))
        large_files = sorted(folders[LARGE].rglob("*.jpg"))
        for file in large_files:  # page cache warm for both contenders
            file.read_bytes()
        pil_seconds = [pil_loop_seconds(large_files)]
        runs = {}
        for count, folder in folders.items():
            rounds = SPEED_ROUNDS if count == LARGE else 1
            runs[count] = measure(folder, Path(tmp) / f"out_{count}.bc", rounds)
            assert runs[count]["images"] == count
        get_data_seconds, bare_seconds = runs[LARGE]["seconds"], runs[LARGE]["bare_seconds"]
        pil_seconds.append(pil_loop_seconds(large_files))
    float32_mb = LARGE * SIDE * SIDE * 3 * 4 / MB
    for count, run in runs.items():
        print(
            f"{count:5d} images: RSS before get_data {run['before'] / MB:6.0f} MB, "
            f"peak {run['peak'] / MB:6.0f} MB, added by get_data {(run['peak'] - run['before']) / MB:5.0f} MB"
        )
    extra = (runs[LARGE]["peak"] - runs[SMALL]["peak"]) / MB
    added = (runs[LARGE]["peak"] - runs[LARGE]["before"]) / MB
    limit = 0.25 * float32_mb
    print(f"float32 array of all {LARGE} images: {float32_mb:.0f} MB; 25 % of it: {limit:.0f} MB")
    print(
        f"  {'ok  ' if extra < 100 else 'MISS'} {LARGE}-image peak - {SMALL}-image peak"
        f" = {extra:.0f} MB (target < 100)"
    )
    print(
        f"  {'ok  ' if added < limit else 'MISS'} added by get_data on {LARGE} images"
        f" = {added:.0f} MB (target < {limit:.0f})"
    )
    pil_rate, get_data_rate = LARGE / min(pil_seconds), LARGE / min(get_data_seconds)
    bare_rate = LARGE / min(bare_seconds)
    vs_bare = get_data_rate / bare_rate
    for name, times in (("get_data", get_data_seconds), ("bare tf.data", bare_seconds)):
        print(f"  {name} rounds (images/s): " + ", ".join(f"{LARGE / t:.0f}" for t in times))
    print(
        f"  {'ok  ' if vs_bare >= TARGET_VS_BARE else 'MISS'} get_data {get_data_rate:.0f} images/s "
        f"(writing included) vs bare tf.data listing+decode+resize {bare_rate:.0f} images/s: {vs_bare:.2f}x "
        f"(target >= {TARGET_VS_BARE:g}); PIL loop {pil_rate:.0f} images/s ({get_data_rate / pil_rate:.1f}x)"
    )
    verdict = "PASS" if extra < 100 and added < limit and vs_bare >= TARGET_VS_BARE else "MISS"
    print(
        f"bench get_data_memory: peak_added_mb={added:.0f} target <{limit:.0f} and "
        f"get_data_vs_bare_tf_data={vs_bare:.2f} target >={TARGET_VS_BARE:g} {verdict}"
    )
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        measure_in_this_process(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit(main())
