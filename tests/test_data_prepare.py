"""utils.prepare: raw Kaggle layout -> train/valid/test/sample, without ever losing a file."""

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from file_trees import assert_safe, checksums, originals
from utils import planned_moves
from utils.prepare import (
    DriverImage,
    count_images,
    prepare_dogscats,
    prepare_statefarm,
    read_driver_list,
    split_at_random,
    split_by_driver,
)
from utils.synthetic import generate_dogscats, generate_statefarm

REPO = Path(__file__).resolve().parent.parent
DOGSCATS_SETTINGS = {"n_valid": 10, "n_sample_train": 6, "n_sample_valid": 4, "n_sample_test": 3}
STATEFARM_SETTINGS = {"valid_drivers": 2, "n_sample_train": 20, "n_sample_valid": 10, "n_sample_test": 3}


@pytest.fixture(scope="module")
def raw_dogscats(tmp_path_factory):
    return generate_dogscats(tmp_path_factory.mktemp("raw") / "dogscats", n_train=40, n_test=8)


@pytest.fixture(scope="module")
def raw_statefarm(tmp_path_factory):
    return generate_statefarm(
        tmp_path_factory.mktemp("raw") / "statefarm", n_drivers=6, images_per_class=6, n_test=6
    )


@pytest.fixture
def dogscats(raw_dogscats, tmp_path):
    return Path(shutil.copytree(raw_dogscats, tmp_path / "dogscats"))


@pytest.fixture
def statefarm(raw_statefarm, tmp_path):
    return Path(shutil.copytree(raw_statefarm, tmp_path / "statefarm"))


def test_dogscats_layout_and_counts(dogscats, raw_dogscats):
    counts = prepare_dogscats(dogscats, **DOGSCATS_SETTINGS)
    assert sum(counts["train"].values()) == 30 and sum(counts["valid"].values()) == 10
    assert counts["test"] == {"unknown": 8}
    assert counts["sample/train"] == {"cats": 3, "dogs": 3}
    assert counts["sample/valid"] == {"cats": 2, "dogs": 2}
    assert counts["sample/test"] == {"unknown": 3}
    for split in ("train", "valid", "sample/train", "sample/valid"):
        for classname in ("cats", "dogs"):
            names = [p.name for p in (dogscats / split / classname).iterdir()]
            assert names and all(n.startswith(classname[:3] + ".") for n in names)
    assert not list((dogscats / "train").glob("*.jpg")) and not list((dogscats / "test").glob("*.jpg"))
    assert (dogscats / "sample_submission.csv").is_file()
    assert_safe(dogscats, raw_dogscats)  # nothing lost or doubled; samples are copies of kept files


def test_every_step_three_times_changes_nothing(dogscats, statefarm):
    for root, prepare_fn, settings in (
        (dogscats, prepare_dogscats, DOGSCATS_SETTINGS),
        (statefarm, prepare_statefarm, STATEFARM_SETTINGS),
    ):
        first = prepare_fn(root, **settings)
        after_first = checksums(root)
        for _ in range(2):
            assert prepare_fn(root, **settings) == first
            assert checksums(root) == after_first


def test_split_is_repeatable_for_a_seed(raw_dogscats, tmp_path):
    a = shutil.copytree(raw_dogscats, tmp_path / "a")
    b = shutil.copytree(raw_dogscats, tmp_path / "b")
    prepare_dogscats(a, **DOGSCATS_SETTINGS)
    prepare_dogscats(b, **DOGSCATS_SETTINGS)
    assert checksums(a) == checksums(b)


