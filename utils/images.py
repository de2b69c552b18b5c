"""Reading one image file: upright (EXIF orientation applied) RGB pixels; real sample photos.

Every place that opens an image file for its pixels (the batch pipeline's PIL
path, the five views) goes through `read_image`, so a phone photo stored
sideways is shown and trained on the way up. `sample_photos` gives six real
photos that ship inside installed packages (a cat, an espresso...), for showing
what a pretrained network sees without downloading anything.
"""

from pathlib import Path

import numpy as np

EXIF_ORIENTATION = 0x0112  # 1 = upright; phones store other values for turned photos


def orientation(image):
    """A PIL image's EXIF orientation tag; a damaged EXIF block counts as upright (1)."""
    try:
        return image.getexif().get(EXIF_ORIENTATION, 1)
    except Exception:  # Pillow's EXIF parser raises many kinds of error
        return 1


def is_upright(image):
    return orientation(image) in (0, 1)


def read_image(file):
    """uint8 RGB pixels (height, width, 3) of an image file, turned upright."""
    from PIL import Image, ImageOps

    with Image.open(file) as image:
        if not is_upright(image):
            image = ImageOps.exif_transpose(image)
        if image.mode.startswith("I"):  # 16-bit grey: scale 0..65535 to 0..255, don't clip
            grey = np.clip(np.round(np.asarray(image, dtype=np.float64) / 257), 0, 255)
            return np.repeat(grey.astype(np.uint8)[..., None], 3, axis=-1)
        return np.asarray(image.convert("RGB"))


# Real photos that ship inside installed packages (scikit-image's data, scikit-learn's samples).
SKIMAGE_PHOTOS = ("chelsea", "coffee", "astronaut", "rocket")  # a cat, an espresso, a person, a rocket
SKLEARN_PHOTOS = ("china", "flower")  # a Chinese temple, a flower


def sample_photos():
    """Six real photos, name -> uint8 RGB pixels (height, width, 3), from scikit-image and
    scikit-learn: no download, so a pretrained network can be shown real images offline."""
    from skimage import data
    from sklearn.datasets import load_sample_image

    photos = {name: getattr(data, name)() for name in SKIMAGE_PHOTOS}
    photos.update({name: load_sample_image(f"{name}.jpg") for name in SKLEARN_PHOTOS})
    return photos


def save_sample_photos(folder):
    """Write sample_photos() as `<folder>/<name>.jpg` (a folder get_batches can read from its
    parent); returns the paths. Re-running rewrites the same files."""
    from PIL import Image

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, pixels in sample_photos().items():
        paths.append(folder / f"{name}.jpg")
        Image.fromarray(pixels).save(paths[-1], quality=95)
    return paths
