"""Hostile files and folders fed to utils.get_batches / utils.get_data, as a notebook would.

Each case writes the real file on disk and checks the outcome a learner sees:
readable odd formats come out as the right RGB pixels, unreadable files are
skipped with a warning that names them (or an error with on_bad_file="raise"),
a wrong layout is an error that names the folder and the fix - never a raw
TensorFlow/PIL traceback, never a silent wrong result, and no file is touched.
"""

import os
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import utils
from file_trees import checksums

TARGET = (8, 8)
RED, BLUE, GREY = (255, 0, 0), (0, 0, 255), (120, 120, 120)


def save(path, colour=RED, size=(40, 30), mode="RGB", fmt=None, **options):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).convert(mode).save(path, format=fmt, **options)
    return path


def exif(orientation):
    tags = Image.Exif()
    tags[0x0112] = orientation
    return tags


def only_images(batches):
    """Every image of one unshuffled epoch, in `filenames` order."""
    parts = [element[0] if isinstance(element, tuple) else element for element in batches]
    return np.concatenate(parts)


def decode_one(folder, name):
    """Decode the folder through get_batches; return the pixels of file `name`."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a readable file must not be reported as bad
        batches = utils.get_batches(folder, batch_size=16, shuffle=False, target_size=TARGET, class_mode=None)
    images = only_images(batches)
    names = [Path(f).name for f in batches.filenames]
    assert images.shape == (len(names), *TARGET, 3) and images.dtype == np.float32
    return images[names.index(name)]


# ---------------------------------------------------------------- unreadable files: skipped, named


def zero_bytes(path):
    path.write_bytes(b"")


def truncated_jpeg(path):
    whole = save(path.with_name("whole.tmp"), size=(64, 64), fmt="JPEG").read_bytes()
    path.with_name("whole.tmp").unlink()
    path.write_bytes(whole[: len(whole) // 2])


def random_bytes(path):
    path.write_bytes(np.random.default_rng(0).bytes(2048))


def html_page(path):
    path.write_text("<!DOCTYPE html><html><body>403 Forbidden</body></html>")


@pytest.mark.parametrize(
    "make_bad",
    [zero_bytes, truncated_jpeg, random_bytes, html_page],
    ids=["zero-byte", "truncated-jpeg", "random-bytes", "html-page"],
)
def test_unreadable_jpg_is_skipped_with_a_warning_naming_it(tmp_path, make_bad):
    save(tmp_path / "cats" / "good.jpg")
    save(tmp_path / "dogs" / "good.jpg", BLUE)
    bad = tmp_path / "cats" / "bad.jpg"
    make_bad(bad)
    before = checksums(tmp_path)
    with pytest.warns(UserWarning, match=r"(?s)skipping 1 unreadable.*cats/bad\.jpg"):
        batches = utils.get_batches(tmp_path, batch_size=4, shuffle=False, target_size=TARGET)
    assert [Path(name).name for name, _ in batches.skipped] == ["bad.jpg"]
    assert batches.filenames == [os.path.join("cats", "good.jpg"), os.path.join("dogs", "good.jpg")]
    images, labels = map(np.concatenate, zip(*batches))  # a whole epoch runs, no TF error
    assert images.shape == (2, *TARGET, 3) and labels.argmax(1).tolist() == [0, 1]
    with pytest.raises(ValueError, match=r"(?s)1 unreadable images.*bad\.jpg"):
        utils.get_batches(tmp_path, target_size=TARGET, on_bad_file="raise")
    assert checksums(tmp_path) == before  # the bad file is reported, never deleted


def test_get_data_leaves_a_bad_file_out_and_stays_aligned(tmp_path):
    for k in range(3):
        save(tmp_path / "train" / "cats" / f"cat.{k}.jpg", (40 + 80 * k, 0, 0), fmt="PNG")
    (tmp_path / "train" / "cats" / "cat.9.jpg").write_bytes(b"")
    with pytest.warns(UserWarning, match=r"cat\.9\.jpg"):
        data = utils.get_data(tmp_path / "train", target_size=TARGET, dest=tmp_path / "x.bc")
    assert data.shape == (3, *TARGET, 3)
    assert data[:, 0, 0, 0].tolist() == [40, 120, 200]  # rows still match cat.0, 1, 2


# ---------------------------------------------------------------- odd but readable: right pixels


def png_named_jpg(path):
    save(path, fmt="PNG")


def cmyk_jpeg(path):
    save(path, mode="CMYK", quality=95)


def rgba_png(path):
    Image.new("RGBA", (40, 30), (255, 0, 0, 90)).save(path, format="PNG")  # alpha dropped


def one_pixel(path):
    save(path, size=(1, 1), fmt="PNG")


def very_wide(path):
    save(path, size=(10_000, 10), quality=95)


def upper_case_jpg(path):
    save(path, quality=95)


ODD_RED_FILES = [
    ("png-named-jpg.jpg", png_named_jpg),
    ("cmyk.jpg", cmyk_jpeg),
    ("rgba.png", rgba_png),
    ("one-pixel.png", one_pixel),
    ("wide-10000x10.jpg", very_wide),
    ("UPPER.JPG", upper_case_jpg),
    ("long-extension.jpeg", upper_case_jpg),
    ("with spaces é ü 猫.jpg", upper_case_jpg),
]


@pytest.mark.parametrize("name, make", ODD_RED_FILES, ids=[n for n, _ in ODD_RED_FILES])
def test_odd_but_readable_red_file_comes_out_red(tmp_path, name, make):
    (tmp_path / "things").mkdir()
    make(tmp_path / "things" / name)
    save(tmp_path / "things" / "reference.png", BLUE)
    pixels = decode_one(tmp_path, name)
    assert np.abs(pixels - np.array(RED)).max() <= 6, pixels.mean(axis=(0, 1))


def test_grayscale_jpeg_becomes_three_equal_channels(tmp_path):
    save(tmp_path / "things" / "grey.jpg", GREY, mode="L", quality=95)
    pixels = decode_one(tmp_path, "grey.jpg")
    assert np.abs(pixels - 120).max() <= 2


def test_16_bit_png_is_scaled_not_clipped(tmp_path):
    (tmp_path / "things").mkdir()
    Image.fromarray(np.full((30, 40), 30_000, np.uint16)).save(tmp_path / "things" / "deep.png")
    pixels = decode_one(tmp_path, "deep.png")
    assert np.abs(pixels - 30_000 / 65_535 * 255).max() <= 1  # 117, not 255 (white)


def test_exif_orientation_is_applied(tmp_path):
    """A phone photo stored sideways with Orientation=6 ("rotate 90 clockwise to
    view") comes out the way every image viewer shows it."""
    stored = Image.new("RGB", (64, 32), RED)
    stored.paste(BLUE, (0, 0, 32, 32))  # stored: blue left half, red right half
    (tmp_path / "things").mkdir()
    stored.save(tmp_path / "things" / "phone.jpg", exif=exif(6), quality=95)
    pixels = decode_one(tmp_path, "phone.jpg")
    assert np.abs(pixels[0, :] - np.array(BLUE)).max() <= 10  # viewed: blue on top
    assert np.abs(pixels[-1, :] - np.array(RED)).max() <= 10  # and red below


def test_file_names_with_spaces_and_non_ascii_keep_their_names(tmp_path):
    names = ["chat noir.jpg", "café crème.png", "кот.jpeg", "猫 1.JPG"]
    for k, name in enumerate(names):
        save(tmp_path / "cats" / name, (50 * k + 20, 0, 0), fmt="PNG")
    save(tmp_path / "dogs" / "dog.1.jpg", BLUE)
    batches = utils.get_batches(tmp_path, batch_size=8, shuffle=False, target_size=TARGET)
    images = only_images(batches)
    by_name = {Path(f).name: image for f, image in zip(batches.filenames, images)}
    assert sorted(by_name) == sorted(names + ["dog.1.jpg"])
    for k, name in enumerate(names):
        assert by_name[name][0, 0, 0] == pytest.approx(50 * k + 20, abs=1)


# ---------------------------------------------------------------- the quick look at JPEGs


def jpeg_bytes(mode="RGB", **options):
    from io import BytesIO

    out = BytesIO()
    Image.new("RGB", (40, 30), RED).convert(mode).save(out, format="JPEG", **options)
    return out.getvalue()


def with_segment_after_start(data, marker, payload):
    """`data` with one more segment (marker, length, payload) right after the start marker."""
    return data[:2] + bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload + data[2:]


# name -> (bytes, whether the quick look alone recognises it)
JPEG_VARIANTS = {
    "plain": (jpeg_bytes(quality=90), True),
    "grey": (jpeg_bytes("L"), True),
    "progressive": (jpeg_bytes(progressive=True), True),
    "optimized-no-subsampling": (jpeg_bytes(optimize=True, subsampling=0), True),
    "comment": (jpeg_bytes(comment=b"taken by a cat"), True),
    "exif-upright": (jpeg_bytes(exif=exif(1)), False),
    "exif-turned": (jpeg_bytes(exif=exif(6)), False),
    "cmyk": (jpeg_bytes("CMYK"), False),
    "header-past-64-KiB": (with_segment_after_start(jpeg_bytes(), 0xEF, bytes(65_533)), False),
    "cut-in-the-middle": (jpeg_bytes()[:300] + b"\xff\xd9", False),
    "cut-short": (jpeg_bytes()[:-40], False),
}


@pytest.mark.parametrize("variant", JPEG_VARIANTS)
def test_quick_jpeg_look_agrees_with_pil(tmp_path, variant):
    """inspect_image reads a plain JPEG's markers itself (four times faster than PIL)
    and leaves everything else to PIL; either way the answer is PIL's."""
    from utils import folders

    data, recognised = JPEG_VARIANTS[variant]
    path = tmp_path / "image.jpg"
    path.write_bytes(data)
    assert (folders._plain_jpeg_size(path) is not None) == recognised
    assert folders.inspect_image(path) == folders._look_with_pil(path)


def test_a_link_to_nowhere_is_reported_not_raised(tmp_path):
    from utils import folders

    (tmp_path / "gone.jpg").symlink_to(tmp_path / "deleted.jpg")
    kind, reason = folders.inspect_image(tmp_path / "gone.jpg")
    assert kind == "bad" and "FileNotFoundError" in reason


# ---------------------------------------------------------------- junk beside the images: ignored


def test_os_junk_and_stray_text_files_are_ignored_silently(tmp_path):
    """Skip, by design: only .jpg/.jpeg/.png count (documented in list_images);
    .DS_Store, Thumbs.db and notes are never images, and warning about them is noise."""
    save(tmp_path / "cats" / "cat.1.jpg")
    save(tmp_path / "dogs" / "dog.1.jpg", BLUE)
    for folder in (tmp_path, tmp_path / "cats", tmp_path / "dogs"):
        (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
        (folder / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0")
    (tmp_path / "cats" / "README.txt").write_text("photos from my phone")
    before = checksums(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        batches = utils.get_batches(tmp_path, shuffle=False, target_size=TARGET)
    assert batches.class_names == ["cats", "dogs"]
    assert batches.filenames == [os.path.join("cats", "cat.1.jpg"), os.path.join("dogs", "dog.1.jpg")]
    assert checksums(tmp_path) == before


# ---------------------------------------------------------------- wrong layouts: clear errors


def test_empty_class_folder_is_named(tmp_path):
    save(tmp_path / "cats" / "cat.1.jpg")
    (tmp_path / "dogs").mkdir()
    with pytest.raises(ValueError, match=r"hold no readable .*\['dogs'\].*Add images or remove"):
        utils.get_batches(tmp_path, target_size=TARGET)


def test_folder_of_loose_images_without_class_folders(tmp_path):
    save(tmp_path / "cat.1.jpg")
    save(tmp_path / "dog.1.jpg")
    with pytest.raises(ValueError, match=r"2 images but no class folders.*/cats/"):
        utils.get_batches(tmp_path, target_size=TARGET)


def test_class_folders_nested_one_level_too_deep(tmp_path):
    """train/train/cats + train/train/dogs would otherwise be ONE class, 'train'."""
    save(tmp_path / "train" / "train" / "cats" / "cat.1.jpg")
    save(tmp_path / "train" / "train" / "dogs" / "dog.1.jpg", BLUE)
    with pytest.raises(ValueError) as error:
        utils.get_batches(tmp_path / "train", target_size=TARGET)
    message = str(error.value)
    assert "one level too deep" in message and str(tmp_path / "train" / "train") in message


def test_dataset_root_instead_of_its_train_folder(tmp_path):
    """data/dogscats given where data/dogscats/train was meant: the splits are not classes."""
    for split in ("train", "valid"):
        save(tmp_path / split / "cats" / "cat.1.jpg")
        save(tmp_path / split / "dogs" / "dog.1.jpg", BLUE)
    save(tmp_path / "test" / "unknown" / "1.jpg")
    with pytest.raises(ValueError, match=r"dataset folder.*" + str(tmp_path / "train")):
        utils.get_batches(tmp_path, target_size=TARGET)


def test_missing_valid_folder_says_how_to_make_it(tmp_path):
    save(tmp_path / "train" / "cats" / "cat.1.jpg")
    save(tmp_path / "train" / "dogs" / "dog.1.jpg", BLUE)
    with pytest.raises(FileNotFoundError) as error:
        utils.get_batches(tmp_path / "valid", target_size=TARGET)
    message = str(error.value)
    assert str(tmp_path / "valid") in message and "prepare_dogscats" in message


def test_symbolic_link_loop_is_named(tmp_path):
    save(tmp_path / "cats" / "cat.1.jpg")
    save(tmp_path / "dogs" / "dog.1.jpg", BLUE)
    os.symlink(tmp_path / "cats", tmp_path / "cats" / "loop")
    with pytest.raises(ValueError, match=r"cats/loop.*symbolic link loop"):
        utils.get_batches(tmp_path, target_size=TARGET)
