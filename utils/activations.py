"""What a network's units respond to, on your own images (Zeiler & Fergus, 2013).

For each unit (channel) of a layer, find the images and the places where it
fires most strongly, and crop the patch of the image that unit sees (its
receptive field, utils.conv_arithmetic). Early layers' patches share a colour or
an edge; deeper layers' share textures and parts.
"""

import numpy as np

from utils.conv_arithmetic import receptive_field
from utils.plotting import plots
from utils.quiet_keras import import_keras

keras = import_keras()


def strongest_responses(model, layer_names, batches, limit=256):
    """(images, {layer: (peak, row, col)}): each unit's strongest response in each image.

    batches: yields (images, labels) of 0-255 RGB (a utils Batches); at most `limit` images are read.
    peak, row, col: arrays (images, units): the highest activation and where in the feature map it is.
    """
    outputs = [model.get_layer(name).output for name in layer_names]
    probe = keras.Model(model.input, outputs)
    kept, found = [], {name: [] for name in layer_names}
    for images, *_ in batches:
        images = images[: limit - sum(len(k) for k in kept)]
        maps = probe.predict(images, verbose=0)
        for name, fmap in zip(layer_names, maps if isinstance(maps, list) else [maps]):
            flat = fmap.reshape(len(fmap), -1, fmap.shape[-1])  # (images, positions, units)
            where = flat.argmax(axis=1)
            found[name].append((flat.max(axis=1), *np.divmod(where, fmap.shape[2])))
        kept.append(np.clip(images, 0, 255).astype("uint8"))
        if sum(len(k) for k in kept) >= limit:
            break
    return np.concatenate(kept), {n: tuple(np.concatenate(p) for p in zip(*f)) for n, f in found.items()}


def top_patches(model, layer_name, images, responses, units=3, per_unit=4):
    """[(unit, [patch, ...]), ...]: the `units` most excited units of `layer_name`, each with the
    `per_unit` patches (from different images) where it fires most, cropped to what it sees."""
    peak, rows, cols = responses
    size, jump, start = receptive_field(model, layer_name)
    chosen = np.argsort(-peak.max(axis=0))[:units]
    found = []
    for unit in chosen:
        patches = []
        for image in np.argsort(-peak[:, unit])[:per_unit]:
            centre_y, centre_x = start + rows[image, unit] * jump, start + cols[image, unit] * jump
            top, left = int(max(centre_y - size / 2 + 0.5, 0)), int(max(centre_x - size / 2 + 0.5, 0))
            patches.append(
                images[image, top : int(centre_y + size / 2 + 0.5), left : int(centre_x + size / 2 + 0.5)]
            )
        found.append((int(unit), patches))
    return found


def show_what_units_see(model, layer_names, batches, units=3, per_unit=4, limit=256, note=""):
    """Plot, for a few units of each layer, the patches of `batches`' images that excite them most."""
    images, responses = strongest_responses(model, layer_names, batches, limit)
    for name in layer_names:
        size = receptive_field(model, name)[0]
        found = top_patches(model, name, images, responses[name], units, per_unit)
        patches = [patch for _, unit_patches in found for patch in unit_patches]
        titles = [
            f"unit {unit}" if i == 0 else "" for unit, unit_patches in found for i in range(len(unit_patches))
        ]
        figure = plots(patches, titles=titles, rows=len(found), figsize=(1.6 * per_unit, 1.7 * len(found)))
        figure.suptitle(f"{name}: each unit sees {size}x{size} pixels{note}", fontsize=10, y=1.02)
    return images, responses
