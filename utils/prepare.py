"""Turn a raw Kaggle download into the folders the course trains from.

    dogscats/                          statefarm/
      train/cats/ train/dogs/            train/c0 .. c9/
      valid/cats/ valid/dogs/            valid/c0 .. c9/      (whole drivers held out)
      test/unknown/                      test/unknown/
      sample/{train,valid,test}/...      sample/{train,valid,test}/...   (copies)

Moving thousands of files is where data gets lost, so every step is safe:

* the whole plan (every move and copy) is written to a manifest *before*
  anything moves; a run that is interrupted is finished by the next run
  (utils.planned_moves);
* re-running changes nothing, and asking for a different split of an already
  split folder is refused instead of mixing two splits;
* nothing is ever deleted, and sample images are copies.
"""

import csv
import os
import warnings
from collections import namedtuple
from pathlib import Path

import numpy as np

from utils.files import DOGSCATS_CLASSES, is_image_name
from utils.planned_moves import carry_out, check_same_settings, check_writable, read_manifest, write_manifest
from utils.subsets import balanced_subset, stratified_split

SPLITS = ("train", "valid", "test", "sample/train", "sample/valid", "sample/test")
DriverImage = namedtuple("DriverImage", "subject classname img")


# ---------------------------------------------------------------- entry points

DOGSCATS_DEFAULTS = {
    "n_valid": 2000,
    "n_sample_train": 200,
    "n_sample_valid": 50,
    "n_sample_test": 50,
    "seed": 42,
}
STATEFARM_DEFAULTS = {
    "valid_drivers": 3,
    "n_sample_train": 1500,
    "n_sample_valid": 1000,
    "n_sample_test": 100,
    "seed": 42,
}


def prepare_dogscats(
    root, n_valid=None, n_sample_train=None, n_sample_valid=None, n_sample_test=None, seed=None
):
    """Split Kaggle's Dogs vs Cats download at `root` (train/cat.N.jpg ...).

    `n_valid` random training images (chosen by `seed`) move to valid/;
    the class comes from the file name. Returns counts per split and class.
    A setting left out keeps the value `root` was prepared with, else the
    default in DOGSCATS_DEFAULTS (2,000 validation images, as in 2017).
    """
    asked = {
        "n_valid": n_valid,
        "n_sample_train": n_sample_train,
        "n_sample_valid": n_sample_valid,
        "n_sample_test": n_sample_test,
        "seed": seed,
    }
    settings = _settings(root, "dogscats", DOGSCATS_DEFAULTS, asked)
    return _prepare(Path(root), settings, _plan_dogscats)


def prepare_statefarm(
    root, valid_drivers=None, n_sample_train=None, n_sample_valid=None, n_sample_test=None, seed=None
):
    """Split Kaggle's State Farm download at `root` (train/c0..c9/, driver_imgs_list.csv).

    valid_drivers: how many drivers to hold out (picked by `seed`), or a list
    of driver ids such as ["p002", "p081"]. Every image of those drivers moves
    to valid/, so no driver appears in both train and valid. The sample keeps
    that property. Returns counts per split and class. A setting left out
    keeps the value `root` was prepared with, else STATEFARM_DEFAULTS's.
    """
    if valid_drivers is not None and not isinstance(valid_drivers, int):
        valid_drivers = sorted(valid_drivers)
    asked = {
        "valid_drivers": valid_drivers,
        "n_sample_train": n_sample_train,
        "n_sample_valid": n_sample_valid,
        "n_sample_test": n_sample_test,
        "seed": seed,
    }
    settings = _settings(root, "statefarm", STATEFARM_DEFAULTS, asked)
    return _prepare(Path(root), settings, _plan_statefarm)


def _settings(root, dataset, defaults, asked):
    """What was asked, else what `root` was prepared with, else the defaults."""
    recorded = prepared_settings(root) or {}
    chosen = {key: recorded.get(key, default) for key, default in defaults.items()}
    chosen.update({key: value for key, value in asked.items() if value is not None})
    return {"dataset": dataset, **chosen}


def count_images(root):
    """{split: {class: number of images}} for the prepared layout under `root`."""
    counts = {}
    for split in SPLITS:
        folder = Path(root) / split
        if folder.is_dir():
            counts[split] = {
                entry.name: len(_images_in(entry)) for entry in sorted(folder.iterdir()) if entry.is_dir()
            }
    return counts


