"""`genlab compare ... --json` end to end, in a subprocess like a user would run it."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import run_cli

#: Cheapest partners for dcgan first; whatever else is registered after them.
PARTNERS = ("conv_ae", "vae", "stacked_ae", "gan", "sparse_ae", "denoising_ae")


def _partner() -> str | None:
    from genlab.registry import get_registries

    names = [s.name for s in get_registries().models if s.name != "dcgan"]
    preferred = [n for n in PARTNERS if n in names]
    return (preferred or names or [None])[0]


def test_unknown_model_is_refused_before_training(tmp_path):
    result = run_cli("compare", "dcgan", "dcgna", "--epochs", "1", "--out", tmp_path / "c")
    assert result.returncode == 2
    assert re.search(r"error: unknown model 'dcgna'; did you mean 'dcgan'", result.stderr)
    assert not (tmp_path / "c").exists() and result.stdout == ""


def test_compare_two_models_over_two_seeds_as_json(tmp_path, fashion):
    """Training only (--no-eval keeps it fast); metric aggregation is covered by
    test_aggregate.py and test_report.py on hand-written metrics."""
    other = _partner()
    if other is None:
        pytest.skip("only dcgan is registered; a second model is needed to compare")
    out = tmp_path / "cmp"
    args = ["compare", "dcgan", other, "--dataset", "fashion", "--epochs", "1", "--limit", "256"]
    result = run_cli(*args, "--seeds", "2", "--out", out, "--json", "--no-eval")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)  # stdout holds the JSON and nothing else
    assert data["models"] == ["dcgan", other] and data["seeds"] == [0, 1]
    assert [(r["model"], r["seed"], r["state"]) for r in data["runs"]] == [
        ("dcgan", 0, "complete"),
        ("dcgan", 1, "complete"),
        (other, 0, "complete"),
        (other, 1, "complete"),
    ]
    for model in ("dcgan", other):
        training = data["aggregate"][model]["training"]
        assert training["epochs"] == {"mean": 1.0, "std": 0.0, "n": 2}
        assert training["train_seconds"]["n"] == 2 and training["train_seconds"]["std"] >= 0
    assert re.search(r"\[4/4\] \S+ seed 1: training", result.stderr)
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") >= 3 and (out / "report.md").is_file()
    assert json.loads((out / "comparison.json").read_text())["models"] == ["dcgan", other]
