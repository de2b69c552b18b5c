"""Photo-like test images for the benchmarks: crops of scikit-learn's two sample photos."""

import numpy as np


def photo_crops(n, side=224, seed=0):
    """n random side×side uint8 crops, alternating between the two photos; returns
    (crops, labels) with label = which photo (0 or 1) the crop came from."""
    from sklearn.datasets import load_sample_images

    rng = np.random.default_rng(seed)
    photos = load_sample_images().images
    labels = np.arange(n) % 2
    crops = np.empty((n, side, side, 3), np.uint8)
    for i, label in enumerate(labels):
        photo = photos[label]
        top, left = (int(rng.integers(0, s - side)) for s in photo.shape[:2])
        crops[i] = photo[top : top + side, left : left + side]
    return crops, labels
