"""Vgg16 under tf.distribute: built, compiled and trained inside a strategy's scope.

Two logical CPU devices stand in for two GPUs. They must be configured
before TensorFlow initializes, so the check runs in a fresh Python process.
"""

import json
import subprocess
import sys
import textwrap

from utils.config import repo_root

SCRIPT = textwrap.dedent("""
    import json
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])

    import keras
    import numpy as np
    from utils.models import Vgg16

    class Batches:  # what finetune/fit need from utils.data.Batches
        def __init__(self, images, labels):
            self.class_names, self.batch_size, self.num_images = ["red", "blue"], 8, len(labels)
            self.labels = labels
            onehot = np.eye(2, dtype="float32")[labels]
            self.dataset = tf.data.Dataset.from_tensor_slices((images, onehot)).batch(8)

    rng = np.random.default_rng(0)
    labels = np.arange(32) % 2
    images = rng.uniform(0, 255, (32, 32, 32, 3)).astype("float32")
    images[labels == 0, ..., 0] += 60
    images[labels == 1, ..., 2] += 60
    batches = Batches(np.clip(images, 0, 255), labels)

    keras.utils.set_random_seed(0)
    vgg = Vgg16(weights=None, input_shape=(32, 32, 3), strategy=strategy)
    vgg.finetune(batches)
    vgg.fit(batches, epochs=1)
    features, feature_labels = vgg.compute_features(batches)
    vgg.fit_head(features, feature_labels, epochs=1)
    kernel = vgg.model.get_layer("head_predictions").kernel.value
    print("RESULT " + json.dumps({
        "replicas": strategy.num_replicas_in_sync,
        "model_strategy": type(vgg.model.distribute_strategy).__name__,
        "head_strategy": type(vgg.head_model.distribute_strategy).__name__,
        "mirrored": isinstance(kernel, tf.distribute.DistributedValues),
        "features": list(features.shape),
        "finite": bool(np.isfinite(vgg.predict(images[:4])[0]).all()),
    }))
""")


def test_vgg16_trains_under_mirrored_strategy_on_two_devices():
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=repo_root(),
        capture_output=True,
        text=True,
        timeout=300,
        env=_quiet_env(),
    )
    lines = [l for l in done.stdout.splitlines() if l.startswith("RESULT ")]
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    result = json.loads(lines[-1][len("RESULT ") :])
    assert result == {
        "replicas": 2,
        "model_strategy": "MirroredStrategy",
        "head_strategy": "MirroredStrategy",
        "mirrored": True,
        "features": [32, 4096],
        "finite": True,
    }


def _quiet_env():
    import os

    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
