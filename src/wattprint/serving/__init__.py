"""wattprint.serving: the energy of a live inference server under load, per request and per token.

Joins energy, carbon and results; knows no workloads. Modules:

* :mod:`~wattprint.serving.loadgen`: streaming load generator (closed-loop concurrency, Poisson rates)
* :mod:`~wattprint.serving.prompts`: synthetic prompts of a set length, or a JSONL/CSV file
* :mod:`~wattprint.serving.fake_server`: a trivial OpenAI-compatible endpoint for tests and benchmarks
"""
