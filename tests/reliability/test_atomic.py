"""Atomic writes: a file appears whole or not at all, with the mode a plain open() gives."""

from __future__ import annotations

import os
import stat

import pytest

from genlab.run_dir import atomic_output, atomic_write_bytes


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_written_files_are_readable_by_others_like_plain_files(tmp_path, umask_022):
    atomic_write_bytes(tmp_path / "a.json", b"{}")
    with atomic_output(tmp_path / "b.png") as tmp:
        tmp.write_bytes(b"png")
    (tmp_path / "plain").write_bytes(b"x")
    plain = stat.S_IMODE((tmp_path / "plain").stat().st_mode)
    assert plain == 0o644
    for name in ("a.json", "b.png"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == plain, name


def test_a_failed_write_leaves_neither_file_nor_temporary(tmp_path):
    with pytest.raises(RuntimeError), atomic_output(tmp_path / "c.png") as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("disk full")
    assert list(tmp_path.iterdir()) == []
