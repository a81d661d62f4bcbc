"""Bad input: one line naming the problem and the fix, a non-zero exit, no traceback."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["run", "nosuchmodel", "--dataset", "fashion"], "unknown model 'nosuchmodel'"),
        (["run", "dcgn"], "did you mean 'dcgan'"),
        (["run", "dcgan", "--dataset", "fashon"], "did you mean 'fashion'"),
        (["run", "dcgan", "--epochs", "-1"], "--epochs must be a positive integer"),
        (["run", "dcgan", "--batch-size", "0"], "--batch-size must be a positive integer"),
        (["run", "dcgan", "--set", "nosuch=1"], "valid keys: beta_1, d_lr, dropout"),
        (["run", "dcgan", "--set", "width=wide"], "expected int"),
        (["run", "dcgan", "--set", "lr"], "expects key=value"),
        (["run", "dcgan", "--ema", "1.5"], "--ema must be in [0, 1)"),
        (["run", "dcgan", "--ema", "0.9", "--no-ema"], "--ema and --no-ema contradict"),
        (["run", "dcgan", "--device", "tpu"], "--device must be one of auto, cpu, gpu"),
        (["run", "dcgan", "--out", "/etc/hostname/run"], "cannot write to run directory"),
        (["sample", "/nonexistent/run", "-o", "x.png"], "not a genlab run directory"),
        (["sample", ".", "-n", "0", "-o", "x.png"], "-n must be a positive integer"),
    ],
)
def test_bad_input_is_one_clear_line(cli, args, expected, tmp_path):
    result = cli(*args)
    assert result.returncode != 0
    assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1, result.stderr


def test_unknown_model_exits_2(cli):
    assert cli("run", "nosuchmodel", "--dataset", "fashion").returncode == 2


def test_debug_shows_the_traceback(cli):
    result = cli("--debug", "run", "nosuchmodel")
    assert result.returncode != 0 and "Traceback" in result.stderr


def test_version(cli):
    from genlab import __version__

    result = cli("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"genlab {__version__}"
