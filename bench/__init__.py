"""Benchmarks for SmartUps bot: ``python -m bench`` (or ``make bench``).

Synthetic data sets of 1,000, 10,000 and 100,000 startups are generated (deterministically)
under ``bench/data/`` and loaded through the real loader and store; latency, load time,
event-loop lag, memory and end-to-end Discord timings are measured against targets and naive
baselines, and written to ``bench/results/``.
"""
