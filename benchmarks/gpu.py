"""genlab on one GPU with the JAX backend: what a person with a GPU runs to measure it.

Five parts, run in the order given by ``--parts`` (default: all, in this order):

``raw``
    the TensorFlow tutorial's DCGAN step written directly in Keras 3 on JAX
    (``benchmarks/raw_jax_dcgan.py``): images/s at each batch size, bfloat16 and float32,
    compilation excluded. The ceiling genlab is compared with.
``genlab``
    genlab's own ``dcgan`` through its command line (``genlab run dcgan --backend jax``) at the
    same batch sizes and precisions (``GENLAB_MIXED_PRECISION=1|0``): images/s of the epochs
    after the first (the first compiles), read from the run's ``history.jsonl``, and genlab/raw
    (goal: at least 0.8).
``epoch``
    one full ``genlab run dcgan --backend jax --epochs 1`` (60,000 images) at the model's default
    batch and at 128: training seconds (goals: 3 s at batch 16, 1 s at 128), evaluation seconds
    of the 10,000 samples (goal: 3 s), quality-curve seconds and the command's wall time.
``diffusion``
    the diffusion plugin: images/s training; ms per sample at 20 DDIM steps as the run's
    evaluation records it (compilation included), and timed in one process once compiled
    (``load_run_model`` then ``model.sample(1000)`` twice); the wall time of
    ``genlab sample RUN -n 1000 -o x.npy``.
``compare``
    ``genlab compare`` of the seven built-ins and diffusion, ``--images 131072 --seeds 2``,
    quality curves on: wall time (goal: 5 minutes). Cut off by the deadline, it reports how many
    runs finished and the wall time that rate implies.

Every part catches its own failure (the tail of its log is printed, the next part runs), prints
as it goes, and rewrites ``OUT/results.json`` and ``OUT/results.md`` when it ends, so a killed run
still leaves what finished. ``OUT/logs/`` has the output of every command, ``OUT/runs/`` and
``OUT/compare/`` the small files of every run (config, status, history, metrics, curve); the runs
themselves (networks, checkpoints, samples) stay in ``--work`` (default: a temporary folder,
removed at the end). The commands share one JAX compilation cache (``JAX_COMPILATION_CACHE_DIR``,
default ``WORK/jax-cache``), as a user's successive runs would. ``--deadline`` (seconds from the
start) bounds the whole script: every command gets at most what is left of its part's share
(``--caps``) and of the deadline; the part running at the deadline is stopped and reports what it
has. Parts run in the order given, so ``--parts compare,raw,genlab,epoch,diffusion`` gives the
comparison the most time.

Needs no network and no TensorFlow: Keras 3, JAX (with CUDA for a GPU), and genlab with its two
plugin packages installed so that their entry points are found. ``benchmarks/gpu.sh`` sets that up
from a folder of wheels (``benchmarks/make_gpu_bundle.sh`` makes it). Run with::

    bash benchmarks/gpu.sh --wheels .gpu --data-dir .gpu/fashion-mnist --out /tmp/gpu
    python benchmarks/gpu.py --data-dir DIR --out DIR [--parts raw,genlab] [--deadline 440]
    python benchmarks/gpu.py --dry-run --data-dir /usr/share/datasets/fashion-mnist --out /tmp/g

``--dry-run`` runs every part at toy sizes on the CPU (``JAX_PLATFORMS=cpu``) in a few minutes:
it checks the script, not the speed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
PARTS = ("raw", "genlab", "epoch", "diffusion", "compare")
COMPARE_MODELS = (
    "stacked_ae",
    "conv_ae",
    "denoising_ae",
    "sparse_ae",
    "vae",
    "gan",
    "dcgan",
    "diffusion",
)
#: Seconds each part may take at most (the deadline may leave it less).
CAPS = {"raw": 80, "genlab": 130, "epoch": 70, "diffusion": 55, "compare": 600}
#: Guessed genlab images/s on a GPU, to size a run when the raw part has not measured the batch.
GUESSED_IMAGES_PER_S = {16: 20_000, 128: 100_000, 512: 200_000}
POLICIES = {"bf16": "mixed_bfloat16", "fp32": "float32"}
RATIO_GOAL = 0.8
EPOCH_GOALS = {16: 3.0, 128: 1.0}
EVAL_GOAL = 3.0
COMPARE_GOAL = 300.0
TAIL_LINES = 25


@dataclass
class Sizes:
    """How big each part is: the real measurement, or the dry run's toy version."""

    batch_sizes: tuple[int, ...]
    precisions: tuple[str, ...]
    raw_steps_per_call: int
    raw_min_seconds: float
    raw_min_calls: int
    raw_limit: int | None
    genlab_seconds: float
    epoch_batches: tuple[int | None, ...]  # None: the model's default
    epoch_limit: int | None
    eval_n: int | None
    compare_models: tuple[str, ...]
    compare_images: int
    compare_seeds: int
    compare_extra: tuple[str, ...]
    diffusion_images: int
    diffusion_limit: int
    diffusion_eval_n: int
    sample_n: int
    #: dcgan's width in the raw step and genlab's runs (None: the model's default)
    dcgan_width: int | None = None
    diffusion_extra: tuple[str, ...] = ()

    def dcgan_sets(self) -> list[str]:
        return ["--set", f"width={self.dcgan_width}"] if self.dcgan_width else []

    @classmethod
    def real(cls, args) -> Sizes:
        return cls(
            batch_sizes=args.batch_sizes,
            precisions=args.precisions,
            raw_steps_per_call=args.steps_per_call,
            raw_min_seconds=1.0,
            raw_min_calls=3,
            raw_limit=None,
            genlab_seconds=args.genlab_seconds,
            epoch_batches=(None, 128),
            epoch_limit=None,
            eval_n=None,
            compare_models=COMPARE_MODELS,
            compare_images=131_072,
            compare_seeds=2,
            compare_extra=(),
            diffusion_images=args.diffusion_images,
            diffusion_limit=30_000,
            diffusion_eval_n=1000,
            sample_n=1000,
        )

    @classmethod
    def dry(cls, args) -> Sizes:
        return cls(
            batch_sizes=(8,),
            precisions=args.precisions,
            raw_steps_per_call=1,
            raw_min_seconds=0.0,
            raw_min_calls=1,
            raw_limit=512,
            genlab_seconds=0.0,
            epoch_batches=(None, 32),
            epoch_limit=128,
            eval_n=100,
            compare_models=("stacked_ae", "conv_ae"),
            compare_images=512,
            compare_seeds=1,
            compare_extra=("--curve", "100", "--curve-from", "256", "--eval-n", "100"),
            diffusion_images=64,
            diffusion_limit=32,
            diffusion_eval_n=16,
            sample_n=16,
            dcgan_width=16,
            diffusion_extra=("--batch-size", "16"),
        )


