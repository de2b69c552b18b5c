"""Listing and checking a folder of images: one sub-folder per class, every file looked at once.

Every file is checked when the folder is listed, so a broken image is
reported by name before training starts, never as a TensorFlow error in the
middle of an epoch. "classes" always means the class folder names, in label
order: label i is class_names[i].
"""

import contextlib
import os
import struct
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from utils.files import is_image_name, progress
from utils.images import is_upright
from utils.subsets import stratified_subset

# (format, mode) pairs TensorFlow decodes by itself; anything else goes through PIL.
TENSORFLOW_DECODES = {
    ("JPEG", "RGB"),
    ("JPEG", "L"),
    ("PNG", "RGB"),
    ("PNG", "RGBA"),
    ("PNG", "L"),
    ("PNG", "LA"),
}
# A JPEG's header (tables, comments, colour profiles) fits in its first 64 KiB unless
# it carries a large thumbnail; PIL looks at those.
JPEG_HEAD_BYTES = 1 << 16
JPEG_START, JPEG_END = b"\xff\xd8", b"\xff\xd9"  # every JPEG begins and ends with these markers
# Frame headers (which hold the size) of baseline, extended and progressive JPEGs, the
# kinds cameras and the web use; PIL looks at the rare others (lossless, arithmetic).
JPEG_FRAME_MARKERS = frozenset({0xC0, 0xC1, 0xC2})
# Header segments that change nothing TensorFlow needs to know: Huffman, arithmetic and
# quantisation tables, restart interval, APPn blocks and comments. Not APP1, whose EXIF
# or XMP may say the photo is turned.
JPEG_SKIPPED_MARKERS = frozenset({0xC4, 0xCC, 0xDB, 0xDD, 0xFE, *range(0xE0, 0xF0)}) - {0xE1}
JPEG_START_OF_SCAN = 0xDA
JPEG_HEADER_MARKERS = JPEG_FRAME_MARKERS | JPEG_SKIPPED_MARKERS | {JPEG_START_OF_SCAN}


@dataclass
class ImageFolder:
    """The images under `path`: one sub-folder per class."""

    path: Path
    class_names: list
    filenames: list  # relative to path, e.g. "cats/cat.1.jpg"
    labels: np.ndarray  # class index of each file
    kinds: np.ndarray  # "jpeg", "png", or "pil" for what TensorFlow can't decode (CMYK, GIF...)
    sizes: np.ndarray  # (width, height) of each file
    skipped: list  # (filename, reason) of unreadable files left out
    found: int  # images listed before `limit` picked some of them


def list_images(path, classes=None, on_bad_file="skip", limit=None, seed=None):
    """List and check every image under `path`/<class>/ (sub-folders included).

    classes:     class folder names in label order; default: all, sorted.
    on_bad_file: "skip" leaves unreadable files out with a warning naming
                 them; "raise" stops with an error naming them.
    limit:       keep at most this many images, each class in proportion to
                 its size (at least one each), picked at random with `seed`
                 (default 0) and kept in file order; only those are checked.
    Only .jpg, .jpeg and .png files count; other files (.DS_Store, Thumbs.db)
    and hidden files are ignored. A dataset folder (train/, valid/ ...) or
    class folders nested one level too deep are refused, not read as classes.
    """
    path = Path(path)
    if on_bad_file not in ("skip", "raise"):
        raise ValueError(f"on_bad_file={on_bad_file!r}: use 'skip' or 'raise'")
    class_names = list(classes) if classes is not None else _find_class_folders(path)
    filenames, labels = _class_files(path, class_names)
    _check_no_empty_class(path, class_names, labels)  # before the slower file checks
    found = len(filenames)
    if limit is not None:
        keep = stratified_subset(labels, limit, len(class_names), seed)
        filenames, labels = [filenames[i] for i in keep], [labels[i] for i in keep]
    looks = [inspect_image(path / name) for name in progress(filenames, f"checking {path.name}")]
    bad = [(name, reason) for name, (kind, reason) in zip(filenames, looks) if kind == "bad"]
    _report_bad_files(path, bad, on_bad_file)
    folder = _folder_of_good_files(path, class_names, filenames, labels, looks, bad, found)
    _check_no_empty_class(path, class_names, folder.labels)  # bad files may empty a class
    return folder


