"""Files on disk: which names are images, the competitions' class folders, progress bars, atomic writes.

Each defined once; nothing here imports another course module, so any module may use it.
"""

import contextlib
import os
from pathlib import Path

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png")
DOGSCATS_CLASSES = ("cats", "dogs")
STATEFARM_CLASSES = tuple(f"c{i}" for i in range(10))
STATEFARM_MEANINGS = dict(  # what each of State Farm's classes means, in Kaggle's words
    zip(
        STATEFARM_CLASSES,
        (
            "safe driving",
            "texting, right hand",
            "phone, right hand",
            "texting, left hand",
            "phone, left hand",
            "operating the radio",
            "drinking",
            "reaching behind",
            "hair and makeup",
            "talking to passenger",
        ),
    )
)
PROGRESS_FROM = 1000  # items; smaller jobs finish before a progress bar helps


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
