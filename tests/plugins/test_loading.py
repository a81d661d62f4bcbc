"""Plugin loading: discovery through entry points, isolation of broken plugins, env switches.

Plugins here are real distributions on ``sys.path`` (see ``distributions.py``), so they go
through ``importlib.metadata`` entry-point discovery exactly like pip-installed ones.
"""

from __future__ import annotations

import pytest

from genlab.plugins import get_plugin_manager, reset_plugin_manager
from genlab.registry import get_registries
from tests.plugins.distributions import MODEL_PLUGIN, make_distribution


def install(root, dist, modules, version="1.0.0"):
    """A distribution whose every module is a plugin, entry point named after the module."""
    make_distribution(root, dist, {m: m for m in modules}, modules, version=version)


def model_plugin(name):
    return MODEL_PLUGIN.format(name=name)


def test_entry_point_plugin_is_discovered_with_its_distribution(site):
    install(
        site,
        "genlab-discovered",
        {
            "discovered_plugin": """
                from genlab import DatasetSpec, ModelSpec, hookimpl

                @hookimpl
                def register_models(register):
                    register(ModelSpec(name="discovered", description="d", family="gan",
                                       build="x:y"))

                @hookimpl
                def register_datasets(register):
                    register(DatasetSpec(name="discovered_data", description="d", load="x:y"))
            """
        },
        version="2.3.4",
    )
    regs = get_registries()
    assert regs.models.get("discovered").plugin == "discovered_plugin"
    assert regs.datasets.get("discovered_data").plugin == "discovered_plugin"
    info = get_plugin_manager().infos["discovered_plugin"]
    assert (info.distribution, info.version, info.builtin) == ("genlab-discovered", "2.3.4", False)
    assert info.module == "discovered_plugin"
    assert info.hooks == ["register_datasets", "register_models"]
    assert info.registered == {"models": ["discovered"], "datasets": ["discovered_data"]}
    assert info.error is None
    assert "dcgan" in regs.models, "built-ins load next to entry points"


def test_plugin_failing_at_import_is_named_and_the_others_load(site):
    install(site, "genlab-crashes", {"crashes_at_import": "raise ImportError('needs torch')\n"})
    install(site, "genlab-fine", {"fine_plugin": model_plugin("fine_model")})
    regs = get_registries()
    info = get_plugin_manager().infos["crashes_at_import"]
    assert info.error == "failed to import: ImportError: needs torch"
    assert info.distribution == "genlab-crashes"
    assert any("crashes_at_import" in e and "needs torch" in e for e in regs.errors), regs.errors
    assert {"fine_model", "dcgan"} <= set(regs.models.specs)


def test_entry_point_naming_a_missing_module_is_reported(site):
    make_distribution(site, "genlab-ghost", {"ghost": "genlab_ghost_module"}, {})
    get_registries()
    error = get_plugin_manager().infos["ghost"].error
    assert error.startswith("failed to import: ModuleNotFoundError") and "\n" not in error


def test_plugin_failing_in_register_models_is_named_and_the_others_load(site):
    install(
        site,
        "genlab-half",
        {
            "half_plugin": """
                from genlab import hookimpl

                @hookimpl
                def register_models(register):
                    raise ValueError("weights file missing")
            """
        },
    )
    install(site, "genlab-fine", {"fine_plugin": model_plugin("fine_model")})
    regs = get_registries()
    message = next(e for e in regs.errors if "half_plugin" in e)
    assert "register_models" in message and "weights file missing" in message
    assert "weights file missing" in get_plugin_manager().infos["half_plugin"].error
    assert {"fine_model", "dcgan"} <= set(regs.models.specs)


def test_two_plugins_registering_one_model_name_are_both_named(site):
    install(site, "genlab-twin-a", {"twin_a": model_plugin("twin")})
    install(site, "genlab-twin-b", {"twin_b": model_plugin("twin")})
    regs = get_registries()
    clash = [e for e in regs.errors if "'twin'" in e]
    assert len(clash) == 1 and "twin_a" in clash[0] and "twin_b" in clash[0], regs.errors
    assert "GENLAB_DISABLE_PLUGINS" in clash[0], "the message says how to resolve it"
    assert regs.models.get("twin").plugin in ("twin_a", "twin_b")


def test_a_plugin_cannot_take_a_built_in_name(site):
    install(site, "genlab-impostor", {"impostor": model_plugin("dcgan")})
    regs = get_registries()
    assert regs.models.get("dcgan").plugin == "genlab_models.dcgan"
    assert any("impostor" in e and "genlab_models.dcgan" in e for e in regs.errors)