def rows_of(names, filenames):
    """The row of each file name (such as "img_1.jpg") in arrays whose rows follow `filenames` (a
    listing's or Batches' filenames, such as "c0/img_1.jpg"): cached rows found by name, not position."""
    row = {Path(name).name: index for index, name in enumerate(filenames)}
    return np.array([row[name] for name in names], dtype="int64")


def _class_files(path, class_names):
    """The image files under each class folder (relative to `path`) and their labels."""
    filenames, labels = [], []
    for label, name in enumerate(class_names):
        top = str(path / name)
        filenames += [name + file[len(top) :] for file in _walk_images(path / name)]
        labels += [label] * (len(filenames) - len(labels))
    return filenames, labels


def _folder_of_good_files(path, class_names, filenames, labels, looks, bad, found):
    """An ImageFolder of the files whose look (kind, size or reason) isn't "bad"."""
    good = [
        (name, label, kind, size)
        for name, label, (kind, size) in zip(filenames, labels, looks)
        if kind != "bad"
    ]
    return ImageFolder(
        path,
        class_names,
        filenames=[name for name, _, _, _ in good],
        labels=np.array([label for _, label, _, _ in good], dtype=np.int64),
        kinds=np.array([kind for _, _, kind, _ in good], dtype=str),
        sizes=np.array([size for _, _, _, size in good], dtype=np.int64).reshape(-1, 2),
        skipped=bad,
        found=found,
    )


def _find_class_folders(path):
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist{_missing_split_hint(path)}")
    if not path.is_dir():
        raise NotADirectoryError(f"{path} is a file; give the folder that holds one sub-folder per class")
    names = sorted(
        entry.name for entry in os.scandir(path) if entry.is_dir() and not entry.name.startswith(".")
    )
    if names:
        _check_not_nested(path, names)
        return names
    loose = [entry.name for entry in os.scandir(path) if is_image_name(entry.name)]
    if loose:
        raise ValueError(
            f"{path} holds {len(loose)} images but no class folders. Put each class in its "
            f"own sub-folder ({path}/cats/, {path}/dogs/, ...); for unlabelled images use a "
            f"single folder such as {path}/unknown/ with class_mode=None."
        )
    raise ValueError(f"{path} has no class folders (and no images): expected {path}/<class>/")


def _missing_split_hint(path):
    """What to do when a dataset's train/, valid/ or test/ folder is missing."""
    if path.name not in ("train", "valid", "test"):
        return ""
    if (path.parent / "train").is_dir():
        return (
            f"; {path.parent} is not split yet: run utils.prepare_dogscats (or "
            "utils.prepare_statefarm) on it first"
        )
    return "; download the data first (utils.download) or make the sample data (make data)"


def _check_not_nested(path, names):
    """Refuse the two layouts that would silently give the wrong classes."""
    if "train" in names and ("valid" in names or "test" in names):
        raise ValueError(
            f"{path} looks like a dataset folder (it holds {names}), not a "
            f"folder of classes: pass {path / 'train'} (or valid, test) instead."
        )
    if len(names) == 1:
        inner = path / names[0]
        entries = list(os.scandir(inner))
        subfolders = sorted(e.name for e in entries if e.is_dir() and not e.name.startswith("."))
        if len(subfolders) > 1 and not any(is_image_name(e.name) for e in entries):
            raise ValueError(
                f"{path} has a single folder, {names[0]}/, whose images are in its sub-folders "
                f"{subfolders}: the class folders are nested one level too deep. Pass {inner} "
                f"instead, or move {subfolders} up into {path}."
            )


def _walk_images(top):
    """Image files under `top`, sorted; follows links but stops at loops."""
    if not top.is_dir():
        raise FileNotFoundError(f"class folder {top} does not exist")
    found, seen = [], set()
    for folder, subfolders, names in os.walk(top, followlinks=True):
        info = os.stat(folder)
        if (info.st_dev, info.st_ino) in seen:
            raise ValueError(
                f"{folder} leads back to a folder already listed: a symbolic "
                "link loop. Remove or fix that link."
            )
        seen.add((info.st_dev, info.st_ino))
        subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
        found += [os.path.join(folder, name) for name in sorted(names) if is_image_name(name)]
    return found


def _check_no_empty_class(path, class_names, labels):
    counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=len(class_names))
    empty = [name for name, count in zip(class_names, counts) if count == 0]
    if empty:
        raise ValueError(
            f"these class folders of {path} hold no readable .jpg/.jpeg/.png "
            f"images: {empty}. Add images or remove the folders."
        )


