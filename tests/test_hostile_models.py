"""Hostile inputs to saved arrays, Vgg16 and Kaggle submissions, and a determinism check.

One small untrained Vgg16 (32x32 inputs) is shared by the module; images are
tiny files on disk read through utils.get_batches, as in the notebooks.
"""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import utils
from utils.submissions import SubmissionError

REPO = Path(__file__).resolve().parent.parent
SIZE = 32
STATEFARM_COLUMNS = ["img"] + [f"c{i}" for i in range(10)]


def picture(path, label, rng):
    """Class 0: warm horizontal stripes, class 1: cool vertical stripes."""
    rows, cols = np.mgrid[0:SIZE, 0:SIZE]
    wave = np.sin(2 * np.pi * (rows if label == 0 else cols) / rng.uniform(3, 8))
    tint = np.array([60, 0, -60]) * (1 if label == 0 else -1)
    pixels = np.clip(rng.uniform(80, 170, 3) + tint + 50 * wave[..., None], 0, 255)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels.astype(np.uint8)).save(path, quality=95)


def write_csv(path, header, rows):
    path.write_text("\n".join(",".join(map(str, row)) for row in [header, *rows]) + "\n")
    return path


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    """A prepared Dogs vs Cats layout in miniature, with 6 test images."""
    root = tmp_path_factory.mktemp("tiny-dogscats")
    rng = np.random.default_rng(0)
    for split, count in (("train", 6), ("valid", 2)):
        for label, name in enumerate(("cats", "dogs")):
            for k in range(count):
                picture(root / split / name / f"{name[:3]}.{k}.jpg", label, rng)
    for number in range(1, 7):
        picture(root / "test" / "unknown" / f"{number}.jpg", number % 2, rng)
    write_csv(root / "sample_submission.csv", ["id", "label"], [[i, 0.5] for i in range(1, 7)])
    write_csv(
        root / "statefarm_sample.csv", STATEFARM_COLUMNS, [[f"img_{i}.jpg"] + [0.1] * 10 for i in (1, 2, 3)]
    )
    return root


@pytest.fixture(scope="module")
def vgg():
    utils.seed_everything(0)
    return utils.Vgg16(weights=None, input_shape=(SIZE, SIZE, 3))


def batches(folder, **options):
    return utils.get_batches(folder, batch_size=4, target_size=(SIZE, SIZE), **options)


# ---------------------------------------------------------------- saved arrays


def test_load_array_on_a_missing_path_names_it(tmp_path):
    with pytest.raises(FileNotFoundError) as error:
        utils.load_array(tmp_path / "features.bc")
    assert str(tmp_path / "features.bc") in str(error.value) and "save_array" in str(error.value)


def test_load_array_on_a_folder_that_is_not_an_array(root):
    with pytest.raises(ValueError) as error:
        utils.load_array(root / "train")
    assert str(root / "train") in str(error.value) and "not a saved array" in str(error.value)


def test_load_array_after_a_save_killed_half_way(tmp_path):
    """The process dies in the middle of writing (no cleanup can run): the path
    holds no array, load_array says why, and saving again just works."""
    target = tmp_path / "features.bc"
    script = (
        f"import sys, os\nsys.path.insert(0, {str(REPO)!r})\n"
        "import numpy as np\nfrom utils.arrays import ArrayWriter\n"
        f"with ArrayWriter({str(target)!r}) as out:\n"
        "    out.append(np.ones((5000, 64), 'float32'))\n"
        "    os._exit(9)  # killed before the second batch\n"
    )
    assert subprocess.run([sys.executable, "-c", script]).returncode == 9
    with pytest.raises(FileNotFoundError) as error:
        utils.load_array(target)
    message = str(error.value)
    assert str(target) in message and "killed before it finished" in message
    utils.save_array(target, np.arange(6))  # the leftover does not block a new save
    assert utils.load_array(target).tolist() == list(range(6))


def drop_a_chunk(path):
    sorted((path / "data").glob("*.blp"))[-1].unlink()


def cut_a_chunk(path):
    chunk = sorted((path / "data").glob("*.blp"))[0]
    chunk.write_bytes(chunk.read_bytes()[:100])


def empty_metadata(path):
    (path / "meta" / "sizes").write_text("")


@pytest.mark.parametrize(
    "damage",
    [drop_a_chunk, cut_a_chunk, empty_metadata],
    ids=["chunk-missing", "chunk-cut-short", "metadata-empty"],
)
def test_load_array_on_a_damaged_copy_says_delete_and_save_again(tmp_path, damage):
    path = utils.save_array(
        tmp_path / "features.bc", np.random.default_rng(0).random((300_000, 4), "float32")
    )
    damage(path)
    with pytest.raises(ValueError) as error:
        utils.load_array(path)
    message = str(error.value)
    assert str(path) in message and "damaged" in message and "save the array again" in message


# ---------------------------------------------------------------- models


