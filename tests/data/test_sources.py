import gzip
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from genlab.data.sources import FASHION, IDX_FILES, find_idx_files, load_mnist_like
from genlab.errors import DataError, UnknownNameError

FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")


def _find(tmp_path, **kwargs):
    options = {"system_dirs": (), "keras_subdir": "fashion-mnist"}
    options.update(kwargs)
    return find_idx_files("fashion", **options)


def _parents(found):
    parents = {path.parent for path in found.values()}
    assert len(parents) == 1 and set(found) == set(IDX_FILES)
    return parents.pop()


def test_search_order(tmp_path, monkeypatch, make_idx_dir):
    explicit = make_idx_dir(tmp_path / "explicit")
    env = make_idx_dir(tmp_path / "env")
    system = make_idx_dir(tmp_path / "system")
    cache = make_idx_dir(tmp_path / "keras-home" / "datasets" / "fashion-mnist")
    monkeypatch.setenv("GENLAB_DATA_DIR", str(env))
    everywhere = {"system_dirs": (tmp_path / "empty", system)}

    assert _parents(_find(tmp_path, data_dir=explicit, **everywhere)) == explicit
    assert _parents(_find(tmp_path, **everywhere)) == env
    monkeypatch.delenv("GENLAB_DATA_DIR")
    assert _parents(_find(tmp_path, **everywhere)) == system
    assert _parents(_find(tmp_path)) == cache
    # An explicit keras home beats $KERAS_HOME.
    other = make_idx_dir(tmp_path / "other-home" / "datasets" / "fashion-mnist")
    assert _parents(_find(tmp_path, keras_home_dir=tmp_path / "other-home")) == other


def test_env_dir_may_hold_a_folder_per_dataset(tmp_path, monkeypatch, make_idx_dir):
    nested = make_idx_dir(tmp_path / "datasets" / "fashion", gz=False)
    monkeypatch.setenv("GENLAB_DATA_DIR", str(tmp_path / "datasets"))
    found = _find(tmp_path)
    assert _parents(found) == nested
    assert all(path.suffix != ".gz" for path in found.values())


def test_incomplete_directories_are_skipped(tmp_path, make_idx_dir):
    partial = make_idx_dir(tmp_path / "partial")
    (partial / "t10k-labels-idx1-ubyte.gz").unlink()
    complete = make_idx_dir(tmp_path / "complete")
    assert _parents(_find(tmp_path, system_dirs=(partial, complete))) == complete


def test_explicit_data_dir_lacking_files_fails_at_once(tmp_path, make_idx_dir):
    data_dir = make_idx_dir(tmp_path / "mine")
    (data_dir / "train-labels-idx1-ubyte.gz").unlink()
    system = make_idx_dir(tmp_path / "system")
    with pytest.raises(DataError) as info:
        _find(tmp_path, data_dir=data_dir, system_dirs=(system,))
    message = str(info.value)
    assert str(data_dir) in message and "train-labels-idx1-ubyte[.gz]" in message
    assert "t10k-images" not in message.split("Fix:")[0]

    with pytest.raises(DataError, match="does not exist"):
        _find(tmp_path, data_dir=tmp_path / "missing")


def _copying_downloader(source: Path, calls: list):
    def download(fname, *, origin, cache_subdir, cache_dir):
        calls.append((fname, origin, cache_subdir, cache_dir))
        target = Path(cache_dir) / cache_subdir / fname
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source / fname, target)
        return str(target)

    return download


def test_download_into_keras_cache(tmp_path, make_idx_dir):
    mirror = make_idx_dir(tmp_path / "mirror")
    cache = tmp_path / "keras-home" / "datasets" / "fashion-mnist"
    cache.mkdir(parents=True)
    shutil.copy(mirror / "train-images-idx3-ubyte.gz", cache)
    calls = []
    found = _find(
        tmp_path, download_base="https://example.test/", download=_copying_downloader(mirror, calls)
    )
    assert _parents(found) == cache
    assert [c[0] for c in calls] == [
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ]
    assert calls[0][1:] == (
        "https://example.test/train-labels-idx1-ubyte.gz",
        "datasets/fashion-mnist",
        str(tmp_path / "keras-home"),
    )
    # Now cached: no second download.
    assert _parents(_find(tmp_path, download_base="https://example.test/", download=None)) == cache


def test_download_with_keras_get_file_from_file_url(tmp_path, make_idx_dir):
    mirror = make_idx_dir(tmp_path / "mirror")
    found = _find(tmp_path, download_base=mirror.as_uri() + "/")
    assert _parents(found) == tmp_path / "keras-home" / "datasets" / "fashion-mnist"
    data = load_mnist_like("fashion", system_dirs=())  # found in $KERAS_HOME now
    assert data.train_images.shape == (12, 4, 4, 1)