def test_a_run_killed_with_sigkill_is_finished_by_the_next_run(statefarm, raw_statefarm, tmp_path):
    reference = Path(shutil.copytree(raw_statefarm, tmp_path / "reference"))
    prepare_statefarm(reference, **STATEFARM_SETTINGS)
    script = (
        "import sys, time\n"
        f"sys.path.insert(0, {str(REPO)!r})\n"
        "from utils import planned_moves, prepare\n"
        "real = planned_moves.move_file\n"
        "def slow(source, target):\n"
        "    time.sleep(0.05)\n"
        "    real(source, target)\n"
        "planned_moves.move_file = slow\n"
        f"prepare.prepare_statefarm({str(statefarm)!r}, **{STATEFARM_SETTINGS!r})\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.time() + 30
    while time.time() < deadline and len(list((statefarm / "valid").rglob("*.jpg"))) < 4:
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.wait()
    moved = len(list((statefarm / "valid").rglob("*.jpg")))
    assert child.returncode == -signal.SIGKILL and 4 <= moved < 20, "kill should land mid-way"
    assert originals(statefarm) == originals(raw_statefarm)
    prepare_statefarm(statefarm, **STATEFARM_SETTINGS)
    assert checksums(statefarm) == checksums(reference)


def test_other_settings_on_a_prepared_folder_are_refused(dogscats):
    prepare_dogscats(dogscats, **DOGSCATS_SETTINGS)
    before = checksums(dogscats)
    for change in ({"seed": 7}, {"n_valid": 12}):
        with pytest.raises(ValueError, match="already split with other settings") as error:
            prepare_dogscats(dogscats, **(DOGSCATS_SETTINGS | change))
        key = next(iter(change))
        assert f"{key}: was" in str(error.value)
    assert checksums(dogscats) == before


def test_too_many_validation_images_is_refused(dogscats):
    with pytest.raises(ValueError, match="n_valid=40"):
        prepare_dogscats(dogscats, **(DOGSCATS_SETTINGS | {"n_valid": 40}))
    assert not (dogscats / planned_moves.MANIFEST_NAME).exists()


def test_missing_raw_data_points_to_download_or_make_data(tmp_path):
    with pytest.raises(FileNotFoundError, match="make data"):
        prepare_dogscats(tmp_path / "nothing-here")


def drivers_in(root, split):
    by_image = {image.img: image.subject for image in read_driver_list(root)}
    return {by_image[p.name] for p in (root / split).rglob("*.jpg")}


def test_statefarm_holds_out_whole_drivers_in_valid_and_in_the_sample(statefarm):
    counts = prepare_statefarm(statefarm, **STATEFARM_SETTINGS)
    assert sorted(counts["train"]) == sorted(counts["valid"]) == [f"c{i}" for i in range(10)]
    assert sum(counts["train"].values()) == 40 and sum(counts["valid"].values()) == 20
    assert counts["sample/train"] == {f"c{i}": 2 for i in range(10)}
    assert counts["test"] == {"unknown": 6}
    train, valid = drivers_in(statefarm, "train"), drivers_in(statefarm, "valid")
    assert len(valid) == 2 and len(train) == 4 and not train & valid
    assert drivers_in(statefarm, "sample/train") <= train
    assert drivers_in(statefarm, "sample/valid") <= valid
    assert (statefarm / "driver_imgs_list.csv").is_file()


def test_statefarm_named_validation_drivers(statefarm):
    prepare_statefarm(statefarm, **(STATEFARM_SETTINGS | {"valid_drivers": ["p005", "p002"]}))
    assert drivers_in(statefarm, "valid") == {"p002", "p005"}


def test_statefarm_without_driver_list_names_the_file(statefarm):
    (statefarm / "driver_imgs_list.csv").unlink()
    before = checksums(statefarm)
    with pytest.raises(FileNotFoundError, match="driver_imgs_list.csv"):
        prepare_statefarm(statefarm, **STATEFARM_SETTINGS)
    assert checksums(statefarm) == before


def test_statefarm_list_missing_some_images_names_them(statefarm):
    listing = statefarm / "driver_imgs_list.csv"
    lines = listing.read_text().splitlines()
    dropped = lines[5].split(",")
    listing.write_text("\n".join(lines[:5] + lines[6:]) + "\n")
    before = checksums(statefarm)
    with pytest.raises(ValueError) as error:
        prepare_statefarm(statefarm, **STATEFARM_SETTINGS)
    assert "driver_imgs_list.csv" in str(error.value) and dropped[2] in str(error.value)
    assert checksums(statefarm) == before


def test_statefarm_list_naming_absent_images_warns_and_goes_on(statefarm):
    listing = statefarm / "driver_imgs_list.csv"
    listing.write_text(listing.read_text() + "p002,c3,img_999999.jpg\n")
    with pytest.warns(UserWarning, match=r"driver_imgs_list\.csv.*img_999999\.jpg"):
        counts = prepare_statefarm(statefarm, **STATEFARM_SETTINGS)
    assert sum(counts["train"].values()) + sum(counts["valid"].values()) == 60


def test_random_split_mixes_drivers_and_driver_split_does_not():
    images = [
        DriverImage(f"p{d:03d}", f"c{c}", f"img_{d}_{c}_{k}.jpg")
        for d in range(8)
        for c in range(10)
        for k in range(3)
    ]
    train, valid = split_by_driver(images, valid_drivers=2, seed=0)
    assert not {i.subject for i in train} & {i.subject for i in valid}
    assert len({i.subject for i in valid}) == 2 and len(train) + len(valid) == len(images)
    train, valid = split_at_random(images, valid_fraction=0.2, seed=0)
    assert len(valid) == 48 and {i.subject for i in train} & {i.subject for i in valid}
    assert len({i.classname for i in valid}) == 10  # stratified: every class present


def test_an_already_prepared_folder_without_manifest_is_left_alone(tmp_path):
    root = tmp_path / "dogscats"
    for split in ("train/cats", "train/dogs", "valid/cats", "valid/dogs"):
        (root / split).mkdir(parents=True)
        (root / split / "x.jpg").write_bytes(b"img")
    before = checksums(root)
    counts = prepare_dogscats(root)
    assert counts["valid"] == {"cats": 1, "dogs": 1} and checksums(root) == before
    assert count_images(root) == counts


def test_a_sample_too_small_for_every_class_is_refused(statefarm):
    before = checksums(statefarm)
    with pytest.raises(ValueError, match="n_sample_valid=5 is fewer than the 10 classes"):
        prepare_statefarm(statefarm, **(STATEFARM_SETTINGS | {"n_sample_valid": 5}))
    assert checksums(statefarm) == before
