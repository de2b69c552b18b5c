"""Hostile runs of utils.prepare_dogscats / utils.prepare_statefarm.

After every case, whatever happened (an error, a crash, a kill), two things hold:
the multiset of image checksums outside sample/ equals the raw download's
(nothing lost, nothing doubled; sample/ only holds copies), and no image is
in two of train/, valid/ and test/.
"""

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import tqdm  # noqa: F401  (imported before the fork in run_as_nobody)

import utils
from file_trees import assert_safe, checksums, failing_after, originals
from utils import planned_moves
from utils.synthetic import generate_dogscats, generate_statefarm

REPO = Path(__file__).resolve().parent.parent
DOGSCATS = {"n_valid": 8, "n_sample_train": 4, "n_sample_valid": 2, "n_sample_test": 2}
STATEFARM = {"valid_drivers": 2, "n_sample_train": 10, "n_sample_valid": 10, "n_sample_test": 2}


@pytest.fixture(scope="module")
def raw(tmp_path_factory):
    """Tiny raw downloads, made once; each test works on its own copy."""
    folder = tmp_path_factory.mktemp("hostile-raw")
    return {
        "dogscats": generate_dogscats(folder / "dogscats", n_train=24, n_test=4),
        "statefarm": generate_statefarm(folder / "statefarm", n_drivers=6, images_per_class=6, n_test=3),
    }


@pytest.fixture
def dogscats(raw, tmp_path):
    return Path(shutil.copytree(raw["dogscats"], tmp_path / "dogscats"))


@pytest.fixture
def statefarm(raw, tmp_path):
    return Path(shutil.copytree(raw["statefarm"], tmp_path / "statefarm"))


def prepared_reference(raw_root, tmp_path, prepare_fn, settings):
    reference = Path(shutil.copytree(raw_root, tmp_path / "reference"))
    prepare_fn(reference, **settings)
    return checksums(reference)


# ---------------------------------------------------------------- repeating and crashing


@pytest.mark.parametrize("dataset", ["dogscats", "statefarm"])
def test_preparation_run_three_times_changes_nothing_after_the_first(raw, tmp_path, dataset):
    root = Path(shutil.copytree(raw[dataset], tmp_path / dataset))
    prepare_fn, settings = (
        (utils.prepare_dogscats, DOGSCATS) if dataset == "dogscats" else (utils.prepare_statefarm, STATEFARM)
    )
    counts = prepare_fn(root, **settings)
    after_first = checksums(root)
    for _ in range(2):
        assert prepare_fn(root, **settings) == counts
        assert checksums(root) == after_first
    assert_safe(root, raw[dataset])


MOVES, COPIES = 24 + 4, 4 + 2 + 2  # train and test images moved; sample copies


@pytest.mark.parametrize(
    "k",
    [0, random.Random(1).randrange(1, MOVES), MOVES + random.Random(2).randrange(COPIES)],
    ids=["before-the-first-move", "among-the-moves", "among-the-copies"],
)
def test_a_crash_after_k_file_operations_is_finished_by_the_next_run(raw, dogscats, tmp_path, monkeypatch, k):
    """Fail after k moves and copies (k random within each phase), then run again."""
    reference = prepared_reference(raw["dogscats"], tmp_path, utils.prepare_dogscats, DOGSCATS)
    done = []
    monkeypatch.setattr(planned_moves, "move_file", failing_after(k, planned_moves.move_file, done))
    monkeypatch.setattr(planned_moves, "copy_file", failing_after(k, planned_moves.copy_file, done))
    with pytest.raises(OSError, match="simulated crash"):
        utils.prepare_dogscats(dogscats, **DOGSCATS)
    assert len(done) == k < MOVES + COPIES
    assert_safe(dogscats, raw["dogscats"])
    monkeypatch.undo()
    utils.prepare_dogscats(dogscats, **DOGSCATS)
    assert checksums(dogscats) == reference
    assert_safe(dogscats, raw["dogscats"])


