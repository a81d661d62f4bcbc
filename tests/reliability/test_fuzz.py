"""Property-based fuzzing of the readers users point at arbitrary files."""

from __future__ import annotations

import gzip
import io

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genlab.data.folder import load_image_folder
from genlab.data.idx import read_idx
from genlab.errors import DataError

FAST = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _valid_idx(n=3) -> bytes:
    header = bytes([0, 0, 8, 3]) + b"".join(d.to_bytes(4, "big") for d in (n, 4, 4))
    return header + bytes(range(n * 16))


@FAST
@given(data=st.binary(max_size=600), compress=st.booleans())
def test_idx_reader_never_crashes(tmp_path, data, compress):
    path = tmp_path / "x.idx"
    path.write_bytes(gzip.compress(data) if compress else data)
    try:
        array = read_idx(path)
    except DataError as exc:
        assert str(path) in str(exc) and "\n" not in str(exc)
    else:
        assert array.dtype == np.uint8


@FAST
@given(
    flips=st.lists(st.tuples(st.integers(0, 63), st.integers(0, 255)), max_size=6),
    cut=st.integers(0, 64),
)
def test_mutated_idx_files_are_read_or_rejected_cleanly(tmp_path, flips, cut):
    data = bytearray(_valid_idx())
    for pos, value in flips:
        data[pos % len(data)] = value
    path = tmp_path / "m.idx"
    path.write_bytes(bytes(data[: len(data) - cut]))
    try:
        array = read_idx(path)
    except DataError as exc:
        assert "\n" not in str(exc)
    else:
        assert array.dtype == np.uint8 and array.size == int(np.prod(array.shape))


def _png(size=(5, 7), mode="L") -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new(mode, size, 128).save(buffer, format="PNG")
    return buffer.getvalue()


@FAST
@given(
    junk=st.lists(st.binary(max_size=300), min_size=1, max_size=4),
    keep=st.booleans(),
    cut=st.integers(1, 60),
)
def test_image_folder_skips_junk_and_never_crashes(tmp_path_factory, junk, keep, cut):
    folder = tmp_path_factory.mktemp("imgs")
    for i, blob in enumerate(junk):
        (folder / f"junk{i}.png").write_bytes(blob)
    (folder / "truncated.jpg").write_bytes(_png()[:-cut])
    if keep:
        (folder / "good.png").write_bytes(_png())
    try:
        splits, skipped = load_image_folder(folder, (28, 28, 1))
    except DataError as exc:
        assert "no readable" in str(exc)
        assert not keep
    else:
        total = len(splits.train_images) + len(splits.test_images)
        assert total >= 1 and total + len(skipped) == len(junk) + 1 + keep
        assert splits.train_images.shape[1:] == (28, 28, 1)
