"""Every hint genlab prints is a command that works.

The error paths below fail fast (nothing trains). From each ``error:`` and ``warning:`` line the
test collects the hints: quoted commands (``'genlab run dcgan --out runs/x --resume'``) must
parse as written; options offered as a fix (``rerun with --debug``, ``use --method pca``) must
parse when added to the command that failed; every other option a line names must exist on that
command; every ``genlab[extra]`` must be an extra genlab declares. Parsing runs the command line
through genlab's own click command with every command's body replaced by a no-op, so types,
choices, required arguments and unknown options are all checked, and nothing runs.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.cli.absent import run_without
from tests.plugins.distributions import make_distribution

ROOT = Path(__file__).resolve().parents[2]

#: A hint verb, then an option, then maybe its value (a lowercase word; ``K``, ``DIR`` are
#: placeholders).
OFFERED = re.compile(
    r"(?:rerun with|use|add|choose|installed:|Fix:|or)\s+(--[a-z][a-z-]*)"
    r"(?:[ =]([a-z0-9][\w.:/-]*))?"
)
OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z-]*)")
QUOTED = re.compile(r"'(genlab [^']*)'|\"(genlab [^\"]*)\"|`(genlab [^`]*)`")
EXTRA = re.compile(r"genlab\[([\w,-]+)\]")


def _incomplete_run(tmp: Path) -> Path:
    run = tmp / "half done"
    run.mkdir()
    (run / "config.json").write_text(json.dumps({"model": "dcgan"}))
    (run / "status.json").write_text(json.dumps({"state": "running"}))
    return run


def _folder_dataset(tmp: Path) -> tuple[Path, Path]:
    from PIL import Image

    rng = np.random.default_rng(0)
    images = tmp / "images"
    images.mkdir()
    for i in range(6):
        Image.fromarray((rng.random((28, 28)) * 255).astype("uint8")).save(images / f"{i}.png")
    samples = tmp / "samples.npy"
    np.save(samples, rng.random((8, 28, 28, 1)).astype("float32"))
    return samples, images


def _broken_plugin(tmp: Path) -> dict:
    site = make_distribution(
        tmp / "site", "genlab-boom", {"boom": "boom"}, {"boom": "raise ImportError('x')\n"}
    )
    return {"PYTHONPATH": str(site)}


def _bug(monkeypatch):
    def broken():
        raise RuntimeError("boom")

    monkeypatch.setattr("genlab.cli._warn_about_plugins", broken)


#: ``(id, args, setup)``: ``args`` may hold callables of the temporary folder; ``setup(
#: monkeypatch, tmp)`` returns the environment of the call (or None).
ERROR_PATHS = [
    ("unknown model", ["run", "nosuchmodel"], None),
    ("not a run directory", ["sample", "/nonexistent/run", "-o", "x.png"], None),
    ("incomplete run", ["sample", _incomplete_run, "-o", "x.png"], None),
    ("bad data dir", ["run", "dcgan", "--data-dir", "/nonexistent/data"], None),
    ("budget with multiworker", ["run", "dcgan", "--budget-minutes", "1", "--strategy",
                                 "multiworker"], None),
    ("pruner with jobs", ["tune", "gan", "--pruner", "asha", "--jobs", "2"], None),
    ("search images alone", ["compare", "gan", "vae", "--search-images", "100"], None),
    ("no evaluator", ["evaluate", lambda t: _folder_dataset(t)[0], "--dataset",
                      lambda t: t / "images"], None),
    ("no sklearn", ["explore", "/nonexistent/run", "--method", "tsne"],
     lambda mp, t: mp.setitem(sys.modules, "sklearn", None)),
    ("no optuna", ["tune", "gan"], lambda mp, t: mp.setitem(sys.modules, "optuna", None)),
    ("no ray", ["compare", "gan", "vae", "--executor", "ray"],
     lambda mp, t: mp.setitem(sys.modules, "ray", None)),
    ("broken plugin", ["run", "dcgan", "--epochs", "0"], lambda mp, t: _broken_plugin(t)),
    ("a bug", ["run", "dcgan"], lambda mp, t: _bug(mp)),
]  # fmt: skip


def _commands():
    """genlab's click command, every command's body a no-op, and the root's (plugin warnings)
    too."""
    from genlab.cli import command

    group = command()
    stack = [group]
    while stack:
        cmd = stack.pop()
        cmd.callback = lambda *a, **k: None
        stack.extend(getattr(cmd, "commands", {}).values())
    return group


def parse(args: list[str]) -> None:
    """Parse ``genlab ARGS`` as the console script would, running nothing; raises on a bad
    command line."""
    _commands().main(list(args), prog_name="genlab", standalone_mode=False)


def subcommand(args: list[str]):
    """The (sub)command ``genlab ARGS`` runs, and the root command."""
    root = cmd = _commands()
    for arg in args:
        if not hasattr(cmd, "commands"):
            break
        if arg in cmd.commands:
            cmd = cmd.commands[arg]
    return cmd, root


def option(cmd, root, name):
    return next((p for c in (cmd, root) for p in c.params if name in p.opts), None)


def declared_extras() -> set[str]:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return set(project.get("optional-dependencies", {}))


def hint_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(("error:", "warning:"))]


def check_hints(args: list[str], lines: list[str]) -> list[str]:
    """What is wrong with the hints of ``lines`` (printed by ``genlab ARGS``)."""
    problems = []
    cmd, root = subcommand(args)
    for line in lines:
        for quoted in ("".join(groups) for groups in QUOTED.findall(line)):
            try:
                parse(shlex.split(quoted)[1:])
            except Exception as exc:  # noqa: BLE001 - any failure to parse is the finding
                problems.append(f"{quoted!r} does not parse ({exc}); from: {line}")
        rest = QUOTED.sub("", line)
        for name in OPTION.findall(rest):
            if option(cmd, root, name) is None:
                problems.append(f"{name} is not an option of 'genlab {' '.join(args)}': {line}")
        for name, value in OFFERED.findall(rest):
            param = option(cmd, root, name)
            if param is None:
                continue  # reported above
            extra = [name] if param.is_flag else [name, value] if value else None
            if extra is None:
                continue  # "use --epochs": the option exists, its value is the user's
            try:
                parse([*args, *extra])
            except Exception as exc:  # noqa: BLE001
                problems.append(f"'{' '.join([*args, *extra])}' does not parse ({exc}): {line}")
        for extras in EXTRA.findall(line):
            for extra in extras.split(","):
                if extra not in declared_extras():
                    problems.append(f"genlab[{extra}] is not a declared extra: {line}")
    return problems


@pytest.mark.parametrize(
    ("args", "setup"), [p[1:] for p in ERROR_PATHS], ids=[p[0] for p in ERROR_PATHS]
)
def test_every_hint_of_an_error_is_a_command_that_works(cli, monkeypatch, tmp_path, args, setup):
    env = setup(monkeypatch, tmp_path) if setup else None
    args = [str(a(tmp_path)) if callable(a) else a for a in args]
    result = cli(*args, env=env)
    assert result.returncode != 0, result.stderr
    lines = hint_lines(result.stderr)
    assert lines, result.stderr
    assert not check_hints(args, lines)


@pytest.mark.parametrize(
    "args",
    [["run", "dcgan", "--epochs", "1"], ["sample", "RUN", "-o", "x.png"], ["explore", "RUN"]],
)
def test_the_hints_of_a_missing_tensorflow_work(args):
    result = run_without(["tensorflow"], *args)
    assert result.returncode == 2, result.stderr
    assert not check_hints(args, hint_lines(result.stderr))


def test_the_paths_above_print_the_hints_they_are_here_for(cli, monkeypatch, tmp_path):
    """Each kind of hint is met at least once, so the checks above check something."""
    seen = []
    for name, args, setup in ERROR_PATHS:
        folder = tmp_path / name.replace(" ", "-")
        folder.mkdir()
        with monkeypatch.context() as mp:
            env = setup(mp, folder) if setup else None
            args = [str(a(folder)) if callable(a) else a for a in args]
            seen += hint_lines(cli(*args, env=env).stderr)
    text = "\n".join(seen)
    for expected in (
        "rerun with --debug",
        "use --method pca",
        "use --epochs",
        "add --search K",
        "'genlab evaluator train --dataset",
        "genlab run dcgan --out",
        "'genlab plugins --check'",
        "pip install 'genlab[tune]'",
        "pip install 'genlab[ray]'",
    ):
        assert expected in text, expected


def test_debug_after_the_command_parses():
    parse(["run", "dcgan", "--epochs", "1", "--debug"])
    parse(["evaluator", "train", "--dataset", "fashion", "--debug"])
    parse(["--debug", "run", "dcgan"])


def test_the_checks_catch_a_hint_that_does_not_work():
    assert check_hints(["run", "dcgan"], ["error: x; rerun with --verbose"])
    assert check_hints(["run", "dcgan"], ["error: x; use --epochs one"])
    assert check_hints(["run", "dcgan"], ["error: x; see 'genlab run --nosuch'"])
    assert check_hints(["run", "dcgan"], ["error: x. Fix: pip install 'genlab[nosuch]'"])
    assert check_hints(["explore", "r"], ["error: x, or use --method pca"]) == []
