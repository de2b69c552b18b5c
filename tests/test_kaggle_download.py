"""utils.kaggle: download with a fake Kaggle client and real zip/HTML files on disk."""

import os
from pathlib import Path

import pytest
import requests

from archives import zip_bytes
from utils import kaggle, kaggle_account
from utils.kaggle import KaggleCredentialsError, KaggleDownloadError, download
from utils.kaggle_unzip import extract_zip
from utils.synthetic import generate_dogscats

DOGSCATS = "dogs-vs-cats-redux-kernels-edition"
STATEFARM = "state-farm-distracted-driver-detection"


def dogscats_archive():
    """Kaggle's shape: an outer zip holding train.zip, test.zip and a csv."""
    train = zip_bytes({"train/cat.0.jpg": b"cat0", "train/dog.0.jpg": b"dog0"})
    test = zip_bytes({"test/1.jpg": b"t1"})
    return zip_bytes({"train.zip": train, "test.zip": test, "sample_submission.csv": b"id,label\n1,0.5\n"})


def statefarm_archive():
    """The newer single-zip shape, with images under imgs/."""
    return zip_bytes(
        {
            "imgs/train/c0/img_1.jpg": b"a",
            "imgs/test/img_2.jpg": b"b",
            "driver_imgs_list.csv": b"subject,classname,img\np002,c0,img_1.jpg\n",
            "sample_submission.csv.zip": zip_bytes({"sample_submission.csv": b"img\n"}),
        }
    )


class FakeKaggle:
    """Stands in for kaggle.KaggleApi: writes a given payload or raises."""

    def __init__(self, payload=None, error=None):
        self.payload, self.error, self.calls = payload, error, []

    def competition_download_files(self, competition, path=None, force=False, quiet=True):
        self.calls.append({"competition": competition, "force": force})
        if self.error is not None:
            raise self.error
        Path(path, f"{competition}.zip").write_bytes(self.payload)


def http_error(status):
    response = requests.Response()
    response.status_code = status
    return requests.HTTPError(f"{status} Client Error", response=response)


def test_download_unpacks_nested_zips_and_skips_when_complete(tmp_path):
    client = FakeKaggle(dogscats_archive())
    dest = download("dogscats", tmp_path / "dogscats", client=client)
    assert (dest / "train" / "cat.0.jpg").read_bytes() == b"cat0"
    assert (dest / "test" / "1.jpg").read_bytes() == b"t1"
    assert (dest / "sample_submission.csv").is_file()
    assert client.calls == [{"competition": DOGSCATS, "force": False}]
    download("dogscats", dest, client=client)
    assert len(client.calls) == 1  # complete: no second download


def test_statefarm_images_are_lifted_out_of_imgs(tmp_path):
    dest = download("statefarm", tmp_path / "sf", client=FakeKaggle(statefarm_archive()))
    assert (dest / "train" / "c0" / "img_1.jpg").is_file()
    assert (dest / "test" / "img_2.jpg").is_file()
    assert (dest / "sample_submission.csv").is_file()  # from the nested zip


def test_html_instead_of_zip_explains_the_rules(tmp_path):
    page = b"\n  <!DOCTYPE html><html><body>Please accept the rules</body></html>"
    with pytest.raises(KaggleDownloadError) as error:
        download("dogscats", tmp_path / "dc", client=FakeKaggle(page))
    message = str(error.value)
    assert "HTML page" in message and f"{DOGSCATS}/rules" in message


def test_after_a_bad_download_the_next_run_fetches_again_with_force(tmp_path):
    dest = tmp_path / "dc"
    with pytest.raises(KaggleDownloadError):
        download("dogscats", dest, client=FakeKaggle(b"<html>rules</html>"))
    client = FakeKaggle(dogscats_archive())
    download("dogscats", dest, client=client)
    assert client.calls == [{"competition": DOGSCATS, "force": True}]
    assert (dest / "train" / "dog.0.jpg").is_file()


def test_http_403_says_accept_the_rules_on_the_website(tmp_path):
    with pytest.raises(KaggleDownloadError) as error:
        download("statefarm", tmp_path / "sf", client=FakeKaggle(error=http_error(403)))
    message = str(error.value)
    assert f"https://www.kaggle.com/competitions/{STATEFARM}/rules" in message
    assert "can't be accepted through the API" in message