@dataclass
class Proc:
    """What a finished (or stopped) command left."""

    rc: int | None
    seconds: float
    log: Path
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.rc == 0 and not self.timed_out

    def tail(self, lines: int = TAIL_LINES) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.rstrip().splitlines()[-lines:])

    def why(self) -> str:
        if self.timed_out:
            return f"stopped after {self.seconds:.0f} s (time limit)"
        return f"exit code {self.rc}"


class PartFailed(Exception):
    """A part could not measure what it is for; the message says why in one line."""


@dataclass
class Bench:
    args: argparse.Namespace
    sizes: Sizes
    out: Path
    work: Path
    started: float = field(default_factory=time.perf_counter)
    results: dict = field(default_factory=dict)
    summary: list = field(default_factory=list)  # (part, case, measured, goal, met)
    raw_rows: dict = field(default_factory=dict)  # (precision, batch) -> images/s
    backend_checked: bool | None = None
    part_deadline: float = 0.0

    # -- time -------------------------------------------------------------------------------
    def left(self) -> float:
        """Seconds left to the current part: its cap, and the global deadline."""
        now = time.perf_counter()
        return min(self.part_deadline, self.started + self.args.deadline) - now

    # -- commands ---------------------------------------------------------------------------
    def env(self, **extra) -> dict:
        env = dict(os.environ)
        env.update(
            KERAS_BACKEND="jax",
            GENLAB_BACKEND="jax",
            JAX_COMPILATION_CACHE_DIR=str(self.args.cache_dir),
            JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0",
            PYTHONUNBUFFERED="1",
            TF_CPP_MIN_LOG_LEVEL="2",
        )
        if self.args.dry_run:
            env["JAX_PLATFORMS"] = "cpu"
        env.update({k: str(v) for k, v in extra.items()})
        return env

    def run(self, name: str, cmd: list, timeout: float | None = None, echo=None, **env) -> Proc:
        """Run ``cmd`` with its output in ``OUT/logs/NAME.log``, stopped at ``timeout`` or when
        the part's time is up; lines for which ``echo(line)`` is true are printed as they come."""
        limit = self.left() if timeout is None else min(timeout, self.left())
        log = self.out / "logs" / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        if limit <= 1:
            log.write_text("not started: no time left\n")
            return Proc(None, 0.0, log, timed_out=True)
        started = time.perf_counter()
        with log.open("w") as f, log.open() as reader:
            shown = ("'<script>'" if "\n" in str(c) else str(c) for c in cmd)
            f.write("$ " + " ".join(shown) + "\n")
            f.flush()
            proc = subprocess.Popen(
                [str(c) for c in cmd],
                stdout=f,
                stderr=subprocess.STDOUT,
                env=self.env(**env),
                start_new_session=True,  # its own process group: stopped as a whole
            )
            timed_out = False
            try:
                while proc.poll() is None:
                    if time.perf_counter() - started > limit:
                        timed_out = True
                        break
                    time.sleep(0.2)
                    echo_lines(reader, echo)
            finally:  # the time is up, or this script is being stopped: so is the command
                if proc.poll() is None:
                    stop(proc)
            echo_lines(reader, echo)
        return Proc(proc.returncode, time.perf_counter() - started, log, timed_out)

    def genlab(self, *args) -> list[str]:
        return [sys.executable, "-m", "genlab", *map(str, args)]

    def check_backend(self) -> None:
        """Fail the part at once, with one clear line, if this genlab has no ``--backend``."""
        if self.backend_checked is None:
            proc = self.run("genlab-run-help", self.genlab("run", "--help"), timeout=120)
            if not proc.ok:  # asked again by the next part
                raise PartFailed(f"'genlab run --help' failed ({proc.why()}):\n{proc.tail()}")
            self.backend_checked = "--backend" in proc.log.read_text(errors="replace")
        if not self.backend_checked:
            raise PartFailed(
                "this genlab has no --backend option ('genlab run --help'): the JAX backend is "
                "not in it yet, so genlab cannot be measured on JAX"
            )

    # -- results ----------------------------------------------------------------------------
    def goal(self, part, case, measured, goal="", met=None, echo=True) -> None:
        self.summary.append((part, case, measured, goal, met))
        if not echo:
            return
        mark = "" if met is None else ("  [goal met]" if met else "  [goal MISSED]")
        print(f"  {case}: {measured}{'  (goal ' + goal + ')' if goal else ''}{mark}", flush=True)

    def save(self) -> None:
        data = {
            "environment": self.results.get("environment"),
            "dry_run": self.args.dry_run,
            "seconds": round(time.perf_counter() - self.started, 1),
            "parts": {k: v for k, v in self.results.items() if k != "environment"},
            "summary": [
                {"part": p, "case": c, "measured": m, "goal": g, "met": ok}
                for p, c, m, g, ok in self.summary
            ],
        }
        for name, text in (
            ("results.json", json.dumps(data, indent=1) + "\n"),
            ("results.md", markdown(data)),
        ):
            tmp = self.out / f".{name}.tmp"
            tmp.write_text(text)
            tmp.replace(self.out / name)  # never half a file, whenever the script is stopped


