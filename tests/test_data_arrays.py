"""utils.data.get_data (images -> uint8 bcolz array, batch by batch) and get_classes."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from utils import arrays
from utils.data import get_batches, get_data
from utils.folders import get_classes

TARGET = (24, 32)


def save(path, colour):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (64, 48), colour).save(path, quality=98)


@pytest.fixture
def folder(tmp_path):
    for k in range(7):
        save(tmp_path / "train" / "cats" / f"cat.{k}.jpg", (20 + 10 * k, 30, 30))
        save(tmp_path / "train" / "dogs" / f"dog.{k}.jpg", (20 + 10 * k, 30, 200))
    return tmp_path / "train"


def test_get_data_writes_uint8_images_in_filename_order(folder, tmp_path):
    data = get_data(folder, target_size=TARGET, dest=tmp_path / "x.bc", batch_size=4)
    assert data.shape == (14, 24, 32, 3) and data.dtype == np.uint8 and len(data) == 14
    batches = get_batches(folder, shuffle=False, target_size=TARGET, class_mode=None, batch_size=14)
    expected = np.round(next(iter(batches))).astype(np.uint8)
    assert np.array_equal(data[:], expected)
    assert np.array_equal(arrays.load_array(tmp_path / "x.bc"), expected)


def test_get_data_appends_one_batch_at_a_time(folder, tmp_path, monkeypatch):
    appended = []
    real_append = arrays.ArrayWriter.append

    def recording_append(self, batch):
        appended.append(len(batch))
        return real_append(self, batch)

    monkeypatch.setattr(arrays.ArrayWriter, "append", recording_append)
    get_data(folder, target_size=TARGET, dest=tmp_path / "x.bc", batch_size=4)
    assert appended == [4, 4, 4, 2]  # never the whole folder at once


def test_get_data_default_place_and_rerun(folder):
    first = get_data(folder, target_size=TARGET)
    assert Path(first.rootdir) == folder.parent / "arrays" / "train_24x32.bc"
    again = get_data(folder, target_size=TARGET)  # running the cell twice is fine
    assert np.array_equal(first[:], again[:])


def test_get_classes_reads_labels_and_names_without_images(folder):
    valid = folder.parent / "valid"
    save(valid / "cats" / "cat.9.jpg", (1, 1, 1))
    save(valid / "dogs" / "dog.9.jpg", (1, 1, 1))
    save(folder.parent / "test" / "unknown" / "1.jpg", (1, 1, 1))
    classes = get_classes(folder.parent)
    assert classes["class_names"] == ["cats", "dogs"]
    assert classes["train_labels"].tolist() == [0] * 7 + [1] * 7
    assert classes["valid_labels"].tolist() == [0, 1]
    assert classes["valid_filenames"] == [str(Path("cats/cat.9.jpg")), str(Path("dogs/dog.9.jpg"))]
    assert classes["test_filenames"] == [str(Path("unknown/1.jpg"))]
