"""genlab's version, in a module of its own: core modules read it without importing the package
root (which re-exports the public surface)."""

__version__ = "0.1.0"
