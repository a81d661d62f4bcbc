"""Registry and plugin loading through the public hooks."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from genlab import DatasetSpec, ModelSpec, PluginError, UnknownNameError, hookimpl
from genlab.plugins import PluginManager, get_plugin_manager, reset_plugin_manager
from genlab.registry import get_model, get_registries


@pytest.fixture
def fresh_plugins():
    reset_plugin_manager()
    yield get_plugin_manager()
    reset_plugin_manager()


def test_builtins_arrive_through_the_hooks(fresh_plugins):
    regs = get_registries()
    assert "dcgan" in regs.models
    assert regs.models.get("dcgan").plugin == "genlab_models.dcgan"
    assert {"fashion", "mnist"} <= set(regs.datasets.specs)
    info = fresh_plugins.infos["genlab_models.dcgan"]
    assert info.builtin and info.hooks == ["register_models"] and info.error is None


def test_lookup_accepts_aliases_and_suggests_near_misses():
    assert get_model("DCGAN").name == "dcgan"
    assert get_registries().datasets.get("fashion-mnist").name == "fashion"
    with pytest.raises(UnknownNameError, match="did you mean 'dcgan'"):
        get_model("dcgn")


class _Broken:
    @hookimpl
    def register_models(self, register):
        raise RuntimeError("boom")


class _Twin:
    @hookimpl
    def register_models(self, register):
        register(ModelSpec(name="dcgan", description="a clash", family="gan", build="x:y"))


class _WrongType:
    @hookimpl
    def register_datasets(self, register):
        register(ModelSpec(name="oops", description="", family="gan", build="x:y"))


def test_failing_plugin_is_named_and_others_still_load(fresh_plugins):
    fresh_plugins.register(_Broken(), "broken-plugin")
    regs = get_registries()
    assert "dcgan" in regs.models
    assert any("broken-plugin" in e and "boom" in e for e in regs.errors)
    assert "boom" in fresh_plugins.infos["broken-plugin"].error


def test_duplicate_model_names_name_both_plugins(fresh_plugins):
    fresh_plugins.register(_Twin(), "twin-plugin")
    errors = get_registries().errors
    assert any("genlab_models.dcgan" in e and "twin-plugin" in e for e in errors), errors


def test_wrong_spec_type_is_rejected(fresh_plugins):
    fresh_plugins.register(_WrongType(), "wrong-type")
    assert any("wrong-type" in e and "DatasetSpec" in e for e in get_registries().errors)


def test_import_failure_is_recorded_with_a_one_line_reason():
    manager = PluginManager()
    manager._load("ghost", lambda: __import__("genlab_no_such_module"), module="ghost")
    (failure,) = manager.failures
    assert failure.name == "ghost"
    assert failure.error.startswith("failed to import: ModuleNotFoundError")
    assert "\n" not in failure.error


def test_autoload_switch_skips_entry_points(monkeypatch):
    calls = []

    class FakeEntryPoint:
        name = "fake"
        value = "fake_module"
        dist = None

        def load(self):
            calls.append("loaded")
            return _Twin()

    monkeypatch.setattr("genlab.plugins.metadata.entry_points", lambda group: [FakeEntryPoint()])
    monkeypatch.setenv("GENLAB_DISABLE_PLUGIN_AUTOLOAD", "1")
    manager = PluginManager()
    manager.load_entry_points()
    assert calls == [] and "fake" not in manager.infos
    monkeypatch.delenv("GENLAB_DISABLE_PLUGIN_AUTOLOAD")
    manager.load_entry_points()
    assert calls == ["loaded"] and "fake" in manager.infos


def test_dataset_spec_is_registered_by_plugins(fresh_plugins):
    class Extra:
        @hookimpl
        def register_datasets(self, register):
            register(DatasetSpec(name="tiny", description="t", load=lambda d: None))

    fresh_plugins.register(Extra(), "extra")
    assert get_registries().datasets.get("tiny").plugin == "extra"


def test_list_json_and_no_tensorflow_import():
    code = (
        "import sys, json, io, contextlib\n"
        "from typer.testing import CliRunner\n"
        "from genlab.cli import app\n"
        "r = CliRunner().invoke(app, ['list', '--json'])\n"
        "print(json.dumps({'out': r.stdout, 'tf': 'tensorflow' in sys.modules}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    listing = json.loads(result["out"])
    assert not result["tf"], "genlab list must not import TensorFlow"
    names = {m["name"] for m in listing["models"]}
    assert "dcgan" in names
    dcgan = next(m for m in listing["models"] if m["name"] == "dcgan")
    assert dcgan["hparams"]["lr"] == 2e-4 and dcgan["description"]
    assert {d["name"] for d in listing["datasets"]} >= {"fashion", "mnist"}


def test_plugin_error_type_is_a_genlab_error():
    assert issubclass(PluginError, Exception) and PluginError.exit_code == 1
