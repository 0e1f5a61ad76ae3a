"""swarm's benchmark suite (not tests): run it with ``swarm bench`` or ``make bench``.

* :mod:`bench.streams`: end-to-end throughput and latency, full path vs raw Redis echo;
* :mod:`bench.fleet`: fleet start time and memory per hosted agent;
* :mod:`bench.store_bench`: store write rows/s against raw-driver baselines;
* :mod:`bench.suite`: all of it in one run, to ``bench/results/latest.json`` and a chart.
"""
