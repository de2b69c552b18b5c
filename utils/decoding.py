"""Decoding image files inside tf.data: the cheapest decoder for each file, then a resize.

JPEG and PNG go through TensorFlow's own decoders (a JPEG at 1/2, 1/4 or 1/8
size when that is still big enough); anything else (CMYK, 16-bit, GIF, turned
photos) through PIL's `read_image`. TensorFlow is imported inside the functions.
"""

from utils.images import read_image

# libjpeg can decode a JPEG at 1/2, 1/4 or 1/8 size for a fraction of the work;
# we use that only while the result is still at least the target size.
JPEG_SCALES = (1, 2, 4, 8)
PNG_DECODER, PIL_DECODER = len(JPEG_SCALES), len(JPEG_SCALES) + 1


def resized_uint8(file, decoder, target_size):
    """One image decoded and resized (bilinear), rounded to uint8 as a cache keeps it."""
    import tensorflow as tf

    image = tf.image.resize(_decode(file, decoder), target_size)
    return tf.cast(tf.round(tf.clip_by_value(image, 0, 255)), tf.uint8)


def pick_decoder(kind, size, target_size):
    """Index of the decoder for one file (see _decode)."""
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


def _decode(file, decoder):
    """uint8 RGB pixels: TensorFlow's decoders, or PIL for unusual files."""
    import tensorflow as tf

    def jpeg(scale):
        # INTEGER_FAST: about twice the decoding speed (bench/pipeline.py); its error
        # is far below what the resize to the model's input size averages away.
        return lambda: tf.io.decode_jpeg(
            tf.io.read_file(file), channels=3, ratio=scale, dct_method="INTEGER_FAST"
        )

    branches = [jpeg(scale) for scale in JPEG_SCALES]
    branches += [
        lambda: tf.io.decode_png(tf.io.read_file(file), channels=3),  # PNG_DECODER
        lambda: tf.py_function(_read_with_pil, [file], tf.uint8),
    ]  # PIL_DECODER
    image = tf.switch_case(decoder, branches)
    image.set_shape([None, None, 3])
    return image


def _read_with_pil(file):
    return read_image(file.numpy().decode())
