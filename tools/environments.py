"""The course's environments: requirement pins, supported Pythons, bcolz's wheel, and the venvs.

`setup()` makes every venv current: `.venv` for the Python running it (requirements.txt),
`.venv-py3.X` for the other supported Pythons (requirements-core.txt). A venv is (re)installed
only when missing or when the requirement files changed. Standard library only: it runs before
any venv exists, on Windows too. tools/course.py holds the commands that use it.
"""

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUPPORTED = ("3.11", "3.12", "3.13")  # pyproject's requires-python says the same
MAIN_VENV = ROOT / ".venv"
REQUIREMENTS = ROOT / "requirements.txt"  # the main venv: everything
CORE_REQUIREMENTS = ROOT / "requirements-core.txt"  # every other Python: runtime + test tools
STAMP = ".installed"
KERNEL_CONFIG = ROOT / "tools" / "ipython_kernel_config.py"
BCOLZ = "bcolz-zipline"
BCOLZ_WHEEL_PYTHONS = ("3.11", "3.12")  # the Pythons the index has bcolz wheels for
BCOLZ_COMPILE_TIME = "1-4 minutes"  # measured: 1 min 11 s and 3 min 39 s on 2-core machines
PIN = re.compile(r"^\s*([A-Za-z0-9_.\-\[\]]+)==([^\s#;]+)")
INCLUDE = re.compile(r"^\s*-r\s+(\S+)")


class SetupError(Exception):
    """A set-up step that cannot go on; the message is one line saying what to do."""


# ---------------------------------------------------------------- requirements


def read_pins(path=REQUIREMENTS):
    """{package: version} of a requirements file, following its `-r` includes."""
    path = Path(path)
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if include := INCLUDE.match(line):
            pins.update(read_pins(path.parent / include[1]))
        elif pin := PIN.match(line):
            pins[pin[1]] = pin[2]
    return pins


def requirements_digest(path):
    """A digest of a requirements file, its includes and pyproject.toml: what a venv was built from."""
    digest = hashlib.sha256()
    files = [Path(path), ROOT / "pyproject.toml"]
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if include := INCLUDE.match(line):
            files.append(Path(path).parent / include[1])
    for file in files:
        digest.update(file.read_bytes())
    return digest.hexdigest()


# ---------------------------------------------------------------- Pythons


def is_ci():
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def version_of(python):
    """'3.X' of an interpreter, or None when it does not run."""
    try:
        done = subprocess.run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def python_candidates(version):
    """Places a Python `version` may be: PATH, pyenv, the Windows launcher."""
    found = [shutil.which(f"python{version}")]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found += [str(p / "bin" / "python3") for p in sorted(pyenv.glob(f"{version}.*"), reverse=True)]
    if shutil.which("py"):  # Windows: py -3.12 knows every installed Python
        done = subprocess.run(
            ["py", f"-{version}", "-c", "import sys; print(sys.executable)"], capture_output=True, text=True
        )
        found.append(done.stdout.strip() if done.returncode == 0 else None)
    return [f for f in found if f]


def find_python(version):
    """An interpreter of `version` ('3.12'), or None."""
    if f"{sys.version_info[0]}.{sys.version_info[1]}" == version:
        return sys.executable
    return next((c for c in python_candidates(version) if version_of(c) == version), None)


def this_python():
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    if version not in SUPPORTED:
        raise SetupError(
            f"Python {version} is not supported: run this with Python "
            f"{', '.join(SUPPORTED)} (e.g. `python3.11 -m tools.course`)"
        )
    return version


def other_pythons(pythons):
    """{version: interpreter} of the other supported Pythons; a missing one fails in CI, else is skipped."""
    found, missing = {}, []
    for version in pythons:
        if version == this_python():
            continue
        python = find_python(version)
        if python:
            found[version] = python
        else:
            missing.append(version)
    for version in missing:
        message = (
            f"Python {version} not found (looked for python{version} on PATH, in pyenv and "
            f"with `py -{version}`): install it to test every supported Python"
        )
        if is_ci():
            raise SetupError(message)
        print(f"skipping Python {version}: {message}", flush=True)
    return found


def venv_python(venv):
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def venv_for(version):
    """Where the venv of Python `version` lives: .venv for the one running this, else .venv-py3.X."""
    return MAIN_VENV if version == this_python() else ROOT / f".venv-py{version}"


# ---------------------------------------------------------------- bcolz


def wheel_cache():
    """Where bcolz wheels compiled here are kept, so each Python compiles it once."""
    if os.environ.get("COURSE_WHEELS"):
        return Path(os.environ["COURSE_WHEELS"]).expanduser()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "fastai-dl1-keras3" / "wheels"


