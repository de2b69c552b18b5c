"""The two install routes (pip requirements and conda environment.yml) agree."""
import re
import subprocess
import sys

import utils

ROOT = utils.repo_root()
PIN = re.compile(r"^\s*(?:-\s+)?([A-Za-z0-9_.\-\[\]]+)==([^\s#]+)")


def pins(path):
    return dict(m.groups() for line in path.read_text().splitlines() if (m := PIN.match(line)))


def test_requirements_and_environment_yml_pin_the_same_versions():
    requirements = pins(ROOT / "requirements.txt")
    conda = pins(ROOT / "environment.yml")
    assert requirements, "requirements.txt pins nothing"
    assert requirements | pins(ROOT / "requirements-torch.txt") == conda


def test_torch_is_pinned_apart_and_make_installs_it():
    """PyTorch stays out of requirements.txt (lighter environments skip it); the set-up installs both."""
    assert "torch" not in pins(ROOT / "requirements.txt")
    assert pins(ROOT / "requirements-torch.txt")["torch"].startswith("2.")
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"pip install .*-r requirements\.txt -r requirements-torch\.txt", makefile)


def test_core_pins_are_the_course_stack():
    requirements = pins(ROOT / "requirements.txt")
    assert requirements["tensorflow-cpu"].startswith("2.21")
    assert requirements["keras"].startswith("3.")
    assert "bcolz-zipline" in requirements and "nbval" in requirements


def test_installed_versions_match_the_pins():
    from importlib.metadata import version

    for name, pinned in pins(ROOT / "requirements.txt").items():
        assert version(name) == pinned, f"{name}: installed {version(name)}, pinned {pinned}"


def test_installed_torch_matches_its_pin():
    """The CPU build carries a local label (2.13.0+cpu): the same release as the pin."""
    from importlib.metadata import PackageNotFoundError, version

    pinned = pins(ROOT / "requirements-torch.txt")["torch"]
    try:
        installed = version("torch")
    except PackageNotFoundError:
        raise AssertionError("torch is not installed: `make setup` installs requirements-torch.txt")
    assert installed.split("+")[0] == pinned, f"torch: installed {installed}, pinned {pinned}"


def test_import_utils_has_no_side_effects():
    """Importing utils must not pull in TensorFlow or change Keras settings."""
    code = ("import sys, utils; "
            "print('tensorflow' in sys.modules, 'keras' in sys.modules, 'matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT / "notebooks", check=True).stdout.split()
    assert out == ["False", "False", "False"]


def test_ci_script_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make course" in readme
    assert re.search(r"^\s*make test\b", ci, re.M)
