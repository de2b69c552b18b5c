"""utils.synthetic, utils.provenance and tools.make_sample_data: generated stand-ins for the Kaggle data."""

import csv

import numpy as np
import pytest
from PIL import Image

from file_trees import checksums, failing_after
from tools import make_sample_data
from utils import provenance, synthetic
from utils.provenance import MARKER_NAME, describe_data, is_generated
from utils.synthetic import generate_dogscats, generate_statefarm


def read_csv(path):
    with open(path, newline="") as handle:
        return list(csv.reader(handle))


@pytest.fixture(scope="module")
def dogscats(tmp_path_factory):
    return generate_dogscats(tmp_path_factory.mktemp("gen") / "dogscats", n_train=40, n_test=6)


@pytest.fixture(scope="module")
def statefarm(tmp_path_factory):
    return generate_statefarm(
        tmp_path_factory.mktemp("gen") / "statefarm", n_drivers=6, images_per_class=6, n_test=5
    )


def test_dogscats_has_kaggles_raw_layout(dogscats):
    names = sorted(p.name for p in (dogscats / "train").iterdir())
    assert names == sorted([f"cat.{i}.jpg" for i in range(20)] + [f"dog.{i}.jpg" for i in range(20)])
    assert sorted(p.name for p in (dogscats / "test").iterdir()) == [f"{i}.jpg" for i in range(1, 7)]
    rows = read_csv(dogscats / "sample_submission.csv")
    assert rows[0] == ["id", "label"] and [r[0] for r in rows[1:]] == [str(i) for i in range(1, 7)]


def test_dogscats_images_are_photo_sized_jpegs_whose_size_says_nothing_of_the_class(dogscats):
    sizes = {"cat": [], "dog": []}
    for path in (dogscats / "train").iterdir():
        with Image.open(path) as image:
            assert image.format == "JPEG" and image.mode == "RGB"
            assert 380 <= image.width <= 500 and 280 <= image.height <= 375
            sizes[path.name.split(".")[0]].append(image.size)
    assert len(set(sizes["cat"])) > 5 and len(set(sizes["dog"])) > 5  # varied


@pytest.fixture(scope="module")
def dogscats_200(tmp_path_factory):
    root = generate_dogscats(tmp_path_factory.mktemp("gen") / "dogscats", n_train=200, n_test=2)
    files = sorted((root / "train").glob("*.jpg"))
    pixels = [np.asarray(Image.open(f).convert("RGB"), np.float32) for f in files]
    return pixels, np.array([f.name.startswith("dog") for f in files])


def cross_validated_accuracy(features, labels):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    features = np.asarray(features)
    features = (features - features.mean(0)) / (features.std(0) + 1e-9)
    return cross_val_score(LogisticRegression(max_iter=2000), features, labels, cv=5).mean()


def test_dogscats_colour_does_not_give_the_class_away(dogscats_200):
    """Mean colour predicts cat or dog no better than a coin, so a model must learn shapes."""
    pixels, is_dog = dogscats_200
    mean_colours = [p.reshape(-1, 3).mean(axis=0) for p in pixels]
    assert cross_validated_accuracy(mean_colours, is_dog) <= 0.65


def test_dogscats_class_is_in_the_shapes_and_fur(dogscats_200):
    """Stripes (cats) vs spots (dogs): the direction of the edges separates the classes."""

    def edge_directions(picture):
        grey = np.asarray(
            Image.fromarray(picture.astype(np.uint8)).convert("L").resize((128, 96)), np.float32
        )
        down, across = np.abs(np.diff(grey, axis=0)), np.abs(np.diff(grey, axis=1))
        return [down.mean(), across.mean(), (down > 20).mean(), (across > 20).mean()]

    pixels, is_dog = dogscats_200
    assert cross_validated_accuracy([edge_directions(p) for p in pixels], is_dog) >= 0.85


def test_statefarm_has_kaggles_raw_layout(statefarm):
    rows = read_csv(statefarm / "driver_imgs_list.csv")
    assert rows[0] == ["subject", "classname", "img"]
    on_disk = {(p.parent.name, p.name) for p in (statefarm / "train").glob("c*/*.jpg")}
    assert {(r[1], r[2]) for r in rows[1:]} == on_disk and len(on_disk) == 60
    assert sorted(p.name for p in (statefarm / "train").iterdir()) == [f"c{i}" for i in range(10)]
    drivers = {r[0] for r in rows[1:]}
    assert len(drivers) == 6
    for driver in drivers:  # every driver appears in every class
        assert {r[1] for r in rows[1:] if r[0] == driver} == {f"c{i}" for i in range(10)}
    submission = read_csv(statefarm / "sample_submission.csv")
    assert submission[0] == ["img"] + [f"c{i}" for i in range(10)]
    assert {r[0] for r in submission[1:]} == {p.name for p in (statefarm / "test").iterdir()}
    with Image.open(next((statefarm / "test").iterdir())) as image:
        assert image.size == (640, 480)


def test_statefarm_names_do_not_reveal_the_class(statefarm):
    rows = read_csv(statefarm / "driver_imgs_list.csv")[1:]
    numbers = [int(r[2][4:-4]) for r in rows if r[1] == "c0"]
    assert numbers != sorted(numbers) or min(numbers) > 1  # not simply 1, 2, 3 ... by class


