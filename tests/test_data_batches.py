"""utils.data.get_batches: order, labels, odd formats and bad files, on real files on disk."""

import os
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from utils.data import get_batches
from utils.folders import list_images, rows_of

SIZE = (64, 48)  # small images keep the tests fast
TARGET = (32, 32)


def save(path, colour, mode="RGB", size=SIZE, **options):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).convert(mode).save(path, **options)
    return path


def colour_of(k):
    """A different red level for every image, so pixels tell us which file it was."""
    return (20 + 8 * k, 30, 30)


@pytest.fixture
def two_classes(tmp_path):
    """cats: reddish, dogs: bluish; image k of a class has red level 20 + 8k."""
    for k in range(12):
        save(tmp_path / "cats" / f"cat.{k:02d}.jpg", colour_of(k), quality=98)
        save(tmp_path / "dogs" / f"dog.{k:02d}.jpg", colour_of(k)[:2] + (220,), quality=98)
    return tmp_path


def red_level_to_index(images):
    return np.round((images[..., 0].mean(axis=(1, 2)) - 20) / 8).astype(int)


def test_unshuffled_batches_follow_filenames_and_labels(two_classes):
    batches = get_batches(two_classes, batch_size=5, shuffle=False, target_size=TARGET)
    assert batches.class_names == ["cats", "dogs"] and batches.num_classes == 2
    assert batches.num_images == 24 and len(batches) == 5 and batches.batch_size == 5
    assert batches.filenames[:2] == [os.path.join("cats", "cat.00.jpg"), os.path.join("cats", "cat.01.jpg")]
    images, labels = map(np.concatenate, zip(*batches))
    assert images.shape == (24, 32, 32, 3) and images.dtype == np.float32
    assert 0 <= images.min() and images.max() <= 255
    expected = [int(Path(name).stem.split(".")[1]) for name in batches.filenames]
    assert red_level_to_index(images).tolist() == expected  # pixels in filenames order
    blue = images[..., 2].mean(axis=(1, 2)) > 120
    assert blue.tolist() == (batches.labels == 1).tolist() == labels[:, 1].astype(bool).tolist()


def test_shuffled_batches_keep_each_label_with_its_image(two_classes):
    orders = []
    for _ in range(2):
        batches = get_batches(
            two_classes, batch_size=8, shuffle=True, seed=3, target_size=TARGET, class_mode="sparse"
        )
        images, labels = map(np.concatenate, zip(*batches))
        assert ((images[..., 2].mean(axis=(1, 2)) > 120) == (labels == 1)).all()
        orders.append(red_level_to_index(images) + 100 * labels)
    assert sorted(orders[0]) == list(range(12)) + list(range(100, 112))  # each image once
    assert orders[0].tolist() == orders[1].tolist()  # same seed, same order
    assert orders[0].tolist() != sorted(orders[0].tolist())  # and actually shuffled


@pytest.mark.parametrize(
    "mode,shape,dtype",
    [("categorical", (24, 2), np.float32), ("sparse", (24,), np.int32), ("binary", (24, 1), np.float32)],
)
def test_class_modes(two_classes, mode, shape, dtype):
    batches = get_batches(two_classes, batch_size=24, shuffle=False, class_mode=mode, target_size=TARGET)
    _, labels = next(iter(batches))
    assert labels.shape == shape and labels.dtype == dtype
    as_indices = np.argmax(labels, -1) if mode == "categorical" else labels.reshape(-1)
    assert as_indices.tolist() == batches.labels.tolist()


def test_class_mode_none_yields_images_only_for_a_test_folder(tmp_path):
    for k in range(3):
        save(tmp_path / "test" / "unknown" / f"{k + 1}.jpg", colour_of(k))
    batches = get_batches(tmp_path / "test", shuffle=False, class_mode=None, target_size=TARGET)
    images = next(iter(batches))
    assert images.shape == (3, 32, 32, 3) and batches.class_names == ["unknown"]


def test_binary_needs_two_classes(tmp_path):
    for name in ("a", "b", "c"):
        save(tmp_path / name / "x.jpg", (1, 2, 3))
    with pytest.raises(ValueError, match="needs 2 classes"):
        get_batches(tmp_path, class_mode="binary")


