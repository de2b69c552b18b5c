"""Committed notebooks stay clean, consistent and generated where they should be."""

import ast
import re
import subprocess
import sys

import nbformat
import pytest

import utils
from tools import catalogue, notebook_headers, run_notebooks

NOTEBOOK_DIR = utils.repo_root() / "notebooks"
NOTEBOOK_FILES = sorted(NOTEBOOK_DIR.glob("*.ipynb"))


def code_cells(path):
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def test_there_are_notebooks_and_each_is_in_the_catalogue():
    names = {p.name for p in NOTEBOOK_FILES} - {notebook_headers.INDEX_FILE}
    assert names, "no notebooks found"
    assert names <= {n.file for n in catalogue.NOTEBOOKS}


def test_boilerplate_is_up_to_date():
    assert notebook_headers.stale_files(write=False) == []


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.stem)
def test_committed_without_outputs(path):
    for cell in code_cells(path):
        assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.stem)
def test_no_absolute_home_paths(path):
    text = path.read_text()
    assert not re.search(r"(/home/\w|/Users/\w|/root/|C:\\\\Users)", text)


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.stem)
def test_notebooks_do_not_redefine_utils(path):
    exported = set(utils.__all__)
    for cell in code_cells(path):
        source = "\n".join(l for l in cell.source.splitlines() if not l.lstrip().startswith(("!", "%")))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                assert node.name not in exported, f"{path.name} redefines utils.{node.name}"


# Functions and classes a notebook may define: the from-scratch code the lesson is about.
# Anything else a notebook needs lives in utils (one home), to be read with `??`.
OWN_DEFINITIONS = {
    "04_sgd_intro": {"predict", "mse", "gradients", "step", "activation_scales"},
    "08_transfer_learning_resnet50": {"centre_square"},  # the photo preparation part 1 teaches
    "09_mnist_pytorch": {"DigitImages", "MnistConvnet", "train_one_epoch", "predict", "evaluate"},
}
# Hand-written versions of what utils already does, and the utils call to use instead.
REIMPLEMENTED = {
    r"sum\(.*trainable_weights": "utils.trainable_parameter_count(model)",
    r"argmin\(.*(val_loss|history)": "the epoch load_best_checkpoint returns, and utils.at_epoch",
    r"/ 255\.0?\)\[\.\.\., None\]": "utils.to_channels_last",
    r"kaggle competitions submit": "utils.submit_or_show",
    r"except utils\.KaggleDownloadError": "utils.download_unless_generated",
    r"2 \* np\.sqrt\(.*\(1 - ": "utils.compare (the shared noise test)",
}
# Code cells longer than this are programs, not lesson steps, except these from-scratch ones
# (notebook, a line that identifies the cell) and the generated set-up cell.
MAX_CELL_LINES = 20
LONG_CELLS = {
    ("09_mnist_pytorch", "class DigitImages(Dataset):"),
    ("09_mnist_pytorch", "class MnistConvnet(nn.Module):"),
    ("09_mnist_pytorch", "def train_one_epoch(model, loader, loss_fn, optimizer):"),
    ("09_mnist_pytorch", "for epoch in range(1, epochs + 1):"),
}


