"""The README's two commands, in plain Python (the Makefile only calls this).

    python -m tools.course                  # = make course: set up, sample data, run every notebook
    python -m tools.course --test           # = make test: set up, then the tests on every Python
    python -m tools.course --setup          # only the set-up
    python -m tools.course --lint           # = make lint: ruff's rules and its formatter check
    python -m tools.course --test -- -k colab   # arguments after -- go to the main pytest run

Run it with any supported Python (3.11-3.13): that one gets `.venv` and the full test suite; the
others get their own venvs (tools/environments.py) and run the tests of what differs between
Pythons (CROSS_PYTHON_TESTS). Standard library only, like tools/environments.py.
"""

import argparse
import os
import shutil
import subprocess
import sys

from tools.environments import ROOT, SUPPORTED, SetupError, run, setup, this_python

# What can differ between Pythons: bcolz arrays, the data pipeline, importing every
# utils module, and one short notebook under nbval.
CROSS_PYTHON_TESTS = (
    "tests/test_arrays.py",
    "tests/test_data_arrays.py",
    "tests/test_data_batches.py",
    "tests/test_data_prepare.py",
    "tests/test_synthetic.py",
    "tests/test_imports.py",
    "notebooks/04_sgd_intro.ipynb",
)
LINTED = ("utils", "tools", "bench", "tests")  # the Makefile's `lint` calls `--lint`


def install_browser():
    """Best effort: Debian's chromium for tests/test_browser.py, which skips without it."""
    if shutil.which("chromium") or shutil.which("chromium-browser") or not shutil.which("apt-get"):
        return
    print("installing chromium for the browser tests ...", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    ok = (
        subprocess.run([*sudo, "apt-get", "update", "-qq"], **quiet).returncode == 0
        and subprocess.run(
            [*sudo, "apt-get", "install", "-y", "-qq", "chromium"], env=env, **quiet
        ).returncode
        == 0
    )
    if not ok:
        print("chromium could not be installed (needs apt and root): the browser tests will be skipped")


# ---------------------------------------------------------------- the two commands


def course_environment(profile):
    # Quiet TensorFlow's C++ logging so notebook outputs stay readable.
    return {**os.environ, "COURSE_PROFILE": profile, "TF_CPP_MIN_LOG_LEVEL": "3"}


def make_data(python, env):
    run([python, "-m", "tools.make_sample_data"], env=env)


def course(profile):
    python = setup(main_only=True)[this_python()]
    env = course_environment(profile)
    make_data(python, env)
    return subprocess.run(
        [str(python), "-m", "tools.run_notebooks", "--profile", profile], cwd=ROOT, env=env
    ).returncode


def pytest_run(python, targets, extra, env):
    command = [
        str(python),
        "-m",
        "pytest",
        *targets,
        "--nbval-lax",
        "--nbval-current-env",
        "-p",
        "no:cacheprovider",
        *extra,
    ]
    status = subprocess.run(command, cwd=ROOT, env=env).returncode
    if status == 5:  # pytest collected nothing: a broken checkout
        print(f"pytest collected no tests from {' '.join(targets)}: is tests/ missing?")
    return status


def lint(python):
    """ruff's rules (pyproject.toml) and its formatter, in check mode, over all our Python."""
    for command in (["check"], ["format", "--check"]):
        print(f"ruff {' '.join(command)} " + " ".join(LINTED), flush=True)
        status = subprocess.run([str(python), "-m", "ruff", *command, *LINTED], cwd=ROOT).returncode
        if status:
            return status
    return 0


def test(profile, pythons, pytest_args):
    ready = setup(pythons)
    env = course_environment(profile)
    main = this_python()
    if lint(ready[main]):
        print("the linter found problems (above): fix them first")
        return 1
    make_data(ready[main], env)
    install_browser()
    results = {
        f"Python {main}: full suite": pytest_run(ready[main], ["tests", "notebooks"], pytest_args, env)
    }
    for version, python in ready.items():
        if version != main:
            print(f"\nPython {version}: the tests of what differs between Pythons", flush=True)
            results[f"Python {version}: cross-Python tests"] = pytest_run(
                python, CROSS_PYTHON_TESTS, ["-q"], env
            )
    print()
    for name, status in results.items():
        print(f"{name}: {'passed' if status == 0 else f'FAILED (exit {status})'}")
    return next((status for status in results.values() if status), 0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--test", action="store_true", help="set up, then the tests on every Python")
    action.add_argument("--setup", action="store_true", help="only set up the venvs")
    action.add_argument("--lint", action="store_true", help="only the linter and the formatter check")
    parser.add_argument(
        "--profile", choices=("quick", "full"), default=os.environ.get("COURSE_PROFILE") or "quick"
    )
    parser.add_argument(
        "--pythons",
        nargs="+",
        choices=SUPPORTED,
        default=None,
        help="Pythons to set up (and test) besides this one; default: all "
        "supported with --test, none otherwise",
    )
    parser.add_argument(
        "pytest_args", nargs=argparse.REMAINDER, help="after --: arguments for the main pytest run"
    )
    args = parser.parse_args(argv)
    extra = [a for a in args.pytest_args if a != "--"]
    try:
        if args.setup:
            setup(args.pythons or (), main_only=not args.pythons)
            return 0
        if args.lint:
            return lint(setup((), main_only=True)[this_python()])
        if args.test:
            return test(args.profile, args.pythons or SUPPORTED, extra)
        return course(args.profile)
    except SetupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