def test_no_network_points_to_the_generated_sample(tmp_path):
    offline = requests.ConnectionError("Failed to resolve 'www.kaggle.com'")
    with pytest.raises(KaggleDownloadError) as error:
        download("dogscats", tmp_path / "dc", client=FakeKaggle(error=offline))
    assert "Could not reach kaggle.com" in str(error.value)
    assert "make data" in str(error.value)


def without_credentials(monkeypatch, home):
    for name in ("KAGGLE_USERNAME", "KAGGLE_KEY", "KAGGLE_API_TOKEN", "KAGGLE_CONFIG_DIR", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))


def test_missing_credentials_say_where_they_go(tmp_path, monkeypatch):
    without_credentials(monkeypatch, tmp_path)
    with pytest.raises(KaggleCredentialsError) as error:
        download("dogscats", tmp_path / "dc")  # no client: must find credentials first
    message = str(error.value)
    assert "~/.kaggle/kaggle.json" in message and "chmod 600" in message
    assert "KAGGLE_USERNAME" in message and "kaggle auth login" in message
    assert not (tmp_path / "dc" / f"{DOGSCATS}.zip").exists()


def test_credentials_are_found_but_never_shown(tmp_path, monkeypatch, capsys):
    without_credentials(monkeypatch, tmp_path)
    secret = "0123456789abcdef-secret"
    monkeypatch.setenv("KAGGLE_USERNAME", "learner")
    monkeypatch.setenv("KAGGLE_KEY", secret)
    assert "KAGGLE_KEY" in kaggle_account.credentials_source()
    with pytest.raises(KaggleCredentialsError) as error:
        download("dogscats", tmp_path / "dc", client=FakeKaggle(error=http_error(401)))
    assert secret not in str(error.value) + capsys.readouterr().out


def test_world_readable_kaggle_json_warns(tmp_path, monkeypatch):
    without_credentials(monkeypatch, tmp_path)
    token = tmp_path / ".kaggle" / "kaggle.json"
    token.parent.mkdir()
    token.write_text('{"username": "learner", "key": "hidden"}')
    os.chmod(token, 0o644)
    assert kaggle_account.credentials_source() == str(token)
    with pytest.warns(UserWarning, match="chmod 600"):
        assert kaggle_account.warn_if_readable_by_others(token)
    os.chmod(token, 0o600)
    assert not kaggle_account.warn_if_readable_by_others(token)


@pytest.mark.parametrize("evil", ["../escaped.txt", "ABSOLUTE", "train/../../escaped.txt", "..\\escaped.txt"])
def test_entries_outside_the_target_are_never_written(tmp_path, evil):
    absolute = tmp_path / "absolute-escape.txt"  # an absolute name, inside this test's folder
    evil = str(absolute) if evil == "ABSOLUTE" else evil
    archive = tmp_path / "evil.zip"
    archive.write_bytes(zip_bytes({"train/ok.jpg": b"ok", evil: b"gotcha"}))
    dest = tmp_path / "inside" / "dest"
    dest.mkdir(parents=True)
    with pytest.raises(KaggleDownloadError, match="outside"):
        extract_zip(archive, dest)
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path / "inside" / "escaped.txt").exists()
    assert not absolute.exists()
    assert list(dest.iterdir()) == []  # checked before anything was written


def test_a_nested_zip_that_escapes_is_refused_too(tmp_path):
    inner = zip_bytes({"../../outside.jpg": b"x"})
    outer = zip_bytes({"train.zip": inner, "sample_submission.csv": b"id\n", "test/1.jpg": b"1"})
    with pytest.raises(KaggleDownloadError, match="outside"):
        download("dogscats", tmp_path / "a" / "dc", client=FakeKaggle(outer))
    assert not (tmp_path / "outside.jpg").exists() and not (tmp_path / "a" / "outside.jpg").exists()


