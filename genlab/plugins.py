"""Plugin manager: built-ins and third-party plugins come in through the same door.

Every model plugin, the built-in ones included, is an entry point of the ``genlab`` group; the
built-ins are the entry points of the ``genlab`` distribution itself (``pyproject.toml``). Only
the core's own datasets and metrics (:data:`CORE_PLUGINS`) are named here. All are imported by
:meth:`PluginManager._load` and registered with pluggy the same way. A plugin that fails to import
is recorded in :attr:`PluginManager.failures` with its name and a one-line reason; the others
still load.

Environment switches:
    ``GENLAB_DISABLE_PLUGIN_AUTOLOAD=1``  load no third-party plugins (built-ins still load).
    ``GENLAB_PLUGINS=a,b``                load only these third-party plugins (entry-point names).
    ``GENLAB_DISABLE_PLUGINS=a,b``        skip these plugins (entry-point or built-in names).
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from importlib import metadata

import pluggy

import genlab.hookspecs as hookspecs

ENTRY_POINT_GROUP = "genlab"
#: The distribution whose entry points are the built-in plugins.
DISTRIBUTION = "genlab"

#: The core's own datasets and metrics; they register through the same hooks as plugins.
CORE_PLUGINS = ("genlab.data.builtin", "genlab.evaluation.builtin")


@dataclass
class PluginInfo:
    """What ``genlab plugins`` shows for one plugin."""

    name: str
    module: str
    distribution: str
    version: str
    builtin: bool
    hooks: list[str] = field(default_factory=list)
    registered: dict[str, list[str]] = field(default_factory=dict)
    error: str | None = None


def _env_list(name: str) -> set[str] | None:
    value = os.environ.get(name, "").strip()
    return {v.strip() for v in value.split(",") if v.strip()} if value else None


def _one_line(exc: BaseException, limit: int = 300) -> str:
    # pluggy's validation errors put the reason on their last line: keep every line
    text = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    text = text if len(text) <= limit else text[: limit - 3] + "..."
    return f"{type(exc).__name__}: {text}".rstrip(": ")


class PluginManager:
    """A pluggy manager that remembers where every plugin came from and what failed."""

    def __init__(self):
        self.pm = pluggy.PluginManager("genlab")
        self.pm.add_hookspecs(hookspecs)
        self.infos: dict[str, PluginInfo] = {}

    @property
    def hook(self):
        return self.pm.hook

    @property
    def failures(self) -> list[PluginInfo]:
        return [info for info in self.infos.values() if info.error]

    def register(self, plugin, name: str, *, distribution="genlab", version="", builtin=False):
        """Register an already imported plugin object (module or instance)."""
        from genlab.version import __version__

        info = PluginInfo(
            name=name,
            module=getattr(plugin, "__name__", type(plugin).__name__),
            distribution=distribution,
            version=version or __version__,
            builtin=builtin,
        )
        self.infos[name] = info
        try:
            self.pm.register(plugin, name=name)
        except Exception as exc:  # a malformed hookimpl must not take the others down
            info.error = _one_line(exc)
            return
        callers = self.pm.get_hookcallers(plugin) or []
        info.hooks = sorted(caller.name for caller in callers if caller.name)
        unknown = sorted(caller.name for caller in callers if caller.spec is None)
        if unknown:  # pluggy accepts these silently; a typo would otherwise go unnoticed
            known = ", ".join(sorted(n for n in dir(hookspecs) if n.startswith("register_")))
            info.error = f"unknown hook {', '.join(unknown)} (genlab hooks: {known})"

    def call_hook(self, hook_name: str, per_plugin=None, **kwargs) -> list[str]:
        """Call one hook plugin by plugin; a plugin that raises is recorded, the others still run.

        Args:
            per_plugin: ``(plugin name) -> dict`` of arguments made for each plugin (such as a
                ``register`` callback that knows which plugin calls it), merged into ``kwargs``.

        Returns one message per failing plugin (also kept in its :attr:`PluginInfo.error`).
        A :class:`~genlab.errors.PluginError` is reported as it is (it names the plugins).
        """
        from genlab.errors import PluginError

        errors = []
        for impl in getattr(self.hook, hook_name).get_hookimpls():
            name = self.pm.get_name(impl.plugin)
            args = {**kwargs, **(per_plugin(name) if per_plugin else {})}
            try:
                impl.function(**{arg: args[arg] for arg in impl.argnames})
            except PluginError as exc:
                reason = message = str(exc)
            except Exception as exc:
                reason = f"{hook_name}: {_one_line(exc)}"
                message = f"plugin {name!r} failed in {reason}"
            else:
                continue
            errors.append(message)
            if name in self.infos:
                self.infos[name].error = reason
        return errors

    def unregister(self, name: str) -> None:
        plugin = self.pm.get_plugin(name)
        if plugin is not None:
            self.pm.unregister(plugin)
        self.infos.pop(name, None)

    def _load(self, name: str, loader, **meta) -> None:
        try:
            plugin = loader()
        except Exception as exc:
            self.infos[name] = PluginInfo(
                name=name,
                module=meta.pop("module", name),
                distribution=meta.get("distribution", "?"),
                version=meta.get("version", "?"),
                builtin=meta.get("builtin", False),
                error=f"failed to import: {_one_line(exc)}",
            )
            return
        meta.pop("module", None)
        self.register(plugin, name, **meta)

    def load_core(self) -> None:
        from genlab.version import __version__

        disabled = _env_list("GENLAB_DISABLE_PLUGINS") or set()
        for module in CORE_PLUGINS:
            if module not in disabled:
                self._load(
                    module,
                    lambda m=module: importlib.import_module(m),
                    distribution=DISTRIBUTION,
                    version=__version__,
                    builtin=True,
                )

    def load_entry_points(self) -> None:
        """Built-in plugins (the ``genlab`` distribution's entry points) first, then the others.

        The switches select third-party plugins only, except ``GENLAB_DISABLE_PLUGINS``.
        """
        autoload = os.environ.get("GENLAB_DISABLE_PLUGIN_AUTOLOAD", "").strip() in ("", "0")
        selected = _env_list("GENLAB_PLUGINS")
        disabled = _env_list("GENLAB_DISABLE_PLUGINS") or set()
        points = list(metadata.entry_points(group=ENTRY_POINT_GROUP))
        builtin = [ep for ep in points if _distribution(ep) == DISTRIBUTION]
        others = [ep for ep in points if _distribution(ep) != DISTRIBUTION]
        for ep in builtin + (others if autoload else []):
            is_builtin = _distribution(ep) == DISTRIBUTION
            if ep.name in disabled or self.pm.has_plugin(ep.name) or ep.name in self.infos:
                continue
            if not is_builtin and selected is not None and ep.name not in selected:
                continue
            dist = getattr(ep, "dist", None)
            self._load(
                ep.name,
                ep.load,
                module=ep.value,
                distribution=dist.name if dist else "?",
                version=dist.version if dist else "?",
                builtin=is_builtin,
            )


def _distribution(ep) -> str | None:
    dist = getattr(ep, "dist", None)
    return dist.name.lower().replace("_", "-") if dist is not None else None


_manager: PluginManager | None = None


def get_plugin_manager() -> PluginManager:
    """The process-wide plugin manager, loaded on first use."""
    global _manager
    if _manager is None:
        manager = PluginManager()
        manager.load_core()
        manager.load_entry_points()
        _manager = manager
    return _manager


def reset_plugin_manager() -> None:
    """Forget the loaded plugins (tests, and after installing a plugin in-process); the
    registries, built from a manager, are rebuilt with the next one."""
    global _manager
    _manager = None
