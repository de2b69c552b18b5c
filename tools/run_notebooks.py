"""Execute every course notebook headless and summarise the run.

Executed copies go to build/notebooks/ (as .ipynb and .html, linked to each other
and to the course index as web pages), a summary to build/summary.json and
build/index.html, and a table to the terminal: notebook, status, seconds, headline
metric. A notebook fails when a cell raises or when its outputs hold stderr or
warning text (tools/quiet_outputs.py); each kernel's own log goes to
build/notebooks/logs/. Exit status 1 if any notebook failed.

    python -m tools.run_notebooks [--profile quick|full] [--only 04_sgd_intro]
"""

import argparse
import html
import json
import os
import re
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter

import utils
from utils import config
from utils.hardware import duration
from tools.catalogue import NOTEBOOKS, by_file
from tools.notebook_headers import INDEX_FILE
from tools.quiet_outputs import notebook_noise

HEADLINE = re.compile(r"^HEADLINE (?P<metric>.+?)(?:  \[(?P<caveats>[^\]]*)\])?$", re.M)
CELL_TIMEOUT_S = 1800
ANSI_CODE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# IPython marks the failing line of a traceback "----> 3 assert ..."
FAILING_LINE = re.compile(r"^-*> *\d+ (?P<code>.+)$", re.M)
# a link from one course notebook to another: "02_dogs_cats_redux.ipynb", "00_index.ipynb#top"
NOTEBOOK_LINK = re.compile(r"""(href=["'])(\d\d_[\w-]+)\.ipynb(?=[#"'])""")


def headline_of(nb):
    """The last HEADLINE line a notebook printed, as (metric text, caveats)."""
    found = None
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            text = output.get("text", "") if output.get("output_type") == "stream" else ""
            for match in HEADLINE.finditer(text):
                found = match
    if found is None:
        return "", ""
    return found["metric"], found["caveats"] or ""


def kernel_environment():
    """The kernels' environment: ours, less MPLBACKEND.

    A shell or test run may set MPLBACKEND=Agg; a kernel given Agg draws no inline
    figures, so the executed notebooks and their HTML pages would have no plots.
    Without it ipykernel picks its inline backend.
    """
    return {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}


def error_message(exc):
    """One readable line for a failed cell: the exception, its message without colour
    codes, and for a bare `assert` (no message) the line that failed."""
    ename = ANSI_CODE.sub("", exc.ename or "").strip() or "error"
    evalue = " ".join(ANSI_CODE.sub("", exc.evalue or "").split())
    if not evalue:
        failing = FAILING_LINE.findall(ANSI_CODE.sub("", str(exc.traceback or exc)))
        evalue = f"failed: {failing[-1].strip()}" if failing else "(no message)"
    return f"{ename}: {evalue}"[:300]


def write_html(nb, target):
    """The notebook as a web page whose links to other course notebooks open their pages."""
    body, _ = HTMLExporter().from_notebook_node(nb)
    target.write_text(NOTEBOOK_LINK.sub(r"\1\2.html", body), encoding="utf-8")


