"""Lookups over everything plugins registered, built from the ``register_*`` hooks.

The core builds the ``register`` callbacks here, so duplicate names, bad specs and errors that
name the guilty plugin are handled once for models, datasets and metrics alike.
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass, field

from genlab.errors import PluginError, UnknownNameError
from genlab.specs import DatasetSpec, MetricSpec, ModelSpec


@dataclass
class Registry:
    """Specs of one kind (models, datasets or metrics), keyed by canonical name and alias."""

    kind: str
    spec_type: type
    specs: dict[str, object] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)

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
        raise UnknownNameError(f"unknown {self.kind} {name!r}{suggestion} (available: {known})")

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


_registries: Registries | None = None


def _collect(manager, hook_name: str, registry: Registry, errors: list[str]) -> None:
    """Call one ``register_*`` hook plugin by plugin, so a failure names its plugin only."""
    hook = getattr(manager.hook, hook_name)
    for impl in hook.get_hookimpls():
        name = manager.pm.get_name(impl.plugin)
        info = manager.infos.get(name)

        def register(spec, _plugin=name, _info=info):
            registry.add(spec, _plugin)
            if _info is not None:
                _info.registered.setdefault(registry.kind + "s", []).append(spec.name)

        try:
            impl.function(register=register)
        except PluginError as exc:
            errors.append(str(exc))
            if info is not None:
                info.error = str(exc)
        except Exception as exc:
            message = f"plugin {name!r} failed in {hook_name}: {type(exc).__name__}: {exc}"
            errors.append(message)
            if info is not None:
                info.error = f"{hook_name}: {type(exc).__name__}: {exc}"


def get_registries() -> Registries:
    """Models, datasets and metrics from every loaded plugin (computed once per process)."""
    global _registries
    if _registries is None:
        from genlab.plugins import get_plugin_manager

        manager = get_plugin_manager()
        # failures from loading (import errors, malformed or unknown hooks) come first
        loading = [f"plugin {f.name!r}: {f.error}" for f in manager.failures]
        regs = Registries(
            models=Registry("model", ModelSpec),
            datasets=Registry("dataset", DatasetSpec),
            metrics=Registry("metric", MetricSpec),
        )
        for hook_name, registry in (
            ("register_models", regs.models),
            ("register_datasets", regs.datasets),
            ("register_metrics", regs.metrics),
        ):
            _collect(manager, hook_name, registry, regs.errors)
        regs.errors[:0] = loading
        _registries = regs
    return _registries


def reset() -> None:
    global _registries
    _registries = None


def get_model(name: str) -> ModelSpec:
    return get_registries().models.get(name)


def get_dataset(name: str) -> DatasetSpec:
    return get_registries().datasets.get(name)
