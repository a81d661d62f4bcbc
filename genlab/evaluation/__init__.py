"""Metrics that compare generated images with real ones.

The math lives in plain numpy modules (:mod:`genlab.evaluation.stats` for feature-space metrics,
:mod:`genlab.evaluation.image_metrics` for pixel-space ones) so it can be tested against
independent computations without importing TensorFlow.
"""
