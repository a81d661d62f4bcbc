"""Hyperparameter search: declared spaces, Optuna studies, the validation sample trials are
scored on, and analysis of the results. Trials are runs made by :mod:`genlab.execution`.

Search spaces (:mod:`genlab.search.space`) are TensorFlow- and Optuna-free; the study
(:mod:`genlab.search.study`) imports Optuna only when a search runs.
"""