def test_odd_formats_become_rgb_and_junk_files_are_ignored(tmp_path):
    red, folder = (200, 40, 40), tmp_path / "things"
    save(folder / "upper.JPG", red)
    save(folder / "long.jpeg", red)
    save(folder / "plain.png", red)
    save(folder / "gray.jpg", red, mode="L")
    save(folder / "cmyk.jpg", red, mode="CMYK")
    save(folder / "alpha.png", red, mode="RGBA")
    save(folder / "palette.png", red, mode="P")
    save(folder / "tiny.jpg", red, size=(5, 4))
    Image.fromarray(np.full((48, 64), 30000, np.uint16)).save(folder / "deep.png")
    (folder / "nested").mkdir()
    save(folder / "nested" / "inner.jpg", red)
    for junk in (".DS_Store", "Thumbs.db", "notes.txt", ".hidden.jpg", "._upper.JPG"):
        (folder / junk).write_bytes(b"\x00junk")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # none of these files is reported as bad
        batches = get_batches(tmp_path, batch_size=4, shuffle=False, target_size=TARGET)
    names = sorted(Path(name).name for name in batches.filenames)
    assert names == sorted(
        [
            "upper.JPG",
            "long.jpeg",
            "plain.png",
            "gray.jpg",
            "cmyk.jpg",
            "alpha.png",
            "palette.png",
            "tiny.jpg",
            "deep.png",
            "inner.jpg",
        ]
    )
    images, _ = map(np.concatenate, zip(*batches))
    assert images.shape == (10, 32, 32, 3)
    for name, image in zip(batches.filenames, images):
        mean = image.mean(axis=(0, 1))
        if Path(name).name == "gray.jpg":
            assert np.ptp(mean) < 3  # gray: R = G = B
        elif Path(name).name != "deep.png":
            assert np.abs(mean - red).max() < 30, f"{name} decoded as {mean}"


def make_bad_files(folder):
    good = save(folder / "good.jpg", (10, 200, 10))
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "truncated.jpg").write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    (folder / "garbage.png").write_bytes(os.urandom(300))
    (folder / "text.jpeg").write_text("this is not a picture")
    return ["empty.jpg", "garbage.png", "text.jpeg", "truncated.jpg"]


def test_bad_files_are_named_and_skipped_before_training(tmp_path):
    bad = make_bad_files(tmp_path / "cls")
    save(tmp_path / "other" / "fine.png", (1, 2, 3))
    with pytest.warns(UserWarning) as caught:
        batches = get_batches(tmp_path, batch_size=2, target_size=TARGET)
    message = str(caught[0].message)
    assert all(name in message for name in bad) and "4 unreadable" in message
    assert sorted(Path(name).name for name, _ in batches.skipped) == bad
    assert batches.num_images == 2
    images, labels = map(np.concatenate, zip(*batches))  # a whole epoch runs cleanly
    assert images.shape[0] == 2


def test_bad_files_can_stop_with_an_error_listing_them(tmp_path):
    bad = make_bad_files(tmp_path / "cls")
    with pytest.raises(ValueError) as error:
        get_batches(tmp_path, on_bad_file="raise")
    assert all(name in str(error.value) for name in bad) and "empty file (0 bytes)" in str(error.value)


def test_empty_class_folder_is_an_error(tmp_path):
    save(tmp_path / "cats" / "a.jpg", (1, 2, 3))
    (tmp_path / "dogs").mkdir()
    (tmp_path / "dogs" / "Thumbs.db").write_bytes(b"x")
    with pytest.raises(ValueError, match=r"hold no readable.*\['dogs'\]"):
        list_images(tmp_path)


def test_class_left_empty_by_bad_files_is_an_error(tmp_path):
    save(tmp_path / "cats" / "a.jpg", (1, 2, 3))
    (tmp_path / "dogs").mkdir()
    (tmp_path / "dogs" / "broken.jpg").write_bytes(b"")
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="dogs"):
        list_images(tmp_path)


