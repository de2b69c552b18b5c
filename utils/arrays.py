"""Save and load NumPy arrays as compressed bcolz folders.

Why bcolz: precomputed features and resized images are big; Blosc compresses
photo-like arrays to about a quarter of `np.save`'s bytes while writing far
faster than `np.savez_compressed`, and a carray can grow batch by batch, so a
dataset never has to sit in memory whole.

Writes go to a temporary folder beside the target and are renamed into place
at the end, so an interrupted save never leaves a half-written array behind.
"""

import glob
import shutil
import uuid
from pathlib import Path

import bcolz
import numpy as np

# lz4 level 5 with bit shuffle in 4 MiB chunks: of the settings tried on photo
# crops (lz4/blosclz/zstd/lz4hc, byte/bit shuffle, 1-16 MiB chunks) the fastest to
# load, and smaller than byte shuffle (0.26 vs 0.28 of np.save's bytes).
COMPRESSION = bcolz.cparams(clevel=5, cname="lz4", shuffle=bcolz.BITSHUFFLE)
CHUNK_BYTES = 4 << 20
# Attributes we store beside the data to restore what bcolz can't hold.
_SHAPE_ATTR, _COMPLEX_ATTR = "course_shape", "course_complex_dtype"


def save_array(path, arr, overwrite=False):
    """Write `arr` to the folder `path` (a bcolz carray). Returns the path."""
    arr = np.asarray(arr)
    with ArrayWriter(path, overwrite=overwrite) as writer:
        writer.append(arr if arr.ndim else arr.reshape(1))
        if arr.ndim == 0:
            writer.original_shape = ()
    return Path(path)


def load_array(path):
    """Read an array written by `save_array` or `ArrayWriter` into memory."""
    carray = _open(path)
    try:
        data = carray[:]
    except (OSError, RuntimeError, ValueError) as error:  # a chunk missing or cut short
        raise _damaged(path, error) from None
    complex_dtype = carray.attrs.attrs.get(_COMPLEX_ATTR)
    if complex_dtype:
        data = data.view(complex_dtype)[..., 0]
    if carray.attrs.attrs.get(_SHAPE_ATTR) == []:
        data = data.reshape(())
    return data


def is_array_dir(path):
    """True if `path` is a folder holding a complete bcolz array."""
    path = Path(path)
    return (path / "meta" / "sizes").is_file() and (path / "data").is_dir()


class ArrayWriter:
    """Append batches along axis 0 to an on-disk array, e.g.

        with ArrayWriter("data/features.bc") as out:
            for batch in batches:
                out.append(model.predict(batch))

    The array appears at `path` only when the block ends without an error.
    """

    def __init__(self, path, overwrite=False):
        self.path = Path(path)
        self.overwrite = overwrite
        self.original_shape = None
        self._carray = None
        _check_target(self.path, overwrite)
        self._tmp = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex[:8]}.tmp")

    def __enter__(self):
        return self

    def append(self, batch):
        batch = np.asarray(batch)
        if batch.ndim == 0:
            raise ValueError(
                "append() takes a batch with a leading axis; use save_array() for a single scalar"
            )
        complex_dtype = batch.dtype if np.iscomplexobj(batch) else None
        if complex_dtype is not None:
            # bcolz can't store complex numbers: keep (real, imag) pairs instead.
            batch = batch[..., None].view(batch.real.dtype)
        if self._carray is None:
            self._carray = bcolz.carray(
                batch, rootdir=str(self._tmp), mode="w", cparams=COMPRESSION, chunklen=_chunk_rows(batch)
            )
            if complex_dtype is not None:
                self._carray.attrs[_COMPLEX_ATTR] = complex_dtype.str
        else:
            self._check_fits(batch)
            self._carray.append(batch)
        return self

    def _check_fits(self, batch):
        if batch.shape[1:] != self._carray.shape[1:] or batch.dtype != self._carray.dtype:
            raise ValueError(
                f"{self.path}: batch of shape {batch.shape} and dtype {batch.dtype} "
                f"does not fit rows of shape {self._carray.shape[1:]} and dtype "
                f"{self._carray.dtype}"
            )

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            if self._tmp.exists():  # our own temporary folder, never user data
                shutil.rmtree(self._tmp)
            return False
        if self._carray is None:
            raise ValueError(
                f"{self.path}: nothing was appended, so there is no "
                "array to save (use save_array for an empty array)"
            )
        if self.original_shape is not None:
            self._carray.attrs[_SHAPE_ATTR] = list(self.original_shape)
        self._carray.flush()
        if self.path.exists():  # overwrite was checked in __init__
            shutil.rmtree(self.path)
        self._tmp.rename(self.path)
        return False


def _chunk_rows(batch):
    """Rows per compressed chunk: about CHUNK_BYTES, so Blosc's threads have work."""
    row_bytes = max(1, batch.itemsize * int(np.prod(batch.shape[1:])))
    return max(1, CHUNK_BYTES // row_bytes)


def _check_target(path, overwrite):
    if not path.exists():
        if not path.parent.exists():
            raise FileNotFoundError(f"{path}: the folder {path.parent} does not exist; create it first")
        return
    if not is_array_dir(path):
        raise FileExistsError(
            f"{path} exists and is not a saved array; refusing to replace it. Choose another path."
        )
    if not overwrite:
        raise FileExistsError(f"{path} already holds an array; pass overwrite=True to replace it")


def _open(path):
    path = Path(path)
    if not path.exists():
        pattern = f".{glob.escape(path.name)}.*.tmp"  # ArrayWriter's temporary folder
        leftovers = sorted(path.parent.glob(pattern)) if path.parent.is_dir() else []
        hint = (
            (
                f" {leftovers[0].name} beside it is left from a save that was killed before "
                "it finished: delete it and save again."
            )
            if leftovers
            else ""
        )
        raise FileNotFoundError(
            f"{path}: no saved array here. Check the path, or create it with save_array(path, arr).{hint}"
        )
    if not is_array_dir(path):
        raise ValueError(
            f"{path} is not a saved array (no bcolz 'meta' and 'data' "
            "inside). Was it written by save_array, and did the save finish?"
        )
    try:
        return bcolz.open(str(path), mode="r")
    except (OSError, RuntimeError, ValueError) as error:  # JSONDecodeError is a ValueError
        raise _damaged(path, error) from None


def _damaged(path, error):
    return ValueError(
        f"{path} is damaged or only partly copied ({type(error).__name__}: "
        f"{error}). Delete it and save the array again."
    )
