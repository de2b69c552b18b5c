"""Numbers about models: per-class accuracy, convolution arithmetic, and
logging training metrics for TensorBoard (and reading them back).

Convolution arithmetic, for one spatial axis of a layer with input size W,
kernel (filter) size F, padding P and stride S:

    output size = floor((W + 2P - F) / S) + 1
    parameters  = (F_h * F_w * C_in + 1) * C_out      (the +1 is the bias)

Keras's padding="valid" means P = 0; padding="same" pads so that the output
is ceil(W / S) whatever F is. Pooling layers follow the same size formula and
have no parameters.
"""
import functools
import importlib.util
import math
from pathlib import Path

import numpy as np


# ------------------------------------------------------------ accuracy

def per_class_accuracy(y_true, y_pred, num_classes=None):
    """Accuracy within each true class: an array indexed by class.

    `y_pred` may be integer labels or a 2-D array of scores (argmax is taken).
    A class with no examples in `y_true` gets NaN.
    """
    y_true = np.asarray(y_true).ravel().astype(np.int64)
    y_pred = np.asarray(y_pred)
    if y_pred.ndim == 2:
        y_pred = y_pred.argmax(axis=1)
    y_pred = y_pred.ravel().astype(np.int64)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{len(y_true)} true labels for {len(y_pred)} predictions")
    if num_classes is None:
        num_classes = int(max(y_true.max(initial=-1), y_pred.max(initial=-1)) + 1)
    totals = np.bincount(y_true, minlength=num_classes).astype(np.float64)
    hits = np.bincount(y_true[y_true == y_pred], minlength=num_classes)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, hits / totals, np.nan)


# ------------------------------------------------- convolution arithmetic

def conv_output_size(size, kernel_size, stride=1, padding=0):
    """Output length along one axis of a convolution or pooling layer.

    padding: an int P (zeros added on each side), or Keras's "valid" / "same".
    """
    if size <= 0 or kernel_size <= 0 or stride <= 0:
        raise ValueError("size, kernel_size and stride must be positive")
    if padding == "same":
        return math.ceil(size / stride)
    if padding == "valid":
        padding = 0
    if not isinstance(padding, int) or padding < 0:
        raise ValueError(f"padding must be 'valid', 'same' or an int >= 0, not {padding!r}")
    if size + 2 * padding < kernel_size:
        raise ValueError(f"a {kernel_size}-wide kernel does not fit in {size} + 2*{padding}")
    return (size + 2 * padding - kernel_size) // stride + 1


def conv_params(kernel_size, in_channels, filters, use_bias=True):
    """Trainable parameters of a 2-D convolution: (F_h * F_w * C_in + bias) * filters."""
    height, width = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return (height * width * in_channels + int(use_bias)) * filters


def dense_params(in_features, units, use_bias=True):
    """Parameters of a fully connected layer: (inputs + bias) * units."""
    return (in_features + int(use_bias)) * units


# ---------------------------------------------------------- TensorBoard

def tensorboard_callback(log_dir):
    """A Keras callback that logs loss and metrics per epoch under `log_dir`.

    With the `tensorboard` package installed this is Keras's own
    keras.callbacks.TensorBoard. Without it (TensorFlow no longer installs it)
    Keras's callback would fail at the first epoch, so we write the same
    per-epoch scalars with TensorFlow's low-level summary writer instead: the
    event files look the same to TensorBoard once you install it.
    """
    import keras

    log_dir = Path(log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    if importlib.util.find_spec("tensorboard") is not None:
        return keras.callbacks.TensorBoard(log_dir=str(log_dir))
    print("NOTE: the tensorboard package is not installed, so Keras's TensorBoard callback "
          "can't run;\n      logging the same per-epoch scalars with tf.summary instead. "
          "`pip install tensorboard` to view them.")
    return _epoch_scalar_writer_class()(log_dir)


def read_tensorboard_scalars(log_dir):
    """Scalars logged under `log_dir`: {"train": {"epoch_loss": [(step, value), ...]}, ...}.

    Reads the event files directly with TensorFlow (no tensorboard package
    needed). Keys are the sub-folders (Keras writes train/ and validation/).
    """
    import tensorflow as tf
    from tensorflow.core.util import event_pb2

    log_dir = Path(log_dir)
    found = {}
    for path in sorted(log_dir.rglob("events.out.tfevents.*")):
        run = path.parent.relative_to(log_dir).as_posix()
        for record in tf.data.TFRecordDataset(str(path)):
            event = event_pb2.Event.FromString(record.numpy())
            for value in event.summary.value:
                if value.HasField("tensor"):
                    number = tf.make_ndarray(value.tensor)
                    if number.size != 1 or number.dtype.kind not in "fiu":
                        continue  # images, text, histograms: not scalars
                    number = float(number.ravel()[0])
                elif value.HasField("simple_value"):
                    number = float(value.simple_value)
                else:
                    continue
                found.setdefault(run, {}).setdefault(value.tag, []).append((event.step, number))
    for tags in found.values():
        for tag in tags:
            tags[tag].sort()
    return found


def _scalar_metadata():
    from tensorflow.core.framework import summary_pb2

    # what TensorBoard's own scalar summaries carry, so its Scalars tab shows ours
    return summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars"),
        data_class=summary_pb2.DATA_CLASS_SCALAR)


@functools.cache
def _epoch_scalar_writer_class():
    import keras
    import tensorflow as tf

    class EpochScalarWriter(keras.callbacks.Callback):
        """Writes epoch_<metric> scalars to train/ and validation/, like Keras's callback."""

        def __init__(self, log_dir):
            super().__init__()
            self.log_dir = Path(log_dir)
            self._writers = {}

        def _writer(self, run):
            if run not in self._writers:
                self._writers[run] = tf.summary.create_file_writer(str(self.log_dir / run))
            return self._writers[run]

        def on_epoch_end(self, epoch, logs=None):
            metadata = _scalar_metadata()
            for key, value in (logs or {}).items():
                run, name = ("validation", key[4:]) if key.startswith("val_") else ("train", key)
                with self._writer(run).as_default():
                    tf.summary.write(f"epoch_{name}", tf.constant(float(value), tf.float32),
                                     step=epoch, metadata=metadata)

        def on_train_end(self, logs=None):
            for writer in self._writers.values():
                writer.flush()

    return EpochScalarWriter

