import io

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from genlab.data.folder import load_image_folder
from genlab.errors import ConfigError, DataError


def _save(path, image, **kwargs):
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, **kwargs)
    return path


def _png_bytes(size=(9, 7), color=(200, 30, 90)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def mixed_folder(tmp_path):
    root = tmp_path / "images"
    _save(root / "a_white_l.png", Image.new("L", (28, 28), 255))
    _save(root / "b_rgb.png", Image.new("RGB", (40, 17), (255, 0, 0)))
    _save(root / "c_transparent_rgba.png", Image.new("RGBA", (5, 50), (255, 255, 255, 0)))
    palette = Image.new("P", (31, 31), 1)
    palette.putpalette([0, 0, 0, 255, 255, 255] + [0] * 762)
    _save(root / "d_palette.png", palette)
    _save(root / "e_16bit.png", Image.fromarray(np.full((20, 24), 65535, np.uint16)))
    _save(root / "nested" / "deep" / "f_photo.JPG", Image.new("RGB", (64, 48), (0, 0, 255)))
    _save(root / "g_gray.jpeg", Image.new("L", (28, 28), 128), quality=95)
    (root / "notes.txt").write_text("not an image")
    (root / "data.npy").write_bytes(b"\x93NUMPY")
    return root


def test_modes_and_sizes_to_grayscale(mixed_folder):
    splits, skipped = load_image_folder(mixed_folder, test_fraction=0.0)
    assert skipped == []
    assert splits.labeled is False and splits.class_names == ()
    images = np.concatenate([splits.train_images, splits.test_images])
    assert images.dtype == np.uint8 and images.shape == (7, 28, 28, 1)
    means = sorted(float(image.mean()) for image in images)
    # transparent -> black, blue and red in luma, gray JPEG, then white L, palette and 16-bit.
    np.testing.assert_allclose(means, [0, 29, 76, 128, 255, 255, 255], atol=2)


def test_modes_and_sizes_to_rgb(mixed_folder):
    splits, skipped = load_image_folder(mixed_folder, (32, 32, 3), test_fraction=0.3, seed=1)
    assert skipped == []
    assert splits.train_images.shape[1:] == (32, 32, 3)
    assert len(splits.train_images) + len(splits.test_images) == 7
    assert len(splits.test_images) == 2
    colors = {
        tuple(int(c) for c in np.round(image.reshape(-1, 3).mean(axis=0)))
        for image in np.concatenate([splits.train_images, splits.test_images])
    }
    assert {(255, 0, 0), (0, 0, 0), (255, 255, 255)} <= colors
    assert any(b > 240 and r < 15 for r, _, b in colors)  # the blue JPEG


def test_exact_pixel_values(tmp_path):
    _save(tmp_path / "one.png", Image.fromarray(np.full((28, 28), 257 * 100, np.uint16)))
    splits, _ = load_image_folder(tmp_path)
    assert splits.train_images.shape == (1, 28, 28, 1) and len(splits.test_images) == 0
    assert np.all(splits.train_images == 100)


def test_junk_and_truncated_files_are_skipped(tmp_path):
    _save(tmp_path / "good.png", Image.new("L", (10, 10), 50))
    (tmp_path / "junk.png").write_bytes(b"this is not a png")
    (tmp_path / "empty.jpg").write_bytes(b"")
    png = _png_bytes((64, 64))
    (tmp_path / "truncated.png").write_bytes(png[: len(png) // 2])
    splits, skipped = load_image_folder(tmp_path)
    assert len(splits.train_images) + len(splits.test_images) == 1
    assert [name.rsplit("/", 1)[-1] for name, _ in skipped] == [
        "empty.jpg",
        "junk.png",
        "truncated.png",
    ]
    for name, reason in skipped:
        assert name.startswith(str(tmp_path)) and reason and "\n" not in reason


def test_class_subfolders(tmp_path):
    for name, value in (("shoes", 10), ("bags", 200), ("hats", 90)):
        for i in range(4):
            _save(tmp_path / name / f"{i}.png", Image.new("L", (8, 8), value))
    splits, _ = load_image_folder(tmp_path, test_fraction=0.25)
    assert splits.class_names == ("bags", "hats", "shoes")
    assert len(splits.test_images) == 3 and len(splits.train_images) == 9
    for images, labels in (
        (splits.train_images, splits.train_labels),
        (splits.test_images, splits.test_labels),
    ):
        assert labels.dtype == np.int64
        expected = np.array([200, 90, 10])[labels]
        np.testing.assert_array_equal(images.reshape(len(images), -1)[:, 0], expected)


def test_images_beside_subfolders_mean_unlabeled(tmp_path):
    _save(tmp_path / "cls" / "a.png", Image.new("L", (8, 8)))
    _save(tmp_path / "b.png", Image.new("L", (8, 8)))
    splits, _ = load_image_folder(tmp_path)
    assert splits.train_labels is None and splits.test_labels is None and splits.class_names == ()


def test_split_is_deterministic(tmp_path):
    for i in range(20):
        _save(tmp_path / f"{i:02d}.png", Image.new("L", (4, 4), i * 10))
    first, _ = load_image_folder(tmp_path, seed=3)
    second, _ = load_image_folder(tmp_path, seed=3)
    other, _ = load_image_folder(tmp_path, seed=4)
    assert len(first.test_images) == 2
    np.testing.assert_array_equal(first.test_images, second.test_images)
    assert not np.array_equal(first.test_images, other.test_images)


def test_empty_folder(tmp_path):
    (tmp_path / "readme.md").write_text("nothing here")
    (tmp_path / "bad.png").write_bytes(b"\x89PNG")
    with pytest.raises(DataError, match=r"no readable PNG/JPEG images in .* \(1 files skipped\)"):
        load_image_folder(tmp_path)


def test_missing_or_not_a_directory(tmp_path):
    with pytest.raises(DataError, match="does not exist") as info:
        load_image_folder(tmp_path / "nope")
    assert str(tmp_path / "nope") in str(info.value)
    file = tmp_path / "file.png"
    file.write_bytes(_png_bytes())
    with pytest.raises(DataError, match="is not a directory"):
        load_image_folder(file)


@pytest.mark.parametrize(
    ("shape", "fraction"), [((28, 28, 2), 0.1), ((0, 28, 1), 0.1), ((28, 28), 0.1), ((8, 8, 1), 1)]
)
def test_invalid_options(tmp_path, shape, fraction):
    with pytest.raises(ConfigError):
        load_image_folder(tmp_path, shape, test_fraction=fraction)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    junk=st.binary(max_size=300),
    edits=st.lists(st.tuples(st.integers(0, 120), st.integers(0, 255)), max_size=6),
    cut=st.integers(0, 200),
)
def test_fuzzed_files_never_raise(tmp_path, junk, edits, cut):
    png = bytearray(_png_bytes())
    for position, value in edits:
        if position < len(png):
            png[position] = value
    (tmp_path / "junk.png").write_bytes(junk)
    (tmp_path / "mutated.png").write_bytes(bytes(png[:cut]))
    (tmp_path / "ok.png").write_bytes(_png_bytes())
    splits, skipped = load_image_folder(tmp_path, (6, 6, 3))
    assert 1 <= len(splits.train_images) + len(splits.test_images) <= 3
    assert len(skipped) + len(splits.train_images) + len(splits.test_images) == 3