def test_finetune_on_batches_with_one_class(vgg, tmp_path):
    picture(tmp_path / "only_cats" / "cat.1.jpg", 0, np.random.default_rng(1))
    one_class = batches(tmp_path)
    outputs_before = vgg.model.output_shape
    with pytest.raises(ValueError) as error:
        vgg.finetune(one_class)
    message = str(error.value)
    assert "at least 2 classes" in message and str(tmp_path) in message
    assert vgg.model.output_shape == outputs_before  # the model was left as it was


@pytest.mark.parametrize("change", ["truncated", "repeated"])
def test_prediction_count_must_match_file_count(vgg, root, change):
    vgg.finetune(batches(root / "train"))
    test = batches(root / "test", shuffle=False, class_mode=None)
    test.dataset = test.dataset.take(1) if change == "truncated" else test.dataset.repeat(2)
    with pytest.raises(ValueError, match=r"\d+ predictions for 6 files.*can't be matched"):
        vgg.test(test)


def test_submission_from_predictions_of_another_length_is_refused(root, tmp_path):
    target = tmp_path / "submission.csv"
    filenames = [f"unknown/{i}.jpg" for i in range(1, 7)]
    with pytest.raises(SubmissionError, match="5 predictions for 6 file names"):
        utils.write_dogscats_submission(
            target, np.full(5, 0.5), filenames, root / "sample_submission.csv", link=False
        )
    assert not target.exists()


# ---------------------------------------------------------------- submissions

IDS = [f"unknown/{i}.jpg" for i in range(1, 7)]
DOG = np.full(6, 0.5)
DOGSCATS_CASES = {
    "duplicate-ids": (IDS + IDS[:1], np.append(DOG, 0.5), "1 duplicate ids, e.g. 1"),
    "missing-ids": (IDS[:4], DOG[:4], "2 ids of sample_submission.csv are missing, e.g. 5, 6"),
    "unknown-ids": (IDS[:5] + ["unknown/77.jpg"], DOG, "1 ids are not in sample_submission.csv"),
    "nan": (IDS, np.where(np.arange(6) == 2, np.nan, DOG), "1 values are NaN or infinite"),
    "above-one": (IDS, np.where(np.arange(6) == 4, 1.5, DOG), "outside [0, 1], e.g. 1.5"),
    "below-zero": (IDS, np.where(np.arange(6) == 0, -0.1, DOG), "outside [0, 1], e.g. -0.1"),
}


@pytest.mark.parametrize("case", DOGSCATS_CASES)
def test_bad_dogscats_submission_is_refused_with_the_reason(root, tmp_path, case):
    filenames, dog, reason = DOGSCATS_CASES[case]
    target = tmp_path / "submission.csv"
    with pytest.raises(SubmissionError) as error:
        utils.write_dogscats_submission(target, dog, filenames, root / "sample_submission.csv", link=False)
    assert "nothing written" in str(error.value) and reason in str(error.value)
    assert not target.exists()


def test_wrong_columns_are_refused(root, tmp_path):
    """Dogs vs Cats predictions checked against State Farm's sample file."""
    target = tmp_path / "submission.csv"
    with pytest.raises(SubmissionError, match=r"columns are \['id', 'label'\], expected \['img'"):
        utils.write_dogscats_submission(
            target, DOG[:3], ["1.jpg", "2.jpg", "3.jpg"], root / "statefarm_sample.csv", link=False
        )
    assert not target.exists()


def test_statefarm_row_not_summing_to_one_is_refused(root, tmp_path):
    rows = np.full((3, 10), 0.1)
    rows[1] *= 0.7  # e.g. clipped but not renormalized
    target = tmp_path / "submission.csv"
    with pytest.raises(SubmissionError) as error:
        utils.write_statefarm_submission(
            target, rows, ["img_1.jpg", "img_2.jpg", "img_3.jpg"], root / "statefarm_sample.csv", link=False
        )
    assert "1 rows don't sum to 1, e.g. img_2.jpg (sum 0.7)" in str(error.value)
    assert "clip_multiclass" in str(error.value) and not target.exists()
    utils.write_statefarm_submission(
        target,
        utils.clip_multiclass(rows),
        [  # the fix works
            "img_1.jpg",
            "img_2.jpg",
            "img_3.jpg",
        ],
        root / "statefarm_sample.csv",
        link=False,
    )


# ---------------------------------------------------------------- determinism


def test_same_seed_gives_the_same_metrics_and_submission_bytes(vgg, root, tmp_path):
    def run(name):
        utils.seed_everything(42)
        train = batches(root / "train", shuffle=True, seed=42)
        vgg.finetune(train)
        features, labels = vgg.compute_features(train)
        history = vgg.fit_head(features, labels, epochs=2, batch_size=4, verbose=0)
        probabilities, filenames = vgg.test(root / "test")
        dog = utils.clip_binary(probabilities[:, 1])
        path = utils.write_dogscats_submission(
            tmp_path / name, dog, filenames, root / "sample_submission.csv", link=False
        )
        return history.history, path.read_bytes()

    first, second = run("first.csv"), run("second.csv")
    assert first[0] == second[0] and len(first[0]["loss"]) == 2
    assert first[1] == second[1] and first[1].startswith(b"id,label")
