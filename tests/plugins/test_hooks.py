"""Every hook end to end, through an installed-looking plugin, and ``genlab plugins``."""

from __future__ import annotations

import json
import os
import sys

from genlab.plugins import get_plugin_manager
from genlab.registry import get_registries
from tests.conftest import run_cli
from tests.plugins.distributions import MODEL_PLUGIN, make_distribution

EVERYTHING = """
    from genlab import ArraySplits, DatasetSpec, MetricSpec, hookimpl

    SEEN = []


    def load(data_dir):
        from genlab.testing import synthetic_images

        return ArraySplits(synthetic_images(64), None, synthetic_images(16, seed=1), None)


    def brightness_gap(ctx):
        images = ctx.unscale(ctx.model.sample(16, seed=ctx.seed))
        return {"brightness_gap": abs(float(images.mean()) - float(ctx.test01.mean()))}


    @hookimpl
    def register_datasets(register):
        register(DatasetSpec(name="blocks", description="random rectangles", load=load))


    @hookimpl
    def register_metrics(register):
        register(MetricSpec(name="brightness_gap", description="d",
                            compute="everything:brightness_gap", requires=frozenset({"sample"})))


    @hookimpl
    def register_callbacks(register, run):
        import keras  # here, not at the top: genlab list imports this module

        class Recorder(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                SEEN.append((run.config["model"], epoch, sorted(logs or {})))

        register(Recorder())
"""


COMMANDS = """
    import typer
    from genlab import hookimpl


    @hookimpl
    def register_commands(app):
        @app.command("hello")
        def hello(name: str = typer.Option("world", "--name")):
            '''Say hello (added by a plugin).'''
            print(f"hello {name} from a plugin")
"""

BROKEN = {
    "broken_import": "raise ImportError('needs torch')\n",
    "broken_register": """
        from genlab import hookimpl

        @hookimpl
        def register_models(register):
            raise ValueError("weights file missing")
    """,
    "working": MODEL_PLUGIN.format(name="working_model"),
}


def cli_with(site, *args):
    """``genlab ARGS`` (in this process) with ``site`` on the path, plugins discovered afresh."""
    path = os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    # wide enough that rich does not truncate table cells
    return run_cli(*args, env={"PYTHONPATH": path, "COLUMNS": "250"})


def test_register_datasets_callbacks_and_metrics_in_a_real_run(site, tmp_path):
    from genlab.config import RunConfig
    from genlab.run import run_one

    make_distribution(
        site, "genlab-everything", {"everything": "everything"}, {"everything": EVERYTHING}
    )
    assert get_registries().datasets.get("blocks").plugin == "everything"
    config = RunConfig(
        model="dcgan",
        dataset="blocks",
        epochs=2,
        batch_size=32,
        overrides={"width": 8, "latent_dim": 8},
        out=str(tmp_path / "run"),
        eval_samples=16,
        grids=False,
    )
    summary = run_one(config)
    assert summary["epochs"] == 2
    gap = summary["metrics"]["brightness_gap"]
    assert isinstance(gap, float) and 0.0 <= gap <= 1.0, summary["metrics"]
    seen = sys.modules["everything"].SEEN
    assert [epoch for _, epoch, _ in seen] == [0, 1], "the plugin's callback saw every epoch"
    assert seen[0][0] == "dcgan" and "d_loss" in seen[0][2]
    assert get_plugin_manager().infos["everything"].registered["datasets"] == ["blocks"]


def test_register_metrics_is_listed(site):
    make_distribution(
        site, "genlab-everything", {"everything": "everything"}, {"everything": EVERYTHING}
    )
    spec = get_registries().metrics.get("brightness_gap")
    assert spec.plugin == "everything" and spec.keys == {"brightness_gap": "lower"}
    assert spec.requires == frozenset({"sample"})
    listing = json.loads(cli_with(site, "list", "--json").stdout)
    assert "brightness_gap" in {m["name"] for m in listing["metrics"]}


