"""What must not appear in an executed notebook: stderr streams and warning text.

One rule, used by the runner (a noisy notebook fails `make course`) and by the
nbval run of `make test` (conftest.py fails the noisy cell).
"""

import re

# "UserWarning: ...", "FutureWarning(", a logging "WARNING: ..." / "WARNING | ...",
# absl's "W0000 12:00:00 ..." lines.
WARNING_TEXT = re.compile(r"\b[A-Z]\w*Warning\b|^\s*WARNING\b|^W\d{4} \d", re.M)
# A tqdm bar ("  40%|####      | 4/10 [00:01<00:02, 3.1file/s]") is progress, not noise.
PROGRESS_BAR = re.compile(r"^[^|\n]*\d+%\|[^|]*\| *\d+/\d+ \[[^\]]*\]\s*$")


def _is_progress(text):
    lines = [line for line in re.split(r"[\r\n]+", text) if line.strip()]
    return bool(lines) and all(PROGRESS_BAR.match(line) for line in lines)


def noise(outputs):
    """Lines describing each stderr stream or warning text among a cell's `outputs`."""
    found = []
    for output in outputs:
        if output.get("output_type") != "stream":
            continue
        text = output.get("text", "")
        if output.get("name") == "stderr" and not _is_progress(text):
            found.append(f"stderr: {_first_line(text)}")
        elif (match := WARNING_TEXT.search(text)) is not None:
            found.append(f"warning text: {_first_line(text[match.start() :])}")
    return found


def notebook_noise(nb):
    """`noise` over every code cell of a notebook, each line prefixed with its cell."""
    return [
        f"cell {number}: {line}"
        for number, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for line in noise(cell.get("outputs", []))
    ]


def _first_line(text):
    return next((line.strip() for line in text.splitlines() if line.strip()), "")[:160]
