"""The training engine shared by every model: device plan, training loop, callbacks, checkpoints."""
