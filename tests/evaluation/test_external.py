"""Samples from elsewhere: arrays and image folders read, ranges detected, bad input refused."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PIL import Image

from genlab.errors import UsageError
from genlab.evaluation.external import evaluate_samples, fit_shape, is_samples_path, load_samples


@pytest.fixture(scope="module")
def real_uint8(fashion) -> np.ndarray:
    """300 real training images, (N, 28, 28, 1) uint8."""
    return fashion.train_images[50_000:50_300]


def save_pngs(folder, images_uint8, nested=False):
    """One PNG per image; ``nested`` spreads them over two subfolders, with mixed suffix case."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, image in enumerate(images_uint8):
        sub = folder / ("a" if i % 2 else "b") if nested else folder
        sub.mkdir(exist_ok=True)
        Image.fromarray(image[..., 0], "L").save(sub / f"{i:05d}.{'PNG' if i % 3 else 'png'}")
    return folder


def test_uint8_array_without_channel_axis_is_read_as_is(tmp_path, real_uint8):
    np.save(tmp_path / "s.npy", real_uint8[..., 0])
    samples = load_samples(tmp_path / "s.npy")
    assert samples.images.dtype == np.uint8 and samples.images.shape == (300, 28, 28, 1)
    assert np.array_equal(samples.images, real_uint8)
    assert samples.value_range == "uint8 in [0, 255]"
    assert "300 images of 28x28x1" in samples.describe()


@pytest.mark.parametrize(
    ("scale", "expected"),
    [
        (lambda x: x / 255.0, "float in [0, 1]"),
        (lambda x: x / 127.5 - 1.0, "float in [-1, 1], mapped to [0, 1]"),
    ],
)
def test_float_ranges_are_detected_and_mapped_to_unit_range(tmp_path, real_uint8, scale, expected):
    np.save(tmp_path / "s.npy", scale(real_uint8.astype(np.float64)))
    samples = load_samples(tmp_path / "s.npy")
    assert samples.value_range == expected
    assert samples.images.dtype == np.float32
    np.testing.assert_allclose(samples.images, real_uint8 / 255.0, atol=1e-6)


def test_integer_arrays_in_0_255_count_as_pixels(tmp_path, real_uint8):
    np.save(tmp_path / "s.npy", real_uint8.astype(np.int64))
    samples = load_samples(tmp_path / "s.npy")
    assert np.array_equal(samples.images, real_uint8) and "int64" in samples.value_range


def test_npz_with_one_array_or_a_samples_key(tmp_path, real_uint8):
    np.savez(tmp_path / "one.npz", real_uint8)
    np.savez(tmp_path / "named.npz", labels=np.arange(300), samples=real_uint8)
    np.savez(tmp_path / "ambiguous.npz", a=real_uint8, b=real_uint8)
    assert np.array_equal(load_samples(tmp_path / "one.npz").images, real_uint8)
    assert np.array_equal(load_samples(tmp_path / "named.npz").images, real_uint8)
    with pytest.raises(UsageError, match="several arrays \\(a, b\\)"):
        load_samples(tmp_path / "ambiguous.npz")


def test_png_folder_reads_exactly_the_array(tmp_path, real_uint8):
    folder = save_pngs(tmp_path / "pngs", real_uint8, nested=True)
    samples = load_samples(folder)  # found recursively, in the order of their paths
    order = sorted(range(300), key=lambda i: f"{'a' if i % 2 else 'b'}/{i:05d}")
    assert samples.images.shape == (300, 28, 28, 1)
    assert np.array_equal(samples.images, real_uint8[order])


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (np.zeros((4, 28, 28, 2), np.uint8), "shape \\(4, 28, 28, 2\\).*C = 1 or 3"),
        (np.zeros((28, 28), np.uint8), "shape \\(28, 28\\)"),
        (np.zeros((0, 28, 28), np.uint8), "N >= 1"),
        (np.full((4, 28, 28), 3.5), "values from 3.5 to 3.5; expected uint8"),
        (np.full((4, 28, 28), np.nan), "NaN or infinite"),
        (np.zeros((4, 28, 28), bool), "bool values"),
    ],
)
def test_bad_arrays_are_refused_with_the_fix(tmp_path, array, message):
    np.save(tmp_path / "bad.npy", array)
    with pytest.raises(UsageError, match=message) as info:
        load_samples(tmp_path / "bad.npy")
    assert info.value.exit_code == 2 and "\n" not in str(info.value)


