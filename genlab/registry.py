"""Lookups over everything plugins registered, built from the ``register_*`` hooks.

The core builds the ``register`` callbacks here, so duplicate names, bad specs and errors that
name the guilty plugin are handled once for models, datasets and metrics alike.
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass, field

from genlab.errors import PluginError, UnknownNameError
from genlab.plugins import get_plugin_manager
from genlab.specs import DatasetSpec, MetricSpec, ModelSpec


@dataclass
class Registry:
    """Specs of one kind (models, datasets or metrics), keyed by canonical name and alias."""

    kind: str
    spec_type: type
    specs: dict[str, object] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    #: Plugins that failed to load, name -> reason: they may have provided a name asked for.
    failed_plugins: dict[str, str] = field(default_factory=dict)

    def add(self, spec, plugin: str) -> None:
        if not isinstance(spec, self.spec_type):
            raise PluginError(
                f"plugin {plugin!r} registered a {type(spec).__name__} as a {self.kind}; "
                f"pass a genlab.{self.spec_type.__name__}"
            )
        spec = dataclasses.replace(spec, plugin=plugin)
        for name in (spec.name, *getattr(spec, "aliases", ())):
            owner = self.aliases.get(name)
            if owner is not None:
                other = self.specs[owner].plugin
                raise PluginError(
                    f"{self.kind} name {name!r} is registered by both plugin {other!r} and "
                    f"plugin {plugin!r}; uninstall or disable one (GENLAB_DISABLE_PLUGINS)"
                )
        self.specs[spec.name] = spec
        for name in (spec.name, *getattr(spec, "aliases", ())):
            self.aliases[name] = spec.name

    def get(self, name: str):
        key = name.strip().lower()
        for candidate in (key, key.replace("-", "_"), key.replace("_", "-")):
            if candidate in self.aliases:
                return self.specs[self.aliases[candidate]]
        hint = difflib.get_close_matches(key, list(self.aliases), n=3, cutoff=0.5)
        suggestion = f"; did you mean {' or '.join(repr(h) for h in hint)}?" if hint else ""
        known = ", ".join(sorted(self.specs)) or "none"
        raise UnknownNameError(
            f"unknown {self.kind} {name!r}{self._failed_hint(key)}{suggestion} (available: {known})"
        )

    def _failed_hint(self, key: str) -> str:
        """`` (plugin 'y' that may provide it failed to load: ...)`` when a plugin failed: the
        one whose name contains the name asked for, else every one that failed."""
        if not self.failed_plugins:
            return ""
        flat = key.replace("-", "_")
        likely = {
            n: e for n, e in self.failed_plugins.items() if flat in n.lower().replace("-", "_")
        }
        clauses = [
            f"plugin {n!r} that may provide it failed to load: {e}"
            for n, e in (likely or self.failed_plugins).items()
        ]
        return " (" + "; ".join(clauses) + ")"

    def __iter__(self):
        return iter(sorted(self.specs.values(), key=lambda s: s.name))

    def __contains__(self, name: str) -> bool:
        return name in self.aliases


@dataclass
class Registries:
    models: Registry
    datasets: Registry
    metrics: Registry
    errors: list[str] = field(default_factory=list)
    manager: object = None


_registries: Registries | None = None


def _collect(manager, hook_name: str, registry: Registry, errors: list[str]) -> None:
    """Call one ``register_*`` hook plugin by plugin, so a failure names its plugin only."""

    def callbacks(name):
        info = manager.infos.get(name)

        def register(spec):
            registry.add(spec, name)
            if info is not None:
                info.registered.setdefault(registry.kind + "s", []).append(spec.name)

        return {"register": register}

    errors.extend(manager.call_hook(hook_name, per_plugin=callbacks))


def get_registries() -> Registries:
    """Models, datasets and metrics from every loaded plugin (computed once per plugin manager)."""
    global _registries
    manager = get_plugin_manager()
    if _registries is None or _registries.manager is not manager:
        # failures from loading (import errors, malformed or unknown hooks) come first
        failed = {f.name: f.error for f in manager.failures}
        regs = Registries(
            models=Registry("model", ModelSpec, failed_plugins=failed),
            datasets=Registry("dataset", DatasetSpec, failed_plugins=failed),
            metrics=Registry("metric", MetricSpec, failed_plugins=failed),
            manager=manager,
        )
        for hook_name, registry in (
            ("register_models", regs.models),
            ("register_datasets", regs.datasets),
            ("register_metrics", regs.metrics),
        ):
            _collect(manager, hook_name, registry, regs.errors)
        regs.errors[:0] = [f"plugin {name!r}: {error}" for name, error in failed.items()]
        _registries = regs
    return _registries


def reset() -> None:
    global _registries
    _registries = None


def get_model(name: str) -> ModelSpec:
    return get_registries().models.get(name)


def get_dataset(name: str) -> DatasetSpec:
    return get_registries().datasets.get(name)
