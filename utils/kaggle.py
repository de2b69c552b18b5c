"""Download the course's two Kaggle competitions with the official `kaggle` package.

    utils.download("dogscats")      # -> data/dogscats/ with train/, test/, ...

Each competition arrives as one zip (sometimes holding more zips); it is
unpacked into `data/<name>/` and the download is skipped next time. Every
failure we can foresee (no credentials, rules not accepted, no network, a
broken zip) becomes an error that says what to do. Credentials are never
printed: messages only say *where* they were looked for.
"""

import zipfile
from pathlib import Path

from utils.config import data_root
from utils.kaggle_account import (
    CREDENTIALS_HELP,
    KaggleCredentialsError,
    KaggleDownloadError,
    http_status,
    kaggle_client,
    redact,
    rules_not_accepted,
)
from utils.kaggle_unzip import extract_all
from utils.planned_moves import MANIFEST_NAME
from utils.provenance import is_generated, is_offline_error

COMPETITIONS = {
    "dogscats": "dogs-vs-cats-redux-kernels-edition",
    "statefarm": "state-farm-distracted-driver-detection",
}
# What a complete download holds, per dataset (before or after preparation).
EXPECTED_FILES = {
    "dogscats": ("train", "test", "sample_submission.csv"),
    "statefarm": ("train", "test", "driver_imgs_list.csv", "sample_submission.csv"),
}
DONE_MARKER = ".kaggle-download-complete"  # written once everything is unpacked
OFFLINE_HELP = (
    "Without network access the course still runs on generated data: "
    "`make data` (or `python -m tools.make_sample_data`)."
)


def competition_slug(name):
    """'dogscats' -> 'dogs-vs-cats-redux-kernels-edition' (slugs pass through)."""
    if name in COMPETITIONS:
        return COMPETITIONS[name]
    if name in COMPETITIONS.values():
        return name
    raise ValueError(f"unknown competition {name!r}; choose one of {sorted(COMPETITIONS)}")


def competition_name(name):
    """'dogs-vs-cats-redux-kernels-edition' -> 'dogscats' (short names pass through)."""
    slug = competition_slug(name)
    return next(key for key, value in COMPETITIONS.items() if value == slug)


def rules_url(name):
    return f"https://www.kaggle.com/competitions/{competition_slug(name)}/rules"


def download(name, dest=None, client=None):
    """Download and unpack competition `name` ('dogscats' or 'statefarm').

    dest:   folder to fill, default `data_root() / name`.
    client: anything with the `kaggle` API's `competition_download_files`
            (tests pass a fake); by default a logged-in `kaggle` API.
    Skips the work when `dest` already holds a complete download. Returns dest.
    """
    slug, short_name = competition_slug(name), competition_name(name)
    dest = Path(dest) if dest is not None else data_root() / short_name
    _refuse_generated(dest)
    if is_downloaded(short_name, dest):
        print(f"{dest}: already downloaded, nothing to do.")
        return dest
    dest.mkdir(parents=True, exist_ok=True)
    archive = dest / f"{slug}.zip"
    if not zipfile.is_zipfile(archive):  # missing, or a bad earlier attempt
        _fetch(client or kaggle_client(), slug, dest, force=archive.exists())
    if not archive.exists():
        raise KaggleDownloadError(
            f"the Kaggle client reported no error but {archive} was not written; run the download again."
        )
    return unpack_download(short_name, dest, archive)


def found_archive(name, dest):
    """The competition zip that `kaggle competitions download -c <slug>` leaves,
    looked for in `dest` and in the folder above it (data/), or None."""
    dest = Path(dest)
    for folder in (dest, dest.parent):
        archive = folder / f"{competition_slug(name)}.zip"
        if archive.is_file():
            return archive
    return None


def unpack_download(name, dest, archive):
    """Unpack a downloaded competition zip (nested zips too, nothing written
    outside `dest`) into `dest` and check it holds what the competition has.

    For a download made by `download` or by the kaggle command line. Safe to
    run again; the archive is left where it is.
    """
    slug, short_name = competition_slug(name), competition_name(name)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    extract_all(archive, dest, rules=rules_url(slug))
    _lift_out_of_imgs(dest)
    missing = [item for item in EXPECTED_FILES[short_name] if not (dest / item).exists()]
    if missing:
        raise KaggleDownloadError(
            f"{archive} was unpacked but {dest} still lacks {missing}; "
            "the archive may be incomplete: delete it and download again."
        )
    (dest / DONE_MARKER).write_text(f"{slug}\n")
    return dest


def is_downloaded(name, dest):
    """True if `dest` holds a complete download of `name`.

    Complete means: unpacked to the end (our marker), or already prepared, or
    the expected files were put there by hand (no archive lying beside them
    that might be only half unpacked).
    """
    dest = Path(dest)
    if (dest / DONE_MARKER).exists() or (dest / MANIFEST_NAME).exists():
        return True  # a prepared folder must never be unpacked over again
    has_files = all((dest / item).exists() for item in EXPECTED_FILES[name])
    return has_files and not (dest / f"{COMPETITIONS[name]}.zip").exists()


def _refuse_generated(dest):
    if is_generated(dest):
        raise KaggleDownloadError(
            f"{dest} holds generated data. Move or delete that folder first, "
            "so real and generated images never mix, then download again."
        )


def _fetch(client, slug, dest, force):
    """Ask Kaggle for the competition zip; turn failures into clear errors."""
    print(f"Downloading {slug} into {dest} ...")
    try:
        client.competition_download_files(slug, path=str(dest), force=force, quiet=False)
    except Exception as error:
        explained = _explain(error, slug)
        raise type(explained)(redact(str(explained))) from None


def _explain(error, slug):
    status = http_status(error)
    if status == 403:
        return KaggleDownloadError(rules_not_accepted("download", rules_url(slug)))
    if status == 401:
        return KaggleCredentialsError(
            "Kaggle rejected the credentials (HTTP 401): the API key may be old or "
            "mistyped. Create a new token, or sign in again.\n" + CREDENTIALS_HELP
        )
    if status == 404:
        return KaggleDownloadError(f"Kaggle has no competition {slug!r} (HTTP 404).")
    if is_offline_error(error):
        return KaggleDownloadError(f"Could not reach kaggle.com ({type(error).__name__}). " + OFFLINE_HELP)
    return KaggleDownloadError(f"Downloading {slug} failed: {type(error).__name__}: {error}")


# ---------------------------------------------------------------- unpacking


def _lift_out_of_imgs(dest):
    """State Farm's zip may hold imgs/train and imgs/test: move them up a level."""
    for split in ("train", "test"):
        nested = Path(dest) / "imgs" / split
        if nested.is_dir() and not (Path(dest) / split).exists():
            nested.rename(Path(dest) / split)


def download_unless_generated(name, dest=None):
    """The notebooks' download step: skip generated data, else download and print any failure's advice.

    Returns True when `dest` (default data_root()/name) holds real data after the call.
    """
    dest = Path(dest) if dest is not None else data_root() / name
    if is_generated(dest):
        print(f"{dest}: generated sample data is in place, so the download is skipped.")
        return False
    try:
        download(name, dest)
    except KaggleDownloadError as error:
        print(f"Download failed:\n{error}")
        return False
    return True
