"""The layering rules of docs/architecture.md, checked over the import graph (parsed with ``ast``).

* the core (``genlab/``) imports no model package (``genlab_models``);
* nothing in ``genlab/`` or ``plugins/`` imports ``genlab.cli`` (``genlab/__main__.py``, the
  ``python -m genlab`` shim, is the one exception: it only calls ``main``);
* plugin code imports only ``genlab``, ``genlab.testing`` (tests), third-party libraries and its
  own package;
* there are no import cycles inside ``genlab/``, imports inside functions counted too: a lazy
  import (the pattern that keeps TensorFlow out of ``genlab list``) cannot fail at import time,
  but two modules that need each other are one module in two files. An edge that must stay is
  listed in :data:`ALLOWED_LAZY_EDGES` with its reason (none is, today);
* no module imports another module's private name (``from genlab.x import _helper``), in the
  core, the plugins, the benchmarks and the tests alike: what is shared is public.

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


#: Function-level imports allowed to close a cycle: (importer, imported) -> why. Empty: every
#: cycle, lazy or not, is a design error.
ALLOWED_LAZY_EDGES: dict[tuple[str, str], str] = {}


def cycles(core: dict[str, Path], lazy: bool = True, allowed=None) -> list[list[str]]:
    """Import cycles among ``core``'s modules; ``lazy`` counts imports inside functions too,
    except the edges in ``allowed`` (default :data:`ALLOWED_LAZY_EDGES`)."""
    allowed = ALLOWED_LAZY_EDGES if allowed is None else allowed
    eager = {m: {n for n, _ in imports(p, m, lazy=False)} for m, p in core.items()}
    graph = {}
    for module, path in core.items():
        targets = set()
        for name, _ in imports(path, module, lazy=lazy):
            is_eager = name in eager[module]
            # the deepest module of the tree that the import names ("a.b.c" -> "a.b")
            while name and name not in core:
                name = name.rpartition(".")[0]
            if not name or name == module:
                continue
            if not is_eager and (module, name) in allowed:
                continue
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


def private_imports(files: dict[str, Path]) -> list[str]:
    """``from a.b import _name`` of a module's private name from another module (a private
    name of the importer's own package ``__init__`` is still another module's)."""
    bad = []
    for module, path in files.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
                continue
            if node.module == module:
                continue
            for alias in node.names:
                name = alias.name
                if name.startswith("_") and not (name.startswith("__") and name.endswith("__")):
                    bad.append(f"{path}:{node.lineno} imports {node.module}.{name}")
    return bad


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


def test_no_import_cycles_in_the_core_lazy_imports_counted():
    assert not cycles(CORE)


def test_every_allowed_lazy_edge_gives_its_reason_and_still_exists():
    for (importer, imported), reason in ALLOWED_LAZY_EDGES.items():
        assert reason.strip(), f"{importer} -> {imported}: say why the edge must stay"
        names = {n for n, _ in imports(CORE[importer], importer)}
        assert any(_is(n, imported) for n in names), f"{importer} no longer imports {imported}"


def _all_python_files() -> dict[str, Path]:
    files = dict(CORE)
    for _, plugin_files in _plugin_packages():
        files.update({f"{p}": p for p in plugin_files.values()})
    for folder in ("benchmarks", "tests", "plugins/genlab-diffusion"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            files[module_name(path, ROOT)] = path
    return files


def test_no_module_imports_another_modules_private_name():
    assert not private_imports(_all_python_files())


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
            "genlab/lazy.py": "import genlab.d\n",
            "genlab/d.py": (
                "from genlab_models.vae import model\n\n\ndef f():\n    import genlab.lazy\n"
            ),
            "genlab/e.py": "def f():\n    from genlab.cli import app\n",
            "plugins/mine/__init__.py": "from genlab.model import GenerativeModel\n",
            "plugins/mine/ok.py": "import numpy\nfrom genlab import SAMPLE\nfrom mine import ok\n",
            "genlab/f.py": "def _mine():\n    pass\n\n\nfrom genlab.f import _mine\n",
            "genlab/g.py": "from genlab.report.plots import _plt, public\nfrom . import _rel\n",
        },
    )
    assert private_imports(modules_under(root, "genlab")) == [
        f"{root / 'genlab/g.py'}:1 imports genlab.report.plots._plt"
    ]
    core = modules_under(root, "genlab")
    found = sorted(sorted(set(c)) for c in cycles(core))
    assert found == [["genlab.a", "genlab.b", "genlab.c"], ["genlab.d", "genlab.lazy"]]
    # Module-level imports only: the lazy cycle d -> lazy (inside f) -> d is not seen ...
    assert [sorted(set(c)) for c in cycles(core, lazy=False)] == [
        ["genlab.a", "genlab.b", "genlab.c"]
    ]
    # ... and an allowed lazy edge, with its reason, is not counted.
    allowed = {("genlab.d", "genlab.lazy"): "planted"}
    assert [sorted(set(c)) for c in cycles(core, allowed=allowed)] == [
        ["genlab.a", "genlab.b", "genlab.c"]
    ]
    assert f"{root / 'genlab/d.py'}:1 imports genlab_models.vae" in core_imports_no_models(core)
    assert nothing_imports_cli(core) == [f"{root / 'genlab/e.py'}:2 imports genlab.cli"]
    plugin = modules_under(root / "plugins", "mine")
    violations = plugins_use_the_public_surface(plugin, "mine")
    assert violations and all(
        "plugins/mine/__init__.py:1 imports genlab.model" in v for v in violations
    )
