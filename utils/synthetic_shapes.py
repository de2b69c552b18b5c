"""Generated 32x32 colour pictures of 10 shapes: CIFAR-10's offline stand-in (utils.datasets).

Colours, backgrounds, sizes and positions are random and shared by all classes, so only
the shape tells the class apart. Accuracy on them shows that the code works, not how
well a network does on photographs.
"""

import numpy as np

SHAPE_CLASSES = [
    "disc",
    "ring",
    "square",
    "frame",
    "triangle",
    "plus",
    "x-cross",
    "h-stripes",
    "v-stripes",
    "checkers",
]


def make_shape_images(n, seed=0, size=32):
    """`n` generated colour pictures (uint8, n x size x size x 3) of the 10 SHAPE_CLASSES,
    and their labels (int64). Deterministic for a seed."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % len(SHAPE_CLASSES)
    rng.shuffle(labels)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    images = _backgrounds(rng, n, size, yy, xx)
    colour = _object_colours(rng, images)
    geometry = _geometry(rng, n, size)
    for label in range(len(SHAPE_CLASSES)):
        idx = np.flatnonzero(labels == label)
        if idx.size:
            mask = _shape_mask(label, yy, xx, *(g[idx, None, None] for g in geometry))
            images[idx] = np.where(mask[..., None], colour[idx, None, None, :], images[idx])
    images += 0.06 * rng.standard_normal(images.shape, dtype=np.float32)
    return (np.clip(images, 0, 1) * 255).round().astype(np.uint8), labels.astype(np.int64)


def _backgrounds(rng, n, size, yy, xx):
    """A random colour fading linearly into another, in a random direction (floats in 0..1)."""
    start, end = rng.uniform(0, 1, (2, n, 1, 1, 3)).astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi, (n, 1, 1)).astype(np.float32)
    ramp = (np.cos(angle) * xx + np.sin(angle) * yy) / (2 * size) + 0.5
    return start + (end - start) * ramp[..., None]


def _object_colours(rng, images):
    """Each object's own random colour, flipped when too close to its background's."""
    colour = rng.uniform(0, 1, (len(images), 3)).astype(np.float32)
    too_close = np.abs(colour - images.mean(axis=(1, 2))).sum(axis=1) < 0.6
    colour[too_close] = 1 - colour[too_close]
    return colour


def _geometry(rng, n, size):
    """Centre (cy, cx), radius, stripe period and line thickness of each object."""
    cy, cx = rng.uniform(0.35 * size, 0.65 * size, (2, n))
    radius = rng.uniform(0.2 * size, 0.33 * size, n)
    return cy, cx, radius, rng.uniform(3.0, 6.0, n), rng.uniform(0.12, 0.25, n)


def _shape_mask(label, yy, xx, cy, cx, r, period, thickness):
    dy, dx = yy - cy, xx - cx
    dist = np.sqrt(dy**2 + dx**2)
    inside_box = (np.abs(dy) <= r) & (np.abs(dx) <= r)
    band = thickness * r  # half-width of lines, relative to the shape's size
    name = SHAPE_CLASSES[label]
    if name == "disc":
        return dist <= r
    if name == "ring":
        return np.abs(dist - 0.75 * r) <= band
    if name == "square":
        return (np.abs(dy) <= 0.8 * r) & (np.abs(dx) <= 0.8 * r)
    if name == "frame":
        edge = np.maximum(np.abs(dy), np.abs(dx))
        return np.abs(edge - 0.8 * r) <= band
    if name == "triangle":  # apex up: inside when below the two slanted edges
        return (dy <= 0.8 * r) & (dy >= -0.8 * r + 2 * np.abs(dx) * 0.8)
    if name == "plus":
        return inside_box & ((np.abs(dy) <= band) | (np.abs(dx) <= band))
    if name == "x-cross":
        return inside_box & (np.abs(np.abs(dy) - np.abs(dx)) <= 1.4 * band)
    if name == "h-stripes":
        return inside_box & ((yy % period) < period / 2)
    if name == "v-stripes":
        return inside_box & ((xx % period) < period / 2)
    if name == "checkers":
        return inside_box & (((yy // (period / 1.5)) + (xx // (period / 1.5))) % 2 == 0)
    raise ValueError(f"no shape for label {label}")
