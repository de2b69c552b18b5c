"""bench arrays: save_array/load_array (bcolz) against np.save and np.savez_compressed.

Three arrays, all in one run so the ratios share the machine's state:
  photos_f32  (2000, 224, 224, 3) float32 crops of real photos (bench/photos.py)
  photos_u8   the same crops as uint8
  softmax     (23000, 1000) float32 softmax-like rows (little to compress)
Each save and load is timed as the best of REPEATS runs. Run from the repo root:
  .venv/bin/python bench/arrays.py
"""
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from photos import photo_crops

import utils

REPEATS = 3
N_CROPS, SIDE = 2000, 224


def softmax_rows(n, classes, seed=0):
    logits = np.random.default_rng(seed).normal(0, 3, (n, classes)).astype(np.float32)
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


def best_time(fn, repeats=REPEATS):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def disk_bytes(path):
    path = Path(path)
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def measure(arr, folder):
    """Bytes and save/load seconds for the three formats on one array."""
    npy, npz, bc = folder / "a.npy", folder / "a.npz", folder / "a.bc"
    result = {
        "np.save": (best_time(lambda: np.save(npy, arr)),
                    best_time(lambda: np.load(npy)), disk_bytes(npy)),
        # zlib is ~100x slower than the others: one run is plenty to time it.
        "savez_compressed": (best_time(lambda: np.savez_compressed(npz, a=arr), repeats=1),
                             best_time(lambda: np.load(npz)["a"], repeats=1), disk_bytes(npz)),
        "save_array": (best_time(lambda: utils.save_array(bc, arr, overwrite=True)),
                       best_time(lambda: utils.load_array(bc)), disk_bytes(bc)),
    }
    assert np.array_equal(utils.load_array(bc), arr), "bcolz round trip changed the data"
    return result


def main():
    crops, _ = photo_crops(N_CROPS, SIDE)
    arrays = {"photos_f32": crops.astype(np.float32), "photos_u8": crops,
              "softmax": softmax_rows(23000, 1000)}
    rows = {}
    utils.build_root().mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=utils.build_root()) as tmp:
        for name, arr in arrays.items():
            print(f"measuring {name} {arr.shape} {arr.dtype} ...", flush=True)
            folder = Path(tmp) / name
            folder.mkdir()
            rows[name] = measure(arr, folder)
            shutil.rmtree(folder)

    print(f"{'array':<11} {'format':<17} {'MB':>8} {'save s':>8} {'load s':>8} "
          f"{'bytes/np':>9} {'save/np':>8} {'load/np':>8}")
    for name, result in rows.items():
        base_save, base_load, base_bytes = result["np.save"]
        for fmt, (save_s, load_s, nbytes) in result.items():
            print(f"{name:<11} {fmt:<17} {nbytes / 1e6:8.1f} {save_s:8.3f} {load_s:8.3f} "
                  f"{nbytes / base_bytes:9.2f} {save_s / base_save:8.2f} {load_s / base_load:8.2f}")

    photo = rows["photos_f32"]
    soft = rows["softmax"]
    checks = {
        "photo bytes/np.save <= 0.33": photo["save_array"][2] / photo["np.save"][2] <= 0.33,
        "photo savez/save_array save >= 50": photo["savez_compressed"][0] / photo["save_array"][0] >= 50,
        "photo load/np.load <= 2": photo["save_array"][1] / photo["np.save"][1] <= 2,
        "softmax save/np.save <= 2": soft["save_array"][0] / soft["np.save"][0] <= 2,
        "softmax load/np.load <= 2": soft["save_array"][1] / soft["np.save"][1] <= 2,
    }
    for check, ok in checks.items():
        print(f"  {'ok  ' if ok else 'MISS'} {check}")
    bytes_ratio = photo["save_array"][2] / photo["np.save"][2]
    verdict = "PASS" if all(checks.values()) else "MISS"
    print(f"bench arrays: photo_bytes_ratio={bytes_ratio:.3f} target <=0.33 "
          f"(and {sum(checks.values())}/{len(checks)} ratio targets) {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
