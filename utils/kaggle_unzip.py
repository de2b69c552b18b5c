"""Unpacking a competition's zip safely: nested zips too, nothing written outside the target
folder, a half-unpacked file finished on the next run, and an HTML page (rules not accepted)
or a broken zip named with what to do."""

import re
import shutil
import stat
import warnings
import zipfile
import zlib
from pathlib import Path

from utils.files import atomic_path, progress
from utils.kaggle_account import KaggleDownloadError, accept_the_rules


def extract_all(archive, dest, rules=None):
    """Unpack `archive` into `dest`, then any zips that came out of it
    (each into the folder it sits in).

    Safe to run twice: files already unpacked at full size are skipped.
    """
    pending, seen = [(Path(archive), Path(dest))], set()
    while pending:
        current, folder = pending.pop()
        seen.add(current.resolve())
        try:
            names = extract_zip(current, folder, rules if current == Path(archive) else None)
        except KaggleDownloadError as error:
            if current == Path(archive):
                raise
            raise KaggleDownloadError(
                f"{error} (It came out of {archive}: delete that "
                "too, or the same broken copy is unpacked again.)"
            ) from None
        for name in names:
            inner = folder / name
            if name.lower().endswith(".zip") and inner.resolve() not in seen:
                pending.append((inner, inner.parent))


def extract_zip(archive, dest, rules=None):
    """Unpack one zip into `dest`, refusing entries that would land outside it.

    Returns the member names. Errors name the file and say what to do.
    """
    archive, dest = Path(archive), Path(dest)
    _check_not_html(archive, rules)
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = zipped.infolist()
            targets = [_safe_target(dest, member.filename, archive) for member in members]
            for member, target in progress(list(zip(members, targets)), f"unzip {archive.name}"):
                _extract_member(zipped, member, target)
    except (zipfile.BadZipFile, EOFError, zlib.error) as error:
        raise KaggleDownloadError(
            f"{archive} is incomplete or corrupt ({error}); the download was probably cut "
            "short. Run the download again to fetch it afresh."
        ) from None
    return [member.filename for member in members]


def _check_not_html(archive, rules):
    with open(archive, "rb") as handle:
        start = handle.read(512).lstrip().lower()
    if start.startswith((b"<!doctype html", b"<html")):
        if rules is None:  # e.g. an archive inside the download: not a rules problem
            raise KaggleDownloadError(f"{archive} is an HTML page, not a zip: delete it and download again.")
        raise KaggleDownloadError(
            f"{archive} is an HTML page, not a zip: Kaggle sends a web page instead of the data "
            f"when the competition rules have not been accepted. {accept_the_rules(rules)} "
            "Then download again."
        )


def _safe_target(dest, member_name, archive):
    """Where a zip entry goes, or an error if it would escape `dest`."""
    name = member_name.replace("\\", "/")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    unsafe = not parts or name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in parts
    root = Path(dest).resolve()
    target = root.joinpath(*parts)
    if unsafe or root not in target.resolve().parents:
        raise KaggleDownloadError(
            f"{archive} contains the entry {member_name!r}, which would be written outside "
            f"{dest}. Nothing was unpacked; the archive is not trustworthy."
        )
    return target


def _extract_member(zipped, member, target):
    if member.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        return
    if stat.S_ISLNK(member.external_attr >> 16):
        warnings.warn(f"skipped the symbolic link {member.filename!r} in {zipped.filename}", stacklevel=2)
        return
    if target.is_file() and target.stat().st_size == member.file_size:
        return  # unpacked by an earlier run
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as partial, zipped.open(member) as source, open(partial, "wb") as out:
        shutil.copyfileobj(source, out, 1 << 20)
