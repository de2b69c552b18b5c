"""tools/environments.py (the two commands without make) and tools/environments.py (every supported
Python, its venv, bcolz's build)."""

import re
import subprocess
import sys
import tomllib

import pytest

import utils
from tools import catalogue, course, environments

ROOT = utils.repo_root()


def test_requires_python_is_exactly_the_tested_pythons():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    lowest, highest = environments.SUPPORTED[0], environments.SUPPORTED[-1]
    major, minor = map(int, highest.split("."))
    assert declared == f">={lowest},<{major}.{minor + 1}"


def test_pins_follow_includes_and_the_core_is_a_subset(tmp_path):
    (tmp_path / "core.txt").write_text("# core\nnumpy==2.0.0\nkeras==3.1.0  # why\n")
    (tmp_path / "all.txt").write_text("-r core.txt\njupyterlab==4.0.0\nnumpy==2.0.1\n")
    assert environments.read_pins(tmp_path / "all.txt") == {
        "numpy": "2.0.1",
        "keras": "3.1.0",
        "jupyterlab": "4.0.0",
    }
    core, main = (
        environments.read_pins(environments.CORE_REQUIREMENTS),
        environments.read_pins(environments.REQUIREMENTS),
    )
    assert core and core.items() <= main.items()
    assert {"tensorflow-cpu", "keras", "bcolz-zipline", "nbval", "pytest", "ipykernel"} <= set(core)


def test_a_venv_is_stale_when_an_included_requirements_file_changes(tmp_path, monkeypatch):
    (tmp_path / "core.txt").write_text("numpy==2.0.0\n")
    (tmp_path / "all.txt").write_text("-r core.txt\n")
    before = environments.requirements_digest(tmp_path / "all.txt")
    assert environments.requirements_digest(tmp_path / "all.txt") == before
    (tmp_path / "core.txt").write_text("numpy==2.0.1\n")
    assert environments.requirements_digest(tmp_path / "all.txt") != before


def test_cross_python_tests_exist_and_include_bcolz_the_pipeline_and_a_notebook():
    for target in course.CROSS_PYTHON_TESTS:
        assert (ROOT / target).exists(), target
    assert "tests/test_arrays.py" in course.CROSS_PYTHON_TESTS
    assert "tests/test_imports.py" in course.CROSS_PYTHON_TESTS
    assert sum(t.endswith(".ipynb") for t in course.CROSS_PYTHON_TESTS) == 1


def test_this_python_is_found_and_a_missing_one_is_not():
    here = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert environments.find_python(here) == sys.executable
    assert environments.find_python("3.1") is None


@pytest.mark.parametrize("ci, fails", [("true", True), ("", False)])
def test_a_missing_python_fails_in_ci_and_is_skipped_elsewhere(monkeypatch, capsys, ci, fails):
    monkeypatch.setenv("CI", ci)
    monkeypatch.setattr(environments, "find_python", lambda version: None)
    others = [v for v in environments.SUPPORTED if v != environments.this_python()]
    if fails:
        with pytest.raises(environments.SetupError, match=f"Python {others[0]} not found"):
            environments.other_pythons(environments.SUPPORTED)
    else:
        assert environments.other_pythons(environments.SUPPORTED) == {}
        printed = capsys.readouterr().out.splitlines()
        assert [line.split(":")[0] for line in printed] == [f"skipping Python {v}" for v in others]


def test_bcolz_without_wheel_or_compiler_fails_in_one_line_naming_the_fix(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_WHEELS", str(tmp_path))  # nothing cached
    monkeypatch.setattr(environments, "index_has_bcolz_wheel", lambda python, version: False)
    monkeypatch.setattr(environments, "can_compile", lambda python: False)
    with pytest.raises(environments.SetupError) as error:
        environments.bcolz_plan(sys.executable, "3.13")
    message = str(error.value)
    assert "\n" not in message
    assert "Python 3.13" in message and "no C compiler" in message and "build-essential" in message


def test_bcolz_plan_prefers_a_cached_wheel_then_the_index_then_compiling(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_WHEELS", str(tmp_path))
    monkeypatch.setattr(environments, "can_compile", lambda python: True)
    monkeypatch.setattr(environments, "index_has_bcolz_wheel", lambda python, version: False)
    assert environments.bcolz_plan(sys.executable, "3.x") == "compile"
    monkeypatch.setattr(environments, "index_has_bcolz_wheel", lambda python, version: True)
    assert environments.bcolz_plan(sys.executable, "3.x") == "index"
    pinned = environments.read_pins(environments.CORE_REQUIREMENTS)["bcolz-zipline"]
    tag = f"cp{sys.version_info[0]}{sys.version_info[1]}"
    (tmp_path / f"bcolz_zipline-{pinned}-{tag}-{tag}-linux_x86_64.whl").write_bytes(b"")
    assert environments.bcolz_plan(sys.executable, "3.x") == "cached"


def test_an_unsupported_python_is_refused_in_one_line(monkeypatch):
    monkeypatch.setattr(environments, "SUPPORTED", ("3.99",))
    with pytest.raises(environments.SetupError, match=r"^Python \d+\.\d+ is not supported"):
        environments.this_python()


def test_command_line_help_names_both_commands():
    out = subprocess.run(
        [sys.executable, "-m", "tools.course", "--help"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "--test" in out and "--setup" in out


def test_makefile_targets_are_wrappers_around_tools_course():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^course:\n\t\$\(COURSE\)$", makefile, re.M)
    assert re.search(r"^test:\n\t\$\(COURSE\) --test", makefile, re.M)
    assert "pip install" not in makefile


def test_colab_pins_are_the_requirements_pins():
    pins = environments.read_pins(environments.REQUIREMENTS)
    needs = catalogue.COLAB_PACKAGES
    assert needs["bcolz"][2] == f"bcolz-zipline=={pins['bcolz-zipline']}"
    assert needs["keras"][2] == f"keras=={pins['keras']}"
    assert needs["tensorflow"][2] == f"tensorflow=={pins['tensorflow-cpu']}"

    def as_tuple(version):
        return tuple(map(int, version.split(".")))

    assert as_tuple(needs["keras"][1]) <= as_tuple(pins["keras"])
    assert as_tuple(needs["tensorflow"][1]) <= as_tuple(pins["tensorflow-cpu"])


def test_pip_is_offered_the_wheel_folder_only_when_it_exists(monkeypatch, tmp_path):
    """A missing --find-links folder makes pip warn once per package."""
    monkeypatch.setenv("COURSE_WHEELS", str(tmp_path / "wheels"))
    assert "--find-links" not in environments.requirements_install(environments.REQUIREMENTS)
    (tmp_path / "wheels").mkdir()
    arguments = environments.requirements_install(environments.REQUIREMENTS)
    assert arguments[arguments.index("--find-links") + 1] == tmp_path / "wheels"


def test_only_the_commands_module_names_the_linted_folders():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^lint:\n\t\$\(COURSE\) --lint$", makefile, re.M)
    assert not any(folder in makefile for folder in ("utils tools", "bench tests"))
