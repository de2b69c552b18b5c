"""Kaggle submissions: clip probabilities, write a checked CSV, submit it.

    dog = utils.clip_binary(probabilities[:, 1], 0.05)    # see utils.scoring
    path = write_dogscats_submission("build/submission.csv", dog, filenames,
                                     data_root() / "dogscats" / "sample_submission.csv")
    submit_to_kaggle(path, "dogscats", "vgg16 fine-tuned, clipped at 0.05")

Every file is checked against the competition's `sample_submission.csv`
before it is written (same columns, same ids, nothing missing or doubled,
every value a probability, each State Farm row summing to 1), so a bad file
fails here, not after an upload.
"""

import csv
import math
import os
import re
from pathlib import Path

import numpy as np

from utils.files import STATEFARM_CLASSES

DOGSCATS_HEADER = ("id", "label")
ROW_SUM_TOLERANCE = 1e-3  # values are written with 6 significant digits
STATEFARM_HEADER = ("img",) + STATEFARM_CLASSES


class SubmissionError(ValueError):
    """The submission does not match what the competition expects."""


# ---------------------------------------------------------------- rows


def id_from_filename(filename):
    """'unknown/1234.jpg' -> 1234 (Dogs vs Cats test images are numbered)."""
    match = re.fullmatch(r"(\d+)\.\w+", Path(filename).name)
    if not match:
        raise SubmissionError(f"can't read an image id from the file name {filename!r}")
    return int(match.group(1))


def dogscats_rows(dog_probabilities, filenames):
    """Rows (id, probability of dog), sorted by id."""
    dog_probabilities = np.asarray(dog_probabilities, dtype="float64").reshape(-1)
    _check_same_length(dog_probabilities, filenames)
    rows = [(id_from_filename(f), float(p)) for f, p in zip(filenames, dog_probabilities)]
    return sorted(rows)


def statefarm_rows(probabilities, filenames):
    """Rows (image file name, p(c0), ..., p(c9)), sorted by file name."""
    probabilities = np.asarray(probabilities, dtype="float64")
    if probabilities.ndim != 2 or probabilities.shape[1] != len(STATEFARM_CLASSES):
        raise SubmissionError(
            f"State Farm needs 10 probabilities per image (c0..c9), got shape {probabilities.shape}"
        )
    _check_same_length(probabilities, filenames)
    rows = [(Path(f).name, *map(float, p)) for f, p in zip(filenames, probabilities)]
    return sorted(rows)


def _check_same_length(probabilities, filenames):
    if len(probabilities) != len(filenames):
        raise SubmissionError(
            f"{len(probabilities)} predictions for {len(filenames)} file names: they must match one to one"
        )


# ---------------------------------------------------------------- checking and writing


def read_sample_submission(path):
    """(header, ids) of a competition's sample_submission.csv."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: no sample submission here; it comes with the competition's data (or the generated data)"
        )
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = tuple(next(reader))
        ids = [row[0] for row in reader if row]
    return header, ids


def submission_problems(header, rows, sample_submission):
    """Everything that would make Kaggle reject or misread the file (a list of strings)."""
    expected_header, expected_ids = read_sample_submission(sample_submission)
    problems = []
    if tuple(header) != expected_header:
        problems.append(f"columns are {list(header)}, expected {list(expected_header)}")
    ids = [str(row[0]) for row in rows]
    problems += _id_problems(ids, expected_ids)
    bad_length = [r for r in rows if len(r) != len(header)]
    if bad_length:
        problems.append(f"{len(bad_length)} rows don't have {len(header)} values, e.g. {bad_length[0]}")
    problems += _value_problems(rows)
    if len(header) > 2:
        problems += _row_sum_problems(rows)
    return problems


def _id_problems(ids, expected_ids):
    problems = []
    seen, doubled = set(), []
    for i in ids:
        if i in seen:
            doubled.append(i)
        seen.add(i)
    if doubled:
        problems.append(f"{len(doubled)} duplicate ids, e.g. {_first(doubled)}")
    missing = set(expected_ids) - seen
    if missing:
        problems.append(
            f"{len(missing)} ids of sample_submission.csv are missing, "
            f"e.g. {_first(sorted(missing, key=_natural))}"
        )
    unknown = seen - set(expected_ids)
    if unknown:
        problems.append(
            f"{len(unknown)} ids are not in sample_submission.csv, "
            f"e.g. {_first(sorted(unknown, key=_natural))}"
        )
    return problems


def _value_problems(rows):
    values = [v for row in rows for v in row[1:]]
    not_numbers = [v for v in values if not isinstance(v, (int, float, np.floating))]
    if not_numbers:
        return [f"{len(not_numbers)} values are not numbers, e.g. {_first(not_numbers)}"]
    problems = []
    not_finite = [v for v in values if not math.isfinite(v)]
    if not_finite:
        problems.append(f"{len(not_finite)} values are NaN or infinite")
    outside = [v for v in values if math.isfinite(v) and not 0 <= v <= 1]
    if outside:
        problems.append(f"{len(outside)} values are outside [0, 1], e.g. {_first(outside)}")
    return problems


def _row_sum_problems(rows):
    """With several class columns each row is a distribution and must sum to 1:
    Kaggle rescales rows that don't, so the scored values would not be yours."""
    sums = [
        (row[0], sum(row[1:]))
        for row in rows
        if all(isinstance(v, (int, float, np.floating)) for v in row[1:])
    ]
    off = [
        (name, total) for name, total in sums if math.isfinite(total) and abs(total - 1) > ROW_SUM_TOLERANCE
    ]
    if not off:
        return []
    return [
        f"{len(off)} rows don't sum to 1, e.g. "
        f"{_first(f'{name} (sum {total:.4g})' for name, total in off)}; "
        "renormalize them (clip_multiclass does)"
    ]


