"""Small things several course modules share, each defined once (private to utils).

Nothing here imports another course module, so any module may use it.
"""

import contextlib
import os
from pathlib import Path

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png")
DOGSCATS_CLASSES = ("cats", "dogs")
STATEFARM_CLASSES = tuple(f"c{i}" for i in range(10))
PROGRESS_FROM = 1000  # items; smaller jobs finish before a progress bar helps

UNTRAINED = "untrained weights"
GENERATED = "generated data"


def is_image_name(name):
    """True for 'cat.1.jpg' or 'X.PNG'; False for hidden files such as '._cat.1.jpg'."""
    return not name.startswith(".") and name.lower().endswith(IMAGE_EXTENSIONS)


def progress(items, description, unit="file", total=None, size=None):
    """A tqdm progress bar over `items`, shown only for jobs big enough to wait for.

    size: how many things the job handles (default `total`), e.g. images when
    the bar counts batches.
    """
    from tqdm import tqdm

    total = len(items) if total is None else total
    size = total if size is None else size
    return tqdm(items, desc=description, unit=unit, total=total, disable=size < PROGRESS_FROM)


@contextlib.contextmanager
def atomic_path(target):
    """Yield a temporary path beside `target`; on success rename it to `target`.

    A crash leaves the old file or the new one, never half of one.
    """
    target = Path(target)
    partial = target.with_name(f".{target.name}.partial")
    yield partial
    publish(partial, target)


def publish(finished, target):
    """Move a fully written temporary file to `target` in one step (atomic on one file system)."""
    os.replace(finished, target)


def caveat(*, untrained=False, generated=False, stand_in=None):
    """'  [generated data, untrained weights]' for what applies, '' when nothing does.

    stand_in: what real data stood in for the dataset the lesson is about, e.g.
    "scikit-learn digits standing in for MNIST" (no commas: the runner splits on them).
    """
    if stand_in and "," in stand_in:
        raise ValueError(f"stand_in={stand_in!r}: no commas, they separate the flags")
    flags = [
        text for text, on in ((GENERATED, generated), (stand_in, stand_in), (UNTRAINED, untrained)) if on
    ]
    return f"  [{', '.join(flags)}]" if flags else ""


def is_offline_error(error):
    """True if `error` means a download failed for lack of network.

    Keras raises a bare Exception("URL fetch failure ...") for datasets and
    weights; sockets raise ConnectionError or TimeoutError, and the requests
    library (under the kaggle client) its own ConnectionError and Timeout.
    """
    network_errors = (ConnectionError, TimeoutError)
    try:
        import requests

        network_errors += (requests.ConnectionError, requests.Timeout)
    except ImportError:
        pass
    return "URL fetch failure" in str(error) or isinstance(error, network_errors)


def note(message):
    """Print `message` as a NOTE: the one format for "this run fell back to something else"."""
    print("NOTE: " + message.replace("\n", "\n      "))
