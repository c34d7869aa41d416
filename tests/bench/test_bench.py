"""The benchmark harness: dataset generation, measurement, the targets'
arithmetic, and a --quick smoke run of all five systems (no timing asserted)."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest

from bench import datasets, measure, results
from bench.run import Plan, Run, benchmark
from bench.systems import System


def _rows(path: Path):
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_sizes_parse_and_bad_ones_are_named():
    assert datasets.rows_for("1m") == 1_000_000
    assert datasets.rows_for("250k") == 250_000
    assert datasets.rows_for("15k") == 15_002  # The bundled data itself.
    assert datasets.rows_for("2500") == 2500
    for bad in ("lots", "10", "1x"):
        with pytest.raises(ValueError, match=repr(bad)):
            datasets.rows_for(bad)


def test_generated_dataset_resamples_with_jitter_in_the_layout(tmp_path):
    dataset = datasets.prepare("3k", tmp_path)
    files = sorted(dataset.trips.glob("*/trips.csv"))
    rows = [row for path in files for row in _rows(path)]
    assert len(rows) == 3000
    # One folder per quarter, every row in the quarter of its start time.
    from components.rows.spans import quarter_start

    for path in files:
        assert {quarter_start(int(r["trip_start_timestamp"])) for r in _rows(path)} == {
            path.parent.name
        }
    # TFX's example gets the same files in one folder.
    assert sorted(p.name for p in dataset.flat.iterdir()) == [f"{p.parent.name}.csv" for p in files]
    # Floats are jittered.
    source = _rows(Path(datasets.DEFAULT_DATA_ROOT) / "2013-01-01" / "trips.csv")
    assert not {r["fare"] for r in rows} <= {r["fare"] for r in source}
    assert all(float(r["fare"]) >= 0 for r in rows if r["fare"])


def test_jitter_keeps_empty_cells_and_zeros():
    import numpy as np

    values = np.array([np.nan, 0.0, 5.0, 0.001])
    rng = np.random.default_rng(0)
    jittered = datasets.jitter(values, 1.0, non_negative=True, rng=rng)
    assert np.isnan(jittered[0]) and jittered[1] == 0.0
    assert jittered[2] != 5.0 and jittered[3] >= 0.0
    signed = datasets.jitter(np.array([41.9, 0.0]), 0.01, non_negative=False, rng=rng)
    assert abs(signed[0] - 41.9) < 0.1 and signed[1] != 0.0


def test_generation_is_reproducible_and_reused(tmp_path):
    first = datasets.prepare("1k", tmp_path / "a")
    second = datasets.prepare("1k", tmp_path / "b")
    read = lambda d: sorted(p.read_bytes() for p in d.trips.glob("*/trips.csv"))  # noqa: E731
    assert read(first) == read(second)
    marker = next(first.trips.glob("*/trips.csv"))
    mtime = marker.stat().st_mtime_ns
    datasets.prepare("1k", tmp_path / "a")
    assert marker.stat().st_mtime_ns == mtime  # Same manifest: not regenerated.


def test_history_holds_back_the_newest_quarter_until_it_is_linked_in(tmp_path):
    dataset = datasets.prepare("15k", tmp_path / "data")
    quarters = datasets.quarter_folders(dataset)
    history = datasets.link_history(dataset, tmp_path / "history")
    assert history.rows == dataset.rows
    linked = datasets.quarter_folders(history)
    assert [q.name for q in linked] == [q.name for q in quarters[:-1]]
    assert all(q.is_symlink() and q.resolve() == d.resolve() for q, d in zip(linked, quarters))
    assert datasets.link_next_quarter(dataset, history) == len(quarters)
    newest = history.trips / quarters[-1].name
    assert [q.name for q in datasets.quarter_folders(history)] == [q.name for q in quarters]
    assert (newest / "trips.csv").read_bytes() == (quarters[-1] / "trips.csv").read_bytes()


def _quarter_lister() -> System:
    """An incremental system that prints the quarter folders of its data root."""
    return System(
        key="pipeline",
        label="lists quarters",
        command=lambda data, out: [
            sys.executable,
            "-c",
            "import os, sys; print(sorted(os.listdir(sys.argv[1])))",
            str(data.trips),
        ],
        incremental=True,
    )


def _plan(tmp_path, system, **fields) -> Plan:
    """Two repeats of `system` on the bundled 15k rows."""
    return Plan(
        sizes=["15k"],
        systems=[system],
        repeats=2,
        data_dir=tmp_path / "data",
        work_dir=tmp_path / "work",
        tfx_max_rows=1_000_000,
        **fields,
    )


def test_an_incremental_system_runs_history_then_add_quarter_in_its_repeat(tmp_path):
    lister = _quarter_lister()
    plan = _plan(tmp_path, lister)
    runs = benchmark(plan, report=lambda line: None)
    assert [(r.repeat, r.mode) for r in runs] == [
        (repeat, mode) for repeat in (1, 2) for mode in ("cold", "history", "add-quarter")
    ]
    quarters = [q.name for q in datasets.quarter_folders(datasets.prepare("15k", plan.data_dir))]
    listed = {(r.repeat, r.mode): Path(r.log).read_text().strip() for r in runs}
    assert listed[2, "history"] == repr(quarters[:-1])
    assert listed[2, "add-quarter"] == listed[2, "cold"] == repr(quarters)
    assert not (plan.work_dir / "15k" / "pipeline-1").exists()  # Cleaned up.


def test_by_quarter_runs_add_one_quarter_a_run_oldest_first_in_the_first_repeat(tmp_path):
    lister = _quarter_lister()
    plan = _plan(tmp_path, lister, by_quarter_sizes=["15k"])
    runs = benchmark(plan, report=lambda line: None)
    quarters = [q.name for q in datasets.quarter_folders(datasets.prepare("15k", plan.data_dir))]
    by_quarter = [r for r in runs if r.mode == "by-quarter"]
    assert [(r.repeat, r.quarters) for r in by_quarter] == [
        (1, k) for k in range(1, len(quarters) + 1)
    ]
    for run in by_quarter:
        assert Path(run.log).read_text().strip() == repr(quarters[: run.quarters])
    assert [r.mode for r in runs if r.repeat == 2] == ["cold", "history", "add-quarter"]


def test_a_baseline_on_the_pipelines_examples_reads_its_cold_output_dir(tmp_path):
    # Leaves a marker in its output dir; the baseline prints whether it sees it.
    writer = System(
        key="pipeline",
        label="writes a marker",
        command=lambda data, out: [
            sys.executable,
            "-c",
            "import pathlib, sys; out = pathlib.Path(sys.argv[1]); out.mkdir(parents=True); "
            "(out / 'marker').touch()",
            str(out),
        ],
    )
    reader = System(
        key="sklearn",
        label="reads the marker",
        command=lambda data, out: [
            sys.executable,
            "-c",
            "import json, pathlib, sys; marker = pathlib.Path(sys.argv[1], 'marker'); "
            "print('metrics: ' + json.dumps({'auc': 0.9, 'marker': float(marker.exists())}))",
            str(out),
        ],
        examples_of=writer,
    )
    plan = Plan(
        sizes=["15k"],
        systems=[writer, reader],
        repeats=1,
        data_dir=tmp_path / "data",
        work_dir=tmp_path / "work",
        tfx_max_rows=1_000_000,
    )
    runs = benchmark(plan, report=lambda line: None)
    assert runs[1].metrics == {"auc": 0.9, "marker": 1.0}


def test_measure_sees_child_processes_memory_and_exit_code(tmp_path):
    # A child that spawns a grandchild holding 300 MB.
    script = (
        "import subprocess, sys; subprocess.run([sys.executable, '-c', "
        '"b = bytearray(300 * 2**20); import time; time.sleep(1)"]); sys.exit(3)'
    )
    measured = measure.run([sys.executable, "-c", script], tmp_path / "log")
    assert measured.exit_code == 3
    assert measured.peak_rss_bytes >= 300 * 2**20
    assert measured.wall_seconds >= 1
    first, last = measured.samples[0][0], measured.samples[-1][0]
    assert measured.peak_between(first, last) == measured.peak_rss_bytes
    assert measured.peak_between(last + 1, last + 2) == 0


def _run(size, system, repeat, wall, mode="cold", rss=2**30, auc=None, accuracy=None):
    metrics = {k: v for k, v in (("auc", auc), ("binary_accuracy", accuracy)) if v}
    return Run(
        size=size,
        rows=datasets.rows_for(size),
        system=system,
        repeat=repeat,
        mode=mode,
        wall_seconds=wall,
        peak_rss_bytes=rss,
        exit_code=0,
        log="",
        metrics=metrics,
    )


def test_targets_pair_runs_by_repeat_and_say_met_missed_or_not_measured():
    runs = [
        _run("15k", "pipeline", 1, 40, auc=0.95),
        _run("15k", "tfx_example", 1, 100, accuracy=0.79),
        _run("15k", "pipeline", 2, 60, auc=0.94),
        _run("15k", "tfx_example", 2, 100, accuracy=0.79),
        _run("15k", "pipeline", 1, 8, mode="cached"),
        _run("15k", "pipeline", 2, 30, mode="cached"),
        _run("15k", "pipeline", 1, 20, mode="rerun"),
        _run("1m", "pipeline", 1, 90, rss=2 * 2**30, auc=0.92),
        _run("1m", "tfx_example", 1, 300),
        _run("5m", "pipeline", 1, 400, rss=int(3.2 * 2**30)),
    ]
    found = {t.name: t for t in results.targets(runs, [0.3, 0.4, 0.5])}
    at_15k = found["cold wall time vs TFX's example at 15k"]
    assert at_15k.value == pytest.approx(0.5) and at_15k.verdict == "met"
    # Fast enough at 1M, but the AUC is below 0.93.
    assert found["cold wall time vs TFX's example at 1m"].verdict == "missed"
    rss = found["peak RSS at 5m vs 1m rows"]
    assert rss.value == pytest.approx(1.6) and rss.verdict == "missed"
    cached = found["fully cached re-run vs cold run at 15k"]
    # A figure with its verdict retired.
    assert cached.value == pytest.approx((8 / 40 + 30 / 60) / 2) and cached.verdict == "no verdict"
    assert not any("cached re-run" in name and "1m" in name for name in found)
    assert found["python -m pipeline --help"].verdict == "met"


def test_add_quarter_targets_pair_runs_by_repeat_and_tfx_gets_no_verdict():
    runs = [
        _run("15k", "pipeline", 1, 100, auc=0.95),
        _run("15k", "pipeline", 1, 20, mode="add-quarter", auc=0.952),
        _run("15k", "tfx_example", 1, 200),
        _run("15k", "pipeline", 2, 80, auc=0.95),
        _run("15k", "pipeline", 2, 16, mode="add-quarter", auc=0.946),
        _run("15k", "tfx_example", 2, 160),
        # No cold run in its repeat to pair with.
        _run("15k", "pipeline", 3, 90, mode="add-quarter", auc=0.90),
        _run("1m", "pipeline", 1, 100, auc=0.95),
        _run("1m", "pipeline", 1, 50, mode="add-quarter", auc=0.94),
    ]
    found = {t.name: t for t in results.targets(runs, [0.3])}
    ratio = found["adding one quarter vs this pipeline's cold run at 15k"]
    assert ratio.value == pytest.approx(0.2) and ratio.verdict == "met"
    against_tfx = found["adding one quarter vs TFX's example at 15k"]
    assert against_tfx.value == pytest.approx(0.1) and against_tfx.verdict == "no verdict"
    auc = found["AUC trained incrementally vs a full re-run at 15k"]
    assert auc.value == pytest.approx(0.004) and auc.verdict == "met"
    assert found["adding one quarter vs this pipeline's cold run at 1m"].verdict == "missed"
    assert found["AUC trained incrementally vs a full re-run at 1m"].verdict == "missed"
    assert found["adding one quarter vs TFX's example at 1m"].verdict == "not measured"


def _by_quarter_run(quarters, wall, components):
    run = _run("1m", "pipeline", 1, wall, mode="by-quarter")
    run.quarters = quarters
    run.component_seconds = components
    return run


def test_by_quarter_takes_one_of_the_benchmarks_sizes(tmp_path, capsys):
    from bench.__main__ import main

    assert main(["--sizes", "15k", "--by-quarter", "15k,100k"]) == 2
    assert "--by-quarter takes one size, got 15k,100k" in capsys.readouterr().err
    assert main(["--sizes", "15k", "--by-quarter", "100k"]) == 2
    assert "['100k'] are not among the benchmark's sizes" in capsys.readouterr().err


def test_the_kth_quarter_is_held_to_the_fourths_cost_and_charted(tmp_path):
    runs = [
        _by_quarter_run(k, 100 + 10 * k, {"Transform": 5.0 * k, "Evaluator": 8.0 * k})
        for k in range(1, 17)
    ]
    found = {t.name: t for t in results.targets(runs, [0.3])}
    growth = found["cost of the newest quarter vs the 4th at 1m"]
    assert growth.value == pytest.approx(260 / 140) and growth.verdict == "missed"
    paths = results.write(runs, [0.3], "2026-01-01T00:00:00+00:00", 1, tmp_path)
    markdown = paths["markdown"].read_text()
    assert "| k | wall s | peak RSS GiB | Evaluator | Transform | rest |" in markdown
    # Evaluator 8 s, Transform 5 s, and the 97 s outside them.
    assert "| 1 | 110.0 | 1.00 | 8.0 | 5.0 | 97.0 |" in markdown
    assert paths["by_quarter_chart"].stat().st_size > 0
    # A row per quarter there, none among the medians.
    assert all(
        row["mode"] != "by-quarter" for row in json.loads(paths["json"].read_text())["summary"]
    )
    flat = [_by_quarter_run(k, 100, {}) for k in range(1, 17)]
    assert results._kth_quarter_growth(flat).verdict == "met"
    assert results._kth_quarter_growth(flat[:4]).verdict == "not measured"


def test_results_spell_out_verdicts_and_show_the_add_quarter_modes(tmp_path):
    runs = [
        _run("15k", "pipeline", 1, 100, auc=0.95),
        _run("15k", "pipeline", 1, 8, mode="cached"),
        _run("15k", "pipeline", 1, 90, mode="history"),
        _run("15k", "pipeline", 1, 20, mode="add-quarter", auc=0.951),
        _run("15k", "sklearn", 1, 30, auc=0.96, accuracy=0.91),
    ]
    runs[0].component_seconds = {"Trainer": 12.5}
    runs[-1].metrics["training_seconds"] = 4.3
    paths = results.write(runs, [0.3], "2026-01-01T00:00:00+00:00", 1, tmp_path)
    verdicts = {t["name"]: t["verdict"] for t in json.loads(paths["json"].read_text())["targets"]}
    assert verdicts["fully cached re-run vs cold run at 15k"] == "no verdict"
    assert verdicts["adding one quarter vs this pipeline's cold run at 15k"] == "met"
    assert verdicts["adding one quarter vs TFX's example at 15k"] == "not measured"
    markdown = paths["markdown"].read_text()
    assert "| 0.080 | none | **no verdict** |" in markdown
    assert "| 15,002 | this pipeline | history | 90.0 [90.0-90.0] |" in markdown
    assert "| 15,002 | this pipeline | add-quarter | 20.0 [20.0-20.0] |" in markdown
    # The quality table: the Trainer's seconds, or the baseline's own fit.
    assert "| 15,002 | this pipeline | cold | n/a | 0.9500 | 12.5 |" in markdown
    sklearn_row = "| 15,002 | scikit-learn HistGradientBoosting | cold | 0.9100 | 0.9600 | 4.3 |"
    assert sklearn_row in markdown


@pytest.mark.slow
def test_quick_benchmark_runs_every_system_and_writes_the_results(tmp_path):
    from bench.__main__ import main

    exit_code = main(
        [
            "--quick",
            "--results",
            str(tmp_path / "results"),
            "--work-dir",
            str(tmp_path / "work"),
            "--data-dir",
            str(tmp_path / "data"),
        ]
    )
    document = json.loads((tmp_path / "results" / "results.json").read_text())
    failed = [r["log"] for r in document["runs"] if r["exit_code"] != 0]
    assert exit_code == 0, f"failed runs, see {failed}"
    measured = {(r["system"], r["mode"]) for r in document["runs"]}
    # TFX's example runs cold only in a smoke run.
    assert measured == {("pipeline", mode) for mode in ("cold", "rerun", "cached")} | {
        ("pipeline", "history"),
        ("pipeline", "add-quarter"),
    } | {(system, "cold") for system in ("tfx_example", "tfdv", "polars", "sklearn")}
    by_key = {(r["system"], r["mode"]): r for r in document["runs"]}
    ours, theirs = by_key["pipeline", "cold"], by_key["tfx_example", "cold"]
    assert ours["metrics"]["auc"] > 0.5 and theirs["metrics"]["binary_accuracy"] > 0.5
    assert {"CsvExampleGen", "Transform", "Trainer", "Evaluator"} <= set(ours["component_seconds"])
    assert {"CsvExampleGen", "Transform", "Trainer", "Evaluator"} <= set(
        theirs["component_seconds"]
    )
    assert ours["component_peak_rss_bytes"]["Trainer"] > 0
    assert by_key["pipeline", "cached"]["component_seconds"]["Evaluator"] < 1
    # The history ingests every quarter but the newest; adding it, only it.
    history, added = by_key["pipeline", "history"], by_key["pipeline", "add-quarter"]
    assert "Spans: ingested 15, 2013-01-01 to 2016-07-01" in Path(history["log"]).read_text()
    assert "Spans: ingested 2016-10-01\n" in Path(added["log"]).read_text()
    assert added["metrics"]["auc"] > 0.5 and "Trainer" in added["component_seconds"]
    sklearn = by_key["sklearn", "cold"]["metrics"]
    assert sklearn["auc"] > 0.5 and sklearn["training_seconds"] > 0
    # Evaluated on the pipeline's own eval split.
    assert sklearn["eval_examples"] == ours["metrics"]["example_count"]
    for run in document["runs"]:
        assert run["wall_seconds"] > 0 and run["peak_rss_bytes"] > 0
        assert run["rows"] == 15_002
    verdicts = {t["name"]: t["verdict"] for t in document["targets"]}
    assert "cold wall time vs TFX's example at 15k" in verdicts
    assert verdicts["adding one quarter vs TFX's example at 15k"] == "no verdict"
    assert verdicts["AUC trained incrementally vs a full re-run at 1m"] == "not measured"
    markdown = (tmp_path / "results" / "results.md").read_text()
    assert "| target |" in markdown and "TFX taxi example" in markdown
    assert (tmp_path / "results" / "results.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_analyzer_cache_bench_times_the_three_ways_on_a_runs_spans(small_run, tmp_path, capsys):
    from bench import analyzer_cache
    from pipeline.config import in_process_beam_args

    config, _, outputs = small_run
    spans = outputs["CsvExampleGen"]["outputs"]["examples"]
    beam_args = [f"--beam-arg={arg}" for arg in in_process_beam_args()]
    assert analyzer_cache.main([config.output_dir, "--work", str(tmp_path), *beam_args]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith(f"{len(spans)} spans")
    assert [line.split()[0] for line in printed[1:]] == list(analyzer_cache.MODES)
    # One entry per span's train split, the newest dropped before add-newest.
    assert len(list((tmp_path / "build-cache" / "cache").iterdir())) == len(spans) - 1
    assert (tmp_path / "add-newest" / "graph" / "transform_fn").is_dir()
