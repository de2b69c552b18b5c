"""The layers the course adds to a Keras network, and finding and cutting layers by name.

CaffePreprocessing turns 0-255 RGB into what VGG16 was trained on,
Lite0Preprocessing into what EfficientNet-Lite0 was trained on; Standardize
and head_layers make the new classifier head that finetune() puts on a network;
layer_index and sub_model find a layer and run a model from it to the output.
"""

from utils.features import feature_statistics
from utils.quiet_keras import import_keras

keras = import_keras()

# ImageNet channel means in BGR order: what VGG16's original Caffe weights expect.
VGG_MEAN_BGR = (103.939, 116.779, 123.68)


@keras.saving.register_keras_serializable(package="course")
class CaffePreprocessing(keras.layers.Layer):
    """0-255 RGB images -> BGR with the ImageNet mean subtracted ("caffe" mode).

    This is the only place VGG16's images are preprocessed: it is the model's
    first layer, so nothing outside the model can forget it or do it twice.
    """

    def call(self, images):
        bgr = keras.ops.flip(images, axis=-1)
        return bgr - keras.ops.convert_to_tensor(VGG_MEAN_BGR, dtype=bgr.dtype)


@keras.saving.register_keras_serializable(package="course")
class Lite0Preprocessing(keras.layers.Layer):
    """0-255 RGB images -> (pixel - 127) / 128, the scale EfficientNet-Lite's weights were trained on."""

    def call(self, images):
        return (images - 127.0) / 128.0


@keras.saving.register_keras_serializable(package="course")
class Standardize(keras.layers.Layer):
    """(features - mean) / std, per feature, with mean and std measured on training data.

    Only an untrained network's head has it: with ImageNet weights the features are
    on a sensible scale and need nothing. With untrained weights they are tiny and
    nearly alike from image to image, and a Dense layer on them barely moves from
    chance; standardized, they separate well. Mean and std are
    stored as (non-trainable) weights, so they travel with the head's checkpoints.
    """

    def build(self, input_shape):
        size = input_shape[-1]
        self.mean = self.add_weight(name="mean", shape=(size,), initializer="zeros", trainable=False)
        self.std = self.add_weight(name="std", shape=(size,), initializer="ones", trainable=False)

    def call(self, features):
        mean, std = (keras.ops.cast(value, features.dtype) for value in (self.mean, self.std))
        return (features - mean) / std

    def set_statistics(self, features):
        """Measure mean and std on `features` (rows are samples): see feature_statistics."""
        mean, std = feature_statistics(features)
        self.mean.assign(mean.astype("float32"))
        self.std.assign(std.astype("float32"))


def head_layers(
    num_classes, conv_features=False, standardize=False, hidden_units=(), dropout=0.0, batch_norm=False
):
    """A new classifier head: [Flatten], [Standardize], [Dense+[BatchNorm]+Dropout...], softmax.

    standardize: for an untrained network's features (see Standardize); pretrained features need none.
    """
    layers = [keras.layers.Flatten(name="head_flatten")] if conv_features else []
    layers += [Standardize(name="head_standardize")] if standardize else []
    for i, units in enumerate(hidden_units, start=1):
        if batch_norm:  # normalise the Dense outputs before the ReLU, as Ioffe & Szegedy do
            layers += [
                keras.layers.Dense(units, name=f"head_dense_{i}"),
                keras.layers.BatchNormalization(name=f"head_batchnorm_{i}"),
                keras.layers.Activation("relu", name=f"head_relu_{i}"),
            ]
        else:
            layers.append(keras.layers.Dense(units, activation="relu", name=f"head_dense_{i}"))
        if dropout:
            layers.append(keras.layers.Dropout(dropout, name=f"head_dropout_{i}"))
    # float32 output keeps probabilities exact under a mixed-precision policy.
    layers.append(
        keras.layers.Dense(num_classes, activation="softmax", name="head_predictions", dtype="float32")
    )
    return layers


def apply_layers(layers, tensor):
    """`tensor` through each of `layers` in turn."""
    for layer in layers:
        tensor = layer(tensor)
    return tensor


def layer_index(model, layer):
    """The position of `layer` (a name, or already an index) in `model.layers`."""
    if isinstance(layer, int):
        return layer
    names = [each.name for each in model.layers]
    if layer not in names:
        raise ValueError(f"no layer named {layer!r}; layers are: {', '.join(names)}")
    return names.index(layer)


def sub_model(model, first_layer):
    """A model from `first_layer`'s input to the model's output, sharing the layers' weights
    (and any skip connection above `first_layer`, as in EfficientNet-Lite0's blocks)."""
    layer = model.layers[layer_index(model, first_layer)]
    return keras.Model(layer.input, model.output, name=f"from_{first_layer}")


def standardization_layer(features, name="standardize"):
    """A keras Normalization layer set from training `features` by feature_statistics' rule
    (for a head built by hand, as in 03 and 08)."""
    mean, std = feature_statistics(features)
    return keras.layers.Normalization(mean=mean, variance=std**2, name=name)
