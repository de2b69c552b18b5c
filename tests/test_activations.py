"""Receptive fields (utils.conv_arithmetic) and the top-activating patches (utils.activations)."""

import numpy as np
import pytest
import tensorflow as tf

from utils import activations
from utils.conv_arithmetic import receptive_field
from utils.quiet_keras import import_keras

keras = import_keras()


def chain(size=37):
    """Linear convolutions and a pooling layer, strides and paddings mixed (no ReLU: no dead pixels)."""
    inputs = keras.Input(shape=(size, size, 1))
    x = keras.layers.Conv2D(2, 3, padding="same", name="a")(inputs)
    x = keras.layers.Conv2D(2, 5, strides=2, padding="same", name="b")(x)
    x = keras.layers.AveragePooling2D(2, name="pool")(x)  # max pooling passes one gradient only
    x = keras.layers.DepthwiseConv2D(3, strides=2, padding="same", name="c")(x)
    x = keras.layers.BatchNormalization(name="c_bn")(x)
    return keras.Model(inputs, keras.layers.Conv2D(1, 3, padding="valid", name="d")(x))


@pytest.mark.parametrize("layer", ["a", "b", "pool", "c", "c_bn", "d"])
def test_receptive_field_is_the_pixels_a_unit_depends_on(layer):
    keras.utils.set_random_seed(0)
    model = chain()
    size, jump, start = receptive_field(model, layer)
    up_to = keras.Model(model.input, model.get_layer(layer).output)
    image = tf.constant(np.random.default_rng(0).random((1, 37, 37, 1)), tf.float32)
    height = up_to.output.shape[1]
    for i in {0, height // 2, height - 1}:
        with tf.GradientTape() as tape:
            tape.watch(image)
            unit = tf.reduce_sum(up_to(image)[0, i, i])
        rows = np.flatnonzero(np.abs(tape.gradient(unit, image)[0, :, :, 0].numpy()).sum(axis=1))
        centre = start + i * jump
        assert rows.min() == max(int(np.ceil(centre - (size - 1) / 2)), 0)
        assert rows.max() == min(int(centre + (size - 1) / 2), 36)


def test_vgg16_receptive_fields_are_the_known_ones():
    vgg = keras.applications.VGG16(weights=None, include_top=False, input_shape=(224, 224, 3))
    sizes = {name: receptive_field(vgg, name)[0] for name in ("block1_conv2", "block3_conv3", "block5_conv3")}
    assert sizes == {"block1_conv2": 5, "block3_conv3": 40, "block5_conv3": 196}


def test_top_patches_find_the_images_and_places_a_unit_likes():
    """A unit that detects bright pixels picks the brightest spot of the brightest images."""
    inputs = keras.Input(shape=(16, 16, 3))
    bright = keras.layers.Conv2D(1, 3, padding="same", kernel_initializer="ones", name="bright")(inputs)
    model = keras.Model(inputs, keras.layers.MaxPooling2D(2, name="pool")(bright))
    images = np.zeros((5, 16, 16, 3), "float32")
    for k in range(5):
        images[k, 8 + k % 3, 4, :] = 50.0 * (k + 1)  # one bright pixel, brighter in later images
    kept, responses = activations.strongest_responses(model, ["pool"], [(images, None)], limit=5)
    ((unit, patches),) = activations.top_patches(model, "pool", kept, responses["pool"], units=1, per_unit=2)
    assert unit == 0 and [p.max() for p in patches] == [250, 200]
    assert all(p.shape[:2] == (4, 4) for p in patches)  # 3x3 conv then 2x2 pool: 4 pixels