def summarize(counts):
    """A few readable lines from `count_images` output."""
    lines = []
    for split, per_class in counts.items():
        shown = ", ".join(f"{name} {number}" for name, number in per_class.items())
        lines.append(f"{split:>13}: {sum(per_class.values()):6d}  ({shown})")
    return "\n".join(lines)


def prepared_settings(root):
    """The settings `root` was (or is being) prepared with, or None."""
    manifest = read_manifest(Path(root))
    return manifest["settings"] if manifest else None


# ---------------------------------------------------------------- State Farm drivers


def read_driver_list(root):
    """The rows of `root/driver_imgs_list.csv` as DriverImage(subject, classname, img)."""
    listing = Path(root) / "driver_imgs_list.csv"
    if not listing.is_file():
        raise FileNotFoundError(
            f"{listing} not found. It comes with the State Farm download and says which "
            "driver is in each image; without it drivers can't be kept out of validation."
        )
    with open(listing, newline="") as handle:
        reader = csv.DictReader(handle)
        if not {"subject", "classname", "img"} <= set(reader.fieldnames or []):
            raise ValueError(
                f"{listing} should have the columns subject,classname,img; it has {reader.fieldnames}"
            )
        return [DriverImage(row["subject"], row["classname"], row["img"]) for row in reader]


def split_by_driver(images, valid_drivers=3, seed=42):
    """Split DriverImages so that each driver is in train or in valid, never both.

    Uses scikit-learn's GroupShuffleSplit with drivers as groups. Returns
    (train, valid) lists.
    """
    subjects = np.array([image.subject for image in images])
    drivers = sorted(set(subjects))
    if isinstance(valid_drivers, int):
        if not 0 < valid_drivers < len(drivers):
            raise ValueError(
                f"valid_drivers={valid_drivers}, but there are {len(drivers)} "
                "drivers: hold out at least one and leave at least one to train on"
            )
        from sklearn.model_selection import GroupShuffleSplit

        splitter = GroupShuffleSplit(n_splits=1, test_size=valid_drivers, random_state=seed)
        _, valid_rows = next(splitter.split(subjects, groups=subjects))
        held_out = set(subjects[valid_rows])
    else:
        held_out = set(valid_drivers)
        unknown = held_out - set(drivers)
        if unknown:
            raise ValueError(f"unknown drivers {sorted(unknown)}; the drivers are {drivers}")
    train = [image for image in images if image.subject not in held_out]
    valid = [image for image in images if image.subject in held_out]
    return train, valid


def split_at_random(images, valid_fraction=0.2, seed=42):
    """A plain random split, ignoring drivers: the same drivers end up on both
    sides, so validation accuracy looks better than it will be on new drivers.
    Returns (train, valid) lists."""
    images = list(images)
    train, valid, _, _ = stratified_split(images, [image.classname for image in images], valid_fraction, seed)
    return train, valid


def locate(root, image):
    """Where a DriverImage is now: root/train/<class>/<img> or root/valid/<class>/<img>."""
    for split in ("train", "valid"):
        path = Path(root) / split / image.classname / image.img
        if path.exists():
            return path
    raise FileNotFoundError(
        f"{image.img} ({image.classname}) is in neither {Path(root) / 'train'} nor {Path(root) / 'valid'}"
    )


# ---------------------------------------------------------------- planning


def _plan_dogscats(root, settings):
    raw = _loose_images(root / "train")
    labelled = [name for name in raw if name.split(".")[0].lower() in ("cat", "dog")]
    if len(labelled) < len(raw):
        odd = sorted(set(raw) - set(labelled))
        warnings.warn(
            f"{root / 'train'}: {len(odd)} files don't start with 'cat.' or 'dog.' "
            f"and stay where they are, e.g. {odd[:3]}",
            stacklevel=3,
        )
    n_valid = settings["n_valid"]
    if not 0 < n_valid < len(labelled):
        raise ValueError(
            f"n_valid={n_valid} but {root / 'train'} has {len(labelled)} "
            "labelled images; choose a number between 1 and that"
        )
    rng = np.random.default_rng(settings["seed"])
    valid = set(rng.choice(labelled, size=n_valid, replace=False).tolist())
    moves = []
    for name in labelled:
        cats, dogs = DOGSCATS_CLASSES
        classname = cats if name.lower().startswith("cat") else dogs
        split = "valid" if name in valid else "train"
        moves.append((f"train/{name}", f"{split}/{classname}/{name}"))
    moves += _test_moves(root)
    final_places = [target for _, target in moves]
    return {"moves": moves, "copies": _sample_copies(final_places, settings, rng)}


