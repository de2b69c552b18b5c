"""The course as a learner sees it: JupyterLab and the run report in a real browser.

The end-to-end test starts JupyterLab from the course's environment on a free
localhost port, opens a lesson in headless Chromium (Debian's `chromium`, which
`make test` installs when it can; Playwright drives it, no browser download),
runs the lesson's header, set-up and first `import utils` cells by keyboard,
and checks the results, leaving a screenshot under build/browser/.
The report test writes build/index.html-style pages from made-up rows, checks
their links and columns, and opens one in the same browser.
"""

import contextlib
import html.parser
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

import utils
from tools import catalogue, notebook_headers, run_notebooks

ROOT = utils.repo_root()
SHOTS = utils.build_root() / "browser"
# The lesson the learner opens first; 01_lesson1 once it exists, until then the SGD notebook.
LESSON = next(n for n in ("01_lesson1.ipynb", "04_sgd_intro.ipynb") if (ROOT / "notebooks" / n).exists())

# Chromium as root on a machine without a network: no sandbox, no GPU, and none of the
# background connections (updates, sync, QUIC) that this machine refuses. Playwright adds
# --headless itself and gives the browser a fresh --user-data-dir (see `browser`).
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
SERVER_START_S = 60
BROWSER_STEP_MS = 45_000


def chromium_path():
    """The system Chromium: $CHROMIUM if set, else `chromium` on PATH."""
    found = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found or not Path(found).exists():
        if os.environ.get("CI") == "true":  # CI must run these tests, not skip them
            pytest.fail(
                "Chromium is missing in CI: `make browser` (apt-get install chromium) "
                "failed; install it or set $CHROMIUM"
            )
        pytest.skip(
            "Chromium is not installed and could not be installed here "
            "(`make test` tries `apt-get install chromium`; set $CHROMIUM to use another)"
        )
    return found


@pytest.fixture
def browser(tmp_path):
    """A fresh headless Chromium context (its own profile folder), closed afterwards."""
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=executable,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1400, "height": 1500},
            timeout=BROWSER_STEP_MS,
        )
        context.set_default_timeout(BROWSER_STEP_MS)
        try:
            yield context
        finally:
            context.close()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_lab_settings(folder):
    """User settings for the test's JupyterLab: no news pop-up, every cell in the DOM."""
    settings = {
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    }
    for name, values in settings.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


