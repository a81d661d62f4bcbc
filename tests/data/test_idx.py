import gzip
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genlab.data.idx import load_idx_split, read_idx
from genlab.errors import DataError

FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
fuzz_settings = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.mark.skipif(not FASHION_DIR.is_dir(), reason="dataset-fashion-mnist is not installed")
def test_real_fashion_mnist_test_split():
    images, labels = load_idx_split(
        FASHION_DIR / "t10k-images-idx3-ubyte.gz", FASHION_DIR / "t10k-labels-idx1-ubyte.gz"
    )
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,) and labels.dtype == np.uint8
    assert labels.min() == 0 and labels.max() == 9
    assert np.bincount(labels).tolist() == [1000] * 10
    assert images.max() == 255


@pytest.mark.parametrize("ndim_shape", [(7,), (3, 5), (2, 3, 4), (2, 1, 3, 2), (0, 28, 28)])
def test_raw_and_gzip_round_trip(tmp_path, write_idx, ndim_shape):
    array = np.arange(np.prod(ndim_shape), dtype=np.uint8).reshape(ndim_shape)
    raw = read_idx(write_idx(tmp_path / "a.idx", array))
    # Compression is detected from the content, not the name.
    compressed = read_idx(write_idx(tmp_path / "b.idx", array, gz=True))
    for result in (raw, compressed):
        assert result.dtype == np.uint8
        np.testing.assert_array_equal(result, array)


def _expect_error(path, *fragments):
    with pytest.raises(DataError) as info:
        read_idx(path)
    message = str(info.value)
    assert str(path) in message and "\n" not in message and "Fix:" in message
    for fragment in fragments:
        assert fragment in message
    return message


@pytest.mark.parametrize("gz", [False, True])
def test_truncated_data(tmp_path, encode_idx, gz):
    data = encode_idx(np.zeros((10, 28, 28), np.uint8))[:1000]
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(gzip.compress(data) if gz else data)
    _expect_error(path, "truncated", "expected 7840 bytes", "found 984")


def test_truncated_header(tmp_path):
    path = tmp_path / "x-idx3-ubyte"
    path.write_bytes(b"\x00\x00\x08\x03\x00\x00\x00\x0a")
    _expect_error(path, "truncated", "3 dimensions")


@pytest.mark.parametrize("content", [b"", b"\x00\x00"])
def test_too_short(tmp_path, content):
    path = tmp_path / "short"
    path.write_bytes(content)
    _expect_error(path, "too short")


def test_wrong_magic(tmp_path, encode_idx):
    path = tmp_path / "img.png"
    path.write_bytes(b"\x89PNG" + encode_idx(np.zeros(4, np.uint8))[4:])
    _expect_error(path, "not an IDX file", "89 50")


def test_wrong_dtype_code(tmp_path, encode_idx):
    path = tmp_path / "floats-idx1"
    path.write_bytes(encode_idx(np.zeros(4, np.uint8), dtype_code=0x0D))
    _expect_error(path, "0x0d", "0x08")


@pytest.mark.parametrize("ndim", [0, 5, 200])
def test_wrong_ndim(tmp_path, ndim):
    path = tmp_path / "dims"
    path.write_bytes(bytes([0, 0, 8, ndim]) + b"\x00" * 64)
    _expect_error(path, f"{ndim} dimensions")


@pytest.mark.parametrize("gz", [False, True])
def test_trailing_bytes(tmp_path, encode_idx, gz):
    data = encode_idx(np.zeros((2, 3), np.uint8)) + b"junk"
    path = tmp_path / "trailing"
    path.write_bytes(gzip.compress(data) if gz else data)
    _expect_error(path, "4 unexpected bytes")


def test_huge_declared_size_is_truncated_not_memory_error(tmp_path):
    path = tmp_path / "huge"
    path.write_bytes(bytes([0, 0, 8, 4]) + b"\xff" * 16 + b"abc")
    _expect_error(path, "truncated", "found 3")


