"""What a learner sees: exercises in every lesson, quiet outputs, a report whose links
work, and lessons 1-2 running to the end on real photos without ImageNet weights."""

import html.parser
import os
import random
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import utils
from tools import catalogue, run_notebooks
from tools.quiet_outputs import noise

NOTEBOOK_DIR = utils.repo_root() / "notebooks"
NUMBERED = [NOTEBOOK_DIR / n.file for n in catalogue.NOTEBOOKS]


def markdown_headings(path):
    cells = nbformat.read(path, as_version=4).cells
    return [
        (i, line.strip())
        for i, c in enumerate(cells)
        if c.cell_type == "markdown"
        for line in c.source.splitlines()
        if line.startswith("#")
    ]


@pytest.mark.parametrize("path", NUMBERED, ids=lambda p: p.stem)
def test_every_lesson_ends_with_exercises_and_further_reading(path):
    cells = nbformat.read(path, as_version=4).cells
    headings = markdown_headings(path)
    try_this = [i for i, h in headings if h == "## Try this"]
    reading = [i for i, h in headings if h == "## Further reading"]
    assert try_this, f"{path.name} has no '## Try this' section"
    assert reading, f"{path.name} has no '## Further reading' section"
    nav = max(i for i, c in enumerate(cells) if "course-nav" in c.metadata.get("tags", []))
    assert try_this[-1] < reading[-1] < nav, "Try this, then Further reading, then the navigation"
    exercises = [line for line in cells[try_this[-1]].source.splitlines() if re.match(r"\s*(\d+\.|-) ", line)]
    assert 3 <= len(exercises) <= 7, f"{len(exercises)} exercises in {path.name}"


# -- quiet outputs: one rule for the runner and for nbval (conftest.py)


def stream(name, text):
    return nbformat.v4.new_output("stream", name=name, text=text)


def test_noise_finds_stderr_and_warning_text_but_not_lesson_output():
    assert noise([stream("stderr", "/x.py:74: UserWarning: shuffle ignored\n")])
    assert noise([stream("stdout", "foo.py:3: FutureWarning: deprecated\n")])
    assert noise([stream("stdout", "WARNING: All log messages before absl\n")])
    assert (
        noise(
            [
                stream(
                    "stdout",
                    "HEADLINE val_acc=0.5  [generated data, untrained weights]\n"
                    "NOTE: weights could not be downloaded\nEpoch 1/3\n",
                )
            ]
        )
        == []
    )
    bar = " 40%|####      | 4/10 [00:01<00:02,  3.1file/s]\r100%|##########| 10/10 [00:02<00:00]\n"
    assert noise([stream("stderr", bar)]) == []  # a progress bar is not noise


# -- the runner, on three tiny notebooks in a temporary course


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href and not re.match(r"[a-z]+:|#", href):
            self.hrefs.append(href.split("#")[0])


def local_links(page):
    parser = Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.hrefs


def notebook(*sources, markdown=""):
    nb = nbformat.v4.new_notebook()
    nb.cells = ([nbformat.v4.new_markdown_cell(markdown)] if markdown else []) + [
        nbformat.v4.new_code_cell(s) for s in sources
    ]
    return nb


def test_runner_fails_noisy_and_failing_notebooks_and_its_report_links_resolve(tmp_path, capfd):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    lessons = {
        "01_quiet.ipynb": notebook(
            "print('HEADLINE val_acc=0.9000  [generated data]')",
            markdown="[next](02_noisy.ipynb) · [index](00_index.ipynb)",
        ),
        "02_noisy.ipynb": notebook("import warnings\nwarnings.warn('shuffle=True is ignored')"),
        "03_bare_assert.ipynb": notebook("accuracy = 0.4", "assert accuracy > 0.5"),
        "04_message.ipynb": notebook("raise AssertionError('val_acc=0.4 is below the floor 0.75')"),
    }
    for name, nb in lessons.items():
        nbformat.write(nb, folder / name)
    nbformat.write(
        notebook(markdown="[one](01_quiet.ipynb) [four](04_message.ipynb#top)"), folder / "00_index.ipynb"
    )

    rows = run_notebooks.run_course(list(lessons), folder, tmp_path / "build", "quick")

    by_name = {row["notebook"]: row for row in rows}
    assert by_name["01_quiet"]["status"] == "ok" and by_name["01_quiet"]["caveats"] == "generated data"
    assert by_name["02_noisy"]["status"] == "failed"
    assert "not quiet" in by_name["02_noisy"]["error"] and "UserWarning" in by_name["02_noisy"]["error"]
    assert by_name["03_bare_assert"]["error"] == "AssertionError: failed: assert accuracy > 0.5"
    assert by_name["04_message"]["error"] == "AssertionError: val_acc=0.4 is below the floor 0.75"
    console = capfd.readouterr()
    assert "\x1b[" not in console.out + console.err, "colour codes on the console"
    assert "IPKernelApp" not in console.out + console.err
    assert "02_noisy" in console.out and "val_acc=0.9000" in console.out

    build = tmp_path / "build"
    pages = [build / "index.html", *sorted((build / "notebooks").glob("*.html"))]
    assert {p.name for p in pages} >= {"index.html", "00_index.html", "01_quiet.html"}
    for page in pages:
        for href in local_links(page):
            assert (page.parent / href).is_file(), f"{page.name} links to missing {href}"
            if page.parent.name == "notebooks":
                assert not href.endswith(".ipynb"), f"{page.name}: {href} opens as JSON, not a page"
    assert "notebooks/00_index.html" in local_links(build / "index.html")