def _plan_statefarm(root, settings):
    images = _check_driver_list(root, read_driver_list(root))
    _, valid = split_by_driver(images, settings["valid_drivers"], settings["seed"])
    valid = set(valid)
    moves = [
        (f"train/{image.classname}/{image.img}", f"valid/{image.classname}/{image.img}")
        for image in images
        if image in valid
    ]
    moves += _test_moves(root)
    final_places = [target for _, target in moves]
    final_places += [f"train/{image.classname}/{image.img}" for image in images if image not in valid]
    rng = np.random.default_rng(settings["seed"])
    return {"moves": moves, "copies": _sample_copies(final_places, settings, rng)}


def _check_driver_list(root, images):
    """Match driver_imgs_list.csv against the images on disk; name any mismatch."""
    listing = root / "driver_imgs_list.csv"
    on_disk = {
        (folder.name, name) for folder in _class_folders(root / "train") for name in _images_in(folder)
    }
    listed = {(image.classname, image.img) for image in images}
    unlisted = sorted(on_disk - listed)
    if unlisted:
        raise ValueError(
            f"{listing} does not list {len(unlisted)} images in {root / 'train'}, e.g. "
            f"{['/'.join(pair) for pair in unlisted[:5]]}. Without their driver they can't "
            "be placed safely; restore the original list or move those images out first."
        )
    missing = sorted(listed - on_disk)
    if missing:
        warnings.warn(
            f"{listing} names {len(missing)} images that are not in {root / 'train'}, e.g. "
            f"{['/'.join(pair) for pair in missing[:5]]}; they are ignored.",
            stacklevel=3,
        )
    return [image for image in images if (image.classname, image.img) in on_disk]


def _test_moves(root):
    """Unlabelled test images go into test/unknown/, a one-class folder."""
    return [(f"test/{name}", f"test/unknown/{name}") for name in _loose_images(root / "test")]


def _sample_copies(final_places, settings, rng):
    """Copies into sample/: per split, an equal share of each class."""
    copies = []
    for split in ("train", "valid", "test"):
        targets = sorted(place for place in final_places if place.startswith(f"{split}/"))
        try:
            picked = balanced_subset([t.split("/")[1] for t in targets], settings[f"n_sample_{split}"], rng)
        except ValueError as error:
            raise ValueError(f"n_sample_{split}={error}") from None
        copies += [(targets[i], f"sample/{targets[i]}") for i in picked]
    return copies


# ---------------------------------------------------------------- carrying out (utils.planned_moves)


def _prepare(root, settings, make_plan):
    """Plan (or reload the plan), record it, carry it out, mark it done."""
    manifest = read_manifest(root)
    if manifest is None:
        _check_raw_layout(root)
        if _looks_prepared(root):
            print(f"{root}: already in the train/valid layout (no manifest); left as it is.")
            return count_images(root)
        manifest = {"settings": settings, "status": "planned", **make_plan(root, settings)}
        check_writable(root, manifest)
        write_manifest(root, manifest)
    else:
        check_same_settings(root, manifest["settings"], settings)
        if manifest["status"] == "done":
            return count_images(root)
        print(f"{root}: finishing a preparation that was interrupted.")
        check_writable(root, manifest)
    carry_out(root, manifest)
    write_manifest(root, {**manifest, "status": "done"})
    return count_images(root)


def _check_raw_layout(root):
    if not (root / "train").is_dir():
        raise FileNotFoundError(
            f"{root / 'train'} not found. Download the competition first "
            "(utils.download) or make the generated data (make data)."
        )


def _looks_prepared(root):
    """A layout prepared by other means: class folders and no raw files left."""
    return (
        (root / "valid").is_dir() and not _loose_images(root / "train") and not _loose_images(root / "test")
    )


# ---------------------------------------------------------------- small helpers


def _images_in(folder):
    return sorted(entry.name for entry in os.scandir(folder) if entry.is_file() and is_image_name(entry.name))


def _loose_images(folder):
    """Images directly in `folder` (not in a class subfolder)."""
    return _images_in(folder) if Path(folder).is_dir() else []


def _class_folders(folder):
    return sorted(entry for entry in Path(folder).iterdir() if entry.is_dir())
