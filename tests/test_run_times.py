"""The run times in the headers and the index come from each notebook's own image counts and
epochs (tools/catalogue.py's work) at measured rates: the work must match the notebook."""

import re

import nbformat
import pytest

import utils
from tools import catalogue

MEASURED = [notebook for notebook in catalogue.NOTEBOOKS if notebook.work]


def notebook_code(file):
    cells = nbformat.read(utils.repo_root() / "notebooks" / file, as_version=4).cells
    return "\n".join(cell.source for cell in cells if cell.cell_type == "code")


def full_values(notebook):
    """{NAME: full-profile value} of every `NAME = utils.pick(quick=..., full=...)` in the notebook."""
    source = notebook_code(notebook.file)
    picks = re.findall(r"^\s*([A-Z_]+) = utils\.pick\(quick=[^,]+, full=([^)]+)\)", source, re.MULTILINE)
    return {name: value.strip() for name, value in picks}


@pytest.mark.parametrize("notebook", MEASURED, ids=lambda n: n.file[:2])
def test_the_epochs_counted_are_the_notebooks_full_profile(notebook):
    values = full_values(notebook)
    for step in notebook.work:
        if step.parameter:
            assert values.get(step.parameter) == str(step.epochs), (step, values.get(step.parameter))


@pytest.mark.parametrize("notebook", MEASURED, ids=lambda n: n.file[:2])
def test_the_full_profile_reads_every_image_counted(notebook):
    # The work counts whole datasets, so no cap may cut them in the full profile.
    values = full_values(notebook)
    caps = {name: values[name] for name in ("IMAGES", "MAX_TRAIN") if name in values}
    assert caps and set(caps.values()) == {"None"}, caps


def test_every_heavy_notebook_has_measured_work_or_says_it_is_an_estimate():
    for notebook in catalogue.NOTEBOOKS:
        assert notebook.work or notebook.guessed_minutes, notebook.file
        minutes = (notebook.cpu_minutes, notebook.gpu_minutes)
        assert all(isinstance(m, int) and m >= 1 for m in minutes), (notebook.file, minutes)


def test_headers_say_measured_and_from_rates():
    from tools.notebook_headers import header_markdown

    for notebook in MEASURED:
        text = header_markdown(notebook)
        assert f"about {notebook.cpu_minutes} min on a " in text or " h on a " in text
        assert "CPU (measured)" in text and "on a GPU (from rates)" in text


def test_cifar10_counts_are_the_notebooks_split():
    # 07 holds VALID_SIZE of CIFAR-10's 50,000 training images out for validation; 10,000 test.
    # bench/rates.py times 07's convnet with the full profile's augmentation layers.
    assert full_values(catalogue.by_file("07_cifar10_convnet.ipynb"))["AUGMENT"] == "True"
    valid = re.search(r"^VALID_SIZE = ([\d_]+)", notebook_code("07_cifar10_convnet.ipynb"), re.MULTILINE)
    assert catalogue.CIFAR10 == {"train": 50_000 - int(valid[1]), "valid": int(valid[1]), "test": 10_000}
