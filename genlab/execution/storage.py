"""Where run directories made on other machines are delivered: storage every node reaches.

A Ray task never writes the driver's ``--out``: it makes its run in node-local scratch
(:func:`scratch_root`) and mirrors the run directory, as it is written, to a :class:`Storage`:

- :class:`PathStorage`: a folder every node mounts (``--storage /shared/genlab``);
- :class:`ArrowStorage` / :class:`FsspecStorage`: a URI such as ``s3://bucket/genlab`` or
  ``gs://…`` through ``pyarrow.fs`` or ``fsspec``, whichever is installed (both optional);
- without ``--storage``, the driver's own disk through a Ray actor on the driver's node
  (:mod:`genlab.execution.ray_executor`), which writes at the driver's ``--out`` paths.

:class:`Mirror` keeps one run directory and its copy in storage equal: changed files are sent
every few seconds (checkpoints reach storage as they are written, so a run lost with its node
resumes elsewhere from its last checkpoint), deleted ones removed, ``status.json`` last. A
storage key is a ``/``-separated path; every write is atomic per file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import threading
from pathlib import Path

from genlab.errors import UsageError

#: Seconds between two pushes of a running run's new files to storage.
SYNC_SECONDS = float(os.environ.get("GENLAB_SYNC_SECONDS", "3"))
#: Files sent after every other (a reader trusts the run only once status.json says so).
LAST = ("status.json",)


class Storage:
    """Files by key. Subclasses implement the five methods; keys use ``/``."""

    where = "storage"

    def put(self, key: str, data: bytes) -> None:
        raise NotImplementedError

    def get(self, key: str) -> bytes | None:
        raise NotImplementedError

    def list(self, prefix: str) -> dict[str, int]:
        """Every file under ``prefix`` (recursively): relative key -> size."""
        raise NotImplementedError

    def delete(self, key: str) -> None:
        raise NotImplementedError

    def delete_tree(self, prefix: str) -> None:
        for name in self.list(prefix):
            self.delete(f"{prefix}/{name}")


class PathStorage(Storage):
    """A folder (shared between nodes, or the driver's own disk)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.where = str(self.root)

    def _path(self, key: str) -> Path:
        return self.root / key.lstrip("/")

    def put(self, key: str, data: bytes) -> None:
        from genlab.run_dir import atomic_write_bytes

        atomic_write_bytes(self._path(key), data)

    def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            return None

    def list(self, prefix: str) -> dict[str, int]:
        base = self._path(prefix)
        if not base.is_dir():
            return {}
        return {
            p.relative_to(base).as_posix(): p.stat().st_size
            for p in base.rglob("*")
            if p.is_file() and not _hidden(p.name)
        }

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def delete_tree(self, prefix: str) -> None:
        shutil.rmtree(self._path(prefix), ignore_errors=True)


class ArrowStorage(Storage):
    """A URI through ``pyarrow.fs`` (``s3://``, ``gs://``, ``hdfs://``, ``file://``)."""

    def __init__(self, uri: str):
        import pyarrow.fs

        self.fs, base = pyarrow.fs.FileSystem.from_uri(uri)
        self.base = base.rstrip("/")
        self.where = uri

    def _path(self, key: str) -> str:
        return f"{self.base}/{key.strip('/')}"

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        self.fs.create_dir(path.rsplit("/", 1)[0], recursive=True)
        with self.fs.open_output_stream(path) as stream:
            stream.write(data)

    def get(self, key: str) -> bytes | None:
        try:
            with self.fs.open_input_stream(self._path(key)) as stream:
                return stream.read()
        except (FileNotFoundError, OSError):
            return None

    def list(self, prefix: str) -> dict[str, int]:
        import pyarrow.fs

        base = self._path(prefix)
        selector = pyarrow.fs.FileSelector(base, recursive=True, allow_not_found=True)
        return {
            info.path[len(base) + 1 :]: info.size
            for info in self.fs.get_file_info(selector)
            if info.type == pyarrow.fs.FileType.File and not _hidden(info.base_name)
        }

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError, OSError):
            self.fs.delete_file(self._path(key))


class FsspecStorage(Storage):
    """A URI through ``fsspec`` (with its ``s3fs``/``gcsfs``/… backend installed)."""

    def __init__(self, uri: str):
        import fsspec

        self.fs, base = fsspec.core.url_to_fs(uri)
        self.base = base.rstrip("/")
        self.where = uri

    def _path(self, key: str) -> str:
        return f"{self.base}/{key.strip('/')}"

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        self.fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
        self.fs.pipe_file(path, data)

    def get(self, key: str) -> bytes | None:
        try:
            return self.fs.cat_file(self._path(key))
        except (FileNotFoundError, OSError):
            return None

    def list(self, prefix: str) -> dict[str, int]:
        base = self._path(prefix)
        try:
            found = self.fs.find(base, detail=True)
        except (FileNotFoundError, OSError):
            return {}
        strip = self.fs._strip_protocol(base).rstrip("/")  # noqa: SLF001 (fsspec's own API)
        return {
            path[len(strip) + 1 :]: info.get("size", 0)
            for path, info in found.items()
            if info.get("type") == "file" and not _hidden(path.rsplit("/", 1)[-1])
        }

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError, OSError):
            self.fs.rm_file(self._path(key))


