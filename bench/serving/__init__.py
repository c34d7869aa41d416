"""The serving bench, `python -m bench.serving` (bench/README.md), one concern per module;
run through `__main__.py`, imported otherwise only by tests/bench/test_bench_serving.py."""
