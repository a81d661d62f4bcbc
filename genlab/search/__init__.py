"""Hyperparameter search and the executors that run many trainings.

Search spaces (:mod:`genlab.search.space`) are TensorFlow- and Optuna-free; the study
(:mod:`genlab.search.study`) imports Optuna, and the Ray executor imports Ray, only when used.
"""