def echo_lines(reader, echo) -> None:
    """Print the complete new lines of a log that ``echo`` selects."""
    if echo is None:
        return
    while True:
        position = reader.tell()
        line = reader.readline()
        if not line.endswith("\n"):  # nothing new, or a line still being written
            reader.seek(position)
            return
        if echo(line.rstrip("\n")):
            print(line.rstrip("\n"), flush=True)


def stop(proc: subprocess.Popen) -> None:
    """Stop a command started by :meth:`Bench.run` and everything it started."""
    for sig, wait in ((signal.SIGINT, 10), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


# -- reading run directories -----------------------------------------------------------------
def read_rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    rows = []
    for line in path.read_text().splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:  # a line being written when the run was stopped
            continue
    return rows


def read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return {}


def steady_images_per_s(history: list[dict]) -> tuple[float | None, str]:
    """Training images/s from ``history.jsonl``, and which epochs it comes from: the median of
    the full epochs after the first (in case the first includes compiling), else the first."""
    full = [r for r in history if not r.get("partial") and r.get("images_per_s")]
    if len(full) >= 2:
        rates = [r["images_per_s"] for r in full[1:]]
        where = f"median of epochs 2-{len(full)}" if len(full) > 2 else "epoch 2"
        return statistics.median(rates), where
    if full:
        return full[0]["images_per_s"], "epoch 1 only"
    if history:
        return history[-1].get("images_per_s"), "a partial epoch"
    return None, "no epoch finished"


def compile_fields(history: list[dict]) -> dict:
    """What the run recorded about compiling (fields named ``*compile*``), from its last row."""
    return {k: v for k, v in (history[-1] if history else {}).items() if "compile" in k}


def precision_of(config: dict):
    device = config.get("device")
    return device.get("precision") if isinstance(device, dict) else None


# -- the parts -------------------------------------------------------------------------------
def part_raw(b: Bench) -> dict:
    s = b.sizes
    rows_file = b.out / "raw.jsonl"
    cmd = [
        sys.executable,
        HERE / "raw_jax_dcgan.py",
        "--data-dir",
        b.args.data_dir,
        "--batch-sizes",
        ",".join(map(str, s.batch_sizes)),
        "--precisions",
        ",".join(s.precisions),
        "--steps-per-call",
        s.raw_steps_per_call,
        "--min-seconds",
        s.raw_min_seconds,
        "--min-calls",
        s.raw_min_calls,
        "--json",
        rows_file,
    ]
    if s.raw_limit:
        cmd += ["--limit", s.raw_limit]
    if s.dcgan_width:
        cmd += ["--width", s.dcgan_width]
    proc = b.run("raw", cmd, echo=lambda line: line.startswith(("  ", "raw ", "note:")))
    rows = read_rows(rows_file)
    for row in rows:
        if "images_per_s" in row:
            b.raw_rows[(row["precision"], row["batch"])] = row["images_per_s"]
            b.goal(
                "raw",
                f"raw {row['precision']} batch {row['batch']}",
                f"{row['images_per_s']:,.0f} img/s (compile {row['compile_seconds']} s)",
                echo=False,
            )
    result = {"rows": rows, "seconds": round(proc.seconds, 1), "log": str(proc.log)}
    if not proc.ok:
        result["error"] = f"{proc.why()}\n{proc.tail()}"
        if not b.raw_rows:
            raise PartFailed(result["error"])
    return result


def part_genlab(b: Bench) -> dict:
    b.check_backend()
    s = b.sizes
    rows = []
    for precision in s.precisions:
        for batch in s.batch_sizes:
            name = f"dcgan-{precision}-b{batch}"
            run_dir = b.work / "runs" / name
            if b.args.dry_run:
                limit, images, budget = 2 * batch, 6 * batch, None
            else:
                guess = 0.8 * b.raw_rows.get((precision, batch), 0) or GUESSED_IMAGES_PER_S.get(
                    batch, 50_000
                )
                epoch = int(min(60_000, max(8 * batch, 1.5 * guess)) // batch * batch)
                limit = epoch
                images = max(3 * epoch, int(guess * s.genlab_seconds) // batch * batch)
                budget = (s.genlab_seconds + 20) / 60
            args = [
                *("run", "dcgan", "--backend", "jax", "--no-eval", "--curve", 0, "--seed", 0),
                *("--batch-size", batch, "--limit", limit, "--images", images),
                *("--out", run_dir, "--data-dir", b.args.data_dir, *s.dcgan_sets()),
            ]
            if budget:
                args += ["--budget-minutes", f"{budget:.3f}"]
            mixed = "1" if precision == "bf16" else "0"
            proc = b.run(
                name,
                b.genlab(*args),
                timeout=s.genlab_seconds + 60 + 60 * b.args.dry_run,
                GENLAB_MIXED_PRECISION=mixed,
            )
            history = read_rows(run_dir / "history.jsonl")
            ips, source = steady_images_per_s(history)
            raw = b.raw_rows.get((precision, batch))
            row = {
                "precision": precision,
                "batch": batch,
                "images_per_s": round(ips, 1) if ips else None,
                "source": source,
                "epochs": len(history),
                "raw_images_per_s": raw,
                "ratio": round(ips / raw, 3) if ips and raw else None,
                "wall_seconds": round(proc.seconds, 1),
                "policy": precision_of(read_json(run_dir / "config.json")),
                **compile_fields(history),
                "run": str(run_dir),
            }
            if not proc.ok:
                row["error"] = f"{proc.why()}\n{proc.tail()}"
                print(
                    f"  genlab {precision} batch {batch}: FAILED ({proc.why()})\n{proc.tail()}",
                    flush=True,
                )
            rows.append(row)
            if ips:
                case = f"genlab {precision} batch {batch}"
                if row["policy"] and row["policy"] != POLICIES[precision]:
                    case += f" (ran {row['policy']}!)"
                if row["ratio"] is not None:
                    met = None if b.args.dry_run else row["ratio"] >= RATIO_GOAL
                    b.goal(
                        "genlab",
                        case,
                        f"{ips:,.0f} img/s = {row['ratio']:.2f} x raw",
                        f">= {RATIO_GOAL} x raw",
                        met,
                    )
                else:
                    b.goal("genlab", case, f"{ips:,.0f} img/s ({source})")
            if b.left() <= 1:
                break
    if not any(r.get("images_per_s") for r in rows):
        raise PartFailed("no genlab run measured:\n" + (rows[-1].get("error", "") if rows else ""))
    return {"rows": rows}


def part_epoch(b: Bench) -> dict:
    b.check_backend()
    s = b.sizes
    rows = []
    for batch in s.epoch_batches:
        name = f"epoch-dcgan-b{batch or 'default'}"
        run_dir = b.work / "runs" / name
        args = [
            *("run", "dcgan", "--backend", "jax", "--epochs", 1, "--seed", 0),
            *("--out", run_dir, "--data-dir", b.args.data_dir, *s.dcgan_sets()),
        ]
        if batch:
            args += ["--batch-size", batch]
        if s.epoch_limit:
            args += ["--limit", s.epoch_limit]
        if s.eval_n:
            args += ["--eval-n", s.eval_n, "--curve", min(s.eval_n, 100), "--curve-from", 32]
        proc = b.run(name, b.genlab(*args))
        history = read_rows(run_dir / "history.jsonl")
        config = read_json(run_dir / "config.json")
        metrics = read_json(run_dir / "metrics.json")
        curve = read_rows(run_dir / "curve.jsonl")
        used_batch = config.get("batch_size") or batch
        row = {
            "batch": used_batch,
            "train_seconds": history[0].get("seconds") if history else None,
            "images_per_s": history[0].get("images_per_s") if history else None,
            "eval_seconds": metrics.get("eval_seconds"),
            "eval_n": metrics.get("n"),
            "curve_points": len(curve),
            "curve_seconds": round(sum(float(r.get("eval_seconds") or 0) for r in curve), 2),
            "finish_seconds": read_json(run_dir / "status.json").get("finish_seconds"),
            "wall_seconds": round(proc.seconds, 1),
            "fid": metrics.get("fid"),
            "run": str(run_dir),
        }
        row.update(compile_fields(history))
        row["policy"] = precision_of(config)
        if not proc.ok:
            row["error"] = f"{proc.why()}\n{proc.tail()}"
            print(
                f"  epoch batch {batch or 'default'}: FAILED ({proc.why()})\n{proc.tail()}",
                flush=True,
            )
        rows.append(row)
        if row["train_seconds"] is not None:
            goal = EPOCH_GOALS.get(used_batch)
            b.goal(
                "epoch",
                f"1 epoch batch {used_batch}: training",
                f"{row['train_seconds']} s",
                f"<= {goal:g} s" if goal else "",
                None if goal is None or b.args.dry_run else row["train_seconds"] <= goal,
            )
        if row["eval_seconds"] is not None:
            b.goal(
                "epoch",
                f"1 epoch batch {used_batch}: evaluation of {row['eval_n']}",
                f"{row['eval_seconds']} s",
                f"<= {EVAL_GOAL:g} s",
                None if b.args.dry_run else row["eval_seconds"] <= EVAL_GOAL,
            )
        if proc.ok:
            b.goal(
                "epoch",
                f"1 epoch batch {used_batch}: command wall time",
                f"{row['wall_seconds']} s (curve {row['curve_seconds']} s)",
            )
        if b.left() <= 1:
            break
    if not any(r["train_seconds"] is not None for r in rows):
        raise PartFailed("no epoch finished:\n" + (rows[-1].get("error", "") if rows else ""))
    return {"rows": rows}


def part_diffusion(b: Bench) -> dict:
    b.check_backend()
    s = b.sizes
    run_dir = b.work / "runs" / "diffusion"
    args = [
        *("run", "diffusion", "--backend", "jax", "--set", "sampling_steps=20", "--seed", 0),
        *("--limit", s.diffusion_limit, "--images", s.diffusion_images, "--curve", 0),
        *("--eval-n", s.diffusion_eval_n, "--out", run_dir, "--data-dir", b.args.data_dir),
        *s.diffusion_extra,
    ]
    if not b.args.dry_run:
        args += ["--budget-minutes", "0.15"]
    # what is left after the run is for the two sampling commands
    reserve = 60 if b.args.dry_run else 30
    proc = b.run("diffusion-run", b.genlab(*args), timeout=max(10, b.left() - reserve))
    history = read_rows(run_dir / "history.jsonl")
    metrics = read_json(run_dir / "metrics.json")
    ips, source = steady_images_per_s(history)
    result = {
        "images_per_s": round(ips, 1) if ips else None,
        "source": source,
        "epochs": len(history),
        "batch": read_json(run_dir / "config.json").get("batch_size"),
        "eval_n": metrics.get("n"),
        "eval_seconds": metrics.get("eval_seconds"),
        "eval_sample_ms_per_image": metrics.get("sample_ms_per_image"),
        "wall_seconds": round(proc.seconds, 1),
        "run": str(run_dir),
    }
    if ips:
        b.goal("diffusion", "diffusion training", f"{ips:,.0f} img/s ({source})")
    if not proc.ok:
        result["error"] = f"{proc.why()}\n{proc.tail()}"
        if not (run_dir / "model.npz").exists():
            raise PartFailed(result["error"])
    if result["eval_sample_ms_per_image"] is not None:
        b.goal(
            "diffusion",
            f"sampling in evaluation ({result['eval_n']} samples, 20 steps)",
            f"{result['eval_sample_ms_per_image']:.3f} ms/sample",
        )
    state = read_json(run_dir / "status.json").get("state")
    if state != "complete":
        result["error"] = result.get("error") or f"the run ended {state or 'without a status'}"
        result["sample_error"] = "not measured: the run did not complete"
        print("  sampling: not measured (the run did not complete)", flush=True)
        return result
    n = s.sample_n
    out = b.work / f"diffusion-samples-{n}.npy"
    sample = b.run("diffusion-sample", b.genlab("sample", run_dir, "-n", n, "-o", out))
    if sample.ok:
        result["sample_wall_seconds"] = round(sample.seconds, 2)
        b.goal("diffusion", f"genlab sample -n {n}: command wall time", f"{sample.seconds:.1f} s")
    else:
        result["sample_error"] = f"{sample.why()}\n{sample.tail()}"
        print(f"  genlab sample -n {n}: FAILED ({sample.why()})\n{sample.tail()}", flush=True)
    timer = b.run("diffusion-sampling-time", [sys.executable, "-c", TIME_SAMPLING, run_dir, n])
    for line in timer.log.read_text(errors="replace").splitlines():
        if line.startswith("SAMPLING "):
            timed = json.loads(line[len("SAMPLING ") :])
            result["sample_ms_per_image"] = round(1000 * timed["seconds"] / n, 4)
            result["sampling_steps"] = timed["steps"]
            b.goal(
                "diffusion",
                f"sampling {n}, {timed['steps']} steps, compiled",
                f"{result['sample_ms_per_image']:.3f} ms/sample",
            )
    if not timer.ok:
        result["sample_error"] = f"{timer.why()}\n{timer.tail()}"
        print(f"  sampling time: FAILED ({timer.why()})\n{timer.tail()}", flush=True)
    return result


#: Times ``model.sample(n)`` of a finished run in one process, once compiled (the first call).
TIME_SAMPLING = """
import json, sys, time
from genlab.run import load_run_model
_, _, model = load_run_model(sys.argv[1])
n = int(sys.argv[2])
model.sample(n, seed=1)
started = time.perf_counter()
model.sample(n, seed=2)
seconds = time.perf_counter() - started
print("SAMPLING " + json.dumps({"seconds": seconds, "steps": getattr(model, "sampling_steps", 0)}))
"""


def part_compare(b: Bench) -> dict:
    b.check_backend()
    s = b.sizes
    comp = b.work / "compare"
    args = [
        *("compare", *s.compare_models, "--backend", "jax", "--images", s.compare_images),
        *("--seeds", s.compare_seeds, "--jobs", b.args.compare_jobs, *s.compare_extra),
        *("--out", comp, "--data-dir", b.args.data_dir),
    ]
    jobs = b.args.compare_jobs
    # several runs at once share the GPU: each may not take JAX's default 75% of its memory
    memory = {"XLA_PYTHON_CLIENT_MEM_FRACTION": f"{0.9 / jobs:.2f}"} if jobs > 1 else {}
    proc = b.run("compare", b.genlab(*args), **memory)
    total = len(s.compare_models) * s.compare_seeds
    done = [
        p.parent.name
        for p in sorted(comp.glob("runs/*/status.json"))
        if read_json(p).get("state") == "complete"
    ]
    result = {
        "models": list(s.compare_models),
        "images": s.compare_images,
        "seeds": s.compare_seeds,
        "jobs": b.args.compare_jobs,
        "wall_seconds": round(proc.seconds, 1),
        "runs_complete": len(done),
        "runs": total,
        "out": str(comp),
    }
    runs = {}
    for name in done:
        run_dir = comp / "runs" / name
        history = read_rows(run_dir / "history.jsonl")
        runs[name] = {
            "train_seconds": round(sum(float(r.get("seconds") or 0) for r in history), 2),
            "eval_seconds": read_json(run_dir / "metrics.json").get("eval_seconds"),
            "curve_seconds": round(
                sum(float(r.get("eval_seconds") or 0) for r in read_rows(run_dir / "curve.jsonl")),
                2,
            ),
        }
    result["per_run"] = runs
    aggregate = read_json(comp / "comparison.json").get("aggregate") or {}
    result["fid"] = {
        model: (values.get("metrics") or {}).get("fid", {}).get("mean")
        for model, values in aggregate.items()
    }
    goal = f"<= {COMPARE_GOAL:g} s"
    if proc.ok:
        b.goal(
            "compare",
            f"compare {len(s.compare_models)} models x {s.compare_seeds} seeds",
            f"{proc.seconds:.0f} s",
            goal,
            None if b.args.dry_run else proc.seconds <= COMPARE_GOAL,
        )
        return result
    result["error"] = f"{proc.why()}\n{proc.tail()}"
    if proc.timed_out and done:
        estimate = proc.seconds * total / len(done)
        result["estimated_wall_seconds"] = round(estimate)
        b.goal(
            "compare",
            f"compare: {len(done)}/{total} runs in {proc.seconds:.0f} s (stopped)",
            f"~{estimate:.0f} s at that rate",
            goal,
            None if b.args.dry_run else estimate <= COMPARE_GOAL,
        )
        return result
    raise PartFailed(result["error"])


PART_FUNCTIONS = {
    "raw": part_raw,
    "genlab": part_genlab,
    "epoch": part_epoch,
    "diffusion": part_diffusion,
    "compare": part_compare,
}


# -- environment and report ------------------------------------------------------------------
PROBE = """
import json, importlib.metadata as md
info = {}
for name in ("jax", "jaxlib", "keras", "genlab", "genlab-diffusion", "genlab-wgan-gp"):
    try:
        info[name] = md.version(name)
    except md.PackageNotFoundError:
        info[name] = None
info["entry_points"] = sorted(e.name for e in md.entry_points(group="genlab"))
try:
    import tensorflow
    info["tensorflow"] = tensorflow.__version__
except ImportError:
    info["tensorflow"] = None
import jax
info["devices"] = [getattr(d, "device_kind", str(d)) for d in jax.devices()]
info["platform"] = jax.devices()[0].platform
print("PROBE " + json.dumps(info))
"""


def environment(b: Bench) -> dict:
    """Versions, devices and entry points, seen by a child process (so that this one never
    holds the GPU)."""
    proc = b.run("environment", [sys.executable, "-c", PROBE], timeout=120)
    info = {"python": platform.python_version(), "machine": platform.platform()}
    for line in proc.log.read_text(errors="replace").splitlines():
        if line.startswith("PROBE "):
            info.update(json.loads(line[6:]))
    if not proc.ok:
        info["error"] = proc.tail()
    return info


#: The files of a run directory copied to OUT (the rest, networks and checkpoints, stay in WORK).
RUN_FILES = ("config.json", "status.json", "history.jsonl", "metrics.json", "curve.jsonl")


def collect(work: Path, out: Path) -> None:
    """Copy the small files of every run (and the comparison's report) from WORK to OUT."""
    for status in work.glob("**/status.json"):
        run_dir = status.parent
        target = out / run_dir.relative_to(work)
        target.mkdir(parents=True, exist_ok=True)
        for name in RUN_FILES:
            if (run_dir / name).exists():
                shutil.copy2(run_dir / name, target / name)
    for name in ("comparison.json", "report.md"):
        if (work / "compare" / name).exists():
            (out / "compare").mkdir(parents=True, exist_ok=True)
            shutil.copy2(work / "compare" / name, out / "compare" / name)


def markdown(data: dict) -> str:
    env = data.get("environment") or {}
    lines = [
        "# genlab on the JAX backend: GPU benchmark" + (" (dry run)" if data["dry_run"] else ""),
        "",
        f"Devices: {', '.join(env.get('devices') or ['?'])}; jax {env.get('jax')}, "
        f"keras {env.get('keras')}, genlab {env.get('genlab')}, python {env.get('python')}. "
        f"Total {data['seconds']} s.",
        "",
        "| part | case | measured | goal | met |",
        "|---|---|---|---|---|",
    ]
    for row in data["summary"]:
        met = "" if row["met"] is None else ("yes" if row["met"] else "**no**")
        lines.append(
            f"| {row['part']} | {row['case']} | {row['measured']} | {row['goal']} | {met} |"
        )
    lines += ["", "| part | status | seconds |", "|---|---|---|"]
    for name, part in data["parts"].items():
        lines.append(f"| {name} | {part.get('status')} | {part.get('seconds', '')} |")
    failed = {k: v for k, v in data["parts"].items() if v.get("error")}
    for name, part in failed.items():
        lines += ["", f"## {name}: {part.get('status')}", "", "```", part["error"], "```"]
    return "\n".join(lines) + "\n"


def table(summary: list) -> str:
    header = ("part", "case", "measured", "goal", "met")
    rows = [
        (p, c, m, g, "" if ok is None else ("yes" if ok else "NO")) for p, c, m, g, ok in summary
    ]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(5)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt.format(*header), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*map(str, r)) for r in rows]
    return "\n".join(lines)


def parse_caps(text: str, dry_run: bool = False) -> dict:
    """Seconds per part: the defaults (at least 150 s each in a dry run on a CPU), then
    ``name=seconds`` items."""
    caps = {k: max(v, 150) if dry_run else v for k, v in CAPS.items()}
    for item in filter(None, (text or "").split(",")):
        name, _, seconds = item.partition("=")
        if name not in CAPS:
            raise SystemExit(f"--caps: unknown part {name!r}; parts: {', '.join(PARTS)}")
        caps[name] = float(seconds)
    return caps


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", required=True, help="Folder with the Fashion-MNIST files.")
    parser.add_argument("--out", required=True, help="Results, logs and runs go here.")
    parser.add_argument("--parts", default=",".join(PARTS), help="Parts to run, in this order.")
    parser.add_argument("--dry-run", action="store_true", help="Toy sizes on the CPU.")
    parser.add_argument("--deadline", type=float, default=440.0, help="Seconds for everything.")
    parser.add_argument("--caps", default="", help="Seconds per part, e.g. raw=80,genlab=120.")
    parser.add_argument("--batch-sizes", default="16,128,512")
    parser.add_argument("--precisions", default="bf16,fp32")
    parser.add_argument("--steps-per-call", type=int, default=64, help="Raw steps per jit call.")
    parser.add_argument(
        "--genlab-seconds", type=float, default=4.0, help="Training seconds per genlab run."
    )
    parser.add_argument("--diffusion-images", type=int, default=150_000)
    parser.add_argument("--compare-jobs", type=int, default=1, help="genlab compare --jobs.")
    parser.add_argument(
        "--work", default=None, help="Runs go here (default: a temporary folder, removed after)."
    )
    parser.add_argument("--cache-dir", default=None, help="JAX compilation cache (WORK/jax-cache).")
    args = parser.parse_args(argv)
    args.batch_sizes = tuple(int(x) for x in args.batch_sizes.split(","))
    args.precisions = tuple(args.precisions.split(","))
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        parser.error(f"unknown part(s) {', '.join(unknown)}; parts: {', '.join(PARTS)}")
    caps = parse_caps(args.caps, args.dry_run)
    if args.dry_run and "--deadline" not in (argv if argv is not None else sys.argv):
        args.deadline = 600.0
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(args.work or tempfile.mkdtemp(prefix="genlab-gpu-")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    args.cache_dir = Path(args.cache_dir or work / "jax-cache").resolve()
    args.data_dir = str(Path(args.data_dir).resolve())
    sizes = Sizes.dry(args) if args.dry_run else Sizes.real(args)
    b = Bench(args, sizes, out, work)
    # stopped from outside (timeout(1) sends SIGTERM): stop the running command too, keep results
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    b.part_deadline = b.started + 120
    b.results["environment"] = env = environment(b)
    print(
        f"genlab GPU benchmark{' (dry run)' if args.dry_run else ''}: "
        f"{', '.join(env.get('devices') or ['no device found'])}; jax {env.get('jax')}, "
        f"keras {env.get('keras')}, genlab {env.get('genlab')}, tensorflow "
        f"{env.get('tensorflow') or 'absent'}; plugins {len(env.get('entry_points') or [])}; "
        f"parts {', '.join(parts)}; deadline {args.deadline:.0f} s",
        flush=True,
    )
    b.save()
    for name in parts:
        if b.started + args.deadline - time.perf_counter() <= 1:
            b.results[name] = {"status": "skipped", "error": "deadline reached before it started"}
            print(f"\n== {name}: skipped (deadline reached)", flush=True)
            continue
        print(f"\n== {name}", flush=True)
        started = time.perf_counter()
        b.part_deadline = started + caps[name]
        try:
            result = PART_FUNCTIONS[name](b)
            errors = [r for r in result.get("rows", []) if r.get("error")]
            result["status"] = "partial" if result.get("error") or errors else "ok"
        except PartFailed as exc:
            result = {"status": "failed", "error": str(exc)}
            print(f"  {name} FAILED: {exc}", flush=True)
        except Exception as exc:  # a bug in this script must not cost the other parts
            import traceback

            result = {"status": "failed", "error": traceback.format_exc()}
            print(f"  {name} FAILED: {type(exc).__name__}: {exc}", flush=True)
        result["seconds"] = round(time.perf_counter() - started, 1)
        b.results[name] = result
        collect(b.work, b.out)
        b.save()
        print(f"== {name}: {result['status']} in {result['seconds']} s", flush=True)
    print(
        f"\nResults ({time.perf_counter() - b.started:.0f} s; {out / 'results.json'}, "
        f"{out / 'results.md'}):\n{table(b.summary)}",
        flush=True,
    )
    for name in parts:
        status = b.results.get(name, {}).get("status")
        if status != "ok":
            print(f"{name}: {status}", flush=True)
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
