"""utils.data.get_batches: the decoded-image cache, `limit`, and `augment`, on real files."""

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from utils import decoding, image_cache
from utils.data import get_batches, get_data

TARGET = (16, 16)


def save(path, red, blue=30):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (40, 30), (red, 30, blue)).save(path, quality=98)


@pytest.fixture
def folder(tmp_path):
    """cats 0..9 and dogs 0..4; image k has red level 20 + 10k, dogs are blue."""
    for k in range(10):
        save(tmp_path / "images" / "cats" / f"cat.{k}.jpg", 20 + 10 * k)
    for k in range(5):
        save(tmp_path / "images" / "dogs" / f"dog.{k}.jpg", 20 + 10 * k, blue=220)
    return tmp_path / "images"


def epoch(batches):
    images, labels = map(np.concatenate, zip(*batches))
    return images, labels


def red_index(images):
    return np.round((images[..., 0].mean(axis=(1, 2)) - 20) / 10).astype(int)


def expected_order(batches):
    return [int(Path(name).stem.split(".")[1]) for name in batches.filenames]


def test_memory_cache_gives_the_same_pixels_and_later_epochs_do_not_decode(folder):
    cached = get_batches(folder, batch_size=4, shuffle=False, target_size=TARGET, cache="memory")
    plain = get_batches(folder, batch_size=4, shuffle=False, target_size=TARGET, cache=None)
    assert cached.cache == "memory" and plain.cache is None
    first, labels = epoch(cached)
    assert np.array_equal(first, epoch(plain)[0])
    assert red_index(first).tolist() == expected_order(cached)  # filenames order
    for name in cached.filenames:  # from now on only the cache can supply the pixels
        os.remove(folder / name)
    second, second_labels = epoch(cached)
    assert np.array_equal(second, first) and np.array_equal(second_labels, labels)


def test_a_partial_first_epoch_then_whole_epochs_stay_in_file_order(folder):
    batches = get_batches(folder, batch_size=4, shuffle=False, target_size=TARGET, cache="memory")
    next(iter(batches))  # e.g. a notebook showing one batch
    for _ in range(2):
        assert red_index(epoch(batches)[0]).tolist() == expected_order(batches)


def test_shuffled_epochs_from_the_cache_keep_labels_with_images(folder):
    batches = get_batches(
        folder, batch_size=4, shuffle=True, seed=1, target_size=TARGET, class_mode="sparse", cache="memory"
    )
    orders = []
    for _ in range(3):
        images, labels = epoch(batches)
        assert ((images[..., 2].mean(axis=(1, 2)) > 120) == (labels == 1)).all()
        orders.append((red_index(images) + 100 * labels).tolist())
    assert sorted(orders[0]) == list(range(10)) + list(range(100, 105))
    assert orders[1] != orders[0] or orders[2] != orders[1]  # a new order each epoch


