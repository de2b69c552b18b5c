"""Execute every course notebook headless and summarise the run.

Executed copies go to build/notebooks/ (as .ipynb and .html), a summary to
build/summary.json and build/index.html, and a table to the terminal:
notebook, status, seconds, headline metric. Exit status 1 if any notebook failed.

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
from tools.catalogue import NOTEBOOKS

HEADLINE = re.compile(r"^HEADLINE (?P<metric>.+?)(?:  \[(?P<caveats>[^\]]*)\])?$", re.M)
CELL_TIMEOUT_S = 1800


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


def execute(path, out_dir):
    """Run one notebook; returns a summary row and writes the executed copy."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    error = ""
    try:
        client.execute()
    except CellExecutionError as exc:
        error = str(exc).strip().splitlines()[-1][:200]
    seconds = time.perf_counter() - start
    nbformat.write(nb, out_dir / path.name)
    body, _ = HTMLExporter().from_notebook_node(nb)
    (out_dir / path.with_suffix(".html").name).write_text(body, encoding="utf-8")
    metric, caveats = headline_of(nb)
    return {"notebook": path.stem, "status": "failed" if error else "ok",
            "seconds": round(seconds, 1), "headline": metric, "caveats": caveats,
            "error": error, "html": f"notebooks/{path.with_suffix('.html').name}"}


def print_table(rows):
    print(f"\n{'notebook':<34} {'status':<7} {'seconds':>8}  headline")
    for row in rows:
        note = f"  [{row['caveats']}]" if row["caveats"] else ""
        print(f"{row['notebook']:<34} {row['status']:<7} {row['seconds']:>8.1f}  "
              f"{row['headline']}{note}")
        if row["error"]:
            print(f"{'':<34} error: {row['error']}")


def write_index(rows, path, profile):
    cells = "\n".join(
        f"<tr><td><a href='{html.escape(r['html'])}'>{html.escape(r['notebook'])}</a></td>"
        f"<td class='{r['status']}'>{r['status']}</td><td>{r['seconds']:.1f}</td>"
        f"<td>{html.escape(r['headline'])}</td><td>{html.escape(r['caveats'] or 'real data')}</td></tr>"
        for r in rows)
    path.write_text(
        "<!doctype html><meta charset='utf-8'><title>Course run</title>"
        "<style>body{font-family:sans-serif;margin:2em}td,th{padding:4px 12px;"
        "border-bottom:1px solid #ddd;text-align:left}.ok{color:green}.failed{color:#b00}</style>"
        f"<h1>Course run ({html.escape(profile)} profile)</h1>"
        "<table><tr><th>Notebook</th><th>Status</th><th>Seconds</th><th>Headline</th>"
        f"<th>Data / weights</th></tr>{cells}</table>", encoding="utf-8")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=config.PROFILES, default=None)
    parser.add_argument("--only", nargs="*", default=None, help="notebook name prefixes")
    args = parser.parse_args(argv)
    if args.profile:
        os.environ[config.PROFILE_VARIABLE] = args.profile  # inherited by the kernels
    profile = utils.profile()

    folder = utils.repo_root() / "notebooks"
    out_dir = utils.build_root() / "notebooks"
    out_dir.mkdir(parents=True, exist_ok=True)
    chosen = [n.file for n in NOTEBOOKS if (folder / n.file).exists()
              and (not args.only or any(n.file.startswith(p) for p in args.only))]
    rows = []
    for name in chosen:
        print(f"running {name} ({profile} profile) ...", flush=True)
        rows.append(execute(folder / name, out_dir))
    print_table(rows)
    (utils.build_root() / "summary.json").write_text(json.dumps(rows, indent=2))
    write_index(rows, utils.build_root() / "index.html", profile)
    print(f"\nexecuted notebooks and report: {utils.build_root() / 'index.html'}")
    return 1 if any(r["status"] != "ok" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