# -- lessons 1 and 2 on real-looking photos, with untrained weights
# -- lessons 1 and 2 on real photos (no generated-data marker), with the packaged pretrained network


def real_looking_photos(root, n_train=60, n_test=10, size=160, seed=0):
    """Kaggle's raw Dogs vs Cats layout (train/cat.N.jpg, test/N.jpg, sample_submission.csv)
    filled with crops of two real photographs that ship in scikit-image: 'cat' images are
    crops of its cat (chelsea), 'dog' images crops of its coffee cup, so a pretrained network
    can tell them apart. No generated-data marker: this is "real" data."""
    from PIL import Image

    photos = utils.sample_photos()
    by_class = {"cat": photos["chelsea"], "dog": photos["coffee"]}
    rng = random.Random(seed)

    def crop(photo):
        side = rng.randrange(min(photo.shape[:2]) // 2, min(photo.shape[:2]))
        top, left = rng.randrange(photo.shape[0] - side + 1), rng.randrange(photo.shape[1] - side + 1)
        image = Image.fromarray(photo[top : top + side, left : left + side]).resize((size, size))
        return image.transpose(Image.Transpose.FLIP_LEFT_RIGHT) if rng.random() < 0.5 else image

    (root / "train").mkdir(parents=True)
    (root / "test").mkdir()
    for index in range(n_train):
        label = ("cat", "dog")[index % 2]
        crop(by_class[label]).save(root / "train" / f"{label}.{index // 2}.jpg")
    for number in range(1, n_test + 1):
        crop(by_class[("cat", "dog")[number % 2]]).save(root / "test" / f"{number}.jpg")
    (root / "sample_submission.csv").write_text(
        "id,label\n" + "".join(f"{n},0.5\n" for n in range(1, n_test + 1))
    )


@pytest.fixture(scope="module")
def real_photo_course(tmp_path_factory):
    data = tmp_path_factory.mktemp("course_data")
    real_looking_photos(data / "dogscats")
    utils.prepare_dogscats(
        data / "dogscats", n_valid=20, n_sample_train=30, n_sample_valid=10, n_sample_test=5, seed=0
    )
    assert not utils.is_generated(data / "dogscats")
    return data


@pytest.mark.parametrize("name", ["01_lesson1.ipynb", "02_dogs_cats_redux.ipynb"])
def test_lesson_runs_to_the_end_on_real_photos(name, real_photo_course):
    nb = nbformat.read(NOTEBOOK_DIR / name, as_version=4)
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    env.update({"COURSE_PROFILE": "quick", "COURSE_DATA": str(real_photo_course)})
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK_DIR)}}
    ).execute(env=env)
    printed = "".join(
        o.get("text", "")
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "stream"
    )
    headline = printed.split("HEADLINE")[-1].splitlines()[0]
    assert "generated data" not in headline, headline
    assert "EfficientNet-Lite0 ImageNet weights" in headline, headline


def test_real_looking_photos_have_the_kaggle_layout(tmp_path):
    real_looking_photos(tmp_path, n_train=4, n_test=2, size=32)
    assert sorted(p.name for p in (tmp_path / "train").iterdir()) == [
        "cat.0.jpg",
        "cat.1.jpg",
        "dog.0.jpg",
        "dog.1.jpg",
    ]
    assert Path(tmp_path / "sample_submission.csv").read_text().splitlines()[0] == "id,label"