def test_register_commands_adds_a_cli_command(site):
    make_distribution(site, "genlab-hello", {"hello_cmd": "hello_cmd"}, {"hello_cmd": COMMANDS})
    result = cli_with(site, "hello", "--name", "genlab")
    assert result.returncode == 0, result.stderr
    assert "hello genlab from a plugin" in result.stdout
    assert "hello" in cli_with(site, "--help").stdout


def test_a_failing_register_commands_does_not_break_the_cli(site):
    make_distribution(
        site,
        "genlab-badcmd",
        {"badcmd": "badcmd"},
        {
            "badcmd": "from genlab import hookimpl\n\n@hookimpl\ndef register_commands(app):\n"
            "    raise RuntimeError('typer too old')\n"
        },
    )
    result = cli_with(site, "plugins", "--json")
    assert result.returncode == 0, result.stderr
    bad = next(p for p in json.loads(result.stdout) if p["name"] == "badcmd")
    assert "typer too old" in bad["error"]


def test_genlab_plugins_shows_every_plugin_and_every_failure(site):
    make_distribution(site, "genlab-mixed", {m: m for m in BROKEN}, BROKEN, version="0.4.2")
    result = cli_with(site, "plugins", "--json")
    assert result.returncode == 0, result.stderr
    plugins = {p["name"]: p for p in json.loads(result.stdout)}
    working = plugins["working"]
    assert (working["distribution"], working["version"]) == ("genlab-mixed", "0.4.2")
    assert working["hooks"] == ["register_models"]
    assert working["registered"] == {"models": ["working_model"]}
    assert working["error"] is None and working["builtin"] is False
    assert plugins["broken_import"]["error"] == "failed to import: ImportError: needs torch"
    assert "weights file missing" in plugins["broken_register"]["error"]
    dcgan = plugins["genlab_models.dcgan"]
    assert dcgan["builtin"] and dcgan["distribution"] == "genlab"
    assert dcgan["registered"] == {"models": ["dcgan"]}

    table = cli_with(site, "plugins")
    assert table.returncode == 0
    for text in ("working", "genlab-mixed", "0.4.2", "broken_import (failed)"):
        assert text in table.stdout
    assert "plugin 'broken_import': failed to import: ImportError: needs torch" in table.stderr


def test_genlab_list_warns_about_broken_plugins_and_still_works(site):
    make_distribution(site, "genlab-mixed", {m: m for m in BROKEN}, BROKEN)
    result = cli_with(site, "list", "--json")
    assert result.returncode == 0, result.stderr
    listing = json.loads(result.stdout)
    assert {"working_model", "dcgan"} <= {m["name"] for m in listing["models"]}
    assert any("broken_import" in e for e in listing["errors"])
    assert any("broken_register" in e for e in listing["errors"])


def test_plugins_check_exits_non_zero_on_a_load_error(site):
    assert cli_with(site, "plugins", "--check").returncode == 0, "all plugins load"
    make_distribution(site, "genlab-mixed", {m: m for m in BROKEN}, BROKEN)
    result = cli_with(site, "plugins", "--check")
    assert result.returncode == 1
    assert "plugin 'broken_import': failed to import" in result.stderr


def test_every_command_warns_in_one_line_and_names_the_plugin_that_failed(site):
    boom = {"boom": "raise ImportError('needs torch')\n"}
    make_distribution(site, "genlab-boom", {"boom": "boom"}, boom)
    result = cli_with(site, "run", "boom", "--epochs", "1")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith("warning: plugin 'boom': failed to import: ImportError")
    assert lines[0].endswith("see 'genlab plugins --check'")
    assert lines[1].startswith(
        "error: unknown model 'boom' (plugin 'boom' that may provide it failed to load: "
        "failed to import: ImportError: needs torch)"
    )
    # a name clash is reported the same way by a command that trains nothing
    clash = {"impostor": MODEL_PLUGIN.format(name="dcgan")}
    make_distribution(site, "genlab-impostor", {"impostor": "impostor"}, clash)
    listing = cli_with(site, "evaluator", "list", "--json")
    assert listing.returncode == 0
    assert "warning:" in listing.stderr and "(+1 more)" in listing.stderr
