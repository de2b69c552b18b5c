"""Every utils module imports on this Python, and every public name resolves.

Part of the tests each supported Python runs (tools/course.py CROSS_PYTHON_TESTS).
"""

import importlib
import os
import subprocess
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


def test_light_helpers_leave_tensorflow_unloaded_and_no_import_prints_anything():
    """One fresh interpreter: the light helpers first (no TensorFlow, no Keras), then every module.

    TF_CPP_MIN_LOG_LEVEL is removed, as on a learner's machine: TensorFlow's C++
    start-up lines must not reach stderr whatever it says."""
    script = (
        "import sys, importlib, utils\n"
        "utils.best_epoch, utils.shard, utils.unshard, utils.shard_batches, utils.caveat\n"
        "heavy = sorted(m for m in ('tensorflow', 'keras', 'torch') if m in sys.modules)\n"
        f"for name in {MODULES!r}:\n"
        "    importlib.import_module('utils.' + name)\n"
        "sys.stdout.write('HEAVY=' + ','.join(heavy))\n"
    )
    environment = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=environment, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == "HEAVY=", run.stdout  # nothing printed, and no heavy module loaded early
    assert run.stderr == ""
