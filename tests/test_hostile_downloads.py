"""Hostile downloads fed to utils.download through a fake Kaggle client, and credentials.

Every case checks: a clear error that names the file and says what to do,
nothing written outside the dataset folder, a rerun that recovers, and no
Kaggle key in anything the learner can see (output, warnings, exceptions).
"""

import io
import os
import traceback
import warnings
import zipfile
from pathlib import Path

import pytest
import requests

import utils
from test_kaggle_download import (
    DOGSCATS,
    FakeKaggle,
    dogscats_archive,
    http_error,
    without_credentials,
    zip_bytes,
)
from utils import kaggle, kaggle_account
from utils.kaggle import KaggleCredentialsError, KaggleDownloadError

SECRET = "s3cr3t-key-123"


def files_under(root, leave_out=None):
    """{relative path: bytes} of every file under root, except those under leave_out."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(Path(root).rglob("*"))
        if p.is_file() and not (leave_out and leave_out in p.parents)
    }


@pytest.fixture
def data(tmp_path):
    """tmp_path/data/dogscats, with a bystander file in tmp_path that must survive."""
    (tmp_path / "notes.txt").write_text("mine")
    return tmp_path / "data" / "dogscats"


# ---------------------------------------------------------------- broken archives


def test_html_page_instead_of_the_zip_names_the_rules_then_recovers(data, tmp_path):
    page = b"<!DOCTYPE html><html><body>Please sign in and accept the rules</body></html>"
    with pytest.raises(KaggleDownloadError) as error:
        utils.download("dogscats", data, client=FakeKaggle(page))
    message = str(error.value)
    assert f"{DOGSCATS}.zip is an HTML page" in message and f"{DOGSCATS}/rules" in message
    assert not (data / "train").exists()
    client = FakeKaggle(dogscats_archive())
    utils.download("dogscats", data, client=client)  # after accepting the rules
    assert client.calls == [{"competition": DOGSCATS, "force": True}]
    assert (data / "train" / "cat.0.jpg").read_bytes() == b"cat0"


def test_html_page_saved_as_train_zip_inside_the_download(data):
    outer = zip_bytes(
        {
            "train.zip": b"<html><head><title>Kaggle</title></head></html>",
            "test.zip": zip_bytes({"test/1.jpg": b"t1"}),
            "sample_submission.csv": b"id,label\n1,0.5\n",
        }
    )
    with pytest.raises(KaggleDownloadError) as error:
        utils.download("dogscats", data, client=FakeKaggle(outer))
    message = str(error.value)
    assert f"{data / 'train.zip'} is an HTML page" in message
    assert f"{DOGSCATS}.zip: delete that too" in message  # the fix: both files
    assert "rules" not in message  # the outer zip came through: not a rules problem
    (data / "train.zip").unlink()
    (data / f"{DOGSCATS}.zip").unlink()
    utils.download("dogscats", data, client=FakeKaggle(dogscats_archive()))
    assert (data / "train" / "dog.0.jpg").read_bytes() == b"dog0"


def test_truncated_zip_is_named_and_refetched_next_time(data, tmp_path):
    whole = compressed(dogscats_archive())  # Kaggle's zips are deflated
    with pytest.raises(KaggleDownloadError, match=r"incomplete or corrupt.*download again"):
        utils.download("dogscats", data, client=FakeKaggle(whole[: len(whole) // 2]))
    client = FakeKaggle(whole)
    utils.download("dogscats", data, client=client)
    assert client.calls[0]["force"] is True  # the broken file is replaced, not reused
    assert (data / "test" / "1.jpg").read_bytes() == b"t1"


def compressed(archive):
    """The same zip with every entry deflated."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(archive)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for name in source.namelist():
            target.writestr(name, source.read(name))
    return buffer.getvalue()