def test_missing_empty_and_unreadable_inputs(tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        load_samples(tmp_path / "nothing.npy")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="holds no PNG/JPEG images"):
        load_samples(tmp_path / "empty")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "x.png").write_bytes(b"not a png")
    with pytest.raises(UsageError, match="cannot read .*x.png as an image"):
        load_samples(tmp_path / "broken")
    (tmp_path / "junk.npy").write_bytes(b"junk")
    with pytest.raises(UsageError, match="cannot read .*junk.npy as a numpy array"):
        load_samples(tmp_path / "junk.npy")
    (tmp_path / "mixed").mkdir()
    Image.new("L", (28, 28)).save(tmp_path / "mixed" / "a.png")
    Image.new("L", (32, 32)).save(tmp_path / "mixed" / "b.png")
    with pytest.raises(UsageError, match="differ in size"):
        load_samples(tmp_path / "mixed")


def test_shape_must_match_the_dataset(tmp_path, real_uint8):
    np.save(tmp_path / "s.npy", np.zeros((3, 32, 32), np.uint8))
    with pytest.raises(UsageError, match="32x32 images, but the dataset's are 28x28"):
        fit_shape(load_samples(tmp_path / "s.npy"), (28, 28, 1))
    rgb = np.repeat(real_uint8, 3, axis=3)
    np.save(tmp_path / "rgb.npy", rgb)
    assert np.array_equal(fit_shape(load_samples(tmp_path / "rgb.npy"), (28, 28, 1)), real_uint8)
    rgb[0, 0, 0] = (1, 2, 3)  # really coloured
    np.save(tmp_path / "rgb.npy", rgb)
    with pytest.raises(UsageError, match="3 channels, but the dataset's have 1"):
        fit_shape(load_samples(tmp_path / "rgb.npy"), (28, 28, 1))


def test_samples_path_versus_run_directory(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "config.json").write_text("{}")
    (tmp_path / "pngs").mkdir()
    assert is_samples_path(tmp_path / "x.npy") and is_samples_path(tmp_path / "x.NPZ")
    assert is_samples_path(tmp_path / "pngs") and not is_samples_path(tmp_path / "run")


@pytest.fixture(scope="module")
def small_data(fashion):
    from genlab.data.loading import LoadedData

    splits = dataclasses.replace(
        fashion,
        train_images=fashion.train_images[:4000],
        train_labels=fashion.train_labels[:4000],
        test_images=fashion.test_images[:2000],
        test_labels=fashion.test_labels[:2000],
    )
    return LoadedData(name="fashion", splits=splits, image_shape=(28, 28, 1))


def _blur(images_uint8):
    """A 5x5 box blur: clearly worse images of the same things."""
    x = np.pad(images_uint8.astype(np.float32) / 255.0, ((0, 0), (2, 2), (2, 2), (0, 0)))
    return sum(x[:, i : i + 28, j : j + 28] for i in range(5) for j in range(5)) / 25.0


def test_array_and_png_folder_score_the_same_and_blur_scores_worse(
    tmp_path, real_uint8, small_data
):
    np.save(tmp_path / "real.npy", real_uint8)
    folder = save_pngs(tmp_path / "pngs", real_uint8)
    np.save(tmp_path / "blurred.npy", _blur(real_uint8))
    from_array = evaluate_samples(load_samples(tmp_path / "real.npy"), small_data, reference=False)
    from_folder = evaluate_samples(load_samples(folder), small_data, reference=False)
    blurred = evaluate_samples(load_samples(tmp_path / "blurred.npy"), small_data, n=200)

    metrics = ("fid", "kid", "precision", "recall", "density", "coverage", "classifier_score")
    assert from_array["n"] == 300 and from_array["evaluator"].startswith("fashion-cnn@")
    for key in (*metrics, "kl_to_real", "classes_covered"):
        assert from_folder[key] == pytest.approx(from_array[key], rel=1e-9, abs=1e-12), key
    assert from_array["memorization_ratio"] is not None and "reference" not in from_array

    assert blurred["n"] == 200 and blurred["value_range"] == "float in [0, 1]"
    floor = blurred["reference"]
    assert floor["n"] == 200
    assert blurred["fid"] > 5 * from_array["fid"] and blurred["fid"] > 5 * floor["fid"]
    assert blurred["kid"] > 0.1 > floor["kid"]
    assert blurred["recall"] < 0.1 * floor["recall"] and blurred["density"] < 0.5 * floor["density"]