def test_failed_download_explains_where_and_how(tmp_path, monkeypatch):
    def offline(fname, **kwargs):
        raise Exception(
            f"URL fetch failure on {kwargs['origin']}: None -- [Errno -2]\nName unknown"
        )

    monkeypatch.setenv("GENLAB_DATA_DIR", str(tmp_path / "env"))
    with pytest.raises(DataError) as info:
        _find(
            tmp_path,
            system_dirs=(tmp_path / "sys",),
            download_base="https://example.test/",
            download=offline,
            install_hint=FASHION.install_hint,
        )
    message = str(info.value)
    assert "\n" not in message
    for fragment in (
        str(tmp_path / "env"),
        str(tmp_path / "sys"),
        str(tmp_path / "keras-home" / "datasets" / "fashion-mnist"),
        "https://example.test/train-images-idx3-ubyte.gz",
        "Name unknown",
        "apt-get install dataset-fashion-mnist",
        "--data-dir",
        "GENLAB_DATA_DIR",
    ):
        assert fragment in message


def test_no_download_base_means_not_found(tmp_path):
    with pytest.raises(DataError, match=r"not found in \$GENLAB_DATA_DIR \(not set\)"):
        _find(tmp_path)


def test_load_mnist_like_from_data_dir(tmp_path, make_idx_dir, tiny_arrays):
    data_dir = make_idx_dir(tmp_path / "idx", gz=False)
    data = load_mnist_like("fashion", data_dir)
    assert data.train_images.shape == (12, 4, 4, 1) and data.train_images.dtype == np.uint8
    assert data.test_images.shape == (5, 4, 4, 1)
    assert data.train_labels.dtype == np.int64
    np.testing.assert_array_equal(data.test_images[..., 0], tiny_arrays["test_images"])
    np.testing.assert_array_equal(data.train_labels, tiny_arrays["train_labels"])
    assert data.class_names == FASHION.class_names and data.class_names[9] == "Ankle boot"
    assert data.source == str(data_dir) and data.image_shape == (4, 4, 1)


def test_corrupt_file_message_names_debian_package(tmp_path, make_idx_dir):
    data_dir = make_idx_dir(tmp_path / "idx")
    path = data_dir / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-12])
    with pytest.raises(DataError) as info:
        load_mnist_like("fashion", data_dir)
    message = str(info.value)
    assert str(path) in message and "reinstall the Debian package dataset-fashion-mnist" in message


def test_mnist_npz_in_keras_cache(tmp_path, tiny_arrays):
    npz = tmp_path / "keras-home" / "datasets" / "mnist.npz"
    npz.parent.mkdir(parents=True)
    np.savez(
        npz,
        x_train=tiny_arrays["train_images"],
        y_train=tiny_arrays["train_labels"],
        x_test=tiny_arrays["test_images"],
        y_test=tiny_arrays["test_labels"],
    )
    data = load_mnist_like("mnist", system_dirs=())
    assert data.train_images.shape == (12, 4, 4, 1) and data.test_labels.dtype == np.int64
    assert data.source == str(npz) and data.class_names[3] == "3"

    npz.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DataError, match="mnist.npz"):
        load_mnist_like("mnist", system_dirs=())


def test_unknown_dataset():
    with pytest.raises(UnknownNameError, match="fashion, mnist"):
        load_mnist_like("cifar")


@pytest.mark.skipif(not FASHION_DIR.is_dir(), reason="dataset-fashion-mnist is not installed")
def test_real_fashion_from_system_dir():
    data = load_mnist_like("fashion")
    assert data.train_images.shape == (60000, 28, 28, 1)
    assert data.test_images.shape == (10000, 28, 28, 1)
    assert data.source == str(FASHION_DIR)
    assert np.bincount(data.test_labels).tolist() == [1000] * 10


def test_modules_do_not_import_tensorflow():
    code = (
        "import sys, genlab.data.idx, genlab.data.sources, genlab.data.folder; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_gzip_and_raw_copies_of_the_same_file(tmp_path, make_idx_dir):
    data_dir = make_idx_dir(tmp_path / "idx")
    for fname in IDX_FILES.values():
        (data_dir / fname).write_bytes(gzip.decompress((data_dir / f"{fname}.gz").read_bytes()))
    assert all(path.suffix == ".gz" for path in _find(tmp_path, data_dir=data_dir).values())
