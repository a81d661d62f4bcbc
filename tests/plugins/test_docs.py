"""The plugin docs keep up with the code: every hook documented and tested, every check listed."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from genlab import hookspecs
from genlab.testing import all_checks

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "plugins"
HOOKS = {
    name: f"{name}({', '.join(inspect.signature(fn).parameters)})"
    for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
    if hasattr(fn, "genlab_spec")
}


def test_there_are_hooks():
    assert {"register_models", "register_commands"} <= set(HOOKS)


@pytest.mark.parametrize("hook", sorted(HOOKS))
def test_hook_is_documented_with_its_signature(hook):
    headings = re.findall(r"^## `(.+)`$", (DOCS / "hooks.md").read_text(), re.MULTILINE)
    assert HOOKS[hook] in headings, f"docs/plugins/hooks.md needs a '## `{HOOKS[hook]}`' section"


def test_no_documented_hook_is_stale():
    headings = re.findall(r"^## `(\w+)\(", (DOCS / "hooks.md").read_text(), re.MULTILINE)
    assert set(headings) == set(HOOKS)


def hook_tests(hook: str, files) -> list[str]:
    """Test functions that exercise ``hook``: named for it (``register_`` and its noun, as in
    ``test_register_datasets_callbacks_and_metrics_in_a_real_run``) and implementing it in a
    plugin of their own (a ``def <hook>(`` in the test, or in a module-level plugin source string
    of the test file that the test uses)."""
    noun = hook.removeprefix("register_")
    found = []
    for path in files:
        source = path.read_text()
        tree = ast.parse(source)
        strings = {
            target.id: node.value.value
            for node in tree.body
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            for target in node.targets
            if isinstance(target, ast.Name) and isinstance(node.value.value, str)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef) or not node.name.startswith("test_"):
                continue
            names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            code = ast.get_source_segment(source, node) or ""
            code += "".join(text for name, text in strings.items() if name in names)
            if re.search(rf"register_\w*{noun}", node.name) and f"def {hook}(" in code:
                found.append(f"{path.name}::{node.name}")
    return found


TEST_FILES = [p for p in (ROOT / "tests").rglob("test_*.py") if p.name != "test_docs.py"]


@pytest.mark.parametrize("hook", sorted(HOOKS))
def test_hook_has_a_test(hook):
    assert hook_tests(hook, TEST_FILES), f"no test_register_..{hook[9:]}.. implements {hook}"


def test_a_hook_without_a_test_is_caught(tmp_path):
    """The check above can fail: a mention is not enough, nor a name without an implementation."""
    only_mentions = tmp_path / "test_a.py"
    only_mentions.write_text("def test_something():\n    assert 'register_models'\n")
    only_named = tmp_path / "test_b.py"
    only_named.write_text("def test_register_models_named():\n    pass\n")
    real = tmp_path / "test_c.py"
    real.write_text(
        "def test_register_models_works():\n    class P:\n"
        "        def register_models(self, register):\n            pass\n"
    )
    assert hook_tests("register_models", [only_mentions, only_named]) == []
    assert hook_tests("register_models", [real]) == ["test_c.py::test_register_models_works"]


def test_every_check_is_documented():
    text = (DOCS / "testing-plugins.md").read_text()
    for name, _ in all_checks():
        assert f"| `{name}` |" in text, f"docs/plugins/testing-plugins.md: no row for {name}"


def test_every_plugin_switch_is_documented():
    source = (ROOT / "genlab" / "plugins.py").read_text()
    text = (DOCS / "writing-plugins.md").read_text()
    for switch in sorted(set(re.findall(r"GENLAB_[A-Z_]+", source))):
        assert f"`{switch}" in text, f"docs/plugins/writing-plugins.md does not mention {switch}"


def test_docs_link_to_existing_files():
    for doc in DOCS.glob("*.md"):
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", doc.read_text()):
            assert (doc.parent / target).exists(), f"{doc.name} links to missing {target}"
