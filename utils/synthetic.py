"""Generated stand-ins for the two Kaggle datasets, written in Kaggle's raw layouts.

Without a Kaggle account (or offline, or in CI) the course runs on pictures drawn by
utils.synthetic_pictures, which carry a class signal a network can learn from the pixels
alone. They come in the exact raw layouts Kaggle ships, so the preparation code runs on
them unchanged. Every generated dataset root holds a marker file (utils.provenance), so
results on these pictures are always flagged as coming from generated data.
"""

import csv
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

from utils.files import STATEFARM_CLASSES, atomic_path, progress
from utils.provenance import start_generation, write_marker
from utils.synthetic_pictures import dogscats_image, driver_look, statefarm_image

GENERATOR_VERSION = 3  # bump when the pictures change, so old folders can be spotted
JPEG_QUALITY = 85
PARALLEL_FROM = 200  # images; for fewer, starting worker processes costs more than it saves


# ---------------------------------------------------------------- dogs vs cats


def generate_dogscats(root, n_train=2000, n_test=200, seed=0):
    """Write Kaggle's raw Dogs vs Cats layout under `root`:

        train/cat.N.jpg, train/dog.N.jpg   (n_train in all, half each)
        test/N.jpg                         (n_test, N from 1, classes mixed)
        sample_submission.csv              (id,label)

    Deterministic for a seed; safe to re-run (it finishes an interrupted run).
    Returns `root` as a Path.
    """
    root = Path(root)
    settings = {
        "dataset": "dogscats",
        "n_train": n_train,
        "n_test": n_test,
        "seed": seed,
        "version": GENERATOR_VERSION,
    }
    if not start_generation(root, {"settings": settings}):
        return root
    (root / "train").mkdir(exist_ok=True)
    (root / "test").mkdir(exist_ok=True)
    jobs = [
        (
            root / "train" / f"{('cat', 'dog')[index % 2]}.{index // 2}.jpg",
            _dogscats_picture,
            (seed, "train", index, index % 2 == 1),
        )
        for index in range(n_train)
    ]
    jobs += [
        (root / "test" / f"{number}.jpg", _dogscats_picture, (seed, "test", number, None))
        for number in range(1, n_test + 1)
    ]
    _write_jpegs(jobs, "dogs vs cats")
    _write_csv(
        root / "sample_submission.csv", ["id", "label"], [[number, 0.5] for number in range(1, n_test + 1)]
    )
    write_marker(root, {"settings": settings, "complete": True})
    return root


def _dogscats_picture(seed, split, index, is_dog):
    """Image `index` of a split; is_dog=None (test images) draws the class at random."""
    rng = _rng(seed, split, index)
    if is_dog is None:
        is_dog = bool(rng.integers(2))
    return dogscats_image(rng, is_dog)


# ---------------------------------------------------------------- State Farm


def generate_statefarm(root, n_drivers=8, images_per_class=40, n_test=100, seed=0):
    """Write Kaggle's raw State Farm layout under `root`:

        train/c0 .. c9/img_N.jpg      (images_per_class per class, drivers mixed)
        test/img_N.jpg                (n_test)
        driver_imgs_list.csv          (subject,classname,img)
        sample_submission.csv         (img,c0,...,c9)

    `n_drivers` (at least 6) drivers each have their own cabin look. Image
    numbers are shuffled so the name says nothing about class or driver.
    Deterministic for a seed; safe to re-run. Returns `root` as a Path.
    """
    _check_statefarm_settings(n_drivers, images_per_class)
    root = Path(root)
    settings = {
        "dataset": "statefarm",
        "n_drivers": n_drivers,
        "images_per_class": images_per_class,
        "n_test": n_test,
        "seed": seed,
        "version": GENERATOR_VERSION,
    }
    if not start_generation(root, {"settings": settings}):
        return root
    n_train = 10 * images_per_class
    numbers = np.random.default_rng([seed, 7]).permutation(n_train + n_test) + 1
    rows, jobs = _statefarm_train_jobs(root, seed, n_drivers, numbers[:n_train])
    test_names = [f"img_{number}.jpg" for number in numbers[n_train:]]
    jobs += [
        (root / "test" / name, _statefarm_picture, (seed, "test", index, n_drivers, None, None))
        for index, name in enumerate(test_names)
    ]
    _write_jpegs(jobs, "State Farm")
    _write_csv(root / "driver_imgs_list.csv", ["subject", "classname", "img"], rows)
    sample = [[name, *[0.1] * 10] for name in test_names]
    _write_csv(root / "sample_submission.csv", ["img", *STATEFARM_CLASSES], sample)
    write_marker(root, {"settings": settings, "complete": True})
    return root


def _check_statefarm_settings(n_drivers, images_per_class):
    if n_drivers < 6:
        raise ValueError(
            f"n_drivers={n_drivers}: use at least 6 so whole drivers "
            "can be held out for validation and still leave enough to train on"
        )
    if images_per_class < n_drivers:
        raise ValueError(
            f"images_per_class={images_per_class} is below n_drivers={n_drivers}: "
            "every driver must appear in every class"
        )


def _statefarm_train_jobs(root, seed, n_drivers, numbers):
    """driver_imgs_list.csv's rows and the training pictures' jobs: classes in turn, drivers in turn."""
    subjects = [f"p{3 * d + 2:03d}" for d in range(n_drivers)]  # Kaggle-like ids: p002, p005...
    rows, jobs = [], []
    for index, number in enumerate(numbers):
        class_index, driver = index % 10, index // 10 % n_drivers
        name, classname = f"img_{number}.jpg", STATEFARM_CLASSES[class_index]
        rows.append([subjects[driver], classname, name])
        args = (seed, "train", index, n_drivers, driver, class_index)
        jobs.append((root / "train" / classname / name, _statefarm_picture, args))
    return rows, jobs


def _statefarm_picture(seed, split, index, n_drivers, driver, class_index):
    """Image `index` of a split; driver=None (test images) draws driver and class."""
    rng = _rng(seed, split, index)
    if driver is None:
        driver, class_index = int(rng.integers(n_drivers)), int(rng.integers(10))
    look = driver_look(np.random.default_rng([seed, 1000 + driver]))
    return statefarm_image(rng, look, class_index)


# ---------------------------------------------------------------- shared helpers


def _rng(seed, split, index):
    """One generator per image: image i is the same whatever the dataset size."""
    return np.random.default_rng([seed, {"train": 1, "test": 2}[split], index])


def _write_jpegs(jobs, description):
    """Write (path, picture_function, args) jobs not done yet, in parallel if many."""
    todo = [job for job in jobs if not job[0].exists()]
    for folder in {path.parent for path, _, _ in todo}:
        folder.mkdir(parents=True, exist_ok=True)
    if len(todo) < PARALLEL_FROM or (os.cpu_count() or 1) < 2:
        for job in progress(todo, description, "img"):
            _write_job(job)
        return
    # "spawn" starts clean workers: safe even when TensorFlow is loaded in this process.
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(os.cpu_count(), mp_context=spawn) as pool:
        for _ in progress(pool.map(_write_job, todo, chunksize=8), description, "img", len(todo)):
            pass


def _write_job(job):
    path, picture, args = job
    _write_jpeg(path, lambda: picture(*args))


def _write_jpeg(path, make_pixels):
    """Write a JPEG via a temporary name; skip it if it is already there."""
    if path.exists():
        return
    with atomic_path(path) as partial:
        Image.fromarray(make_pixels()).save(partial, "JPEG", quality=JPEG_QUALITY)


def _write_csv(path, header, rows):
    with atomic_path(path) as partial, open(partial, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
