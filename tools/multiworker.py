"""Cached features and the head across worker processes (tf.distribute.MultiWorkerMirroredStrategy).

The same command on every worker, each with its own index:

    python -m tools.multiworker --worker-index 0 --workers 10.0.0.1:2222,10.0.0.2:2222 \\
        --data DATA --out OUT

DATA holds train/ and valid/ (one sub-folder per class) and OUT is a folder every
worker can read and write (one machine, or a shared file system). Each worker
builds the same seeded, untrained Vgg16 under the strategy, computes the features of
its share of the files (files i::n in sorted order) into OUT, waits for the others,
reads every share back in order, trains the head with fit_head (the strategy keeps
the workers' steps in sync) and writes its predictions on the validation features
to OUT/worker_<i>.npy. Without --workers the same work runs in this one process and
writes OUT/single.npy, the reference the workers must equal.
"""

import argparse
import json
import os
from pathlib import Path

import numpy as np

SPLITS = ("train", "valid")


def start_strategy(workers, index):
    """TF_CONFIG for this worker, then the strategy: before any other TensorFlow work."""
    os.environ["TF_CONFIG"] = json.dumps(
        {"cluster": {"worker": list(workers)}, "task": {"type": "worker", "index": index}}
    )
    import tensorflow as tf

    class KerasReadyStrategy(tf.distribute.MultiWorkerMirroredStrategy):
        """Accepts the two reductions Keras 3's fit() asks of it (Keras 3.15, TF 2.21) that
        MultiWorkerMirroredStrategy refuses across workers: a nested structure (the first
        batch, to build the model) and axis=0 of a scalar (each step's loss)."""

        def reduce(self, reduce_op, value, axis):
            reduce_one = super().reduce

            def one(part):
                scalar = self.experimental_local_results(part)[0].shape.rank == 0
                return reduce_one(reduce_op, part, None if scalar else axis)

            return tf.nest.map_structure(one, value)

    return KerasReadyStrategy()


def barrier(strategy):
    """Return once every worker has called it: a one-number all-reduce across them."""
    if strategy is None:
        return
    import tensorflow as tf

    arrived = strategy.reduce("SUM", strategy.run(lambda: tf.ones(())), axis=None)
    if int(arrived) != strategy.num_replicas_in_sync:
        raise RuntimeError(f"barrier: {int(arrived)} of {strategy.num_replicas_in_sync} arrived")


def run(data, out, strategy=None, index=0, count=1, image_size=32, batch_size=8, epochs=2, seed=0):
    """Features for this worker's share, then the head on all shares; returns the validation
    predictions and saves them to OUT/worker_<index>.npy (OUT/single.npy alone)."""
    import keras

    import utils
    from utils.features import labels_path

    data, out = Path(data), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(seed)
    vgg = utils.Vgg16(weights=None, input_shape=(image_size, image_size, 3), strategy=strategy)
    for split in SPLITS:
        batches = utils.get_batches(
            data / split, batch_size=batch_size, shuffle=False, target_size=(image_size, image_size)
        )
        if split == "train":
            vgg.finetune(batches)
        # Local work on local files: no strategy, so the workers need not keep in step here.
        utils.compute_features(
            vgg.feature_extractor(),
            utils.shard_batches(batches, index, count),
            cache=share_path(out, split, index, count),
            overwrite=True,
        )
    barrier(strategy)
    shares = {split: [share_path(out, split, i, count) for i in range(count)] for split in SPLITS}
    features = {split: utils.unshard([utils.load_array(p) for p in paths]) for split, paths in shares.items()}
    labels = {
        split: utils.unshard([utils.load_array(labels_path(p)) for p in paths])
        for split, paths in shares.items()
    }
    vgg.fit_head(
        features["train"], labels["train"], epochs=epochs, batch_size=batch_size, shuffle=False, verbose=0
    )
    predictions = np.asarray(vgg.head_model(features["valid"], training=False))
    np.save(out / (f"worker_{index}.npy" if strategy else "single.npy"), predictions)
    return predictions


def share_path(out, split, index, count):
    return Path(out) / f"{split}_fc2_share{index}of{count}.bc"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--workers",
        help="HOST:PORT of every worker, comma-separated, "
        "in the same order on every worker; omit for one process",
    )
    parser.add_argument("--worker-index", type=int, default=0)
    parser.add_argument("--data", required=True, help="a folder with train/ and valid/")
    parser.add_argument("--out", required=True, help="a folder all workers share")
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args(argv)
    workers = args.workers.split(",") if args.workers else []
    strategy = start_strategy(workers, args.worker_index) if workers else None
    predictions = run(
        args.data,
        args.out,
        strategy,
        args.worker_index,
        max(1, len(workers)),
        args.image_size,
        epochs=args.epochs,
    )
    print(
        f"worker {args.worker_index} of {max(1, len(workers))}: {len(predictions)} "
        f"validation predictions written to {args.out}"
    )


if __name__ == "__main__":
    main()
