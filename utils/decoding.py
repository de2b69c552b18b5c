"""Decoding image files inside tf.data: the cheapest decoder for each file, then a resize.

JPEG and PNG go through TensorFlow's own decoders (a JPEG at 1/2, 1/4 or 1/8
size when that is still big enough); anything else (CMYK, 16-bit, GIF, turned
photos) through PIL's `read_image`. TensorFlow is imported inside the functions.
"""

import functools

import numpy as np

from utils.images import read_image

# libjpeg can decode a JPEG at 1/2, 1/4 or 1/8 size for a fraction of the work;
# we use that only while the result is still at least the target size.
JPEG_SCALES = (1, 2, 4, 8)
PNG_DECODER, PIL_DECODER = len(JPEG_SCALES), len(JPEG_SCALES) + 1


def pick_decoder(kind, size, target_size):
    """The decoder for one file: an index into JPEG_SCALES, or PNG_DECODER or PIL_DECODER."""
    if kind == "pil":
        return PIL_DECODER
    if kind == "png":
        return PNG_DECODER
    width, height = size
    fits = [
        i
        for i, scale in enumerate(JPEG_SCALES)
        if width // scale >= target_size[1] and height // scale >= target_size[0]
    ]
    return max(fits, default=0)


def resizing_decoder(decoders, target_size):
    """(choices, decode): decode(file, choice) is one file's pixels resized (bilinear)
    to `target_size` and rounded to uint8, as a cache keeps them; choices[i] is file
    i's choice. `decoders` holds pick_decoder's answer for each file; only those
    decoders are built, so a folder of same-size JPEGs needs no branching at all."""
    used = sorted(set(decoders))
    choices = np.searchsorted(used, decoders).astype(np.int32)

    def decode(file, choice):
        import tensorflow as tf

        if len(used) == 1:
            image = _read(file, used[0])
        else:
            image = tf.switch_case(choice, [functools.partial(_read, file, decoder) for decoder in used])
        image.set_shape([None, None, 3])
        # Bilinear resizing takes weighted means of pixels, so the result is already in 0..255.
        return tf.cast(tf.round(tf.image.resize(image, target_size)), tf.uint8)

    return choices, decode


def _read(file, decoder):
    """uint8 RGB pixels of `file`: TensorFlow's decoders, or PIL for unusual files."""
    import tensorflow as tf

    if decoder == PIL_DECODER:
        return tf.py_function(_read_with_pil, [file], tf.uint8)
    data = tf.io.read_file(file)
    if decoder == PNG_DECODER:
        return tf.io.decode_png(data, channels=3)
    # The default (accurate) DCT: libjpeg-turbo's INTEGER_FAST decoded no faster here
    # (2,144 against 2,147 images/s, 500x375 JPEGs to 224x224, 2-core AMD EPYC).
    return tf.io.decode_jpeg(data, channels=3, ratio=JPEG_SCALES[decoder])


def _read_with_pil(file):
    return read_image(file.numpy().decode())
