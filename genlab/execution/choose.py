"""The executor the command line asks for: ``--jobs``, ``--executor``, ``--address``,
``--storage`` and the per-run sizes of a Ray cluster."""

from __future__ import annotations

from genlab.errors import UsageError
from genlab.execution.executors import DEFAULT_RETRIES, InProcess, LocalProcesses

EXECUTORS = ("local", "ray")


def make_executor(
    executor: str = "local",
    jobs: int = 1,
    address: str | None = None,
    device: str = "auto",
    retries: int = DEFAULT_RETRIES,
    console=None,
    *,
    storage: str | None = None,
    root=None,
    cpus_per_run: int | None = None,
    memory_per_run: float | None = None,
    gpus_per_run: float | None = None,
):
    """The executor of the command line; ``console`` shows the progress bar of runs made in
    this process. ``root`` (the command's ``--out``) is where run directories are keyed from
    in ``--storage``."""
    if executor not in EXECUTORS:
        raise UsageError(f"--executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    if not isinstance(jobs, int) or jobs < 1:
        raise UsageError(f"--jobs must be a positive integer, got {jobs}")
    ray_only = {
        "--address": address,
        "--storage": storage,
        "--cpus-per-run": cpus_per_run,
        "--memory-per-run": memory_per_run,
        "--gpus-per-run": gpus_per_run,
    }
    given = [flag for flag, value in ray_only.items() if value is not None]
    if given and executor != "ray":
        raise UsageError(f"{', '.join(given)} need{'s' if len(given) == 1 else ''} --executor ray")
    for flag, value in list(ray_only.items())[2:]:
        if value is not None and value <= 0:
            raise UsageError(f"{flag} must be positive, got {value}")
    if executor == "ray":
        from genlab.execution.ray_executor import RayTasks

        return RayTasks(
            address,
            jobs if jobs > 1 else None,
            device,
            retries,
            storage=storage,
            root=root,
            cpus_per_run=cpus_per_run,
            memory_per_run=memory_per_run,
            gpus_per_run=gpus_per_run,
        )
    if jobs == 1:
        return InProcess(console)
    return LocalProcesses(jobs, device, retries)
