"""The two install routes (pip requirements and conda environment.yml) agree."""

import re
import subprocess
import sys

import utils
from tools.environments import read_pins

ROOT = utils.repo_root()
YAML_PIN = re.compile(r"^\s*-\s+([A-Za-z0-9_.\-\[\]]+)==([^\s#]+)")


def test_requirements_and_environment_yml_pin_the_same_versions():
    requirements = read_pins(ROOT / "requirements.txt")
    conda = dict(
        m.groups()
        for line in (ROOT / "environment.yml").read_text().splitlines()
        if (m := YAML_PIN.match(line))
    )
    assert requirements, "requirements.txt pins nothing"
    assert requirements == conda


def test_torch_is_pinned_apart_and_only_the_main_venv_installs_it():
    """PyTorch (notebook 09) has its own file: the main venv includes it, the other Pythons'
    test venvs (requirements-core.txt) leave it out."""
    assert read_pins(ROOT / "requirements-torch.txt") == {"torch": "2.13.0"}
    assert read_pins(ROOT / "requirements.txt")["torch"] == "2.13.0"
    assert "torch" not in read_pins(ROOT / "requirements-core.txt")


def test_core_pins_are_the_course_stack():
    requirements = read_pins(ROOT / "requirements.txt")
    assert requirements["tensorflow-cpu"].startswith("2.21")
    assert requirements["keras"].startswith("3.")
    assert "bcolz-zipline" in requirements and "nbval" in requirements


def test_installed_versions_match_the_pins():
    from importlib.metadata import version

    for name, pinned in read_pins(ROOT / "requirements.txt").items():
        # a local build label is the same release: torch's CPU build is 2.13.0+cpu
        installed = version(name).split("+")[0]
        assert installed == pinned, f"{name}: installed {version(name)}, pinned {pinned}"


def test_import_utils_has_no_side_effects():
    """Importing utils must not pull in TensorFlow or change Keras settings."""
    code = (
        "import sys, utils; "
        "print('tensorflow' in sys.modules, 'keras' in sys.modules, 'matplotlib' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT / "notebooks", check=True
    ).stdout.split()
    assert out == ["False", "False", "False"]


def test_ci_script_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make course" in readme
    assert re.search(r"^\s*make test\b", ci, re.M)
