"""The serving bench's pure logic: instances from CSV rows, answers judged,
percentiles, the figures and targets' arithmetic, and the two outputs. No
server is started and no time is asserted."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from bench.serving import cli
from bench.serving import results as serving_results
from bench.serving.instances import instances_from_rows, load_instances, request_bodies
from bench.serving.load import ClientLog, Phase, answer_problem
from bench.serving.plan import Plan
from pipeline.scoring.model import Model

HEADER = ["fare", "company", "trip_start_timestamp", "tips", "not_in_spec"]


def _write_quarter(root: Path, quarter: str, rows) -> None:
    (root / quarter).mkdir(parents=True)
    with (root / quarter / "trips.csv").open("w", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *rows])


def test_instances_keep_typed_serving_features_and_leave_out_empty_cells():
    rows = iter(
        [
            HEADER,
            ["9.25", "Taxi Affiliation Services", "1476784800", "2.0", "x"],
            ["", "", "1476784900", "0", ""],
        ]
    )
    assert list(instances_from_rows(rows)) == [
        {"fare": 9.25, "company": "Taxi Affiliation Services", "trip_start_timestamp": 1476784800},
        {"trip_start_timestamp": 1476784900},
    ]


def test_instances_come_from_the_newest_quarters_first(tmp_path):
    _write_quarter(tmp_path, "2016-07-01", [["1", "old", "1", "0", ""]] * 3)
    _write_quarter(tmp_path, "2016-10-01", [["2", "new", "2", "0", ""]] * 2)
    companies = [i["company"] for i in load_instances(tmp_path, 4)]
    assert companies == ["new", "new", "old", "old"]


def test_bundled_data_gives_instances_without_the_label_source():
    from pipeline.config import DEFAULT_DATA_ROOT

    instances = load_instances(Path(DEFAULT_DATA_ROOT), 50)
    assert len(instances) == 50
    assert all("tips" not in instance and instance for instance in instances)


def test_request_bodies_are_whole_batches():
    instances = [{"fare": float(i)} for i in range(10)]
    bodies = request_bodies(instances, 4)
    assert [len(json.loads(body)["instances"]) for body in bodies] == [4, 4]
    assert json.loads(bodies[1])["instances"][0] == {"fare": 4.0}


@pytest.mark.parametrize(
    "status, payload, problem",
    [
        (200, b'{"predictions": [[0.1], [0.9]]}', None),
        (200, b'{"predictions": [[0.1]]}', "HTTP 200 with 1 predictions for 2 instances"),
        (200, b"<html>", "HTTP 200 without a predictions list: <html>"),
        (200, b'{"predictions": 3}', 'HTTP 200 without a predictions list: {"predictions": 3}'),
        (
            400,
            b'{"error": "instances[0].fare: bad"}',
            'HTTP 400: {"error": "instances[0].fare: bad"}',
        ),
    ],
)
def test_an_answer_must_hold_one_prediction_per_instance(status, payload, problem):
    assert answer_problem(status, payload, batch_size=2) == problem


def test_percentiles_are_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert [serving_results.percentile(values, p) for p in (50, 90, 99, 100)] == [
        50.0,
        90.0,
        99.0,
        100.0,
    ]
    assert serving_results.percentile([7.0], 99) == 7.0
    assert serving_results.percentile([1.0, 2.0, 3.0], 0) == 1.0
    assert serving_results.percentile([], 50) is None


def _log(latencies, errors=0, samples=()):
    return ClientLog(
        latencies_ms=list(latencies),
        instances=len(latencies) * 4,
        errors=errors,
        error_samples=list(samples),
        connections=1,
    )


def test_phase_summary_counts_answers_errors_and_throughput():
    phase = Phase(
        batch_size=4,
        seconds=2.0,
        logs=[
            _log([3.0, 1.0]),
            _log([2.0, 10.0], errors=2, samples=["HTTP 400: a", "HTTP 400: b"]),
        ],
    )
    warmup = Phase(batch_size=4, seconds=1.0, logs=[_log([5.0], errors=1, samples=["timeout"])])
    summary = serving_results.phase_summary(phase, warmup)
    assert (
        summary["requests"],
        summary["instances"],
        summary["errors"],
        summary["warmup_errors"],
        summary["connections"],
    ) == (4, 16, 2, 1, 2)
    assert summary["latency_ms"] == {"p50": 2.0, "p90": 10.0, "p99": 10.0, "max": 10.0}
    assert summary["requests_per_second"] == 2.0
    assert summary["instances_per_second"] == 8.0
    assert summary["error_samples"] == ["timeout", "HTTP 400: a", "HTTP 400: b"]


def test_memory_growth_is_end_over_the_first_sample_after_warm_up():
    samples = [(0.0, 50), (1.0, 100), (2.0, 130), (3.0, 105)]
    memory = serving_results.memory_summary(samples, measured_from=0.5)
    assert (
        memory["after_warmup_bytes"],
        memory["end_bytes"],
        memory["peak_bytes"],
        memory["growth"],
    ) == (100, 105, 130, 1.05)
    assert serving_results.memory_summary([], measured_from=0.0)["growth"] is None


def _phase(batch_size, p99, errors=0, warmup_errors=0):
    return {
        "batch_size": batch_size,
        "requests": 100,
        "errors": errors,
        "warmup_errors": warmup_errors,
        "latency_ms": {"p99": p99},
    }


def _verdicts(phases, growth):
    return {
        t.name: t.verdict
        for t in serving_results.targets(
            phases,
            {"growth": growth, "after_warmup_bytes": 100, "end_bytes": 100, "peak_bytes": 100},
        )
    }


def test_targets():
    met = _verdicts([_phase(1, 49.9), _phase(64, 400.0)], growth=1.09)
    assert set(met.values()) == {"met"}
    missed = _verdicts([_phase(1, 50.0), _phase(64, 1.0, warmup_errors=1)], growth=1.10)
    assert set(missed.values()) == {"missed"}
    unmeasured = _verdicts([_phase(64, 1.0)], growth=None)
    assert unmeasured["p99 latency at batch 1, ms"] == "not measured"
    assert unmeasured["server RSS growth, end / after warm-up"] == "not measured"


def _document():
    phases = [
        serving_results.phase_summary(
            Phase(size, 1.0, [_log([1.0, 2.0], errors=1, samples=["HTTP 400: bad"])]),
            Phase(size, 1.0, [_log([])]),
        )
        for size in (1, 64)
    ]
    memory = serving_results.memory_summary([(0.0, 2**30), (1.0, 2**30)], 0.0)
    return serving_results.document(
        started="2026-01-01T00:00:00+00:00",
        command="python -m bench.serving",
        server_command=["python", "-m", "pipeline", "serve"],
        ready_seconds=14.0,
        model=Model(Path("runs/serving/chicago-taxi/7"), "7"),
        model_name="chicago-taxi",
        plan=Plan((1, 64), clients=8, warmup_seconds=2.0, seconds=25.0),
        distinct_instances=2048,
        phases=phases,
        memory=memory,
    )


def test_results_are_written_as_json_and_markdown(tmp_path):
    json_path, markdown_path = serving_results.write(_document(), tmp_path / "results")
    written = json.loads(json_path.read_text())
    assert written["model"] == {
        "name": "chicago-taxi",
        "version": "7",
        "path": "runs/serving/chicago-taxi/7",
    }
    assert [t["met"] for t in written["targets"]] == [True, False, True]
    text = markdown_path.read_text()
    assert "| errors | 2 | 0 | **missed** |" in text
    assert "| 64 | 2 | 8 | 1 (0) | 1.0 | 2.0 | 2.0 | 2.0 | 2.0 | 8 | 1 |" in text
    assert "- batch 1: `HTTP 400: bad`" in text


def test_no_pushed_model_exits_2_and_says_make_run(tmp_path, capsys):
    assert cli.main(["--serving-dir", str(tmp_path)]) == 2
    assert "run `make run` first" in capsys.readouterr().err


def test_an_unservable_newest_version_is_named_not_called_missing(tmp_path, capsys):
    version = tmp_path / "3"
    version.mkdir()
    (version / "saved_model.pb").write_bytes(b"")  # No schema beside it.
    assert cli.main(["--serving-dir", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert f"{version} has no assets.extra/schema.pbtxt" in error
    assert "make run" not in error