@contextlib.contextmanager
def jupyter_lab(workdir):
    """JupyterLab (the course venv's) serving a copy of the course; yields (url, token, root).

    The notebooks are copied so that JupyterLab's autosave cannot touch the committed
    ones; `utils` in the copy is a link to the checkout's, so `import utils` works as
    in a real checkout.
    """
    root = workdir / "course"
    shutil.copytree(
        ROOT / "notebooks", root / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints")
    )
    (root / "utils").symlink_to(ROOT / "utils", target_is_directory=True)
    write_lab_settings(workdir / "lab-settings")
    port, token = free_port(), secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # kernels plot inline
    env.update(
        COURSE_PROFILE="quick",
        PYTHONPATH=str(ROOT),
        JUPYTER_CONFIG_DIR=str(workdir / "jupyter-config"),
        JUPYTER_RUNTIME_DIR=str(workdir / "jupyter-runtime"),
    )
    jupyter = Path(sys.executable).with_name("jupyter")
    command = [
        str(jupyter),
        "lab",
        "--no-browser",
        f"--port={port}",
        "--port-retries=0",
        "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        f"--LabServerApp.user_settings_dir={workdir / 'lab-settings'}",
        f"--LabServerApp.workspaces_dir={workdir / 'lab-workspaces'}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log_path = workdir / "jupyter.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_server(server, f"{url}/api/status?token={token}", log_path)
        yield url, token, root
    finally:
        stop(server)


def wait_for_server(server, status_url, log_path):
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"JupyterLab exited with {server.returncode}:\n{log_path.read_text()[-3000:]}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(status_url, timeout=2) as response:
                if response.status == 200:
                    return
        time.sleep(0.5)
    pytest.fail(f"JupyterLab did not answer within {SERVER_START_S}s:\n{log_path.read_text()[-3000:]}")


def stop(server):
    """Stop the server we started and its kernels (its own process group), politely first."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)  # kernels left behind, if any
    server.wait(timeout=5)


def first_import_utils_cell(path):
    """Index of the first code cell, after the set-up cell, that imports utils."""
    cells = nbformat.read(path, as_version=4).cells
    for index, cell in enumerate(cells):
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "code" and "course-setup" not in tags and "import utils" in cell.source:
            return index
    raise AssertionError(f"{path.name} has no `import utils` cell")


def run_lesson_cells(page, url, last):
    """Open the lesson, run cells 0..last by keyboard, add a probe cell; returns its output."""
    page.goto(url)
    cells = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")
    cells.nth(last).wait_for()
    # The kernel has started when the status bar says so (before that, key presses are lost).
    page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\| Idle")).wait_for()

    # Select the header and press Shift+Enter through the set-up cell to the import cell.
    cells.nth(0).locator(".jp-InputPrompt").click()
    page.keyboard.press("Escape")
    for _ in range(last + 1):
        page.keyboard.press("Shift+Enter")
    # The import cell is the generated hardware check: its source is folded (no prompt to
    # read), but it always prints the device, so its output says it has run.
    cells.nth(last).locator(".jp-OutputArea-output").first.wait_for()

    # A probe cell right below it shows, in the notebook, which utils the kernel imported.
    page.keyboard.press("Escape")
    page.keyboard.press("a")  # the active cell is now the one after the import cell
    page.keyboard.press("Enter")
    page.keyboard.insert_text('print("utils from", utils.__file__, "| profile:", utils.profile())')
    page.keyboard.press("Shift+Enter")
    probe_output = cells.nth(last + 1).locator(".jp-OutputArea-output")
    probe_output.wait_for()
    page.wait_for_function("el => el.textContent.includes('profile:')", arg=probe_output.element_handle())

    page.keyboard.press("Escape")
    page.keyboard.press("Control+s")
    page.locator(".jp-StatusBar-TextItem", has_text="Saving completed").wait_for()
    cells.nth(0).scroll_into_view_if_needed()
    return probe_output.inner_text()


def test_lesson_runs_in_jupyterlab(tmp_path, browser):
    last = first_import_utils_cell(ROOT / "notebooks" / LESSON)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / f"jupyterlab_{Path(LESSON).stem}.png"
    committed = (ROOT / "notebooks" / LESSON).read_bytes()
    with jupyter_lab(tmp_path) as (url, token, root):
        page = browser.new_page()
        try:
            text = run_lesson_cells(page, f"{url}/lab/tree/notebooks/{LESSON}?token={token}", last)
        finally:
            page.screenshot(path=str(shot))
        errors = page.locator(
            ".jp-OutputArea-output [data-mime-type='application/vnd.jupyter.error'], "
            ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']"
        )
        assert errors.count() == 0, errors.first.inner_text()
        assert str(root / "utils" / "__init__.py") in text and "profile: quick" in text, text

        saved = nbformat.read(root / "notebooks" / LESSON, as_version=4).cells
        for index, cell in enumerate(saved[: last + 2]):  # the lesson's cells and the probe
            if cell.cell_type == "code":
                assert cell.execution_count, f"cell {index} did not run"
                assert not [o for o in cell.outputs if o.output_type == "error"], cell.outputs

        # The page `make lab` lands on lists every lesson, each linked.
        page.goto(f"{url}/lab/tree/notebooks/{notebook_headers.INDEX_FILE}?token={token}")
        index = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-RenderedMarkdown")
        index.locator("table").wait_for()
        page.screenshot(path=str(SHOTS / "jupyterlab_index.png"))
        for lesson in catalogue.NOTEBOOKS:
            assert index.get_by_role("link", name=lesson.title).count() == 1, lesson.title
    assert (ROOT / "notebooks" / LESSON).read_bytes() == committed, "the committed notebook changed"
    assert shot.stat().st_size > 10_000


# ---------------------------------------------------------------- the course report

FAKE_ROWS = [
    {
        "notebook": "01_lesson1",
        "status": "ok",
        "seconds": 83.4,
        "headline": "val_acc=0.5000",
        "caveats": "generated data, untrained weights",
        "error": "",
        "html": "notebooks/01_lesson1.html",
    },
    {
        "notebook": "04_sgd_intro",
        "status": "ok",
        "seconds": 6.2,
        "headline": "fitted_a_b=2.99,8.02",
        "caveats": "",
        "error": "",
        "html": "notebooks/04_sgd_intro.html",
    },
    {
        "notebook": "99_<blink>",
        "status": "failed",
        "seconds": 1.0,
        "headline": "",
        "caveats": "",
        "error": "ValueError: <marquee>not</marquee> markup",
        "html": "notebooks/99_extra.html",
    },
]
COLUMNS = [
    "#",
    "Notebook",
    "Status",
    "Run time",
    "Headline metric",
    "Caveats: generated or stand-in data, untrained weights",
]


class ReportTable(html.parser.HTMLParser):
    """The report's table as header texts and, per body row, its cells' texts and links."""

    def __init__(self):
        super().__init__()
        self.header, self.rows, self.tags = [], [], []
        self._cell = self._section = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        if tag in ("thead", "tbody"):
            self._section = tag
        elif tag == "tr" and self._section == "tbody":
            self.rows.append({"cells": [], "links": [], "class": attrs.get("class")})
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "a" and self._section == "tbody":
            self.rows[-1]["links"].append(attrs["href"])

    def handle_endtag(self, tag):
        if tag in ("thead", "tbody"):
            self._section = None
        elif tag in ("td", "th") and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            (self.header if tag == "th" else self.rows[-1]["cells"]).append(text)
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def write_fake_report(folder):
    (folder / "notebooks").mkdir(parents=True)
    for row in FAKE_ROWS:
        (folder / row["html"]).write_text(
            f"<!doctype html><title>{row['notebook']}</title><h1>executed {row['notebook']}</h1>"
        )
    index = folder / "index.html"
    run_notebooks.write_index(FAKE_ROWS, index, "quick")
    return index


def test_report_has_one_linked_row_per_notebook(tmp_path):
    index = write_fake_report(tmp_path)
    table = ReportTable()
    table.feed(index.read_text(encoding="utf-8"))
    assert table.header == COLUMNS
    assert len(table.rows) == len(FAKE_ROWS)
    for number, (row, fake) in enumerate(zip(table.rows, FAKE_ROWS), 1):
        cells = dict(zip(COLUMNS, row["cells"]))
        assert cells["#"] == str(number)
        assert row["links"][0] == fake["html"]  # the title opens the executed notebook's page
        assert fake["html"].replace(".html", ".ipynb") in row["links"]
        assert cells["Status"] == fake["status"] and row["class"] == fake["status"]
        assert (fake["headline"] or "no headline") in cells["Headline metric"]
        for link in row["links"]:
            assert not link.startswith(("/", "file:", "http")), "links must be relative to build/"
            assert (tmp_path / link).exists() or link.endswith(".ipynb")
    first, second, failed = (dict(zip(COLUMNS, r["cells"])) for r in table.rows)
    assert first["Notebook"].startswith("Lesson 1: Dogs vs Cats")  # title from the catalogue
    assert first["Run time"] == "1 min 23 s" and second["Run time"] == "6.2 s"
    assert "generated data" in first["Caveats: generated or stand-in data, untrained weights"]
    assert "untrained weights" in first["Caveats: generated or stand-in data, untrained weights"]
    assert second["Caveats: generated or stand-in data, untrained weights"] == "none"
    assert "ValueError: <marquee>not</marquee> markup" in failed["Notebook"]  # shown as text ...
    assert "marquee" not in table.tags and "blink" not in table.tags  # ... never as markup
    assert "quick" in index.read_text(encoding="utf-8")


def test_runner_embeds_plots_in_the_executed_page(tmp_path, monkeypatch):
    """Even under the Makefile's MPLBACKEND=Agg, plots reach the HTML page as data URIs."""
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import matplotlib.pyplot as plt\nplt.plot([0, 1], [1, 0]);\n"
            "print('HEADLINE slope=-1  [generated data]')"
        )
    ]
    (tmp_path / "notebooks").mkdir()
    nbformat.write(nb, tmp_path / "notebooks" / "98_plot.ipynb")
    row = run_notebooks.execute(tmp_path / "notebooks" / "98_plot.ipynb", tmp_path)
    assert (row["status"], row["headline"], row["caveats"]) == ("ok", "slope=-1", "generated data")
    assert row["html"] == "notebooks/98_plot.html"
    executed = nbformat.read(tmp_path / "98_plot.ipynb", as_version=4)
    assert any("image/png" in o.get("data", {}) for o in executed.cells[0].outputs)
    page = (tmp_path / "98_plot.html").read_text(encoding="utf-8")
    assert re.search(r"<img[^>]+src=\"data:image/png;base64,", page)


def test_report_opens_in_chromium(tmp_path, browser):
    index = write_fake_report(tmp_path / "build")
    page = browser.new_page()
    page.goto(index.as_uri())
    assert page.locator("tbody tr").count() == len(FAKE_ROWS)
    assert page.locator("tbody tr.failed .error").inner_text() == FAKE_ROWS[2]["error"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "report_fake_rows.png"), full_page=True)
    page.locator("tbody tr").first.locator("a.title").click()
    page.wait_for_url("**/notebooks/01_lesson1.html")
    assert page.locator("h1").inner_text() == "executed 01_lesson1"
