"""Installed-looking plugin distributions for tests, without pip.

A folder holding ``<dist>-<version>.dist-info/{METADATA,entry_points.txt}`` next to the plugin's
modules is, to ``importlib.metadata``, an installed distribution: put the folder on ``sys.path``
(or ``PYTHONPATH``) and genlab discovers its ``genlab`` entry points exactly as it discovers a
pip-installed plugin.
"""

from __future__ import annotations

import textwrap
from pathlib import Path


def make_distribution(
    root: Path,
    dist: str,
    entry_points: dict[str, str],
    modules: dict[str, str],
    version: str = "1.0.0",
) -> Path:
    """Write the modules and the dist-info of ``dist`` under ``root``; return ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    info = root / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    lines = ["[genlab]", *(f"{name} = {target}" for name, target in entry_points.items())]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
    for module, source in modules.items():
        (root / f"{module}.py").write_text(textwrap.dedent(source))
    return root


MODEL_PLUGIN = """
    from genlab import ModelSpec, hookimpl

    @hookimpl
    def register_models(register):
        register(ModelSpec(name={name!r}, description="test model", family="gan", build="x:y"))
"""