def python_tag(python):
    done = subprocess.run(
        [python, "-c", "import sys; print('cp%d%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def cached_bcolz_wheel(python, version):
    tag = python_tag(python)
    wheels = sorted(wheel_cache().glob(f"{BCOLZ.replace('-', '_')}-{version}-{tag}-*.whl"))
    return wheels[-1] if wheels else None


def index_has_bcolz_wheel(python, version):
    """Whether the package index has a bcolz wheel for this interpreter (downloads it to a temp folder)."""
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run(
            [
                python,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--only-binary=:all:",
                "-d",
                folder,
                f"{BCOLZ}=={version}",
            ],
            capture_output=True,
            text=True,
        )
    return done.returncode == 0


def can_compile(python):
    """Whether a C compiler and this Python's headers are here."""
    compiler = os.environ.get("CC", "").split()[:1] or ["cc"]
    if not any(shutil.which(c) for c in (*compiler, "gcc", "clang")) and os.name != "nt":
        return False
    done = subprocess.run(
        [
            python,
            "-c",
            "import os, sysconfig; "
            "print(os.path.exists(os.path.join(sysconfig.get_paths()['include'], 'Python.h')))",
        ],
        capture_output=True,
        text=True,
    )
    return done.stdout.strip() == "True"


def bcolz_plan(python, version):
    """'cached', 'index' or 'compile': how this Python gets bcolz. Raises SetupError when it can't."""
    pinned = read_pins(CORE_REQUIREMENTS)[BCOLZ]
    if cached_bcolz_wheel(python, pinned):
        return "cached"
    if index_has_bcolz_wheel(python, pinned):
        return "index"
    if can_compile(python):
        return "compile"
    raise SetupError(
        f"Python {version}: {BCOLZ}=={pinned} has no wheel for this Python and there is no C compiler "
        f"to build it: install one (Debian/Ubuntu: apt-get install build-essential python{version}-dev; "
        f"macOS: xcode-select --install) or use Python {' or '.join(BCOLZ_WHEEL_PYTHONS)}, which have wheels"
    )


def compile_bcolz(python, version):
    pinned = read_pins(CORE_REQUIREMENTS)[BCOLZ]
    print(
        f"Python {version}: no {BCOLZ} {pinned} wheel for this Python, compiling it once "
        f"(about {BCOLZ_COMPILE_TIME}); later set-ups reuse {wheel_cache()}",
        flush=True,
    )
    wheel_cache().mkdir(parents=True, exist_ok=True)
    run([python, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheel_cache()), f"{BCOLZ}=={pinned}"])


# ---------------------------------------------------------------- set-up


def run(command, **kwargs):
    """Run a command from the repository root; a failure stops the set-up, naming the command."""
    done = subprocess.run([str(part) for part in command], cwd=ROOT, **kwargs)
    if done.returncode != 0:
        raise SetupError(f"failed (exit {done.returncode}): {' '.join(map(str, command))}")
    return done


def is_current(venv, requirements):
    stamp = venv / STAMP
    return (
        venv_python(venv).exists()
        and stamp.exists()
        and stamp.read_text().strip() == requirements_digest(requirements)
    )


def requirements_install(requirements):
    """pip's arguments to install `requirements`; bcolz wheels compiled here are offered only when
    that folder exists (pip warns once per package about a missing one)."""
    wheels = ["--find-links", wheel_cache()] if wheel_cache().is_dir() else []
    return ["install", "-q", "--disable-pip-version-check", *wheels, "-r", requirements]


def install(version, python, requirements, plan):
    """Create or refresh the venv of `version` from `requirements`; returns its interpreter."""
    venv = venv_for(version)
    print(f"setting up {venv.name} (Python {version}) from {requirements.name} ...", flush=True)
    if plan == "compile":
        compile_bcolz(python, version)
    if not venv_python(venv).exists():
        run([python, "-m", "venv", venv])
    pip = [venv_python(venv), "-m", "pip"]
    run([*pip, "install", "-q", "--upgrade", "pip"])
    run([*pip, *requirements_install(requirements)])
    editable = [*map(str, pip), "install", "-q", "--no-deps"]
    # Without build isolation pip needs no network; a venv without setuptools needs isolation.
    if subprocess.run(
        [*editable, "--no-build-isolation", "-e", "."], cwd=ROOT, capture_output=True
    ).returncode:
        run([*editable, "-e", "."])
    (venv / STAMP).write_text(requirements_digest(requirements) + "\n")
    return venv_python(venv)


def setup(pythons=SUPPORTED, *, main_only=False):
    """Make every venv current; {version: venv interpreter}, the main Python first.

    Every check that can fail for lack of a Python or a compiler runs before anything is installed.
    """
    main = this_python()
    wanted = {main: (sys.executable, REQUIREMENTS)}
    if not main_only:
        wanted.update({v: (p, CORE_REQUIREMENTS) for v, p in other_pythons(pythons).items()})
    plans = {
        version: bcolz_plan(python, version)
        for version, (python, requirements) in wanted.items()
        if not is_current(venv_for(version), requirements)
    }
    ready = {}
    for version, (python, requirements) in wanted.items():
        venv = venv_for(version)
        ready[version] = (
            install(version, python, requirements, plans[version]) if version in plans else venv_python(venv)
        )
        install_kernel_config(venv)
    return ready


def install_kernel_config(venv):
    """Kernels started from `venv` read this: C++ library logs stay out of notebook outputs."""
    target = venv / "etc" / "ipython" / KERNEL_CONFIG.name
    if not target.is_file() or target.read_bytes() != KERNEL_CONFIG.read_bytes():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(KERNEL_CONFIG, target)
