"""Packages genlab can run without until a command needs them, and the one line that says how to
get one.

A missing package is not a bug: :func:`require` imports an optional one (Optuna, Ray,
scikit-learn) or raises :class:`~genlab.errors.MissingDependencyError` naming it and its install
command; :func:`missing_from` turns a ``ModuleNotFoundError`` that escaped a command (no
TensorFlow, the usual case) into the same kind of error. The CLI prints it as one ``error:``
line, exit code 2.
"""

from __future__ import annotations

import importlib
import importlib.util

from genlab.errors import MissingDependencyError

#: Optional packages: import name -> (name users know, what needs it, install command).
OPTIONAL = {
    "optuna": (
        "Optuna",
        "hyperparameter search",
        "pip install 'genlab[tune]'",
    ),
    "ray": ("Ray", "--executor ray", "pip install 'genlab[ray]' (the same version on every node)"),
    "sklearn": ("scikit-learn", "t-SNE code maps", "pip install 'genlab[explore]'"),
}

#: The Keras backends (:mod:`genlab.backends` has how to install each) as users know them.
BACKENDS = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}

#: How users get each backend (:mod:`genlab.backends` chooses among the installed ones).
BACKEND_INSTALL = {
    "tensorflow": "pip install tensorflow (or tensorflow[and-cuda] for a GPU)",
    "jax": 'pip install "jax[cpu]" (on an NVIDIA GPU: pip install "jax[cuda13]" or "jax[cuda12]")',
    "torch": "pip install torch",
}

#: genlab's own requirements: import name -> the pip name.
REQUIRED = {
    "keras": "keras",
    "numpy": "numpy",
    "matplotlib": "matplotlib",
    "PIL": "pillow",
    "tensorboard": "tensorboard",
    "pluggy": "pluggy",
    "typer": "typer",
    "rich": "rich",
}


def installed(name: str) -> bool:
    """Whether ``import name`` would find a module (without importing it)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def require(name: str, purpose: str | None = None):
    """``import name``, or one :class:`MissingDependencyError` saying what to install."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise MissingDependencyError(missing_message(name, purpose, detail=exc)) from None


def missing_message(
    name: str, purpose: str | None = None, *, backend_option: bool = False, detail=None
) -> str:
    """One line: which package is missing, what needs it, and the install command.

    ``backend_option``: the command has ``--backend``, so a missing backend's message names the
    installed backend that would work as an option (else as ``GENLAB_BACKEND``). ``detail``: the
    ``ImportError``, named when it is about another module than ``name`` (a broken install).
    """
    top = name.split(".")[0]
    broken = ""
    if detail is not None and getattr(detail, "name", None) and detail.name.split(".")[0] != top:
        broken = f" ({detail})"
    if top in BACKENDS:
        return _backend_message(top, backend_option, broken)
    if top in OPTIONAL:
        known, needed_by, command = OPTIONAL[top]
        what = purpose or needed_by
        return f"{what} needs {known}, which is not installed{broken}. Fix: {command}"
    if top in REQUIRED:
        return (
            f"genlab needs {REQUIRED[top]}, which is not installed{broken}. Fix: pip install "
            f"{REQUIRED[top]} (or reinstall genlab with its dependencies)"
        )
    return f"{purpose or 'this command'} needs the module {name!r}, which is not installed{broken}"


def _backend_message(name: str, backend_option: bool, broken: str) -> str:
    """The missing backend, its install command, and the installed backend that would work:
    ``--backend jax`` where the command has the option, ``GENLAB_BACKEND=jax`` always."""
    command = BACKEND_INSTALL.get(name, f"pip install {name}")
    if name == "tensorflow":
        text = f"{BACKENDS[name]} is not installed{broken}, and genlab runs on it by default"
    else:
        text = f"{BACKENDS[name]}, the Keras backend asked for, is not installed{broken}"
    text = f"{text}. Fix: {command}"
    others = [b for b in BACKENDS if b != name and installed(b)]
    if not others:
        return text
    names = " and ".join(BACKENDS[b] for b in others)
    verb = "are" if len(others) > 1 else "is"
    setting = f"GENLAB_BACKEND={others[0]}"
    how = f"--backend {others[0]} (or {setting})" if backend_option else f"set {setting}"
    return f"{text}; or use {names}, which {verb} installed: {how}"


def missing_from(exc: BaseException, *, backend_option: bool = False) -> str | None:
    """The :func:`missing_message` of the package whose absence caused ``exc`` (an exception
    that escaped a command, or one it was raised from); None when no known package is missing,
    which makes ``exc`` a bug."""
    known = (*BACKENDS, *OPTIONAL, *REQUIRED)
    seen = 0
    while exc is not None and seen < 5:
        name = getattr(exc, "name", None) if isinstance(exc, ImportError) else None
        # a package that is there but lacks a module is a version problem, not a missing piece
        if name and name.split(".")[0] in known and not installed(name.split(".")[0]):
            return missing_message(name, backend_option=backend_option)
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None
