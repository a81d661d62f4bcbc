"""What a plugin may import: ``genlab`` (and ``genlab.testing`` in tests), cheaply."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import genlab

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "plugins" / "genlab-wgan-gp" / "genlab_wgan_gp"
#: What the package modules of a plugin may import from genlab (tests may also use these).
PUBLIC_MODULES = {"genlab"}
TEST_MODULES = {"genlab", "genlab.testing"}


def test_every_public_name_resolves():
    for name in genlab.__all__:
        assert getattr(genlab, name) is not None, name
    assert set(genlab.__all__) <= set(dir(genlab))


def test_what_a_plugin_needs_is_public():
    needed = {
        "hookimpl", "ModelSpec", "ModelConfig", "DatasetSpec", "MetricSpec", "SAMPLE",
        "RECONSTRUCT", "LIKELIHOOD", "CAPABILITIES", "GenerativeModel", "ArraySplits", "RunDir",
        "NotApplicable", "GenlabError", "ConfigError", "DataError", "PluginError",
    }  # fmt: skip
    assert needed <= set(genlab.__all__)


def test_import_genlab_does_not_import_tensorflow():
    code = (
        "import sys, json, genlab\n"
        "names = [n for n in genlab.__all__ if n not in genlab._LAZY]\n"
        "[getattr(genlab, n) for n in names]\n"
        "import genlab.testing, genlab.hookspecs\n"
        "print(json.dumps({m: m in sys.modules for m in ('tensorflow', 'keras')}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"tensorflow": False, "keras": False}


def genlab_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("genlab"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "genlab")
    return {m for m in found if m == "genlab" or m.startswith("genlab.")}


def test_the_example_plugin_uses_only_the_public_api():
    for path in sorted(EXAMPLE.glob("*.py")):
        assert genlab_imports(path) <= PUBLIC_MODULES, path.name
    for path in sorted((EXAMPLE.parent / "tests").glob("*.py")):
        assert genlab_imports(path) <= TEST_MODULES, path.name


def test_the_scaffold_uses_only_the_public_api(tmp_path):
    from genlab.scaffold import scaffold

    package = scaffold("apicheck", tmp_path)
    for path in sorted((package / "genlab_apicheck").glob("*.py")):
        assert genlab_imports(path) <= PUBLIC_MODULES, path.name
    for path in sorted((package / "tests").glob("*.py")):
        assert genlab_imports(path) <= TEST_MODULES, path.name