def test_disk_cache_is_reused_by_a_new_batches_and_rebuilt_when_a_file_changes(folder, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    first = get_batches(folder, batch_size=8, shuffle=False, target_size=TARGET, cache=cache)
    original = epoch(first)[0]
    stored = Path(first.cache)
    assert stored.name == "images.npy" and stored.is_file()
    assert np.array_equal(np.load(stored), original.astype(np.uint8))

    # A new Batches of unchanged files reads the finished cache: with decoding
    # broken (every image black), it still gives the original pixels.
    import tensorflow as tf

    with monkeypatch.context() as patch:
        patch.setattr(decoding, "_read", lambda *args: tf.zeros((*TARGET, 3), tf.uint8))
        again = get_batches(folder, batch_size=8, shuffle=False, target_size=TARGET, cache=cache)
        assert again.cache == first.cache and np.array_equal(epoch(again)[0], original)

    # A real edit (new time stamp) makes a new cache and drops the stale one.
    changed, info = folder / first.filenames[0], (folder / first.filenames[0]).stat()
    save(changed, 250)
    os.utime(changed, ns=(info.st_atime_ns, info.st_mtime_ns + 10**9))
    edited = get_batches(folder, batch_size=8, shuffle=False, target_size=TARGET, cache=cache)
    assert edited.cache != first.cache and not stored.parent.exists()
    pixels = epoch(edited)[0]
    assert pixels[0, ..., 0].mean() > 240 and np.array_equal(pixels[1:], original[1:])
    assert np.array_equal(
        pixels, epoch(get_batches(folder, batch_size=8, shuffle=False, target_size=TARGET, cache=None))[0]
    )


def test_other_target_sizes_and_folders_get_their_own_disk_cache(folder, tmp_path):
    small = get_batches(folder, shuffle=False, target_size=TARGET, cache=tmp_path / "c")
    large = get_batches(folder, shuffle=False, target_size=(24, 24), cache=tmp_path / "c")
    epoch(small), epoch(large)
    assert small.cache != large.cache
    assert Path(small.cache).is_file() and Path(large.cache).is_file()


def test_auto_uses_disk_when_the_images_would_not_fit_the_memory_budget(folder, tmp_path, monkeypatch):
    monkeypatch.setattr(image_cache, "_fits_in_memory", lambda nbytes: False)
    monkeypatch.setattr(image_cache, "_default_cache_root", lambda: tmp_path / "image_cache")
    batches = get_batches(folder, shuffle=False, target_size=TARGET)
    epoch(batches)
    assert Path(batches.cache).parent.parent.parent == tmp_path / "image_cache"
    monkeypatch.setattr(image_cache, "_fits_in_memory", lambda nbytes: True)
    assert get_batches(folder, shuffle=False, target_size=TARGET).cache == "memory"


def test_unknown_cache_choice_is_refused(folder):
    with pytest.raises(ValueError, match="cache=3"):
        get_batches(folder, target_size=TARGET, cache=3)


def test_augment_runs_every_epoch_on_the_cached_images(folder):
    flips = []

    def flip(images):  # records how often it ran; mirrors left-right
        import tensorflow as tf

        flips.append(1)
        return tf.reverse(images, axis=[2])

    plain = get_batches(folder, batch_size=15, shuffle=False, target_size=TARGET, cache=None)
    flipped = get_batches(folder, batch_size=15, shuffle=False, target_size=TARGET, augment=flip)
    expected = epoch(plain)[0][:, :, ::-1]
    for _ in range(2):
        assert np.array_equal(epoch(flipped)[0], expected)


# ---------------------------------------------------------------- limit


def test_limit_takes_a_repeatable_stratified_subset_in_file_order(folder, capsys):
    batches = get_batches(folder, batch_size=4, shuffle=False, target_size=TARGET, limit=6)
    assert "using 6 of 15 images" in capsys.readouterr().out
    assert batches.num_images == 6 and batches.found == 15
    assert np.bincount(batches.labels).tolist() == [4, 2]  # 10:5, as in the folder
    everything = get_batches(folder, shuffle=False, target_size=TARGET).filenames
    assert batches.filenames == [name for name in everything if name in batches.filenames]
    images, labels = epoch(batches)
    assert red_index(images).tolist() == expected_order(batches)
    again = get_batches(folder, batch_size=4, shuffle=False, target_size=TARGET, limit=6)
    assert again.filenames == batches.filenames  # same subset every run
    other = get_batches(folder, batch_size=4, shuffle=False, target_size=TARGET, limit=6, seed=5)
    assert other.filenames != batches.filenames and other.num_images == 6


def test_limit_keeps_every_class_and_is_ignored_when_larger(folder, capsys):
    two = get_batches(folder, shuffle=False, target_size=TARGET, limit=2)
    assert np.bincount(two.labels).tolist() == [1, 1]
    every = get_batches(folder, shuffle=False, target_size=TARGET, limit=100)
    assert every.num_images == every.found == 15
    assert "using" not in capsys.readouterr().out.splitlines()[-1]


def test_a_misspelt_cache_choice_is_not_taken_for_a_folder(folder):
    with pytest.raises(ValueError, match="cache='memroy'"):
        get_batches(folder, target_size=TARGET, cache="memroy")


@pytest.mark.parametrize("limit", [1, 0, 2.5])
def test_limit_below_one_per_class_or_not_whole_is_refused(folder, limit):
    with pytest.raises(ValueError, match="at least one per class"):
        get_batches(folder, target_size=TARGET, limit=limit)


def test_get_data_with_limit_writes_the_same_subset(folder, tmp_path):
    arrays = get_data(folder, target_size=TARGET, dest=tmp_path / "x.bc", limit=6)
    batches = get_batches(folder, shuffle=False, target_size=TARGET, limit=6, class_mode=None)
    assert np.array_equal(arrays[:], np.concatenate(list(batches)).astype(np.uint8))