def test_statefarm_needs_six_drivers(tmp_path):
    with pytest.raises(ValueError, match="at least 6"):
        generate_statefarm(tmp_path / "sf", n_drivers=5)


def test_generation_is_deterministic_and_seeded(tmp_path):
    first = checksums(generate_dogscats(tmp_path / "a", n_train=4, n_test=2, seed=3))
    again = checksums(generate_dogscats(tmp_path / "b", n_train=4, n_test=2, seed=3))
    other = checksums(generate_dogscats(tmp_path / "c", n_train=4, n_test=2, seed=4))
    assert first == again
    assert first["train/cat.0.jpg"] != other["train/cat.0.jpg"]


def test_rerun_changes_nothing_and_an_interrupted_run_is_finished(tmp_path, monkeypatch):
    reference = checksums(generate_statefarm(tmp_path / "ref", n_drivers=6, images_per_class=6, n_test=3))
    monkeypatch.setattr(
        synthetic, "_write_jpeg", failing_after(25, synthetic._write_jpeg, [], KeyboardInterrupt)
    )
    root = tmp_path / "sf"
    with pytest.raises(KeyboardInterrupt):
        generate_statefarm(root, n_drivers=6, images_per_class=6, n_test=3)
    assert is_generated(root) and not provenance.read_marker(root)["complete"]
    monkeypatch.undo()
    generate_statefarm(root, n_drivers=6, images_per_class=6, n_test=3)
    assert checksums(root) == reference
    generate_statefarm(root, n_drivers=6, images_per_class=6, n_test=3)
    assert checksums(root) == reference


def test_marker_flags_the_root_and_everything_under_it(dogscats, tmp_path):
    assert (dogscats / MARKER_NAME).is_file()
    assert is_generated(dogscats) and is_generated(dogscats / "train" / "cat.0.jpg")
    assert "generated data" in describe_data(dogscats / "train")
    real = tmp_path / "real" / "train"
    real.mkdir(parents=True)
    assert not is_generated(real)
    assert "real Kaggle data" in describe_data(real)


def test_never_generates_into_a_folder_with_real_data(tmp_path):
    root = tmp_path / "dogscats"
    (root / "train").mkdir(parents=True)
    (root / "train" / "cat.0.jpg").write_bytes(b"a real photo")
    with pytest.raises(FileExistsError, match="real data"):
        generate_dogscats(root, n_train=2, n_test=1)
    assert not (root / MARKER_NAME).exists()


TINY = {
    "dogscats": {
        "generate": {"n_train": 24, "n_test": 4},
        "prepare": {"n_valid": 6, "n_sample_train": 4, "n_sample_valid": 2, "n_sample_test": 2},
    },
    "statefarm": {
        "generate": {"n_drivers": 6, "images_per_class": 6, "n_test": 4},
        "prepare": {"valid_drivers": 2, "n_sample_train": 10, "n_sample_valid": 10, "n_sample_test": 2},
    },
}


def test_make_sample_data_generates_prepares_and_is_idempotent(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COURSE_DATA", str(tmp_path))
    monkeypatch.setattr(
        make_sample_data, "SIZES", {name: {"quick": s, "full": s} for name, s in TINY.items()}
    )
    make_sample_data.main([])
    out = capsys.readouterr().out
    assert out.count("GENERATED DATA") == 2
    for name, classes in (("dogscats", ["cats", "dogs"]), ("statefarm", [f"c{i}" for i in range(10)])):
        root = tmp_path / name
        for split in ("train", "valid", "sample/train", "sample/valid"):
            assert sorted(p.name for p in (root / split).iterdir()) == classes
        for split in ("test", "sample/test"):
            assert [p.name for p in (root / split).iterdir()] == ["unknown"]
    before = checksums(tmp_path)
    make_sample_data.main([])
    assert checksums(tmp_path) == before


def test_make_sample_data_prepares_real_data_without_generating(tmp_path, capsys):
    """A real download (no marker) is prepared, never overwritten by generated images."""
    root = generate_dogscats(tmp_path / "dogscats", n_train=24, n_test=2)
    (root / MARKER_NAME).unlink()  # now it looks like a real download
    before = sorted(p.name for p in root.rglob("*.jpg"))
    make_sample_data.make_dataset(
        "dogscats",
        root,
        TINY["dogscats"],
        real_data_settings={"n_valid": 6, "n_sample_train": 4, "n_sample_valid": 2, "n_sample_test": 2},
    )
    assert "real Kaggle data found" in capsys.readouterr().out
    assert not is_generated(root)
    assert len(list((root / "valid").rglob("*.jpg"))) == 6
    originals = [p.name for p in root.rglob("*.jpg") if "sample" not in p.parts]
    assert sorted(originals) == before  # nothing generated, nothing lost


def test_statefarm_needs_every_driver_in_every_class(tmp_path):
    with pytest.raises(ValueError, match="every driver must appear in every class"):
        generate_statefarm(tmp_path / "sf", n_drivers=8, images_per_class=5)