def open_storage(where: str | Path) -> Storage:
    """The storage of ``--storage``: a path, or a URI through pyarrow.fs or fsspec."""
    where = str(where)
    if "://" not in where or where.startswith("file://"):
        path = where.removeprefix("file://")
        return PathStorage(Path(path).expanduser().resolve())
    errors = []
    for kind in (ArrowStorage, FsspecStorage):
        try:
            return kind(where)
        except ImportError as exc:
            errors.append(f"{kind.__name__}: {exc}")
        except Exception as exc:  # the library is there but cannot open this URI
            raise UsageError(f"--storage {where}: {type(exc).__name__}: {exc}") from None
    raise UsageError(
        f"--storage {where} needs pyarrow or fsspec (with the backend for this scheme, e.g. "
        "s3fs, gcsfs) on the driver and every node: pip install pyarrow"
    )


def _hidden(name: str) -> bool:
    """Temporary files of atomic writes (``.name.XXXX.tmp``) and other dot files."""
    return name.startswith(".")


def scratch_root() -> Path:
    """This node's scratch folder for runs in progress: ``GENLAB_SCRATCH_DIR`` (read on each
    node, never sent from the driver), else ``<tmp>/genlab-scratch``."""
    configured = os.environ.get("GENLAB_SCRATCH_DIR")
    return Path(configured) if configured else Path(tempfile.gettempdir()) / "genlab-scratch"


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest(folder: Path) -> dict[str, list]:
    """``relative path -> [size, sha256]`` of every (not hidden) file under ``folder``."""
    folder = Path(folder)
    if not folder.is_dir():
        return {}
    return {
        p.relative_to(folder).as_posix(): [p.stat().st_size, file_digest(p)]
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not any(_hidden(part) for part in p.relative_to(folder).parts)
    }


def check_manifest(folder: Path, expected: dict) -> str | None:
    """None when ``folder`` holds exactly the files of ``expected`` (a :func:`manifest`);
    else what differs, in one line."""
    found = manifest(folder)
    missing = sorted(set(expected) - set(found))
    differ = sorted(k for k in set(expected) & set(found) if list(found[k]) != list(expected[k]))
    if not missing and not differ:
        return None
    parts = []
    if missing:
        parts.append(f"{len(missing)} missing ({', '.join(missing[:3])})")
    if differ:
        parts.append(f"{len(differ)} different ({', '.join(differ[:3])})")
    return f"{'; '.join(parts)} of the {len(expected)} files the task wrote"


def _send_order(name: str) -> tuple:
    """Checkpoint data before its manifest, ``status.json`` after everything."""
    return (name in LAST, name.endswith(".json") and name.startswith("checkpoints/"), name)


class Mirror:
    """Keeps ``storage[key]`` equal to the folder ``local``: :meth:`pull` once, before a run
    starts (an unfinished run resumes from what storage holds), :meth:`push` while it runs
    (:meth:`start` pushes every :data:`SYNC_SECONDS` in a thread) and once at the end."""

    def __init__(self, local: Path, storage: Storage, key: str, owner=None):
        """``owner()``, when given, is asked before every push: False once another attempt has
        taken the run over (this one's node was given up for lost), and nothing more is sent."""
        self.owner = owner
        self.local = Path(local)
        self.storage = storage
        self.key = key.strip("/")
        self._sent: dict[str, tuple] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: str | None = None

    def pull(self) -> int:
        """Replace ``local`` with storage's copy; the number of files copied."""
        shutil.rmtree(self.local, ignore_errors=True)
        self.local.mkdir(parents=True, exist_ok=True)
        names = sorted(self.storage.list(self.key), key=_send_order)
        for name in names:
            data = self.storage.get(f"{self.key}/{name}")
            if data is None:
                continue
            target = self.local / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            stat = target.stat()
            self._sent[name] = (stat.st_size, stat.st_mtime_ns)
        return len(names)

    def push(self) -> int:
        """Send what changed since the last push and delete what was removed; files sent."""
        with self._lock:
            if self.owner is not None and not self.owner():
                self.error = "another attempt took this run over; nothing more is sent"
                return 0
            current = {}
            for path in self.local.rglob("*"):
                rel = path.relative_to(self.local)
                if any(_hidden(part) for part in rel.parts):
                    continue
                with contextlib.suppress(FileNotFoundError):
                    if path.is_file():
                        stat = path.stat()
                        current[rel.as_posix()] = (stat.st_size, stat.st_mtime_ns)
            changed = [n for n, sig in current.items() if self._sent.get(n) != sig]
            sent = 0
            for name in sorted(changed, key=_send_order):
                try:
                    data = (self.local / name).read_bytes()
                except FileNotFoundError:  # replaced or pruned since the listing
                    continue
                self.storage.put(f"{self.key}/{name}", data)
                self._sent[name] = current[name]
                sent += 1
            for name in sorted(set(self._sent) - set(current)):
                self.storage.delete(f"{self.key}/{name}")
                del self._sent[name]
            return sent

    def start(self, every: float = SYNC_SECONDS) -> None:
        def loop():
            while not self._stop.wait(every):
                try:
                    self.push()
                except Exception as exc:  # reported by finish(), the run goes on
                    self.error = f"{type(exc).__name__}: {exc}"

        self._thread = threading.Thread(target=loop, name=f"mirror {self.key}", daemon=True)
        self._thread.start()

    def finish(self) -> None:
        """Stop the thread and push the final state (raises if storage cannot be written)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.push()


def fetch_tree(storage: Storage, key: str, target: Path) -> int:
    """Copy ``storage[key]`` to the folder ``target`` atomically: written beside it, then
    renamed into place (an older ``target`` is replaced). The number of files."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        count = Mirror(staging, storage, key).pull()
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            os.replace(target, old)
        os.replace(staging, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return count
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