def test_corrupt_gzip(tmp_path, encode_idx):
    packed = bytearray(gzip.compress(encode_idx(np.arange(200, dtype=np.uint8))))
    packed[20:30] = b"\xff" * 10
    path = tmp_path / "corrupt.gz"
    path.write_bytes(bytes(packed))
    _expect_error(path, "corrupt or truncated gzip")


def test_truncated_gzip(tmp_path, encode_idx):
    packed = gzip.compress(encode_idx(np.arange(200, dtype=np.uint8)))
    path = tmp_path / "cut.gz"
    path.write_bytes(packed[: len(packed) // 2])
    _expect_error(path, "gzip")


def test_missing_file_and_directory(tmp_path):
    _expect_error(tmp_path / "nope-idx1-ubyte.gz", "not found")
    _expect_error(tmp_path, "cannot be opened")


def test_custom_fix_ends_the_message(tmp_path):
    path = tmp_path / "empty"
    path.write_bytes(b"")
    with pytest.raises(DataError, match=r"Fix: reinstall it$"):
        read_idx(path, fix="reinstall it")


def test_split_count_mismatch(tmp_path, write_idx):
    images = write_idx(tmp_path / "imgs", np.zeros((5, 2, 2), np.uint8))
    labels = write_idx(tmp_path / "lbls", np.zeros(4, np.uint8))
    with pytest.raises(DataError, match="4 labels") as info:
        load_idx_split(images, labels)
    assert str(images) in str(info.value) and str(labels) in str(info.value)


def test_split_label_out_of_range(tmp_path, write_idx):
    images = write_idx(tmp_path / "imgs", np.zeros((3, 2, 2), np.uint8))
    labels = write_idx(tmp_path / "lbls", np.array([1, 10, 2], np.uint8))
    with pytest.raises(DataError, match=r"label 10 at index 1.*0 to 9") as info:
        load_idx_split(images, labels)
    assert str(labels) in str(info.value)
    assert load_idx_split(images, labels, num_classes=11)[1].tolist() == [1, 10, 2]


def test_split_wrong_ndim(tmp_path, write_idx):
    flat = write_idx(tmp_path / "flat", np.zeros((3, 4), np.uint8))
    labels = write_idx(tmp_path / "lbls", np.zeros(3, np.uint8))
    with pytest.raises(DataError, match="2-D") as info:
        load_idx_split(flat, labels)
    assert str(flat) in str(info.value)
    with pytest.raises(DataError, match="label file") as info:
        load_idx_split(write_idx(tmp_path / "imgs", np.zeros((3, 2, 2), np.uint8)), flat)
    assert str(flat) in str(info.value)


def _read_or_data_error(path, content):
    path.write_bytes(content)
    try:
        result = read_idx(path)
    except DataError as exc:
        assert str(path) in str(exc) and "\n" not in str(exc)
    else:
        assert result.dtype == np.uint8


@fuzz_settings
@given(st.binary(max_size=2000))
def test_fuzz_random_bytes(tmp_path, content):
    _read_or_data_error(tmp_path / "fuzz", content)


@fuzz_settings
@given(st.binary(max_size=2000))
def test_fuzz_random_gzip_payload(tmp_path, content):
    _read_or_data_error(tmp_path / "fuzz.gz", gzip.compress(content))


@fuzz_settings
@given(
    gz=st.booleans(),
    edits=st.lists(st.tuples(st.integers(0, 200), st.integers(0, 255)), max_size=8),
    cut=st.integers(0, 250),
    tail=st.binary(max_size=8),
)
def test_fuzz_mutated_valid_file(tmp_path, encode_idx, gz, edits, cut, tail):
    data = encode_idx(np.arange(60, dtype=np.uint8).reshape(3, 4, 5))
    content = bytearray(gzip.compress(data) if gz else data)
    for position, value in edits:
        if position < len(content):
            content[position] = value
    _read_or_data_error(tmp_path / "mutated", bytes(content[:cut]) + tail)
