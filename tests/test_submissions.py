import csv
import types

import numpy as np
import pytest

from utils import submissions
from utils.scoring import clip_binary, clip_multiclass
from utils.submissions import (
    SubmissionError,
    dogscats_rows,
    id_from_filename,
    submit_to_kaggle,
    write_dogscats_submission,
    write_statefarm_submission,
)


def write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        csv.writer(f).writerows([header, *rows])
    return path


@pytest.fixture
def dogscats_sample(tmp_path):
    return write_csv(tmp_path / "sample_submission.csv", ["id", "label"], [[i, 0.5] for i in range(1, 13)])


@pytest.fixture
def statefarm_sample(tmp_path):
    return write_csv(
        tmp_path / "sample_submission.csv",
        ["img"] + [f"c{i}" for i in range(10)],
        [[f"img_{i}.jpg"] + [0.1] * 10 for i in (5, 17, 100)],
    )


def read_rows(path):
    with open(path, newline="") as f:
        return list(csv.reader(f))


# ---------------------------------------------------------------- clipping


def test_clip_binary_bounds_both_ends():
    np.testing.assert_allclose(clip_binary([0.0, 0.5, 0.999], 0.05), [0.05, 0.5, 0.95])
    np.testing.assert_allclose(clip_binary([0.0, 1.0], 0.02), [0.02, 0.98])
    with pytest.raises(ValueError):
        clip_binary([0.5], 0.6)


def test_clip_multiclass_keeps_rows_summing_to_one():
    rng = np.random.default_rng(0)
    probabilities = rng.dirichlet(np.full(10, 0.1), size=100)
    clipped = clip_multiclass(probabilities, high=0.93)
    np.testing.assert_allclose(clipped.sum(axis=1), 1, rtol=1e-12)
    assert clipped.min() > 0 and clipped.max() <= 0.93 + 1e-12
    sure = np.eye(10)[:1]
    np.testing.assert_allclose(clip_multiclass(sure, 0.91), [[0.91] + [0.01] * 9])


def test_clip_multiclass_with_two_classes_is_binary_clipping():
    dog = np.array([0.0, 0.3, 0.97, 1.0])
    two = clip_multiclass(np.stack([1 - dog, dog], axis=1), high=0.95)
    np.testing.assert_allclose(two[:, 1], clip_binary(dog, 0.05))


# ---------------------------------------------------------------- rows and ids


def test_ids_come_from_file_names_as_integers():
    assert id_from_filename("unknown/1234.jpg") == 1234
    assert id_from_filename("7.png") == 7
    with pytest.raises(SubmissionError, match="cat.1.jpg"):
        id_from_filename("train/cat.1.jpg")


def test_dogscats_rows_are_sorted_by_numeric_id():
    rows = dogscats_rows([0.1, 0.2, 0.3], ["unknown/10.jpg", "unknown/9.jpg", "unknown/100.jpg"])
    assert rows == [(9, 0.2), (10, 0.1), (100, 0.3)]
    with pytest.raises(SubmissionError, match="2 predictions for 3"):
        dogscats_rows([0.1, 0.2], ["1.jpg", "2.jpg", "3.jpg"])


# ---------------------------------------------------------------- writing and checking


def test_dogscats_submission_is_written_sorted_with_dog_probabilities(tmp_path, dogscats_sample):
    filenames = [f"unknown/{i}.jpg" for i in range(12, 0, -1)]
    dog = np.linspace(0.05, 0.95, 12)
    path = write_dogscats_submission(tmp_path / "out" / "sub.csv", dog, filenames, dogscats_sample)
    rows = read_rows(path)
    assert rows[0] == ["id", "label"]
    assert [int(r[0]) for r in rows[1:]] == list(range(1, 13))
    assert float(rows[1][1]) == pytest.approx(0.95)  # id 1 was the last file


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda ids, p: (ids[:-1], p[:-1]), "1 ids of sample_submission.csv are missing, e.g. 12"),
        (lambda ids, p: (ids + ids[:1], np.append(p, 0.5)), "1 duplicate ids, e.g. 1"),
        (
            lambda ids, p: (ids[:-1] + ["unknown/99.jpg"], p),
            "1 ids are not in sample_submission.csv, e.g. 99",
        ),
        (lambda ids, p: (ids, np.where(np.arange(12) == 3, np.nan, p)), "NaN or infinite"),
        (lambda ids, p: (ids, p + 1), "outside [0, 1]"),
    ],
)
def test_bad_submissions_are_refused_with_the_reason(tmp_path, dogscats_sample, change, message):
    ids = [f"unknown/{i}.jpg" for i in range(1, 13)]
    filenames, dog = change(ids, np.full(12, 0.5))
    target = tmp_path / "sub.csv"
    with pytest.raises(SubmissionError) as error:
        write_dogscats_submission(target, dog, filenames, dogscats_sample)
    assert message in str(error.value)
    assert not target.exists()


