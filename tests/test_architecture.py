"""The layering rules of docs/architecture.md, checked over the import graph (parsed with ``ast``).

* the core (``genlab/``) imports no model package (``genlab_models``);
* nothing in ``genlab/`` or ``plugins/`` imports ``genlab.cli`` (``genlab/__main__.py``, the
  ``python -m genlab`` shim, is the one exception: it only calls ``main``);
* plugin code imports only ``genlab``, ``genlab.testing`` (tests), third-party libraries and its
  own package;
* there are no import cycles inside ``genlab/``. Only module-level imports count: an import
  inside a function runs when the function is called, after every module has loaded, so it is
  lazy (the pattern that keeps TensorFlow out of ``genlab list``) and cannot form a cycle at
  import time.

Each rule is a function of a ``{module: source file}`` mapping, so the tests below also plant
violations in temporary trees and check that every rule catches them.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STDLIB = set(sys.stdlib_module_names)


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules_under(root: Path, package: str) -> dict[str, Path]:
    """``{dotted module name: file}`` of every ``.py`` file of ``root/package``."""
    return {module_name(p, root): p for p in sorted((root / package).rglob("*.py"))}


def imports(path: Path, module: str, *, lazy: bool = True) -> list[tuple[str, int]]:
    """``(imported module, line)`` of a file; ``lazy=False`` keeps module-level imports only
    (those not inside a function). ``from a import b`` yields ``a.b`` and ``a``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []

    def visit(node, in_function: bool):
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
            )
            if isinstance(child, (ast.Import, ast.ImportFrom)) and (lazy or not in_function):
                if isinstance(child, ast.Import):
                    found.extend((alias.name, child.lineno) for alias in child.names)
                else:
                    base = child.module or ""
                    if child.level:
                        anchor = package.split(".")
                        anchor = anchor[: len(anchor) - child.level + 1]
                        base = ".".join([*anchor, base] if base else anchor)
                    found.append((base, child.lineno))
                    found.extend((f"{base}.{alias.name}", child.lineno) for alias in child.names)
            visit(child, inner)

    visit(tree, False)
    return found


def _first_per_line(found: list[str]) -> list[str]:
    """One violation per ``path:line`` (``from a import b`` names both ``a`` and ``a.b``)."""
    seen, kept = set(), []
    for violation in found:
        where = violation.partition(" imports ")[0]
        if where not in seen:
            seen.add(where)
            kept.append(violation)
    return kept


def _is(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


# -- the rules: each returns a list of violations ----------------------------------------------
def core_imports_no_models(core: dict[str, Path]) -> list[str]:
    return _first_per_line(
        [
            f"{path}:{line} imports {name}"
            for module, path in core.items()
            for name, line in imports(path, module)
            if _is(name, "genlab_models")
        ]
    )


def nothing_imports_cli(files: dict[str, Path]) -> list[str]:
    return _first_per_line(
        [
            f"{path}:{line} imports {name}"
            for module, path in files.items()
            if module != "genlab.__main__"
            for name, line in imports(path, module)
            if _is(name, "genlab.cli")
        ]
    )


def plugins_use_the_public_surface(plugin_files: dict[str, Path], own: str) -> list[str]:
    """Files of one plugin package (``own``) import genlab, genlab.testing, their own package,
    the standard library and third-party libraries only."""
    allowed = {"genlab", "genlab.testing", "genlab.testing.*"}
    bad = []
    for module, path in plugin_files.items():
        for name, line in imports(path, module):
            top = name.split(".")[0]
            if top in STDLIB or _is(name, own) or top not in ("genlab", "genlab_models"):
                continue
            if name in allowed or _is(name, "genlab.testing"):
                continue
            # ``from genlab import X`` yields "genlab.X": fine when X is a public name
            parent, _, attr = name.rpartition(".")
            if parent == "genlab" and attr in _public_names():
                continue
            bad.append(f"{path}:{line} imports {name}")
    return _first_per_line(bad)


def _public_names() -> set[str]:
    import genlab

    return set(genlab.__all__)


def cycles(core: dict[str, Path]) -> list[list[str]]:
    """Import cycles among ``core``'s modules, module-level imports only."""
    graph = {}
    for module, path in core.items():
        targets = set()
        for name, _ in imports(path, module, lazy=False):
            # the deepest module of the tree that the import names ("a.b.c" -> "a.b")
            while name and name not in core:
                name = name.rpartition(".")[0]
            if name and name != module:
                targets.add(name)
        graph[module] = sorted(targets)
    found, state, stack = [], {}, []

    def walk(node):
        state[node] = "open"
        stack.append(node)
        for target in graph[node]:
            if state.get(target) == "open":
                found.append([*stack[stack.index(target) :], target])
            elif target not in state:
                walk(target)
        stack.pop()
        state[node] = "done"

    for node in graph:
        if node not in state:
            walk(node)
    return found


def _plugin_packages() -> list[tuple[str, dict[str, Path]]]:
    """(own package, its files) for the built-ins and the example plugin (with its tests)."""
    builtins = modules_under(ROOT / "plugins", "genlab_models")
    wgan = ROOT / "plugins" / "genlab-wgan-gp"
    example = {
        **modules_under(wgan, "genlab_wgan_gp"),
        **{f"tests.{p.stem}": p for p in sorted((wgan / "tests").glob("*.py"))},
    }
    return [("genlab_models", builtins), ("genlab_wgan_gp", example)]


# -- the real tree -------------------------------------------------------------------------------
CORE = modules_under(ROOT, "genlab")


def test_the_core_imports_no_model_package():
    assert not core_imports_no_models(CORE)


def test_nothing_imports_the_cli():
    files = dict(CORE)
    for _, plugin_files in _plugin_packages():
        files.update(plugin_files)
    assert not nothing_imports_cli(files)


@pytest.mark.parametrize(
    "own, files", _plugin_packages(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_plugins_import_only_the_public_surface(own, files):
    assert files, f"no files found for {own}"
    assert not plugins_use_the_public_surface(files, own)


def test_no_import_cycles_in_the_core():
    assert not cycles(CORE)


# -- every rule catches a planted violation -----------------------------------------------------
def _tree(tmp_path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_the_rules_catch_planted_violations(tmp_path):
    root = _tree(
        tmp_path,
        {
            "genlab/__init__.py": "",
            "genlab/a.py": "from genlab import b\n",
            "genlab/b.py": "import genlab.c\n",
            "genlab/c.py": "from . import a\n",  # a -> b -> c -> a
            "genlab/lazy.py": "def f():\n    from genlab import a\n",  # lazy: no cycle
            "genlab/d.py": "from genlab_models.vae import model\n",
            "genlab/e.py": "def f():\n    from genlab.cli import app\n",
            "plugins/mine/__init__.py": "from genlab.model import GenerativeModel\n",
            "plugins/mine/ok.py": "import numpy\nfrom genlab import SAMPLE\nfrom mine import ok\n",
        },
    )
    core = modules_under(root, "genlab")
    assert [c for c in cycles(core) if "genlab.lazy" not in c] == cycles(core) != []
    assert sorted(cycles(core)[0]) == ["genlab.a", "genlab.a", "genlab.b", "genlab.c"]
    assert f"{root / 'genlab/d.py'}:1 imports genlab_models.vae" in core_imports_no_models(core)
    assert nothing_imports_cli(core) == [f"{root / 'genlab/e.py'}:2 imports genlab.cli"]
    plugin = modules_under(root / "plugins", "mine")
    violations = plugins_use_the_public_surface(plugin, "mine")
    assert violations and all(
        "plugins/mine/__init__.py:1 imports genlab.model" in v for v in violations
    )