def _first(items, count=3):
    return ", ".join(str(i) for i in list(items)[:count])


def _natural(text):
    """Sort '10' after '9': numbers by value, other ids as text."""
    return (0, int(text), "") if str(text).isdigit() else (1, 0, str(text))


def write_submission(path, header, rows, sample_submission, link=True):
    """Check `rows` against `sample_submission`, then write the CSV. Returns its path.

    Raises SubmissionError naming every problem found; nothing is written then.
    In a notebook, link=True also shows a download link.
    """
    problems = submission_problems(header, rows, sample_submission)
    if problems:
        raise SubmissionError("not a valid submission, nothing written:\n  - " + "\n  - ".join(problems))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows([row[0], *(f"{v:.6g}" for v in row[1:])] for row in rows)
    print(f"wrote {path} ({len(rows)} rows)")
    if link:
        show_download_link(path)
    return path


def write_dogscats_submission(path, dog_probabilities, filenames, sample_submission, link=True):
    """`id,label` with the probability that each test image is a dog."""
    return write_submission(
        path, DOGSCATS_HEADER, dogscats_rows(dog_probabilities, filenames), sample_submission, link=link
    )


def write_statefarm_submission(
    path, probabilities, filenames, sample_submission, class_names=STATEFARM_CLASSES, link=True
):
    """`img,c0,...,c9`; `class_names` is the model's class order (checked to be c0..c9)."""
    if tuple(class_names) != STATEFARM_CLASSES:
        raise SubmissionError(
            f"model classes {list(class_names)} are not c0..c9 in order; "
            "reorder the probability columns first"
        )
    return write_submission(
        path, STATEFARM_HEADER, statefarm_rows(probabilities, filenames), sample_submission, link=link
    )


def show_download_link(path):
    """In Jupyter, show a link to download `path`; elsewhere do nothing. Returns the link."""
    try:
        from IPython import get_ipython
        from IPython.display import FileLink, display
    except ImportError:
        return None
    if get_ipython() is None:
        return None
    link = FileLink(os.path.relpath(path))  # links resolve relative to the notebook
    display(link)
    return link


# ---------------------------------------------------------------- submitting


def submit_to_kaggle(path, competition, message, client=None):
    """Upload a submission file with the official `kaggle` API.

    competition: 'dogscats', 'statefarm' or a Kaggle competition slug.
    client: anything with `competition_submit(file_name, message, competition)`
        (tests pass a fake); by default a signed-in `kaggle` API, which
        raises utils.kaggle.KaggleCredentialsError saying how to sign in.
    """
    from utils.kaggle import competition_slug, rules_url
    from utils.kaggle_account import http_status, kaggle_client, redact, rules_not_accepted

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no submission file; write it first")
    slug = competition_slug(competition)
    client = client or kaggle_client()
    try:
        result = client.competition_submit(str(path), message, slug)
    except Exception as error:
        if http_status(error) == 403:
            raise RuntimeError(rules_not_accepted("submission", rules_url(slug))) from None
        raise RuntimeError(
            redact(f"submitting {path} to {slug} failed: {type(error).__name__}: {error}")
        ) from None
    print(f"submitted {path} to {slug}: {message}")
    return result


def submit_or_show(path, competition, message, submit=False, generated=False):
    """Upload `path` when `submit` is True and the data is real; otherwise print how to.

    Competitions limit submissions per day, so notebooks upload only on request,
    and never a submission made from generated data.
    """
    from utils.kaggle import competition_slug

    if submit and not generated:
        return submit_to_kaggle(path, competition, message)
    why = "it was made from generated data" if generated else "SUBMIT is False"
    print(f"Not submitted ({why}). With real data and SUBMIT = True this runs:")
    print(f"    utils.submit_to_kaggle({str(path)!r}, {competition!r}, {message!r})")
    print("or, from a terminal:")
    print(f"    kaggle competitions submit -c {competition_slug(competition)} -f {path} -m {message!r}")
    return None