def test_hook_with_a_typo_is_reported(site):
    install(
        site,
        "genlab-typo",
        {
            "typo_plugin": """
                from genlab import hookimpl

                @hookimpl
                def register_model(register):
                    pass
            """
        },
    )
    regs = get_registries()
    error = get_plugin_manager().infos["typo_plugin"].error
    assert "unknown hook register_model" in error and "register_models" in error
    assert any("typo_plugin" in e for e in regs.errors)


def test_hook_with_an_unknown_argument_is_reported(site):
    install(
        site,
        "genlab-badargs",
        {
            "badargs_plugin": """
                from genlab import hookimpl

                @hookimpl
                def register_models(register, config):
                    pass
            """
        },
    )
    install(site, "genlab-fine", {"fine_plugin": model_plugin("fine_model")})
    regs = get_registries()
    assert "config" in get_plugin_manager().infos["badargs_plugin"].error
    assert "fine_model" in regs.models


def test_genlab_plugins_selects_entry_point_plugins(site, monkeypatch):
    install(site, "genlab-one", {"plugin_one": model_plugin("model_one")})
    install(site, "genlab-two", {"plugin_two": model_plugin("model_two")})
    monkeypatch.setenv("GENLAB_PLUGINS", "plugin_two")
    regs = get_registries()
    infos = get_plugin_manager().infos
    assert "plugin_one" not in infos and "model_one" not in regs.models
    assert "model_two" in regs.models
    assert "wgan_gp" not in infos, "installed plugins that are not selected stay out"
    assert "dcgan" in regs.models, "GENLAB_PLUGINS does not touch built-ins"


def test_genlab_disable_plugins_skips_entry_points_and_built_ins(site, monkeypatch):
    install(site, "genlab-one", {"plugin_one": model_plugin("model_one")})
    install(site, "genlab-two", {"plugin_two": model_plugin("model_two")})
    monkeypatch.setenv("GENLAB_DISABLE_PLUGINS", "plugin_one, genlab_models.dcgan")
    regs = get_registries()
    assert "model_one" not in regs.models and "dcgan" not in regs.models
    assert "model_two" in regs.models and "fashion" in regs.datasets


def test_a_disabled_plugin_resolves_a_name_clash(site, monkeypatch):
    install(site, "genlab-twin-a", {"twin_a": model_plugin("twin")})
    install(site, "genlab-twin-b", {"twin_b": model_plugin("twin")})
    monkeypatch.setenv("GENLAB_DISABLE_PLUGINS", "twin_a")
    regs = get_registries()
    assert regs.models.get("twin").plugin == "twin_b"
    assert not [e for e in regs.errors if "twin" in e]


@pytest.mark.parametrize("value, loaded", [("1", False), ("true", False), ("0", True)])
def test_autoload_switch(site, monkeypatch, value, loaded):
    install(site, "genlab-one", {"plugin_one": model_plugin("model_one")})
    monkeypatch.setenv("GENLAB_DISABLE_PLUGIN_AUTOLOAD", value)
    regs = get_registries()
    assert ("model_one" in regs.models) is loaded
    assert "dcgan" in regs.models, "built-ins load regardless"


def test_builtin_failures_report_the_genlab_distribution(site, monkeypatch):
    import importlib
    from importlib import metadata
    from types import SimpleNamespace

    from genlab import __version__

    class Broken:  # an entry point of the genlab distribution itself: a built-in
        name = value = "genlab_models.no_such_model"
        dist = SimpleNamespace(name="genlab", version=__version__)

        def load(self):
            return importlib.import_module(self.value)

    real = metadata.entry_points
    monkeypatch.setattr(
        "genlab.plugins.metadata.entry_points", lambda group: [*real(group=group), Broken()]
    )
    monkeypatch.setenv("GENLAB_DISABLE_PLUGIN_AUTOLOAD", "1")  # built-ins load all the same
    reset_plugin_manager()
    info = get_plugin_manager().infos["genlab_models.no_such_model"]
    assert info.builtin and info.distribution == "genlab" and info.version != "?"
    assert info.error.startswith("failed to import: ModuleNotFoundError")


def test_call_hook_isolates_a_failing_register_commands(site):
    install(
        site,
        "genlab-cmds",
        {
            "cmd_broken": """
                from genlab import hookimpl

                @hookimpl
                def register_commands(app):
                    raise RuntimeError("typer too old")
            """,
            "cmd_fine": """
                from genlab import hookimpl

                @hookimpl
                def register_commands(app):
                    app.append("hello")
            """,
        },
    )
    manager = get_plugin_manager()
    app = []
    errors = manager.call_hook("register_commands", app=app)
    assert app == ["hello"]
    assert errors == [
        "plugin 'cmd_broken' failed in register_commands: RuntimeError: typer too old"
    ]
    assert manager.infos["cmd_broken"].error.startswith("register_commands")
