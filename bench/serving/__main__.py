"""`python -m bench.serving`: the command line of bench/serving/cli.py."""

from __future__ import annotations

from bench.serving.cli import main

raise SystemExit(main())