def test_wrong_columns_are_refused(tmp_path, dogscats_sample):
    rows = [(i, 0.5) for i in range(1, 13)]
    with pytest.raises(SubmissionError, match=r"columns are \['id', 'is_dog'\]"):
        submissions.write_submission(tmp_path / "s.csv", ("id", "is_dog"), rows, dogscats_sample)


def test_missing_sample_submission_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="sample submission"):
        write_dogscats_submission(tmp_path / "s.csv", [0.5], ["1.jpg"], tmp_path / "none.csv")


def test_statefarm_submission_has_img_and_ten_classes(tmp_path, statefarm_sample):
    rng = np.random.default_rng(0)
    probabilities = clip_multiclass(rng.dirichlet(np.ones(10), size=3), 0.9)
    filenames = ["unknown/img_100.jpg", "unknown/img_5.jpg", "unknown/img_17.jpg"]
    path = write_statefarm_submission(tmp_path / "sf.csv", probabilities, filenames, statefarm_sample)
    rows = read_rows(path)
    assert rows[0] == ["img"] + [f"c{i}" for i in range(10)]
    assert sorted(r[0] for r in rows[1:]) == ["img_100.jpg", "img_17.jpg", "img_5.jpg"]
    first = dict(zip(rows[0], rows[1]))
    np.testing.assert_allclose(
        [float(first[f"c{i}"]) for i in range(10)], probabilities[0], rtol=1e-5
    )  # img_100 was the first file
    reversed_classes = [f"c{i}" for i in range(9, -1, -1)]
    with pytest.raises(SubmissionError, match="c0..c9"):
        write_statefarm_submission(
            tmp_path / "x.csv", probabilities, filenames, statefarm_sample, class_names=reversed_classes
        )


def test_download_link_only_in_ipython(tmp_path, monkeypatch, capsys):
    path = tmp_path / "s.csv"
    path.write_text("id,label\n")
    assert submissions.show_download_link(path) is None  # plain Python: nothing to show
    import IPython

    monkeypatch.setattr(IPython, "get_ipython", lambda: object())
    link = submissions.show_download_link(path)
    assert link is not None and link.path.endswith("s.csv")


# ---------------------------------------------------------------- submitting


class FakeKaggle:
    def __init__(self, error=None):
        self.calls, self.error = [], error

    def competition_submit(self, file_name, message, competition):
        if self.error:
            raise self.error
        self.calls.append((file_name, message, competition))
        return "ok"


def test_submit_uses_the_competition_slug(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("id,label\n1,0.5\n")
    client = FakeKaggle()
    assert submit_to_kaggle(path, "dogscats", "first try", client=client) == "ok"
    assert client.calls == [(str(path), "first try", "dogs-vs-cats-redux-kernels-edition")]


def test_submit_explains_rules_not_accepted(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("x")
    refused = Exception("403 Forbidden")
    refused.response = types.SimpleNamespace(status_code=403)
    with pytest.raises(RuntimeError, match="rules"):
        submit_to_kaggle(path, "statefarm", "m", client=FakeKaggle(refused))
    with pytest.raises(FileNotFoundError):
        submit_to_kaggle(tmp_path / "missing.csv", "dogscats", "m", client=FakeKaggle())


def test_submit_without_credentials_says_how_to_sign_in(tmp_path, monkeypatch):
    from utils.kaggle import KaggleCredentialsError

    for name in ("KAGGLE_USERNAME", "KAGGLE_KEY", "KAGGLE_API_TOKEN", "KAGGLE_CONFIG_DIR", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    path = tmp_path / "s.csv"
    path.write_text("x")
    with pytest.raises(KaggleCredentialsError, match="kaggle.json"):
        submit_to_kaggle(path, "dogscats", "m")
