"""Logging a run for TensorBoard, and reading the logged scalars back (07).

TensorFlow 2.21 no longer installs the tensorboard package; these work with it
or without it, so a notebook can plot the same curves TensorBoard would show.
"""

import functools
import importlib.util
from pathlib import Path

from utils.provenance import note


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
    note(
        "the tensorboard package is not installed, so Keras's TensorBoard callback "
        "can't run;\nlogging the same per-epoch scalars with tf.summary instead. "
        "`pip install tensorboard` to view them."
    )
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
        data_class=summary_pb2.DATA_CLASS_SCALAR,
    )


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
                    tf.summary.write(
                        f"epoch_{name}", tf.constant(float(value), tf.float32), step=epoch, metadata=metadata
                    )

        def on_train_end(self, logs=None):
            for writer in self._writers.values():
                writer.flush()

    return EpochScalarWriter
