"""Optuna and Ray are optional: importing genlab and its light commands never imports them."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("optuna", "ray", "tensorflow")


def test_help_list_plugins_and_tune_help_import_no_optional_dependency():
    code = (
        "import sys, json\n"
        "from typer.testing import CliRunner\n"
        "import genlab\n"
        "from genlab.cli import app\n"
        "codes = [CliRunner().invoke(app, args).exit_code for args in "
        "(['--help'], ['list'], ['plugins'], ['tune', '--help'], ['compare', '--help'])]\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print(json.dumps({'codes': codes, 'heavy': heavy, 'space': genlab.LogUniform.__name__}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["codes"] == [0, 0, 0, 0, 0]
    assert result["heavy"] == [], f"imported {result['heavy']}"
    assert result["space"] == "LogUniform"
