"""Safety: no pickle, safe-mode model loading, plugins only from entry points."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import keras
import numpy as np
import pytest

from genlab.run_dir import RunDir

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [p for d in ("genlab", "plugins") for p in (ROOT / d).rglob("*.py")]


def test_no_pickle_anywhere():
    for path in SOURCES:
        text = path.read_text()
        assert not re.search(r"^\s*(import|from)\s+(c?pickle|dill|joblib)\b", text, re.M), path
        assert "allow_pickle=True" not in text, path
        for node in ast.walk(ast.parse(text)):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "load"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in ("np", "numpy")
            ):
                flags = {k.arg: k.value for k in node.keywords}
                value = flags.get("allow_pickle")
                assert isinstance(value, ast.Constant) and value.value is False, (
                    f"{path}:{node.lineno}: np.load without allow_pickle=False"
                )


def test_networks_load_in_safe_mode_only(tmp_path):
    from genlab.run import load_network

    run = RunDir(tmp_path / "run")
    run.path.mkdir()
    run.write_config({"model": "x"})
    run.set_status("complete")
    inputs = keras.Input((3,))
    evil = keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2)(inputs))
    (run / "networks").mkdir()
    evil.save(run / "networks" / "evil.keras")
    with pytest.raises(ValueError, match="(?i)lambda|safe"):
        load_network(run.path, "evil")
    plain = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    plain.save(run / "networks" / "plain.keras")
    loaded = load_network(run.path, "plain")
    x = np.ones((1, 3), "float32")
    np.testing.assert_allclose(loaded(x), plain(x), rtol=1e-6)


def test_modules_on_the_path_are_not_plugins_unless_declared(tmp_path, monkeypatch):
    (tmp_path / "genlab_sneaky.py").write_text(
        "from genlab import hookimpl, ModelSpec\n"
        "@hookimpl\n"
        "def register_models(register):\n"
        "    register(ModelSpec(name='sneaky', description='', family='gan', build='x:y'))\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    from genlab.plugins import get_plugin_manager, reset_plugin_manager
    from genlab.registry import get_registries

    reset_plugin_manager()
    try:
        get_plugin_manager()
        assert "sneaky" not in get_registries().models
    finally:
        reset_plugin_manager()
