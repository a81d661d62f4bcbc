"""The driver's ``running:`` line, read from what each run directory holds so far."""

from __future__ import annotations

import json

from genlab.config import RunConfig
from genlab.execution.executors import Job
from genlab.execution.pipeline import running_line
from genlab.run_dir import RunDir


def _job(root, key, model="dcgan"):
    out = root / key
    out.mkdir()
    return Job(key, RunConfig(model, epochs=3, out=str(out)))


def test_running_line_says_epoch_speed_and_images_before_the_first_epoch_ends(tmp_path):
    fresh, early, later = (_job(tmp_path, k) for k in ("fresh", "early", "later"))
    RunDir(early.config.out).write_curve([{"images": 4096}, {"images": 8192}])
    row = {"epoch": 2, "images_per_s": 812.4}
    (tmp_path / "later" / "history.jsonl").write_text(json.dumps(row) + "\n")
    line = running_line([fresh, early, later])
    assert line == (
        "running: fresh starting; early epoch 1/3 8,192 images; later epoch 2/3 812 img/s"
    )
    assert running_line([]) == "running: waiting for a worker"