def execute(path, out_dir):
    """Run one notebook; returns a summary row and writes the executed copy."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=CELL_TIMEOUT_S, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    logs = out_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    error = ""
    # The kernel's own stderr (its start-up notices, C++ library logs) is not the
    # lesson's output: it goes to a log file, not to the console or the notebook.
    with open(logs / f"{path.stem}.kernel.log", "w", encoding="utf-8") as kernel_log:
        try:
            client.execute(env=kernel_environment(), stderr=kernel_log)
        except CellExecutionError as exc:
            error = error_message(exc)
    seconds = time.perf_counter() - start
    noisy = notebook_noise(nb)
    if noisy and not error:
        error = f"not quiet: {noisy[0]}" + (f" (and {len(noisy) - 1} more)" if len(noisy) > 1 else "")
    nbformat.write(nb, out_dir / path.name)
    write_html(nb, out_dir / path.with_suffix(".html").name)
    metric, caveats = headline_of(nb)
    return {
        "notebook": path.stem,
        "status": "failed" if error else "ok",
        "seconds": round(seconds, 1),
        "headline": metric,
        "caveats": caveats,
        "error": error,
        "html": f"notebooks/{path.with_suffix('.html').name}",
    }


def print_table(rows):
    print(f"\n{'notebook':<34} {'status':<7} {'seconds':>8}  headline")
    for row in rows:
        note = f"  [{row['caveats']}]" if row["caveats"] else ""
        print(f"{row['notebook']:<34} {row['status']:<7} {row['seconds']:>8.1f}  {row['headline']}{note}")
        if row["error"]:
            print(f"{'':<34} error: {row['error']}")


REPORT_CSS = """
:root{--ok:#1a7f37;--bad:#c62828;--warn:#9a6700;--muted:#656d76;--line:#d8dee4}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
  color:#1f2328;background:#f6f8fa;margin:0;padding:2rem}
main{max-width:1150px;margin:0 auto;background:#fff;border:1px solid var(--line);
  border-radius:10px;padding:1.5rem 2rem 2rem}
h1{font-size:1.6rem;margin:0 0 .25rem}
.lede{color:var(--muted);margin:0 0 1.25rem}
.totals{display:flex;gap:.75rem;flex-wrap:wrap;margin:0 0 1.25rem;padding:0;list-style:none}
.totals li{border:1px solid var(--line);border-radius:8px;padding:.4rem .9rem;background:#fafbfc}
.totals b{font-size:1.15rem;margin-right:.3rem}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.6rem .7rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:.8rem;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);white-space:nowrap}
tbody tr:hover{background:#f6f8fa}
td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
a{color:#0969da;text-decoration:none} a:hover{text-decoration:underline}
.file{display:block;color:var(--muted);font-size:.8rem}
.file a{color:var(--muted)}
.metric{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.9rem}
.none{color:var(--muted)}
.pill{display:inline-block;border-radius:999px;padding:.05rem .6rem;font-size:.8rem;
  font-weight:600;margin:0 .25rem .25rem 0;white-space:nowrap}
.pill.ok{background:#dafbe1;color:var(--ok)}
.pill.failed{background:#ffebe9;color:var(--bad)}
.pill.caveat{background:#fff8c5;color:var(--warn)}
.error{margin:.4rem 0 0;padding:.4rem .6rem;background:#ffebe9;border-radius:6px;color:var(--bad);
  font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.8rem;white-space:pre-wrap}
footer{margin-top:1.25rem;color:var(--muted);font-size:.85rem}
code{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.85em;background:#f0f2f4;
  padding:.05rem .3rem;border-radius:4px}
"""


def _title(stem):
    try:
        return by_file(f"{stem}.ipynb").title
    except KeyError:
        return stem


def _report_row(position, row):
    esc = html.escape
    page = row["html"]
    ipynb = page[: -len(".html")] + ".ipynb" if page.endswith(".html") else ""
    name = esc(row["notebook"])
    if ipynb:
        name = f"<a href='{esc(ipynb)}' title='executed notebook'>{name}.ipynb</a>"
    status = row["status"]
    error = f"<div class='error'>{esc(row['error'])}</div>" if row.get("error") else ""
    metric = (
        f"<span class='metric'>{esc(row['headline'])}</span>"
        if row.get("headline")
        else "<span class='none'>no headline</span>"
    )
    caveats = [c.strip() for c in (row.get("caveats") or "").split(",") if c.strip()]
    data = (
        "".join(f"<span class='pill caveat'>{esc(c)}</span>" for c in caveats)
        or "<span class='none'>none</span>"
    )
    return (
        f"<tr class='{esc(status)}'><td class='num'>{position}</td>"
        f"<td><a class='title' href='{esc(page)}'>{esc(_title(row['notebook']))}</a>"
        f"<span class='file'>{name}</span>{error}</td>"
        f"<td><span class='pill {esc(status)}'>{esc(status)}</span></td>"
        f"<td class='num' data-seconds='{row['seconds']:.1f}'>{duration(row['seconds'])}</td>"
        f"<td>{metric}</td><td>{data}</td></tr>"
    )


def write_index(rows, path, profile):
    """The course report: one row per notebook, linking to its executed HTML page."""
    ok = sum(r["status"] == "ok" for r in rows)
    failed = len(rows) - ok
    flagged = sum(bool(r.get("caveats")) for r in rows)
    total = sum(r["seconds"] for r in rows)
    when = time.strftime("%Y-%m-%d %H:%M")
    body = "\n".join(_report_row(i, r) for i, r in enumerate(rows, 1))
    index_page = f"notebooks/{INDEX_FILE.replace('.ipynb', '.html')}"
    course_index = (
        f" The course's own contents page: <a href='{index_page}'>{INDEX_FILE}</a>."
        if (path.parent / index_page).exists()
        else ""
    )
    path.write_text(
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>Course run: {ok}/{len(rows)} ok</title><style>{REPORT_CSS}</style></head>\n"
        "<body><main>\n<h1>Practical Deep Learning for Coders, lessons 1–2: course run</h1>\n"
        f"<p class='lede'><code>{html.escape(profile)}</code> profile, run {when}. Click a title for "
        "the executed notebook with its outputs and plots; the file name is the executed "
        f"<code>.ipynb</code>.{course_index}</p>\n"
        f"<ul class='totals'><li><b>{len(rows)}</b>notebooks</li>"
        f"<li><b style='color:var(--ok)'>{ok}</b>ok</li>"
        f"<li><b style='color:{'var(--bad)' if failed else 'inherit'}'>{failed}</b>failed</li>"
        f"<li><b>{duration(total)}</b>in all</li>"
        f"<li><b>{flagged}</b>with a caveat</li></ul>\n"
        "<table><thead><tr><th>#</th><th>Notebook</th><th>Status</th><th>Run time</th>"
        "<th>Headline metric</th>"
        "<th>Caveats: generated or stand-in data, untrained weights</th></tr></thead>\n"
        f"<tbody>\n{body}\n</tbody></table>\n"
        "<footer>A headline marked <i>generated data</i> or <i>untrained weights</i> shows the "
        "mechanics working, not the lesson's result: see the README for the real data and "
        "ImageNet weights. Machine-readable: <a href='summary.json'>summary.json</a>. "
        "Rebuild with <code>make course</code>.</footer>\n</main></body></html>\n",
        encoding="utf-8",
    )


def run_course(names, folder, build, profile):
    """Execute `names` (files in `folder`) into `build`/notebooks and write the reports."""
    out_dir = build / "notebooks"
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for name in names:
        print(f"running {name} ({profile} profile) ...", flush=True)
        rows.append(execute(folder / name, out_dir))
    if (folder / INDEX_FILE).exists():  # the course's own index, as a page linking the others
        write_html(
            nbformat.read(folder / INDEX_FILE, as_version=4), out_dir / INDEX_FILE.replace(".ipynb", ".html")
        )
    print_table(rows)
    (build / "summary.json").write_text(json.dumps(rows, indent=2))
    write_index(rows, build / "index.html", profile)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=config.PROFILES, default=None)
    parser.add_argument("--only", nargs="*", default=None, help="notebook name prefixes")
    args = parser.parse_args(argv)
    if args.profile:
        os.environ[config.PROFILE_VARIABLE] = args.profile  # inherited by the kernels
    profile = utils.profile()

    folder = utils.repo_root() / "notebooks"
    chosen = [
        n.file
        for n in NOTEBOOKS
        if (folder / n.file).exists() and (not args.only or any(n.file.startswith(p) for p in args.only))
    ]
    rows = run_course(chosen, folder, utils.build_root(), profile)
    print(f"\nexecuted notebooks and report: {utils.build_root() / 'index.html'}")
    return 1 if any(r["status"] != "ok" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
