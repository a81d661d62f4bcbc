"""The plugin docs keep up with the code: every hook documented and tested, every check listed."""

from __future__ import annotations

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


@pytest.mark.parametrize("hook", sorted(HOOKS))
def test_hook_has_a_test(hook):
    tests = [p for p in (ROOT / "tests").rglob("test_*.py") if p.name != "test_docs.py"]
    assert any(hook in p.read_text() for p in tests), f"no test mentions {hook}"


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
