"""Every utils module imports on this Python, and every public name resolves.

Part of the tests each supported Python runs (tools/course.py CROSS_PYTHON_TESTS).
"""

import importlib
import sys

import pytest

import utils

MODULES = sorted(p.stem for p in (utils.repo_root() / "utils").glob("*.py") if p.stem != "__init__")


def test_there_are_modules():
    assert "arrays" in MODULES and "hardware" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_module_imports(name):
    module = importlib.import_module(f"utils.{name}")
    assert module.__name__ == f"utils.{name}"


@pytest.mark.parametrize("name", sorted(utils.__all__))
def test_public_name_resolves_to_its_module(name):
    value = getattr(utils, name)
    assert sys.modules[f"utils.{utils._EXPORTS[name]}"].__dict__[name] is value
