"""Which Keras backend genlab runs on: TensorFlow (the default), JAX or PyTorch.

Keras reads its backend once, from ``KERAS_BACKEND``, when it is first imported, so the choice is
made before that: ``--backend`` on the command line, else ``GENLAB_BACKEND``, else
``KERAS_BACKEND``, else TensorFlow. :func:`select` checks that the backend is installed and sets
``KERAS_BACKEND`` for this process and every process it starts (``--jobs``, Ray workers get it
through their runtime environment).

Nothing here imports Keras at module level; ``genlab list`` stays cheap.
"""

from __future__ import annotations

import importlib
import os
import sys

from genlab.errors import UsageError

BACKENDS = ("tensorflow", "jax", "torch")
DEFAULT = "tensorflow"
ENV = "GENLAB_BACKEND"
ALIASES = {"tf": "tensorflow", "pytorch": "torch"}


def normalize(name: str) -> str:
    name = ALIASES.get(name.strip().lower(), name.strip().lower())
    if name not in BACKENDS:
        raise UsageError(f"--backend must be one of {', '.join(BACKENDS)}, got {name!r}")
    return name


def requested(explicit: str | None = None) -> str:
    """The backend asked for: ``explicit``, else ``GENLAB_BACKEND``, else ``KERAS_BACKEND``."""
    for value in (explicit, os.environ.get(ENV), os.environ.get("KERAS_BACKEND")):
        if value and value.strip():
            return normalize(value)
    return DEFAULT


def apply_environment() -> None:
    """Make ``GENLAB_BACKEND`` Keras' backend too, if Keras is not imported yet (``import
    genlab`` does this, so that library users get the backend they set)."""
    value = os.environ.get(ENV, "").strip()
    if value and "keras" not in sys.modules and value.lower() in (*BACKENDS, *ALIASES):
        os.environ["KERAS_BACKEND"] = normalize(value)
    if os.environ.get("KERAS_BACKEND", "").strip().lower() == "jax":
        _quiet_jax()


def _quiet_jax() -> None:
    import warnings

    # int64 step counters are int32 on JAX without x64; 2**31 steps are plenty.
    warnings.filterwarnings("ignore", message="Explicitly requested dtype int64")


def installed(name: str) -> bool:
    from genlab.dependencies import installed as found

    return found(name)


def available() -> list[str]:
    return [name for name in BACKENDS if installed(name)]


def missing_message(name: str) -> str:
    """One line: what is missing, how to install it, which installed backend would work."""
    from genlab.dependencies import missing_message as message

    return message(name, backend_option=True)


def select(explicit: str | None = None) -> str:
    """Choose the backend for this process (before Keras is imported); returns its name.

    Raises :class:`UsageError` when it is not installed, or when Keras already runs on another
    backend in this process (a backend cannot change after Keras is imported).
    """
    name = requested(explicit)
    if not installed(name):
        from genlab.errors import MissingDependencyError

        raise MissingDependencyError(missing_message(name))
    if "keras" in sys.modules:
        import keras

        running = keras.backend.backend()
        if running != name:
            raise UsageError(
                f"Keras already runs on {running} in this process and cannot switch to {name}; "
                f"set {ENV}={name} (or KERAS_BACKEND) before starting genlab"
            )
        return name
    os.environ["KERAS_BACKEND"] = name
    os.environ[ENV] = name
    if name == "jax":
        _quiet_jax()
    return name


def current() -> str:
    """The backend Keras runs on (importing Keras, on the selected backend, if need be)."""
    if "keras" not in sys.modules:
        select()
    import keras

    return keras.backend.backend()


def summary() -> dict:
    """The backend a run would use and the ones installed, without importing any of them."""
    try:
        name = requested()
    except UsageError:
        name = DEFAULT
    return {"backend": name, "installed": available()}


def summary_line() -> str:
    """``backend: jax (installed: tensorflow, jax; --backend or GENLAB_BACKEND chooses)``."""
    info = summary()
    installed_ = ", ".join(info["installed"]) or "none"
    return f"backend: {info['backend']} (installed: {installed_}; --backend or {ENV} chooses)"


def version(name: str) -> str:
    module = importlib.import_module(name)
    return getattr(module, "__version__", "?")


def compiled_function(fn, input_shape, variables):
    """``fn(x)`` compiled for the backend, for inputs shaped ``input_shape`` (``None`` for the
    batch): one ``tf.function`` graph on TensorFlow; on JAX one jitted pure function of
    ``variables`` (the weights ``fn`` reads), whose updates, if any, are dropped; plain ``fn`` on
    PyTorch."""
    import keras

    name = keras.backend.backend()
    if name == "tensorflow":
        import tensorflow as tf

        return tf.function(fn, input_signature=[tf.TensorSpec(input_shape, tf.float32)])
    if name != "jax":
        return fn
    import jax

    from genlab.gradients import stateless

    variables = list(variables)

    def pure(values, x):
        with stateless(variables, values):
            return fn(x)

    jitted = jax.jit(pure)
    return lambda x: jitted([v.value for v in variables], x)


def compiled_forward(fn, variables=None):
    """``x -> fn(x, training=False)``; on JAX jitted over the weights of the layer ``fn`` is a
    method of (eager JAX dispatches every op on its own). TensorFlow and PyTorch run it eagerly,
    as genlab always has."""
    import keras

    if keras.backend.backend() != "jax":
        return lambda x: fn(x, training=False)
    owner = getattr(fn, "__self__", None)
    variables = list(variables if variables is not None else getattr(owner, "variables", []))
    cache = owner.__dict__.setdefault("_genlab_jitted", {}) if owner is not None else {}
    key = getattr(fn, "__name__", id(fn))
    if key not in cache:
        cache[key] = compiled_function(lambda x: fn(x, training=False), None, variables)
    return cache[key]