def escaping_entries(tmp_path):
    return [
        "../escaped.txt",
        "train/../../escaped.txt",
        "..\\escaped.txt",
        str(tmp_path / "absolute-escape.txt"),
        str(tmp_path.parent / "absolute-escape.txt"),
        "C:/escaped.txt",
        "train/" + "../" * 12 + "escaped.txt",
    ]


@pytest.mark.parametrize(
    "index",
    range(7),
    ids=["dotdot", "nested-dotdot", "backslash", "absolute", "absolute-above", "drive-letter", "deep-dotdot"],
)
def test_zip_entries_that_escape_write_nothing_outside_data(data, tmp_path, index):
    evil = escaping_entries(tmp_path)[index]
    payload = zip_bytes(
        {
            "train/cat.0.jpg": b"cat0",
            evil: b"gotcha",
            "test/1.jpg": b"t1",
            "sample_submission.csv": b"id,label\n",
        }
    )
    before = files_under(tmp_path)
    with pytest.raises(KaggleDownloadError, match=r"outside.*not trustworthy"):
        utils.download("dogscats", data, client=FakeKaggle(payload))
    assert files_under(tmp_path, leave_out=data) == before  # nothing new or changed beside data/
    assert not (tmp_path.parent / "absolute-escape.txt").exists()
    assert sorted(p.name for p in data.iterdir()) == [f"{DOGSCATS}.zip"]  # checked before writing


def test_symbolic_link_entries_are_skipped_with_a_warning(data, tmp_path):
    link = zipfile.ZipInfo("train/passwd.jpg")
    link.external_attr = 0o120777 << 16  # a symlink to /etc/passwd, as `zip --symlinks` stores it
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(link, "/etc/passwd")
        for name, content in {
            "train/cat.0.jpg": b"cat0",
            "test/1.jpg": b"t1",
            "sample_submission.csv": b"id,label\n",
        }.items():
            archive.writestr(name, content)
    with pytest.warns(UserWarning, match=r"skipped the symbolic link 'train/passwd\.jpg'"):
        utils.download("dogscats", data, client=FakeKaggle(buffer.getvalue()))
    assert not os.path.lexists(data / "train" / "passwd.jpg")
    assert (data / "train" / "cat.0.jpg").read_bytes() == b"cat0"


def test_extracting_twice_changes_nothing_and_fetches_once(data):
    client = FakeKaggle(dogscats_archive())
    utils.download("dogscats", data, client=client)
    first = files_under(data)
    utils.download("dogscats", data, client=client)  # the cell run again
    (data / kaggle.DONE_MARKER).unlink()  # or an unpack that never got to its marker
    utils.download("dogscats", data, client=client)
    assert files_under(data) == first and len(client.calls) == 1


# ---------------------------------------------------------------- Kaggle says no


def network_down():
    return requests.ConnectionError(
        "HTTPSConnectionPool(host='www.kaggle.com', port=443): Failed to establish a new connection"
    )


@pytest.mark.parametrize(
    "error, kind, expected",
    [
        (
            lambda: http_error(401),
            KaggleCredentialsError,
            ["HTTP 401", "Create a new token", "kaggle.json", "chmod 600"],
        ),
        (
            lambda: http_error(403),
            KaggleDownloadError,
            ["HTTP 403", f"{DOGSCATS}/rules", "can't be accepted through the API"],
        ),
        (network_down, KaggleDownloadError, ["Could not reach kaggle.com", "make data"]),
    ],
    ids=["401", "403", "network"],
)
def test_kaggle_refusals_each_say_what_to_do(data, monkeypatch, capfd, error, kind, expected):
    without_credentials(monkeypatch, data.parent)
    monkeypatch.setenv("KAGGLE_USERNAME", "learner")
    monkeypatch.setenv("KAGGLE_KEY", SECRET)
    with pytest.raises(kind) as raised:
        utils.download("dogscats", data, client=FakeKaggle(error=error()))
    message = str(raised.value)
    assert all(text in message for text in expected), message
    assert "Traceback" not in message and raised.value.__cause__ is None
    assert SECRET not in message + "".join(capfd.readouterr())


