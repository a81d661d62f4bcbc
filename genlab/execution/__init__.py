"""How many runs are made: the one pipeline every comparison, search and tune goes through.

* :mod:`genlab.execution.pipeline`: :func:`~genlab.execution.pipeline.make_runs` decides for
  each requested run whether to reuse, resume or train it afresh, hands the work to an executor,
  reads every run back (:meth:`genlab.run_dir.RunDir.outcome`) and reports progress the same
  way whichever executor ran it;
* :mod:`genlab.execution.executors`: where runs execute (this process, local worker processes,
  Ray tasks), each calling :func:`genlab.run.run_one` exactly as ``genlab run`` does.

Nothing here knows what a comparison or a search is.
"""
