"""Errors users can act on.

Every error genlab raises on purpose is a :class:`GenlabError`. The CLI prints it as one line
(``error: <message>``) and exits with :attr:`GenlabError.exit_code`; a traceback is shown only with
``--debug``. Messages say what is wrong *and* what to do about it.
"""

from __future__ import annotations

import shlex


class GenlabError(Exception):
    """Base class for errors meant to be shown to users as one line."""

    exit_code = 1


class UsageError(GenlabError):
    """Bad command-line input: unknown names, invalid values."""

    exit_code = 2


class UnknownNameError(UsageError):
    """A model, dataset or metric name that is not registered."""


class ConfigError(UsageError):
    """A hyperparameter override (``--set``) or run option that is invalid."""


class DataError(GenlabError):
    """A dataset file that is missing, truncated, corrupt or empty."""


class PluginError(GenlabError):
    """A plugin failed to import or register, or two plugins clash."""


class RunDirError(GenlabError):
    """A run directory that is missing, incomplete, or cannot be written."""

    exit_code = 2


class DivergenceError(GenlabError):
    """Training produced a non-finite loss."""

    exit_code = 3


class CheckpointError(GenlabError):
    """A checkpoint that cannot be read."""


class MissingDependencyError(UsageError):
    """A package a command needs is not installed (an optional extra, or a Keras backend).

    Expected, not a bug: the message names the package and the install command (see
    :mod:`genlab.dependencies`)."""


def command_hint(args: list[str]) -> str:
    """A command line to put in a message, quoted as a whole so it can be copied:
    ``'genlab run dcgan --out runs/x --resume'`` (in double quotes when an argument needs
    single ones)."""
    line = shlex.join(str(a) for a in args)
    return f'"{line}"' if "'" in line else f"'{line}'"
