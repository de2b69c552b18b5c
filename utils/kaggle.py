"""Download the course's two Kaggle competitions with the official `kaggle` package.

    utils.download("dogscats")      # -> data/dogscats/ with train/, test/, ...

Each competition arrives as one zip (sometimes holding more zips); it is
unpacked into `data/<name>/` and the download is skipped next time. Every
failure we can foresee (no credentials, rules not accepted, no network, a
broken zip) becomes an error that says what to do. Credentials are never
printed: messages only say *where* they were looked for.
"""

import contextlib
import io
import json
import os
import re
import shutil
import stat
import warnings
import zipfile
import zlib
from pathlib import Path

from utils._common import atomic_path, is_offline_error, progress
from utils.config import data_root
from utils.prepare import MANIFEST_NAME
from utils.provenance import is_generated

COMPETITIONS = {
    "dogscats": "dogs-vs-cats-redux-kernels-edition",
    "statefarm": "state-farm-distracted-driver-detection",
}
# What a complete download holds, per dataset (before or after preparation).
EXPECTED_FILES = {
    "dogscats": ("train", "test", "sample_submission.csv"),
    "statefarm": ("train", "test", "driver_imgs_list.csv", "sample_submission.csv"),
}
CREDENTIALS_HELP = """\
No Kaggle credentials found. Give them in one of these ways:
  * kaggle auth login                     (browser sign-in; stores ~/.kaggle/credentials.json)
  * ~/.kaggle/kaggle.json                 from https://www.kaggle.com/settings -> API ->
                                          "Create New Token"; then: chmod 600 ~/.kaggle/kaggle.json
  * KAGGLE_USERNAME and KAGGLE_KEY        environment variables (or KAGGLE_API_TOKEN)
Without an account the course runs on generated data: make data"""
DONE_MARKER = ".kaggle-download-complete"  # written once everything is unpacked
OFFLINE_HELP = (
    "Without network access the course still runs on generated data: "
    "`make data` (or `python -m tools.make_sample_data`)."
)


class KaggleDownloadError(RuntimeError):
    """A download or unpack problem, with a message that says what to do."""


class KaggleCredentialsError(KaggleDownloadError):
    """No usable Kaggle credentials."""


def competition_slug(name):
    """'dogscats' -> 'dogs-vs-cats-redux-kernels-edition' (slugs pass through)."""
    if name in COMPETITIONS:
        return COMPETITIONS[name]
    if name in COMPETITIONS.values():
        return name
    raise ValueError(f"unknown competition {name!r}; choose one of {sorted(COMPETITIONS)}")


def rules_url(name):
    return f"https://www.kaggle.com/competitions/{competition_slug(name)}/rules"


def download(name, dest=None, client=None):
    """Download and unpack competition `name` ('dogscats' or 'statefarm').

    dest:   folder to fill, default `data_root() / name`.
    client: anything with the `kaggle` API's `competition_download_files`
            (tests pass a fake); by default a logged-in `kaggle` API.
    Skips the work when `dest` already holds a complete download. Returns dest.
    """
    slug = competition_slug(name)
    short_name = next(key for key, value in COMPETITIONS.items() if value == slug)
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
    slug = competition_slug(name)
    short_name = next(key for key, value in COMPETITIONS.items() if value == slug)
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
    status = getattr(getattr(error, "response", None), "status_code", None)
    rules = rules_url(slug)
    if status == 403:
        return KaggleDownloadError(
            f"Kaggle refused the download (HTTP 403). Accept the competition rules at "
            f"{rules} while signed in; they can't be accepted through the API. Then run again."
        )
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


# ---------------------------------------------------------------- credentials


def credentials_source(environ=None, home=None):
    """Where Kaggle credentials would come from (a description), or None.

    Only says where; never reads or returns the secret itself.
    """
    environ = os.environ if environ is None else environ
    home = Path.home() if home is None else Path(home)
    if environ.get("KAGGLE_USERNAME") and environ.get("KAGGLE_KEY"):
        return "the KAGGLE_USERNAME and KAGGLE_KEY environment variables"
    if environ.get("KAGGLE_API_TOKEN"):
        return "the KAGGLE_API_TOKEN environment variable"
    for path in _credential_files(environ, home):
        if path.is_file():
            return str(path)
    return None


def _credential_files(environ, home):
    config_dirs = [Path(environ["KAGGLE_CONFIG_DIR"])] if environ.get("KAGGLE_CONFIG_DIR") else []
    config_dirs += [home / ".kaggle", Path(environ.get("XDG_CONFIG_HOME") or home / ".config") / "kaggle"]
    names = ("kaggle.json", "access_token", "credentials.json")
    return [folder / name for folder in config_dirs for name in names]


def redact(text, environ=None, home=None):
    """`text` with every Kaggle secret we can find replaced by '***'.

    Errors from the client may quote a request (and so a key); everything we
    show passes through here first.
    """
    environ = os.environ if environ is None else environ
    home = Path.home() if home is None else Path(home)
    secrets = [environ.get("KAGGLE_KEY"), environ.get("KAGGLE_API_TOKEN")]
    for path in _credential_files(environ, home):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            if path.name == "kaggle.json":
                secrets.append(json.loads(path.read_text()).get("key"))
            elif path.name == "access_token":
                secrets.append(path.read_text().strip())
    for secret in secrets:
        if isinstance(secret, str) and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def warn_if_readable_by_others(path):
    """Warn when a credentials file can be read by other users of the machine."""
    path = Path(path)
    if path.is_file() and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        warnings.warn(
            f"{path} can be read by other users of this machine; protect your key with: chmod 600 {path}",
            stacklevel=2,
        )
        return True
    return False


def kaggle_client():
    """A signed-in `kaggle` API object, or a KaggleCredentialsError saying why not."""
    source = credentials_source()
    if source is None:
        raise KaggleCredentialsError(CREDENTIALS_HELP)
    if source.endswith((".json", "access_token")):
        warn_if_readable_by_others(source)
    # Importing `kaggle` already tries to sign in and prints help text on
    # failure; keep that out of notebook output and report it ourselves.
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            from kaggle.api.kaggle_api_extended import KaggleApi

            api = KaggleApi()
            api.authenticate()
        except (Exception, SystemExit) as error:
            raise KaggleCredentialsError(
                f"Kaggle could not sign in with the credentials from {source} "
                f"({type(error).__name__}).\n{CREDENTIALS_HELP}"
            ) from None
    return api


# ---------------------------------------------------------------- unpacking


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
            f"{archive} is an HTML page, not a zip: Kaggle sends a web page instead of "
            f"the data when the competition rules have not been accepted. Accept the rules "
            f"at {rules} (they can't be accepted through the API), then download again."
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
