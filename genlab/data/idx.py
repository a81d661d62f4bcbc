"""Reading IDX files, the format of MNIST and Fashion-MNIST.

An IDX file is a big-endian header followed by raw data::

    00 00 <dtype code> <ndim>   magic number
    <dim 0> ... <dim ndim-1>    one unsigned 32-bit integer per dimension
    <data>                      prod(dims) items

Only unsigned bytes (dtype code ``0x08``) are read; that is what every image and label file of
the MNIST family uses. Files may be gzip-compressed, which is detected from the content, not the
file name. Anything wrong with a file raises :class:`~genlab.errors.DataError` naming the file.
"""

from __future__ import annotations

import gzip
import io
import math
import os
import struct
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np

from genlab.errors import DataError

UBYTE = 0x08
MAX_NDIM = 4
GZIP_MAGIC = b"\x1f\x8b"
DEFAULT_FIX = "delete it and download it again, or point --data-dir at a good copy"

_CHUNK = 1 << 20


def read_idx(path: str | os.PathLike[str], *, fix: str = DEFAULT_FIX) -> np.ndarray:
    """Reads an IDX file of unsigned bytes, gzip-compressed or raw.

    Args:
        path: the file to read.
        fix: what the user should do if the file is broken; ends every error message.

    Returns:
        A ``uint8`` array shaped as the header's dimensions.

    Raises:
        DataError: the file is missing, unreadable, corrupt, truncated, has trailing bytes or is
            not an unsigned-byte IDX file.
    """
    path = Path(path)
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed below, after wrapping it
    except FileNotFoundError:
        raise DataError(f"{path} not found. Fix: check the path, or {fix}") from None
    except OSError as exc:
        raise DataError(f"{path} cannot be opened ({_one_line(exc)}). Fix: {fix}") from None
    compressed = False
    with raw:
        try:
            compressed = raw.read(2) == GZIP_MAGIC
            raw.seek(0)
            if compressed:
                with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
                    return _parse(stream, path, fix)
            return _parse(raw, path, fix)
        except (OSError, EOFError, zlib.error) as exc:
            what = "a corrupt or truncated gzip file" if compressed else "unreadable"
            raise DataError(f"{path} is {what} ({_one_line(exc)}). Fix: {fix}") from None


def load_idx_split(
    images_path: str | os.PathLike[str],
    labels_path: str | os.PathLike[str],
    num_classes: int = 10,
    *,
    fix: str = DEFAULT_FIX,
) -> tuple[np.ndarray, np.ndarray]:
    """Reads a pair of image and label IDX files and checks that they belong together.

    Args:
        images_path: IDX file of ``N x H x W`` images.
        labels_path: IDX file of ``N`` labels.
        num_classes: labels must lie in ``0 .. num_classes - 1``.
        fix: what the user should do if a file is broken; ends every error message.

    Returns:
        ``(images, labels)``: ``uint8`` arrays shaped ``(N, H, W)`` and ``(N,)``.

    Raises:
        DataError: a file is broken, has the wrong number of dimensions, the counts differ, or a
            label is out of range.
    """
    images = read_idx(images_path, fix=fix)
    labels = read_idx(labels_path, fix=fix)
    if images.ndim != 3:
        raise DataError(
            f"{images_path} holds a {images.ndim}-D array ({_dims(images.shape)}), expected images "
            f"shaped N x height x width. Fix: check that it is an image file (idx3), or {fix}"
        )
    if labels.ndim != 1:
        raise DataError(
            f"{labels_path} holds a {labels.ndim}-D array ({_dims(labels.shape)}), expected one "
            f"label per image. Fix: check that it is a label file (idx1), or {fix}"
        )
    if len(images) != len(labels):
        raise DataError(
            f"{labels_path} has {len(labels)} labels but {images_path} has {len(images)} images. "
            f"Fix: use the label file of the same split, or {fix}"
        )
    if labels.size and int(labels.max()) >= num_classes:
        index = int(np.argmax(labels >= num_classes))
        raise DataError(
            f"{labels_path} has label {int(labels[index])} at index {index}, but labels must be "
            f"0 to {num_classes - 1} for {num_classes} classes. Fix: {fix}"
        )
    return images, labels


def _parse(stream: BinaryIO, path: Path, fix: str) -> np.ndarray:
    magic = _read_up_to(stream, 4)
    if len(magic) < 4:
        raise DataError(
            f"{path} is too short to be an IDX file: {len(magic)} bytes, the header alone needs "
            f"at least 4. Fix: {fix}"
        )
    if magic[:2] != b"\x00\x00":
        raise DataError(
            f"{path} is not an IDX file: it starts with {magic.hex(' ')}, expected 00 00. "
            f"Fix: {fix}"
        )
    if magic[2] != UBYTE:
        raise DataError(
            f"{path} has IDX data type code 0x{magic[2]:02x}; only unsigned bytes (0x08) are "
            f"supported. Fix: {fix}"
        )
    ndim = magic[3]
    if not 1 <= ndim <= MAX_NDIM:
        raise DataError(
            f"{path} declares {ndim} dimensions in its IDX header, expected 1 to {MAX_NDIM}. "
            f"Fix: {fix}"
        )
    header = _read_up_to(stream, 4 * ndim)
    if len(header) < 4 * ndim:
        raise DataError(
            f"{path} is truncated: its IDX header declares {ndim} dimensions but ends after "
            f"{4 + len(header)} of {4 + 4 * ndim} bytes. Fix: {fix}"
        )
    dims = struct.unpack(f">{ndim}I", header)
    expected = math.prod(dims)
    data = _read_up_to(stream, expected)
    if len(data) < expected:
        raise DataError(
            f"{path} is truncated: expected {expected} bytes of data ({_dims(dims)}) after the "
            f"{4 + 4 * ndim}-byte header, found {len(data)}. Fix: {fix}"
        )
    extra = _count_rest(stream)
    if extra:
        raise DataError(
            f"{path} has {extra} unexpected bytes after the {expected} bytes of data "
            f"({_dims(dims)}) its header declares. Fix: {fix}"
        )
    return np.frombuffer(data, dtype=np.uint8).reshape(dims)


def _read_up_to(stream: BinaryIO, size: int) -> bytes:
    """Reads ``size`` bytes or until the end, in chunks, so a lying header costs no memory."""
    buffer = io.BytesIO()
    remaining = size
    while remaining > 0:
        chunk = stream.read(min(remaining, _CHUNK))
        if not chunk:
            break
        buffer.write(chunk)
        remaining -= len(chunk)
    return buffer.getvalue()


def _count_rest(stream: BinaryIO) -> int:
    count = 0
    while chunk := stream.read(_CHUNK):
        count += len(chunk)
    return count


def _dims(shape: tuple[int, ...]) -> str:
    return "dims " + "x".join(str(d) for d in shape)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