# ---------------------------------------------------------------- credentials stay secret


def kaggle_json(monkeypatch, home, mode=0o600):
    """Write home/.kaggle/kaggle.json holding SECRET and point the kaggle package at it
    (the package fixes its config folder when first imported, so a test must move it)."""
    from kaggle.api.kaggle_api_extended import KaggleApi

    token = home / ".kaggle" / "kaggle.json"
    token.parent.mkdir(exist_ok=True)
    token.write_text(f'{{"username": "learner", "key": "{SECRET}"}}')
    os.chmod(token, mode)
    monkeypatch.setattr(KaggleApi, "config_dir", str(token.parent))
    monkeypatch.setattr(KaggleApi, "config", str(token))
    return token


def everything_shown(error, captured, caught):
    """All text a learner could see: the exception as printed, output and warnings."""
    shown = "".join(traceback.format_exception(error)) if error else ""
    return shown + captured.out + captured.err + "".join(str(w.message) for w in caught)


@pytest.mark.parametrize("where", ["environment", "kaggle.json"])
def test_the_key_appears_in_no_output_warning_or_exception(tmp_path, monkeypatch, capfd, where):
    without_credentials(monkeypatch, tmp_path)
    if where == "environment":
        monkeypatch.setenv("KAGGLE_USERNAME", "learner")
        monkeypatch.setenv("KAGGLE_KEY", SECRET)
    else:  # readable by others: warns, and still never shows the key
        kaggle_json(monkeypatch, tmp_path, mode=0o644)
    leaky = RuntimeError(f"400 Bad Request for url: https://learner:{SECRET}@www.kaggle.com/api")
    shown = ""
    for failure in (http_error(401), http_error(403), network_down(), leaky):
        with warnings.catch_warnings(record=True) as caught, pytest.raises(Exception) as raised:
            warnings.simplefilter("always")
            utils.download("dogscats", tmp_path / "dc", client=FakeKaggle(error=failure))
        shown += everything_shown(raised.value, capfd.readouterr(), caught)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client = kaggle_account.kaggle_client()  # the real package signs in (no network needed)
    assert callable(client.competition_download_files)
    shown += everything_shown(None, capfd.readouterr(), caught)
    assert "400 Bad Request" in shown and "***" in shown  # the leaky message, redacted
    assert SECRET not in shown


def test_submitting_never_shows_the_key_either(tmp_path, monkeypatch, capfd):
    without_credentials(monkeypatch, tmp_path)
    monkeypatch.setenv("KAGGLE_USERNAME", "learner")
    monkeypatch.setenv("KAGGLE_KEY", SECRET)
    submission = tmp_path / "submission.csv"
    submission.write_text("id,label\n1,0.5\n")

    class LeakyKaggle:
        def competition_submit(self, file_name, message, competition):
            raise RuntimeError(f"upload failed: Authorization key={SECRET}")

    with pytest.raises(RuntimeError) as raised:
        utils.submit_to_kaggle(submission, "dogscats", "try", client=LeakyKaggle())
    shown = everything_shown(raised.value, capfd.readouterr(), [])
    assert "upload failed" in shown and SECRET not in shown


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644], ids=["group", "other", "both"])
def test_kaggle_json_readable_by_others_warns_with_the_fix(tmp_path, monkeypatch, capfd, mode):
    without_credentials(monkeypatch, tmp_path)
    token = kaggle_json(monkeypatch, tmp_path, mode)
    with pytest.warns(UserWarning, match=rf"{token} can be read by other users.*chmod 600"):
        kaggle_account.kaggle_client()
    assert SECRET not in "".join(capfd.readouterr())
    os.chmod(token, 0o600)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kaggle_account.kaggle_client()  # private again: no warning


# Notebooks committed with outputs (which could hold a key or a home path) are
# caught by tests/test_notebooks_meta.py: test_committed_without_outputs and
# test_no_absolute_home_paths. They are counted in this catalogue, not repeated.
