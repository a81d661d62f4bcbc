"""Progress off a terminal: plain lines at a steady interval, resume position, correct counts.

The end-to-end tests run ``genlab`` with stderr to a file, as under nohup or CI: in this process,
and in a real process where Ctrl-C interrupts it.
"""

from __future__ import annotations

import io
import re
import signal
import subprocess
import sys

from rich.console import Console

from genlab.engine import progress as progress_module
from genlab.engine.progress import ProgressBar, ProgressLines, progress_callback
from tests.conftest import default_sigint, run_cli

LINE = re.compile(
    r"^(?P<run>\S+): epoch (?P<epoch>\d+)/(?P<epochs>\d+) step (?P<step>\d+)/(?P<steps>\d+)  "
    r"(?P<rate>[\d.]+) images/s  loss (?P<loss>\S+)  eta (?P<eta>[\d:]+|\?)$"
)
RESUMED = re.compile(r"^\S+: resumed from epoch (\d+) step (\d+)/(\d+)$")

# conv_ae: 512 images in batches of 8, 64 steps an epoch, a line every 7 steps.
ARGS = [
    *("run", "conv_ae", "--epochs", "2", "--limit", "512", "--batch-size", "8"),
    *("--no-eval", "--val-fraction", "0"),
]


def _positions(stderr: str) -> list[tuple[int, int]]:
    found = [LINE.match(line) for line in stderr.splitlines()]
    return [(int(m["epoch"]), int(m["step"])) for m in found if m]


def test_lines_every_tenth_of_an_epoch(tmp_path):
    result = run_cli(*ARGS, "--out", tmp_path / "run")
    assert result.returncode == 0, result.stderr
    marks = [7, 14, 21, 28, 35, 42, 49, 56, 63, 64]
    assert _positions(result.stderr) == [(1, s) for s in marks] + [(2, s) for s in marks]
    lines = [LINE.match(line) for line in result.stderr.splitlines()]
    last = [m for m in lines if m][-1]
    assert last["run"] == "run" and last["steps"] == "64" and last["epochs"] == "2"
    assert float(last["rate"]) > 0 and float(last["loss"]) > 0 and last["eta"] == "0:00"
    assert "\x1b[" not in result.stderr  # no terminal control codes in a log


def test_resumed_run_says_where_and_counts_from_there(tmp_path):
    out = tmp_path / "run"
    proc = subprocess.Popen(
        [sys.executable, "-m", "genlab.cli", *ARGS, "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_sigint,
    )
    for line in proc.stderr:  # the first progress line: 7 of 64 steps of epoch 1 are done
        if LINE.match(line.strip()):
            proc.send_signal(signal.SIGINT)
            break
    proc.communicate(timeout=120)
    assert proc.returncode == 130

    result = run_cli(*ARGS, "--out", out, "--resume")
    assert result.returncode == 0, result.stderr
    resumed = [RESUMED.match(line) for line in result.stderr.splitlines()]
    ((epoch, step, steps),) = [tuple(map(int, m.groups())) for m in resumed if m]
    assert (epoch, steps) == (1, 64) and 7 <= step < 64, (epoch, step)
    positions = _positions(result.stderr)
    assert positions[0][0] == 1 and step < positions[0][1] <= 64
    assert positions[-1] == (2, 64)
    assert all(s <= 64 for _, s in positions)
    assert [p for p in positions if p[0] == 1][-1] == (1, 64)


def _lines_callback(steps=100, start=(0, 0)):
    console = Console(file=io.StringIO(), force_terminal=False)
    callback = progress_callback(
        console, steps=steps, epochs=3, start=start, batch_size=8, title="r"
    )
    assert isinstance(callback, ProgressLines)
    return callback, console.file


def test_a_line_every_30_seconds_in_slow_epochs(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(progress_module.time, "perf_counter", lambda: now[0])
    callback, text = _lines_callback(steps=1000)
    callback.on_train_begin()
    callback.on_epoch_begin(0)
    for batch in range(40):  # one step every 2 s: 60 s, far below a tenth of the epoch
        now[0] += 2.0
        callback.on_train_batch_end(batch, {"loss": 0.5})
    lines = text.getvalue().splitlines()
    assert [_positions(x) for x in lines] == [[(1, 15)], [(1, 30)]]
    assert "4.0 images/s" in lines[1]  # 15 steps of 8 images in 30 s
    # 970 + 2000 steps left at 2 s a step (the rate is measured after the first step)
    assert lines[1].endswith("eta 1:39:00")


def test_resumed_counts_on_lines_and_bar():
    callback, text = _lines_callback(steps=32, start=(1, 16))
    callback.on_train_begin()
    callback.on_epoch_begin(1)
    for batch in range(16):
        callback.on_train_batch_end(batch, {"loss": 0.5})
    callback.on_epoch_begin(2)  # the next fit call starts a full epoch
    callback.on_train_batch_end(3, {"loss": 0.5})
    lines = text.getvalue().splitlines()
    assert lines[0] == "r: resumed from epoch 2 step 16/32"
    assert _positions(text.getvalue())[:2] == [(2, 20), (2, 24)]
    assert _positions(text.getvalue())[-2:] == [(2, 32), (3, 4)]

    console = Console(file=io.StringIO(), force_terminal=True)
    bar = progress_callback(console, steps=32, epochs=3, start=(1, 16), batch_size=8, title="r")
    assert isinstance(bar, ProgressBar)
    bar.on_train_begin()
    bar.on_epoch_begin(1)
    bar.on_train_batch_end(15, {"loss": 0.5})  # the resumed epoch's last step
    task = bar.progress.tasks[0]
    assert (task.completed, task.total) == (64, 96)
    bar.close()
