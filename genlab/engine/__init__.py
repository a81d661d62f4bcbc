"""The training engine shared by every model: device placement, the training loop, callbacks,
checkpoints, weight averaging."""
