"""The ``site`` fixture: a folder on ``sys.path`` where tests install real plugin distributions."""

from __future__ import annotations

import sys

import pytest

from genlab.plugins import reset_plugin_manager

SWITCHES = ("GENLAB_PLUGINS", "GENLAB_DISABLE_PLUGINS", "GENLAB_DISABLE_PLUGIN_AUTOLOAD")


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A folder on ``sys.path`` to install plugins into, and a plugin state rebuilt around it."""
    for switch in SWITCHES:
        monkeypatch.delenv(switch, raising=False)
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    reset_plugin_manager()
    yield root
    reset_plugin_manager()
    for name in [m for m in sys.modules if (root / f"{m}.py").exists()]:
        del sys.modules[name]