def test_truncated_zip_gives_a_clear_error(tmp_path):
    whole = zip_bytes({f"train/cat.{i}.jpg": os.urandom(2000) for i in range(5)})
    with pytest.raises(KaggleDownloadError, match="incomplete or corrupt"):
        download("dogscats", tmp_path / "dc", client=FakeKaggle(whole[: len(whole) // 2]))


def test_extracting_twice_is_harmless(tmp_path):
    archive = tmp_path / "a.zip"
    archive.write_bytes(zip_bytes({"train/cat.1.jpg": b"meow", "test/1.jpg": b"?"}))
    dest = tmp_path / "dest"
    extract_zip(archive, dest)
    first = {p.relative_to(dest): p.read_bytes() for p in dest.rglob("*") if p.is_file()}
    extract_zip(archive, dest)
    again = {p.relative_to(dest): p.read_bytes() for p in dest.rglob("*") if p.is_file()}
    assert first == again == {Path("train/cat.1.jpg"): b"meow", Path("test/1.jpg"): b"?"}


def test_a_file_already_unpacked_at_full_size_is_kept_and_a_short_one_redone(tmp_path):
    archive = tmp_path / "a.zip"
    archive.write_bytes(zip_bytes({"train/cat.1.jpg": b"meow", "train/cat.2.jpg": b"purr"}))
    dest = tmp_path / "dest"
    (dest / "train").mkdir(parents=True)
    kept = dest / "train" / "cat.1.jpg"
    kept.write_bytes(b"MEOW")  # full size: an earlier run unpacked it
    (dest / "train" / "cat.2.jpg").write_bytes(b"pu")  # cut short: unpack again
    before = kept.stat().st_mtime_ns
    extract_zip(archive, dest)
    assert kept.read_bytes() == b"MEOW" and kept.stat().st_mtime_ns == before
    assert (dest / "train" / "cat.2.jpg").read_bytes() == b"purr"


def test_refuses_to_download_over_generated_data(tmp_path):
    root = generate_dogscats(tmp_path / "dc", n_train=2, n_test=1)
    client = FakeKaggle(dogscats_archive())
    with pytest.raises(KaggleDownloadError, match="generated data"):
        download("dogscats", root, client=client)
    assert client.calls == []


def test_unknown_competition_names_the_choices():
    with pytest.raises(ValueError, match="dogscats"):
        kaggle.competition_slug("cifar")
    assert kaggle.COMPETITIONS["statefarm"] == STATEFARM


def test_kaggle_client_signs_in_from_the_environment_quietly(tmp_path, monkeypatch, capsys):
    without_credentials(monkeypatch, tmp_path)
    monkeypatch.setenv("KAGGLE_USERNAME", "learner")
    monkeypatch.setenv("KAGGLE_KEY", "not-a-real-key")
    client = kaggle_account.kaggle_client()  # the real kaggle package; signing in needs no network
    assert callable(client.competition_download_files)
    assert "not-a-real-key" not in capsys.readouterr().out


def test_an_unpack_cut_short_is_finished_by_the_next_run(tmp_path):
    dest = tmp_path / "dc"
    dest.mkdir()
    (dest / f"{DOGSCATS}.zip").write_bytes(dogscats_archive())
    for item in ("train", "test"):  # what a crash half-way through unpacking leaves
        (dest / item).mkdir()
    (dest / "sample_submission.csv").write_text("id,label\n")
    client = FakeKaggle(dogscats_archive())
    download("dogscats", dest, client=client)
    assert client.calls == []  # the archive was fine: unpacked again, not fetched
    assert (dest / "train" / "cat.0.jpg").read_bytes() == b"cat0"


def test_a_prepared_folder_is_never_unpacked_again(tmp_path):
    dest = download("dogscats", tmp_path / "dc", client=FakeKaggle(dogscats_archive()))
    (dest / ".kaggle-download-complete").unlink()
    (dest / "train" / "cats").mkdir()
    (dest / "train" / "cat.0.jpg").rename(dest / "train" / "cats" / "cat.0.jpg")
    (dest / ".prepare-manifest.json").write_text("{}")
    download("dogscats", dest, client=FakeKaggle(dogscats_archive()))
    assert not (dest / "train" / "cat.0.jpg").exists()  # no second copy of a moved file