def test_a_run_killed_at_a_random_moment_is_finished_by_the_next_run(raw, dogscats, tmp_path):
    reference = prepared_reference(raw["dogscats"], tmp_path, utils.prepare_dogscats, DOGSCATS)
    script = (
        f"import sys, time\nsys.path.insert(0, {str(REPO)!r})\n"
        "from utils import planned_moves, prepare\n"
        "real = planned_moves.move_file\n"
        "planned_moves.move_file = lambda s, t: (time.sleep(0.05), real(s, t))\n"
        f"prepare.prepare_dogscats({str(dogscats)!r}, **{DOGSCATS!r})\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script])
    manifest = dogscats / planned_moves.MANIFEST_NAME
    deadline = time.time() + 30
    while not manifest.exists() and time.time() < deadline:  # wait until it has a plan
        time.sleep(0.005)
    time.sleep(random.Random(7).uniform(0.05, 0.4))  # then kill it somewhere in the moves
    child.send_signal(signal.SIGKILL)
    assert child.wait() == -signal.SIGKILL
    assert json.loads(manifest.read_text())["status"] == "planned"  # killed mid-way
    assert_safe(dogscats, raw["dogscats"])
    utils.prepare_dogscats(dogscats, **DOGSCATS)
    assert checksums(dogscats) == reference
    assert_safe(dogscats, raw["dogscats"])


def test_a_second_seed_on_the_same_folder_is_refused(dogscats, raw):
    utils.prepare_dogscats(dogscats, **DOGSCATS, seed=1)
    before = checksums(dogscats)
    with pytest.raises(ValueError) as error:
        utils.prepare_dogscats(dogscats, **DOGSCATS, seed=2)
    message = str(error.value)
    assert "seed: was 1, now 2" in message and "mix" in message and planned_moves.MANIFEST_NAME in message
    assert checksums(dogscats) == before
    assert_safe(dogscats, raw["dogscats"])


def test_a_second_seed_during_an_unfinished_run_is_refused_too(dogscats, raw, monkeypatch):
    monkeypatch.setattr(planned_moves, "move_file", failing_after(3, planned_moves.move_file, []))
    with pytest.raises(OSError):
        utils.prepare_dogscats(dogscats, **DOGSCATS, seed=1)
    monkeypatch.undo()
    with pytest.raises(ValueError, match="seed: was 1, now 2"):
        utils.prepare_dogscats(dogscats, **DOGSCATS, seed=2)  # would mix two half-splits
    assert_safe(dogscats, raw["dogscats"])
    utils.prepare_dogscats(dogscats, **DOGSCATS, seed=1)
    assert_safe(dogscats, raw["dogscats"])


# ---------------------------------------------------------------- State Farm's driver list


def test_statefarm_without_driver_list_names_the_file(statefarm, raw):
    (statefarm / "driver_imgs_list.csv").unlink()
    before = checksums(statefarm)
    with pytest.raises(FileNotFoundError) as error:
        utils.prepare_statefarm(statefarm, **STATEFARM)
    assert str(statefarm / "driver_imgs_list.csv") in str(error.value)
    assert "driver" in str(error.value)
    assert checksums(statefarm) == before


def test_statefarm_driver_list_missing_images_is_refused_naming_them(statefarm):
    listing = statefarm / "driver_imgs_list.csv"
    header, *rows = listing.read_text().splitlines()
    dropped = [rows[3].split(","), rows[11].split(",")]
    listing.write_text("\n".join([header] + rows[:3] + rows[4:11] + rows[12:]) + "\n")
    before = checksums(statefarm)
    with pytest.raises(ValueError) as error:
        utils.prepare_statefarm(statefarm, **STATEFARM)
    message = str(error.value)
    assert "does not list 2 images" in message and "driver_imgs_list.csv" in message
    assert all(f"{classname}/{image}" in message for _, classname, image in dropped)
    assert checksums(statefarm) == before and not (statefarm / planned_moves.MANIFEST_NAME).exists()


def test_statefarm_driver_list_naming_absent_images_warns_and_goes_on(statefarm):
    listing = statefarm / "driver_imgs_list.csv"
    listing.write_text(listing.read_text() + "p002,c4,img_ghost_1.jpg\np002,c7,img_ghost_2.jpg\n")
    before = originals(statefarm)
    with pytest.warns(UserWarning, match=r"names 2 images that are not in.*img_ghost_1\.jpg"):
        counts = utils.prepare_statefarm(statefarm, **STATEFARM)
    assert sum(counts["train"].values()) + sum(counts["valid"].values()) == 10 * 6
    assert_safe(statefarm, before)


# ---------------------------------------------------------------- a read-only data folder


def run_as_nobody(function, *args):
    """Call function(*args) in a forked child running as user 'nobody' (root
    can write to any folder, so a read-only folder must be tested without it).
    Returns the child's error as text, or "no error"."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop privileges, run, report, exit at once
        try:
            os.setgid(65534)
            os.setuid(65534)
            function(*args)
            message = "no error"
        except BaseException as error:
            message = f"{type(error).__name__}: {error}"
        os.write(write_end, message.encode()[:60000])
        os._exit(0)
    os.close(write_end)
    os.waitpid(pid, 0)
    with os.fdopen(read_end) as pipe:
        return pipe.read()


def test_read_only_data_folder_fails_before_any_move(raw):
    folder = Path(tempfile.mkdtemp(prefix="hostile-readonly-"))  # 'nobody' can't enter tmp_path
    try:
        os.chmod(folder, 0o755)
        root = Path(shutil.copytree(raw["dogscats"], folder / "dogscats"))
        before = checksums(root)
        for path in [root, *root.rglob("*")]:
            if path.is_dir():
                os.chmod(path, 0o555)
        if os.geteuid() == 0:  # root writes anywhere: run as 'nobody' in a child
            outcome = run_as_nobody(utils.prepare_dogscats, root, *DOGSCATS.values())
        else:
            with pytest.raises(PermissionError) as error:
                utils.prepare_dogscats(root, **DOGSCATS)
            outcome = f"PermissionError: {error.value}"
        assert outcome.startswith("PermissionError") and str(root) in outcome
        assert "read-only" in outcome and "Nothing was moved" in outcome
        assert checksums(root) == before
    finally:
        for path in [folder, *folder.rglob("*")]:
            if path.is_dir():
                os.chmod(path, 0o755)
        shutil.rmtree(folder)