def test_images_without_class_folders_explain_the_layout(tmp_path):
    save(tmp_path / "cat.1.jpg", (1, 2, 3))
    with pytest.raises(ValueError, match="no class folders.*unknown"):
        list_images(tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no class folders"):
        list_images(tmp_path / "empty")
    with pytest.raises(FileNotFoundError):
        list_images(tmp_path / "missing")


def test_symlink_loop_is_a_clear_error(tmp_path):
    save(tmp_path / "cats" / "a.jpg", (1, 2, 3))
    os.symlink(tmp_path / "cats", tmp_path / "cats" / "again")
    with pytest.raises(ValueError, match="symbolic link loop"):
        list_images(tmp_path)


def test_fit_and_predict_take_the_dataset_and_keep_file_order(two_classes):
    import keras

    batches = get_batches(two_classes, batch_size=5, shuffle=False, target_size=TARGET)
    model = keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            keras.layers.Rescaling(1 / 255),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )
    model.compile("sgd", "categorical_crossentropy")
    model.fit(batches.dataset, epochs=1, verbose=0, shuffle=False)
    red_only = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.GlobalAveragePooling2D()])
    predicted = red_only.predict(batches.dataset, verbose=0)
    expected = [int(Path(name).stem.split(".")[1]) for name in batches.filenames]
    assert np.round((predicted[:, 0] - 20) / 8).astype(int).tolist() == expected


def test_large_jpegs_decoded_at_reduced_scale_look_the_same(tmp_path):
    """A 640x480 JPEG is decoded at half size (libjpeg's DCT scaling) for a 224 target."""
    y, x = np.mgrid[0:480, 0:640]
    pixels = np.stack([x * 255 // 639, y * 255 // 479, (x + y) * 255 // 1118], -1).astype(np.uint8)
    (tmp_path / "big").mkdir()
    Image.fromarray(pixels).save(tmp_path / "big" / "gradient.jpg", quality=95)
    batches = get_batches(tmp_path, shuffle=False, class_mode=None, target_size=(224, 224))
    ours = next(iter(batches))[0]
    reference = np.asarray(Image.fromarray(pixels).resize((224, 224), Image.BILINEAR), np.float32)
    assert np.abs(ours - reference).mean() < 3


# ---------------------------------------------------------------- augmentation


def test_augmenter_changes_images_only_in_training_and_keeps_their_range():
    from utils.data import augmenter

    images = np.random.default_rng(0).uniform(0, 255, (4, 32, 32, 3)).astype("float32")
    augment = augmenter(seed=1)
    changed = np.asarray(augment(images, training=True))
    assert changed.shape == images.shape
    assert np.abs(changed - images).mean() > 1 and changed.min() >= 0 and changed.max() <= 255
    np.testing.assert_array_equal(np.asarray(augment(images, training=False)), images)


def test_augmenter_flip_mirrors_some_images_and_leaves_the_rest():
    from utils.data import augmenter

    images = np.random.default_rng(0).uniform(0, 255, (16, 8, 8, 3)).astype("float32")
    flipped = np.asarray(
        augmenter(rotation=0, shift=0, zoom=0, contrast=0, flip=True, seed=3)(images, training=True)
    )
    same = [np.allclose(a, b) for a, b in zip(flipped, images)]
    mirrored = [np.allclose(a, b[:, ::-1]) for a, b in zip(flipped, images)]
    assert all(s or m for s, m in zip(same, mirrored)) and any(same) and any(mirrored)


def test_augmenter_that_changes_nothing_is_refused():
    from utils.data import augmenter

    with pytest.raises(ValueError, match="change nothing"):
        augmenter(rotation=0, shift=0, zoom=0, contrast=0)


def test_rows_of_finds_files_by_name_not_position():
    filenames = ["c0/img_3.jpg", "c0/img_9.jpg", "c1/img_7.jpg"]
    assert rows_of(["img_7.jpg", "img_3.jpg"], filenames).tolist() == [2, 0]
    with pytest.raises(KeyError):
        rows_of(["img_1.jpg"], filenames)
