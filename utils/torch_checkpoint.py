"""A PyTorch checkpoint (a state_dict saved by torch.save) read into numpy arrays, without PyTorch.

Pretrained weights often come as `.pth` files, but PyTorch is a 750 MB install
that only some of the course's environments have. A state_dict file needs no
PyTorch code to read: it is pickles naming a few PyTorch classes, followed by
the tensors' raw bytes. The unpickler here allows only those names (an
arbitrary pickle can run any code), turns storages into numpy arrays and
checks every tensor stays inside its storage.

torch.save's legacy format (before PyTorch 1.6, still what many published
checkpoints use): five pickles (magic number, format version, machine facts,
the state_dict, its storages' keys), then each storage's raw bytes, preceded
by its element count.
"""

import collections
import pickle
import struct
from pathlib import Path
from typing import NamedTuple

import numpy as np

LEGACY_MAGIC, LEGACY_VERSION = 0x1950A86A20F9469CFC6C, 1001
STORAGE_DTYPES = {
    "FloatStorage": "<f4",
    "DoubleStorage": "<f8",
    "HalfStorage": "<f2",
    "LongStorage": "<i8",
    "IntStorage": "<i4",
}


class UnreadableCheckpoint(ValueError):
    """The file is not a state_dict this reader can read: truncated, corrupt or another format."""


class _TensorRecipe(NamedTuple):
    storage: str
    offset: int
    shape: tuple
    strides: tuple


def _rebuild_tensor(storage, offset, shape, strides, *_ignored):
    return _TensorRecipe(storage, offset, tuple(shape), tuple(strides))


class _StateDictUnpickler(pickle.Unpickler):
    """Unpickles a state_dict and nothing else: only the few globals a state_dict names.

    Storages are noted (dtype, element count) to be read after the pickles;
    tensors become recipes that point into them.
    """

    def __init__(self, file):
        super().__init__(file)
        self.storages = {}

    def find_class(self, module, name):
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if module == "torch" and name in STORAGE_DTYPES:
            return np.dtype(STORAGE_DTYPES[name])
        raise pickle.UnpicklingError(f"it names {module}.{name}, which a plain state_dict never does")

    def persistent_load(self, saved_id):
        kind, dtype, key, _location, count, view = saved_id
        if kind != "storage" or view is not None or not isinstance(dtype, np.dtype):
            raise pickle.UnpicklingError(f"unsupported storage {saved_id!r}")
        self.storages[key] = (dtype, count)
        return key


def read_state_dict(path):
    """The state_dict in a `.pth` file (torch.save's legacy format) as {name: numpy array}.

    Raises UnreadableCheckpoint, naming the file and what is wrong with it.
    """
    path = Path(path)
    try:
        with open(path, "rb") as file:
            recipes, storages = _read_legacy(file)
            return {name: _tensor(recipe, storages) for name, recipe in recipes.items()}
    except (
        pickle.UnpicklingError,
        EOFError,
        ValueError,
        TypeError,
        KeyError,
        AttributeError,
        struct.error,
    ) as error:
        raise UnreadableCheckpoint(
            f"{path} is not a readable PyTorch checkpoint ({error}): truncated or corrupt?"
        ) from error


def _read_legacy(file):
    unpickler = _StateDictUnpickler(file)
    magic = unpickler.load()
    if magic != LEGACY_MAGIC:
        raise ValueError("it does not start like a torch.save file in the legacy format")
    version, machine = unpickler.load(), unpickler.load()
    if version != LEGACY_VERSION or not machine.get("little_endian"):
        raise ValueError(f"format version {version} on {machine} is not the one this reader knows")
    recipes = unpickler.load()
    if not (isinstance(recipes, dict) and all(isinstance(r, _TensorRecipe) for r in recipes.values())):
        raise ValueError("it holds something other than a state_dict of tensors")
    storages = {}
    for key in unpickler.load():
        dtype, count = unpickler.storages[key]
        (stored,) = struct.unpack("<q", file.read(8))
        data = file.read(count * dtype.itemsize)
        if stored != count or len(data) != count * dtype.itemsize:
            raise ValueError(f"storage {key} ends early: {len(data)} of {count * dtype.itemsize} bytes")
        storages[key] = np.frombuffer(data, dtype)
    return recipes, storages


def _tensor(recipe, storages):
    """The tensor a recipe describes, as a contiguous array (bounds checked before striding)."""
    storage = storages[recipe.storage]
    last = recipe.offset + sum((n - 1) * s for n, s in zip(recipe.shape, recipe.strides) if n)
    if (
        recipe.offset < 0
        or min(recipe.strides, default=0) < 0
        or (all(recipe.shape) and last >= storage.size)
    ):
        raise ValueError(f"a tensor of shape {recipe.shape} reaches past its storage of {storage.size}")
    view = np.lib.stride_tricks.as_strided(
        storage[recipe.offset :],
        shape=recipe.shape,
        strides=[s * storage.itemsize for s in recipe.strides],
        writeable=False,
    )
    return np.array(view)  # a copy: contiguous and writable
