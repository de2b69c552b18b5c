"""Reading one image file: upright (EXIF orientation applied) RGB pixels.

Every place that opens an image file for its pixels (the batch pipeline's PIL
path, the five views) goes through `read_image`, so a phone photo stored
sideways is shown and trained on the way up.
"""

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
