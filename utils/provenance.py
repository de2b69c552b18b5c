"""Where a result's data and weights came from, and the one wording that says so.

utils.synthetic leaves a marker file at the root of every dataset it draws;
`is_generated` looks for it. A `Caveat` knows where the data and the weights
came from and prints as '  [generated data, untrained weights]' after every
result it applies to; `note` is the one format for "this run fell back to
something else". This module imports nothing of ours.
"""

import json
from pathlib import Path

MARKER_NAME = "GENERATED_SAMPLE_DATA.json"


def is_generated(path):
    """True if `path` (a file or folder) lies in a generated dataset."""
    return _marker_root(path) is not None


def describe_data(path):
    """One line saying whether `path` holds generated data or real data."""
    root = _marker_root(path)
    if root is None:
        return f"{path}: real Kaggle data"
    return f"{path}: generated data (drawn by utils.synthetic, see {root / MARKER_NAME})"


def read_marker(root):
    """The marker's contents (a dict), or None if `root` is not generated."""
    marker = Path(root) / MARKER_NAME
    return json.loads(marker.read_text()) if marker.is_file() else None


def _marker_root(path):
    path = Path(path).resolve()
    for folder in (path, *path.parents):
        if (folder / MARKER_NAME).is_file():
            return folder
    return None


GENERATED = "generated data"
UNTRAINED = "untrained weights"


def weights_standing_in(network, lesson_network="VGG16"):
    """The one wording for another network's ImageNet weights standing in for the lesson's."""
    return f"{network} ImageNet weights standing in for {lesson_network}'s"


class Caveat(str):
    """Where a result's data and weights came from: the text of the flags that apply ('' for none).

    generated: the data was drawn by code. stand_in: real data standing in for
    the lesson's dataset ("scikit-learn digits standing in for MNIST").
    untrained: the network has no trained weights. weights: what stands in for
    the lesson's weights, supplied by the network (e.g. "EfficientNet-Lite0
    ImageNet weights standing in for VGG16's"). No commas: the runner splits on them.
    It is a string ('  [generated data, untrained weights]'), so it goes straight
    into printed results; `data_caveat | vgg.caveat` flags both.
    """

    def __new__(cls, generated=False, stand_in=None, untrained=False, weights=None):
        for text in (stand_in, weights):
            if text and "," in text:
                raise ValueError(f"{text!r}: no commas in a caveat, they separate the flags")
        pairs = ((GENERATED, generated), (stand_in, stand_in), (UNTRAINED, untrained))
        flags = [text for text, on in (*pairs, (weights, weights and not untrained)) if on]
        self = super().__new__(cls, f"  [{', '.join(flags)}]" if flags else "")
        self.generated, self.stand_in, self.untrained, self.weights = generated, stand_in, untrained, weights
        return self

    @classmethod
    def of_data(cls, path):
        """The caveat of the dataset under `path`: generated or not."""
        return cls(generated=is_generated(path))

    def __or__(self, other):
        return Caveat(
            self.generated or other.generated,
            self.stand_in or other.stand_in,
            self.untrained or other.untrained,
            self.weights or other.weights,
        )


def caveat(*, untrained=False, generated=False, stand_in=None, weights=None):
    """'  [generated data, untrained weights]' for what applies, '' when nothing does (a string)."""
    return str(Caveat(generated, stand_in, untrained, weights))


def note(message):
    """Print `message` as a NOTE: the one format for "this run fell back to something else"."""
    print("NOTE: " + message.replace("\n", "\n      "))


def is_offline_error(error):
    """True if `error` means a download failed for lack of network.

    Keras raises a bare Exception("URL fetch failure ...") for datasets and
    weights; sockets raise ConnectionError or TimeoutError, and the requests
    library (under the kaggle client) its own ConnectionError and Timeout.
    """
    network_errors = (ConnectionError, TimeoutError)
    try:
        import requests

        network_errors += (requests.ConnectionError, requests.Timeout)
    except ImportError:
        pass
    return "URL fetch failure" in str(error) or isinstance(error, network_errors)
