"""Train the course's MNIST convnet on the Keras backend KERAS_BACKEND names; write JSON.

    KERAS_BACKEND=torch python -m tools.mnist_keras_backend --epochs 15 --out build/keras_torch.json

Keras chooses its backend once, at import, so a notebook already running Keras
on TensorFlow runs this in a second process to train the very same model
(utils.mnist_convnet, through utils.train_mnist_convnet) on another engine.
The data comes from utils.load_mnist with the same arguments as the notebook,
so the split is the same; the JSON carries its fingerprint to prove it.
"""

import argparse
import json
import os
import sys
from pathlib import Path


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True, help="where to write the JSON result")
    parser.add_argument("--valid-size", type=int, default=5000)
    parser.add_argument("--max-train", type=int, default=None)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument(
        "--offline", action="store_true", help="skip the MNIST download and use the scikit-learn digits"
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    import keras  # after parsing: --help needs no backend

    import utils

    print(
        f"Keras {keras.__version__} on backend {keras.backend.backend()!r} "
        f"(KERAS_BACKEND={os.environ.get('KERAS_BACKEND', '<unset>')})",
        flush=True,
    )
    data = utils.load_mnist(
        valid_size=args.valid_size, max_train=args.max_train, seed=args.seed, download=not args.offline
    )
    print(data.describe(), flush=True)
    _, result = utils.train_mnist_convnet(
        data, epochs=args.epochs, batch_size=args.batch_size, learning_rate=args.learning_rate, seed=args.seed
    )
    result["dataset"] = data.name
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result))
    print(
        f"{result['engine']}: best epoch {result['best_epoch']}, "
        f"test accuracy {result['test_accuracy']:.4f}, {result['train_seconds']:.1f} s "
        f"-> {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
