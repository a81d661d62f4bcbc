"""The domain evaluator: a small CNN whose 128-d penultimate layer is the metric feature space.

Inception features describe ImageNet photos, not 28x28 grayscale clothes, so the sample metrics
use a network trained on the dataset itself. For a labeled dataset it is a classifier (features
plus class probabilities); for an unlabeled image folder it is an autoencoder whose 128-d code is
the feature space (no class probabilities, so the classifier metrics are n/a).

Weights are stored as a plain ``.npz`` (loaded with ``allow_pickle=False``) next to a JSON record
with the architecture version, the file's sha256 and the test accuracy. The Fashion-MNIST evaluator
ships in ``genlab/evaluation/weights``; others are trained with ``genlab evaluator train`` and
cached under :func:`genlab.evaluation.features.cache_root`.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from genlab.errors import DataError, command_hint
from genlab.evaluation.cache import cache_root, content_hash

#: Bumped whenever the architecture or the training recipe changes; part of every evaluator id.
ARCH_VERSION = "1"
FEATURE_DIM = 128
CONV_FILTERS = (32, 64, 128)
#: Images per forward pass; results do not depend on it (tested), only speed and memory do.
BATCH_SIZE = 500
WEIGHTS_DIR = Path(__file__).parent / "weights"
#: Training recipe (see :func:`train_evaluator`).
TRAIN_BATCH_SIZE = 256
TRAIN_LR = 2e-3


@dataclass(frozen=True)
class EvaluatorInfo:
    """What an evaluator is; stored as JSON beside its weights.

    Attributes:
        name: ``<dataset>-cnn`` for classifiers, ``<dataset>-ae`` for autoencoders.
        dataset: the dataset it was trained on (registered name or folder path).
        kind: ``"classifier"`` or ``"autoencoder"``.
        image_shape: (height, width, channels) it accepts.
        class_names: one per class; empty for an autoencoder.
        sha256: of the weights file; checked on every load.
        test_accuracy: classifier accuracy on the test split (None for an autoencoder).
        test_mse: autoencoder reconstruction MSE on the test split in [0, 1] pixels.
        training: epochs, seed, data hash and library versions of the training run.
    """

    name: str
    dataset: str
    kind: str
    image_shape: tuple[int, int, int]
    class_names: tuple[str, ...] = ()
    version: str = ARCH_VERSION
    sha256: str = ""
    test_accuracy: float | None = None
    test_mse: float | None = None
    training: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        """``name@version:sha256-prefix``, recorded with every metric result."""
        return f"{self.name}@{self.version}:{self.sha256[:12]}"

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> EvaluatorInfo:
        data = json.loads(text)
        data["image_shape"] = tuple(data["image_shape"])
        data["class_names"] = tuple(data.get("class_names", ()))
        return cls(**data)


def build_network(image_shape, num_classes: int):
    """``(trainable model, feature model)``; the feature model outputs ``[features, probs]``.

    Three conv blocks (conv 3x3, batch norm, ReLU, max pool) and a 128-unit dense layer with
    batch norm and ReLU, whose activations are the features. Batch norm there keeps every unit
    alive (without it, half of them never fired) and the features on a fixed scale. Dropout only
    follows the last batch norm: in front of one it shifts the variance between training and
    inference and costs accuracy (Li et al., 2019).

    Larger images are max-pooled further until a side is at most 5 pixels, so the flattened size
    stays small. With ``num_classes == 0`` the head is a linear decoder back to pixels.
    """
    import keras

    policy = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("float32")  # features must not depend on the caller
    try:
        return _build(keras, image_shape, num_classes)
    finally:
        keras.mixed_precision.set_global_policy(policy)


def _build(keras, image_shape, num_classes: int):
    layers = keras.layers
    height, width, channels = (int(d) for d in image_shape)
    inputs = keras.Input((height, width, channels), name="image")
    x = inputs
    for i, filters in enumerate(CONV_FILTERS):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"conv{i + 1}")(x)
        x = layers.BatchNormalization(name=f"bn{i + 1}")(x)
        x = layers.ReLU(name=f"relu{i + 1}")(x)
        x = layers.MaxPooling2D(name=f"pool{i + 1}")(x)
    while min(x.shape[1], x.shape[2]) > 5:
        x = layers.MaxPooling2D()(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(FEATURE_DIM, use_bias=False, name="features_dense")(x)
    x = layers.BatchNormalization(name="features_bn")(x)
    features = layers.ReLU(name="features")(x)
    x = layers.Dropout(0.4, name="drop_head")(features)
    if num_classes:
        logits = layers.Dense(num_classes, name="logits")(x)
        probs = layers.Softmax(name="probs")(logits)
        train_model = keras.Model(inputs, logits, name="evaluator")
    else:
        pixels = layers.Dense(height * width * channels, activation="sigmoid", name="decoder")(x)
        probs = None
        train_model = keras.Model(inputs, layers.Reshape(inputs.shape[1:])(pixels))
    outputs = [features] if probs is None else [features, probs]
    return train_model, keras.Model(inputs, outputs, name="evaluator_features")


class Evaluator:
    """A loaded evaluator: features and class probabilities of images in ``[0, 1]``."""

    def __init__(self, info: EvaluatorInfo, weights: list[np.ndarray]):
        from genlab.backends import compiled_function

        self.info = info
        train_model, self.network = build_network(info.image_shape, info.num_classes)
        train_model.set_weights(weights)
        self._forward = compiled_function(
            lambda x: self.network(x, training=False),
            (None, *info.image_shape),
            self.network.variables,
        )

    @property
    def id(self) -> str:
        return self.info.id

    def predict(self, images, batch_size: int = BATCH_SIZE) -> tuple[np.ndarray, np.ndarray | None]:
        """``(features (n, 128), probs (n, C) or None)`` of images shaped like the evaluator's.

        ``uint8`` images are scaled to ``[0, 1]``; float images must already be in ``[0, 1]``
        (values outside are clipped, as any image writer would).
        """
        images = np.asarray(images)
        if images.ndim != 4 or tuple(images.shape[1:]) != tuple(self.info.image_shape):
            raise DataError(
                f"evaluator {self.id} takes images shaped {tuple(self.info.image_shape)}, got "
                f"{images.shape[1:] if images.ndim == 4 else images.shape}"
            )
        feats, probs = [], []
        for start in range(0, len(images), batch_size):
            chunk = images[start : start + batch_size]
            chunk = chunk / np.float32(255) if chunk.dtype == np.uint8 else chunk
            chunk = np.clip(chunk.astype(np.float32, copy=False), 0.0, 1.0)
            out = self._forward(chunk)
            out = out if isinstance(out, (list, tuple)) else [out]
            feats.append(np.asarray(out[0]))
            if self.info.num_classes:
                probs.append(np.asarray(out[1]))
        dim = (0, FEATURE_DIM)
        features = np.concatenate(feats) if feats else np.zeros(dim, np.float32)
        if not self.info.num_classes:
            return features, None
        return features, np.concatenate(probs) if probs else np.zeros((0, self.info.num_classes))


# -- storage ---------------------------------------------------------------------------------
def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def save_evaluator(directory: Path, stem: str, weights: list[np.ndarray], info: EvaluatorInfo):
    """Write ``<stem>.npz`` and ``<stem>.json`` atomically; returns the info with the sha256."""
    from genlab.run_dir import atomic_write_bytes, atomic_write_text

    buffer = io.BytesIO()
    np.savez(buffer, **{f"w{i:03d}": np.asarray(w) for i, w in enumerate(weights)})
    data = buffer.getvalue()
    info = EvaluatorInfo(**{**asdict(info), "sha256": hashlib.sha256(data).hexdigest()})
    atomic_write_bytes(Path(directory) / f"{stem}.npz", data)
    atomic_write_text(Path(directory) / f"{stem}.json", info.to_json())
    return info


def load_evaluator(json_path: Path) -> Evaluator:
    """Load an evaluator from its JSON record, refusing weights whose sha256 does not match."""
    json_path = Path(json_path)
    info = EvaluatorInfo.from_json(json_path.read_text())
    weights_path = json_path.with_suffix(".npz")
    if not weights_path.exists():
        raise DataError(f"evaluator weights {weights_path} are missing; reinstall genlab")
    digest = sha256_file(weights_path)
    if json_path.parent.resolve() == WEIGHTS_DIR.resolve():
        fix = "reinstall genlab"  # a shipped evaluator: retraining writes to the cache only
    else:
        fix = f"retrain it with {train_hint(info.dataset, force=True)}"
    if digest != info.sha256:
        raise DataError(
            f"evaluator weights {weights_path} have sha256 {digest[:12]}, expected "
            f"{info.sha256[:12]}; the file is corrupt or was replaced. Fix: {fix}"
        )
    if info.version != ARCH_VERSION:
        raise DataError(
            f"evaluator {info.id} was built for architecture version {info.version}, this "
            f"genlab uses {ARCH_VERSION}. Fix: {fix}"
        )
    with np.load(weights_path, allow_pickle=False) as npz:
        weights = [npz[key] for key in sorted(npz.files)]
    return Evaluator(info, weights)


def slug(dataset: str) -> str:
    """A file-name-safe short form of a dataset name or folder path."""
    name = Path(dataset).name if ("/" in dataset or "\\" in dataset) else dataset
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "data"


def cached_evaluator_dir(dataset: str, splits) -> Path:
    """``<cache>/evaluators/<dataset>-<hash of the training data>``."""
    digest = content_hash(splits.train_images, splits.train_labels, splits.test_images)
    return cache_root() / "evaluators" / f"{slug(dataset)}-{digest[:12]}"


def train_hint(dataset: str, force: bool = False) -> str:
    """The quoted command that trains (``force``: retrains) the evaluator of ``dataset``."""
    args = ["genlab", "evaluator", "train", "--dataset", dataset]
    return command_hint([*args, "--force"] if force else args)


def shipped_evaluators() -> dict[str, Path]:
    """Dataset name -> JSON record of the evaluators shipped with genlab."""
    found = {}
    for path in sorted(WEIGHTS_DIR.glob("*.json")):
        try:
            found.setdefault(json.loads(path.read_text())["dataset"], path)
        except (OSError, ValueError, KeyError):
            continue
    return found


def find_evaluator(dataset: str, splits) -> Evaluator | None:
    """The evaluator for ``dataset``: the shipped one, else one trained into the cache, else None.

    Cached evaluators are keyed by a hash of the data, so an image folder whose content changed
    needs a new one rather than silently reusing a stale feature space.
    """
    shipped = shipped_evaluators().get(dataset)
    if shipped is not None:
        return load_evaluator(shipped)
    record = cached_evaluator_dir(dataset, splits) / "evaluator.json"
    return load_evaluator(record) if record.exists() else None


# -- training --------------------------------------------------------------------------------
def train_evaluator(splits, dataset: str, *, epochs: int = 15, seed: int = 0, log=None):
    """Train an evaluator on ``splits``; returns ``(weights, info)`` (info without sha256 yet).

    A classifier when the data has two or more classes, otherwise an autoencoder. Adam with a
    cosine-decayed learning rate, no augmentation (flips change the meaning of digits, and shifts
    slowed convergence more than they helped in 15 epochs), fixed seed and deterministic ops, and
    no model selection on the test split: it is used once, to report the accuracy.
    """
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    num_classes = len(splits.class_names) if splits.train_labels is not None else 0
    num_classes = num_classes if num_classes >= 2 else 0
    shape = splits.image_shape
    train_model, _ = build_network(shape, num_classes)
    x = splits.train_images.astype(np.float32) / 255.0
    if num_classes:
        target = splits.train_labels.astype(np.int64)
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        metrics = ["accuracy"]
    else:
        target, loss, metrics = x, "mse", []
    steps = -(-len(x) // TRAIN_BATCH_SIZE) * epochs
    optimizer = keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(TRAIN_LR, steps))
    train_model.compile(optimizer=optimizer, loss=loss, metrics=metrics)
    data = (
        tf.data.Dataset.from_tensor_slices((x, target))
        .shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
        .batch(TRAIN_BATCH_SIZE)
        .prefetch(2)
    )
    callbacks = [_epoch_log(log, epochs)] if log else []
    train_model.fit(data, epochs=epochs, verbose=0, callbacks=callbacks, shuffle=False)

    info = EvaluatorInfo(
        name=f"{slug(dataset)}-{'cnn' if num_classes else 'ae'}",
        dataset=dataset,
        kind="classifier" if num_classes else "autoencoder",
        image_shape=tuple(shape),
        class_names=tuple(splits.class_names) if num_classes else (),
        training={
            "epochs": epochs,
            "seed": seed,
            "train_images": len(x),
            "data_hash": content_hash(splits.train_images, splits.train_labels)[:16],
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
        },
    )
    weights = [np.asarray(w) for w in train_model.get_weights()]
    evaluator = Evaluator(info, weights)
    if len(splits.test_images):
        features, probs = evaluator.predict(splits.test_images)
        if num_classes and splits.test_labels is not None:
            accuracy = float(np.mean(probs.argmax(axis=1) == splits.test_labels))
            info = EvaluatorInfo(**{**asdict(info), "test_accuracy": round(accuracy, 4)})
        elif not num_classes:
            test = splits.test_images.astype(np.float32) / 255.0
            recon = np.asarray(train_model.predict(test, batch_size=BATCH_SIZE, verbose=0))
            mse = float(np.mean((recon - test) ** 2))
            info = EvaluatorInfo(**{**asdict(info), "test_mse": round(mse, 6)})
    return weights, info


def _epoch_log(log, epochs: int):
    """A Keras callback reporting each epoch's losses through ``log(str)``."""
    import keras

    def on_epoch_end(epoch, logs):
        values = ", ".join(f"{k} {v:.4f}" for k, v in sorted((logs or {}).items()))
        log(f"epoch {epoch + 1}/{epochs}: {values}")

    return keras.callbacks.LambdaCallback(on_epoch_end=on_epoch_end)
