import numpy as np
import pytest

from utils import ArrayWriter, load_array, save_array
from utils.arrays import is_array_dir

NUMERIC_DTYPES = [
    np.bool_,
    np.int8,
    np.int16,
    np.int32,
    np.int64,
    np.uint8,
    np.uint16,
    np.uint32,
    np.uint64,
    np.float16,
    np.float32,
    np.float64,
    np.complex64,
    np.complex128,
]


@pytest.mark.parametrize("dtype", NUMERIC_DTYPES)
def test_round_trip_is_exact_for_every_numeric_dtype(tmp_path, dtype):
    rng = np.random.default_rng(0)
    values = rng.normal(0, 50, (7, 3, 2))
    arr = (
        (values + 1j * values).astype(dtype)
        if np.issubdtype(dtype, np.complexfloating)
        else values.astype(dtype)
    )
    save_array(tmp_path / "a", arr)
    back = load_array(tmp_path / "a")
    assert back.dtype == arr.dtype and back.shape == arr.shape
    assert np.array_equal(back, arr)


@pytest.mark.parametrize("shape", [(0,), (0, 224, 224, 3), (5,), (4, 3, 2, 2, 1), ()])
def test_round_trip_keeps_any_shape(tmp_path, shape):
    arr = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    save_array(tmp_path / "a", arr)
    back = load_array(tmp_path / "a")
    assert back.shape == shape
    assert np.array_equal(back, arr)


def test_nan_and_inf_survive(tmp_path):
    arr = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0], dtype=np.float64)
    save_array(tmp_path / "a", arr)
    back = load_array(tmp_path / "a")
    assert np.array_equal(back, arr, equal_nan=True)
    assert np.signbit(back[4])


def test_writer_appends_batches_into_one_array(tmp_path):
    batches = [np.full((n, 4, 4, 3), i, dtype=np.uint8) for i, n in enumerate([5, 1, 7])]
    with ArrayWriter(tmp_path / "images") as writer:
        for batch in batches:
            writer.append(batch)
    assert np.array_equal(load_array(tmp_path / "images"), np.concatenate(batches))


def test_writer_refuses_a_batch_of_another_shape(tmp_path):
    with pytest.raises(ValueError, match="does not fit"):
        with ArrayWriter(tmp_path / "a") as writer:
            writer.append(np.zeros((2, 3), np.float32))
            writer.append(np.zeros((2, 4), np.float32))
    assert not (tmp_path / "a").exists()


def test_interrupted_write_leaves_no_array_and_no_litter(tmp_path):
    with pytest.raises(RuntimeError):
        with ArrayWriter(tmp_path / "a") as writer:
            writer.append(np.ones((3, 2)))
            raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(FileNotFoundError, match="no saved array"):
        load_array(tmp_path / "a")


def test_overwrite_must_be_explicit(tmp_path):
    save_array(tmp_path / "a", np.zeros(3))
    with pytest.raises(FileExistsError, match="overwrite=True"):
        save_array(tmp_path / "a", np.ones(3))
    assert np.array_equal(load_array(tmp_path / "a"), np.zeros(3))
    save_array(tmp_path / "a", np.ones(4), overwrite=True)
    assert np.array_equal(load_array(tmp_path / "a"), np.ones(4))


def test_never_replaces_a_folder_that_is_not_an_array(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "cat.1.jpg").write_bytes(b"precious")
    with pytest.raises(FileExistsError, match="not a saved array"):
        save_array(folder, np.zeros(3), overwrite=True)
    assert (folder / "cat.1.jpg").read_bytes() == b"precious"


def test_load_missing_path_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing"):
        load_array(tmp_path / "nothing")


def test_load_folder_that_is_not_an_array(tmp_path):
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "notes.txt").write_text("hi")
    with pytest.raises(ValueError, match="is not a saved array"):
        load_array(tmp_path / "plain")


def test_load_half_written_array(tmp_path):
    save_array(tmp_path / "a", np.arange(10))
    (tmp_path / "a" / "meta" / "sizes").unlink()  # as if the save was cut off
    assert not is_array_dir(tmp_path / "a")
    with pytest.raises(ValueError, match="did the save finish"):
        load_array(tmp_path / "a")


def test_save_into_missing_folder_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save_array(tmp_path / "no" / "such" / "a", np.zeros(2))