def inspect_image(file):
    """('jpeg' | 'png' | 'pil', (width, height)) or ('bad', reason), from a
    cheap look at the file.

    A plain JPEG is recognised from its first markers and last bytes; anything
    else is opened with PIL, which reads only the header and the last bytes
    unless the file is unusual, and only then decodes it fully to be sure.
    """
    size = _plain_jpeg_size(file)
    return ("jpeg", size) if size is not None else _look_with_pil(file)


def _plain_jpeg_size(file):
    """(width, height) of a JPEG that TensorFlow decodes as it is: 8-bit grey or colour,
    no APP1 block, every header segment whole, ending in the marker FFD9. None for
    anything else (or a file that can't be read), which PIL then looks at.

    About a quarter of the time of PIL's Image.open, which also parses every table
    (20 against 80-100 us a file)."""
    try:
        with open(file, "rb") as handle:
            head = handle.read(JPEG_HEAD_BYTES)
            if len(head) < 4:
                return None
            handle.seek(-2, os.SEEK_END)
            ends_cleanly = handle.read() == JPEG_END
    except OSError:
        return None
    return _jpeg_frame_size(head) if ends_cleanly and head.startswith(JPEG_START) else None


def _jpeg_frame_size(head):
    """The size in the frame header of a JPEG's `head`, from a walk over its markers up
    to the compressed image; None where anything is unusual."""
    at, size = 2, None
    while at + 4 <= len(head) and head[at] == 0xFF:
        marker = head[at + 1]
        if marker == 0xFF:  # a fill byte before the marker
            at += 1
            continue
        length = int.from_bytes(head[at + 2 : at + 4], "big")
        if marker not in JPEG_HEADER_MARKERS or length < 2 or at + 2 + length > len(head):
            return None  # APP1, a marker out of place, or a segment cut short
        if marker == JPEG_START_OF_SCAN:  # the header is over; the compressed image follows
            return size
        if marker in JPEG_FRAME_MARKERS:
            if size is not None or length < 8:
                return None
            bits, height, width, channels = struct.unpack_from(">BHHB", head, at + 4)
            if bits != 8 or channels not in (1, 3) or not (width and height):
                return None
            size = (width, height)
        at += 2 + length
    return None


def _look_with_pil(file):
    """inspect_image's answer from PIL: the header and the last bytes, and the whole
    image only when it is unusual (turned, CMYK, GIF...) or its end is missing."""
    from PIL import Image

    try:
        with Image.open(file) as image:
            upright = is_upright(image)  # TensorFlow ignores EXIF orientation
            if (
                upright
                and (image.format, image.mode) in TENSORFLOW_DECODES
                and _ends_cleanly(file, image.format)
            ):
                return image.format.lower(), image.size
            image.load()
            return "pil", image.size
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        with contextlib.suppress(OSError):
            if os.path.getsize(file) == 0:
                return "bad", "empty file (0 bytes)"
        return "bad", f"{type(error).__name__}: {error}"


def _ends_cleanly(file, image_format):
    """JPEGs end with the marker FFD9 and PNGs with an IEND chunk; a cut-off file doesn't."""
    with open(file, "rb") as handle:
        handle.seek(-12, os.SEEK_END)
        tail = handle.read()
    return tail.endswith(JPEG_END) if image_format == "JPEG" else b"IEND" in tail


def _report_bad_files(path, bad, on_bad_file):
    if not bad:
        return
    listing = "\n".join(f"  {name}: {reason}" for name, reason in bad[:20])
    more = f"\n  ... and {len(bad) - 20} more" if len(bad) > 20 else ""
    if on_bad_file == "raise":
        raise ValueError(f"{len(bad)} unreadable images under {path}:\n{listing}{more}")
    warnings.warn(f"skipping {len(bad)} unreadable images under {path}:\n{listing}{more}", stacklevel=3)


def get_classes(path):
    """Labels and file names of a prepared dataset, without loading any image.

    Returns a dict with train_labels, valid_labels, train_filenames,
    valid_filenames, test_filenames and class_names.
    """
    path = Path(path)
    train = list_images(path / "train")
    valid = list_images(path / "valid", classes=train.class_names)
    test = list_images(path / "test") if (path / "test").is_dir() else None
    return {
        "class_names": train.class_names,
        "train_labels": train.labels,
        "valid_labels": valid.labels,
        "train_filenames": train.filenames,
        "valid_filenames": valid.filenames,
        "test_filenames": test.filenames if test else [],
    }