def defined_names(cell):
    source = "\n".join(l for l in cell.source.splitlines() if not l.lstrip().startswith(("!", "%")))
    return {
        node.name
        for node in ast.parse(source).body  # the top level: a class's methods belong to the class
        if isinstance(node, (ast.FunctionDef, ast.ClassDef))
    }


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.stem)
def test_notebooks_define_only_their_from_scratch_code(path):
    cells = [c for c in code_cells(path) if "course-setup" not in c.metadata.get("tags", [])]
    defined = set().union(*(defined_names(cell) for cell in cells)) if cells else set()
    extra = defined - OWN_DEFINITIONS.get(path.stem, set())
    assert not extra, f"{path.name} defines {sorted(extra)}: use or add a utils function (one home)"


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.stem)
def test_notebooks_do_not_reimplement_utils_by_hand(path):
    source = "\n".join(c.source for c in code_cells(path) if "course-setup" not in c.metadata.get("tags", []))
    for pattern, instead in REIMPLEMENTED.items():
        found = re.search(pattern, source)
        assert not found, f"{path.name}: {found[0]!r} by hand; use {instead}"


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.stem)
def test_code_cells_show_one_idea_in_a_few_lines(path):
    for cell in code_cells(path):
        lines = cell.source.strip().splitlines()
        if "course-setup" in cell.metadata.get("tags", []) or len(lines) <= MAX_CELL_LINES:
            continue
        assert any((path.stem, line) in LONG_CELLS for line in lines), (
            f"{path.name}: a {len(lines)}-line code cell starting {lines[0]!r}; split it, or move the "
            f"wording into utils (only the from-scratch cells in LONG_CELLS may be longer)"
        )


def test_long_cell_exceptions_still_exist():
    for stem, line in LONG_CELLS:
        [path] = [p for p in NOTEBOOK_FILES if p.stem == stem]
        assert any(line in c.source.splitlines() for c in code_cells(path)), (stem, line)


@pytest.mark.parametrize("notebook", catalogue.NOTEBOOKS, ids=lambda n: n.file)
def test_colab_badge_points_at_the_notebook(notebook):
    header = notebook_headers.header_markdown(notebook)
    assert f"github/{catalogue.GITHUB_REPO}/blob/{catalogue.BRANCH}/notebooks/{notebook.file}" in header


def test_setup_cell_makes_utils_importable_from_the_notebooks_folder():
    # -S: no site-packages, so only the set-up cell can make utils importable
    code = notebook_headers.setup_code() + "\nimport utils; print(utils.repo_root())"
    out = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code], cwd=NOTEBOOK_DIR, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == str(utils.repo_root())


def test_runner_reads_the_last_headline_and_its_caveats():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x")]
    nb.cells[0].outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="HEADLINE val_acc=0.5\n"),
        nbformat.v4.new_output(
            "stream",
            name="stdout",
            text="noise\nHEADLINE val_acc=0.8125  [generated data, untrained weights]\n",
        ),
    ]
    assert run_notebooks.headline_of(nb) == ("val_acc=0.8125", "generated data, untrained weights")
    assert run_notebooks.headline_of(nbformat.v4.new_notebook()) == ("", "")


EXERCISED = ["02_dogs_cats_redux.ipynb", "03_statefarm.ipynb"]


@pytest.mark.parametrize("name", EXERCISED)
def test_notebook_ends_with_exercises_then_reading_before_the_navigation(name):
    cells = nbformat.read(NOTEBOOK_DIR / name, as_version=4).cells
    headings = [c.source.splitlines()[0] for c in cells if c.cell_type == "markdown" and c.source]
    assert "## Try this" in headings and "## Further reading" in headings
    assert headings.index("## Checks") < headings.index("## Try this") < headings.index("## Further reading")
    assert "course-nav" in cells[-1].metadata.get("tags", [])
    exercises = next(c.source for c in cells if c.source.startswith("## Try this"))
    assert 3 <= len(re.findall(r"^\d+\. ", exercises, flags=re.M)) <= 6
    assert "Kaggle" in exercises and "submission" in exercises  # the 2017 homework


@pytest.mark.parametrize("name", EXERCISED)
def test_clip_level_and_floors_come_from_the_run(name):
    source = "\n".join(c.source for c in code_cells(NOTEBOOK_DIR / name))
    assert "CLIP = utils.best_clip_level(" in source and not re.search(r"CLIP = 0\.\d", source)
    assert "load_best_checkpoint(" in source
    assert not re.search(r"^\s*assert .*accuracy", source, flags=re.M), "floors go through check_floor"
    assert "utils.check_floor(" in code_cells(NOTEBOOK_DIR / name)[-1].source
