"""The one place where a gradient step touches a Keras backend.

Models write their losses with ``keras.ops`` and ``keras.random`` and hand them to
:meth:`genlab.GenerativeModel.minimize`; this module turns that into a gradient step on the
backend Keras runs on:

* TensorFlow: one ``tf.GradientTape`` around the losses; each network's gradients come from the
  tape, scaled for the replicas and the loss scale, as Keras' own TensorFlow trainer does.
* JAX: the losses become a pure function of the networks' weights (a :class:`keras.StatelessScope`
  maps every variable to a traced value), differentiated with ``jax.vjp``. It must run inside
  :func:`stateless` (the JAX engine's jitted step opens it): that scope carries the whole model
  state through the step, and every update (weights, optimizer slots, BatchNorm statistics,
  seed generators) lands there.
* PyTorch: ``torch.autograd.grad`` of each loss with respect to its network's weights.

On every backend the named losses come from one forward pass, all gradients are taken from that
pass, and the optimizers then apply them in the order given.
"""

from __future__ import annotations

import contextlib

import keras

#: The genlab-opened stateless scopes, innermost last (JAX only).
_SCOPES: list = []


def backend() -> str:
    return keras.backend.backend()


@contextlib.contextmanager
def stateless(variables, values):
    """Run stateful Keras code purely: ``variables`` read ``values``, and every assignment is
    collected in the yielded scope (``scope.get_current_value(v)``) instead of applied."""
    scope = keras.StatelessScope(state_mapping=list(zip(variables, values, strict=True)))
    with _entered(scope):
        yield scope


@contextlib.contextmanager
def _entered(scope):
    _SCOPES.append(scope)
    try:
        with scope:
            yield scope
    finally:
        _SCOPES.pop()


def _current_scope(what: str):
    if not _SCOPES:
        from genlab.errors import UsageError

        raise UsageError(
            f"{what} on the JAX backend runs inside genlab's training step (genlab.engine), "
            "which carries the model state through a jitted function; train the model with "
            "`genlab run` (or genlab.engine.jax_loop), not by calling train_step directly"
        )
    return _SCOPES[-1]


def _pure(fn, scope, variables, values):
    """``fn()`` run as a pure function of ``values`` for ``variables``; everything else reads the
    enclosing ``scope``. Returns ``(fn's result, {variable id: updated value})``."""
    inner = keras.StatelessScope()
    base = dict(scope.state_mapping)
    replaced = {id(v): x for v, x in zip(variables, values, strict=True)}
    inner.state_mapping = {**base, **replaced}
    with _entered(inner):
        result = fn()
    updates = {
        key: value
        for key, value in inner.state_mapping.items()
        if key not in replaced and base.get(key) is not value
    }
    return result, updates


# -- minimize ------------------------------------------------------------------------------------
def minimize(loss_fn, targets: dict) -> dict:
    """Compute ``loss_fn()`` once and step each ``targets[name] = (network, optimizer)`` down the
    gradient of the loss of that name. Returns every value ``loss_fn`` returned."""
    if not targets:
        raise ValueError("minimize needs at least one {loss name: (network, optimizer)}")
    name = backend()
    if name == "tensorflow":
        return _minimize_tensorflow(loss_fn, targets)
    if name == "jax":
        return _minimize_jax(loss_fn, targets)
    if name == "torch":
        return _minimize_torch(loss_fn, targets)
    raise NotImplementedError(f"genlab cannot train on the Keras backend {name!r}")


def _missing(losses: dict, targets: dict) -> None:
    absent = [name for name in targets if name not in losses]
    if absent:
        raise KeyError(
            f"minimize: loss_fn returned {sorted(losses)}, without {absent} named in targets"
        )


def _minimize_tensorflow(loss_fn, targets):
    import tensorflow as tf

    with tf.GradientTape(persistent=len(targets) > 1) as tape:
        losses = loss_fn()
    _missing(losses, targets)
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    for name, (network, optimizer) in targets.items():
        loss = losses[name]
        # Scaled through output_gradients: the tape has closed and would not see a product.
        scale = optimizer.scale_loss(tf.ones_like(loss) / replicas)
        variables = network.trainable_variables
        grads = tape.gradient(loss, variables, output_gradients=scale)
        optimizer.apply_gradients(zip(grads, variables, strict=True))
    del tape
    return losses


def _minimize_jax(loss_fn, targets):
    import jax
    import jax.numpy as jnp

    scope = _current_scope("minimize")
    groups = {name: list(network.trainable_variables) for name, (network, _) in targets.items()}
    variables, index = [], {}
    for group in groups.values():
        for v in group:
            if id(v) not in index:
                index[id(v)] = len(variables)
                variables.append(v)
    values = [v.value for v in variables]
    names = list(targets)

    def forward(vals):
        losses, updates = _pure(loss_fn, scope, variables, vals)
        _missing(losses, targets)
        return [losses[name] for name in names], (losses, updates)

    outputs, pullback, (losses, updates) = jax.vjp(forward, values, has_aux=True)
    scope.state_mapping.update(updates)
    grads = {}
    for i, name in enumerate(names):
        cotangent = [
            jnp.ones_like(o) if j == i else jnp.zeros_like(o) for j, o in enumerate(outputs)
        ]
        (all_grads,) = pullback(cotangent)
        grads[name] = [all_grads[index[id(v)]] for v in groups[name]]
    for name, (_, optimizer) in targets.items():
        optimizer.apply(grads[name], groups[name])
    return losses


def _minimize_torch(loss_fn, targets):
    import torch

    losses = loss_fn()
    _missing(losses, targets)
    grads = {}
    for name, (network, _) in targets.items():
        variables = network.trainable_variables
        found = torch.autograd.grad(
            losses[name], [v.value for v in variables], retain_graph=True, allow_unused=True
        )
        grads[name] = [
            torch.zeros_like(v.value) if g is None else g
            for g, v in zip(found, variables, strict=True)
        ]
    with torch.no_grad():
        for name, (network, optimizer) in targets.items():
            optimizer.apply(grads[name], network.trainable_variables)
    return {k: v.detach() if hasattr(v, "detach") else v for k, v in losses.items()}


# -- gradients with respect to inputs -------------------------------------------------------------
def input_gradient(fn, x):
    """The gradient of ``sum(fn(x))`` with respect to ``x``, differentiable again (a penalty on
    it, such as WGAN-GP's, trains the network that ``fn`` runs)."""
    name = backend()
    if name == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fn(x)
        return tape.gradient(y, x)
    if name == "jax":
        import jax
        import jax.numpy as jnp

        scope = _current_scope("input_gradient")

        def total(inputs):
            y, updates = _pure(lambda: fn(inputs), scope, [], [])
            return jnp.sum(y.astype("float32")), updates

        grad, updates = jax.grad(total, has_aux=True)(x)
        scope.state_mapping.update(updates)
        return grad
    if name == "torch":
        import torch

        x = x.detach().requires_grad_(True)
        y = fn(x)
        (grad,) = torch.autograd.grad(y.sum(), x, create_graph=True)
        return grad
    raise NotImplementedError(f"genlab cannot differentiate on the Keras backend {name!r}")
