"""make data with a Kaggle zip downloaded by hand (`kaggle competitions download -c <slug>`)."""

import io

import pytest
from PIL import Image

from tools import make_sample_data
from archives import zip_bytes
from utils.kaggle import COMPETITIONS
from utils.synthetic import generate_dogscats

SETTINGS = {"n_valid": 6, "n_sample_train": 4, "n_sample_valid": 2, "n_sample_test": 2}
SIZES = {"generate": {"n_train": 24, "n_test": 4}, "prepare": SETTINGS}


def jpeg(colour):
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), colour).save(buffer, format="JPEG")
    return buffer.getvalue()


def dogscats_zip(folder, extra=None):
    """Kaggle's shape: one zip holding train.zip, test.zip and the sample submission."""
    train = zip_bytes(
        {
            f"train/{kind}.{k}.jpg": jpeg((40 * k % 255, 90, 90 if kind == "cat" else 200))
            for kind in ("cat", "dog")
            for k in range(12)
        }
    )
    test = zip_bytes({f"test/{k}.jpg": jpeg((k, k, k)) for k in range(1, 5)})
    entries = {
        "train.zip": train,
        "test.zip": test,
        "sample_submission.csv": b"id,label\n1,0.5\n2,0.5\n3,0.5\n4,0.5\n",
        **(extra or {}),
    }
    folder.mkdir(parents=True, exist_ok=True)
    archive = folder / f"{COMPETITIONS['dogscats']}.zip"
    archive.write_bytes(zip_bytes(entries))
    return archive


def image_names(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.jpg"))


@pytest.mark.parametrize("where", ["in the dataset folder", "in the data folder"])
def test_a_zip_downloaded_by_hand_is_unpacked_and_prepared(tmp_path, capsys, where):
    root = tmp_path / "dogscats"
    archive = dogscats_zip(root if where == "in the dataset folder" else tmp_path)
    counts = make_sample_data.make_dataset("dogscats", root, SIZES, real_data_settings=SETTINGS)
    out = capsys.readouterr().out
    assert f"found the Kaggle download {archive}" in out and "real Kaggle data found" in out
    assert "GENERATED" not in out
    assert len(list((root / "valid").rglob("*.jpg"))) == 6
    assert len(list((root / "train").rglob("*.jpg"))) == 18
    assert sorted(p.name for p in (root / "train").iterdir()) == ["cats", "dogs"]
    assert len(list((root / "test" / "unknown").glob("*.jpg"))) == 4
    assert archive.is_file()  # the user's download is kept
    before = image_names(root)
    again = make_sample_data.make_dataset("dogscats", root, SIZES, real_data_settings=SETTINGS)
    assert again == counts and image_names(root) == before  # running again changes nothing
    assert "unpacking" not in capsys.readouterr().out


def test_a_zip_with_an_entry_outside_the_folder_stops_make_data_with_a_message(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA", str(tmp_path))
    dogscats_zip(tmp_path / "dogscats", extra={"../escaped.txt": b"x"})
    with pytest.raises(SystemExit) as stopped:
        make_sample_data.main(["--only", "dogscats"])
    assert "would be written outside" in str(stopped.value) and "dogscats" in str(stopped.value)
    assert not (tmp_path / "escaped.txt").exists()
    assert not (tmp_path / "dogscats" / "train").exists()  # nothing unpacked


def test_a_zip_next_to_generated_data_asks_to_move_the_generated_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA", str(tmp_path))
    generate_dogscats(tmp_path / "dogscats", n_train=4, n_test=1)
    dogscats_zip(tmp_path)
    with pytest.raises(SystemExit) as stopped:
        make_sample_data.main(["--only", "dogscats"])
    assert "holds generated data" in str(stopped.value)
    assert "make data" in str(stopped.value)
